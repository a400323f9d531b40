"""One refreshable sheet of the billing workbook (a ``Target``): its tables, where each goes, and what a refresh
says about it (the stamp in ``A1``, the line printed atop each page in ``A2``, each further table's title line,
its row of the Fetched table), in the same words for ``xlbilling refresh``, the ribbon's buttons and the
server's ``/api/tables``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from xlbilling._inputs.reviews import CLOSED_COLUMNS, NOTE, REVIEW
from xlbilling._session.session import Session
from xlbilling._values.period import Period
from xlbilling._workbook.control import Params
from xlbilling._workbook.fetched import Fetched
from xlbilling._xlsx.coords import column_letter, split_cell

TABLE_ANCHOR = "A3"
STAMP_CELL = "A1"
PRINTED_STAMP = "A2"
"""What a table sheet holds and for which period, short enough to print atop every page (the stamp in A1, with
where from and when, is on screen and the Fetched sheet prints it)."""
Frames = tuple[pd.DataFrame, ...]
Load = Callable[[Session, Params, Period | None], Frames]


@dataclass(frozen=True)
class Beside:
    """A further table on a target's sheet, to the right of the one before it."""

    title: str
    table: str
    columns: tuple[str, ...]
    identity: tuple[str, ...] = ()
    """The columns that tell one row from another: a user's value beside a row follows them (all of the
    table's columns when empty)."""

    def line(self, rows: int, about: str = "") -> str:
        """The title line above the table: ``Unmapped tenants: 3 rows for the period ending 2026-10-31``."""
        return f"{self.title}: {rows} rows{about}"


@dataclass(frozen=True)
class Target:
    """One refreshable sheet: its table, any tables beside it, and how their data is fetched
    (``load`` returns one frame per table, the first table's first)."""

    key: str
    title: str
    sheet: str
    table: str
    columns: tuple[str, ...]
    load: Load
    """Fetches the frames; given the Control sheet's period when ``uses_period``, else ``None``."""
    uses_period: bool = True
    beside: tuple[Beside, ...] = ()
    uses_customer: bool = False
    identity: tuple[str, ...] = ()
    """The columns that tell one of the first table's rows from another (see ``Beside.identity``)."""
    reviewed: bool = False
    """Whether the first table carries the user's ``review`` and ``note`` per row (``xlbilling._inputs.reviews``),
    kept across refreshes, with the rows that vanished in a "Closed differences" table at the end."""
    apis: tuple[str, ...] = ("Atria",)
    """The APIs its data comes from (none: files, such as the invoices' manifest)."""

    def parts(self) -> tuple[Beside, ...]:
        """Every table of the sheet, the first first."""
        if not self.reviewed:
            return (Beside(self.title, self.table, self.columns, self.identity), *self.beside)
        closed = Beside("Closed differences", f"{self.table}Closed", CLOSED_COLUMNS)
        first = Beside(self.title, self.table, (*self.columns, REVIEW, NOTE), self.identity)
        return (first, *self.beside, closed)

    def layout(self) -> list[tuple[Beside, str]]:
        """Every table of the sheet with where a new one goes: the first at ``A3``, each further one
        two columns right of the one before (one empty column between), so none can grow into another."""
        placed = []
        column = 1
        for part in self.parts():
            placed.append((part, f"{column_letter(column)}{TABLE_ANCHOR[1:]}"))
            column += len(part.columns) + 1
        return placed

    def about(self, frames: Frames, period: Period | None) -> str:
        """Which period the data is for, in words for its stamps: " for the period ending 2026-10-31", " for the
        periods ending 2025-11-30 to 2026-10-31" (the margin's range), or nothing (a list such as Periods)."""
        if self.uses_period and period is not None:
            return f" for the period ending {period}"
        if self.key == "margin" and len(frames[1]):
            ends = pd.to_datetime(frames[1]["period_end"])
            return f" for the periods ending {ends.min().date()} to {ends.max().date()}"
        return ""

    def period_of(self, frames: Frames, period: Period | None) -> tuple[date | None, bool | None]:
        """The period the data is for, and whether it is closed: the Control sheet's, or the margin's last (its
        range holds closed periods only); none for a list such as Periods."""
        if self.uses_period and period is not None:
            return period.end, period.is_closed
        if self.key == "margin" and len(frames[1]):
            return pd.Timestamp(frames[1]["period_end"].max()).date(), True
        return None, None

    def source(self, sources: Mapping[str, str]) -> str:
        """Where its data came from: its APIs' addresses in ``sources`` (an API's name when it is not there),
        once when they share one."""
        return " and ".join(dict.fromkeys(sources.get(api, api) for api in self.apis))

    def stamp(self, rows: int, about: str, source: str, when: datetime | str) -> str:
        """What cell ``A1`` of its sheet says: ``Summary: 120 rows for the period ending 2026-10-31, from
        https://atria.example.com, refreshed 2026-12-05 09:31 UTC`` (``when`` given as words is said as it is)."""
        shown = when if isinstance(when, str) else f"{when:%Y-%m-%d %H:%M} UTC"
        return f"{self.title}: {rows} rows{about}, from {source}, refreshed {shown}"

    def printed(self, about: str) -> str:
        """What cell ``A2`` of its sheet says, printed atop every page: ``Summary for the period ending
        2026-10-31``."""
        return f"{self.title}{about}"

    def fetched(self, frames: Frames, period: Period | None, source: str, when: datetime | None) -> Fetched:
        """Its row of the Fetched table after a refresh that loaded ``frames``."""
        return Fetched(self.title, *self.period_of(frames, period), len(frames[0]), source, when)


@dataclass(frozen=True)
class Refreshed:
    """What one refresh wrote."""

    key: str
    sheet: str
    table: str
    rows: int
    ref: str


def title_cell(ref: str) -> str:
    """Where a table beside the first one has its title line: the cell above the table's top-left cell."""
    column, row = split_cell(ref.split(":")[0])
    return f"{column}{max(row - 1, 1)}"
