"""Dates as users and APIs write them: billing periods from Excel, the terminal or Python, and the
several timestamp styles the APIs send."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from pandas.api.types import infer_dtype

from xlbilling._errors import NotADate

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's phantom 1900-02-29
_MAX_SERIAL = 2958465  # 9999-12-31


def parse_period(value: Any) -> date:
    """Return the billing period end date named by ``value``.

    Accepts a ``date``, a ``datetime`` or pandas ``Timestamp`` (time dropped), an ISO string
    (``2026-10-31`` or ``2026-10-31T00:00:00``), or an Excel date serial (``46326`` or ``"46326"``).
    Anything else raises ``NotADate`` saying what was given and what is expected.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise NotADate("No billing period given.")
    if isinstance(value, bool):
        raise NotADate(f"{value!r} is not a billing period.")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float):
        return _from_serial(value)
    if isinstance(value, str):
        text = value.strip()
        if text.replace(".", "", 1).isdecimal():  # not isdigit: "¹" is a digit float() refuses
            return _from_serial(float(text))
        try:
            return datetime.fromisoformat(text).date()
        except ValueError:
            raise NotADate(f"'{text}' is not a date.") from None
    if hasattr(value, "to_pydatetime"):
        day: date = value.to_pydatetime().date()
        return day
    raise NotADate(f"{value!r} is not a billing period.")


def _from_serial(serial: float) -> date:
    if serial != serial or not 1 <= serial <= _MAX_SERIAL:  # NaN or out of Excel's range
        raise NotADate(f"{serial!r} is not an Excel date serial (1 to {_MAX_SERIAL}).")
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def to_excel_serial(day: date) -> int:
    """The Excel (1900 system) serial number of ``day``."""
    return (day - _EXCEL_EPOCH).days


def parse_timestamps(values: list[Any], *, dates_only: bool) -> pd.Series:
    """Parse API timestamps into a naive ``datetime64[ns]`` Series; ``None``/empty become ``NaT``.

    Handles ``2026-10-31``, ``2026-10-31T09:30:00``, seven fractional digits
    (``2020-04-30T23:59:59.0000000``) and offsets (``...+00:00``, ``Z``; the wall-clock time is kept).
    With ``dates_only`` the time is dropped. Raises ``ValueError`` naming the first unreadable value.
    """
    series = pd.Series(values, dtype="object")
    if infer_dtype(series, skipna=True) not in ("string", "empty"):
        odd = next((v for v in values if v is not None and not isinstance(v, str)), None)
        if odd is not None:  # a number would be read as seconds since 1970: refuse it
            raise ValueError(f"'{odd}' is not a date")
    try:
        parsed = pd.to_datetime(series, format="ISO8601", cache=False)
    except (ValueError, TypeError):
        parsed = _parse_slowly(series)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    parsed = parsed.astype("datetime64[ns]")
    return parsed.dt.normalize() if dates_only else parsed


def _parse_slowly(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.strip()
    text = text.str.replace(r"(Z|[+-]\d\d:?\d\d)$", "", regex=True)
    text = text.str.replace(r"(\.\d{6})\d+", r"\1", regex=True)
    text = text.mask(text == "")
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", cache=False)
    bad = parsed.isna() & text.notna()
    if bad.any():
        raise ValueError(f"'{text[bad].iloc[0]}' is not a date")
    return parsed
