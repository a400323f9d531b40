"""Outages and broken answers from the real sandbox (its fault switches), seen through the clients."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest

from tests.conftest import FakeTime
from xlbilling._apis.atria import Atria
from xlbilling._apis.transport.client import ApiClient
from xlbilling._apis.xarios import Xarios
from xlbilling._errors import ApiTimeout, AuthError, BadResponse, RateLimitError, ServerError
from xlbilling._sandbox import Sandbox
from xlbilling._values.period import Period


def client(sandbox: Sandbox, **options: Any) -> Atria:
    return Atria(ApiClient("Atria", sandbox.url, sandbox.token, backoff=0.01, jitter=lambda: 0.5, **options))


def test_429_twice_then_success_is_retried_transparently(
    sandbox: Sandbox, faults: Any, period: Period, fake_time: FakeTime
) -> None:
    quiet = client(sandbox).summary(period)
    faults(status=429, retry_after=0, count=2, paths="/api/billing")
    waited = client(sandbox, retries=0, sleep=fake_time.sleep, clock=fake_time.clock).summary(period)
    pd.testing.assert_frame_equal(waited, quiet)
    assert fake_time.sleeps == pytest.approx([0.01, 0.02])  # no Retry-After worth waiting for: the backoff, doubling


def test_429_forever_says_to_wait(sandbox: Sandbox, faults: Any, period: Period, fake_time: FakeTime) -> None:
    faults(status=429, retry_after=0, count=-1, paths="/api/billing")
    with pytest.raises(RateLimitError) as caught:
        client(sandbox, retries=2, sleep=fake_time.sleep, clock=fake_time.clock).summary(period)
    assert caught.value.message == "Atria summary: the API kept answering 'too many requests' (HTTP 429) for 60 s"
    assert sum(fake_time.sleeps) == 60


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried(sandbox: Sandbox, faults: Any, period: Period, status: int) -> None:
    faults(status=status, count=1, paths="/invoice")
    assert len(client(sandbox, retries=1).invoice_lines(period)) > 0


def test_server_error_that_persists_names_the_call(sandbox: Sandbox, faults: Any, period: Period) -> None:
    faults(status=503, count=-1, paths="/detail")
    with pytest.raises(ServerError) as caught:
        client(sandbox, retries=1).detail(period)
    assert str(caught.value).startswith("Atria detail:")
    assert "503" in str(caught.value)


@pytest.mark.parametrize(
    ("malformed", "words"),
    [
        ("json", r"not valid JSON|JSON answer stops in the middle"),
        ("html", "HTML page"),
        ("truncated", "stops in the middle"),
    ],
)
def test_broken_answers_are_named(sandbox: Sandbox, faults: Any, period: Period, malformed: str, words: str) -> None:
    faults(malformed=malformed, count=1, paths="/api/billing")
    with pytest.raises(BadResponse) as caught:
        client(sandbox, retries=0).summary(period)
    assert re.search(words, str(caught.value))


def test_slow_server_times_out_with_advice(sandbox: Sandbox, faults: Any) -> None:
    faults(latency=3, count=1, paths="/parameters")
    with pytest.raises(ApiTimeout) as caught:
        client(sandbox, retries=0, timeout=0.5).periods()
    assert "Atria parameters" in str(caught.value)  # the one request that lists periods and customers


def test_slow_body_times_out(sandbox: Sandbox, faults: Any) -> None:
    faults(slow_body=10, count=1, paths="/billingdata")
    xarios = Xarios(ApiClient("Xarios", sandbox.url, sandbox.token, retries=0, timeout=0.5))
    with pytest.raises(ApiTimeout):
        xarios.invoices()


def test_rejected_token_says_how_to_make_a_new_one_and_never_shows_it(sandbox: Sandbox, period: Period) -> None:
    wrong = "eyJhbGciOiJIUzI1NiJ9.expired-token-value.sig"
    with pytest.raises(AuthError) as caught:
        Atria(ApiClient("Atria", sandbox.url, wrong)).summary(period)
    message = str(caught.value)
    assert "Service Provider Developer" in message
    assert wrong not in message and "expired-token-value" not in message
    with pytest.raises(AuthError) as caught_x:
        Xarios(ApiClient("Xarios", sandbox.url, wrong)).invoices()
    assert str(caught_x.value).startswith("Xarios invoices:")
