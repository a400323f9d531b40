"""The Billing pane (the shipped taskpane.html, functions.js, workbook.js, taskpane.js) in Debian's headless
Chromium, served by the real ``xlbilling serve`` on loopback; office.js from Microsoft's CDN is answered with a
stand-in (tests/addin/office_stub.js) that keeps a small workbook model and records what ``Excel.run`` wrote.

What this proves: the pane signs in, sends the bearer token (same origin: no CORS preflight), writes the
server's tables with the right sheets, names, columns, dates and text, keeps a user's columns and review
decisions, runs an invoice job to a download, and shows errors, with no page error. What it cannot: that
Excel runs these Excel.run calls as the stand-in does (docs/addin.md, "Checked only in Excel").
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.officejs_support import ADDIN_TESTS, TOKEN, Served

OFFICE_JS = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js"
CHROMIUM = "/usr/bin/chromium-headless-shell"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]  # fmt: skip
PERIOD = "2026-10-31"
WAIT = 60_000
"""Milliseconds a pane action may take on a busy machine (the invoice run takes a few seconds alone)."""


@dataclass
class Pane:
    """The pane in a page, and what it did: requests sent, page errors."""

    page: Any
    served: Served
    requests: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def sign_in(self, token: str | None = None) -> None:
        self.page.fill("#token", token or self.served.token)
        self.page.click("#signin-button")

    # Waiting goes through Playwright's locators: the server's Content-Security-Policy (no eval) stays on.
    def signed_in(self) -> None:
        expect(self.page.locator("#work")).to_be_visible(timeout=WAIT)
        expect(self.page.locator("#period option")).not_to_have_count(0, timeout=WAIT)

    def said(self, pattern: str) -> str:
        """Wait until the status line matches ``pattern`` (a regular expression); its text."""
        expect(self.page.locator("#status")).to_have_text(re.compile(pattern), timeout=WAIT)
        return str(self.page.text_content("#status"))

    def failed(self, pattern: str) -> str:
        """Wait until the error line shows and matches ``pattern``; its text."""
        expect(self.page.locator("#error")).to_be_visible(timeout=WAIT)
        expect(self.page.locator("#error")).to_have_text(re.compile(pattern), timeout=WAIT)
        return str(self.page.text_content("#error"))

    def refresh(self, key: str) -> str:
        self.page.select_option("#table", key)
        self.page.click("#refresh")
        return self.said("^Refreshed ")

    def table(self, name: str) -> Any:
        """The table ``name`` as the stand-in holds it (one JSON string: thousands of cells cross quickly)."""
        return json.loads(self.page.evaluate("name => JSON.stringify(window.__xlb.table(name))", name))

    def api(self) -> list[Any]:
        return [request for request in self.requests if "/api/" in request.url]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def pane(browser: Any, xlbilling_server: Served) -> Iterator[Pane]:
    """The pane opened fresh (nothing stored, an empty workbook), office.js answered with the stand-in."""
    context = browser.new_context(viewport={"width": 340, "height": 900}, accept_downloads=True)
    page = context.new_page()
    opened = Pane(page, xlbilling_server)
    stub = (ADDIN_TESTS / "office_stub.js").read_text()
    page.route(OFFICE_JS, lambda route: route.fulfill(status=200, content_type="text/javascript", body=stub))
    page.on("request", lambda request: opened.requests.append(request))
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    page.on("console", lambda message: opened.errors.append(message.text) if _logged(message) else None)
    page.goto(f"{xlbilling_server.url}/addin/taskpane.html")
    expect(page.locator("#signin")).to_be_visible(timeout=WAIT)
    yield opened
    context.close()
    assert not opened.errors, opened.errors
    sent = opened.api()
    assert all(request.method != "OPTIONS" for request in sent), "a CORS preflight was sent"


def _logged(message: Any) -> bool:
    """Whether a console message is an error of the pane's (the browser's own line for a failed request or an
    HTTP error status, which the tests provoke and check, is not)."""
    return bool(message.type == "error" and not message.text.startswith("Failed to load resource: "))


def _as_written(value: Any) -> Any:
    """A value of /api/tables as the stand-in's cell holds it once written: dates (and times) as Excel serials,
    text as text."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?", value):
        return (datetime.fromisoformat(value) - datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(value, str) and value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
        return value[1:]
    return value


def assert_written(pane: Pane, entry: dict[str, Any]) -> None:
    """The table ``entry`` of /api/tables is in the workbook as Excel would hold it."""
    found = pane.table(entry["table"])
    assert found is not None, f"no {entry['table']} table: {pane.page.evaluate('window.__xlb.tables()')}"
    assert found["sheet"] == entry["sheet"]
    assert found["address"].split(":")[0] == entry["anchor"]
    header, *body = found["cells"]
    assert [cell["value"] for cell in header] == entry["columns"]
    assert len(body) == max(len(entry["rows"]), 1)
    for row, cells in zip(entry["rows"], body, strict=False):
        for column, value, cell in zip(entry["columns"], row, cells, strict=True):
            where = f"{entry['table']}.{column}: {cell} for {value!r}"
            written = _as_written(value)
            assert cell.get("value", "") == written, where
            if isinstance(value, str) and value:  # a date is a formatted number, any other text stays text
                dated = not isinstance(written, str)
                assert cell["kind"] == ("number" if dated else "text"), where
                assert not dated or cell["format"] == ("yyyy-mm-dd" if len(value) == 10 else "yyyy-mm-dd hh:mm"), where


def test_sign_in_fills_the_lists_and_is_kept_for_the_next_start(pane: Pane) -> None:
    pane.sign_in("xlb_" + "A" * 43)
    assert pane.failed("^Sign in again") == "Sign in again: your xlbilling token is missing, wrong or revoked."
    pane.sign_in()
    pane.signed_in()
    assert pane.page.text_content("#who") == "Signed in as clerk"
    assert pane.page.input_value("#period") == PERIOD  # the latest closed period is chosen
    periods = pane.served.get("/api/periods").json()
    assert len(pane.page.query_selector_all("#period option")) == len(periods)
    customers = pane.served.get("/api/customers").json()
    assert len(pane.page.query_selector_all("#customer option")) == len(customers) + 1  # and "Every customer"
    pane.page.reload()
    pane.signed_in()  # the token kept in OfficeRuntime.storage signs in again
    assert pane.page.text_content("#who") == "Signed in as clerk"
    bearer = f"Bearer {pane.served.token}"
    assert all(request.headers.get("authorization") == bearer for request in pane.api() if "/api/me" not in request.url)


def test_a_server_that_cannot_be_reached_at_start_is_said_and_sign_in_offered(pane: Pane) -> None:
    pane.page.evaluate("token => OfficeRuntime.storage.setItem('xlbilling.token', token)", pane.served.token)
    pane.page.route("**/api/me", lambda route: route.abort())
    pane.page.reload()
    host = pane.served.url.split("//")[1]
    assert pane.failed("cannot be reached") == (
        f"The xlbilling server {host} cannot be reached: check your network, or ask your admin whether it runs."
    )
    expect(pane.page.locator("#signin")).to_be_visible()
    pane.page.unroute("**/api/me")
    pane.sign_in()
    pane.signed_in()


def test_refresh_all_writes_every_table_as_the_server_sends_it(pane: Pane) -> None:
    pane.sign_in()
    pane.signed_in()
    said = pane.refresh("")
    expected = pane.served.get(f"/api/tables?period={PERIOD}").json()["tables"]
    assert said.startswith("Refreshed Periods (")
    assert pane.page.evaluate("window.__xlb.sheets()") == list(dict.fromkeys(entry["sheet"] for entry in expected))
    for entry in expected:
        assert_written(pane, entry)
        stamp = pane.page.evaluate("([s, c]) => window.__xlb.cell(s, c)", [entry["sheet"], entry["stamp_cell"]])
        assert stamp["value"].startswith(entry["stamp"].split(",")[0]), stamp
        if "printed_cell" in entry:  # what the sheet holds and for which period, printed atop its pages
            printed = pane.page.evaluate("([s, c]) => window.__xlb.cell(s, c)", [entry["sheet"], entry["printed_cell"]])
            assert (printed["kind"], printed["value"]) == ("text", entry["printed"])
    assert pane.table("Fetched") is None, "a workbook without the Fetched table gets none"
    hard = pane.table("Customers")["cells"]
    formula_like = [cell for row in hard for cell in row if str(cell.get("value", "")).startswith("=HYPERLINK")]
    assert formula_like and all(cell["kind"] == "text" for cell in formula_like), "API text became a formula"
    assert not pane.page.evaluate("window.__xlb.tables().filter(t => t.sheet === 'Summary').length > 1")


def test_a_refresh_updates_its_rows_of_the_fetched_table_and_keeps_the_others(pane: Pane) -> None:
    """The Overview's figures read the Fetched table: a refresh in the pane rewrites the rows of what it wrote, as
    the server gives them, and keeps the rows of the other data sets (here Built invoices, which the pane never
    refreshes), in the refresh's order."""
    pane.sign_in()
    pane.signed_in()
    built = ["Built invoices", "2026-10-31", True, "invoices/2026-10-31/manifest.json", 21, "2026-11-20T16:05:00"]
    columns = ["data", "period_end", "closed", "source", "rows", "refreshed_utc"]
    template = {"key": "fetched", "sheet": "Fetched", "table": "Fetched", "anchor": "A3", "identity": ["data"],
                "columns": columns, "rows": [built]}  # fmt: skip
    pane.page.evaluate("entry => XLB_WORKBOOK.writeTables([entry])", template)
    pane.refresh("summary")
    rows = pane.table("Fetched")["cells"][1:]
    assert [row[0]["value"] for row in rows] == ["Summary", "Built invoices"]
    assert [cell.get("value") for cell in rows[1]] == [_as_written(value) for value in built]
    assert rows[1][1]["format"] == "yyyy-mm-dd" and rows[1][5]["format"] == "yyyy-mm-dd hh:mm"
    summary = pane.served.get(f"/api/tables?only=summary&period={PERIOD}").json()["fetched"]["rows"][0]
    assert [cell.get("value") for cell in rows[0][:5]] == [_as_written(value) for value in summary[:5]]
    assert summary[:4] == ["Summary", PERIOD, True, "Atria"] and rows[0][5]["format"] == "yyyy-mm-dd hh:mm"


def test_text_stays_text_whatever_it_looks_like(pane: Pane) -> None:
    # What the server sends is already safe (its formula-like text comes behind '); the pane adds Excel's text
    # prefix to every text it writes, so account codes with leading zeros, TRUE or 1/2 stay what Atria said.
    texts = ["00123", "TRUE", "1.50", "-5", "=1+2", "'=SUM(A1)", "@cmd", "O'Brien", "1/2"]
    entry = {"key": "customers", "sheet": "Customers", "table": "Customers", "anchor": "A3", "stamp_cell": "A1",
             "stamp": "=stamp", "identity": [], "columns": ["text", "day", "when", "number", "flag"],
             "rows": [[text, "2026-10-31", "2026-10-31T08:30:00", 1.5, True] for text in texts]}  # fmt: skip
    said = pane.page.evaluate("entry => XLB_WORKBOOK.writeTables([entry])", entry)
    assert said == f"Refreshed Customers ({len(texts)} rows)."
    body = pane.table("Customers")["cells"][1:]
    shown = [(row[0]["kind"], row[0]["value"]) for row in body]
    assert shown == [("text", "=SUM(A1)" if text == "'=SUM(A1)" else text) for text in texts]
    assert {(row[1]["value"], row[1]["format"]) for row in body} == {(46326, "yyyy-mm-dd")}
    assert {(row[2]["value"], row[2]["format"]) for row in body} == {(46326 + 8.5 / 24, "yyyy-mm-dd hh:mm")}
    assert {(row[3]["kind"], row[3]["value"], row[4]["value"]) for row in body} == {("number", 1.5, True)}
    stamp = pane.page.evaluate("window.__xlb.cell('Customers', 'A1')")
    assert (stamp["kind"], stamp["value"]) == ("text", "=stamp")


def test_a_refresh_keeps_a_users_own_columns_with_their_rows(pane: Pane) -> None:
    pane.sign_in()
    pane.signed_in()
    pane.refresh("customers")
    header, *body = pane.table("Customers")["cells"]
    # The clerk adds a typed column "contact" and a calculated one, then sorts the table backwards.
    typed = [[("'" if cell.get("kind") == "text" else "") + str(cell.get("value", "")) for cell in row] for row in body]
    rows = [[*row, f"contact of {row[0][1:]}", "=LEN(RC[-1])"] for row in reversed(typed)]
    last = chr(65 + len(header) + 1)
    heading = [[*(cell["value"] for cell in header), "contact", "length"]]
    pane.page.evaluate("([a, v]) => window.__xlb.fill('Customers', a, v)", [f"A3:{last}3", heading])
    pane.page.evaluate("([a, v]) => window.__xlb.fill('Customers', a, v)", [f"A4:{last}{3 + len(rows)}", rows])
    pane.page.evaluate("window.__xlb.widen('Customers', 2)")
    pane.refresh("customers")
    header, *body = pane.table("Customers")["cells"]
    assert [cell["value"] for cell in header][-2:] == ["contact", "length"]
    assert [row[0]["value"] for row in body] == [row[0][1:] for row in typed]  # the server's order again
    for row in body:
        assert row[-2]["value"] == f"contact of {row[0]['value']}", row
        assert row[-1].get("formula") == "=LEN(RC[-1])"


def test_cells_in_the_way_stop_a_refresh_before_anything_is_written(pane: Pane) -> None:
    pane.sign_in()
    pane.signed_in()
    pane.page.evaluate("window.__xlb.fill('Summary', 'A1:B1', [['my own sheet', 42]])")
    pane.page.select_option("#table", "")
    pane.page.click("#refresh")
    said = pane.failed("Summary")
    assert said == (
        "The sheet 'Summary' has no Summary table: it is not xlbilling's, so nothing was written to it. "
        "Rename your sheet 'Summary' and xlbilling adds its own."
    )
    assert pane.page.evaluate("window.__xlb.tables()") == []


def test_reconcile_writes_its_sheet_and_carries_a_dismissal(pane: Pane) -> None:
    pane.sign_in()
    pane.signed_in()
    pane.page.click("#reconcile")
    pane.said("^Refreshed Reconciliation")
    table = pane.table("Reconciliation")
    header = [cell["value"] for cell in table["cells"][0]]
    assert header[-2:] == ["review", "note"]
    for name in ("UnmappedTenants", "UnmappedProducts", "InvoiceChecks", "ReconciliationClosed"):
        assert pane.table(name)["sheet"] == "Reconciliation"
    review, note = header.index("review"), header.index("note")
    row = 1 + next(i for i, r in enumerate(table["cells"][1:]) if r[header.index("sku")].get("value"))
    letter = chr(65 + review)
    pane.page.evaluate(
        "([a, v]) => window.__xlb.fill('Reconciliation', a, v)",
        [f"{letter}{3 + row}:{chr(65 + note)}{3 + row}", [["dismissed", "'annual licence paid in advance"]]],
    )
    pane.page.click("#reconcile")
    pane.said("^Refreshed Reconciliation")
    posted = [r for r in pane.api() if r.method == "POST" and "only=reconciliation" in r.url][-1]
    reviews = json.loads(posted.post_data)["reviews"]
    assert {"review": "dismissed", "note": "annual licence paid in advance"}.items() <= next(
        r for r in reviews if r["review"] == "dismissed"
    ).items()
    kept = pane.table("Reconciliation")["cells"][row]
    assert (kept[review]["value"], kept[note]["value"]) == ("dismissed", "annual licence paid in advance")


def test_build_invoices_shows_progress_and_offers_the_zip(pane: Pane, tmp_path: Path) -> None:
    pane.sign_in()
    pane.signed_in()
    pane.page.uncheck("#pdf")
    pane.page.click("#build")
    expect(pane.page.locator("#download")).to_be_visible(timeout=WAIT)
    assert pane.page.text_content("#status") == "Invoices built: download them below."
    started = next(r for r in pane.api() if r.method == "POST" and "/api/jobs/report" in r.url)
    assert f"period={PERIOD}" in started.url and "pdf=false" in started.url
    job = started.response().json()["job"]
    assert any(r.url.endswith(f"/api/jobs/{job}") for r in pane.api()), "the job was never polled"
    state = pane.served.get(f"/api/jobs/{job}").json()
    assert state["state"] == "done"
    assert pane.page.text_content("#summary") == state["summary"]
    with pane.page.expect_download() as downloading:
        pane.page.click("#download")
    saved = tmp_path / "invoices.zip"
    downloading.value.save_as(saved)
    assert downloading.value.suggested_filename == f"invoices-{PERIOD}.zip"
    names = zipfile.ZipFile(io.BytesIO(saved.read_bytes())).namelist()
    assert "manifest.json" in [Path(name).name for name in names]
    assert sum(name.endswith(".xlsx") for name in names) >= 2
    # The progress a running job shows: a bar and "step… done of total".
    pane.page.evaluate("xlbProgress({state: 'running', step: 'Invoices', done: 3, total: 21})")
    assert pane.page.text_content("#status") == "Invoices… 3 of 21"
    bar = "(bar => [bar.value, bar.max, bar.hidden])(document.getElementById('progress'))"
    assert pane.page.evaluate(bar) == [3, 21, False]


def test_a_revoked_token_sends_the_clerk_back_to_sign_in(pane: Pane) -> None:
    made = TOKEN.search(pane.served.users("add", "leaver"))
    assert made is not None
    pane.sign_in(made.group(0))
    pane.signed_in()
    pane.served.users("revoke", "leaver")
    pane.page.select_option("#table", "periods")
    pane.page.click("#refresh")
    assert pane.failed("^Sign in again") == "Sign in again: your xlbilling token is missing, wrong or revoked."
    expect(pane.page.locator("#signin")).to_be_visible(timeout=WAIT)


def test_margin_writes_its_sheet_over_the_chosen_periods(pane: Pane) -> None:
    pane.sign_in()
    pane.signed_in()
    pane.page.select_option("#margin-from", "2026-09-30")
    pane.page.select_option("#margin-to", PERIOD)
    pane.page.click("#margin")
    pane.said("^Refreshed Margin")
    asked = "/api/tables?only=margin&from=2026-09-30&to=2026-10-31"  # as the pane asks the first time
    expected = {entry["table"]: entry for entry in pane.served.post(asked, {"reviews": []}).json()["tables"]}
    assert set(expected) == {"Margin", "MarginByPeriod", "MarginByCustomer", "MarginByProduct", "MarginClosed"}
    for entry in expected.values():
        assert_written(pane, entry)


def test_the_ribbon_buttons_and_the_functions_are_registered(pane: Pane) -> None:
    actions = pane.page.evaluate("Object.keys(window.__xlb.actions).sort()")
    assert actions == sorted(pane.page.evaluate("Object.keys(XLB_ACTIONS)"))
    manifest = httpx.get(f"{pane.served.url}/manifest.xml", timeout=30).text
    assert sorted(set(re.findall(r"<FunctionName>(\w+)</FunctionName>", manifest))) == actions
    functions = json.loads((Path(__file__).parents[1] / "xlbilling/_serve/addin/functions.json").read_text())
    ids = sorted(f["id"] for f in functions["functions"])
    assert pane.page.evaluate("Object.keys(window.__xlb.functions).sort()") == ids
    pane.sign_in()
    pane.signed_in()
    pane.page.evaluate("window.__xlb.press('refreshPeriods')")
    pane.said("^Refreshed Periods")
    assert pane.table("Periods")["sheet"] == "Periods"


def test_the_pane_fits_excels_narrow_task_pane(pane: Pane, tmp_path: Path) -> None:
    pane.sign_in()
    pane.signed_in()
    pane.refresh("summary")
    pane.page.screenshot(path=str(tmp_path / "pane.png"), full_page=True)  # kept for a person to look at
    assert pane.page.evaluate("document.documentElement.scrollWidth") <= 340, "the pane scrolls sideways"
    assert pane.page.is_visible("#refresh") and pane.page.is_visible("#build") and pane.page.is_visible("#margin")
