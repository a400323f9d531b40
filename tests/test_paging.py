"""Lists in envelopes and over pages, read over loopback from the sandbox speaking each dialect: the rows are
those of the plain answer, every page is asked for once, and broken paging is refused with a clear error."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import httpx
import pandas as pd
import pytest
from click.testing import CliRunner

from xlbilling._apis.atria import Atria
from xlbilling._apis.paging import PROGRESS
from xlbilling._apis.spelling import ApiShape
from xlbilling._apis.transport.client import ApiClient
from xlbilling._apis.xarios import Xarios
from xlbilling._cli import main
from xlbilling._errors import BadResponse
from xlbilling._sandbox import Sandbox
from xlbilling._values.period import Period

STYLES = ("odata", "next", "pages", "skip", "hasmore")
ROWS = {"summary": 264, "detail": 1294, "analysis": 1294, "invoice": 25}  # the plain answers' rows


def clients(sandbox: Sandbox, shape: ApiShape | None = None) -> tuple[Atria, Xarios]:
    atria = Atria(ApiClient("Atria", sandbox.url, sandbox.token, retries=2, backoff=0.01), shape)
    return atria, Xarios(ApiClient("Xarios", sandbox.url, sandbox.token, retries=2, backoff=0.01))


def read_all(atria: Atria, xarios: Xarios, period: Period) -> dict[str, pd.DataFrame]:
    return {
        "summary": atria.summary(period),
        "detail": atria.detail(period),
        "invoice_lines": atria.invoice_lines(period),
        "analysis": atria.analysis(period),
        "invoices": xarios.invoices(),
        "items": xarios.invoice("INV-202610").items,
        "csv": xarios.invoice_detail("INV-202610").csv_items,
    }


@pytest.fixture(scope="module")
def plain(other_sandbox: Sandbox) -> dict[str, pd.DataFrame]:
    from tests.conftest import CLOSED

    return read_all(*clients(other_sandbox), CLOSED)


@pytest.mark.parametrize("style", STYLES)
def test_each_paging_style_gives_the_plain_rows_asking_each_page_once(
    style: str, speak: Callable[..., Sandbox], plain: dict[str, pd.DataFrame], period: Period
) -> None:
    sandbox = speak(style, page_size=150)
    start = len(sandbox.requests)
    found = read_all(*clients(sandbox), period)
    for name, frame in plain.items():
        pd.testing.assert_frame_equal(found[name], frame, obj=name)
    asked = Counter(sandbox.requests[start:])
    assert max(asked.values()) == 1, "no page is asked for twice"
    pages = sum(math.ceil(rows / 150) for rows in ROWS.values()) + 3  # + Get All, Get Invoice, the ZIP
    assert sum(asked.values()) == pages


def test_an_empty_last_page_ends_the_list(speak: Callable[..., Sandbox], plain: dict[str, pd.DataFrame]) -> None:
    from tests.conftest import CLOSED

    sandbox = speak("pages", page_size=100, empty_tail=True)
    start = len(sandbox.requests)
    atria, _ = clients(sandbox)
    pd.testing.assert_frame_equal(atria.summary(CLOSED), plain["summary"])
    assert len(sandbox.requests) - start == 3 + 1  # 264 rows in pages of 100, then the empty page


@pytest.mark.parametrize("style", ["odata", "pages", "skip"])
def test_a_page_that_repeats_is_refused(style: str, speak: Callable[..., Sandbox], period: Period) -> None:
    sandbox = speak(style, page_size=100, repeat=True)
    atria, _ = clients(sandbox)
    with pytest.raises(BadResponse) as caught:
        atria.summary(period)
    assert str(caught.value).startswith("Atria summary: page 2 repeats page 1: the API ignored the paging")
    assert "[atria.params]" in caught.value.hint


def test_a_page_failing_with_503_is_asked_again(
    speak: Callable[..., Sandbox], plain: dict[str, pd.DataFrame], period: Period
) -> None:
    sandbox = speak("pages", page_size=100)
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    fault = {"status": 503, "count": 1, "paths": "/api/billing", "query": "page=2"}
    httpx.post(f"{sandbox.url}/_sandbox/faults", json=fault, headers=headers).raise_for_status()
    start = len(sandbox.requests)
    atria, _ = clients(sandbox)
    pd.testing.assert_frame_equal(atria.summary(period), plain["summary"])
    asked = sandbox.requests[start:]
    assert len(asked) == 4 and Counter(asked).most_common(1)[0][1] == 2  # page 2 twice, the others once
    assert "page=2" in Counter(asked).most_common(1)[0][0]


def test_more_pages_than_the_setting_allows_are_refused(speak: Callable[..., Sandbox], period: Period) -> None:
    sandbox = speak("next", page_size=100)
    atria, _ = clients(sandbox, ApiShape("atria", max_pages=2))
    with pytest.raises(BadResponse, match="more than 2 pages"):
        atria.summary(period)


def test_page_size_and_parameter_names_come_from_the_settings(speak: Callable[..., Sandbox], period: Period) -> None:
    sandbox = speak("pages", page_size=100)
    start = len(sandbox.requests)
    shape = ApiShape("atria", params={"page": "page", "page_size": "pageSize"}, page_size=200)
    atria, _ = clients(sandbox, shape)
    assert len(atria.summary(period)) == 264
    assert [r.split("?")[1] for r in sandbox.requests[start:]] == [
        "billableOnly=false&aggregateByCustomer=true&pageSize=200",
        "billableOnly=false&aggregateByCustomer=true&page=2&pageSize=200",
    ]


def test_progress_is_reported_page_by_page(speak: Callable[..., Sandbox], period: Period) -> None:
    sandbox = speak("odata", page_size=100)
    seen: list[str] = []
    token = PROGRESS.set(lambda step: seen.append(str(step)))
    try:
        clients(sandbox)[0].summary(period)
    finally:
        PROGRESS.reset(token)
    assert seen == ["page 2, 200 rows", "page 3, 264 rows"]


def test_a_next_link_to_another_host_is_refused(period: Period) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": [], "@odata.nextLink": "https://elsewhere.example/api/x"})

    client = ApiClient("Atria", "https://atria.example", "t" * 20, transport=httpx.MockTransport(answer))
    with pytest.raises(BadResponse) as caught:
        Atria(client).summary(period)
    assert "sends the next page to https://elsewhere.example" in str(caught.value)
    assert "t" * 20 not in str(caught.value)


@pytest.mark.usefixtures("sandbox_env")
def test_a_repeating_page_is_one_line_from_the_command_line(
    speak: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = speak("skip", page_size=100, repeat=True)
    monkeypatch.setenv("XLBILLING_ATRIA_URL", sandbox.url)
    monkeypatch.setenv("XLBILLING_ATRIA_TOKEN", sandbox.token)
    result = CliRunner().invoke(main, ["summary", "-p", "2026-10-31"])
    assert result.exit_code == 1
    assert result.output.startswith("error: Atria summary: page 2 repeats page 1")
    assert "Traceback" not in result.output


def test_the_fast_decoder_reads_every_page(
    speak: Callable[..., Sandbox], plain: dict[str, pd.DataFrame], period: Period, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xlbilling._apis.atria

    def slow_path(*args: object) -> None:
        raise AssertionError("a page went the exact path")

    sandbox = speak("odata", page_size=300)
    monkeypatch.setattr(xlbilling._apis.atria, "to_frame", slow_path)
    pd.testing.assert_frame_equal(clients(sandbox)[0].detail(period), plain["detail"])
