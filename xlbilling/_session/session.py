"""The session: both API clients with one result cache, and what a person typed turned into typed values.

Clients are built on first use from the user's settings (environment, config file, keyring), or given.
Every data set goes through the cache, so a sheet of formulas, a refresh, a command's steps and every user
of one server send one request per distinct data set.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from xlbilling._errors import InputError
from xlbilling._session.cached import CLOSED_TTL, OPEN_TTL, CachedAtria, CachedXarios, lifetime
from xlbilling._session.results import ResultCache
from xlbilling._session.stored import Store
from xlbilling._values.period import Period

if TYPE_CHECKING:
    from xlbilling._apis.atria import Atria
    from xlbilling._apis.xarios import Xarios
    from xlbilling._config.settings import Settings
    from xlbilling._inputs.mapping import Mapping
    from xlbilling._inputs.prices import PriceList
    from xlbilling._margin.run import Margin
    from xlbilling._progress import Progress
    from xlbilling._reconcile.result import Reconciliation

T = TypeVar("T")


class Session:
    """Atria and Xarios with one cache. ``atria``/``xarios`` may be given (``Atria.connect(url, token)``);
    otherwise they are built when first needed from ``settings`` (default: the user's settings). ``store``
    keeps closed periods on disk between runs (default: the user cache folder; ``Store(refresh=True)`` reads
    nothing kept)."""

    def __init__(
        self,
        atria: Atria | None = None,
        xarios: Xarios | None = None,
        cache: ResultCache | None = None,
        settings: Settings | None = None,
        store: Store | None = None,
    ) -> None:
        self._settings = settings
        self.store = store or Store()
        self._plain_atria = atria
        self._plain_xarios = xarios
        self.cache = cache or ResultCache()
        self._guard = threading.Lock()
        self._atria: CachedAtria | None = None
        self._xarios: CachedXarios | None = None
        self._derived: dict[tuple[int, str], Any] = {}

    def atria(self) -> CachedAtria:
        """Atria through this session's cache (``ConfigError`` when no URL or token is set); its ``client``
        is the plain client."""
        if self._atria is None:
            self._atria = CachedAtria(self._atria_client(), self.cache, self.store)
        return self._atria

    def xarios(self) -> CachedXarios:
        """Xarios through this session's cache (``ConfigError`` when no URL or token is set); its ``client``
        is the plain client (for the detail ZIP and the PDF, which are not cached)."""
        if self._xarios is None:
            self._xarios = CachedXarios(self._xarios_client(), self.cache, self.store)
        return self._xarios

    def _atria_client(self) -> Atria:
        if self._plain_atria is None:
            from xlbilling._config.clients import atria

            self._plain_atria = atria(self._settings)
        return self._plain_atria

    def _xarios_client(self) -> Xarios:
        if self._plain_xarios is None:
            from xlbilling._config.clients import xarios

            self._plain_xarios = xarios(self._settings)
        return self._plain_xarios

    def sources(self) -> dict[str, str]:
        """Where each API's data comes from (its base URL), for the clients built so far."""
        built = (("Atria", self._plain_atria), ("Xarios", self._plain_xarios))
        return {api: client.client.base_url for api, client in built if client is not None}

    # --- what a person typed, as typed values ----------------------------------------------------------

    def period(self, day: date) -> Period:
        """The billing period containing ``day`` (a door has parsed what the person typed: see
        ``parse_period``): 2026-10-15 means the period ending 2026-10-31, in every door. ``UnknownPeriod``
        when no period contains it."""
        if not isinstance(day, date):
            raise InputError(f"{day!r} is not a date.", "Give a day such as 2026-10-31.")
        atria = self.atria()
        found: dict[date, Period] = self.derived(atria.periods(), "period by day", lambda _: {})
        if day not in found:
            found[day] = atria.period(day)
        return found[day]

    def latest_closed(self) -> Period:
        """The latest closed billing period (``NoClosedPeriod`` when none has closed yet)."""
        return self.atria().latest_closed_period()

    def customer(self, value: str) -> str:
        """The customer code for ``value`` (a code, account code or exact name, any case); ``UnknownCustomer``
        when it names no customer or several."""
        atria = self.atria()
        found: dict[str, str] = self.derived(atria.customers(), "code by name", lambda _: {})
        key = value.strip().lower()
        if key not in found:
            found[key] = atria.customer_code(value)
        return found[key]

    # --- results built on what was fetched -------------------------------------------------------------

    def remember(self, label: str, key: tuple[Hashable, ...], ttl: float, build: Callable[[], T]) -> T:
        """A result built from several data sets (a reconciliation, a margin), computed once per ``key`` and
        both APIs' addresses and reused for ``ttl`` seconds, like a data set (``XLB_STATUS`` shows it as
        ``label``). Concurrent askers of one key wait for one computation."""
        sources = (self.atria().base_url, self.xarios().base_url)
        return self.cache.get("Atria", label, ("result", sources, *key), build, ttl)

    def reconcile(
        self, period: Period, *, mapping: Mapping, prices: PriceList | None = None, invoice: str | None = None
    ) -> Reconciliation:
        """What Xarios charged against what Atria billed in ``period`` (``xlbilling.reconcile``), computed once
        per period, mapping, price list and invoice."""
        from xlbilling._reconcile.period import reconcile_period

        in_force = prices.at(date.today()) if prices is not None else None
        return self.remember(
            f"Reconcile {period}" + (f" invoice {invoice}" if invoice else ""),
            ("reconcile", period, invoice, mapping.key, prices),
            lifetime(period),
            lambda: reconcile_period(
                self.atria(), self.xarios(), period, invoice_id=invoice, mapping=mapping, prices=in_force
            ),
        )

    def margin(
        self,
        first: Period | None = None,
        last: Period | None = None,
        *,
        mapping: Mapping,
        prices: PriceList,
        customers: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> Margin:
        """The margin over the closed periods from ``first`` to ``last`` (``xlbilling.margin``), computed once
        per range, mapping, price list and customers."""
        from xlbilling._margin.run import margin_between

        closed = first is not None and last is not None and first.is_closed and last.is_closed
        return self.remember(
            f"Margin {first} to {last}",
            ("margin", first, last, mapping.key, prices, tuple(customers)),
            CLOSED_TTL if closed else OPEN_TTL,
            lambda: margin_between(  # each period's data let go once its lines are computed: the margin is kept
                self.atria().passing(), self.xarios().passing(), first, last, mapping=mapping, prices=prices,
                customers=customers, progress=progress,
            ),
        )  # fmt: skip

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
        """Forget every cached result, also the closed periods kept on disk for these APIs; returns how many
        results there were in memory."""
        with self._guard:
            self._derived.clear()
        self.store.clear(self.sources().values())
        return self.cache.clear()


_current = Session()


def current() -> Session:
    """The session formulas and buttons use."""
    return _current


def use(session: Session) -> Session:
    """Make ``session`` the one formulas use (tests, benchmarks, a workbook's own settings)."""
    global _current
    _current = session
    return session
