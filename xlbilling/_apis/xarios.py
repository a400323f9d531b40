"""The Xarios billing-data API ("Dimensions"): what the distributor charges, per invoice and item.

Every invoice comes back with its own arithmetic check (``xlbilling._apis.xarios_arithmetic``). Money is ``Decimal``.
The detail ZIP is read in memory within limits (``xlbilling._apis.safezip``).

An invoice of 100,000 items is decoded by ``read_invoice`` straight from the JSON bytes into typed structs
(``frames.read_rows``), without a dict per item; anything unusual goes to ``parse_invoice``, the exact path
through ``orjson``, so both give the same invoice and the same errors (``benchmarks/xarios.py``). Either way
each key spelling is resolved once per distinct set of keys, not once per item.
"""

from __future__ import annotations

import io
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import msgspec
import orjson
import pandas as pd

from xlbilling._apis import fields
from xlbilling._apis.fields import Field
from xlbilling._apis.frames import Nested, find_key, object_list, read_rows, to_frame
from xlbilling._apis.paging import ENVELOPE_KEYS, Page, pages, single
from xlbilling._apis.safezip import read_members
from xlbilling._apis.spelling import ApiShape
from xlbilling._apis.transport.client import ApiClient
from xlbilling._apis.xarios_charges import InvoiceCharges, charges_of
from xlbilling._apis.xarios_invoice import BUILT_IN, Tables, XariosInvoice, header_of, invoice_of, tag_columns
from xlbilling._apis.xarios_invoice import ITEM_COLUMNS as ITEM_COLUMNS  # where callers have always found them
from xlbilling._apis.xarios_invoice import InvoiceHeader as InvoiceHeader
from xlbilling._apis.xarios_pairs import dict_pairs, struct_pairs
from xlbilling._errors import BadResponse, InputError
from xlbilling._files import write_atomically

API = "Xarios"
_DECODING = threading.Lock()
"""One invoice decoded at a time in a process: decoding holds the interpreter lock, so two at once take as long
as one after the other, and twice the memory (the answers of several fetched at once wait their turn)."""
_INVOICE_HINT = "Check the invoice id against the list of Xarios invoices."
_RETRY = "Nothing was saved; try again."
_ENVELOPE = "expected a JSON object with a 'data' field."
MAX_ZIP_BYTES = 128 * 1024 * 1024
MAX_PDF_BYTES = 64 * 1024 * 1024


