"""The two doors cannot drift: every data route answers the bytes its command line command prints with the same
options, reads its query with that command's own options, and says the errors the command line says, with an
HTTP status saying whose problem it is."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from tests.serve_support import SAMPLES, serving, signed_in
from xlbilling import Atria, Session, Xarios
from xlbilling._apis import fields
from xlbilling._cli import main
from xlbilling._sandbox import Sandbox, start_sandbox
from xlbilling._serve.data import ROUTES
from xlbilling._serve.query import command, options

pytestmark = pytest.mark.usefixtures("sandbox_env")

MAPPING, PRICES = str(SAMPLES / "product-map.csv"), str(SAMPLES / "prices.csv")
SERVER_FILES = ["--mapping", MAPPING, "--prices", PRICES]

#: (route and query, the command line's words for the same question)
SAME = [
    ("/api/periods", ["periods"]),
    ("/api/customers", ["customers"]),
    ("/api/summary?period=2026-10-31", ["summary", "--period", "2026-10-31"]),
    ("/api/summary?period=", ["summary"]),  # the latest closed period
    ("/api/summary?period=46326&billable_only=1&per_sku=true",
     ["summary", "-p", "46326", "--billable-only", "--per-sku"]),
    ("/api/summary?period=2026-10-31&all_customers=true", ["summary", "-p", "2026-10-31", "--all-customers"]),
    ("/api/detail?period=2026-10-31&customer=CUST0001&billable_only=true",
     ["detail", "--period", "2026-10-31", "--customer", "CUST0001", "--billable-only"]),
    ("/api/detail?period=2026-09-30&service=Teams%20Phone&user=will",
     ["detail", "--period", "2026-09-30", "--service", "Teams Phone", "--user", "will"]),
    ("/api/invoice-lines?period=2026-10-31", ["invoice-lines", "--period", "2026-10-31"]),
    ("/api/invoice-lines?period=2026-10-31&customer=Northwind%20Channel%20Ltd",
     ["invoice-lines", "--period", "2026-10-31", "--customer", "Northwind Channel Ltd"]),
    ("/api/analysis?period=2026-10-01&customer=haze001",
     ["analysis", "--period", "2026-10-01", "--customer", "haze001"]),
    ("/api/xarios/list", ["xarios", "list"]),
    ("/api/reconcile?period=2026-10-31", ["reconcile", "--period", "2026-10-31", *SERVER_FILES]),
    ("/api/reconcile?period=2026-09-30&invoice=INV-202609",
     ["reconcile", "--period", "2026-09-30", "--invoice", "INV-202609", *SERVER_FILES]),
    ("/api/margin?from=2026-08-15&to=2026-10-31&by=product",
     ["margin", "--from", "2026-08-15", "--to", "2026-10-31", "--by", "product", *SERVER_FILES]),
    ("/api/margin?from=2026-09-01&customer=CUST0023&customer=BLUE001&by=detail",
     ["margin", "--from", "2026-09-01", "--customer", "CUST0023", "--customer", "BLUE001", "--by", "detail",
      *SERVER_FILES]),
]  # fmt: skip


@pytest.fixture(scope="module")
def http(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A client of one server for the whole module, signed in."""
    with serving(sandbox, tmp_path_factory.mktemp("serve")) as running, signed_in(running) as http:
        yield http


