"""Other ways a real Atria or Xarios may speak, served by the sandbox: renamed keys, envelopes and paging.

``xlbilling sandbox --dialect NAME`` (or ``POST /_sandbox/dialect {"name": ..., "page_size": ...}`` while it
runs; ``DELETE`` goes back to ``plain``) rewrites every API answer of the plain sandbox:

- ``plain``: the sandbox's own spelling (docs/pages/contract.md).
- ``renamed``: other key spellings (``RENAMES``, also in the detail ZIP's JSON and CSV), query parameter
  names (``PARAMS``), the Atria path prefix ``/api/v1/Billing`` and the Xarios version ``v2``; the plain
  paths and parameter names are refused (404, 400).
- ``odata``: lists under ``value`` with ``@odata.nextLink`` (an absolute URL with ``$skiptoken``).
- ``next``: lists under ``items`` with a relative ``next`` link and a ``count``.
- ``pages``: lists under ``Data`` with ``page``, ``pageSize`` and ``totalCount`` (asked for by ``page`` and
  ``pageSize``); the single invoice under ``Data`` and the ZIP's JSON too.
- ``skip``: lists under ``results`` with ``@odata.count`` (asked for by ``$skip`` and ``$top``).
- ``hasmore``: lists under ``RECORDS`` with ``page`` and ``hasMore``.

``repeat`` makes the server ignore the paging asked for (every page is the first); ``empty_tail`` ends each
paged list with an empty page that still announces more.
"""

from __future__ import annotations

import csv
import io
import threading
import zipfile
from collections import OrderedDict
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

import orjson
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Receive, Scope, Send

from xlbilling._sandbox.faults import captured, send_body

Name = Literal["plain", "renamed", "odata", "next", "pages", "skip", "hasmore"]
NAMES: tuple[str, ...] = Name.__args__  # type: ignore[attr-defined]
#: The ``renamed`` dialect's keys: plain key -> the key it sends instead (in every answer and the ZIP's JSON).
RENAMES = {
    "endDate": "PeriodEndDate",
    "customerCode": "CustomerId",
    "productSku": "ProductCode",
    "lastMonthCount": "PreviousQuantity",
    "thisMonthCount": "CurrentQuantity",
    "durationPercent": "ActivePercentage",
    "invoiceid": "InvoiceRef",
    "invoiceId": "InvoiceRef",
    "calculationOrder": "Sequence",
    "operatorUsed": "Operation",
}
#: The ``renamed`` dialect's CSV header names in the detail ZIP.
CSV_RENAMES = {"quantity": "units"}
#: The ``renamed`` dialect's query parameters: the plain name -> the name it takes instead.
PARAMS = {"billableOnly": "billable", "aggregateByCustomer": "groupByCustomer"}
PREFIXES = {"renamed": ("/api/v1/billing", "/api/v2/")}
_ENVELOPES = {"odata": "value", "next": "items", "pages": "Data", "skip": "results", "hasmore": "RECORDS"}
_PAGING = ("page", "pagesize", "$skip", "$top", "$skiptoken", "cursor")
_PLAIN = ("/api/billing", "/api/v1.0/")
_KEPT = 16


class Dialect(BaseModel):
    """The body of ``POST /_sandbox/dialect``."""

    name: Name = "plain"
    page_size: int = Field(default=100, ge=1, le=100_000, description="Rows per page when the client names none.")
    repeat: bool = Field(default=False, description="Ignore the paging asked for: every page is the first.")
    empty_tail: bool = Field(default=False, description="End each paged list with an empty page announcing more.")
    etags: bool = Field(default=True, description="Send an ETag with each invoice and honour If-None-Match.")


class DialectSwitch:
    """The dialect being spoken, shared by the server's threads."""

    def __init__(self, dialect: Dialect | None = None) -> None:
        self.dialect = dialect or Dialect()
        self._lock = threading.Lock()

    def set(self, dialect: Dialect) -> None:
        with self._lock:
            self.dialect = dialect


class DialectMiddleware:
    """ASGI middleware speaking the switch's dialect over the plain sandbox app."""

    def __init__(self, app: ASGIApp, switch: DialectSwitch) -> None:
        self.app = app
        self.switch = switch
        # The plain JSON answers last served, parsed, by path and query: each further page of a list is then
        # cut from it, so the sandbox's time per page does not grow with the whole list.
        self._parsed: OrderedDict[tuple[str, bytes], Any] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        dialect = self.switch.dialect
        path = scope.get("path", "").lower()
        if scope["type"] != "http" or dialect.name == "plain" or not path.startswith("/api/"):
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        problem, scope = _translate(dialect, scope, path, query)
        if problem is not None:
            await send_body(send, problem[0], orjson.dumps({"message": problem[1]}), b"application/json")
            return
        key = (scope["path"], scope["query_string"])
        if key in self._parsed:
            status, headers, body = 200, [(b"content-type", b"application/json")], b""
        else:
            status, headers, body = await captured(self.app, scope, receive)
        content_type = dict(headers).get(b"content-type", b"application/json")
        if status == 200 and b"json" in content_type:
            if key not in self._parsed:
                self._parsed[key] = orjson.loads(body)
                while len(self._parsed) > _KEPT:
                    self._parsed.popitem(last=False)
            body = _rewrite(dialect, self._parsed[key], query, scope)
        elif status == 200 and body.startswith(b"PK"):
            body = _zip(dialect, body)
        others = [(key, value) for key, value in headers if key.lower() != b"content-type"]
        await send_body(send, status, body, content_type, others)


