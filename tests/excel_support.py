"""Helpers shared by the Excel tests and the UDF benchmark: clients that count their HTTP requests."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from xlbilling._apis.atria import Atria
from xlbilling._apis.transport.client import ApiClient
from xlbilling._apis.xarios import Xarios
from xlbilling._session.results import ResultCache
from xlbilling._session.session import Session


class CountingTransport(httpx.BaseTransport):
    """Sends every request for real over loopback and counts them. Connections are not kept open between
    requests, so a session nobody closes leaves no socket behind: an unclosed socket found by the garbage
    collector raises a ResourceWarning inside whatever code runs then (a module being imported, say), which
    pytest records by changing that module's globals, at a moment no test controls."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))
        self._lock = threading.Lock()
        self.count = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.count += 1
        return self._inner.handle_request(request)


def counting_session(
    url: str, token: str, cache: ResultCache | None = None, **options: Any
) -> tuple[Session, CountingTransport]:
    """A formula session whose Atria and Xarios clients share one counting transport."""
    transport = CountingTransport()
    atria = Atria(ApiClient("Atria", url, token, transport=transport, retries=0, **options))
    xarios = Xarios(ApiClient("Xarios", url, token, transport=transport, retries=0, **options))
    return Session(atria, xarios, cache=cache or ResultCache()), transport
