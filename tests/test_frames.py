"""JSON rows to typed DataFrames: key matching, types, missing values and the errors a user reads.

Most tests run twice: on a few rows, and on the same rows repeated 2,000 times, the size at which
``to_frame`` picks all rows' values in one pass and converts whole columns at once. Both must give the
same frame and the same message. ``read_frame``, which decodes the JSON bytes straight into columns, must
give ``to_frame``'s frame or give way to it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.rewire import RewritingTransport
from xlbilling._apis import fields
from xlbilling._apis.atria import Atria
from xlbilling._apis.frames import Field, Kind, convert, find_key, read_frame, to_frame
from xlbilling._apis.transport.client import ApiClient
from xlbilling._errors import BadResponse
from xlbilling._sandbox import Sandbox
from xlbilling._values.period import Period

FIELDS = (
    Field("customer_code", ("customerCode", "code"), required=True),
    Field("sku", ("productSku", "sku"), required=True),
    Field("count", ("thisMonthCount", "thisCount"), "int"),
    Field("share", ("durationPercent",), "float"),
    Field("billable", ("billable", "billableFlag"), "bool"),
    Field("start_date", ("startDate",), "date"),
    Field("actioned", ("actionedDate",), "datetime"),
    Field("value", ("value",), "decimal"),
)
ROW: dict[str, Any] = {
    "customerCode": "CUST0001",
    "productSku": "M365-BP",
    "thisMonthCount": 3,
    "durationPercent": 50.5,
    "billable": True,
    "startDate": "2026-10-01",
    "actionedDate": "2026-10-02T09:30:00",
    "value": "12.50",
    "unknown": {"nested": [1, 2]},
}


@pytest.fixture(params=[1, 2000], ids=["few rows", "many rows"])
def times(request: pytest.FixtureRequest) -> int:
    """How many times each test's rows are repeated."""
    return int(request.param)


def frame(rows: list[dict[str, Any]], times: int = 1) -> pd.DataFrame:
    return to_frame(rows * times, FIELDS, "Atria", "summary")


def bad_response(rows: list[dict[str, Any]], times: int = 1) -> str:
    with pytest.raises(BadResponse) as caught:
        frame(rows, times)
    return str(caught.value)


def test_columns_come_in_table_order_with_their_types(times: int) -> None:
    result = frame([ROW], times)
    assert list(result.columns) == [field.column for field in FIELDS]
    assert {column: str(dtype) for column, dtype in result.dtypes.items()} == {
        "customer_code": "string",
        "sku": "string",
        "count": "Int64",
        "share": "float64",
        "billable": "boolean",
        "start_date": "datetime64[ns]",
        "actioned": "datetime64[ns]",
        "value": "object",
    }
    first = result.iloc[-1]
    assert (first["customer_code"], first["sku"], first["count"], first["share"]) == ("CUST0001", "M365-BP", 3, 50.5)
    assert result["billable"].tolist() == [True] * times
    assert first["start_date"] == pd.Timestamp("2026-10-01")
    assert first["actioned"] == pd.Timestamp("2026-10-02 09:30")
    assert first["value"] == Decimal("12.50")
    assert len(result) == times


def test_keys_match_whatever_their_case(times: int) -> None:
    shouting = {key.upper(): value for key, value in ROW.items()}
    pd.testing.assert_frame_equal(frame([shouting], times), frame([ROW], times))


def test_a_field_spelt_differently_in_different_rows_is_read_from_each(times: int) -> None:
    rows = [{"code": "C1", "sku": "A"}, {"CustomerCode": "C2", "productSku": "B"}]
    result = frame(rows, times)
    assert list(result["customer_code"][:2]) == ["C1", "C2"]
    assert list(result["sku"][:2]) == ["A", "B"]


def test_a_row_with_two_spellings_of_a_field_gives_the_first_listed(times: int) -> None:
    rows = [{"customerCode": "C1", "sku": "old", "productSku": "new"}]
    assert set(frame(rows, times)["sku"]) == {"new"}


def test_a_required_field_no_row_has_is_named(times: int) -> None:
    message = bad_response([{"customerCode": "C1", "thisMonthCount": 1}], times)
    assert message.startswith("Atria summary: the answer has no 'productSku' field.")
    assert "[atria.fields.<endpoint>]" in message


def test_a_required_field_some_rows_lack_is_missing_there(times: int) -> None:
    result = frame([{"customerCode": "C1", "sku": "A"}, {"customerCode": "C2"}], times)
    assert result["sku"][:2].tolist() == ["A", pd.NA]


def test_no_rows_give_an_empty_frame_with_the_columns_and_types() -> None:
    result = frame([])
    assert result.empty
    assert list(result.columns) == [field.column for field in FIELDS]
    assert str(result["count"].dtype) == "Int64"
    assert str(result["start_date"].dtype) == "datetime64[ns]"


