"""Fault switches for tests: make the next N matching API requests slow, failing or malformed.

``POST /_sandbox/faults`` arms one fault; ``DELETE /_sandbox/faults`` disarms it. A fault applies to the
next ``count`` requests whose path contains ``paths`` (any API path when null; -1 = until reset) and whose
query contains ``query`` (when given: ``page=2`` faults the second page only); with ``per_path`` to the
first ``count`` requests of each path, so which thread asks first does not change what each request meets.
Sandbox control routes and the docs are never faulted.

- ``latency``: wait that many seconds before answering (combines with the others).
- ``status``: answer 429 (with ``Retry-After: retry_after``, seconds, fractions allowed) or 500/502/503/504.
- ``malformed``: ``json`` = 200 with broken JSON, ``html`` = 200 with an HTML error page,
  ``truncated`` = the real body cut to its first half (Content-Length matches what is sent).
- ``slow_body``: send the real body in ten pieces spread over that many seconds.
"""

from __future__ import annotations

import asyncio
import threading
from http import HTTPStatus
from typing import Any, Literal
from urllib.parse import unquote

import orjson
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNFAULTED = ("/_sandbox", "/docs", "/openapi.json")
_BROKEN_JSON = b'{"data": [{"invoiceid": "INV-'
_HTML = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The upstream server did not respond.</p></body></html>"
)


class Fault(BaseModel):
    """The body of ``POST /_sandbox/faults``."""

    latency: float = Field(0, ge=0, le=120, description="Seconds to wait before answering.")
    status: Literal[429, 500, 502, 503, 504] | None = Field(None, description="Status to answer instead.")
    count: int = Field(1, ge=-1, description="How many matching requests to fault; -1 until reset.")
    retry_after: float = Field(1, ge=0, le=3600, description="Retry-After seconds sent with a 429.")
    per_path: bool = Field(False, description="Fault the first `count` requests of each path, not of all.")
    malformed: Literal["json", "html", "truncated"] | None = None
    slow_body: float = Field(0, ge=0, le=120, description="Seconds over which to stream the body.")
    paths: str | None = Field(None, description="Only requests whose path contains this text.")
    query: str | None = Field(None, description="Only requests whose query string contains this text.")


class FaultSwitch:
    """The armed fault, shared by the server's threads."""

    def __init__(self) -> None:
        self._fault: Fault | None = None
        self._left = 0
        self._per_path: dict[str, int] = {}
        self._lock = threading.Lock()

    def arm(self, fault: Fault) -> None:
        """Fault the next ``fault.count`` matching requests."""
        with self._lock:
            self._fault, self._left, self._per_path = fault, fault.count, {}

    def reset(self) -> None:
        """Disarm: every request is served normally again."""
        with self._lock:
            self._fault, self._left, self._per_path = None, 0, {}

    def take(self, path: str, query: str = "") -> Fault | None:
        """The fault to apply to a request for ``path?query`` (using up one of its count), or None."""
        with self._lock:
            fault = self._fault
            if fault is None or self._left == 0 or path.startswith(UNFAULTED):
                return None
            if fault.paths and fault.paths.lower() not in path.lower():
                return None
            if fault.query and fault.query.lower() not in unquote(query).lower():
                return None
            if fault.per_path:
                taken = self._per_path.get(path.lower(), 0)
                if taken == fault.count:
                    return None
                self._per_path[path.lower()] = taken + 1
            elif self._left > 0:
                self._left -= 1
            return fault


class FaultMiddleware:
    """ASGI middleware applying the armed fault of ``switch``."""

    def __init__(self, app: ASGIApp, switch: FaultSwitch) -> None:
        self.app = app
        self.switch = switch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        http = scope["type"] == "http"
        fault = self.switch.take(scope["path"], scope["query_string"].decode("latin-1")) if http else None
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.latency:
            await asyncio.sleep(fault.latency)
        if fault.status is not None:
            headers = [(b"retry-after", f"{fault.retry_after:g}".encode())] if fault.status == 429 else []
            body = orjson.dumps({"message": HTTPStatus(fault.status).phrase})
            await send_body(send, fault.status, body, b"application/json", headers)
        elif fault.malformed == "json":
            await send_body(send, 200, _BROKEN_JSON, b"application/json")
        elif fault.malformed == "html":
            await send_body(send, 200, _HTML, b"text/html; charset=utf-8")
        elif fault.malformed == "truncated" or fault.slow_body:
            await self._rewrite(scope, receive, send, fault)
        else:
            await self.app(scope, receive, send)

    async def _rewrite(self, scope: Scope, receive: Receive, send: Send, fault: Fault) -> None:
        status, headers, body = await captured(self.app, scope, receive)
        if fault.malformed == "truncated":
            body = body[: len(body) // 2]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        pieces = 10 if fault.slow_body else 1
        size = -(-len(body) // pieces) or 1
        for n in range(pieces):
            if fault.slow_body:
                await asyncio.sleep(fault.slow_body / pieces)
            part = body[n * size : (n + 1) * size]
            await send({"type": "http.response.body", "body": part, "more_body": n < pieces - 1})


async def captured(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The status, headers (but its length) and whole body ``app`` answers ``scope`` with, unsent."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    return start.get("status", 200), headers, b"".join(chunks)


async def send_body(
    send: Send, status: int, body: bytes, content_type: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