def _translate(
    dialect: Dialect, scope: Scope, path: str, query: list[tuple[str, str]]
) -> tuple[tuple[int, str] | None, Scope]:
    """The plain request a dialect's request stands for, or the error a real server would give."""
    if dialect.name == "renamed":
        if path.startswith(_PLAIN):
            return (404, "Not Found"), scope
        atria, xarios = PREFIXES["renamed"]
        own = scope["path"]  # invoice ids keep their case
        path = "/api/billing" + own[len(atria) :] if path.startswith(atria) else "/api/v1.0/" + own[len(xarios) :]
        plain = {sent.lower(): name for name, sent in PARAMS.items()}
        if any(key.lower() in {name.lower() for name in PARAMS} for key, _ in query):
            return (400, f"Unknown query parameter; this API takes {', '.join(PARAMS.values())}."), scope
        query = [(plain.get(key.lower(), key), value) for key, value in query]
    kept = [(key, value) for key, value in query if key.lower() not in _PAGING]
    raw = path if dialect.name == "renamed" else scope["path"]
    return None, {**scope, "path": raw, "raw_path": raw.encode(), "query_string": urlencode(kept).encode()}


def _rewrite(dialect: Dialect, payload: Any, query: list[tuple[str, str]], scope: Scope) -> bytes:
    """A plain JSON answer as the dialect sends it (one page of it, for a list)."""
    if dialect.name == "renamed":
        return orjson.dumps(_renamed(payload))
    rows, rest = (payload, {}) if isinstance(payload, list) else _rows(payload)
    if rows is None:  # one object (Get Invoice) or the parameters
        envelope = _ENVELOPES[dialect.name]
        return orjson.dumps({(envelope if k == "data" else k): v for k, v in payload.items()})
    return orjson.dumps(rest | _page(dialect, rows, {k.lower(): v for k, v in query}, scope))


def _rows(payload: dict[str, Any]) -> tuple[list[Any] | None, dict[str, Any]]:
    """Xarios' Get All list inside its envelope (``data``), and the envelope's other values."""
    if isinstance(payload.get("data"), list):
        return payload["data"], {k: v for k, v in payload.items() if k not in ("data", "page_size")}
    return None, payload


def _page(dialect: Dialect, rows: list[Any], asked: dict[str, str], scope: Scope) -> dict[str, Any]:
    """One page of ``rows`` as the dialect answers the paging ``asked`` for."""
    name, total = dialect.name, len(rows)
    size = int(asked.get("pagesize") or asked.get("$top") or dialect.page_size)
    start = 0
    if not dialect.repeat:
        if "page" in asked:
            start = (int(asked["page"]) - 1) * size
        else:
            start = int(asked.get("$skip") or asked.get("$skiptoken") or asked.get("cursor") or 0)
    chunk = rows[start : start + size]
    end = start + len(chunk)
    more = end < total or (dialect.empty_tail and bool(chunk))
    envelope: dict[str, Any] = {_ENVELOPES[name]: chunk}
    if name in ("odata", "next") and more:
        key = "$skiptoken" if name == "odata" else "cursor"
        link = f"{scope['path']}?{urlencode([*_kept(scope), (key, str(end))])}"
        if name == "odata":
            host = dict(scope["headers"]).get(b"host", b"").decode()
            envelope["@odata.nextLink"] = f"http://{host}{link}"
        else:
            envelope["next"] = link
    if name == "next":
        envelope["count"] = total
    elif name == "pages":
        envelope |= {"page": start // size + 1, "pageSize": size, "totalCount": total + dialect.empty_tail}
    elif name == "skip":
        envelope["@odata.count"] = total + dialect.empty_tail
    elif name == "hasmore":
        envelope |= {"page": start // size + 1, "hasMore": more}
    return envelope


def _kept(scope: Scope) -> list[tuple[str, str]]:
    return parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)


def _renamed(value: Any) -> Any:
    if isinstance(value, dict):
        return {RENAMES.get(key, key): _renamed(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_renamed(inner) for inner in value]
    return value


def _zip(dialect: Dialect, blob: bytes) -> bytes:
    """The detail ZIP with its JSON renamed (``renamed``) or put in the dialect's envelope, its CSV header
    renamed (``renamed``)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.endswith(".json"):
                document = orjson.loads(content)
                renamed = dialect.name == "renamed"
                content = orjson.dumps(_renamed(document) if renamed else {_ENVELOPES[dialect.name]: document})
            elif info.filename.endswith(".csv") and dialect.name == "renamed":
                rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
                text = io.StringIO()
                csv.writer(text, lineterminator="\r\n").writerows([[CSV_RENAMES.get(h, h) for h in rows[0]], *rows[1:]])
                content = text.getvalue().encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()
