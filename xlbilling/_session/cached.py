"""Atria and Xarios read through a session's result cache: the plain clients' typed methods, each data set
asked for once and kept as long as it may not change (a closed period's for hours, the open period's and
the lists for a minute)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any, TypeVar

import pandas as pd

from xlbilling._apis.atria import Atria, AtriaReads
from xlbilling._apis.xarios import Xarios, XariosInvoice, XariosReads
from xlbilling._session.results import ResultCache
from xlbilling._values.period import Period

T = TypeVar("T")

OPEN_TTL = 60.0
"""Seconds a result for the open (still changing) period, or a list of periods/customers, is reused."""
CLOSED_TTL = 6 * 3600.0
"""Seconds a result for a closed period (or a Xarios invoice) is reused."""


def lifetime(period: Period) -> float:
    """How many seconds data of ``period`` may be reused: long once it is closed, short while it is open."""
    return CLOSED_TTL if period.is_closed else OPEN_TTL


def _shown(value: Hashable) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)  # a Period shows its end date


class _Reads:
    """Reads of one API through ``cache``, keyed by the API's address, the call and its arguments (results
    are kept per address, so sessions sharing a cache never see each other's data)."""

    api = ""

    def __init__(self, base_url: str, cache: ResultCache) -> None:
        self.base_url = base_url
        self._cache = cache

    def _read(self, call: str, arguments: tuple[Hashable, ...], ttl: float, fetch: Callable[[], T]) -> T:
        label = " ".join([self.api, call, *(_shown(value) for value in arguments if value is not None)])
        return self._cache.get(self.api, label, (self.api, self.base_url, call, arguments), fetch, ttl)


class CachedAtria(_Reads, AtriaReads):
    """Atria answered through a session's cache: a sheet of formulas, a refresh and the steps of one command
    send one request per distinct data set. ``client`` is the plain client, past the cache."""

    api = "Atria"

    def __init__(self, client: Atria, cache: ResultCache) -> None:
        super().__init__(client.client.base_url, cache)
        self.client = client
        self._guard = threading.Lock()
        self._lists: dict[str, Any] = {}  # the cached /parameters answer, and the frames read from it

    def parameters(self) -> Any:
        """Atria's ``/parameters`` answer (the periods and customers lists), cached for a minute."""
        return self._read("parameters", (), OPEN_TTL, self.client.parameters)

    def periods(self) -> pd.DataFrame:
        return self._list("periods", self.client.periods_in)

    def customers(self) -> pd.DataFrame:
        return self._list("customers", self.client.customers_in)

    def _list(self, name: str, read: Callable[[Any], pd.DataFrame]) -> pd.DataFrame:
        """The list ``name`` read from the cached ``/parameters`` answer once per answer, so the same frame
        comes back (look-up tables built on it are reused) until the answer is fetched again."""
        payload = self.parameters()
        with self._guard:
            if self._lists.get("payload") is not payload:
                self._lists = {"payload": payload}
            found: pd.DataFrame | None = self._lists.get(name)
        if found is None:
            found = read(payload)
            with self._guard:
                if self._lists.get("payload") is payload:
                    found = self._lists.setdefault(name, found)
        return found

    def summary(self, period: Period, billable_only: bool = False, by_customer: bool = True) -> pd.DataFrame:
        return self._read(
            "summary",
            (period, f"billable_only={billable_only}", f"by_customer={by_customer}"),
            lifetime(period),
            lambda: self.client.summary(period, billable_only, by_customer),
        )

    def detail(
        self,
        period: Period,
        customer: str | None = None,
        service: str | None = None,
        user: str | None = None,
        billable_only: bool = False,
    ) -> pd.DataFrame:
        return self._read(
            "detail",
            (period, customer, service, user, f"billable_only={billable_only}"),
            lifetime(period),
            lambda: self.client.detail(period, customer, service, user, billable_only),
        )

    def invoice_lines(self, period: Period, customer: str | None = None) -> pd.DataFrame:
        return self._read(
            "invoice_lines", (period, customer), lifetime(period), lambda: self.client.invoice_lines(period, customer)
        )

    def analysis(self, period: Period, customer: str | None = None) -> pd.DataFrame:
        return self._read(
            "analysis", (period, customer), lifetime(period), lambda: self.client.analysis(period, customer)
        )


class CachedXarios(_Reads, XariosReads):
    """Xarios answered through a session's cache (an invoice, once issued, is kept as long as a closed
    period's data). ``client`` is the plain client, past the cache (downloads: the detail ZIP, the PDF)."""

    api = "Xarios"

    def __init__(self, client: Xarios, cache: ResultCache) -> None:
        super().__init__(client.client.base_url, cache)
        self.client = client

    def invoices(self) -> pd.DataFrame:
        return self._read("invoices", (), OPEN_TTL, self.client.invoices)

    def invoice(self, invoice_id: str) -> XariosInvoice:
        return self._read("invoice", (invoice_id,), CLOSED_TTL, lambda: self.client.invoice(invoice_id))
