"""The memory behind Excel formulas: one result per (API call, arguments), fetched once and shared.

- A result is reused until its lifetime ends (the caller picks it: short for the open period, long for
  closed ones).
- Formulas recalculating at the same moment for the same data wait for one request instead of each
  sending their own (single flight).
- When an API is unreachable, every formula answers at once for a pause: with the last good value
  (marked stale, as ``XLB_STATUS()`` shows) or with the outage message, instead of each waiting for a
  timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from xlbilling._errors import ApiError, ApiTimeout, ApiUnreachable, RateLimitError, ServerError

T = TypeVar("T")

OUTAGE_ERRORS = (ApiUnreachable, ApiTimeout, ServerError, RateLimitError)
"""Errors that mean "the API is not answering now", as opposed to "the question is wrong"."""

OUTAGE_PAUSE = 30.0
"""Seconds during which an API that just failed is not asked again."""


@dataclass
class Entry:
    """One cached result and what ``XLB_STATUS()`` says about it."""

    api: str
    label: str
    value: Any
    fetched_at: datetime
    expires: float
    stale: bool = False


class ResultCache:
    """Results keyed by ``(api, call, arguments)``; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, outage_pause: float = OUTAGE_PAUSE) -> None:
        self._clock = clock
        self._outage_pause = outage_pause
        self._guard = threading.Lock()
        self._entries: dict[Hashable, Entry] = {}
        self._inflight: dict[Hashable, Future[Any]] = {}
        self._outages: dict[str, tuple[float, ApiError]] = {}

    def get(self, api: str, label: str, key: Hashable, fetch: Callable[[], T], ttl: float, keep: bool = True) -> T:
        """The cached value for ``key``, calling ``fetch()`` only when there is none that is fresh.

        ``api`` names the API ``fetch`` talks to (its outages are shared by every key), ``label``
        describes the data for ``XLB_STATUS()``. Without ``keep`` a value fetched is handed to everyone
        waiting for it but not kept (a value already kept is still used). Raises whatever ``fetch`` raised
        when there is no earlier value to fall back on.
        """
        with self._guard:
            now = self._clock()
            entry = self._entries.get(key)
            if entry is not None and entry.expires > now and not entry.stale:
                return entry.value
            outage = self._outages.get(api)
            if outage is not None and outage[0] > now:
                if entry is not None:
                    entry.stale = True
                    return entry.value
                raise outage[1]
            future = self._inflight.get(key)
            leader = future is None
            if future is None:
                future = self._inflight[key] = Future()
        if not leader:
            return future.result()
        try:
            value = fetch()
        except OUTAGE_ERRORS as error:
            with self._guard:
                self._outages[api] = (self._clock() + self._outage_pause, error)
                self._inflight.pop(key, None)
                if entry is not None:
                    entry.stale = True
            if entry is None:
                future.set_exception(error)
                raise
            future.set_result(entry.value)
            return entry.value
        except BaseException as error:
            with self._guard:
                self._inflight.pop(key, None)
            future.set_exception(error)
            raise
        with self._guard:
            self._outages.pop(api, None)
            if keep:
                self._entries[key] = Entry(api, label, value, datetime.now(UTC), self._clock() + ttl)
            self._inflight.pop(key, None)
        future.set_result(value)
        return value

    def peek(self, key: Hashable) -> Any:
        """The value kept for ``key`` while it is fresh, else ``None``; nothing is fetched."""
        with self._guard:
            entry = self._entries.get(key)
            return entry.value if entry is not None and entry.expires > self._clock() and not entry.stale else None

    def entries(self) -> list[Entry]:
        """Every cached result, oldest first."""
        with self._guard:
            return sorted(self._entries.values(), key=lambda e: e.fetched_at)

    def outage(self, api: str) -> ApiError | None:
        """The error that started the current pause for ``api``, if one is running."""
        with self._guard:
            outage = self._outages.get(api)
            return outage[1] if outage is not None and outage[0] > self._clock() else None

    def clear(self) -> int:
        """Forget every result and outage (the "Clear cache" button); returns how many results went."""
        with self._guard:
            count = len(self._entries)
            self._entries.clear()
            self._outages.clear()
            return count
