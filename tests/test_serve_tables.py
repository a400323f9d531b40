"""``/api/tables``: the billing workbook's tables as the pane writes them are those ``xlbilling refresh`` writes
into ``templates/billing.xlsx``: the same sheets, tables, columns, rows and stamps; decisions posted back are
carried over as the refresh carries them."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serve_support import sandbox_session, serving, signed_in
from xlbilling._sandbox import Sandbox
from xlbilling._workbook.headless import refresh_file
from xlbilling._workbook.names import ALL
from xlbilling._workbook.tables import TARGETS, existing_table
from xlbilling._xlsx.book import OpenpyxlBook

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "billing.xlsx"


@pytest.fixture(scope="module")
def http(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A signed-in client of a server with the sample mapping and no price list (so a reconciliation is valued at
    Xarios cost, as the template's, which names no price list)."""
    with serving(sandbox, tmp_path_factory.mktemp("serve"), prices=None) as running, signed_in(running) as client:
        yield client


def cell(value: Any) -> Any:
    """A workbook cell (read into a frame: an empty one is NaN) as the pane's JSON gives it."""
    if value is None or value != value:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    return value


SERVED = [key for key in ALL if key != "built_invoices"]
"""What the pane's "Every table" gets: all a plain refresh writes but Built invoices (a run's manifest.json
beside a workbook, which a server does not have)."""


def test_the_tables_are_those_the_refresh_writes(http: httpx.Client, sandbox: Sandbox, tmp_path: Path) -> None:
    workbook = tmp_path / "billing.xlsx"
    shutil.copy(TEMPLATE, workbook)
    refresh_file(workbook, [*SERVED, "reconciliation"], sandbox_session(sandbox))
    book = OpenpyxlBook.open(workbook)
    answer = http.get(f"/api/tables?only={','.join([*SERVED, 'reconciliation'])}")
    assert answer.status_code == 200, answer.text
    tables = answer.json()["tables"]
    expected = [(key, part.table) for key in [*SERVED, "reconciliation"] for part in TARGETS[key].parts()]
    assert [(entry["key"], entry["table"]) for entry in tables] == expected
    for entry in tables:
        target = TARGETS[entry["key"]]
        written = existing_table(book, target.sheet, entry["table"])
        assert entry["sheet"] == target.sheet
        assert entry["columns"] == list(written.columns), entry["table"]
        shown = [[value[1:] if isinstance(value, str) and value.startswith("'") else value for value in row]
                 for row in entry["rows"]]  # fmt: skip
        assert shown == [[cell(value) for value in row] for row in written.itertuples(index=False)], entry["table"]
        stamp = book.read(target.sheet, entry["stamp_cell"])
        assert re.sub(r"from .+, refreshed .*", "", stamp) == re.sub(r"from .+, refreshed .*", "", entry["stamp"])
        if entry["table"] == target.table:  # what the sheet holds and for which period, printed atop its pages
            assert entry["printed_cell"] == "A2" and book.read(target.sheet, "A2") == entry["printed"]
    summary = next(entry for entry in tables if entry["table"] == "Summary")
    assert re.fullmatch(
        r"Summary: \d+ rows for the period ending 2026-10-31, from Atria, refreshed \d{4}-\d\d-\d\d \d\d:\d\d UTC",
        summary["stamp"],
    )
    reconciled = next(entry for entry in tables if entry["table"] == "Reconciliation")
    assert " from Atria and Xarios, refreshed " in reconciled["stamp"], "the APIs by name, never their addresses"
    assert sandbox.url not in answer.text


def test_the_fetched_rows_are_those_the_refresh_writes(http: httpx.Client, sandbox: Sandbox, tmp_path: Path) -> None:
    """The Overview reads the Fetched table: the pane gets the rows a refresh writes there, sources named by API."""
    workbook = tmp_path / "billing.xlsx"
    shutil.copy(TEMPLATE, workbook)
    refresh_file(workbook, ["periods", "summary", "xarios_invoices"], sandbox_session(sandbox))
    written = existing_table(OpenpyxlBook.open(workbook), "Fetched", "Fetched")
    fetched = http.get("/api/tables?only=periods,summary,xarios_invoices").json()["fetched"]
    assert (fetched["sheet"], fetched["table"], fetched["identity"]) == ("Fetched", "Fetched", ["data"])
    assert fetched["columns"] == list(written.columns)
    assert fetched["order"] == [target.title for target in TARGETS.values()]
    rows = [dict(zip(fetched["columns"], row, strict=True)) for row in fetched["rows"]]
    assert [row["data"] for row in rows] == list(written["data"]) == ["Periods", "Summary", "Xarios invoices"]
    assert [row["source"] for row in rows] == ["Atria", "Atria", "Xarios"]
    for row, kept in zip(rows, written.itertuples(index=False), strict=True):
        assert (row["period_end"], row["closed"], row["rows"]) == (cell(kept.period_end), cell(kept.closed), kept.rows)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", row["refreshed_utc"]), row
    assert rows[1]["period_end"] == "2026-10-31" and rows[1]["closed"] is True