def printed(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--format", "json"], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("route", "words"), SAME, ids=[route for route, _ in SAME])
def test_each_route_answers_what_its_command_prints(http: httpx.Client, route: str, words: list[str]) -> None:
    code, out, err = printed(*words)
    assert code == 0, err
    answer = http.get(route)
    assert answer.status_code == 200, answer.text
    assert answer.text == out
    columns = json.loads(answer.headers["x-xlbilling-columns"])
    document = json.loads(out)
    if isinstance(document, list):
        assert document and columns == list(document[0])
    else:  # the reconciliation: one object of tables
        assert {name: list(document[name][0]) for name in columns if document[name]} == {
            name: cols for name, cols in columns.items() if document[name]
        }


def test_xarios_show_answers_the_command_lines_items_and_the_invoices_own_check(http: httpx.Client) -> None:
    code, out, err = printed("xarios", "show", "INV-202610")
    assert code == 0, err
    answer = http.get("/api/xarios/show?invoice=INV-202610").json()
    assert answer["items"] == json.loads(out)
    listed = {row["invoice_id"]: row["invoice_value"] for row in http.get("/api/xarios/list").json()}
    assert answer["check"] == {
        "subtotal": answer["check"]["subtotal"], "tax": answer["check"]["tax"], "total": listed["INV-202610"],
        "ok": True, "message": "matches",
    }  # fmt: skip
    assert Decimal(answer["check"]["subtotal"]) + Decimal(answer["check"]["tax"]) == Decimal(listed["INV-202610"])


def test_an_empty_answer_still_names_its_columns(http: httpx.Client) -> None:
    answer = http.get("/api/detail?period=2026-10-31&user=nobody-by-this-name")
    assert answer.text == "[]\n"
    assert json.loads(answer.headers["x-xlbilling-columns"]) == [field.column for field in fields.ATRIA_DETAIL]


def test_every_route_takes_exactly_its_commands_options() -> None:
    """A route's function takes the options of its command a request may give, by the same names: an option
    added to the command line and not to the route fails here, and so would its drift test."""
    for route in ROUTES:
        cli = command(*route.command)
        wanted = {param.name for param in options(cli, route.renamed).values()}
        assert set(inspect.signature(route.answer).parameters) - {"server"} == wanted, route.path
    assert {" ".join(route.command) for route in ROUTES} == {
        "periods", "customers", "summary", "detail", "invoice-lines", "analysis", "xarios list", "xarios show",
        "reconcile", "margin",
    }  # fmt: skip


def test_no_option_names_a_file_of_the_server() -> None:
    assert set(options(command("reconcile"))) == {"period", "invoice"}
    assert set(options(command("margin"))) == {"from", "to", "customer", "by"}
    assert set(options(command("report"))) == {
        "period", "customer", "proration", "tax_rate", "allow_open", "pdf", "einvoice"
    }  # fmt: skip


ERRORS = [
    ("/api/summary?period=yesterday", 400, "'yesterday' is not a date."),
    ("/api/summary?billable_only=maybe", 400, "billable_only=maybe: 'maybe' is not a valid boolean."),
    ("/api/summary?period=2026-10-31&period=2026-09-30", 400, "period is given 2 times. Give period once."),
    ("/api/summary?customer=CUST0001", 400, "Unknown option 'customer' for summary."),
    ("/api/margin?by=month", 400, "by=month: 'month' is not one of 'customer', 'product', 'period', 'detail'."),
    ("/api/xarios/show", 400, "No invoice given."),
    ("/api/summary?period=2030-01-31", 404, "No billing period contains 2030-01-31. Run `xlbilling periods`"),
    ("/api/detail?period=2026-10-31&customer=Nobody%20Ltd", 404, "Atria has no customer 'Nobody Ltd'."),
    ("/api/xarios/show?invoice=INV-199901", 404, "Xarios invoice INV-199901: not found (HTTP 404)."),
    ("/api/reconcile?period=2026-10-31&invoice=INV-202609", 404, "Xarios invoice INV-202609 has no purchase item"),
    ("/api/nothing-here", 404, "No such page on this server."),
    ("/api/margin?from=2026-10-01&to=2026-09-01", 400, "from 2026-10-31 to 2026-09-30: it ends before it starts."),
]


@pytest.mark.parametrize(("route", "status", "said"), ERRORS, ids=[route for route, _, _ in ERRORS])
def test_errors_are_one_line_of_json_with_a_status(http: httpx.Client, route: str, status: int, said: str) -> None:
    answer = http.get(route)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json"
    assert b"\n" not in answer.content and list(answer.json()) == ["error"]
    assert said in answer.json()["error"]


def test_an_error_says_what_the_command_line_says(http: httpx.Client) -> None:
    code, _, err = printed("summary", "--period", "2030-01-31")
    assert code == 1
    assert err.strip() == f"error: {http.get('/api/summary?period=2030-01-31').json()['error']}"


def test_the_server_says_which_file_it_lacks(sandbox: Sandbox, tmp_path: Path) -> None:
    with serving(sandbox, tmp_path, mappings=(), prices=None, register=None) as running, signed_in(running) as http:
        reconciled = http.get("/api/reconcile")
        margin = http.get("/api/margin")
        invoices = http.post("/api/jobs/report?period=2026-10-31")
    assert reconciled.status_code == margin.status_code == invoices.status_code == 500
    assert reconciled.json()["error"] == (
        "This server has no product mapping. Restart `xlbilling serve` with --mapping FILE (or mapping under [serve] "
        "in its config file)."
    )
    assert invoices.json()["error"].startswith("This server has no price list. Restart `xlbilling serve` with --prices")


def test_an_upstream_that_answers_badly_is_502_and_one_that_cannot_be_reached_503(
    sandbox: Sandbox, tmp_path: Path, faults: Callable[..., None]
) -> None:
    with serving(sandbox, tmp_path) as running, signed_in(running) as http:
        faults(malformed="html", count=-1)
        failing = http.get("/api/customers")
    assert failing.status_code == 502
    assert failing.json()["error"].startswith("Atria ")
    with start_sandbox(seed=1) as gone:
        dead = Session(Atria.connect(gone.url, gone.token, retries=0), Xarios.connect(gone.url, gone.token, retries=0))
    with serving(sandbox, tmp_path / "dead", dead) as running, signed_in(running) as http:
        unreachable = http.get("/api/periods")
    assert unreachable.status_code == 503
    assert unreachable.json()["error"].startswith("Atria ")
    for answer in (failing, unreachable):
        assert sandbox.token not in answer.text and gone.token not in answer.text
        assert sandbox.url not in answer.text and gone.url not in answer.text  # no upstream address either
