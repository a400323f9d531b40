"""What doctor reads from an endpoint's rows: the key behind each column, values that do not parse, and the
likely key of a missing column (only one whose values fit the column's type)."""

from __future__ import annotations

from xlbilling._apis import fields
from xlbilling._doctor.inspect import inspect


def test_values_that_do_not_parse_are_named_with_their_column_and_key() -> None:
    rows = [
        {"productSku": "A", "lastMonthCount": 1, "thisMonthCount": "twelve", "billableFlag": True},
        {"productSku": "B", "lastMonthCount": "1,234", "thisMonthCount": 3, "billableFlag": "maybe"},
    ]
    found = inspect(rows, fields.ATRIA_SUMMARY)
    assert found.bad == [
        "billable (billableFlag): \"maybe\" does not parse as bool (expected yes/no, got 'maybe')",
        "last_count (lastMonthCount): \"1,234\" does not parse as int (could not convert string to float: '1,234')",
        "this_count (thisMonthCount): \"twelve\" does not parse as int (could not convert string to float: 'twelve')",
    ]


def test_a_key_whose_values_do_not_fit_is_never_suggested() -> None:
    rows = [{"productSku": "A", "LastQty": "n/a", "PriorUnits": 4, "thisMonthCount": 5}]
    found = inspect(rows, fields.ATRIA_SUMMARY)
    last = next(s for s in found.suggestions if s.column == "last_count")
    assert (last.key, last.candidates) == ("PriorUnits", ["PriorUnits"])
    assert found.unused == {"LastQty": '"n/a"', "PriorUnits": "4"}


def test_a_required_column_with_no_fitting_key_is_suggested_as_unknown() -> None:
    found = inspect([{"lastMonthCount": 1, "thisMonthCount": 2, "notes": {"a": 1}}], fields.ATRIA_SUMMARY)
    (sku,) = [s for s in found.suggestions if s.column == "sku"]
    assert (sku.key, sku.candidates, sku.required) == (None, [], True)
