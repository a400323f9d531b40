"""The per-user rate limit: at most N requests in any 60 seconds; the next one is told how long to wait."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW = 60.0


class RateLimit:
    """At most ``per_minute`` requests per user in any ``WINDOW`` seconds (a sliding window: a burst is
    allowed, then one request more each time one falls out of the window)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._asked: dict[str, deque[float]] = {}

    def wait(self, user: str) -> int:
        """0 when ``user`` may ask now (and the request is counted), else the whole seconds to wait before
        asking again (for ``Retry-After``)."""
        with self._lock:
            moment = self._clock()
            asked = self._asked.setdefault(user, deque())
            while asked and asked[0] <= moment - WINDOW:
                asked.popleft()
            if len(asked) >= self.per_minute:
                return max(1, math.ceil(asked[0] + WINDOW - moment))
            asked.append(moment)
            return 0
