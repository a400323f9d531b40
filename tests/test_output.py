"""``xlbilling._output.write`` and the reconcile text: money with two decimals, whole quantities without ".0", and
tables that fit the terminal."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from rich.cells import cell_len

from xlbilling._output import Reading
from xlbilling._output.write import emit, to_csv, to_json, to_table_text
from xlbilling._reconcile.result import DETAIL_COLUMNS, UNMAPPED_PRODUCT_COLUMNS, Reconciliation, empty_frame
from xlbilling._reconcile.text import as_json, as_text, headline


def priced() -> pd.DataFrame:
    """Money as ``Decimal`` (object dtype), a unit cost to four places, whole float quantities."""
    return pd.DataFrame(
        {
            "sku": ["EXO-P1", "AV-EP"],
            "quantity": [12.0, 3.0],
            "unit_cost": [Decimal("4.1235"), Decimal("2")],
            "amount": [Decimal("8641.5"), Decimal("-12")],
        }
    )


def wide(columns: int = 15) -> pd.DataFrame:
    """Fifteen columns, far wider than 100 terminal columns."""
    return pd.DataFrame({f"column_{n:02d}": [f"value {n} of a long-ish text", f"v{n}"] for n in range(columns)})


def lines(text: str) -> list[str]:
    return text.splitlines()


# Item 2: money with (at least) two decimals, never rounded.


def test_csv_money_has_two_decimals_and_keeps_more_places() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(priced()))))
    assert [row["amount"] for row in rows] == ["8641.50", "-12.00"]
    assert [row["unit_cost"] for row in rows] == ["4.1235", "2.00"]


def test_csv_negative_money_is_not_taken_for_a_formula() -> None:
    assert "'-12.00" not in to_csv(priced()) and "-12.00" in to_csv(priced())


def test_json_money_is_a_string_with_two_decimals() -> None:
    rows = json.loads(to_json(priced()))
    assert [row["amount"] for row in rows] == ["8641.50", "-12.00"]
    assert [row["unit_cost"] for row in rows] == ["4.1235", "2.00"]


def test_table_money_has_two_decimals_and_is_right_aligned() -> None:
    text = to_table_text(priced(), "Priced", limit=None)
    assert "8641.50" in text and "-12.00" in text and "4.1235" in text and "8641.5 " not in text
    cells = {line.split("│")[4].strip(): line.split("│")[4] for line in lines(text) if "│" in line}
    assert cells["8641.50"] == " 8641.50 " and cells["-12.00"] == "  -12.00 ", "right-aligned in its column"


def test_a_share_shows_as_a_percentage_on_the_terminal_and_stays_exact_in_files() -> None:
    shares = pd.DataFrame(
        {"account_code": ["APEX001", "BEAC001"], "margin_pct": [Decimal("0.2252"), Decimal("0.27145")]}
    )
    text = to_table_text(shares, "Margin", limit=None)
    assert "22.5%" in text and "27.1%" in text and "0.2252" not in text
    assert to_csv(shares).splitlines()[1:] == ["APEX001,0.2252", "BEAC001,0.27145"]


# Item 3: whole quantities without ".0".


def test_whole_float_quantities_print_as_integers() -> None:
    assert [row["quantity"] for row in csv.DictReader(io.StringIO(to_csv(priced())))] == ["12", "3"]
    assert [row["quantity"] for row in json.loads(to_json(priced()))] == [12, 3]
    assert isinstance(json.loads(to_json(priced()))[0]["quantity"], int)
    text = to_table_text(priced(), "Priced", limit=None)
    quantities = [line.split("│")[2] for line in lines(text) if line.startswith("│")]
    assert quantities == ["       12 ", "        3 "]


def test_fractional_and_missing_quantities_are_left_alone() -> None:
    frame = pd.DataFrame({"whole": [1.0, None], "part": [1.5, 2.0]})
    rows = list(csv.DictReader(io.StringIO(to_csv(frame))))
    assert [(row["whole"], row["part"]) for row in rows] == [("1", "1.5"), ("", "2.0")]
    assert json.loads(to_json(frame)) == [{"whole": 1, "part": 1.5}, {"whole": None, "part": 2.0}]


# Item 1: tables fit the terminal.


def test_a_wide_table_on_a_100_column_terminal_fits_and_says_what_was_left_out(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    said = emit(wide(), "table", None, title="Wide", table_name="Wide")
    out = capsys.readouterr().out
    assert said == ""
    assert max(cell_len(line) for line in lines(out)) <= 100
    note = " ".join(lines(out.split("┘\n")[1]))
    assert note.endswith("of 15 columns shown (left out: " + note.split("left out: ")[1])
    assert "--columns to choose, or --format csv or -o FILE for all" in note
    shown = int(note.split(" of ")[0])
    assert 0 < shown < 15
    header = next(line for line in lines(out) if "column_00" in line)
    assert sum(f"column_{n:02d}" in header for n in range(15)) == shown
    assert all(f"column_{n:02d}" in note for n in range(15) if f"column_{n:02d}" not in header)


def test_to_table_text_with_a_width_keeps_numbers_and_money_first() -> None:
    frame = wide(8).assign(quantity=[12.0, 3.0], amount=[Decimal("8641.5"), Decimal("1")])
    text = to_table_text(frame, "Wide", limit=None, width=80)
    assert max(cell_len(line) for line in lines(text)) <= 80
    header = next(line for line in lines(text) if "column_00" in line)
    assert "quantity" in header and "amount" in header and "8641.50" in text
    assert "of 10 columns shown" in text


def shown_rows(text: str) -> list[list[str]]:
    """The rows of a boxed table, each as its cells' texts."""
    return [[cell.strip() for cell in line.strip("│").split("│")] for line in lines(text) if line.startswith("│")]


