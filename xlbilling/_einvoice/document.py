"""One invoice as EN 16931 sees it: its business terms (BT-*), built from the numbers its workbook shows.

``document`` takes every amount from the priced ``Invoice`` the workbook is written from, so the e-invoice
and the workbook agree to the cent; ``xlbilling._einvoice.check`` then holds them to EN 16931's own
arithmetic before any syntax (UBL or CII) is written. An invoice whose total is negative becomes a credit
note (type 381) with every quantity and amount negated, prices staying positive.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from xlbilling._config.seller import Seller
from xlbilling._inputs.register import Buyer
from xlbilling._invoice import BASIS_TEXT, PAYMENT_TERMS, Invoice

INVOICE, CREDIT_NOTE = "380", "381"
DEFAULT_PAYMENT_MEANS = "30"  # credit transfer
EU = frozenset(("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "EL", "GR", "HU", "IE", "IT", "LV",
                "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"))  # fmt: skip
#: VAT category -> (exemption reason code, reason) of zero-VAT categories (BR-AE-10, BR-E-10).
EXEMPTION = {"AE": ("VATEX-EU-AE", "Reverse charge"), "E": (None, None), "Z": (None, None)}


@dataclass(frozen=True)
class Party:
    """A seller (BG-4) or buyer (BG-7): name, identifiers, electronic address, postal address, contact."""

    name: str
    vat_id: str | None
    company_id: str | None
    endpoint: str | None
    endpoint_scheme: str | None
    street: tuple[str, ...]
    city: str | None
    postal_code: str | None
    region: str | None
    country_code: str | None
    contact_name: str | None
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class DocumentLine:
    """An invoice line (BG-25): BT-126 id, BT-155 SKU, BT-153 name, BT-127 note, BT-129 quantity, BT-146 price,
    BT-131 net, BT-151 category and BT-152 rate (percent)."""

    id: str
    sku: str
    name: str
    note: str | None
    quantity: Decimal
    price: Decimal
    net: Decimal
    category: str
    percent: Decimal


@dataclass(frozen=True)
class Breakdown:
    """One VAT breakdown (BG-23): BT-118 category, BT-119 rate, BT-116 basis, BT-117 tax, BT-121/BT-120 exemption."""

    category: str
    percent: Decimal
    basis: Decimal
    tax: Decimal
    exemption_code: str | None
    exemption_reason: str | None


@dataclass(frozen=True)
class Document:
    """Every business term xlbilling writes, in both syntaxes. Totals: BT-106 ``line_total``, BT-109
    ``tax_exclusive``, BT-110 ``tax_total``, BT-112 ``tax_inclusive``, BT-115 ``payable``."""

    number: str
    type_code: str
    issue_date: date
    due_date: date
    currency: str
    period_start: date
    period_end: date
    notes: tuple[str, ...]
    buyer_reference: str | None
    order_reference: str | None
    seller: Party
    buyer: Party
    payment_means: str
    account_id: str | None
    account_name: str | None
    bic: str | None
    payment_terms: str
    lines: tuple[DocumentLine, ...]
    breakdown: tuple[Breakdown, ...]
    line_total: Decimal
    tax_exclusive: Decimal
    tax_total: Decimal
    tax_inclusive: Decimal
    payable: Decimal

    @property
    def credit_note(self) -> bool:
        """Whether this is a credit note (the invoice's total was negative)."""
        return self.type_code == CREDIT_NOTE


def vat_id(text: str | None) -> str | None:
    """A VAT identifier as EN 16931 writes it: no spaces, dots or dashes, upper case ("GB123456789")."""
    if not text:
        return None
    return "".join(ch for ch in text if ch not in " .-").upper() or None


def reverse_charged(seller: Seller, buyer: Buyer | None) -> bool:
    """Whether zero-rated lines are reverse charged (AE): the seller says so and seller and buyer are in two
    different EU countries."""
    ours, theirs = seller.country_code, buyer.country.upper() if buyer and buyer.country else None
    return seller.reverse_charge and ours in EU and theirs in EU and ours != theirs


def category(rate: Decimal, seller: Seller, buyer: Buyer | None) -> str:
    """The VAT category of a price-list rate: S for a positive rate; for zero, AE when reverse charged, else
    the seller's ``zero_rate_category`` (Z unless it says E)."""
    if rate > 0:
        return "S"
    if reverse_charged(seller, buyer):
        return "AE"
    return seller.zero_rate_category or "Z"


def document(invoice: Invoice, buyer: Buyer | None) -> Document:
    """The EN 16931 document of ``invoice`` (its seller included) for ``buyer`` (its register row, or None)."""
    seller = invoice.seller
    sign = Decimal(-1) if invoice.total < 0 else Decimal(1)
    lines: list[DocumentLine] = []
    for group in invoice.groups:
        note = None if group.customer_code == invoice.bill_to.code else f"For {group.customer_name}"
        for line in group.lines:
            lines.append(
                DocumentLine(id=str(len(lines) + 1), sku=line.sku, name=line.description, note=note,
                             quantity=sign * line.quantity, price=line.unit_price, net=sign * line.net,
                             category=category(line.tax_rate, seller, buyer), percent=_percent(line.tax_rate))
            )  # fmt: skip
    taxes = {_percent(tax.rate): tax.amount for tax in invoice.taxes}
    bases: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)
    for item in lines:
        bases[item.category, item.percent] += item.net
    breakdown = tuple(
        Breakdown(kind, percent, basis, sign * taxes.get(percent, Decimal(0)), *_exemption(kind, seller))
        for (kind, percent), basis in sorted(bases.items())
    )
    return Document(
        number=invoice.number, type_code=CREDIT_NOTE if sign < 0 else INVOICE, issue_date=invoice.issue_date,
        due_date=invoice.due_date, currency=invoice.currency, period_start=invoice.period_start,
        period_end=invoice.period_end, notes=_notes(invoice), buyer_reference=buyer.buyer_reference if buyer else None,
        order_reference=buyer.purchase_order if buyer else None, seller=_seller(seller), buyer=_buyer(invoice, buyer),
        payment_means=seller.payment_means or DEFAULT_PAYMENT_MEANS, account_id=_account(seller),
        account_name=seller.account_name or seller.name, bic=seller.bic,
        payment_terms=seller.payment_terms or PAYMENT_TERMS, lines=tuple(lines), breakdown=breakdown,
        line_total=sign * invoice.subtotal, tax_exclusive=sign * invoice.subtotal, tax_total=sign * invoice.tax,
        tax_inclusive=sign * invoice.total, payable=sign * invoice.total,
    )  # fmt: skip


