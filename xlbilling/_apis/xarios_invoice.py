"""A Xarios invoice as xlbilling holds it (``XariosInvoice``): what it says about itself, its items as one
frame (``ITEM_COLUMNS``) and its own arithmetic check, built from whatever ``xlbilling._apis.xarios`` decoded.

Work that would be done once per item is done once per distinct value: 100,000 items carry a few dozen
product tags and a few hundred amounts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import Any

import pandas as pd

from xlbilling._apis import fields
from xlbilling._apis.fields import Field
from xlbilling._apis.frames import convert, to_frame
from xlbilling._apis.spelling import ApiShape
from xlbilling._apis.xarios_arithmetic import InvoiceCheck, check_invoice
from xlbilling._apis.xarios_pairs import Pairs
from xlbilling._errors import BadResponse
from xlbilling._values.money import round_to

API = "Xarios"
CHARGED_PAIRS = ("tenant_code_ext", "tenant_name")
"""The ``stringValues`` an invoice's sums read (``Tables.charged``): the tenant's code and name."""

ITEM_COLUMNS = (
    "item_id", "calculation_order", "operator", "operator_value", "product_tag", "product_name",
    "part_number", "output_tags", "is_purchase", "quantity", "value", "unit_cost", "from_date", "to_date",
    *fields.XARIOS_STRING_VALUES, *fields.XARIOS_NUMERIC_VALUES,
)  # fmt: skip


@dataclass(frozen=True)
class Tables:
    """The field tables a Xarios client reads an invoice with: the built-in ones, or those of ``of(shape)``."""

    header: tuple[Field, ...] = fields.XARIOS_INVOICE
    items: tuple[Field, ...] = fields.XARIOS_ITEM
    strings: dict[str, tuple[str, ...]] = dataclass_field(default_factory=lambda: dict(fields.XARIOS_STRING_VALUES))
    numbers: dict[str, tuple[str, ...]] = dataclass_field(default_factory=lambda: dict(fields.XARIOS_NUMERIC_VALUES))

    @classmethod
    def of(cls, shape: ApiShape) -> Tables:
        """The tables with the keys ``[xarios.fields.invoice]`` and ``[xarios.fields.items]`` add."""
        items = shape.table("items")
        strings = fields.pair_names(items, fields.XARIOS_STRING_VALUES)
        numbers = fields.pair_names(items, fields.XARIOS_NUMERIC_VALUES)
        return cls(shape.table("invoice"), items[: len(fields.XARIOS_ITEM)], strings, numbers)

    def charged(self) -> Tables:
        """These tables without the name/value pairs an invoice's sums do not read (users, resellers, counts):
        the items frame they give lacks those columns, and is made a third faster."""
        return replace(self, strings={column: self.strings[column] for column in CHARGED_PAIRS}, numbers={})


BUILT_IN = Tables()


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


def header_of(data: dict[str, Any], call: str, tables: Tables) -> InvoiceHeader:
    record = to_frame([data], tables.header, API, call).iloc[0]
    return InvoiceHeader(**{key: _scalar(record[key]) for key in record.index})


def invoice_of(
    header: InvoiceHeader,
    frame: pd.DataFrame,
    tags: tuple[list[str], list[bool]],
    strings: Pairs,
    numbers: Pairs,
    call: str,
    tables: Tables,
) -> XariosInvoice:
    """The invoice from its header, its items' ``fields.XARIOS_ITEM`` columns, tags (see ``_tag_columns``) and
    pairs."""
    items = _items_frame(frame, tags, strings, numbers, call, tables)
    return XariosInvoice(header, items, check_invoice(items, header.invoice_value))


def _items_frame(
    frame: pd.DataFrame, tags: tuple[list[str], list[bool]], strings: Pairs, numbers: Pairs, call: str, tables: Tables
) -> pd.DataFrame:
    frame["operator"] = _each_distinct(frame["operator"], lambda operators: operators.str.upper())
    frame["output_tags"] = pd.array(tags[0], dtype="string")
    frame["is_purchase"] = pd.array(tags[1], dtype=bool)
    frame["product_name"] = _each_distinct(frame["product_tag"], lambda t: t.str.rsplit("#", n=1).str[0].str.strip())
    frame["part_number"] = _each_distinct(frame["product_tag"], lambda t: t.str.rsplit("#", n=1).str[1].str.strip())
    frame["unit_cost"] = pd.array(_unit_costs(frame["value"], frame["quantity"]), dtype="object")
    for column, values in strings.columns(tables.strings).items():
        frame[column] = convert(values, "text")
    for column, values in numbers.columns(tables.numbers).items():
        try:
            frame[column] = convert(values, "float")
        except ValueError as error:
            name = tables.numbers[column][0]
            raise BadResponse(API, call, f"numericValues '{name}' has a bad value: {error}.") from None
    frame = frame.sort_values("calculation_order", kind="stable").reset_index(drop=True)
    return frame.loc[:, [column for column in ITEM_COLUMNS if column in frame]]


def _each_distinct(column: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``func(column)``, computed once per distinct value (missing ones included): 100,000 items carry a few
    dozen product tags."""
    codes, distinct = pd.factorize(column, use_na_sentinel=False)
    return func(pd.Series(distinct)).take(codes).set_axis(column.index)


def _unit_costs(values: pd.Series, quantities: pd.Series) -> list[Decimal | None]:
    """Each item's value / quantity to four places (``None`` without a quantity or a value), divided once per
    distinct pair of amounts."""
    found: dict[tuple[Decimal, Decimal], Decimal] = {}
    costs: list[Decimal | None] = []
    for value, quantity in zip(values.tolist(), quantities.tolist(), strict=True):
        if not isinstance(quantity, Decimal) or not quantity or value is None:
            costs.append(None)
            continue
        if (value, quantity) not in found:
            found[value, quantity] = round_to(value / quantity, 4)
        costs.append(found[value, quantity])
    return costs


def tag_columns(values: Any) -> tuple[list[str], list[bool]]:
    """Each item's tags (a list, or text with commas between them) joined by commas, and whether one of them
    is ``PurchaseResult``."""
    found: dict[Any, tuple[str, bool]] = {}  # the same few lists of tags on 100,000 items: each read once
    joined: list[str] = []
    purchase: list[bool] = []
    for value in values:
        key = tuple(value) if isinstance(value, list) else value  # the exact path gives lists
        try:
            read = found[key]
        except KeyError:
            read = found[key] = _tags(value)
        except TypeError:  # tags that are not text (objects): read as they are
            read = _tags(value)
        joined.append(read[0])
        purchase.append(read[1])
    return joined, purchase


def _tags(value: Any) -> tuple[str, bool]:
    if isinstance(value, str):
        tags = [part.strip() for part in value.split(",") if part.strip()]
    else:
        tags = [str(tag) for tag in value or []]
    return ",".join(tags), any(tag.lower() == "purchaseresult" for tag in tags)


def _scalar(value: Any) -> Any:
    return None if value is None or value is pd.NaT or (not isinstance(value, Decimal) and pd.isna(value)) else value
