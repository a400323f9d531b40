"""The API clients and result cache shared by every Excel formula in one Python process.

Clients are built on first use from the user's settings (environment, config file, keyring). Every
data set goes through the cache, so a sheet of formulas sends one request per distinct data set.
"""

from __future__ import annotations

import functools
import inspect
import threading
import weakref
from collections.abc import Callable, Hashable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from xlbilling._apis.atria import Atria
from xlbilling._apis.xarios import Xarios, XariosInvoice
from xlbilling._session.results import ResultCache
from xlbilling._values.dates import parse_period
from xlbilling._values.period import Period

if TYPE_CHECKING:
    from xlbilling._config.settings import Settings
    from xlbilling._xlsx.tablecells import WorkbookLike

OPEN_TTL = 60.0
"""Seconds a result for the open (still changing) period, or a list of periods/customers, is reused."""
CLOSED_TTL = 6 * 3600.0
"""Seconds a result for a closed period (or a Xarios invoice) is reused."""

T = TypeVar("T")


class Session:
    """Clients plus cache. ``atria``/``xarios`` may be given (tests, benchmarks); otherwise they are
    built when first needed from ``settings`` (default: the user's settings)."""

    def __init__(
        self,
        atria: Atria | None = None,
        xarios: Xarios | None = None,
        cache: ResultCache | None = None,
        settings: Settings | None = None,
    ) -> None:
        self._settings = settings
        self._atria = atria
        self._xarios = xarios
        self._cached_atria: Atria | None = None
        self._cached_xarios: Xarios | None = None
        self.cache = cache or ResultCache()
        self._guard = threading.Lock()
        self._derived: dict[tuple[int, str], Any] = {}

    def atria(self) -> Atria:
        """The Atria client, answering through this session's cache (``ConfigError`` when no URL or token
        is set): every door and core step using it asks Atria once per distinct data set."""
        if self._cached_atria is None:
            self._cached_atria = _Fetched(self)
        return self._cached_atria

    def xarios(self) -> Xarios:
        """The Xarios client, answering through this session's cache (``ConfigError`` when no URL or token
        is set)."""
        if self._cached_xarios is None:
            self._cached_xarios = _FetchedXarios(self)
        return self._cached_xarios

    def sources(self) -> dict[str, str]:
        """Where each API's data comes from (its base URL), for the clients built so far."""
        found = {}
        for api, client in (("Atria", self._atria), ("Xarios", self._xarios)):
            if client is not None:
                found[api] = client.client.base_url
        return found

    def client(self, api: str) -> Atria | Xarios:
        """The client for ``api`` ("Atria" or "Xarios") that talks to the API itself, past the cache."""
        if api == "Atria":
            if self._atria is None:
                from xlbilling._apis.from_settings import atria

                self._atria = atria(self._settings)
            return self._atria
        if self._xarios is None:
            from xlbilling._apis.from_settings import xarios

            self._xarios = xarios(self._settings)
        return self._xarios

    def fetch(self, api: str, call: str, *args: Hashable, ttl: float = OPEN_TTL, **options: Hashable) -> Any:
        """``client.call(*args, **options)`` through the cache, e.g. ``fetch("Atria", "summary", end,
        billable_only=False)``; ``ttl`` is how many seconds the result may be reused. Arguments are keyed as
        the call binds them (defaults filled in), so ``summary(end)`` and ``summary(end, billable_only=False)``
        are one data set. Results are kept per API address, so sessions sharing a cache (a workbook naming
        another Atria) never see each other's data. The API's own method runs on the cached client, so what
        it builds on (the periods list on the ``/parameters`` answer) comes from the cache too."""
        shown = [_label(a) for a in args] + [f"{k}={_label(v)}" for k, v in options.items() if v is not None]
        label = " ".join([api, call, *shown])
        client = self.atria() if api == "Atria" else self.xarios()
        method = getattr(Atria if api == "Atria" else Xarios, call)  # the API's own method, not the cached one
        bound = _signature(method).bind(client, *args, **options)
        bound.apply_defaults()
        key = (api, client.client.base_url, call, tuple(bound.arguments.items())[1:])
        return self.cache.get(api, label, key, lambda: method(client, *args, **options), ttl)

    def periods(self) -> pd.DataFrame:
        """Atria's billing periods (cached)."""
        return self.atria().periods()

    def period(self, value: Any) -> Period:
        """The billing period containing the day ``value`` names, in any form a person gives one (a date,
        ``YYYY-MM-DD``, an Excel serial, a date cell): 2026-10-15 means the period ending 2026-10-31, in
        every door. ``InputError`` when it is not a date, ``UnknownPeriod`` when no period contains it."""
        day = parse_period(value)
        periods = self.periods()
        found: dict[date, Period] = self.derived(periods, "period by day", lambda _: {})
        if day not in found:
            found[day] = self.atria().period(day)
        return found[day]

    def latest_closed(self) -> Period:
        """The latest closed billing period (``NoClosedPeriod`` when none has closed yet)."""
        return self.atria().latest_closed_period()

    def customer(self, value: str) -> str:
        """The customer code for ``value`` (a code, account code or exact name, any case); ``UnknownCustomer``
        when it names no customer or several."""
        customers = self.atria().customers()
        found: dict[str, str] = self.derived(customers, "code by name", lambda _: {})
        key = value.strip().lower()
        if key not in found:
            found[key] = self.atria().customer_code(value)
        return found[key]

    def derived(self, frame: pd.DataFrame, name: str, build: Callable[[pd.DataFrame], T]) -> T:
        """``build(frame)``, computed once per fetched frame (a look-up table for formulas); it is
        dropped when the frame itself is (replaced in the cache, or cleared)."""
        key = (id(frame), name)
        with self._guard:
            if key in self._derived:
                return self._derived[key]
        value = build(frame)
        with self._guard:
            if key not in self._derived:
                self._derived[key] = value
                weakref.finalize(frame, self._derived.pop, key, None)
        return value

    def clear(self) -> int:
        """Forget every cached result; returns how many there were."""
        with self._guard:
            self._derived.clear()
        return self.cache.clear()


