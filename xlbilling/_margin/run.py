"""Margin over time: the closed periods of a range (``choose_periods``), each fetched on a small pool of
threads (``margin``), its lines computed (``xlbilling._margin.compute``) and added up per customer, product
and period (``Margin``).

Every data set is asked for through the clients given, so with a session's clients each period's data is
fetched once and kept as long as a closed period's (``xlbilling._session.session``); the API's rate limits are
respected by the transport, which waits as a 429's Retry-After says.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd

from xlbilling._errors import DataError, EmptyRange, NoClosedPeriod, NoInvoiceItems
from xlbilling._inputs.mapping import Mapping
from xlbilling._inputs.prices import PriceList
from xlbilling._margin.compute import DETAIL_COLUMNS, NO_PRICE, period_lines, totals
from xlbilling._progress import Progress, Step
from xlbilling._reconcile.period import reconcile_period
from xlbilling._reconcile.result import NothingCompared
from xlbilling._values.period import Period

if TYPE_CHECKING:
    from xlbilling._apis.atria import AtriaReads
    from xlbilling._apis.xarios import XariosReads

DEFAULT_PERIODS = 12
WORKERS = 4
"""Periods fetched at once: enough to overlap the round trips, few enough for the APIs' rate limits."""


@dataclass(frozen=True)
class Chosen:
    """The closed periods of a range, oldest first, and the open ones in it that were left out."""

    periods: tuple[Period, ...]
    left_out: tuple[Period, ...] = ()


def choose_periods(known: Sequence[Period], first: Period | None, last: Period | None) -> Chosen:
    """The closed periods from ``first`` to ``last`` (each included; without ``last``, up to the latest
    period), or without ``first`` the last ``DEFAULT_PERIODS`` closed ones of that range. Open periods in the
    range are left out and listed. ``EmptyRange`` when the range holds no closed period or ends before it
    starts; ``NoClosedPeriod`` when Atria has none at all."""
    ordered = sorted(known, key=lambda p: p.end)
    if first is not None and last is not None and first.end > last.end:
        raise EmptyRange(first.end, last.end, "it ends before it starts")
    upto = [p for p in ordered if last is None or p.end <= last.end]
    if first is None:
        closed_ends = [p.end for p in upto if p.is_closed]
        if not closed_ends:
            if last is None:
                raise NoClosedPeriod()
            raise EmptyRange(ordered[0].end if ordered else last.end, last.end, "no period up to it has closed")
        inside = [p for p in upto if p.end >= closed_ends[-DEFAULT_PERIODS:][0]]
    else:
        inside = [p for p in upto if p.end >= first.end]
    closed = tuple(p for p in inside if p.is_closed)
    if not closed:
        start = first.end if first is not None else inside[0].end
        end = last.end if last is not None else (inside[-1].end if inside else start)
        raise EmptyRange(start, end, "every period in it is still open" if inside else "no period lies in it")
    return Chosen(closed, tuple(p for p in inside if not p.is_closed))


@dataclass(frozen=True)
class Margin:
    """The margin lines of every period (``detail``, ``DETAIL_COLUMNS``) and what a reader must know about
    them (``notes``); ``by`` adds them up."""

    detail: pd.DataFrame
    periods: tuple[Period, ...]
    left_out: tuple[Period, ...] = ()
    dated_prices: bool = False
    no_cost: tuple[Period, ...] = field(default=())

    def by(self, what: str) -> pd.DataFrame:
        """The ``detail``, or the totals per ``customer``, ``product`` or ``period``."""
        return self.detail if what == "detail" else totals(self.detail, what)

    @property
    def unpriced(self) -> list[str]:
        """The SKUs billed with no price in force (their revenue and margin are not shown), sorted."""
        return sorted(set(self.detail.loc[self.detail["status"] == NO_PRICE, "sku"]))

    def lowest(self, count: int) -> pd.DataFrame:
        """The ``count`` customers with the lowest margin % (those with a known one), lowest first."""
        per = self.by("customer")
        per = per[per["margin_pct"].notna()]
        order = per["margin_pct"].map(Decimal).sort_values(kind="stable").index
        return per.loc[order].head(count).reset_index(drop=True)

    @property
    def notes(self) -> list[str]:
        """What the figures leave out or assume, one sentence each."""
        first, last = self.periods[0].end.isoformat(), self.periods[-1].end.isoformat()
        said = [f"Periods: {len(self.periods)} closed, ending {first} to {last}."]
        said += [f"The period ending {p.end.isoformat()} is still open: left out." for p in self.left_out]
        said += [f"No cost data for the period ending {p.end.isoformat()} (no Xarios invoice covers it): its "
                 "margin is not shown." for p in self.no_cost]  # fmt: skip
        if self.unpriced:
            said.append(f"No price for {', '.join(self.unpriced)}: revenue and margin not shown for those lines.")
        if not self.dated_prices:
            said.append("Prices: today's price list for every period (it has no valid_from column).")
        return said


