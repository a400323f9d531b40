"""The door of ``/api/``: every request there needs ``Authorization: Bearer <personal token>`` (401 otherwise),
keeps within its user's rate limit (429 with ``Retry-After`` otherwise) and goes into the audit trail; every
request to the server, ``/api/`` or not, makes one access-log line, with any token blotted out.

Tokens travel only in the ``Authorization`` header, which is never logged; a token someone put in a query
string anyway is blotted out of the log line and the audit row.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xlbilling._serve.errors import answer, sign_in_again
from xlbilling._serve.ratelimit import RateLimit
from xlbilling._serve.users import Users, redacted

logger = logging.getLogger("xlbilling.serve")

API = "/api/"
OPEN = frozenset({"/api/health"})
"""The ``/api/`` paths anyone may ask."""


def bearer(scope: Scope) -> str | None:
    """The token of the request's ``Authorization: Bearer`` header, or None."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            kind, _, token = value.decode("latin-1").strip().partition(" ")
            if kind.lower() == "bearer" and token.strip():
                return token.strip()
            return None
    return None


class Guard:
    """ASGI middleware: authentication, rate limit and audit for ``/api/``, an access-log line for everything."""

    def __init__(self, app: ASGIApp, users: Users, limit: RateLimit) -> None:
        self.app = app
        self.users = users
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        path = scope["path"]
        guarded = path.startswith(API) and path not in OPEN
        user = None
        try:
            if not guarded:
                await self.app(scope, receive, sending)
                return
            token = bearer(scope)
            user = await run_in_threadpool(self.users.owner, token) if token else None
            if user is None:
                await sign_in_again()(scope, receive, sending)
                return
            wait = self.limit.wait(user)
            if wait:
                message = f"Too many requests: at most {self.limit.per_minute} a minute each. Try again in {wait} s."
                await answer(429, message, {"Retry-After": str(wait)})(scope, receive, sending)
                return
            scope.setdefault("state", {})["user"] = user
            await self.app(scope, receive, sending)
        finally:
            query = scope["query_string"].decode("latin-1")
            if guarded:
                await run_in_threadpool(self.users.record, user, scope["method"], path, query, status["code"])
            _log(scope, user, query, status["code"], time.perf_counter() - started)


def _log(scope: Scope, user: str | None, query: str, status: int, seconds: float) -> None:
    client: Any = scope.get("client")
    where = f"{client[0]}" if client else "-"
    asked = redacted(scope["path"] + (f"?{query}" if query else ""))
    logger.info('%s %s "%s %s" %d %.0f ms', where, user or "-", scope["method"], asked, status, seconds * 1000)
