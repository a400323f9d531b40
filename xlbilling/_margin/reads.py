"""What a margin reads for its periods (``PeriodReads``): each period's Atria lines and the Xarios invoices that
may hold its items, asked for a few periods ahead of the period being computed, each invoice once however
many periods need it, and let go once the last period that needs it has been computed.

The lines (a few MB each) are read on a pool of their own; the invoices (100 MB of JSON each at 2,000
customers) on a pool of ``workers`` threads, each holding one answer until it is decoded and added up, so
memory does not grow with the number of periods.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pandas as pd

from xlbilling._reconcile.period import candidate_invoices
from xlbilling._values.period import Period

if TYPE_CHECKING:
    from xlbilling._apis.atria import AtriaReads
    from xlbilling._apis.xarios import XariosReads
    from xlbilling._apis.xarios_charges import InvoiceCharges

AHEAD = 2
"""Periods whose reads are asked for before the period being computed: enough to keep the APIs busy, few
enough that what is read waits only briefly."""

_Planned = deque[tuple[int, "Period | str", Callable[[], Any]]]


class PeriodReads:
    """The reads of ``periods`` (oldest first): ``of(position, period)`` gives a period's Atria lines and its
    invoices' charges (in ``candidate_invoices`` order) once they are in. Use it as a context manager: the
    pools stop with it."""

    def __init__(self, atria: AtriaReads, xarios: XariosReads, periods: Sequence[Period], workers: int) -> None:
        listed = xarios.invoices()
        self.needs = [candidate_invoices(listed, period.start or period.end, period.end) for period in periods]
        self._last_use = {invoice_id: position for position, ids in enumerate(self.needs) for invoice_id in ids}
        first_use: dict[str, int] = {}
        for position, ids in enumerate(self.needs):
            first_use.update({invoice_id: position for invoice_id in ids if invoice_id not in first_use})
        lines: _Planned = deque((n, period, partial(atria.invoice_lines, period)) for n, period in enumerate(periods))
        invoices: _Planned = deque((n, i, partial(xarios.charges, i)) for i, n in first_use.items())
        self._plans = (  # each period's lines, and the invoices it is the first to need, each on its pool
            (lines, ThreadPoolExecutor(AHEAD + 1, thread_name_prefix="margin-lines")),
            (invoices, ThreadPoolExecutor(max(1, workers), thread_name_prefix="margin-invoices")),
        )
        self._asked: dict[Period | str, Future[Any]] = {}

    def of(self, position: int, period: Period) -> tuple[pd.DataFrame, list[InvoiceCharges]]:
        """The Atria lines of ``period`` (at ``position``) and the charges of its candidate invoices; the
        invoices no later period needs are let go."""
        for planned, pool in self._plans:
            while planned and planned[0][0] <= position + AHEAD:
                _, key, read = planned.popleft()
                self._asked[key] = pool.submit(read)
        billed = self._asked.pop(period).result()
        invoices = [self._asked[invoice_id].result() for invoice_id in self.needs[position]]
        for invoice_id in self.needs[position]:
            if self._last_use[invoice_id] == position:
                del self._asked[invoice_id]
        return billed, invoices

    def __enter__(self) -> PeriodReads:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        for _, pool in self._plans:
            pool.shutdown(wait=True, cancel_futures=True)
