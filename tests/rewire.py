"""An httpx transport for tests that forwards every request to the real sandbox over loopback and
rewrites the JSON it answers, to check how the clients cope with what a real instance might send."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson


def rename_keys(payload: Any, rename: Callable[[str], str]) -> Any:
    """``payload`` with every object key passed through ``rename`` (values untouched)."""
    if isinstance(payload, dict):
        return {rename(key): rename_keys(value, rename) for key, value in payload.items()}
    if isinstance(payload, list):
        return [rename_keys(value, rename) for value in payload]
    return payload


class RewritingTransport(httpx.BaseTransport):
    """Sends the request for real, then applies ``rewrite`` to the decoded JSON body."""

    def __init__(self, rewrite: Callable[[Any], Any]) -> None:
        self._inner = httpx.HTTPTransport()
        self._rewrite = rewrite

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        body = response.read()
        if not response.headers.get("content-type", "").startswith("application/json"):
            return httpx.Response(response.status_code, headers=response.headers, content=body)
        rewritten = orjson.dumps(self._rewrite(orjson.loads(body)))
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        return httpx.Response(response.status_code, headers=headers, content=rewritten)