def header_of(text: str) -> list[str]:
    return next(line for line in lines(text) if line.startswith("┃")).strip("┃").replace("┃", " ").split()


def usage() -> pd.DataFrame:
    """Two customers' SKUs, billable and not: rows that differ only by ``billable``, names wider than codes."""
    return pd.DataFrame({
        "customer_code": ["CUST0001"] * 3 + ["CUST0002"],
        "customer_name": ["Hazel Legal Group Ltd"] * 3 + ["Tudor Textiles Services Ltd"],
        "account_code": ["HAZE001"] * 3 + ["TUDO001"],
        "sku": ["AV-EP", "AV-EP", "M365-BS", "AV-EP"],
        "billable": [False, True, True, True],
        "grouping": ["Endpoint Protection of a rather long name"] * 2 + ["Microsoft 365 Business Standard"] * 2,
        "last_count": [2, 15, 4, 7], "this_count": [2, 15, 4, 8], "difference": [0, 0, 0, 1],
    })  # fmt: skip


SUMMARY = Reading(keys=(("customer_name", "customer_code"), "sku", "billable"))


def test_a_narrow_table_keeps_the_columns_that_tell_its_rows_apart() -> None:
    text = to_table_text(usage(), "Summary", limit=None, width=52, reading=SUMMARY)
    assert max(cell_len(line) for line in lines(text)) <= 52
    assert header_of(text)[:3] == ["customer_code", "sku", "billable"]  # a name cut below 16 would not read
    rows = shown_rows(text)
    assert len({tuple(row) for row in rows}) == 4 and rows[0][:3] == ["CUST0001", "AV-EP", "False"]
    wider = to_table_text(usage(), "Summary", limit=None, width=100, reading=SUMMARY)
    assert header_of(wider)[:3] == ["customer_name", "sku", "billable"], "a name in place of its code, with room"
    assert "Tudor Textiles Services Ltd" in wider and "left out: customer_code" in " ".join(lines(wider))


def test_without_a_reading_the_columns_telling_rows_apart_still_come_first() -> None:
    text = to_table_text(usage(), "Summary", limit=None, width=60)
    rows = shown_rows(text)
    assert len({tuple(row) for row in rows}) == 4, "billable, or another column, tells the AV-EP rows apart"


def test_a_name_is_not_put_for_a_code_when_two_customers_share_it() -> None:
    twins = usage().assign(customer_name="Apex Ltd")
    text = to_table_text(twins, "Summary", limit=None, width=100, reading=SUMMARY)
    assert "customer_code" in header_of(text) and "CUST0002" in text


