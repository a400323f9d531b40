"""Turn a period's Atria data and a price list into priced invoices, one per Bill To customer.

Money follows one rule: line net = quantity x unit price rounded half-up to cents; subtotal = sum of the
line nets; tax = (sum of the nets at one rate) x rate, rounded half-up, per rate; total = subtotal + tax.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd

from xlbilling._inputs.prices import Price
from xlbilling._invoice import (
    BillTo,
    ChangeLine,
    FailedInvoice,
    Group,
    Invoice,
    Line,
    TaxLine,
    UserLine,
)
from xlbilling._values.cells import clean_text
from xlbilling._values.money import cents, to_decimal
from xlbilling._values.period import Period

PAYMENT_TERMS_DAYS = 30
PRORATIONS = ("none", "daily")
_ADDRESS = ("address_line1", "address_line2", "city", "region", "postal_code", "country")
_LINE_COLUMNS = ("customer_code", "customer_name", "customer_account_code", "bill_to_code", "sku",
                 "line_description", "quantity")  # fmt: skip
_DAILY_COLUMNS = ("customer_code", "sku", "customer_name", "account_code", "bill_to_code", "summary_description",
                  "duration_percent")  # fmt: skip
_USER_COLUMNS = ("customer_name", "user_name", "service_name", "plan_name", "sku", "sku_type", "start_date",
                 "end_date", "duration_percent", "billable")  # fmt: skip
_CHANGE_COLUMNS = ("customer_name", "sku", "grouping", "last_count", "this_count", "difference")


@dataclass(frozen=True)
class _Quantity:
    customer_code: str
    customer_name: str
    account_code: str
    bill_to_code: str
    sku: str
    description: str
    quantity: Decimal


class Invoices:
    """The invoices of one period, one per Bill To customer (sorted by code), made one at a time.

    ``lines``, ``analysis`` and ``summary`` are the frames of ``Atria.invoice_lines``, ``Atria.analysis``
    and ``Atria.summary(billable_only=True)``. ``proration="none"`` bills the invoice-line quantities;
    ``"daily"`` bills the sum of DurationPercent / 100 per customer and SKU of the billable analysis rows.
    ``bill_to_codes`` keeps only those Bill To customers. Iterating yields an ``Invoice``, or a
    ``FailedInvoice`` saying why one cannot be made (a SKU without a price or tax rate, mixed currencies).
    """

    def __init__(
        self,
        period: Period,
        lines: pd.DataFrame,
        analysis: pd.DataFrame,
        summary: pd.DataFrame,
        prices: dict[str, Price],
        *,
        proration: str = "none",
        bill_to_codes: Iterable[str] | None = None,
    ) -> None:
        self.period, self.prices, self.proration = period, prices, proration
        self.first_day = period.first_day  # DataError now, before anything is written, when Atria gives none
        if proration == "none":
            source, columns = lines, _LINE_COLUMNS
        else:
            source, columns = analysis[analysis["billable"].fillna(False).astype(bool)], _DAILY_COLUMNS
        self._source = _Table(source, columns)
        self._analysis = _Table(analysis, _USER_COLUMNS)
        self._summary = _Table(summary, _CHANGE_COLUMNS)
        self._rows = _positions(source["bill_to_code"].astype("string").fillna(source["customer_code"]))
        self._users = _positions(analysis["customer_code"])
        self._changes = _positions(summary["customer_code"])
        self.directory = _bill_tos(lines, analysis)
        wanted = set(bill_to_codes) if bill_to_codes is not None else None
        self.codes = [code for code in sorted(self._rows) if wanted is None or code in wanted]

    def bill_to(self, code: str) -> BillTo:
        """Name, account code and address of a Bill To customer (its code alone when Atria has none)."""
        return self.directory.get(code) or BillTo(code, code, code, ("",) * 6)

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator[Invoice | FailedInvoice]:
        return map(self.make, self.codes)

    def skus(self) -> dict[str, list[str]]:
        """The SKUs billed on these invoices (a non-zero quantity), each with the Bill To codes it is billed to."""
        billed: dict[str, list[str]] = {}
        for code in self.codes:
            for sku in dict.fromkeys(quantity.sku for quantity in self._quantities(code)):
                billed.setdefault(sku, []).append(code)
        return billed

    def make(self, code: str) -> Invoice | FailedInvoice:
        """The invoice of the Bill To customer ``code``."""
        ordered = sorted(self._quantities(code), key=lambda q: (q.customer_code != code, q.customer_name, q.sku))
        customers = list(dict.fromkeys(q.customer_code for q in ordered))
        users = [u for c in customers for u in _users(self._analysis.rows(self._users.get(c, [])))]
        changes = [ch for c in customers for ch in _changes(self._summary.rows(self._changes.get(c, [])))]
        return _price_invoice(
            self.period, self.bill_to(code), ordered, self.prices, self.proration, tuple(users), tuple(changes)
        )

    def _quantities(self, code: str) -> Iterator[_Quantity]:
        rows = self._source.rows(self._rows[code])
        return _invoice_quantities(rows) if self.proration == "none" else _daily_quantities(rows)


class _Table:
    """The columns of a frame that invoices need, as plain values, selectable by row positions."""

    def __init__(self, frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
        self.columns = columns
        self.values = frame[list(columns)].to_numpy(dtype=object)

    def rows(self, positions: Any) -> Iterator[dict[str, Any]]:
        for values in self.values[positions]:
            yield dict(zip(self.columns, values, strict=True))


def _positions(column: pd.Series) -> dict[str, Any]:
    """Row positions of each distinct value (missing values left out)."""
    values = column.reset_index(drop=True)
    return {_text(key): index for key, index in values.groupby(values).indices.items()}


def _price_invoice(
    period: Period,
    bill_to: BillTo,
    rows: list[_Quantity],
    prices: dict[str, Price],
    proration: str,
    users: tuple[UserLine, ...],
    changes: tuple[ChangeLine, ...],
) -> Invoice | FailedInvoice:
    customers = tuple(dict.fromkeys(row.customer_name for row in rows))
    missing = sorted({row.sku for row in rows if row.sku not in prices})
    untaxed = sorted({row.sku for row in rows if row.sku in prices and prices[row.sku].tax_rate is None})
    currencies = sorted({prices[row.sku].currency for row in rows if row.sku in prices})
    errors = []
    if missing:
        errors.append(f"No price for SKU {', '.join(missing)}: add it to the price list.")
    if untaxed:
        errors.append(
            f"No tax rate for SKU {', '.join(untaxed)}: add a tax_rate column to the price list "
            "or give a default tax rate (0 for exempt)."
        )
    if len(currencies) > 1:
        errors.append(f"Prices in several currencies ({', '.join(currencies)}): one invoice needs one currency.")
    error = " ".join(errors)
    if error:
        return FailedInvoice(bill_to, customers, ",".join(currencies), len(rows), error)
    described: dict[str, str] = {}  # one description per SKU on the whole invoice: its first line's
    for row in rows:
        described.setdefault(row.sku, row.description or prices[row.sku].description or row.sku)
    changes = tuple(replace(change, description=_described(change, described, prices)) for change in changes)
    groups: list[Group] = []
    for code in dict.fromkeys(row.customer_code for row in rows):
        own = [row for row in rows if row.customer_code == code]
        group_lines = tuple(_line(row, prices[row.sku], described[row.sku]) for row in own)
        subtotal = sum((line.net for line in group_lines), Decimal(0))
        groups.append(Group(code, own[0].customer_name, own[0].account_code, group_lines, subtotal))
    taxes = _taxes(line for group in groups for line in group.lines)
    subtotal = sum((group.subtotal for group in groups), Decimal(0))
    tax = sum((t.amount for t in taxes), Decimal(0))
    issue = period.end + timedelta(days=1)
    return Invoice(
        number=f"{bill_to.account_code}-{period.end:%Y%m}" + ("-DRAFT" if period.draft else ""),
        bill_to=bill_to,
        period_start=period.first_day,
        period_end=period.end,
        period_name=period.title,
        issue_date=issue,
        due_date=issue + timedelta(days=PAYMENT_TERMS_DAYS),
        currency=currencies[0],
        basis=proration,
        groups=tuple(groups),
        taxes=taxes,
        subtotal=subtotal,
        tax=tax,
        total=subtotal + tax,
        users=users,
        changes=changes,
        draft=period.draft,
    )


def _described(change: ChangeLine, described: dict[str, str], prices: dict[str, Price]) -> str:
    """A Changes row's description: its SKU's on the invoice lines, else the price list's, else Atria's."""
    price = prices.get(change.sku)
    return described.get(change.sku) or (price.description if price else None) or change.description


def _line(row: _Quantity, price: Price, description: str) -> Line:
    assert price.tax_rate is not None, "an invoice with a SKU without a tax rate fails before its lines are made"
    return Line(
        customer_code=row.customer_code,
        customer_name=row.customer_name,
        sku=row.sku,
        description=description,
        quantity=row.quantity,
        unit_price=price.unit_price,
        tax_rate=price.tax_rate,
        net=cents(row.quantity * price.unit_price),
    )


def _taxes(lines: Iterable[Line]) -> tuple[TaxLine, ...]:
    nets: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        nets[line.tax_rate] += line.net
    return tuple(TaxLine(rate, nets[rate], cents(nets[rate] * rate)) for rate in sorted(nets))


def _text(value: Any) -> str:
    return "" if value is None or value is pd.NA or value != value else clean_text(str(value))


def _day(value: Any) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _records(frame: pd.DataFrame, columns: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    return _Table(frame, columns).rows(slice(None))


def _invoice_quantities(lines: Iterable[dict[str, Any]]) -> Iterator[_Quantity]:
    for row in lines:
        quantity = to_decimal(row["quantity"]) if not pd.isna(row["quantity"]) else Decimal(0)
        if quantity:
            code = _text(row["customer_code"])
            yield _Quantity(
                code,
                _text(row["customer_name"]),
                _text(row["customer_account_code"]),
                _text(row["bill_to_code"]) or code,
                _text(row["sku"]),
                _text(row["line_description"]),
                quantity,
            )


def _daily_quantities(billable: Iterable[dict[str, Any]]) -> Iterator[_Quantity]:
    percents: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    first: dict[tuple[str, str], dict[str, Any]] = {}
    for row in billable:
        key = (_text(row["customer_code"]), _text(row["sku"]))
        if not pd.isna(row["duration_percent"]):
            percents[key] += to_decimal(row["duration_percent"])
        first.setdefault(key, row)
    for key, total in percents.items():
        row = first[key]
        if total:
            yield _Quantity(
                key[0],
                _text(row["customer_name"]),
                _text(row["account_code"]),
                _text(row["bill_to_code"]) or key[0],
                key[1],
                _text(row["summary_description"]),
                total / 100,
            )


def _bill_tos(lines: pd.DataFrame, analysis: pd.DataFrame) -> dict[str, BillTo]:
    """Name, account code and address of every customer, from its own analysis rows, else the lines."""
    directory: dict[str, BillTo] = {}
    own = analysis.drop_duplicates("customer_code")
    for row in _records(own, ("customer_code", "customer_name", "account_code", *_ADDRESS)):
        code = _text(row["customer_code"])
        if code not in directory:
            address = tuple(_text(row[name]) for name in _ADDRESS)
            directory[code] = BillTo(code, _text(row["customer_name"]), _text(row["account_code"]), address)
    payers = lines.drop_duplicates("bill_to_code")
    for row in _records(payers, ("bill_to_code", "bill_to_name", "bill_to_account_code")):
        code = _text(row["bill_to_code"])
        if code and code not in directory:
            name, account = _text(row["bill_to_name"]), _text(row["bill_to_account_code"])
            directory[code] = BillTo(code, name, account or code, ("",) * 6)
    return directory


def _users(analysis: Iterable[dict[str, Any]]) -> Iterator[UserLine]:
    rows = [row for row in analysis if _text(row["sku_type"]).lower() == "user"]
    for row in sorted(rows, key=lambda r: (_text(r["customer_name"]), _text(r["user_name"]), _text(r["sku"]))):
        service = ", ".join(part for part in (_text(row["service_name"]), _text(row["plan_name"])) if part)
        percent = row["duration_percent"]
        yield UserLine(
            customer_name=_text(row["customer_name"]),
            user_name=_text(row["user_name"]),
            service=service,
            sku=_text(row["sku"]),
            start_date=_day(row["start_date"]),
            end_date=_day(row["end_date"]),
            duration_percent=Decimal(0) if pd.isna(percent) else to_decimal(percent),
            billable=bool(row["billable"]) if not pd.isna(row["billable"]) else False,
        )


def _changes(summary: Iterable[dict[str, Any]]) -> Iterator[ChangeLine]:
    for row in sorted(summary, key=lambda r: (_text(r["customer_name"]), _text(r["sku"]))):
        counts = [0 if pd.isna(row[name]) else int(row[name]) for name in _CHANGE_COLUMNS[3:]]
        yield ChangeLine(_text(row["customer_name"]), _text(row["sku"]), _text(row["grouping"]), *counts)
