"""The API clients and result cache shared by every Excel formula in one Python process.

Clients are built on first use from the user's settings (environment, config file, keyring). Every
data set goes through the cache, so a sheet of formulas sends one request per distinct data set.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from xlbilling.dates import parse_period
from xlbilling.errors import InputError
from xlbilling.excel.cache import ResultCache

if TYPE_CHECKING:
    from xlbilling.settings import Settings

OPEN_TTL = 60.0
"""Seconds a result for the open (still changing) period, or a list of periods/customers, is reused."""
CLOSED_TTL = 6 * 3600.0
"""Seconds a result for a closed period (or a Xarios invoice) is reused."""

_PERIODS_HINT = "=XLB_PERIODS() lists the billing periods, named by their end date."
_CUSTOMERS_HINT = "=XLB_CUSTOMERS() lists the customer codes."


class Session:
    """Clients plus cache. ``atria``/``xarios`` may be given (tests, benchmarks); otherwise they are
    built when first needed from ``settings`` (default: the user's settings)."""

    def __init__(
        self,
        atria: Any = None,
        xarios: Any = None,
        cache: ResultCache | None = None,
        settings: Settings | None = None,
    ) -> None:
        self._settings = settings
        self._atria = atria
        self._xarios = xarios
        self.cache = cache or ResultCache()

    def atria(self) -> Any:
        """The Atria client (``ConfigError`` when no URL or token is set)."""
        if self._atria is None:
            from xlbilling.connect import atria

            self._atria = atria(self._settings)
        return self._atria

    def xarios(self) -> Any:
        """The Xarios client (``ConfigError`` when no URL or token is set)."""
        if self._xarios is None:
            from xlbilling.connect import xarios

            self._xarios = xarios(self._settings)
        return self._xarios

    def sources(self) -> dict[str, str]:
        """Where each API's data comes from (its base URL), for the clients built so far."""
        found = {}
        for api, client in (("Atria", self._atria), ("Xarios", self._xarios)):
            if client is not None:
                found[api] = str(getattr(getattr(client, "client", None), "base_url", "?"))
        return found

    def fetch(self, api: str, call: str, *args: Hashable, ttl: float = OPEN_TTL, **options: Hashable) -> Any:
        """``client.call(*args, **options)`` through the cache, e.g. ``fetch("Atria", "summary", end,
        billable_only=False)``; ``ttl`` is how many seconds the result may be reused."""
        shown = [_label(a) for a in args] + [f"{k}={_label(v)}" for k, v in options.items() if v is not None]
        label = " ".join([api, call, *shown])

        def load() -> Any:
            client = self.atria() if api == "Atria" else self.xarios()
            return getattr(client, call)(*args, **options)

        return self.cache.get(api, label, (api, call, args, tuple(sorted(options.items()))), load, ttl)

    def periods(self) -> pd.DataFrame:
        """Atria's billing periods (cached)."""
        return self.fetch("Atria", "periods")

    def period(self, value: Any) -> tuple[date, float]:
        """The period ``value`` names (any form Excel passes) and how long its data may be reused.

        ``InputError`` when it is not a date or no billing period ends on it."""
        end = parse_period(value)
        periods = self.periods()
        match = periods[periods["period_end"].dt.date == end]
        if match.empty:
            raise InputError(f"No billing period ends on {end.isoformat()}.", _PERIODS_HINT)
        closed = bool(match["is_closed"].fillna(False).iloc[0])
        return end, CLOSED_TTL if closed else OPEN_TTL

    def customer(self, value: str) -> str:
        """The customer code for ``value`` (a code or a name, any case); ``InputError`` when unknown."""
        customers = self.fetch("Atria", "customers")
        wanted = value.strip().lower()
        for column in ("customer_code", "customer_name", "account_code"):
            hits = customers[customers[column].astype("string").str.lower() == wanted]
            if not hits.empty:
                return str(hits["customer_code"].iloc[0])
        raise InputError(f"There is no customer '{value}'.", _CUSTOMERS_HINT)

    def clear(self) -> int:
        """Forget every cached result; returns how many there were."""
        return self.cache.clear()


def _label(value: Hashable) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


_current = Session()


def current() -> Session:
    """The session formulas and buttons use."""
    return _current


def use(session: Session) -> Session:
    """Make ``session`` the one formulas use (tests, benchmarks, a workbook's own settings)."""
    global _current
    _current = session
    return session
