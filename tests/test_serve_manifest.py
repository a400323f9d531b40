"""The add-in's manifest as ``xlbilling serve --public-url`` renders it: every URL https on that host and served,
one long-lived runtime shared by the pane, the buttons and the functions; and the lint that says so fails on
each rule broken."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.serve_support import PUBLIC, client, serving, settings
from xlbilling._sandbox import Sandbox
from xlbilling._serve.lint import NS, parsed, problems, urls
from xlbilling._serve.manifest import manifest_id, render
from xlbilling._serve.server import notes, open_server, served_here
from xlbilling._serve.settings import ADDIN, public_origin

#: The functions the add-in's taskpane.js associates (SERVE_CONTRACT.md, from the add-in's engineer).
ACTIONS = ["refreshAll", "refreshPeriods", "refreshCustomers", "refreshSummary", "refreshDetail",
           "refreshInvoiceLines", "refreshAnalysis", "refreshXariosInvoices", "buildInvoices", "reconcile", "margin",
           "clearCache"]  # fmt: skip


def test_every_url_is_https_on_the_public_host_and_the_manifest_is_clean() -> None:
    xml = render(PUBLIC)
    found = urls(parsed(xml))
    assert len(found) == 8  # once each: the pane, the functions, their metadata, 3 icons, the help page, the domain
    assert all(url in (PUBLIC, PUBLIC + "/") or url.startswith(PUBLIC + "/addin/") for url in found), found
    assert problems(xml, PUBLIC) == []


def test_every_url_of_the_manifest_is_served(sandbox: Sandbox, tmp_path: Path) -> None:
    """The running server serves each path the manifest names, from the add-in's shipped folder, without a
    token: the shipped files themselves, byte for byte."""
    paths = sorted({urlsplit(url).path or "/" for url in urls(parsed(render(PUBLIC)))})
    assert paths == ["/", "/addin/functions.js", "/addin/functions.json", "/addin/icon-16.png", "/addin/icon-32.png",
                     "/addin/icon-80.png", "/addin/taskpane.html"]  # fmt: skip
    with serving(sandbox, tmp_path, addin=ADDIN) as running, client(running, None) as http:
        answers = {path: http.get(path) for path in paths}
        manifest = http.get("/manifest.xml")
    assert {path: answer.status_code for path, answer in answers.items()} == dict.fromkeys(paths, 200)
    assert all(answers[path].content == (ADDIN / path.removeprefix("/addin/")).read_bytes() for path in paths[1:])
    assert manifest.headers["content-type"] == "application/xml"
    assert manifest.text == render(PUBLIC)
    assert problems(manifest.text, PUBLIC, lambda path: answers[path].status_code == 200) == []


def test_the_ribbon_runs_the_functions_the_pane_associates() -> None:
    root = parsed(render(PUBLIC))
    names = [str(element.text) for element in root.iter(f"{{{NS['ov']}}}FunctionName")]
    assert sorted(names) == sorted(ACTIONS)
    assert root.find(".//bt:ShortStrings/bt:String[@id='Functions.Namespace']", NS).get("DefaultValue") == "XLB"  # type: ignore[union-attr]


def test_each_address_is_an_add_in_of_its_own_with_xlbillings_version() -> None:
    assert manifest_id(PUBLIC) == manifest_id(PUBLIC)
    assert manifest_id(PUBLIC) != manifest_id("https://billing.example.com")
    root = parsed(render("https://billing.example.com:8443"))
    assert root.findtext("o:Version", namespaces=NS) == "0.1.0.0"
    assert root.find("o:DisplayName", NS).get("DefaultValue") == "xlbilling (billing.example.com:8443)"  # type: ignore[union-attr]
    assert problems(render("https://billing.example.com:8443"), "https://billing.example.com:8443") == []


MUTANTS = [
    ("<Id>[^<]+</Id>", "<Id>not-a-guid</Id>", "is not a GUID"),
    ("<Version>[^<]+</Version>", "<Version>1.0</Version>", "is not n.n.n.n"),
    ('DefaultValue="https://x.example/addin/functions.js"', 'DefaultValue="http://x.example/addin/functions.js"',
     "http://x.example/addin/functions.js is not https"),
    ("<AppDomain>https://x.example</AppDomain>", "<AppDomain>https://other.example</AppDomain>",
     "https://other.example is not on x.example"),
    ('lifetime="long"', 'lifetime="short"', 'lifetime is not "long"'),
    ("</Runtimes>", '<Runtime resid="Help.Url" lifetime="long"/></Runtimes>', "2 runtimes"),
    ('(<Page>\\s*)<SourceLocation resid="Taskpane.Url"/>', '\\1<SourceLocation resid="Help.Url"/>',
     "the custom functions' page uses 'Help.Url'"),
    ('<FunctionFile resid="Taskpane.Url"/>', '<FunctionFile resid="Help.Url"/>', "the FunctionFile uses 'Help.Url'"),
    ("<TaskpaneId>XLB.Pane</TaskpaneId><SourceLocation resid=\"Taskpane.Url\"/>",
     "<TaskpaneId>XLB.Pane</TaskpaneId><SourceLocation resid=\"Help.Url\"/>", "a pane button uses 'Help.Url'"),
    ('<Label resid="Tab.Label"/>', '<Label resid="Tab.Labels"/>', "resid 'Tab.Labels' is not defined"),
    ('id="Tab.Label"', 'id="Tab.Label.That.Is.Far.Too.Long.For.Office"', "is longer than 32 characters"),
    ('<Set Name="SharedRuntime" MinVersion="1.1"/>', "", "no SharedRuntime requirement set"),
]  # fmt: skip


@pytest.mark.parametrize(("pattern", "replacement", "said"), MUTANTS, ids=[said for _, _, said in MUTANTS])
def test_the_lint_finds_each_broken_rule(pattern: str, replacement: str, said: str) -> None:
    xml = render(PUBLIC)
    broken, count = re.subn(pattern, replacement, xml, count=1)
    assert count == 1, pattern
    assert [problem for problem in problems(broken, PUBLIC) if said in problem], problems(broken, PUBLIC)


def test_the_lint_finds_a_url_that_is_not_served() -> None:
    found = problems(render(PUBLIC), PUBLIC, lambda path: path != "/addin/functions.json")
    assert found == ["https://x.example/addin/functions.json is not served"]


def test_the_server_warns_at_start_of_each_add_in_file_it_lacks(sandbox: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "addin").mkdir()
    (tmp_path / "addin" / "taskpane.html").write_text("<!doctype html>")
    chosen = settings(tmp_path, public_url="http://127.0.0.1:8766")
    server = open_server(chosen)
    said = notes(server)
    server.users.close()
    assert said[0].startswith("warning: http://127.0.0.1:8766 is not https: Office loads add-ins only over https.")
    missing = sorted(re.findall(r"/addin/([\w.-]+) is not served", " ".join(said)))
    assert missing == ["functions.js", "functions.json", "icon-16.png", "icon-32.png", "icon-80.png"]
    assert said[-1].startswith("warning: nobody can sign in yet: run `xlbilling users add NAME --db ")
    assert served_here(chosen)("/addin/taskpane.html") and not served_here(chosen)("/addin/../serve.sqlite3")


@pytest.mark.parametrize(
    "given",
    [
        "ftp://x.example",
        "https://x.example/billing",
        "https://x.example?a=1",
        "https://u@x.example",
        "x.example",
        "https://x.example:99999",
    ],
)
def test_a_public_url_is_an_origin(given: str) -> None:
    from xlbilling._errors import InputError

    with pytest.raises(InputError, match="Give the server's https origin only"):
        public_origin(given)
    assert public_origin(" https://Billing.Example.com/ ") == "https://billing.example.com"
