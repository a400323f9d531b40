"""The Fetched sheet's table: one row per data set of the workbook, saying for which period, how many rows, from
where and when it was last refreshed. Every refresh rewrites the rows of what it refreshed and keeps the
others, so the Overview's formulas know which period each figure is for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

OVERVIEW = "Overview"
SHEET = "Fetched"
TABLE = "Fetched"
TITLE = "What was fetched, for which period, from where and when: every refresh updates its own rows."
COLUMNS = ("data", "period_end", "closed", "source", "rows", "refreshed_utc")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
"""Day 0 of Excel's date serial numbers (a closed file's dates are read back as those numbers)."""


@dataclass(frozen=True)
class Fetched:
    """One refresh of one data set: its title, its period (``None`` for a list such as Periods), whether that
    period is closed, its rows, where it came from, and when (UTC; ``None`` when the refresh's stamp gave words
    instead of a time, as ``xlbilling close`` does so that a rerun writes the same bytes)."""

    data: str
    period_end: date | None
    closed: bool | None
    rows: int
    source: str
    refreshed: datetime | None

    def row(self) -> dict[str, Any]:
        """Its row of the table, by column (``refreshed_utc`` to the second, without its zone)."""
        when = self.refreshed
        refreshed = None if when is None else pd.Timestamp(when.replace(tzinfo=None, microsecond=0))
        return {"data": self.data, "period_end": _day(self.period_end), "closed": self.closed, "source": self.source,
                "rows": self.rows, "refreshed_utc": refreshed}  # fmt: skip


def fetched_table(existing: pd.DataFrame, fetched: Sequence[Fetched], order: Sequence[str]) -> pd.DataFrame:
    """The table's rows after a refresh: ``fetched`` over the ``existing`` rows of the same data sets, the rows
    of data sets not refreshed kept, in ``order`` (titles; others last)."""
    rows: dict[str, dict[str, Any]] = {}
    if set(COLUMNS) <= set(existing.columns):
        for values in existing.loc[:, list(COLUMNS)].itertuples(index=False, name=None):
            row = dict(zip(COLUMNS, values, strict=True))
            if row["data"] not in (None, ""):
                row.update(period_end=_day(row["period_end"]), refreshed_utc=_moment(row["refreshed_utc"]))
                rows[str(row["data"])] = row
    for item in fetched:
        rows[item.data] = item.row()
    rank = {title: n for n, title in enumerate(order)}
    listed = sorted(rows.values(), key=lambda row: rank.get(str(row["data"]), len(rank)))
    table = pd.DataFrame(listed, columns=list(COLUMNS)).astype(object)
    table["period_end"] = pd.to_datetime(table["period_end"])
    table["refreshed_utc"] = pd.to_datetime(table["refreshed_utc"])
    return table


def _day(value: Any) -> pd.Timestamp | None:
    moment = _moment(value)
    return None if moment is None else moment.normalize()


def _moment(value: Any) -> pd.Timestamp | None:
    """A date or date-time as read back from a cell: a date, a serial number or text; ``None`` when empty."""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (EXCEL_EPOCH + pd.Timedelta(days=float(value))).round("s")
    try:
        moment = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(moment) else moment.tz_localize(None) if moment.tzinfo else moment
