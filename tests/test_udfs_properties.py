"""Property tests: whatever Excel passes to a formula, it never raises, and every bad value gets a message (in the
cell for a table; behind an Excel error value for a number, see ``tests/test_udf_errors.py``)."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlbilling._excel import failures, udfs
from xlbilling._excel.hints import ERROR_CODES
from xlbilling._session.session import Session

EXCEL_EPOCH = date(1899, 12, 30)
XL_ERRORS = (-2146826281, -2146826246, -2146826259, -2146826288)  # #DIV/0!, #N/A, #NAME?, #NULL! as xlwings passes them

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.sampled_from(XL_ERRORS),
    st.text(max_size=25),
    st.sampled_from(["", " ", "TRUE", "false", "#N/A", "=1+1", "@SUM(A1)", "2026-02-30", "31/10/2026"]),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    st.dates(),
)
excel_values = st.one_of(scalars, st.lists(st.lists(scalars, min_size=1, max_size=3), min_size=1, max_size=3))
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def period_ends(formulas: Session) -> set[date]:
    return {stamp.date() for stamp in formulas.atria().periods()["period_end"]}


@pytest.fixture
def period_spans(formulas: Session) -> list[tuple[date, date]]:
    """Each period's first and last day."""
    periods = formulas.atria().periods()
    return [
        (start.date(), end.date()) for start, end in zip(periods["period_start"], periods["period_end"], strict=True)
    ]


def is_message(result: Any) -> bool:
    """A one-line message for the cell: what is wrong and what to do."""
    return (
        isinstance(result, str)
        and 10 < len(result) < 400
        and "\n" not in result
        and "Traceback" not in result
        and "failed unexpectedly" not in result  # the catch-all for bugs: never acceptable here
    )


def is_failure(result: Any) -> bool:
    """A number formula's failure: an Excel error the add-in's VBA knows (#N/A, #VALUE!), then the message."""
    value, _, message = result.partition(" ") if isinstance(result, str) else ("", "", "")
    return value in ERROR_CODES and is_message(message)


def is_table(result: Any) -> bool:
    return (
        isinstance(result, list)
        and all(isinstance(row, list) for row in result)
        and all(isinstance(name, str) for name in result[0])
    )


def might_name_a_period(value: Any, spans: list[tuple[date, date]]) -> bool:
    """Conservative: anything that could be read as a day of one of the periods."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, date):
        day = value.date() if isinstance(value, datetime) else value
        return any(start <= day <= end for start, end in spans)
    if isinstance(value, int | float):
        return math.isfinite(value) and 1 <= value <= 2958465
    if isinstance(value, str):
        return any(ch.isdigit() for ch in value)
    return False


def forms_of(end: date) -> list[Any]:
    serial = (end - EXCEL_EPOCH).days
    return [end, datetime.combine(end, datetime.min.time()), float(serial), serial, str(serial), end.isoformat(),
            f" {end.isoformat()} ", datetime.combine(end, datetime.min.time()) + timedelta(hours=13)]  # fmt: skip


ALL_FORMULAS: list[tuple[str, Callable[..., Any], int]] = [
    (name, getattr(udfs, name), len(inspect.signature(getattr(udfs, name)).parameters))
    for name in dir(udfs)
    if name.startswith("XLB_")
]


@SETTINGS
@given(data=st.data())
def test_no_formula_ever_raises(formulas: Session, data: st.DataObject) -> None:
    name, formula, count = data.draw(st.sampled_from(ALL_FORMULAS), label="formula")
    args = [data.draw(excel_values, label=f"arg{i}") for i in range(count)]
    result = formula(*args)
    if getattr(formula, failures.NUMBER, False):  # a number, or an Excel error: never text that SUM counts as 0
        assert isinstance(result, int | float) or is_failure(result), (name, args, result)
    else:
        assert is_table(result) or is_message(result), (name, args, result)


@SETTINGS
@given(value=excel_values)
def test_every_value_that_is_not_a_period_gets_a_message(
    formulas: Session, period_spans: list[tuple[date, date]], value: Any
) -> None:
    if not might_name_a_period(value, period_spans):
        assert is_message(udfs.XLB_SUMMARY(value)), value
        assert is_failure(udfs.XLB_QUANTITY(value, "CUST0001", "M365-BP")), value


@SETTINGS
@given(data=st.data())
def test_every_form_of_a_real_period_gives_the_same_table(
    formulas: Session, period_ends: set[date], data: st.DataObject
) -> None:
    end = data.draw(st.sampled_from(sorted(period_ends)))
    tables = [udfs.XLB_SUMMARY(form) for form in forms_of(end)]
    assert is_table(tables[0]) and all(table == tables[0] for table in tables)


@SETTINGS
@given(data=st.data())
def test_every_day_of_a_period_gives_that_periods_table(
    formulas: Session, period_spans: list[tuple[date, date]], data: st.DataObject
) -> None:
    start, end = data.draw(st.sampled_from(period_spans[-3:]))
    day = data.draw(st.dates(start, end))
    form = data.draw(st.sampled_from(forms_of(day)))
    expected = udfs.XLB_SUMMARY(end)
    assert is_table(expected) and len(expected) > 1, expected
    assert udfs.XLB_SUMMARY(form) == expected


@SETTINGS
@given(flag=excel_values)
def test_a_flag_that_is_not_true_or_false_gets_a_message(formulas: Session, period_ends: set[date], flag: Any) -> None:
    end = max(period_ends)
    accepted = (
        flag is None
        or isinstance(flag, bool)
        or (isinstance(flag, int | float) and flag in (0, 1))
        or (isinstance(flag, str) and flag.strip().lower() in ("", "true", "false", "yes", "no", "0", "1"))
    )
    result = udfs.XLB_SUMMARY(end, flag)
    assert is_table(result) if accepted else is_message(result), (flag, result)


@SETTINGS
@given(customer=excel_values, sku=excel_values)
def test_unknown_customers_and_skus_get_a_message(
    formulas: Session, period_ends: set[date], customer: Any, sku: Any
) -> None:
    known = {str(code).lower() for code in formulas.atria().customers().stack()}
    result = udfs.XLB_QUANTITY(max(period_ends), customer, sku)
    if not (isinstance(customer, str) and customer.strip().lower() in known):
        assert is_failure(result), (customer, sku, result)
    else:
        assert is_failure(result) or isinstance(result, int)
