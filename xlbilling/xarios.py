"""The Xarios billing-data API ("Dimensions"): what the distributor charges, per invoice and item.

Every invoice comes back with its own arithmetic check (``xlbilling.totals``). Money is ``Decimal``.
The detail ZIP is read in memory within limits (``xlbilling.safezip``).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from xlbilling import fields
from xlbilling.errors import BadResponse, InputError
from xlbilling.files import write_atomically
from xlbilling.frames import convert, find_key, object_list, to_frame
from xlbilling.http import ApiClient
from xlbilling.money import round_to
from xlbilling.safezip import read_members
from xlbilling.totals import InvoiceCheck, check_invoice

API = "Xarios"
_INVOICE_HINT = "Run `xlbilling xarios list` (or =XLB_XARIOS_INVOICES()) to see the invoice ids."
_RETRY = "Nothing was saved; try again."
MAX_ZIP_BYTES = 128 * 1024 * 1024
MAX_PDF_BYTES = 64 * 1024 * 1024

ITEM_COLUMNS = (
    "item_id", "calculation_order", "operator", "operator_value", "product_tag", "product_name",
    "part_number", "output_tags", "is_purchase", "quantity", "value", "unit_cost", "from_date", "to_date",
    *fields.XARIOS_STRING_VALUES, *fields.XARIOS_NUMERIC_VALUES,
)  # fmt: skip


@dataclass(frozen=True)
class InvoiceHeader:
    """What an invoice says about itself."""

    invoice_id: str
    invoice_number: str | None
    tenant_id: str | None
    account_name: str | None
    invoice_date: pd.Timestamp | None
    period_start: pd.Timestamp | None
    period_end: pd.Timestamp | None
    invoice_value: Decimal | None


@dataclass(frozen=True)
class XariosInvoice:
    """An invoice's header, its items (one row each, in calculation order) and its arithmetic check."""

    header: InvoiceHeader
    items: pd.DataFrame
    check: InvoiceCheck


@dataclass(frozen=True)
class InvoiceDetail:
    """The detail download: the JSON invoice, the simplified CSV, and whether their item totals agree."""

    invoice: XariosInvoice
    csv_items: pd.DataFrame
    agrees: bool
    message: str