def test_null_and_absent_values_are_missing_in_every_type(times: int) -> None:
    rows: list[dict[str, Any]] = [
        {"customerCode": "C1", "sku": "A", "billable": None, "startDate": None, "value": None, "thisMonthCount": None},
        {"customerCode": "C2", "sku": "B"},
    ]
    result = frame(rows, times)
    for column in ("count", "share", "billable", "start_date", "actioned", "value"):
        assert result[column].isna().all(), column


def test_empty_text_stays_text_but_empty_numbers_flags_and_dates_are_missing(times: int) -> None:
    row = {"customerCode": "", "sku": "A", "thisMonthCount": "", "billable": "", "startDate": "", "value": ""}
    result = frame([row], times).iloc[0]
    assert result["customer_code"] == ""
    assert pd.isna(result["count"]) and pd.isna(result["billable"]) and pd.isna(result["start_date"])
    assert result["value"] is None


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        (
            "thisMonthCount",
            "twelve",
            "field 'thisMonthCount' has a bad value: could not convert string to float: 'twelve'",
        ),
        ("thisMonthCount", True, "field 'thisMonthCount' has a bad value: expected a number, got True"),
        ("durationPercent", [50], "field 'durationPercent' has a bad value: expected a number, got [50]"),
        ("billable", "maybe", "field 'billable' has a bad value: expected yes/no, got 'maybe'"),
        ("startDate", "31/31/2026", "field 'startDate' has a bad value: '31/31/2026' is not a date"),
        ("productSku", {"id": 1}, "field 'productSku' has a bad value: expected text, got dict"),
        ("value", "12,50 EUR", "field 'value' has a bad value: not an amount: '12,50 EUR'"),
    ],
)
def test_a_bad_value_names_its_field(key: str, value: Any, said: str, times: int) -> None:
    good = [dict(ROW)] * 3
    message = bad_response([*good, {**ROW, key: value}], times)
    assert message.startswith(f"Atria summary: {said}."), message


def test_values_of_another_json_type_are_converted_as_a_user_would_read_them(times: int) -> None:
    rows = [
        {"customerCode": 42, "sku": True, "thisMonthCount": "7", "durationPercent": "12.5", "billable": "Yes"},
        {"customerCode": 4.5, "sku": "A", "thisMonthCount": 2.6, "durationPercent": 3, "billable": " n "},
        {"customerCode": "C", "sku": "A", "thisMonthCount": 2, "durationPercent": 3, "billable": 0},
    ]
    result = frame(rows, times)
    assert result["customer_code"][:3].tolist() == ["42", "4.5", "C"]
    assert result["sku"][0] == "True"
    assert result["count"][:3].tolist() == [7, 3, 2]
    assert result["share"][:3].tolist() == [12.5, 3.0, 3.0]
    assert result["billable"][:3].tolist() == [True, False, False]


def test_timestamps_keep_their_wall_clock_time_and_dates_drop_it(times: int) -> None:
    rows = [
        {
            "customerCode": "C",
            "sku": "A",
            "startDate": "2026-10-01T23:59:59",
            "actionedDate": "2020-04-30T23:59:59.0000000",
        },
        {"customerCode": "C", "sku": "A", "startDate": "2026-10-02", "actionedDate": "2026-10-31T09:30:00+02:00"},
    ]
    result = frame(rows, times)
    assert result["start_date"][:2].tolist() == [pd.Timestamp("2026-10-01"), pd.Timestamp("2026-10-02")]
    assert result["actioned"][:2].tolist() == [pd.Timestamp("2020-04-30 23:59:59"), pd.Timestamp("2026-10-31 09:30")]


def test_unknown_keys_are_ignored_whatever_they_hold(times: int) -> None:
    rows: list[dict[str, Any]] = [
        {"customerCode": "C", "sku": "A", "tags": [{"x": 1}], "extra": None},
        {"customerCode": "D", "sku": "B"},
    ]
    assert frame(rows, times)["customer_code"][:2].tolist() == ["C", "D"]


def test_nan_sent_as_text_is_the_text_nan() -> None:
    assert convert(["a", float("nan"), None], "text").tolist() == ["a", "nan", pd.NA]


def test_find_key_ignores_case_and_takes_the_first_match() -> None:
    assert find_key({"Items": [], "DATA": []}, ("data", "items")) == "Items"
    assert find_key({"rows": []}, ("items",)) is None


# Any mix of JSON values: each converts, or fails, exactly as it would alone (whole-column conversion
# must never change a value or swallow an error).
json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(-1e6, 1e6),
    st.sampled_from(["", "yes", "No", "1", "0", "12", "2.5", "abc", "2026-10-31"]),
    st.text(max_size=3),
)


