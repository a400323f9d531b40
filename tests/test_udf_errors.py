"""A formula giving one number shows an Excel error when it cannot, never text that SUM would count as 0.

Each failure is called as Excel calls it, against the sandbox over loopback HTTP, and what the cell holds is
read through the add-in's own VBA (``XlbErrorValue`` in ``xlwings_udfs``, the text the add-in ships):
#N/A (2042) or #VALUE! (2015). ``=XLB_ERROR(cell)`` then shows the message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests import xlwings_double as double
from tests.excel_support import counting_session
from xlbilling._excel import failures, udfs
from xlbilling._excel.addin import decorated_udfs, udf_module_source
from xlbilling._sandbox import Sandbox
from xlbilling._session import session as sessions
from xlbilling._session.session import Session
from xlbilling._values.period import Period

NA, VALUE = 2042, 2015  # what CVErr takes for #N/A and #VALUE!
NUMBER_FORMULAS = ["XLB_CHANGE", "XLB_QUANTITY", "XLB_XARIOS_TOTAL"]


@pytest.fixture(scope="module")
def vba() -> str:
    """The ``xlwings_udfs`` module the add-in ships (``test_addin`` reads the same text back from the .xlam)."""
    return udf_module_source(decorated_udfs())


def in_cell(result: Any, vba: str) -> Any:
    """What Excel gets from the add-in's ``XlbErrorValue``: a number as it is; text becomes the CVErr code of
    the ``Case`` matching its first word (``Left$(result, InStr(result & " ", " ") - 1)``), else ``Case Else``."""
    helper = vba[vba.index("Private Function XlbErrorValue(") :]
    cases = {name: int(code) for name, code in re.findall(r'Case "([^"]+)": XlbErrorValue = CVErr\((\d+)\)', helper)}
    default = re.search(r"Case Else: XlbErrorValue = CVErr\((\d+)\)", helper)
    assert cases and default, helper
    if not isinstance(result, str):
        return result
    return cases.get(result.split(" ")[0], int(default[1]))


def cell(address: str = "B7") -> double.Range:
    """A cell of a live workbook, as xlwings passes the calling cell (``caller``) or a Range argument."""
    return double.Book(r"C:\Users\ann\billing.xlsx", ["Quantities"]).sheets["Quantities"].range(address)


@pytest.fixture
def elsewhere() -> Iterator[Callable[[str, str], Session]]:
    """Point the formulas at another URL and token for one test; the sandbox session comes back afterwards."""
    previous = sessions.current()
    yield lambda url, token: sessions.use(counting_session(url, token)[0])
    sessions.use(previous)


quantities = pytest.mark.parametrize("formula", [udfs.XLB_QUANTITY, udfs.XLB_CHANGE], ids=["QUANTITY", "CHANGE"])


@quantities
@pytest.mark.parametrize(
    ("day", "customer", "sku", "shown", "words"),
    [
        (None, "CUST9999", "M365-BP", NA, "Atria has no customer 'CUST9999'. =XLB_CUSTOMERS() lists"),
        (None, "CUST0001", "NOPE-SKU", NA, "No customer has the SKU 'NOPE-SKU' in the period ending 2026-10-31"),
        ("1990-01-15", "CUST0001", "M365-BP", NA, "No billing period contains 1990-01-15. =XLB_PERIODS()"),
        ("last month", "CUST0001", "M365-BP", VALUE, "'last month' is not a date"),
        ([["2026-10-31", "2026-09-30"]], "CUST0001", "M365-BP", VALUE, "must be one cell, not a range"),
        (None, None, "M365-BP", VALUE, "No customer given"),
        (None, "CUST0001", "", VALUE, "No SKU given"),
    ],
    ids=["unknown customer", "unknown SKU", "no such period", "not a date", "a range", "no customer", "no SKU"],
)
def test_a_quantity_that_cannot_be_had_is_an_excel_error_and_xlb_error_says_why(
    formulas: Session, period: Period, vba: str, formula: Callable[..., Any], day: Any, customer: Any, sku: Any,
    shown: int, words: str,
) -> None:  # fmt: skip
    where = cell("C9")
    result = formula(period.end if day is None else day, customer, sku, where)
    assert in_cell(result, vba) == shown, result
    message = udfs.XLB_ERROR(where)
    assert words in message and message in result
    assert "\n" not in message and "Traceback" not in message


def test_a_xarios_total_that_cannot_be_had_is_an_excel_error(formulas: Session, vba: str) -> None:
    assert in_cell(udfs.XLB_XARIOS_TOTAL("INV-000000", "net", cell()), vba) == NA
    assert "Xarios invoice INV-000000: not found" in udfs.XLB_ERROR(cell())
    assert "=XLB_XARIOS_INVOICES() lists the invoice ids" in udfs.XLB_ERROR(cell())
    assert in_cell(udfs.XLB_XARIOS_TOTAL("INV-000000", "fees", cell()), vba) == VALUE
    assert "'fees' is not one of net, vat, total" in udfs.XLB_ERROR(cell())
    assert in_cell(udfs.XLB_XARIOS_TOTAL(None, None, cell()), vba) == VALUE


@pytest.mark.parametrize("formula", [udfs.XLB_QUANTITY, udfs.XLB_CHANGE, udfs.XLB_XARIOS_TOTAL])
def test_with_the_api_down_every_number_formula_is_na(
    sandbox: Sandbox,
    elsewhere: Callable[[str, str], Session],
    period: Period,
    vba: str,
    formula: Any,
    closed_port: int,
) -> None:
    elsewhere(f"http://127.0.0.1:{closed_port}", sandbox.token)
    args = ["INV-000001", "total"] if formula is udfs.XLB_XARIOS_TOTAL else [period.end, "CUST0001", "M365-BP"]
    assert in_cell(formula(*args, cell()), vba) == NA
    assert "cannot reach 127.0.0.1" in udfs.XLB_ERROR(cell())


@pytest.mark.parametrize("formula", [udfs.XLB_QUANTITY, udfs.XLB_CHANGE, udfs.XLB_XARIOS_TOTAL])
def test_when_the_api_keeps_failing_every_number_formula_is_na(
    formulas: Session, faults: Any, period: Period, vba: str, formula: Any
) -> None:
    faults(status=503, count=-1)  # the sandbox's switch: every API request answers 503
    args = ["INV-000001", "total"] if formula is udfs.XLB_XARIOS_TOTAL else [period.end, "CUST0001", "M365-BP"]
    assert in_cell(formula(*args, cell()), vba) == NA
    assert "503" in udfs.XLB_ERROR(cell())


@pytest.mark.parametrize("formula", [udfs.XLB_QUANTITY, udfs.XLB_CHANGE, udfs.XLB_XARIOS_TOTAL])
def test_a_rejected_token_is_na_and_its_message_never_shows_the_token(
    sandbox: Sandbox, elsewhere: Callable[[str, str], Session], period: Period, vba: str, formula: Any
) -> None:
    token = "not-the-token-" + "x" * 20
    elsewhere(sandbox.url, token)
    args = ["INV-000001", "total"] if formula is udfs.XLB_XARIOS_TOTAL else [period.end, "CUST0001", "M365-BP"]
    result = formula(*args, cell())
    assert in_cell(result, vba) == NA and token not in result
    message = udfs.XLB_ERROR(cell())
    assert "token" in message.lower() and token not in message


def test_a_bug_in_a_number_formula_is_na_with_a_message_and_no_traceback(
    formulas: Session, period: Period, vba: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any) -> int:
        raise KeyError("this_count")

    monkeypatch.setattr(udfs, "_summary_cell", broken)
    assert in_cell(udfs.XLB_QUANTITY(period.end, "CUST0001", "M365-BP", cell()), vba) == NA
    assert udfs.XLB_ERROR(cell()) == "XLB_QUANTITY failed unexpectedly (KeyError); see the xlwings log."


def test_numbers_pass_through_and_xlb_error_is_empty_once_the_cell_shows_one(
    formulas: Session, period: Period, vba: str
) -> None:
    where = cell("D4")
    assert in_cell(udfs.XLB_QUANTITY(period.end, "CUST9999", "M365-BP", where), vba) == NA
    assert "CUST9999" in udfs.XLB_ERROR(where)
    quantity = udfs.XLB_QUANTITY(period.end, "CUST0001", "M365-BP", where)
    assert isinstance(quantity, int) and quantity > 0 and in_cell(quantity, vba) == quantity
    where.value = quantity  # Excel puts the number in the cell; an error value reads back as None
    assert udfs.XLB_ERROR(where) == ""
    assert udfs.XLB_ERROR(cell("Z99")) == "", "a cell no formula failed in"


def test_messages_are_kept_per_cell_and_sheet(formulas: Session, period: Period) -> None:
    book = double.Book("/Users/ann/margins.xlsx", ["Q1", "Q 2"])
    first, second = book.sheets["Q1"].range("B2"), book.sheets["Q 2"].range("B2")
    assert second.get_address(external=True) == "'[margins.xlsx]Q 2'!$B$2"
    udfs.XLB_QUANTITY(period.end, "CUST9998", "M365-BP", first)
    udfs.XLB_QUANTITY(period.end, "CUST0001", "NOPE", second)
    assert "CUST9998" in udfs.XLB_ERROR(first) and "NOPE" in udfs.XLB_ERROR(second)


def test_xlb_error_needs_one_cell(formulas: Session) -> None:
    assert (
        udfs.XLB_ERROR(7.0) == "XLB_ERROR needs a cell, not a value. Point it at the cell showing the error, e.g. B7."
    )
    assert "must be one cell, not a range" in udfs.XLB_ERROR(cell("B2:B5"))


def test_only_so_many_cells_messages_are_kept(formulas: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(failures, "KEPT", 3)
    monkeypatch.setattr(failures, "_messages", {})
    cells = [cell(f"A{row}") for row in range(1, 6)]
    for row, where in enumerate(cells, start=1):
        udfs.XLB_XARIOS_TOTAL(None, f"bad{row}", where)
    assert [udfs.XLB_ERROR(where) != "" for where in cells] == [False, False, True, True, True]


def test_table_formulas_keep_their_one_line_message(formulas: Session, period: Period) -> None:
    for shown in (udfs.XLB_SUMMARY("last month"), udfs.XLB_DETAIL(period.end, "CUST9999")):
        assert isinstance(shown, str) and not shown.startswith("#") and "=XLB_" in shown


def test_only_the_number_formulas_are_marked() -> None:
    marked = sorted(name for name in dir(udfs) if getattr(getattr(udfs, name), failures.NUMBER, False))
    assert marked == NUMBER_FORMULAS