def _percent(rate: Decimal) -> Decimal:
    """A rate fraction (0.20) as the percent EN 16931 writes (20)."""
    percent = (rate * 100).normalize()
    return percent.quantize(Decimal(1)) if percent == percent.to_integral_value() else percent


def _exemption(kind: str, seller: Seller) -> tuple[str | None, str | None]:
    code, reason = EXEMPTION.get(kind, (None, None))
    return code, reason if kind != "E" else seller.exemption_reason


def _notes(invoice: Invoice) -> tuple[str, ...]:
    """BT-22: what the workbook's title says when it is not to send, and the billing basis."""
    marks = [invoice.title] if invoice.sample or invoice.draft else []
    return (*marks, f"Billing period {invoice.period_name}: {BASIS_TEXT[invoice.basis]}.")


def _account(seller: Seller) -> str | None:
    """BT-84: the IBAN, else the sort code and account number run together, else the account number."""
    if seller.iban:
        return seller.iban.replace(" ", "")
    if seller.account_number:
        return "".join(ch for ch in f"{seller.sort_code or ''}{seller.account_number}" if ch.isalnum())
    return None


def _seller(seller: Seller) -> Party:
    return Party(
        name=seller.name or "", vat_id=vat_id(seller.vat_id), company_id=seller.company_id,
        endpoint=seller.electronic_address, endpoint_scheme=seller.electronic_address_scheme, street=seller.address,
        city=seller.city, postal_code=seller.postal_code, region=None, country_code=seller.country_code,
        contact_name=seller.contact_name, phone=seller.phone, email=seller.email,
    )  # fmt: skip


def _buyer(invoice: Invoice, buyer: Buyer | None) -> Party:
    line1, line2, city, region, postal_code, _country = invoice.bill_to.address
    given = buyer or Buyer(invoice.bill_to.account_code)
    return Party(
        name=given.legal_name or invoice.bill_to.name, vat_id=vat_id(given.vat_id), company_id=None,
        endpoint=given.electronic_address, endpoint_scheme=given.electronic_address_scheme,
        street=tuple(part for part in (line1, line2) if part), city=city or None, postal_code=postal_code or None,
        region=region or None, country_code=given.country.upper() if given.country else None, contact_name=None,
        phone=None, email=given.email,
    )  # fmt: skip
