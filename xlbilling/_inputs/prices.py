"""The MSP's price list: what each Atria SKU sells for (Atria itself carries no prices).

A price list is a CSV or .xlsx file whose first row is the header ``sku,unit_price,currency`` plus the
optional columns ``description`` and ``tax_rate`` (a fraction such as ``0.20``, or ``20%``). Column names
are matched case-insensitively; other columns are ignored; blank rows are skipped. A SKU whose row has no
tax rate takes the one given by ``with_tax_rate`` (``xlbilling report --tax-rate``, read by
``parse_tax_rate``); there is no built-in default, so an invoice with such a SKU and no ``--tax-rate`` fails
instead of showing no tax.

Prices over time: an optional ``valid_from`` column (a date) lets one SKU have several rows, each in force
from its day until the next row's; a row without one is in force from the start. ``load_prices`` keeps every
row: ``PriceList.at(day)`` gives the prices in force that day (the margin reads them at each period's end,
invoices and the reconciliation today).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlbilling._errors import BadTaxRate, DataError, InputError
from xlbilling._inputs.files import csv_rows, named_file
from xlbilling._values.cells import clean_text
from xlbilling._values.dates import parse_period
from xlbilling._values.money import to_decimal

REQUIRED = ("sku", "unit_price", "currency")
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")
"""A price whose commas can only be thousands separators (``1,250.00``); any other comma is a decimal comma."""
OPTIONAL = ("description", "tax_rate", "valid_from")


@dataclass(frozen=True)
class Price:
    """One SKU's selling price; ``tax_rate`` is a fraction (0.20 for 20%), or None when the list gives none."""

    sku: str
    unit_price: Decimal
    currency: str
    description: str | None
    tax_rate: Decimal | None
    valid_from: date | None = None
    """The first day this price is in force (None: always, until a later row of the same SKU)."""


@dataclass(frozen=True)
class PriceList:
    """Every row of a price list, so the prices in force on any day can be read (``at``)."""

    rows: tuple[Price, ...]

    @property
    def dated(self) -> bool:
        """Whether the list says from when its prices hold (a ``valid_from`` column with a value)."""
        return any(price.valid_from is not None for price in self.rows)

    @property
    def currencies(self) -> tuple[str, ...]:
        """The currencies the list prices in, sorted (one, in a sound list)."""
        return tuple(sorted({price.currency for price in self.rows}))

    def at(self, day: date) -> dict[str, Price]:
        """The prices in force on ``day``, keyed by SKU: each SKU's latest row starting on or before it (a
        SKU whose every row starts later has no price that day)."""
        found: dict[str, Price] = {}
        for price in sorted(self.rows, key=lambda p: p.valid_from or date.min):
            if price.valid_from is None or price.valid_from <= day:
                found[price.sku] = price
        return found


def load_prices(path: str | Path) -> PriceList:
    """Read a price list (CSV or .xlsx) with every row kept; SKUs are matched exactly, surrounding spaces
    dropped.

    Raises ``InputError`` when the file is missing, and ``DataError`` naming the file, the row number (as a
    spreadsheet shows it) and the column when it has no such column, or holds a value that is not a valid SKU,
    price, currency, tax rate or date, or the same SKU twice from the same day (a CSV separated by ``;`` is
    said to be, see ``xlbilling._inputs.files``).
    """
    path = named_file(path, "Price list", "Pass the path of a CSV or .xlsx price list.")
    return PriceList(_parse(path, table_rows(path)))


def parse_tax_rate(text: str) -> Decimal:
    """A tax rate as a person types it (``0.20``, ``20%``; ``0`` if exempt) as a fraction; ``BadTaxRate``
    when it is not one (or is not from 0 to 1)."""
    try:
        rate = _tax_rate(text)
    except ValueError:
        rate = None
    if rate is None:
        raise BadTaxRate(str(text))
    return rate


def with_tax_rate(prices: dict[str, Price], rate: Decimal | None) -> dict[str, Price]:
    """``prices`` with ``rate`` (a fraction such as ``0.20``; 0 for exempt) given to every SKU whose row has no
    tax rate; ``prices`` unchanged when ``rate`` is None."""
    if rate is None:
        return prices
    return {sku: replace(price, tax_rate=rate) if price.tax_rate is None else price for sku, price in prices.items()}