def margin(
    atria: AtriaReads,
    xarios: XariosReads,
    periods: Sequence[Period],
    *,
    mapping: Mapping,
    prices: PriceList,
    customers: Sequence[str] = (),
    workers: int = WORKERS,
    progress: Progress | None = None,
) -> Margin:
    """The margin of every period in ``periods`` (closed ones: see ``choose_periods``), fetched ``workers`` at
    a time; only the lines of ``customers`` (customer codes, as consumer or as Bill To) when given.

    ``DataError`` when those customers have no line in any of the periods.
    """
    directory = atria.customers()  # the lists every period uses, fetched once before the threads start
    xarios.invoices()

    def one(period: Period) -> tuple[pd.DataFrame, bool]:
        prices_then = prices.at(period.end)
        billed = atria.invoice_lines(period)
        try:
            found = reconcile_period(atria, xarios, period, mapping=mapping, prices=prices_then)
        except NoInvoiceItems:
            return period_lines(billed, prices_then, None), False
        except NothingCompared as error:
            found = error.reconciliation
        return period_lines(billed, prices_then, found), True

    done: dict[Period, tuple[pd.DataFrame, bool]] = {}
    pool = ThreadPoolExecutor(max(1, min(workers, len(periods))), thread_name_prefix="margin")
    try:
        futures = {pool.submit(one, period): period for period in periods}
        for count, future in enumerate(as_completed(futures), start=1):
            done[futures[future]] = future.result()
            if progress is not None:
                progress(Step(f"period {futures[future]}", count, len(periods)))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    ordered = sorted(periods, key=lambda p: p.end)
    detail = pd.concat([done[p][0].assign(period_end=p.end) for p in ordered], ignore_index=True)
    detail = _only(detail.loc[:, list(DETAIL_COLUMNS)], directory, customers, ordered)
    return Margin(
        detail=detail,
        periods=tuple(ordered),
        dated_prices=prices.dated,
        no_cost=tuple(p for p in ordered if not done[p][1]),
    )


def margin_between(
    atria: AtriaReads,
    xarios: XariosReads,
    first: Period | None,
    last: Period | None,
    *,
    mapping: Mapping,
    prices: PriceList,
    customers: Sequence[str] = (),
    progress: Progress | None = None,
) -> Margin:
    """``margin`` of the closed periods from ``first`` to ``last`` (see ``choose_periods``), saying which open
    periods it left out: what the command, the formula and the Margin sheet all show."""
    chosen = choose_periods(atria.period_list(), first, last)
    found = margin(
        atria, xarios, chosen.periods, mapping=mapping, prices=prices, customers=customers, progress=progress
    )
    return replace(found, left_out=chosen.left_out)


def for_sheet(frame: pd.DataFrame) -> pd.DataFrame:
    """A margin table as a sheet or a spilled formula shows it: periods as dates a spreadsheet formats."""
    return frame.assign(period_end=pd.to_datetime(frame["period_end"])) if "period_end" in frame else frame


def _only(detail: pd.DataFrame, directory: pd.DataFrame, codes: Sequence[str], periods: list[Period]) -> pd.DataFrame:
    """The lines of the customers ``codes`` (as consumer or Bill To); all lines without codes."""
    if not codes:
        return detail
    wanted = directory[directory["customer_code"].isin(codes)]
    accounts = set(wanted["account_code"].where(wanted["account_code"].astype(bool), wanted["customer_name"]))
    chosen = detail[detail["account_code"].isin(accounts) | detail["bill_to_code"].isin(codes)]
    if chosen.empty:
        raise DataError(
            f"{', '.join(codes)} had nothing billed or charged in the periods ending {periods[0].end.isoformat()} "
            f"to {periods[-1].end.isoformat()}.",
            "Choose a range when the customer was billed, or another customer.",
        )
    return chosen.reset_index(drop=True)
