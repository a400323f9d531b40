"""The review trail: each row's review and note stay with its identity (period, account code, SKU) across a
refresh, live or headless, whatever the new rows' order or number; a vanished row goes to the Closed
differences table with its note; a dismissed difference stays dismissed until its quantities change."""

from __future__ import annotations

import io
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from tests import xlwings_double as double
from tests.excel_support import counting_session
from tests.test_reconcile_sandbox import MAPPING
from xlbilling._errors import DataError
from xlbilling._excel import macros
from xlbilling._inputs.reviews import CHANGED, CLOSED_COLUMNS, carry
from xlbilling._sandbox import Sandbox
from xlbilling._session.session import Session
from xlbilling._values.period import Period
from xlbilling._workbook.headless import refresh_file

TEMPLATE = Path(__file__).parents[1] / "templates" / "billing.xlsx"
OCT = date(2026, 10, 31)


def rows(*found: tuple[str, str, int, int]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"period_end": OCT, "account_code": a, "sku": s, "vendor_quantity": Decimal(v), "billed_quantity": Decimal(b)}
         for a, s, v, b in found]
    )  # fmt: skip


def test_decisions_follow_their_row_and_vanished_rows_are_closed() -> None:
    old = rows(("A1", "X", 5, 4), ("A2", "X", 3, 3), ("A3", "Y", 2, 0), ("A4", "Y", 1, 1)).assign(
        period_end=datetime(2026, 10, 31),  # as cells give it back
        vendor_quantity=[5.0, 3.0, 2.0, 1.0], billed_quantity=[4.0, 3.0, 0.0, 1.0],
        review=["dismissed", None, "Fixed ", "open"], note=["annual licence paid up front", "", "billed in Nov", ""],
    )  # fmt: skip
    new = rows(("A5", "Z", 1, 1), ("A3", "Y", 2, 0), ("A1", "X", 5, 4))  # reordered, A2/A4 gone, A5 new
    kept, closed = carry(new, old)
    assert kept[["account_code", "review", "note"]].values.tolist() == [
        ["A5", "open", ""], ["A3", "fixed", "billed in Nov"], ["A1", "dismissed", "annual licence paid up front"],
    ]  # fmt: skip
    assert closed.empty  # A2 and A4 were open with no note: nothing to keep
    kept, closed = carry(rows(("A5", "Z", 1, 1)), old)
    assert list(closed.columns) == list(CLOSED_COLUMNS)
    assert closed[["account_code", "review", "note"]].values.tolist() == [
        ["A1", "dismissed", "annual licence paid up front"], ["A3", "fixed", "billed in Nov"]]  # fmt: skip


def test_a_dismissed_difference_opens_again_when_its_quantities_change() -> None:
    old = rows(("A1", "X", 5, 4), ("A2", "X", 3, 2)).assign(review="dismissed", note=["paid up front", ""])
    kept, _ = carry(rows(("A1", "X", 6, 4), ("A2", "X", 3, 2)), old)
    assert kept[["review", "note"]].values.tolist() == [["open", f"{CHANGED}: paid up front"], ["dismissed", ""]]
    again, _ = carry(rows(("A1", "X", 6, 5)), kept.assign(review="dismissed"))
    assert again["note"].tolist() == [f"{CHANGED}: paid up front"]  # marked once, not once per change


def test_a_review_that_is_not_one_is_named() -> None:
    with pytest.raises(DataError, match="Row 1 of the reviews: 'maybe' is not a review"):
        carry(rows(("A1", "X", 1, 1)), rows(("A1", "X", 1, 1)).assign(review="maybe", note=""))