FAILED = object()


def single(value: Any, kind: Kind) -> Any:
    try:
        return convert([value], kind).tolist()[0]
    except (ValueError, TypeError):
        return FAILED


@pytest.mark.parametrize("kind", ["text", "int", "float", "bool"])
@given(values=st.lists(json_values, min_size=1, max_size=40))
def test_a_column_converts_as_its_values_do_one_by_one(kind: Kind, values: list[Any]) -> None:
    alone = [single(value, kind) for value in values]
    failed = any(value is FAILED for value in alone)
    try:
        together = convert(values, kind).tolist()
    except (ValueError, TypeError):
        assert failed
    else:
        assert not failed
        assert [repr(v) for v in together] == [repr(v) for v in alone]


# --- read_frame: the JSON bytes decoded straight into columns ------------------------------------------

FLAT = FIELDS[:-1]  # every kind read_frame decodes (the decimal field makes it give way)


def from_bytes(body: bytes, table: tuple[Field, ...] = FLAT) -> pd.DataFrame | None:
    """``read_frame`` on ``body``; whenever it gives a frame, it is the one ``to_frame`` builds."""
    fast = read_frame(body, table, "Atria", "summary")
    if fast is not None:
        pd.testing.assert_frame_equal(fast, to_frame(orjson.loads(body), table, "Atria", "summary"))
    return fast


FLAT_ROW = {key: value for key, value in ROW.items() if key != "value"}


@pytest.mark.parametrize(
    ("call", "path", "params", "table"),
    [
        ("detail", "/api/billing/{period}/detail", {}, fields.ATRIA_DETAIL),
        ("summary", "/api/billing/{period}", {}, fields.ATRIA_SUMMARY),
        ("summary", "/api/billing/{period}", {"aggregateByCustomer": False}, fields.ATRIA_SUMMARY),
        ("analysis", "/api/Billing/{period}/analysis", {}, fields.ATRIA_ANALYSIS),
    ],
    ids=["detail", "summary", "summary across customers", "analysis"],
)
def test_the_sandbox_answers_are_decoded_straight_into_to_frames_frame(
    atria: Atria, period: Period, call: str, path: str, params: dict[str, Any], table: tuple[Field, ...]
) -> None:
    body = atria.client.get_json_bytes(call, path.format(period=period.end.isoformat()), params)
    fast = read_frame(body, table, "Atria", call)
    assert fast is not None, "the sandbox's rows are plain: the fast path must take them"
    assert len(fast) > 0
    pd.testing.assert_frame_equal(fast, to_frame(orjson.loads(body), table, "Atria", call))


@pytest.mark.parametrize(
    "rows",
    [
        [FLAT_ROW],
        [{key.upper(): value for key, value in FLAT_ROW.items()}],
        [{**FLAT_ROW, "tags": [{"x": 1}], "note": "a } and a {", "extra": None}],
        [{"customerCode": "C", "sku": None, "billable": None, "startDate": None}, {"customerCode": None, "sku": "B"}],
        [{"customerCode": "C", "sku": "A", "thisMonthCount": 2**60, "durationPercent": 3}],
    ],
    ids=["plain", "one other casing", "extra keys and braces in text", "nulls and absent keys", "big count"],
)
def test_plain_rows_are_decoded_straight(rows: list[dict[str, Any]], times: int) -> None:
    assert from_bytes(orjson.dumps(rows * times)) is not None


def test_a_key_given_twice_keeps_its_last_value_as_when_parsed() -> None:
    fast = from_bytes(b'[{"customerCode": "C", "sku": "old", "sku": "new"}]')
    assert fast is not None
    assert fast["sku"].tolist() == ["new"]


@pytest.mark.parametrize(
    "payload",
    [
        [{"code": "C1", "sku": "A"}, {"customerCode": "C2", "sku": "B"}],
        [{"customerCode": "C1", "sku": "old", "productSku": "new"}],
        [{"customerCode": "C1", "sku": "A"}, {"customerCode": "C2"}],
        [{"customerCode": "C1", "thisMonthCount": 1}],
        [{"customerCode": 42, "sku": "A"}],
        [{"customerCode": "C", "sku": "A", "billable": "Yes"}],
        [{"customerCode": "C", "sku": "A", "thisMonthCount": 2.6}],
        [{"customerCode": "C", "sku": "A", "startDate": "31/31/2026"}],
        [{"customerCode": "C", "sku": {"id": 1}}],
        [{"customerCode": "C", "sku": "A"}, {"customerCode": "D", "sku": "B", "billable": True}],
        [{"customerCode": "C", "sku": "A"}, 5],
        {"items": [{"customerCode": "C", "sku": "A"}]},
        [],
    ],
    ids=[
        "spelt differently in different rows",
        "two spellings in a row",
        "a required key missing from a later row",
        "a required key missing from every row",
        "a number as text",
        "yes as a flag",
        "a fraction as a count",
        "a bad date",
        "an object as text",
        "a key the first row lacks",
        "a row that is not an object",
        "an envelope",
        "no rows",
    ],
)
def test_anything_unusual_goes_to_to_frame(payload: Any) -> None:
    assert from_bytes(orjson.dumps(payload)) is None


