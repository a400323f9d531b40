"""Atria and Xarios read through a session's result cache: the plain clients' typed methods, each data set
asked for once and kept as long as it may not change (a closed period's for hours, the open period's and
the lists for a minute). A closed period's Atria invoice lines and each Xarios invoice's sums are also kept
on disk between runs (``xlbilling._session.stored``); ``passing()`` reads the same way but keeps no period's
data in memory (a margin's twelve periods would otherwise stay for hours)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any, TypeVar

import pandas as pd

from xlbilling._apis.atria import Atria, AtriaReads
from xlbilling._apis.spelling import ApiShape
from xlbilling._apis.xarios import Xarios, XariosInvoice, XariosReads
from xlbilling._apis.xarios_charges import InvoiceCharges, charges_of
from xlbilling._session.frames_json import charges_json, frame_json, json_charges, json_frame
from xlbilling._session.results import ResultCache
from xlbilling._session.stored import UNREADABLE, Store
from xlbilling._values.period import Period
from xlbilling._version import __version__

T = TypeVar("T")
R = TypeVar("R", bound="_Reads")

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
    """Reads of one API through ``cache`` and ``store``, keyed by the API's address, the call and its arguments
    (results are kept per address, so sessions sharing a cache never see each other's data)."""

    api = ""

    def __init__(self, base_url: str, cache: ResultCache, store: Store, shape: ApiShape) -> None:
        self.base_url = base_url
        self.keeps_periods = True
        self._cache = cache
        self._store = store
        # What a stored entry was read with: another version or other configured keys may read it otherwise.
        self._reader = f"read by xlbilling {__version__} with {dict(shape.extra)} at {shape.prefix}"

    def passing(self: R) -> R:
        """These reads, keeping no period's data in memory: what is already kept is still used, and concurrent
        askers still wait for one request."""
        view = copy.copy(self)
        view.keeps_periods = False
        return view

    def _read(
        self, call: str, arguments: tuple[Hashable, ...], ttl: float, fetch: Callable[[], T], keep: bool = True
    ) -> T:
        label = " ".join([self.api, call, *(_shown(value) for value in arguments if value is not None)])
        return self._cache.get(self.api, label, self._key(call, arguments), fetch, ttl, keep)

    def _key(self, call: str, arguments: tuple[Hashable, ...]) -> Hashable:
        return (self.api, self.base_url, call, arguments)

    def _stored(self, what: str) -> dict[str, Any] | None:
        """The entry kept on disk for ``what`` (see ``Store.read``)."""
        return self._store.read(self.base_url, f"{self.api} {what}, {self._reader}")

    def _store_entry(self, what: str, **values: Any) -> None:
        self._store.write(self.base_url, f"{self.api} {what}, {self._reader}", **values)


class CachedAtria(_Reads, AtriaReads):
    """Atria answered through a session's cache: a sheet of formulas, a refresh and the steps of one command
    send one request per distinct data set. ``client`` is the plain client, past the cache."""

    api = "Atria"

    def __init__(self, client: Atria, cache: ResultCache, store: Store | None = None) -> None:
        super().__init__(client.client.base_url, cache, store or Store(), client.shape)
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
        def fetch() -> pd.DataFrame:
            if customer is not None or not period.is_closed:
                return self.client.invoice_lines(period, customer)
            return self._closed_lines(period)

        return self._read("invoice_lines", (period, customer), lifetime(period), fetch, self.keeps_periods)

    def _closed_lines(self, period: Period) -> pd.DataFrame:
        """A closed period's invoice lines, from disk when they were kept there (a closed period does not
        change), else asked for and kept."""
        what = f"invoice lines of the closed period ending {period.end.isoformat()}"
        entry = self._stored(what)
        if entry is not None:
            try:
                return json_frame(entry["frame"])
            except UNREADABLE:
                pass  # fetched again below
        lines = self.client.invoice_lines(period)
        kept = frame_json(lines)
        if kept is not None:
            self._store_entry(what, frame=kept)
        return lines

    def analysis(self, period: Period, customer: str | None = None) -> pd.DataFrame:
        return self._read(
            "analysis", (period, customer), lifetime(period), lambda: self.client.analysis(period, customer)
        )


class CachedXarios(_Reads, XariosReads):
    """Xarios answered through a session's cache (an invoice, once issued, is kept as long as a closed
    period's data). ``client`` is the plain client, past the cache (downloads: the detail ZIP, the PDF)."""

    api = "Xarios"

    def __init__(self, client: Xarios, cache: ResultCache, store: Store | None = None) -> None:
        super().__init__(client.client.base_url, cache, store or Store(), client.shape)
        self.client = client

    def invoices(self) -> pd.DataFrame:
        return self._read("invoices", (), OPEN_TTL, self.client.invoices)

    def invoice(self, invoice_id: str) -> XariosInvoice:
        return self._read("invoice", (invoice_id,), CLOSED_TTL, lambda: self.client.invoice(invoice_id))

    def charges(self, invoice_id: str) -> InvoiceCharges:
        """The invoice added up: from an invoice already read whole, from disk when the API says (or its
        list shows) it has not changed since, else fetched and kept on disk. Kept in memory under the value
        and number the invoice list gives it, so a reissued invoice is never one read before."""
        listed = self.invoices()
        row = listed[listed["invoice_id"] == invoice_id]
        what = None if row.empty else _identity(row.iloc[0])
        return self._read(
            "charges", (invoice_id, what), CLOSED_TTL, lambda: self._charges(invoice_id, what), self.keeps_periods
        )

    def _charges(self, invoice_id: str, what: str | None) -> InvoiceCharges:
        held = self._cache.peek(self._key("invoice", (invoice_id,)))
        if held is not None:
            return charges_of(held)
        if what is None:  # not in the invoice list: nothing to know it again by
            return self.client.charges(invoice_id)
        kept: InvoiceCharges | None = None
        entry = self._stored(what)
        try:
            kept = json_charges(entry["charges"]) if entry is not None else None
        except UNREADABLE:
            entry = None
        etag = entry.get("etag") if entry is not None and kept is not None else None
        if kept is not None and not etag:
            return kept  # the API sends no ETag: the same id, number, period and value tell the same invoice
        found, tag = self.client.charges_unless(invoice_id, etag)
        if found is None and kept is not None:
            return kept  # 304 Not Modified
        assert found is not None  # "not modified" is an answer only to a question that names an ETag
        data = charges_json(found)
        if data is not None:
            self._store_entry(what, charges=data, etag=tag)
        return found


def _identity(row: pd.Series) -> str:
    """What tells one issue of a Xarios invoice from another, as its list row gives it."""
    return (
        f"invoice {row['invoice_id']} number {row.get('invoice_number')} for {row.get('period_start')} to "
        f"{row.get('period_end')}, value {row.get('invoice_value')}"
    )
