"""What one invoice holds, and the template fields (``{{ invoice.number }}``) that show it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from xlbilling._config.seller import SAMPLE_SELLER, Seller

BASIS_TEXT = {
    "none": "quantities in use at the end of the period",
    "daily": "pro rata by day (the share of the period each service was active)",
}
TITLE = "Tax invoice"
DRAFT_TITLE = "DRAFT - period still open"
SAMPLE_TITLE = "SAMPLE - seller details not set"
SAMPLE_DRAFT_TITLE = "SAMPLE DRAFT - seller details not set, period still open"
PAYMENT_TERMS = "30 days net"  # a seller's payment terms when it gives none


@dataclass(frozen=True)
class BillTo:
    """The customer who pays: a direct customer or a channel partner."""

    code: str
    name: str
    account_code: str
    address: tuple[str, ...]  # address_line1, address_line2, city, region, postal_code, country


@dataclass(frozen=True)
class Line:
    """One priced invoice line of one consuming customer."""

    customer_code: str
    customer_name: str
    sku: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    net: Decimal


@dataclass(frozen=True)
class Group:
    """The lines of one consuming customer and their subtotal."""

    customer_code: str
    customer_name: str
    account_code: str
    lines: tuple[Line, ...]
    subtotal: Decimal


@dataclass(frozen=True)
class TaxLine:
    """Tax at one rate: the net it applies to and the tax, rounded half-up to cents."""

    rate: Decimal
    net: Decimal
    amount: Decimal


@dataclass(frozen=True)
class UserLine:
    """One user-level service of the Users sheet."""

    customer_name: str
    user_name: str
    service: str
    sku: str
    start_date: date | None
    end_date: date | None
    duration_percent: Decimal
    billable: bool


@dataclass(frozen=True)
class ChangeLine:
    """One row of the Changes sheet: a SKU's count last period and this period."""

    customer_name: str
    sku: str
    description: str
    last_count: int
    this_count: int
    difference: int


