"""Margin over time: the closed periods of a range (``choose_periods``), their Xarios invoices fetched on a
small pool of threads and added up as they arrive (``XariosReads.charges``), each period's lines computed
(``xlbilling._margin.compute``) as soon as its invoices are in, oldest first, and added up per customer,
product and period (``Margin``).

Memory does not grow with the number of periods: a period's Atria lines and an invoice's sums are let go once
the last period that needs them is computed, and at most ``WORKERS`` invoices are on their way at once
(decoded one at a time: ``xlbilling._apis.xarios``). Every data set is asked for through the clients given:
a session's clients (``xlbilling._session``) share what other reads already hold and the closed periods kept
on disk; the API's rate limits are respected by the transport, which waits as a 429's Retry-After says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd

from xlbilling._errors import DataError, EmptyRange, NoClosedPeriod, NoInvoiceItems
from xlbilling._inputs.mapping import Mapping
from xlbilling._inputs.prices import Price, PriceList
from xlbilling._margin.compute import DETAIL_COLUMNS, NO_PRICE, period_lines, totals
from xlbilling._margin.reads import PeriodReads
from xlbilling._progress import Progress, Step
from xlbilling._reconcile.period import reconciled
from xlbilling._reconcile.result import NothingCompared
from xlbilling._values.period import Period

if TYPE_CHECKING:
    from xlbilling._apis.atria import AtriaReads
    from xlbilling._apis.xarios import XariosReads
    from xlbilling._apis.xarios_charges import InvoiceCharges

DEFAULT_PERIODS = 12
WORKERS = 2
"""Invoices fetched at once: enough to keep the API busy while one is decoded, few enough for its rate limits
and for memory (each answer is held until its turn to be decoded)."""


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
    currencies: tuple[str, ...] = ()
    """The price list's currencies: revenue is in them (Xarios's answers name no currency)."""

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
        said.append(
            f"Money in {self.currency}, the price list's currency; cost is what Xarios charged, taken to be in "
            f"{self.currency} too (its invoices name no currency); leak is what Xarios charged and was not billed, "
            "at your price (at Xarios cost for a SKU with no price)."
        )
        return said

    @property
    def currency(self) -> str:
        """The currency of the money, as a title says it (``GBP``; ``GBP/EUR`` for a list in two)."""
        return "/".join(self.currencies) or "the price list's currency"


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
    """The margin of every period in ``periods`` (closed ones: see ``choose_periods``), their invoices fetched
    ``workers`` at a time; only the lines of ``customers`` (customer codes, as consumer or as Bill To) when
    given.

    ``DataError`` when those customers have no line in any of the periods.
    """
    directory = atria.customers()  # the lists every period uses, fetched once before the threads start
    ordered = sorted(periods, key=lambda p: p.end)
    done: list[tuple[pd.DataFrame, bool]] = []
    with PeriodReads(atria, xarios, ordered, workers) as reads:
        for position, period in enumerate(ordered):
            billed, invoices = reads.of(position, period)
            done.append(_period(period, billed, invoices, directory, mapping, prices.at(period.end)))
            if progress is not None:
                progress(Step(f"period {period}", position + 1, len(ordered)))
    detail = pd.concat([lines.assign(period_end=p.end) for p, (lines, _) in zip(ordered, done, strict=True)],
                       ignore_index=True)  # fmt: skip
    detail = _only(detail.loc[:, list(DETAIL_COLUMNS)], directory, customers, ordered)
    return Margin(
        detail=detail,
        periods=tuple(ordered),
        dated_prices=prices.dated,
        no_cost=tuple(p for p, (_, costed) in zip(ordered, done, strict=True) if not costed),
        currencies=prices.currencies,
    )


def _period(
    period: Period,
    billed: pd.DataFrame,
    invoices: list[InvoiceCharges],
    directory: pd.DataFrame,
    mapping: Mapping,
    prices: dict[str, Price],
) -> tuple[pd.DataFrame, bool]:
    """One period's margin lines, and whether any Xarios invoice covers it (its cost is known)."""
    try:
        found = reconciled(period, billed, invoices, mapping=mapping, prices=prices, customers=directory)
    except NoInvoiceItems:
        return period_lines(billed, prices, None), False
    except NothingCompared as error:
        found = error.reconciliation
    return period_lines(billed, prices, found), True


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