def table_rows(path: Path) -> Iterator[list[Any]]:
    """The rows of a CSV (UTF-8) or .xlsx table file (its first sheet), the header row included."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from xlbilling._xlsx.rows import xlsx_rows  # openpyxl is imported only when an .xlsx is read

        return xlsx_rows(path)
    return csv_rows(path)


def _parse(path: Path, rows: Iterable[list[Any]]) -> tuple[Price, ...]:
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        raise DataError(f"{path} is empty.", f"The first row must be the header {','.join(REQUIRED + OPTIONAL)}.")
    columns = {str(name).strip().lower(): index for index, name in enumerate(header) if name is not None}
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise DataError(
            f"{path}, row 1: no column {', '.join(missing)}.",
            f"The first row must be the header {','.join(REQUIRED + OPTIONAL)}.",
        )
    prices: dict[tuple[str, date | None], Price] = {}
    for number, row in enumerate(iterator, start=2):
        values = {name: cell(row, columns.get(name)) for name in REQUIRED + OPTIONAL}
        if all(value is None for value in values.values()):
            continue
        price = _price(path, number, values)
        if (price.sku, price.valid_from) in prices:
            since = f" from {price.valid_from.isoformat()}" if price.valid_from else ""
            raise DataError(
                f"{path}, row {number}, column sku: {price.sku} is listed twice{since}.",
                "Keep one row per SKU, or give each row of a SKU its own valid_from date.",
            )
        prices[(price.sku, price.valid_from)] = price
    return tuple(prices.values())


def cell(row: list[Any], index: int | None) -> Any:
    """The value at ``index`` of a table row: text stripped, empty text and missing cells None."""
    if index is None or index >= len(row):
        return None
    value = row[index]
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _price(path: Path, number: int, values: dict[str, Any]) -> Price:
    def fail(column: str, problem: str, hint: str) -> DataError:
        return DataError(f"{path}, row {number}, column {column}: {problem}.", hint)

    sku = values["sku"]
    if sku is None:
        raise fail("sku", "empty", "Every row needs the Atria SKU it prices.")
    sku = clean_text(str(sku))
    given = values["unit_price"]
    if isinstance(given, str) and "," in given and not _THOUSANDS.fullmatch(given.strip()):
        raise fail(
            "unit_price",
            f"{given!r} has a decimal comma",
            f"Write it with a decimal point: {given.strip().replace(',', '.')}.",
        )
    try:
        unit_price = to_decimal(given) if given is not None else None
    except ValueError:
        unit_price = None
    if unit_price is None or unit_price < 0:
        raise fail("unit_price", f"{values['unit_price']!r} is not a price", "Write a number such as 12.50.")
    currency = str(values["currency"] or "").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise fail("currency", f"{values['currency']!r} is not a currency code", "Write a code such as GBP.")
    description = values["description"]
    try:
        tax_rate = _tax_rate(values["tax_rate"])
    except ValueError:
        raise fail(
            "tax_rate", f"{values['tax_rate']!r} is not a tax rate", "Write a fraction such as 0.20, or 20%."
        ) from None
    try:
        valid_from = parse_period(values["valid_from"]) if values["valid_from"] is not None else None
    except InputError:
        raise fail(
            "valid_from",
            f"{values['valid_from']!r} is not a date",
            "Write the first day the price holds, e.g. 2026-07-01.",
        ) from None
    return Price(
        sku=sku,
        unit_price=unit_price,
        currency=currency,
        description=clean_text(str(description)) if description is not None else None,
        tax_rate=tax_rate,
        valid_from=valid_from,
    )


def _tax_rate(value: Any) -> Decimal | None:
    """Parse ``0.2`` or ``20%``; raise ValueError for anything else or a rate outside 0 to 1."""
    if value is None:
        return None
    text = str(value).strip()
    rate = to_decimal(text[:-1]) / 100 if text.endswith("%") else to_decimal(value)
    if not Decimal(0) <= rate < 1:
        raise ValueError(f"tax rate out of range: {value!r}")
    return rate