class Xarios:
    """A connection to the Xarios billing-data API (or the sandbox)."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def invoices(self) -> pd.DataFrame:
        """Every invoice: ``invoice_id, invoice_number, tenant_id, account_name, period_start, period_end,
        invoice_value``, oldest period first (the issue date is only in ``invoice(id)``)."""
        payload = self.client.get_json("invoices", "/api/v1.0/billingdata")
        rows = object_list(_data(payload, "invoices"), API, "invoices")
        frame = to_frame(rows, fields.XARIOS_INVOICE_LIST, API, "invoices")
        return frame.sort_values(["period_end", "invoice_id"], kind="stable").reset_index(drop=True)

    def invoice(self, invoice_id: str) -> XariosInvoice:
        """One invoice with its items, ``stringValues``/``numericValues`` flattened into columns."""
        call = f"invoice {invoice_id}"
        payload = self.client.get_json(call, _route(invoice_id), not_found_hint=_INVOICE_HINT)
        data = _data(payload, call)
        if not isinstance(data, dict):
            raise BadResponse(API, call, "expected the invoice as a JSON object.")
        return parse_invoice(data, call)

    def invoice_detail(self, invoice_id: str) -> InvoiceDetail:
        """The detail ZIP: its JSON invoice and its CSV, whose item totals must agree."""
        call = f"invoice {invoice_id} detail"
        blob = self.client.get_bytes(
            call, _route(invoice_id) + "/detail", max_bytes=MAX_ZIP_BYTES, not_found_hint=_INVOICE_HINT
        )
        members = read_members(blob, f"The detail ZIP of invoice {invoice_id}")
        json_blob = _member(members, ".json", call)
        csv_blob = _member(members, ".csv", call)
        try:
            import orjson

            document = orjson.loads(json_blob)
        except ValueError:
            raise BadResponse(API, call, "the JSON file in the ZIP is not valid JSON.") from None
        data = _data(document, call) if isinstance(document, dict) and "data" in document else document
        if not isinstance(data, dict):
            raise BadResponse(API, call, "the JSON file in the ZIP is not an invoice object.")
        invoice = parse_invoice(data, call)
        csv_items = _csv_frame(csv_blob, call)
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
        call = f"invoice {invoice_id} PDF"
        blob = self.client.get_bytes(
            call, _route(invoice_id) + "/summary", max_bytes=MAX_PDF_BYTES, not_found_hint=_INVOICE_HINT
        )
        if not blob.startswith(b"%PDF"):
            raise BadResponse(API, call, "the download is not a PDF file.")
        if b"%%EOF" not in blob[-1024:]:
            raise BadResponse(API, call, f"the PDF stops in the middle ({len(blob)} bytes, no end marker).", _RETRY)
        return write_atomically(Path(path), blob)


def parse_invoice(data: dict[str, Any], call: str) -> XariosInvoice:
    """Build an ``XariosInvoice`` from the ``data`` object of Get Invoice (or the ZIP's JSON file)."""
    header_frame = to_frame([data], fields.XARIOS_INVOICE, API, call)
    record = header_frame.iloc[0]
    header = InvoiceHeader(**{key: _scalar(record[key]) for key in header_frame.columns})
    key = find_key(data, fields.XARIOS_ITEMS_KEYS)
    items = _items_frame(object_list(data.get(key) or [], API, call) if key else [], call)
    return XariosInvoice(header, items, check_invoice(items, header.invoice_value))


def _items_frame(items: list[dict[str, Any]], call: str) -> pd.DataFrame:
    frame = to_frame(items, fields.XARIOS_ITEM, API, call)
    frame["operator"] = frame["operator"].str.upper()
    tags = [_tags(item) for item in items]
    frame["output_tags"] = pd.array([",".join(t) for t in tags], dtype="string")
    frame["is_purchase"] = pd.array([any(t.lower() == "purchaseresult" for t in tag) for tag in tags], dtype=bool)
    split = frame["product_tag"].str.rsplit("#", n=1)
    frame["product_name"] = split.str[0].str.strip()
    frame["part_number"] = split.str[1].str.strip()
    frame["unit_cost"] = pd.array(
        [
            round_to(value / quantity, 4) if isinstance(quantity, Decimal) and quantity and value is not None else None
            for value, quantity in zip(frame["value"], frame["quantity"], strict=True)
        ],
        dtype="object",
    )
    strings = [_pairs(item, fields.XARIOS_STRING_VALUES_KEYS) for item in items]
    for column, names in fields.XARIOS_STRING_VALUES.items():
        frame[column] = convert([_pick(pairs, names) for pairs in strings], "text")
    numbers = [_pairs(item, fields.XARIOS_NUMERIC_VALUES_KEYS) for item in items]
    for column, names in fields.XARIOS_NUMERIC_VALUES.items():
        try:
            frame[column] = convert([_pick(pairs, names) for pairs in numbers], "float")
        except ValueError as error:
            raise BadResponse(API, call, f"numericValues '{names[0]}' has a bad value: {error}.") from None
    frame = frame.sort_values("calculation_order", kind="stable").reset_index(drop=True)
    return frame.loc[:, list(ITEM_COLUMNS)]


def _tags(item: dict[str, Any]) -> list[str]:
    key = find_key(item, fields.XARIOS_ITEM_TAGS_KEYS)
    value = item.get(key) if key else None
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(tag) for tag in value or []]


def _pairs(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    key = find_key(item, keys)
    pairs = item.get(key) if key else None
    out: dict[str, Any] = {}
    for pair in pairs or []:
        if isinstance(pair, dict):
            name = pair.get(find_key(pair, ("name", "key")) or "name")
            if isinstance(name, str):
                out[name.lower()] = pair.get(find_key(pair, ("value",)) or "value")
    return out


def _pick(pairs: dict[str, Any], names: tuple[str, ...]) -> Any:
    return next((pairs[name.lower()] for name in names if name.lower() in pairs), None)


def _csv_frame(blob: bytes, call: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(io.BytesIO(blob), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise BadResponse(API, call, f"the CSV file in the ZIP cannot be read ({error}).") from None
    rows = [{str(k): (v if v != "" else None) for k, v in row.items()} for row in raw.to_dict("records")]
    frame = to_frame(rows, fields.XARIOS_CSV, API, call)
    frame["part_number"] = frame["part_number"].str.lstrip("#")
    return frame


def _member(members: dict[str, bytes], suffix: str, call: str) -> bytes:
    for name, content in members.items():
        if name.lower().endswith(suffix):
            return content
    raise BadResponse(API, call, f"the ZIP holds no {suffix} file (it has: {', '.join(members) or 'nothing'}).")


def _data(payload: Any, call: str) -> Any:
    if not isinstance(payload, dict) or "data" not in payload:
        raise BadResponse(API, call, "expected a JSON object with a 'data' field.")
    return payload["data"]


def _route(invoice_id: str) -> str:
    if not isinstance(invoice_id, str) or not invoice_id.strip():
        raise InputError("No invoice id given.", _INVOICE_HINT)
    return "/api/v1.0/billingdata/" + quote(invoice_id.strip(), safe="")


def _scalar(value: Any) -> Any:
    return None if value is None or value is pd.NaT or (not isinstance(value, Decimal) and pd.isna(value)) else value
