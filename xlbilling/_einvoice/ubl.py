"""A ``Document`` as a UBL 2.1 Invoice or CreditNote following Peppol BIS Billing 3.0, built with lxml."""

from __future__ import annotations

from typing import Any

from lxml import etree

from xlbilling._einvoice.document import Document, Party
from xlbilling._einvoice.xml import add, amount, maybe, serialise

CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ROOTS = {False: ("Invoice", "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"),
         True: ("CreditNote", "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2")}  # fmt: skip
UNIT = "C62"  # one (UN/ECE Recommendation 20): a licence, a seat, a service


def cac(name: str) -> str:
    return f"{{{CAC}}}{name}"


def cbc(name: str) -> str:
    return f"{{{CBC}}}{name}"


def to_ubl(doc: Document) -> bytes:
    """The UBL XML of ``doc``: an Invoice (type 380), or a CreditNote (381) when ``doc`` is a credit note."""
    kind, namespace = ROOTS[doc.credit_note]
    root = etree.Element(f"{{{namespace}}}{kind}", nsmap={None: namespace, "cac": CAC, "cbc": CBC})
    add(root, cbc("CustomizationID"), CUSTOMIZATION)
    add(root, cbc("ProfileID"), PROFILE)
    add(root, cbc("ID"), doc.number)
    add(root, cbc("IssueDate"), doc.issue_date.isoformat())
    if not doc.credit_note:  # a credit note has no DueDate: its due date goes with the payment means
        add(root, cbc("DueDate"), doc.due_date.isoformat())
    add(root, cbc(f"{kind}TypeCode"), doc.type_code)
    add(root, cbc("Note"), " ".join(doc.notes))  # Peppol allows one note (PEPPOL-EN16931-R002)
    add(root, cbc("DocumentCurrencyCode"), doc.currency)
    maybe(root, cbc("BuyerReference"), doc.buyer_reference)
    period = add(root, cac("InvoicePeriod"))
    add(period, cbc("StartDate"), doc.period_start.isoformat())
    add(period, cbc("EndDate"), doc.period_end.isoformat())
    if doc.order_reference:
        add(add(root, cac("OrderReference")), cbc("ID"), doc.order_reference)
    _party(add(root, cac("AccountingSupplierParty")), doc.seller)
    _party(add(root, cac("AccountingCustomerParty")), doc.buyer)
    _payment(root, doc)
    _totals(root, doc)
    for line in doc.lines:
        item = add(root, cac(f"{kind}Line"))
        add(item, cbc("ID"), line.id)
        maybe(item, cbc("Note"), line.note)
        add(item, cbc("CreditedQuantity" if doc.credit_note else "InvoicedQuantity"), line.quantity, unitCode=UNIT)
        add(item, cbc("LineExtensionAmount"), amount(line.net), currencyID=doc.currency)
        product = add(item, cac("Item"))
        add(product, cbc("Name"), line.name)
        add(add(product, cac("SellersItemIdentification")), cbc("ID"), line.sku)
        _category(add(product, cac("ClassifiedTaxCategory")), line.category, line.percent)
        add(add(item, cac("Price")), cbc("PriceAmount"), line.price, currencyID=doc.currency)
    return serialise(root)


def _party(parent: Any, party: Party) -> None:
    node = add(parent, cac("Party"))
    maybe(node, cbc("EndpointID"), party.endpoint, schemeID=party.endpoint_scheme)
    address = add(node, cac("PostalAddress"))
    maybe(address, cbc("StreetName"), party.street[0] if party.street else None)
    maybe(address, cbc("AdditionalStreetName"), ", ".join(party.street[1:]))
    maybe(address, cbc("CityName"), party.city)
    maybe(address, cbc("PostalZone"), party.postal_code)
    maybe(address, cbc("CountrySubentity"), party.region)
    add(add(address, cac("Country")), cbc("IdentificationCode"), party.country_code or "")
    if party.vat_id:
        tax = add(node, cac("PartyTaxScheme"))
        add(tax, cbc("CompanyID"), party.vat_id)
        add(add(tax, cac("TaxScheme")), cbc("ID"), "VAT")
    legal = add(node, cac("PartyLegalEntity"))
    add(legal, cbc("RegistrationName"), party.name)
    maybe(legal, cbc("CompanyID"), party.company_id)
    if party.contact_name or party.phone or party.email:
        contact = add(node, cac("Contact"))
        maybe(contact, cbc("Name"), party.contact_name)
        maybe(contact, cbc("Telephone"), party.phone)
        maybe(contact, cbc("ElectronicMail"), party.email)


def _payment(root: Any, doc: Document) -> None:
    means = add(root, cac("PaymentMeans"))
    add(means, cbc("PaymentMeansCode"), doc.payment_means)
    if doc.credit_note:
        add(means, cbc("PaymentDueDate"), doc.due_date.isoformat())
    add(means, cbc("PaymentID"), doc.number)
    if doc.account_id:
        account = add(means, cac("PayeeFinancialAccount"))
        add(account, cbc("ID"), doc.account_id)
        maybe(account, cbc("Name"), doc.account_name)
        if doc.bic:
            add(add(account, cac("FinancialInstitutionBranch")), cbc("ID"), doc.bic)
    add(add(root, cac("PaymentTerms")), cbc("Note"), doc.payment_terms)


def _totals(root: Any, doc: Document) -> None:
    currency = doc.currency
    total = add(root, cac("TaxTotal"))
    add(total, cbc("TaxAmount"), amount(doc.tax_total), currencyID=currency)
    for row in doc.breakdown:
        sub = add(total, cac("TaxSubtotal"))
        add(sub, cbc("TaxableAmount"), amount(row.basis), currencyID=currency)
        add(sub, cbc("TaxAmount"), amount(row.tax), currencyID=currency)
        _category(add(sub, cac("TaxCategory")), row.category, row.percent, row.exemption_code, row.exemption_reason)
    money = add(root, cac("LegalMonetaryTotal"))
    add(money, cbc("LineExtensionAmount"), amount(doc.line_total), currencyID=currency)
    add(money, cbc("TaxExclusiveAmount"), amount(doc.tax_exclusive), currencyID=currency)
    add(money, cbc("TaxInclusiveAmount"), amount(doc.tax_inclusive), currencyID=currency)
    add(money, cbc("PayableAmount"), amount(doc.payable), currencyID=currency)


def _category(node: Any, category: str, percent: Any, code: str | None = None, reason: str | None = None) -> None:
    add(node, cbc("ID"), category)
    add(node, cbc("Percent"), percent)
    maybe(node, cbc("TaxExemptionReasonCode"), code)
    maybe(node, cbc("TaxExemptionReason"), reason)
    add(add(node, cac("TaxScheme")), cbc("ID"), "VAT")
