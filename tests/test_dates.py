"""Every form a billing period arrives in: from Excel, the terminal or Python."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from xlbilling._errors import InputError
from xlbilling._values.dates import parse_period, parse_timestamps, to_excel_serial

OCT_31 = date(2026, 10, 31)


@pytest.mark.parametrize(
    "value",
    [
        OCT_31,
        datetime(2026, 10, 31, 17, 45),
        pd.Timestamp("2026-10-31"),
        "2026-10-31",
        " 2026-10-31 ",
        "2026-10-31T00:00:00",
        46326,
        46326.0,
        "46326",
    ],
)
def test_period_forms_all_name_the_same_day(value: object) -> None:
    assert parse_period(value) == OCT_31


def test_excel_serial_round_trip() -> None:
    assert to_excel_serial(OCT_31) == 46326
    assert parse_period(61) == date(1900, 3, 1)  # after Excel's phantom 29 February 1900


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2026-13-01", "'2026-13-01' is not a date"),
        ("31/10/2026", "is not a date"),
        ("¹", "'¹' is not a date"),  # a digit to str.isdigit, not a number to float()
        ("", "No billing period given"),
        (None, "No billing period given"),
        (True, "is not a billing period"),
        (0, "is not an Excel date serial"),
        (-5, "is not an Excel date serial"),
        (float("nan"), "is not an Excel date serial"),
        (3_000_000, "is not an Excel date serial"),
        ([2026, 10, 31], "is not a billing period"),
    ],
)
def test_bad_periods_say_what_is_wrong_and_what_to_do(value: object, words: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_period(value)
    assert words in str(caught.value)
    assert "YYYY-MM-DD" in str(caught.value)
    assert caught.value.exit_code == 2


def test_every_xarios_timestamp_style_parses() -> None:
    parsed = parse_timestamps(
        ["2020-04-30T23:59:59.0000000", "2020-04-01T00:00:00.000+00:00", "2020-01-31T23:59:59.999Z", None, ""],
        dates_only=False,
    )
    assert list(parsed[:3]) == [
        pd.Timestamp("2020-04-30 23:59:59"),
        pd.Timestamp("2020-04-01 00:00:00"),
        pd.Timestamp("2020-01-31 23:59:59.999"),
    ]
    assert parsed[3:].isna().all()
    assert str(parsed.dtype) == "datetime64[ns]"


def test_dates_only_drops_the_time() -> None:
    parsed = parse_timestamps(["2026-10-14T09:31:00", "2026-10-31"], dates_only=True)
    assert list(parsed) == [pd.Timestamp("2026-10-14"), pd.Timestamp("2026-10-31")]


def test_unreadable_timestamp_is_named() -> None:
    with pytest.raises(ValueError, match="'yesterday' is not a date"):
        parse_timestamps(["2026-10-31", "yesterday"], dates_only=True)


@pytest.mark.parametrize("value", [20261031, 1.5, True, ["2026-10-31"]])
def test_a_non_text_timestamp_is_refused_not_read_as_epoch_seconds(value: object) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        parse_timestamps(["2026-10-31", value], dates_only=True)
