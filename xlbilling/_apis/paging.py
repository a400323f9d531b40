"""Lists that arrive inside an envelope or over several pages: find the rows, follow the paging announced.

A list may come bare or inside an object under ``value``, ``data``, ``items``, ``results`` or ``records``
(any case). Paging is followed when the answer says so: a next link (``@odata.nextLink``, ``nextLink``,
``next``), a page number (``page`` with ``hasMore``, ``totalCount``, ``totalPages`` or full pages), or a
total count or ``hasMore`` without a page number (then ``$skip``/``$top``). Each page is one request, retried
like any other; a page that repeats an earlier one, or more pages than ``max_pages``, is refused. The rows
of each page stay bytes, so the clients' fast decoders (``frames.read_frame``, ``xarios.read_invoice``) keep
working page by page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import msgspec
import orjson

from xlbilling._apis.frames import find_key, object_list
from xlbilling._apis.spelling import ApiShape
from xlbilling._apis.transport.client import ApiClient
from xlbilling._errors import BadResponse
from xlbilling._progress import Progress, Step

ENVELOPE_KEYS = ("value", "data", "items", "results", "records")
LINK_KEYS = ("@odata.nextLink", "nextLink", "next", "nextPageLink", "next_page_url")
PAGE_KEYS = ("page", "pageNumber", "currentPage", "page_number")
SIZE_KEYS = ("pageSize", "page_size", "perPage", "per_page", "limit", "top")
TOTAL_KEYS = ("totalCount", "@odata.count", "total", "count", "totalRecords", "total_count")
PAGES_KEYS = ("totalPages", "pageCount", "total_pages")
MORE_KEYS = ("hasMore", "has_more", "hasNextPage", "moreRecords")
#: Every key that is a sign of paging or of an envelope, as ``xlbilling doctor`` reports them.
SIGN_KEYS = (*LINK_KEYS, *PAGE_KEYS, *SIZE_KEYS, *TOTAL_KEYS, *PAGES_KEYS, *MORE_KEYS)

#: Told of each page ("page 3, 1,500 rows") while a list is paged; a door sets it.
PROGRESS: ContextVar[Progress | None] = ContextVar("xlbilling_page_progress", default=None)
_OBJECT = msgspec.json.Decoder(dict[str, msgspec.Raw])
_PAGING_HINT = "Check the paging names under [{api}.params] in the config file (`xlbilling doctor` shows them)."


@dataclass
class Page:
    """One answer of a list: its rows as JSON bytes (``None`` when there is no list), the envelope's other
    values, and the key the rows came under (``None`` for a bare list)."""

    body: bytes
    rows: bytes | None
    envelope: dict[str, Any] = field(default_factory=dict)
    key: str | None = None

    def parsed(self, client: ApiClient, call: str) -> list[dict[str, Any]]:
        """The rows as dicts; ``BadResponse`` when the answer holds no list of objects."""
        if self.rows is None:
            raise BadResponse(client.api, call, "expected a JSON list of rows.")
        return object_list(client.parse_json(call, self.rows), client.api, call)


def split(body: bytes) -> Page:
    """The rows and envelope of a list answer, without decoding the rows."""
    head = body.lstrip()[:1]
    if head == b"[":
        return Page(body, body)
    if head != b"{":
        return Page(body, None)
    try:
        raws = _OBJECT.decode(body)
        key = next((k for k in raws if k.lower() in ENVELOPE_KEYS and memoryview(raws[k])[:1] == b"["), None)
        envelope = {k: orjson.loads(memoryview(v)) for k, v in raws.items() if k != key}
    except (msgspec.DecodeError, orjson.JSONDecodeError):
        return Page(body, body)  # broken JSON: the caller's parser says how
    return Page(body, bytes(raws[key]) if key else None, envelope, key)


def single(payload: Any) -> Any:
    """The object inside an envelope (``{"data": {...}}``, any case, or another envelope name), or ``None``
    when ``payload`` is not an object with one."""
    if not isinstance(payload, dict):
        return None
    key = find_key(payload, ENVELOPE_KEYS)
    return None if key is None else payload[key]


def signs(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """The paging and envelope signs among an envelope's keys, with their values."""
    wanted = {name.lower() for name in SIGN_KEYS}
    return {key: value for key, value in envelope.items() if key.lower() in wanted}


def pages(
    client: ApiClient, shape: ApiShape, call: str, path: str, params: Mapping[str, Any], hint: str = ""
) -> Iterator[Page]:
    """Every page of the list at ``path``: the first asked with ``params`` (and the page size, when set), then
    each one the answers announce. ``BadResponse`` when a page repeats or there are more than ``max_pages``."""
    sent: dict[str, Any] = dict(params)
    if shape.page_size:
        sent[shape.param("page_size")] = shape.page_size
    where: tuple[str, dict[str, Any] | None] = (path, sent)
    seen: dict[bytes, int] = {}
    fetched = first = 0
    for number in range(1, shape.max_pages + 2):
        if number > shape.max_pages:
            message = f"the list has more than {shape.max_pages} pages, so xlbilling stopped"
            raise BadResponse(client.api, call, message, f"Raise max_pages under [{shape.api}] if that is right.")
        page = split(client.get_json_bytes(call, where[0], where[1], not_found_hint=hint))
        count = _count(page)
        digest = hashlib.sha256(page.rows or b"").digest()
        if count and digest in seen:
            message = f"page {number} repeats page {seen[digest]}: the API ignored the paging asked for"
            raise BadResponse(client.api, call, message, _PAGING_HINT.format(api=shape.api))
        seen[digest] = number
        yield page
        fetched += count
        first = first or count
        if number > 1 and (progress := PROGRESS.get()) is not None:
            progress(Step(f"page {number}, {fetched:,} rows"))
        nxt = _next(page.envelope, count, fetched, shape.page_size or first, shape)
        if nxt is None:
            return
        where = (nxt, None) if isinstance(nxt, str) else (path, {**params, **nxt})


def _count(page: Page) -> int:
    """How many rows a page holds (0 when it holds no list, or broken JSON: the caller's parser says so)."""
    if page.rows is None:
        return 0
    try:
        return len(msgspec.json.decode(page.rows, type=list[msgspec.Raw]))
    except msgspec.DecodeError:
        return 0


def _next(envelope: Mapping[str, Any], count: int, fetched: int, size: int, shape: ApiShape) -> Any:
    """The next request an envelope announces: a link (text), the query to add (a dict), or ``None``."""
    link = _value(envelope, LINK_KEYS)
    if isinstance(link, str) and link.strip():
        return link.strip()
    if not count:
        return None  # an empty page ends the list
    more, total, page = _value(envelope, MORE_KEYS), _number(envelope, TOTAL_KEYS), _number(envelope, PAGE_KEYS)
    size = _number(envelope, SIZE_KEYS) or size
    if more is False or (total is not None and fetched >= total):
        return None
    if page is not None:
        pages_total = _number(envelope, PAGES_KEYS)
        if pages_total is not None and page >= pages_total:
            return None
        if more is None and total is None and pages_total is None and count < size:
            return None  # a short page is the last
        return {shape.param("page"): page + 1, shape.param("page_size"): size}
    if more is True or total is not None:
        return {shape.param("skip"): fetched, shape.param("top"): size}
    return None


def _value(envelope: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    key = find_key(envelope, names)
    return None if key is None else envelope[key]


def _number(envelope: Mapping[str, Any], names: tuple[str, ...]) -> int | None:
    """A whole number under one of ``names`` (also one sent as text, as Xarios sends ``page_size``)."""
    value = _value(envelope, names)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None