class _TextPair(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A ``stringValues`` pair as ``read_invoice`` decodes it (any other shape goes the exact path)."""

    name: str
    value: str | None = None


class _NumberPair(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A ``numericValues`` pair as ``read_invoice`` decodes it (a number; any other value goes the exact path)."""

    name: str
    value: float | None = None


# An item's tags and name/value pairs: the keys they come from, and what ``read_invoice`` decodes them to
# (tuples, not lists: the garbage collector stops looking at a tuple of text or of untracked structs).
_NESTED: tuple[Nested, ...] = (
    (fields.XARIOS_ITEM_TAGS_KEYS, tuple[str, ...] | str | None),
    (fields.XARIOS_STRING_VALUES_KEYS, tuple[_TextPair, ...] | None),
    (fields.XARIOS_NUMERIC_VALUES_KEYS, tuple[_NumberPair, ...] | None),
)
# A JSON object with its values left undecoded.
_OBJECT = msgspec.json.Decoder(dict[str, msgspec.Raw])


@dataclass(frozen=True)
class InvoiceDetail:
    """The detail download: the JSON invoice, the simplified CSV, and whether their item totals agree."""

    invoice: XariosInvoice
    csv_items: pd.DataFrame
    agrees: bool
    message: str


class XariosReads(ABC):
    """What the core reads of Xarios: the invoice list and one invoice with its items. The plain client
    (``Xarios``) asks the API every time; a session's client (``Session.xarios()``) answers through its cache."""

    @abstractmethod
    def invoices(self) -> pd.DataFrame:
        """Every invoice: ``invoice_id, invoice_number, tenant_id, account_name, period_start, period_end,
        invoice_value``, oldest period first (the issue date is only in ``invoice(id)``)."""

    @abstractmethod
    def invoice(self, invoice_id: str) -> XariosInvoice:
        """One invoice with its items, ``stringValues``/``numericValues`` flattened into columns."""

    def charges(self, invoice_id: str) -> InvoiceCharges:
        """One invoice with its purchase items added up per service dates, tenant and part (what a
        reconciliation or a margin reads of it), its items let go as soon as they are added up."""
        return charges_of(self.invoice(invoice_id))


class Xarios(XariosReads):
    """A connection to the Xarios billing-data API (or the sandbox), reading its answers as ``shape`` says
    (the built-in field tables and version segment when none is given). Every call asks the API."""

    def __init__(self, client: ApiClient, shape: ApiShape | None = None) -> None:
        self.client = client
        self.shape = shape or ApiShape("xarios")
        self.tables = Tables.of(self.shape) if shape is not None else BUILT_IN

    @classmethod
    def connect(
        cls, url: str, token: str, *, timeout: float = 30.0, retries: int = 3, ca_bundle: str | None = None
    ) -> Xarios:
        """A client for the Xarios API at ``url`` with the OAuth bearer ``token`` (``Session()`` builds one from
        the settings instead)."""
        return cls(ApiClient(API, url, token, timeout=timeout, retries=retries, ca_bundle=ca_bundle))

    def invoices(self) -> pd.DataFrame:
        rows = []
        for page in self.pages():
            if page.rows is None:
                self.client.parse_json("invoices", page.body)  # broken JSON says so
                raise BadResponse(API, "invoices", _ENVELOPE)
            rows += page.parsed(self.client, "invoices")
        frame = to_frame(rows, self.shape.table("invoices"), API, "invoices")
        return frame.sort_values(["period_end", "invoice_id"], kind="stable").reset_index(drop=True)

    def pages(self) -> Iterator[Page]:
        """Every page of Get All (one, unless the answer announces more)."""
        return pages(self.client, self.shape, "invoices", self.route(), {})

    def route(self, invoice_id: str | None = None) -> str:
        """The path of Get All, or of one invoice (``/detail`` and ``/summary`` go after it)."""
        base = f"{self.shape.prefix}/billingdata"
        if invoice_id is None:
            return base
        if not isinstance(invoice_id, str) or not invoice_id.strip():
            raise InputError("No invoice id given.", _INVOICE_HINT)
        return f"{base}/{quote(invoice_id.strip(), safe='')}"

    def invoice(self, invoice_id: str) -> XariosInvoice:
        call = f"invoice {invoice_id}"
        body = self.client.get_json_bytes(call, self.route(invoice_id), not_found_hint=_INVOICE_HINT)
        with _DECODING:
            return self._decoded(body, call)

    def charges(self, invoice_id: str) -> InvoiceCharges:
        found, _ = self.charges_unless(invoice_id, None)
        assert found is not None  # "not modified" is an answer only to a question that names an ETag
        return found

    def charges_unless(self, invoice_id: str, etag: str | None) -> tuple[InvoiceCharges | None, str | None]:
        """``charges``, unless the server says the invoice has not changed since it sent the ``ETag`` ``etag``:
        ``(None, etag)`` then; otherwise the charges and the invoice's ``ETag`` (``None`` when it sends none)."""
        call = f"invoice {invoice_id}"
        body, tag = self.client.get_json_unless(call, self.route(invoice_id), etag, not_found_hint=_INVOICE_HINT)
        if body is None:
            return None, tag
        with _DECODING:
            invoice = self._decoded(body, call, self.tables.charged())
            del body  # the items are all the memory needs while they are added up
            return charges_of(invoice), tag

    def _decoded(self, body: bytes, call: str, tables: Tables | None = None) -> XariosInvoice:
        """The invoice in the JSON ``body`` of Get Invoice, read with ``tables`` (default: the client's)."""
        tables = tables or self.tables
        invoice = read_invoice(body, call, tables=tables)
        if invoice is None:
            payload = self.client.parse_json(call, body)
            if not isinstance(payload, dict) or find_key(payload, ENVELOPE_KEYS) is None:
                raise BadResponse(API, call, _ENVELOPE)
            data = single(payload)
            if not isinstance(data, dict):
                raise BadResponse(API, call, "expected the invoice as a JSON object.")
            invoice = parse_invoice(data, call, tables)
        return invoice

    def invoice_detail(self, invoice_id: str) -> InvoiceDetail:
        """The detail ZIP: its JSON invoice and its CSV, whose item totals must agree."""
        call = f"invoice {invoice_id} detail"
        blob = self.client.get_bytes(
            call, self.route(invoice_id) + "/detail", max_bytes=MAX_ZIP_BYTES, not_found_hint=_INVOICE_HINT
        )
        return self.read_detail(invoice_id, blob)

    def read_detail(self, invoice_id: str, blob: bytes) -> InvoiceDetail:
        """The detail ZIP ``blob`` of ``invoice_id`` read (``invoice_detail`` downloads it)."""
        call = f"invoice {invoice_id} detail"
        json_blob, csv_blob = detail_files(blob, invoice_id, call)
        invoice = read_invoice(json_blob, call, enveloped=False, tables=self.tables)
        if invoice is None:
            try:
                document = orjson.loads(json_blob)
            except ValueError:
                raise BadResponse(API, call, "the JSON file in the ZIP is not valid JSON.") from None
            inside = single(document)
            data = inside if isinstance(inside, dict) else document
            if not isinstance(data, dict):
                raise BadResponse(API, call, "the JSON file in the ZIP is not an invoice object.")
            invoice = parse_invoice(data, call, self.tables)
        csv_items = _csv_frame(csv_blob, call, self.shape.table("detail"))
        json_total = sum(invoice.items.loc[invoice.items["is_purchase"], "value"], Decimal(0))
        csv_total = sum(csv_items["value"].dropna(), Decimal(0))
        agrees = json_total == csv_total
        message = (
            f"JSON and CSV agree: {len(csv_items)} items, {csv_total:.2f}"
            if agrees
            else f"JSON items total {json_total:.2f} but CSV items total {csv_total:.2f}"
        )
        return InvoiceDetail(invoice, csv_items, agrees, message)

    def invoice_pdf(self, invoice_id: str, path: str | os.PathLike[str]) -> Path:
        """Save the invoice's PDF to ``path`` (written to a temporary name, then renamed) and return it."""
        return write_atomically(Path(path), self.pdf(invoice_id))

    def pdf(self, invoice_id: str) -> bytes:
        """The invoice's PDF, checked to be a whole PDF file."""
        call = f"invoice {invoice_id} PDF"
        blob = self.client.get_bytes(
            call, self.route(invoice_id) + "/summary", max_bytes=MAX_PDF_BYTES, not_found_hint=_INVOICE_HINT
        )
        if not blob.startswith(b"%PDF"):
            raise BadResponse(API, call, "the download is not a PDF file.")
        if b"%%EOF" not in blob[-1024:]:
            raise BadResponse(API, call, f"the PDF stops in the middle ({len(blob)} bytes, no end marker).", _RETRY)
        return blob


def read_invoice(body: bytes, call: str, *, enveloped: bool = True, tables: Tables = BUILT_IN) -> XariosInvoice | None:
    """The invoice in the JSON ``body`` of Get Invoice (``{"data": {...}}``, any case or envelope name; without
    ``enveloped``, as in the ZIP, also the ``data`` object alone), decoded without a dict per item.

    ``None`` when the body is anything unusual (broken JSON, a shape or a value of another type than the
    sandbox's): the caller then parses it and calls ``parse_invoice``, which gives the same invoice or the
    error. The parts not decoded into structs go through ``orjson``, as they do there.
    """
    try:
        data = top = _OBJECT.decode(body)
        wrapper = next((k for k in top if k.lower() in ENVELOPE_KEYS and memoryview(top[k])[:1] == b"{"), None)
        if wrapper is not None:
            data = _OBJECT.decode(top[wrapper])
            _loads(top, skip=wrapper)  # the rest of the envelope is only checked, as the exact path parses it
        elif enveloped:
            return None
        key = find_key(data, fields.XARIOS_ITEMS_KEYS)
        if key is None:
            return None  # no items: nothing to gain
        values = _loads(data, skip=key)
    except (msgspec.DecodeError, orjson.JSONDecodeError):
        return None
    decoded = read_rows(data[key], tables.items, _NESTED, API, call)
    if decoded is None:
        return None
    frame, (tags, strings, numbers) = decoded
    header = header_of(values, call, tables)
    return invoice_of(header, frame, tag_columns(tags), struct_pairs(strings), struct_pairs(numbers), call, tables)


def parse_invoice(data: dict[str, Any], call: str, tables: Tables = BUILT_IN) -> XariosInvoice:
    """Build an ``XariosInvoice`` from the parsed ``data`` object of Get Invoice (or the ZIP's JSON file): the
    exact path, taken whenever ``read_invoice`` gives way; ``BadResponse`` naming the field that does not fit."""
    header = header_of(data, call, tables)
    key = find_key(data, fields.XARIOS_ITEMS_KEYS)
    items = object_list(data.get(key) or [], API, call) if key else []
    frame = to_frame(items, tables.items, API, call)
    nested: tuple[list[Any], ...] = tuple([] for _ in _NESTED)
    for item in items:
        for values, nested_key in zip(nested, _nested_keys(tuple(item)), strict=True):
            values.append(item.get(nested_key) if nested_key else None)
    tags, strings, numbers = nested
    return invoice_of(header, frame, tag_columns(tags), dict_pairs(strings), dict_pairs(numbers), call, tables)


def _loads(raws: dict[str, msgspec.Raw], skip: str) -> dict[str, Any]:
    """The values of a JSON object parsed by ``orjson`` (all but ``skip``); ``orjson.JSONDecodeError`` when
    one is not valid JSON."""
    return {name: orjson.loads(memoryview(raw)) for name, raw in raws.items() if name != skip}


@lru_cache(maxsize=256)
def _nested_keys(keys: tuple[str, ...]) -> tuple[str | None, ...]:
    """The key of each ``_NESTED`` value in an item with ``keys`` (or None)."""
    return tuple(find_key(keys, names) for names, _ in _NESTED)


def csv_rows(blob: bytes, call: str) -> list[dict[str, Any]]:
    """The rows of the detail ZIP's CSV file, an empty cell as ``None``."""
    try:
        raw = pd.read_csv(io.BytesIO(blob), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise BadResponse(API, call, f"the CSV file in the ZIP cannot be read ({error}).") from None
    return [{str(k): (v if v != "" else None) for k, v in row.items()} for row in raw.to_dict("records")]


def _csv_frame(blob: bytes, call: str, table: tuple[Field, ...]) -> pd.DataFrame:
    frame = to_frame(csv_rows(blob, call), table, API, call)
    frame["part_number"] = frame["part_number"].str.lstrip("#")
    return frame


def detail_files(blob: bytes, invoice_id: str, call: str) -> tuple[bytes, bytes]:
    """The JSON and the CSV file in the detail ZIP ``blob``, read in memory within limits."""
    members = read_members(blob, f"The detail ZIP of invoice {invoice_id}")
    return _member(members, ".json", call), _member(members, ".csv", call)


def _member(members: dict[str, bytes], suffix: str, call: str) -> bytes:
    for name, content in members.items():
        if name.lower().endswith(suffix):
            return content
    raise BadResponse(API, call, f"the ZIP holds no {suffix} file (it has: {', '.join(members) or 'nothing'}).")