@pytest.mark.parametrize(
    "body",
    [
        b'[{"customerCode": "C", "sku": "A", "thisMonthCount": 01}]',
        b'[{"customerCode": "C", "sku": "A", "durationPercent": NaN}]',
        b'[{"customerCode": "C", "sku": "A", "other": 1e400}]',
        b'[{"customerCode": "C", "sku": "A", "other": "\\ud800"}]',
        b'[{"customerCode": "C", "sku": "A", "other": ["\xff"]}]',
        b'[{"customerCode": "C", "sku": "A\x01"}]',
        b'[{"customerCode": "C", "sku": "A"},]',
        b'[{"customerCode": "C", "sku": "A"}, {"customerCode": "D", "sku": "B"',
        b'\xef\xbb\xbf[{"customerCode": "C", "sku": "A"}]',
    ],
    ids=["leading zero", "NaN", "infinite", "lone surrogate", "bad UTF-8", "control character", "trailing comma",
         "cut off", "byte order mark"],
)  # fmt: skip
def test_json_that_orjson_refuses_goes_to_to_frame(body: bytes) -> None:
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(body)  # Atria then says the answer is not valid JSON, or cut off
    assert read_frame(body, FLAT, "Atria", "summary") is None


def test_a_table_with_a_decimal_field_goes_to_to_frame() -> None:
    assert from_bytes(orjson.dumps([ROW]), FIELDS) is None


def test_a_bad_value_in_a_large_answer_gives_the_usual_message(sandbox: Sandbox, period: Period) -> None:
    def break_one_date(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows[-1] = {**rows[-1], "startDate": "31/31/2026"}
        return rows

    transport = RewritingTransport(break_one_date)
    with (
        ApiClient("Atria", sandbox.url, sandbox.token, transport=transport) as client,
        pytest.raises(BadResponse) as caught,
    ):
        Atria(client).detail(period)
    assert str(caught.value).startswith("Atria detail: field 'startDate' has a bad value: '31/31/2026' is not a date.")


# Any rows of mixed keys and values: read_frame gives to_frame's frame, or gives way (always when to_frame
# says the answer is bad). Values mostly of the JSON type their key wants, so that some answers are plain.
TEXTS = st.one_of(st.none(), st.text(max_size=3), st.sampled_from(["a}b", "{", ""]))
DATES = st.one_of(st.none(), st.sampled_from(["2026-10-31", "2026-10-31T09:30:00", "2020-04-30T23:59:59.0000000", ""]))
TYPED_VALUES = {
    "customerCode": TEXTS,
    "CUSTOMERCODE": TEXTS,
    "sku": TEXTS,
    "productSku": TEXTS,
    "thisMonthCount": st.one_of(st.none(), st.integers(-(10**6), 10**6)),
    "billable": st.one_of(st.none(), st.booleans()),
    "startDate": DATES,
    "actionedDate": DATES,
    "durationPercent": st.one_of(st.none(), st.integers(-100, 100), st.floats(-1e6, 1e6)),
    "other": json_values,
}


@st.composite
def rows_of_anything(draw: st.DrawFn) -> list[dict[str, Any]]:
    def rarely() -> bool:
        return draw(st.integers(0, 19)) == 0

    def value(key: str) -> Any:
        return draw(json_values if rarely() else TYPED_VALUES[key])

    required = draw(st.sampled_from([["customerCode", "sku"], ["CUSTOMERCODE", "productSku"], ["sku"]]))
    optional = ["thisMonthCount", "billable", "startDate", "actionedDate", "durationPercent", "other"]
    keys = required + draw(st.lists(st.sampled_from(optional), unique=True))
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        row = {key: value(key) for key in keys if not rarely()}
        if rarely():  # a key the first row may lack, or another spelling of one it has
            key = draw(st.sampled_from(sorted(TYPED_VALUES)))
            row[key] = value(key)
        rows.append(row)
    return rows


@given(rows=rows_of_anything())
def test_read_frame_agrees_with_to_frame_or_gives_way(rows: list[dict[str, Any]]) -> None:
    body = orjson.dumps(rows)
    try:
        to_frame(rows, FLAT, "Atria", "summary")
    except BadResponse:
        assert read_frame(body, FLAT, "Atria", "summary") is None
    else:
        from_bytes(body)