def _set_control(path: Path, values: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(path)
    control = wb["Control"]
    for row in range(1, 40):
        if control.cell(row, 1).value in values:
            control.cell(row, 2).value = values[control.cell(row, 1).value]
    wb.save(path)


def _mapping(tmp_path: Path, name: str, without: str) -> str:
    lines = [line for line in MAPPING.read_text().splitlines(True) if not line.rstrip().endswith(f",{without}")]
    (tmp_path / name).write_text("".join(lines))
    return str(tmp_path / name)


def _table(ws: Any, name: str) -> tuple[list[str], list[list[Any]], int]:
    first, last = ws.tables[name].ref.split(":")
    top, left, bottom, right = ws[first].row, ws[first].column, ws[last].row, ws[last].column
    header = [ws.cell(top, c).value for c in range(left, right + 1)]
    return header, [[ws.cell(r, c).value for c in range(left, right + 1)] for r in range(top + 1, bottom + 1)], top


def test_a_headless_refresh_keeps_every_note_on_its_row(tmp_path: Path, sandbox: Sandbox, period: Period) -> None:
    session = counting_session(sandbox.url, sandbox.token)[0]
    path = tmp_path / "billing.xlsx"
    shutil.copyfile(TEMPLATE, path)
    _set_control(path, {"Period": period.end, "Product mapping": _mapping(tmp_path, "a.csv", "EXO-P1")})
    refresh_file(path, ["reconciliation"], session)
    wb = openpyxl.load_workbook(path)
    ws = wb["Reconciliation"]
    header, body, top = _table(ws, "Reconciliation")
    at = {name: header.index(name) for name in header}
    flagged = next(r for r in body if r[at["category"]] == "under_billed")
    teams = next(r for r in body if r[at["sku"]] == "TEAMS-PH")
    noted = {(flagged[at["account_code"]], flagged[at["sku"]]): ("dismissed", "annual licence paid up front"),
             (teams[at["account_code"]], "TEAMS-PH"): ("fixed", "credit note sent"),
             (body[0][at["account_code"]], body[0][at["sku"]]): ("open", "ask Sam")}  # fmt: skip
    body.reverse()  # the user sorted the table the other way round
    for offset, row in enumerate(body, start=top + 1):
        review, note = noted.get((row[at["account_code"]], row[at["sku"]]), (row[at["review"]], row[at["note"]]))
        row[at["review"]], row[at["note"]] = review, note
        for column, value in enumerate(row, start=1):
            ws.cell(offset, column).value = value
    wb.save(path)
    _set_control(path, {"Product mapping": _mapping(tmp_path, "b.csv", "TEAMS-PH")})  # EXO-P1 added, TEAMS-PH gone
    refresh_file(path, ["reconciliation"], session)

    ws = openpyxl.load_workbook(path)["Reconciliation"]
    header, body, _ = _table(ws, "Reconciliation")
    at = {name: header.index(name) for name in header}
    found = {(r[at["account_code"]], r[at["sku"]]): (r[at["review"]], r[at["note"]] or "") for r in body}
    assert any(sku == "EXO-P1" for _, sku in found) and not any(sku == "TEAMS-PH" for _, sku in found)
    for key, decided in noted.items():
        if key[1] != "TEAMS-PH":
            assert found[key] == decided, key
    assert sum(1 for value in found.values() if value != ("open", "")) == 2  # no note slid onto another row
    closed_header, closed, _ = _table(ws, "ReconciliationClosed")
    assert closed_header == list(CLOSED_COLUMNS)
    assert [(r[1], r[2], r[-2], r[-1]) for r in closed] == [(teams[at["account_code"]], "TEAMS-PH", "fixed",
                                                              "credit note sent")]  # fmt: skip


def test_a_live_refresh_keeps_notes_with_their_rows(tmp_path: Path, formulas: Session, period: Period) -> None:
    book = double.Book(str(tmp_path / "billing.xlsx"), ["Control"])
    for row, (label, value) in enumerate([("Period", period.end), ("Product mapping", str(MAPPING))], 3):
        book.sheets["Control"].cells[(row, 1)], book.sheets["Control"].cells[(row, 2)] = label, value
    assert macros.press(macros.refresh_action(["reconciliation"]), book)  # type: ignore[arg-type]
    cells = book.sheets["Reconciliation"].cells
    header = [cells[(3, c)] for c in range(1, 30) if cells.get((3, c)) is not None][:17]
    account, sku, note = header.index("account_code") + 1, header.index("sku") + 1, header.index("note") + 1
    last = max(r for (r, c) in cells if c == 1)
    cells[(4, note)] = "first row's note"
    first = (cells[(4, account)], cells[(4, sku)])
    for column in range(1, len(header) + 1):  # the user swapped the first and last rows
        cells[(4, column)], cells[(last, column)] = cells[(last, column)], cells[(4, column)]
    assert macros.press(macros.refresh_action(["reconciliation"]), book)  # type: ignore[arg-type]
    notes = {(cells[(r, account)], cells[(r, sku)]): cells[(r, note)] for r in range(4, last + 1)}
    assert notes[first] == "first row's note" and sum(1 for n in notes.values() if n) == 1


def test_reconcile_applies_last_months_decisions(tmp_path: Path, sandbox_env: None) -> None:
    from click.testing import CliRunner

    from tests.test_reconcile_sandbox import PRICES
    from xlbilling._cli import main

    base = ["reconcile", "--period", "2026-10-31", "--mapping", str(MAPPING), "--prices", str(PRICES), "-f", "csv"]
    first = CliRunner().invoke(main, base, catch_exceptions=False)
    detail = pd.read_csv(io.StringIO(first.stdout), dtype=str, keep_default_na=False)
    flagged = detail[detail["category"] != "matched"].head(3)
    decisions = flagged[["account_code", "sku", "vendor_quantity", "billed_quantity"]].assign(
        period_end="2026-09-30", review=["dismissed", "dismissed", "fixed"],
        note=["annual licence paid up front", "trial seats", "credit note sent"],
    )  # fmt: skip
    decisions.loc[decisions.index[1], "billed_quantity"] = "999"  # dismissed when the quantities were others
    path = tmp_path / "reviews.csv"
    decisions.to_csv(path, index=False)
    done = CliRunner().invoke(main, [*base, "--reviews", str(path)], catch_exceptions=False)
    assert done.exit_code == 0, done.stderr
    assert "reviews: 1 dismissed, 0 fixed, 1 changed since dismissed (open again); 1 decided before" in done.stderr
    now = pd.read_csv(io.StringIO(done.stdout), dtype=str, keep_default_na=False)
    now = now.set_index(["account_code", "sku"])
    (a, b, c) = [tuple(k) for k in flagged[["account_code", "sku"]].values]
    assert tuple(now.loc[a, ["review", "note"]]) == ("dismissed", "annual licence paid up front")
    assert tuple(now.loc[b, ["review", "note"]]) == ("open", "changed since dismissed: trial seats")
    assert tuple(now.loc[c, ["review", "note"]]) == ("open", "")  # fixed last month: not this month's decision
    assert set(now["period_end"]) == {"2026-10-31"} and (now["review"] == "open").sum() == len(now) - 1
    missing = CliRunner().invoke(main, [*base, "--reviews", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "none.csv does not exist" in missing.stderr