@dataclass(frozen=True)
class Invoice:
    """Everything one invoice workbook shows, with its totals computed in Decimal."""

    number: str
    bill_to: BillTo
    period_start: date
    period_end: date
    period_name: str
    issue_date: date
    due_date: date
    currency: str
    basis: str
    groups: tuple[Group, ...]
    taxes: tuple[TaxLine, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    users: tuple[UserLine, ...]
    changes: tuple[ChangeLine, ...]
    draft: bool = False  # the period is still open: a preview, not an invoice to send
    seller: Seller = SAMPLE_SELLER  # who issues it; the sample seller marks the invoice SAMPLE

    @property
    def sample(self) -> bool:
        """Whether the seller's details are the sample's: no seller is configured, so this is not to send."""
        return self.seller.sample

    @property
    def title(self) -> str:
        """The title: "Tax invoice", or what marks it DRAFT (open period) and/or SAMPLE (no seller configured)."""
        if self.sample:
            return SAMPLE_DRAFT_TITLE if self.draft else SAMPLE_TITLE
        return DRAFT_TITLE if self.draft else TITLE

    @property
    def line_count(self) -> int:
        """How many invoice lines, all customers together."""
        return sum(len(group.lines) for group in self.groups)


@dataclass(frozen=True)
class FailedInvoice:
    """A Bill To customer whose invoice could not be made, and why."""

    bill_to: BillTo
    customers: tuple[str, ...]
    currency: str
    line_count: int
    error: str


def _address(bill_to: BillTo) -> str:
    return "\n".join(part for part in bill_to.address if part)


def _joined(separator: str, *parts: str | None) -> str:
    return separator.join(part for part in parts if part)


def _seller_address(seller: Seller) -> str:
    """The address on one line: "12 Harbour Road, Leeds LS1 4AB, United Kingdom"."""
    return _joined(", ", *_seller_lines(seller), seller.country)


def _seller_lines(seller: Seller) -> tuple[str, ...]:
    """The address lines, then the city and post code when the settings give them apart."""
    town = _joined(" ", seller.city, seller.postal_code)
    return (*seller.address, town) if town else seller.address


def _registration(seller: Seller) -> str:
    """The registration line: "VAT registration GB 123 4567 89  ·  Company no. 01234567", what is set."""
    vat = f"VAT registration {seller.vat_id}" if seller.vat_id else None
    company = f"Company no. {seller.company_id}" if seller.company_id else None
    return _joined("  ·  ", vat, company)


def _bank(seller: Seller) -> str:
    """The bank details line: "Example MSP Ltd, Barclays, sort code 00-00-00, account 00000000, IBAN ..."."""
    return _joined(
        ", ",
        seller.account_name or seller.name,
        seller.bank_name,
        seller.sort_code and f"sort code {seller.sort_code}",
        seller.account_number and f"account {seller.account_number}",
        seller.iban and f"IBAN {seller.iban}",
        seller.bic and f"BIC {seller.bic}",
    )


def _period(invoice: Invoice) -> str:
    return f"{invoice.period_start:%d %b %Y} to {invoice.period_end:%d %b %Y}"


Getter = Callable[[Any], Any]

# Every field a template may use, by collection. ``invoice``, ``bill_to`` and ``seller`` work anywhere; ``line``,
# ``group``, ``tax``, ``user`` and ``change`` mark a row that repeats once per item.
FIELDS: dict[str, dict[str, Getter]] = {
    "invoice": {
        "title": lambda i: i.title,
        "number": lambda i: i.number,
        "issue_date": lambda i: i.issue_date,
        "due_date": lambda i: i.due_date,
        "period_start": lambda i: i.period_start,
        "period_end": lambda i: i.period_end,
        "period_name": lambda i: i.period_name,
        "period": _period,
        "currency": lambda i: i.currency,
        "basis": lambda i: BASIS_TEXT[i.basis],
        "line_count": lambda i: i.line_count,
    },
    "bill_to": {
        "name": lambda i: i.bill_to.name,
        "code": lambda i: i.bill_to.code,
        "account_code": lambda i: i.bill_to.account_code,
        "address": lambda i: _address(i.bill_to),
        "address_line1": lambda i: i.bill_to.address[0],
        "address_line2": lambda i: i.bill_to.address[1],
        "city": lambda i: i.bill_to.address[2],
        "region": lambda i: i.bill_to.address[3],
        "postal_code": lambda i: i.bill_to.address[4],
        "country": lambda i: i.bill_to.address[5],
    },
    "seller": {
        "name": lambda i: i.seller.name,
        "address": lambda i: _seller_address(i.seller),
        "address_lines": lambda i: "\n".join(_seller_lines(i.seller)),
        "country": lambda i: i.seller.country,
        "vat_id": lambda i: i.seller.vat_id,
        "company_id": lambda i: i.seller.company_id,
        "registration": lambda i: _registration(i.seller),
        "email": lambda i: i.seller.email,
        "phone": lambda i: i.seller.phone,
        "contact": lambda i: _joined("  ·  ", i.seller.email, i.seller.phone),
        "bank": lambda i: _bank(i.seller),
        "bank_name": lambda i: i.seller.bank_name,
        "account_name": lambda i: i.seller.account_name or i.seller.name,
        "sort_code": lambda i: i.seller.sort_code,
        "account_number": lambda i: i.seller.account_number,
        "iban": lambda i: i.seller.iban,
        "bic": lambda i: i.seller.bic,
        "payment_terms": lambda i: i.seller.payment_terms or PAYMENT_TERMS,
    },
    "line": {
        "sku": lambda x: x.line.sku,
        "description": lambda x: x.line.description,
        "customer": lambda x: "" if x.line.customer_code == x.invoice.bill_to.code else x.line.customer_name,
        "customer_code": lambda x: x.line.customer_code,
        "quantity": lambda x: x.line.quantity,
        "unit_price": lambda x: x.line.unit_price,
        "tax_rate": lambda x: x.line.tax_rate,
        "net": lambda x: x.line.net,
    },
    "group": {
        "customer_name": lambda g: g.customer_name,
        "customer_code": lambda g: g.customer_code,
        "account_code": lambda g: g.account_code,
        "subtotal": lambda g: g.subtotal,
    },
    "tax": {
        "rate": lambda t: t.rate,
        "net": lambda t: t.net,
        "amount": lambda t: t.amount,
    },
    "user": {
        "customer": lambda u: u.customer_name,
        "user_name": lambda u: u.user_name,
        "service": lambda u: u.service,
        "sku": lambda u: u.sku,
        "start_date": lambda u: u.start_date,
        "end_date": lambda u: u.end_date,
        "duration_percent": lambda u: u.duration_percent,
        "billable": lambda u: "Yes" if u.billable else "No",
    },
    "change": {
        "customer": lambda c: c.customer_name,
        "sku": lambda c: c.sku,
        "description": lambda c: c.description,
        "last_count": lambda c: c.last_count,
        "this_count": lambda c: c.this_count,
        "difference": lambda c: c.difference,
    },
}

REPEATING = ("line", "tax", "user", "change")


@dataclass(frozen=True)
class LineContext:
    """A line seen from its row: the line fields need the invoice to know the Bill To."""

    invoice: Invoice
    line: Line