def test_the_built_invoices_are_not_served(http: httpx.Client) -> None:
    """They list an invoice run's manifest.json in the folder beside a workbook: "Every table" leaves them out and
    naming them is told why."""
    every = http.get("/api/tables").json()["tables"]
    assert [entry["key"] for entry in every if entry["stamp_cell"] == "A1"] == SERVED
    named = http.get("/api/tables?only=built_invoices")
    assert named.status_code == 400
    assert named.json()["error"].startswith("built_invoices is not served: it lists an invoice run's manifest.json")


def test_text_excel_would_run_as_a_formula_is_sent_behind_an_apostrophe(http: httpx.Client) -> None:
    (customers,) = http.get("/api/tables?only=customers").json()["tables"]
    names = [row[customers["columns"].index("customer_name")] for row in customers["rows"]]
    assert '\'=HYPERLINK("http://evil.example","Click") Ltd' in names
    assert not [name for name in names if name.startswith(("=", "+", "-", "@"))]


def test_reviews_posted_back_are_carried_over(http: httpx.Client) -> None:
    (first, *_, closed) = http.get("/api/tables?only=reconciliation&period=2026-10-31").json()["tables"]
    columns = first["columns"]
    rows = [dict(zip(columns, row, strict=True)) for row in first["rows"]]
    flagged = next(row for row in rows if row["category"] != "matched")
    assert closed["table"] == "ReconciliationClosed" and closed["rows"] == []
    decided = {**flagged, "review": "dismissed", "note": "paid annually"}
    gone = {"period_end": "2026-10-31", "account_code": "GONE001", "sku": "M365-BB", "review": "fixed", "note": "left"}
    posted = http.post("/api/tables?only=reconciliation&period=2026-10-31", json={"reviews": [decided, gone]})
    assert posted.status_code == 200, posted.text
    (first, *_, closed) = posted.json()["tables"]
    after = [dict(zip(columns, row, strict=True)) for row in first["rows"]]
    same = [row for row in after if (row["account_code"], row["sku"]) == (flagged["account_code"], flagged["sku"])]
    assert [(row["review"], row["note"]) for row in same] == [("dismissed", "paid annually")]
    assert [row for row in after if row["review"] != "open"] == same
    assert [dict(zip(closed["columns"], row, strict=True))["account_code"] for row in closed["rows"]] == ["GONE001"]


@pytest.mark.parametrize(
    ("route", "body", "status", "said"),
    [
        ("/api/tables?only=ledger", None, 400, "Unknown table name: ledger."),
        ("/api/tables?sheet=Summary", None, 400, "Unknown option 'sheet' for tables."),
        ("/api/tables?only=reconciliation,margin", {"reviews": []}, 400, "A list of reviews needs exactly one"),
        ("/api/tables?only=reconciliation", {"reviews": [{"account_code": "A", "sku": "B", "review": "maybe"}]},
         422, "Row 1 of the reviews: 'maybe' is not a review."),
        ("/api/tables?only=summary", {"reviews": {"reconciliation": []}}, 400, "Reviews for reconciliation"),
        ("/api/tables?only=reconciliation", "not json", 400, "The body is not JSON"),
    ],
)  # fmt: skip
def test_wrong_questions_are_told_what_is_wrong(
    http: httpx.Client, route: str, body: Any, status: int, said: str
) -> None:
    if body is None:
        answer = http.get(route)
    else:
        answer = http.post(route, content=body) if isinstance(body, str) else http.post(route, json=body)
    assert answer.status_code == status, answer.text
    assert said in answer.json()["error"]


def test_a_body_too_large_is_refused_before_it_is_read(http: httpx.Client) -> None:
    answer = http.post("/api/tables?only=reconciliation", content=b" " * (8 * 1024 * 1024 + 1))
    assert answer.status_code == 413
    assert answer.json() == {"error": "The reviews are too large: at most 8 MB."}


def test_the_margin_sheet_covers_the_range_asked(sandbox: Sandbox, tmp_path: Path) -> None:
    with serving(sandbox, tmp_path) as running, signed_in(running) as client:
        tables = client.get("/api/tables?only=margin&from=2026-09-15&to=2026-10-31").json()["tables"]
        per_period = client.get("/api/margin?from=2026-09-15&to=2026-10-31&by=period").json()
        outside = client.get("/api/tables?only=margin&from=2030-01-31")
    assert [entry["table"] for entry in tables] == [part.table for part in TARGETS["margin"].parts()]
    by_period = next(entry for entry in tables if entry["table"] == "MarginByPeriod")
    shown = [dict(zip(by_period["columns"], row, strict=True)) for row in by_period["rows"]]
    assert (
        [row["period_end"] for row in shown]
        == [row["period_end"] for row in per_period]
        == ["2026-09-30", "2026-10-31"]
    )
    assert [row["margin"] for row in shown] == [float(row["margin"]) for row in per_period]
    assert outside.status_code == 404
    assert outside.json()["error"].startswith("No billing period contains 2030-01-31.")
