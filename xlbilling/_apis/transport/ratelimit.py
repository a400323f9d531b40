"""The rate-limit gate: a 429 from one API at one host pauses every request to it, in every thread.

An API that rate-limits counts the requests of a token, not of one call: when it answers 429 ("too many
requests"), every request to that API at that host waits until the Retry-After has passed (``RateGate``),
whichever thread or client sends it. What a request may spend is time, not attempts (``Patience``): it
gives up only once it has waited ``rate_limit_wait`` seconds in all, so a burst of 429s that waiting
outlasts never fails a run, however the refusals fall on concurrent fetches.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable

Clock = Callable[[], float]
Sleep = Callable[[float], None]

_GATES: weakref.WeakValueDictionary[tuple[str, str, Clock], RateGate] = weakref.WeakValueDictionary()
_GATES_LOCK = threading.Lock()


def gate_for(api: str, origin: str, clock: Clock) -> RateGate:
    """The gate shared by every client of ``api`` at ``origin`` (``scheme://host:port``) that tells time
    by ``clock`` (a test's own clock gets a gate of its own). It lives as long as one of them does."""
    key = (api, origin, clock)
    with _GATES_LOCK:
        gate = _GATES.get(key)
        if gate is None:
            gate = _GATES[key] = RateGate(clock)
        return gate


class RateGate:
    """Open, or closed until a moment on its ``clock`` because a request to its API was answered 429."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._until = -math.inf

    def pause(self, seconds: float) -> None:
        """Close the gate for ``seconds`` from now; a longer pause already set stays."""
        with self._lock:
            self._until = max(self._until, self._clock() + seconds)

    def wait(self, sleep: Sleep, at_most: float) -> float:
        """Sleep until the gate opens, ``at_most`` seconds in all, and return the seconds slept. A pause
        another request makes longer meanwhile is waited for too."""
        slept = 0.0
        seen = None
        while slept < at_most:
            with self._lock:
                until, now = self._until, self._clock()
            if until <= now or until == seen:  # open, or the pause slept through did not grow
                break
            delay = min(until - now, at_most - slept)
            sleep(delay)
            slept += delay
            seen = until
        return slept


class Patience:
    """One request's budget against a gate: ``budget`` seconds of waiting, whatever the number of 429s."""

    def __init__(self, gate: RateGate, budget: float, sleep: Sleep) -> None:
        self._gate = gate
        self._budget = budget
        self._sleep = sleep
        self.waited = 0.0
        #: How many times this request was answered 429 (the backoff grows with it without a Retry-After).
        self.refusals = 0

    def wait(self) -> None:
        """Before each attempt: wait while the gate is closed, as far as the budget allows."""
        self.waited += self._gate.wait(self._sleep, self._budget - self.waited)

    def refused(self, seconds: float) -> bool:
        """After a 429 asking for ``seconds`` of quiet: close the gate for every request to the API, and say
        whether this request may try again (False once it has waited its whole budget)."""
        self.refusals += 1
        self._gate.pause(seconds)
        return self.waited < self._budget
