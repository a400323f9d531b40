"""The formulas' result cache: lifetimes, one request for concurrent identical calls, fast answers in an outage."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from xlbilling._errors import ApiUnreachable, NotFoundError
from xlbilling._session.results import OUTAGE_PAUSE, ResultCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counted(values: list[object]) -> tuple[Callable[[], object], list[int]]:
    calls = [0]

    def fetch() -> object:
        calls[0] += 1
        value = values[min(calls[0], len(values)) - 1]
        if isinstance(value, Exception):
            raise value
        return value

    return fetch, calls


def test_a_result_is_reused_until_its_lifetime_ends() -> None:
    clock = Clock()
    cache = ResultCache(clock=clock)
    fetch, calls = counted(["first", "second"])
    assert cache.get("Atria", "summary", "k", fetch, ttl=60) == "first"
    clock.now += 59
    assert cache.get("Atria", "summary", "k", fetch, ttl=60) == "first"
    clock.now += 2
    assert cache.get("Atria", "summary", "k", fetch, ttl=60) == "second"
    assert calls[0] == 2


def test_concurrent_identical_calls_share_one_fetch() -> None:
    cache = ResultCache(clock=Clock())  # the result cannot expire however slowly the threads run
    started, release = threading.Event(), threading.Event()
    calls = [0]

    def slow() -> str:
        calls[0] += 1
        started.set()
        release.wait(5)
        return "data"

    results: list[object] = []
    leader = threading.Thread(target=lambda: results.append(cache.get("Atria", "s", "k", slow, 60)))
    leader.start()
    started.wait(5)
    followers = [threading.Thread(target=lambda: results.append(cache.get("Atria", "s", "k", slow, 60)))
                 for _ in range(8)]  # fmt: skip
    for thread in followers:
        thread.start()
    release.set()
    for thread in [leader, *followers]:
        thread.join()  # no time limit: a busy machine is slow, not wrong (pytest-timeout stops a hang)
    assert results == ["data"] * 9 and calls[0] == 1


def test_in_an_outage_the_last_good_value_is_served_stale_without_asking_again() -> None:
    clock = Clock()
    cache = ResultCache(clock=clock)
    down = ApiUnreachable("Atria", "summary", "cannot connect to 127.0.0.1:9.")
    fetch, calls = counted(["good", down, down, "fresh again"])
    cache.get("Atria", "summary", "k", fetch, ttl=60)
    clock.now += 61
    assert cache.get("Atria", "summary", "k", fetch, ttl=60) == "good"
    assert [e.stale for e in cache.entries()] == [True]
    assert cache.outage("Atria") is down
    for _ in range(100):
        assert cache.get("Atria", "summary", "k", fetch, ttl=60) == "good"
    assert calls[0] == 2, "no request while the outage pause runs"

    other, other_calls = counted(["never"])
    with pytest.raises(ApiUnreachable):
        cache.get("Atria", "detail", "other", other, ttl=60)
    assert other_calls[0] == 0, "data never fetched fails at once with the outage message"

    clock.now += OUTAGE_PAUSE + 1
    assert cache.get("Atria", "summary", "k", fetch, ttl=60) == "good"
    assert calls[0] == 3 and cache.outage("Atria") is down, "after the pause it asks again, and fails again"
    clock.now += OUTAGE_PAUSE + 1
    assert cache.get("Atria", "summary", "k", fetch, ttl=60) == "fresh again"
    assert [e.stale for e in cache.entries()] == [False] and cache.outage("Atria") is None


def test_an_outage_of_one_api_does_not_stop_the_other() -> None:
    cache = ResultCache()
    down = ApiUnreachable("Xarios", "invoices", "cannot connect.")
    with pytest.raises(ApiUnreachable):
        cache.get("Xarios", "invoices", "x", counted([down])[0], ttl=60)
    assert cache.get("Atria", "periods", "a", counted(["periods"])[0], ttl=60) == "periods"


def test_a_wrong_question_is_not_an_outage_and_is_asked_again() -> None:
    cache = ResultCache()
    missing = NotFoundError("Atria", "summary", "no such period.")
    fetch, calls = counted([missing, missing])
    for _ in range(2):
        with pytest.raises(NotFoundError):
            cache.get("Atria", "summary", "k", fetch, ttl=60)
    assert calls[0] == 2 and cache.outage("Atria") is None


def test_clear_forgets_results_and_outages() -> None:
    cache = ResultCache()
    cache.get("Atria", "periods", "a", counted(["x"])[0], ttl=60)
    with pytest.raises(ApiUnreachable):
        cache.get("Xarios", "i", "b", counted([ApiUnreachable("Xarios", "i", "down.")])[0], ttl=60)
    assert cache.clear() == 1
    assert cache.entries() == [] and cache.outage("Xarios") is None