def test_text_that_differs_at_its_end_is_cut_from_its_start() -> None:
    domains = pd.DataFrame({
        "customer_code": ["CUST0001"] * 2, "user_name": ["", ""], "sku": ["DOM-HOST"] * 2,
        "line_description": [f"Domain Hosting (Assigned to Customer) - domain{n}.hazellegal.example" for n in (1, 2)],
        "plan_name": ["Assigned to Customer, a plan with a name as long as this one"] * 2,
    })  # fmt: skip
    reading = Reading(keys=("customer_code", "user_name", "sku"))
    text = to_table_text(domains, "Detail", limit=None, width=70, reading=reading)
    assert max(cell_len(line) for line in lines(text)) <= 70
    cells = [row[-1] for row in shown_rows(text)]
    assert cells[0].startswith("…") and cells[0] != cells[1] and cells[0].endswith("domain1.hazellegal.example")


def test_a_column_empty_in_every_row_is_left_out_and_said() -> None:
    frame = usage().assign(customer_code="", customer_name="", account_code="")
    text = to_table_text(frame, "Summary", limit=None, width=200, reading=SUMMARY)
    assert "customer_name" not in header_of(text)
    assert "6 of 9 columns shown (empty: customer_code, customer_name, account_code)." in text
    assert "customer_name" in header_of(to_table_text(frame, "Summary", limit=None))  # a file keeps them all


def test_a_table_that_fits_is_unchanged_and_has_no_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    text = to_table_text(priced(), "Priced", limit=None, width=100)
    assert "columns shown" not in text and all(name in text for name in priced().columns)


def test_a_txt_file_keeps_every_column(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    target = tmp_path / "wide.txt"
    assert emit(wide(), "table", target, title="Wide", table_name="Wide") == f"wrote 2 rows to {target}"
    text = target.read_text()
    assert "columns shown" not in text
    header = next(line for line in lines(text) if "column_00" in line)
    assert all(f"column_{n:02d}" in header for n in range(15)), "one header line, nothing folded"
    assert "value 14 of a long-ish text" in text


def test_without_a_terminal_width_every_column_is_shown() -> None:
    text = to_table_text(wide(), "Wide", limit=None)
    assert "columns shown" not in text and "column_14" in text


# Item 4: the reconcile text and JSON.


def reconciliation() -> Reconciliation:
    detail = empty_frame(DETAIL_COLUMNS)
    detail.loc[0] = {column: None for column in DETAIL_COLUMNS} | {
        "account_code": "HAZE001", "customer_name": "Hazel Legal", "sku": "EXO-P1", "part_number": "XDM1",
        "vendor_quantity": Decimal(12), "billed_quantity": Decimal(10), "difference": Decimal(2),
        "unit_cost": Decimal("4.1235"), "unit_price": Decimal("4320.75"), "money_at_stake": Decimal("8641.5"),
        "category": "under_billed", "match_basis": "account_code", "price_basis": "price",
    }  # fmt: skip
    products = empty_frame(UNMAPPED_PRODUCT_COLUMNS)
    products.loc[0] = ["XDM9", "Thing", "T1", Decimal(1), Decimal("12.5"), "XDM9,<Atria SKU>"]
    return Reconciliation(
        detail=detail, unmapped_tenants=empty_frame(("value",)), unmapped_products=products, compared=1,
        currencies=("GBP",),
    )  # fmt: skip


def test_reconcile_text_shows_money_with_two_decimals() -> None:
    text = as_text(reconciliation())
    assert "8641.50" in text and "4320.75" in text and "4.1235" in text and "12.50" in text
    assert "8641.5 " not in text


def test_reconcile_json_money_has_two_decimals() -> None:
    document = json.loads(as_json(reconciliation()))
    assert document["detail"][0]["money_at_stake"] == "8641.50"
    assert document["detail"][0]["unit_cost"] == "4.1235"
    assert document["unmapped_products"][0]["value"] == "12.50"
    assert document["leaked"] == "8641.50" and document["over_billed"] == "0.00"
    assert document["currency"] == "GBP" and document["valued_at"] == {
        "price": {"leaked": "8641.50", "over_billed": "0.00"}
    }


def test_reconcile_headline_shows_money_with_two_decimals_and_what_it_is_valued_at() -> None:
    said = "\n".join(headline(reconciliation()))
    assert "leaked (charged by Xarios, not billed): 8641.50 GBP at your price" in said
    assert "billed with no matching cost (more billed than charged): 0.00 GBP at your price" in said
    assert "1 unmapped product (charged 12.50 at Xarios cost) was not compared" in said
