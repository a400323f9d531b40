"""Benchmark: from the bytes of one large Xarios invoice to the ``XariosInvoice`` that ``Xarios.invoice`` returns.

The sandbox's largest invoice (seed 1, 2,000 customers, today 2026-11-21: INV-202610, about 108,600 items and
88 MB of JSON) is built in this process by the sandbox's own generators and serialised as its server sends it
(no network). Four paths then run on the same bytes, interleaved, best of ``--repeat`` each:

- floor: ``orjson.loads`` alone, the least a path through Python dicts must spend;
- xlbilling: ``xarios.read_invoice``, what ``Xarios.invoice`` does after the HTTP call: msgspec decodes the
  items into typed structs (no dict per item), whole columns are converted, and each list of pair names is
  matched once;
- exact: ``orjson.loads`` + ``xarios.parse_invoice``, what ``Xarios.invoice`` does when ``read_invoice`` gives
  way (keys cased differently from item to item, values of unexpected types, broken JSON, ...);
- old path: ``orjson.loads`` + the per-item, case-insensitive key lookups xlbilling made before (a copy kept
  below, as the baseline only), run once: it is the slow one.

The three invoices must be equal (frame, dtypes, every Decimal to the digit, header, check) before any time
is printed. Aim: xlbilling within 1.5x of the floor.

Run: ``.venv/bin/python benchmarks/xarios.py [--customers N] [--repeat R]``
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import orjson
import pandas as pd

from xlbilling._apis import fields
from xlbilling._apis.frames import convert, find_key, object_list, to_frame
from xlbilling._apis.xarios import API, ITEM_COLUMNS, InvoiceHeader, XariosInvoice, parse_invoice, read_invoice
from xlbilling._apis.xarios_arithmetic import check_invoice
from xlbilling._errors import BadResponse
from xlbilling._sandbox import xarios_json
from xlbilling._sandbox.dataset import Dataset
from xlbilling._sandbox.vendor import invoices
from xlbilling._values.money import round_to

TODAY = date(2026, 11, 21)
CALL = "invoice benchmark"
MIN_ITEMS = 100_000


def build_body(customers: int) -> bytes:
    """The bytes the sandbox server sends for its latest (and largest) invoice."""
    dataset = Dataset(seed=1, customers=customers, today=TODAY)
    return orjson.dumps(xarios_json.invoice_envelope(dataset, invoices(dataset)[-1]))


def floor(body: bytes) -> Any:
    """Parse only: the baseline."""
    return orjson.loads(body)


def xlbilling(body: bytes) -> XariosInvoice:
    """What ``Xarios.invoice`` does with the body: the struct decode, which must not give way here."""
    invoice = read_invoice(body, CALL)
    if invoice is None:
        raise SystemExit("read_invoice gave way to parse_invoice on the sandbox invoice: the fast path is broken")
    return invoice


def exact(body: bytes) -> XariosInvoice:
    """What ``Xarios.invoice`` does when ``read_invoice`` gives way."""
    return parse_invoice(orjson.loads(body)["data"], CALL)


def old_path(body: bytes) -> XariosInvoice:
    """What ``Xarios.invoice`` did before: ``orjson.loads``, then ``_old_parse_invoice``."""
    return _old_parse_invoice(orjson.loads(body)["data"], CALL)


# --- the old path: xlbilling's parse_invoice before the struct decode, kept as the baseline ---------------
# Every key of every item, and of every name/value pair, was looked up ignoring case with ``find_key``.


def _old_parse_invoice(data: dict[str, Any], call: str) -> XariosInvoice:
    header_frame = to_frame([data], fields.XARIOS_INVOICE, API, call)
    record = header_frame.iloc[0]
    header = InvoiceHeader(**{key: _old_scalar(record[key]) for key in header_frame.columns})
    key = find_key(data, fields.XARIOS_ITEMS_KEYS)
    items = _old_items_frame(object_list(data.get(key) or [], API, call) if key else [], call)
    return XariosInvoice(header, items, check_invoice(items, header.invoice_value))


def _old_items_frame(items: list[dict[str, Any]], call: str) -> pd.DataFrame:
    frame = to_frame(items, fields.XARIOS_ITEM, API, call)
    frame["operator"] = frame["operator"].str.upper()
    tags = [_old_tags(item) for item in items]
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
    strings = [_old_pairs(item, fields.XARIOS_STRING_VALUES_KEYS) for item in items]
    for column, names in fields.XARIOS_STRING_VALUES.items():
        frame[column] = convert([_old_pick(pairs, names) for pairs in strings], "text")
    numbers = [_old_pairs(item, fields.XARIOS_NUMERIC_VALUES_KEYS) for item in items]
    for column, names in fields.XARIOS_NUMERIC_VALUES.items():
        try:
            frame[column] = convert([_old_pick(pairs, names) for pairs in numbers], "float")
        except ValueError as error:
            raise BadResponse(API, call, f"numericValues '{names[0]}' has a bad value: {error}.") from None
    frame = frame.sort_values("calculation_order", kind="stable").reset_index(drop=True)
    return frame.loc[:, list(ITEM_COLUMNS)]


def _old_tags(item: dict[str, Any]) -> list[str]:
    key = find_key(item, fields.XARIOS_ITEM_TAGS_KEYS)
    value = item.get(key) if key else None
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(tag) for tag in value or []]


def _old_pairs(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    key = find_key(item, keys)
    pairs = item.get(key) if key else None
    out: dict[str, Any] = {}
    for pair in pairs or []:
        if isinstance(pair, dict):
            name = pair.get(find_key(pair, ("name", "key")) or "name")
            if isinstance(name, str):
                out[name.lower()] = pair.get(find_key(pair, ("value",)) or "value")
    return out


def _old_pick(pairs: dict[str, Any], names: tuple[str, ...]) -> Any:
    return next((pairs[name.lower()] for name in names if name.lower() in pairs), None)


def _old_scalar(value: Any) -> Any:
    return None if value is None or value is pd.NaT or (not isinstance(value, Decimal) and pd.isna(value)) else value


# --- measuring ----------------------------------------------------------------------------------------

PATHS: dict[str, Callable[[bytes], Any]] = {"floor": floor, "xlbilling": xlbilling, "exact": exact, "old": old_path}


def run(path: Callable[[bytes], Any], body: bytes) -> tuple[float, Any]:
    """The wall time of one run of ``path`` (after a full collection), and its result."""
    gc.collect()
    started = time.perf_counter()
    result = path(body)
    return time.perf_counter() - started, result


def assert_same(ours: XariosInvoice, other: XariosInvoice, name: str) -> None:
    """Stop unless ``other`` is ``ours``: frame and dtypes, Decimals to the digit, header and check."""
    pd.testing.assert_frame_equal(ours.items, other.items, obj=f"{name} items")
    for column in ours.items.select_dtypes(include="object").columns:
        if list(map(repr, ours.items[column])) != list(map(repr, other.items[column])):
            raise SystemExit(f"the {name} path gives other values in {column}")
    if repr(ours.header) != repr(other.header) or ours.check != other.check:
        raise SystemExit(f"the {name} path gives another header or check")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=2000, help="sandbox customers (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds of the fast paths (default 3)")
    options = parser.parse_args()

    body = build_body(options.customers)
    # The first round runs every path, the old one included, and checks that they give the same invoice.
    best: dict[str, float] = {}
    results: dict[str, Any] = {}
    for name, path in PATHS.items():
        best[name], results[name] = run(path, body)
        if name == "floor":
            del results[name]
    ours = results.pop("xlbilling")
    items = len(ours.items)
    if items < MIN_ITEMS:
        parser.error(f"the invoice has {items:,} items, fewer than {MIN_ITEMS:,}: raise --customers")
    for name, other in results.items():
        assert_same(ours, other, name)
    del ours, results, other
    for _ in range(options.repeat - 1):
        for name in ("floor", "xlbilling", "exact"):
            seconds, result = run(PATHS[name], body)
            best[name] = min(best[name], seconds)
            del result

    within = best["xlbilling"] / best["floor"]
    print(
        f"xarios invoice {items:,} items ({len(body) / 1e6:.1f} MB): floor orjson {best['floor']:.2f} s | "
        f"xlbilling {best['xlbilling']:.2f} s = {within:.2f}x floor | "
        f"exact orjson + parse_invoice {best['exact']:.2f} s = {best['exact'] / best['floor']:.1f}x floor | "
        f"old path (one run) {best['old']:.2f} s = {best['old'] / best['floor']:.1f}x floor, "
        f"{best['old'] / best['xlbilling']:.1f}x xlbilling"
    )
    print(f"aim: xlbilling within 1.5x of the floor {'met' if within <= 1.5 else 'NOT met'} ({within:.2f}x)")


if __name__ == "__main__":
    main()
