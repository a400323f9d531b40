"""Checks an e-invoice before it is written: the business terms EN 16931 and Peppol make mandatory, and the
arithmetic of its amounts (BT-131, BG-23, BR-CO-10..BR-CO-17).

Every problem names the business term and where to fill it: a column of the customer register (for the
buyer's account code), or a ``[seller]`` key of the config file.
"""

from __future__ import annotations

from decimal import Decimal

from xlbilling._config.seller import Seller
from xlbilling._einvoice.document import Document, reverse_charged
from xlbilling._errors import EInvoiceError
from xlbilling._inputs.register import Buyer, Register
from xlbilling._values.money import cents

CATEGORIES_NEEDING_SELLER_VAT = ("S", "Z", "E", "AE")
"""BR-S-02, BR-Z-02, BR-E-02, BR-AE-02: the seller's VAT identifier (BT-31) must be there."""
ACCOUNT_MEANS = ("30", "58")
"""BR-61: credit transfers need the payment account identifier (BT-84)."""


def check(doc: Document, seller: Seller, account: str, register: Register) -> None:
    """``EInvoiceError`` listing every problem of ``doc`` (for the buyer of Atria account code ``account``);
    nothing when it can be written."""
    buyer = register.buyers.get(account)
    problems = _seller_problems(doc, seller) + _buyer_problems(doc, seller, account, buyer, register)
    problems += arithmetic(doc)
    if problems:
        raise EInvoiceError(doc.number, problems)


def _seller_problems(doc: Document, seller: Seller) -> list[str]:
    def missing(term: str, key: str) -> str:
        return f"{term} is missing (set {key} under [seller] in the config file)"

    problems = []
    if not doc.seller.name:
        problems.append(missing("BT-27 seller name", "name"))
    if not doc.seller.country_code:
        problems.append(missing("BT-40 seller country code", "country_code"))
    if not (doc.seller.endpoint and doc.seller.endpoint_scheme):
        key = "electronic_address" if not doc.seller.endpoint else "electronic_address_scheme"
        problems.append(missing("BT-34 seller electronic address and its scheme", key))
    categories = {line.category for line in doc.lines}
    if not doc.seller.vat_id and categories & set(CATEGORIES_NEEDING_SELLER_VAT):
        needs = "/".join(sorted(categories))
        problems.append(missing(f"BT-31 seller VAT identifier (VAT category {needs} needs it)", "vat_id"))
    elif doc.seller.vat_id and not doc.seller.vat_id[:2].isalpha():
        problems.append(f"BT-31 seller VAT identifier {seller.vat_id!r} must start with its country prefix")
    if doc.payment_means in ACCOUNT_MEANS and not doc.account_id:
        problems.append(missing("BT-84 payment account identifier", "iban (or sort_code and account_number)"))
    if "E" in categories and not seller.exemption_reason:
        problems.append(missing("BT-120 VAT exemption reason", "exemption_reason"))
    return problems


def _buyer_problems(doc: Document, seller: Seller, account: str, buyer: Buyer | None, register: Register) -> list[str]:
    if buyer is None:
        return [
            f"account {account} has no row in {register.source} (column account_code): BT-49 buyer electronic "
            "address, BT-10 buyer reference and BT-55 buyer country code come from there"
        ]

    def missing(term: str, column: str) -> str:
        return f"{term} is missing (fill column {column} of {register.source} for account {buyer.account_code})"

    problems = []
    if not buyer.electronic_address:
        problems.append(missing("BT-49 buyer electronic address", "electronic_address"))
    elif not buyer.electronic_address_scheme:
        problems.append(missing("BT-49-1 buyer electronic address scheme", "electronic_address_scheme"))
    if not buyer.buyer_reference and not buyer.purchase_order:
        problems.append(missing("BT-10 buyer reference (or BT-13 purchase order reference)", "buyer_reference"))
    if not buyer.country or len(buyer.country) != 2 or not buyer.country.isalpha():
        problems.append(missing("BT-55 buyer country code (two letters, e.g. FR)", "country"))
    zero_rated = any(line.percent == 0 for line in doc.lines)
    if reverse_charged(seller, buyer) and zero_rated and not doc.buyer.vat_id:
        problems.append(missing("BT-48 buyer VAT identifier (reverse charge, VAT category AE, needs it)", "vat_id"))
    elif doc.buyer.vat_id and not doc.buyer.vat_id[:2].isalpha():
        problems.append(f"BT-48 buyer VAT identifier {buyer.vat_id!r} must start with its country prefix")
    return problems


def arithmetic(doc: Document) -> list[str]:
    """The problems of ``doc``'s amounts under EN 16931's rules (empty when they add up)."""
    problems = []
    for line in doc.lines:
        if line.net != cents(line.quantity * line.price):
            problems.append(f"BT-131 line net amount of line {line.id} ({line.sku}) is not quantity x price")
    line_total = sum((line.net for line in doc.lines), Decimal(0))
    tax_total = sum((row.tax for row in doc.breakdown), Decimal(0))
    for row in doc.breakdown:
        basis = sum((line.net for line in doc.lines if (line.category, line.percent) == (row.category, row.percent)),
                    Decimal(0))  # fmt: skip
        if row.basis != basis:
            problems.append(f"BT-116 VAT category taxable amount {row.category} {row.percent}% is not its lines' sum")
        if row.tax != cents(row.basis * row.percent / 100):
            problems.append(f"BT-117 VAT category tax amount {row.category} {row.percent}% is not basis x rate")
    checks = (
        ("BT-106 sum of invoice line net amounts", doc.line_total, line_total, "BR-CO-10"),
        ("BT-109 invoice total amount without VAT", doc.tax_exclusive, doc.line_total, "BR-CO-13"),
        ("BT-110 invoice total VAT amount", doc.tax_total, tax_total, "BR-CO-14"),
        ("BT-112 invoice total amount with VAT", doc.tax_inclusive, doc.tax_exclusive + doc.tax_total, "BR-CO-15"),
        ("BT-115 amount due for payment", doc.payable, doc.tax_inclusive, "BR-CO-16"),
    )
    for term, given, expected, rule in checks:
        if given != expected:
            problems.append(f"{term} is {given}, not {expected} ({rule}); the invoice's amounts do not add up")
    return problems