@functools.cache
def _signature(method: Callable[..., Any]) -> inspect.Signature:
    """A client method's signature, read once: every formula's cache key binds its arguments to it."""
    return inspect.signature(method)


def lifetime(period: Period) -> float:
    """How many seconds data of ``period`` may be reused: long once it is closed, short while it is open."""
    return CLOSED_TTL if period.is_closed else OPEN_TTL


class _Fetched(Atria):
    """Atria answered through the session's cache: the lists, and every period's data sets (asked for by the
    period's real end date, kept as long as that period may still change), so a sheet of formulas, a refresh
    and the steps of one command send one request per distinct data set."""

    def __init__(self, session: Session) -> None:
        base = session.client("Atria")
        super().__init__(base.client, base.shape)
        self._session = session
        self._guard = threading.Lock()
        self._lists: dict[str, Any] = {}  # the cached /parameters answer, and the frames read from it

    def parameters(self) -> Any:
        return self._session.fetch("Atria", "parameters")

    def periods(self) -> pd.DataFrame:
        return self._read("periods", Atria.periods)

    def customers(self) -> pd.DataFrame:
        return self._read("customers", Atria.customers)

    def _read(self, name: str, build: Callable[[Atria], pd.DataFrame]) -> pd.DataFrame:
        """The list ``name`` read from the cached ``/parameters`` answer once per answer, so the same frame
        comes back (look-up tables built on it are reused) until the answer is fetched again."""
        payload = self.parameters()
        with self._guard:
            if self._lists.get("payload") is not payload:
                self._lists = {"payload": payload}
            found: pd.DataFrame | None = self._lists.get(name)
        if found is None:
            found = build(self)
            with self._guard:
                if self._lists.get("payload") is payload:
                    found = self._lists.setdefault(name, found)
        return found

    def summary(self, period: Period, billable_only: bool = False, by_customer: bool = True) -> pd.DataFrame:
        return self._of_period("summary", period, billable_only=billable_only, by_customer=by_customer)

    def detail(
        self,
        period: Period,
        customer: str | None = None,
        service: str | None = None,
        user: str | None = None,
        billable_only: bool = False,
    ) -> pd.DataFrame:
        options = {"customer": customer, "service": service, "user": user, "billable_only": billable_only}
        return self._of_period("detail", period, **options)

    def invoice_lines(self, period: Period, customer: str | None = None) -> pd.DataFrame:
        return self._of_period("invoice_lines", period, customer=customer)

    def analysis(self, period: Period, customer: str | None = None) -> pd.DataFrame:
        return self._of_period("analysis", period, customer=customer)

    def _of_period(self, call: str, period: Period, **options: Hashable) -> pd.DataFrame:
        frame: pd.DataFrame = self._session.fetch("Atria", call, period, ttl=lifetime(period), **options)
        return frame


class _FetchedXarios(Xarios):
    """Xarios answered through the session's cache (an invoice, once issued, is kept as long as a closed
    period's data)."""

    def __init__(self, session: Session) -> None:
        base = session.client("Xarios")
        super().__init__(base.client, base.shape)
        self._session = session

    def invoices(self) -> pd.DataFrame:
        frame: pd.DataFrame = self._session.fetch("Xarios", "invoices")
        return frame

    def invoice(self, invoice_id: str) -> XariosInvoice:
        found: XariosInvoice = self._session.fetch("Xarios", "invoice", invoice_id, ttl=CLOSED_TTL)
        return found


def _label(value: Hashable) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)  # a Period shows its end date


CONF_SHEET = "_xlbilling.conf"
"""A workbook's own settings sheet: setting names in column A, values in column B (never tokens)."""


def workbook_session(book: WorkbookLike) -> Session:
    """The session for ``book``: the shared one, or one using the URLs its ``_xlbilling.conf`` sheet sets
    (sharing the formulas' cache)."""
    rows = [row for row in book.read_block(CONF_SHEET, "A1:B50") if row[0] not in (None, "")]
    if not rows:
        return current()
    from xlbilling._config.settings import load_settings, settings_from_mapping

    settings = settings_from_mapping({str(key): value for key, value in rows}, load_settings())
    return Session(settings=settings, cache=current().cache)


_current = Session()


def current() -> Session:
    """The session formulas and buttons use."""
    return _current


def use(session: Session) -> Session:
    """Make ``session`` the one formulas use (tests, benchmarks, a workbook's own settings)."""
    global _current
    _current = session
    return session
