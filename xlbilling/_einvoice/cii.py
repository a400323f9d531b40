"""A ``Document`` as UN/CEFACT CII (D16B) in the EN 16931 profile: the XML that Factur-X / ZUGFeRD embeds."""

from __future__ import annotations

from datetime import date
from typing import Any

from lxml import etree

from xlbilling._einvoice.document import Document, Party
from xlbilling._einvoice.ubl import UNIT
from xlbilling._einvoice.xml import add, amount, maybe, serialise

GUIDELINE = "urn:cen.eu:en16931:2017"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"


def ram(name: str) -> str:
    return f"{{{RAM}}}{name}"


def to_cii(doc: Document) -> bytes:
    """The CII XML of ``doc`` (type 380, or 381 for a credit note), EN 16931 profile."""
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap={"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT})
    context = add(root, f"{{{RSM}}}ExchangedDocumentContext")
    add(add(context, ram("GuidelineSpecifiedDocumentContextParameter")), ram("ID"), GUIDELINE)
    header = add(root, f"{{{RSM}}}ExchangedDocument")
    add(header, ram("ID"), doc.number)
    add(header, ram("TypeCode"), doc.type_code)
    _date(add(header, ram("IssueDateTime")), doc.issue_date)
    for note in doc.notes:
        add(add(header, ram("IncludedNote")), ram("Content"), note)
    trade = add(root, f"{{{RSM}}}SupplyChainTradeTransaction")
    for line in doc.lines:
        item = add(trade, ram("IncludedSupplyChainTradeLineItem"))
        about = add(item, ram("AssociatedDocumentLineDocument"))
        add(about, ram("LineID"), line.id)
        if line.note:
            add(add(about, ram("IncludedNote")), ram("Content"), line.note)
        product = add(item, ram("SpecifiedTradeProduct"))
        add(product, ram("SellerAssignedID"), line.sku)
        add(product, ram("Name"), line.name)
        price = add(add(item, ram("SpecifiedLineTradeAgreement")), ram("NetPriceProductTradePrice"))
        add(price, ram("ChargeAmount"), line.price)
        add(add(item, ram("SpecifiedLineTradeDelivery")), ram("BilledQuantity"), line.quantity, unitCode=UNIT)
        settlement = add(item, ram("SpecifiedLineTradeSettlement"))
        tax = add(settlement, ram("ApplicableTradeTax"))
        add(tax, ram("TypeCode"), "VAT")
        add(tax, ram("CategoryCode"), line.category)
        add(tax, ram("RateApplicablePercent"), line.percent)
        summation = add(settlement, ram("SpecifiedTradeSettlementLineMonetarySummation"))
        add(summation, ram("LineTotalAmount"), amount(line.net))
    agreement = add(trade, ram("ApplicableHeaderTradeAgreement"))
    maybe(agreement, ram("BuyerReference"), doc.buyer_reference)
    _party(add(agreement, ram("SellerTradeParty")), doc.seller)
    _party(add(agreement, ram("BuyerTradeParty")), doc.buyer)
    if doc.order_reference:
        add(add(agreement, ram("BuyerOrderReferencedDocument")), ram("IssuerAssignedID"), doc.order_reference)
    add(trade, ram("ApplicableHeaderTradeDelivery"))
    _settlement(add(trade, ram("ApplicableHeaderTradeSettlement")), doc)
    return serialise(root)


def _date(parent: Any, day: date) -> None:
    add(parent, f"{{{UDT}}}DateTimeString", day.strftime("%Y%m%d"), format="102")


def _party(node: Any, party: Party) -> None:
    add(node, ram("Name"), party.name)
    if party.company_id:
        add(add(node, ram("SpecifiedLegalOrganization")), ram("ID"), party.company_id)
    if party.contact_name or party.phone or party.email:
        contact = add(node, ram("DefinedTradeContact"))
        maybe(contact, ram("PersonName"), party.contact_name)
        if party.phone:
            add(add(contact, ram("TelephoneUniversalCommunication")), ram("CompleteNumber"), party.phone)
        if party.email:
            add(add(contact, ram("EmailURIUniversalCommunication")), ram("URIID"), party.email)
    address = add(node, ram("PostalTradeAddress"))
    maybe(address, ram("PostcodeCode"), party.postal_code)
    maybe(address, ram("LineOne"), party.street[0] if party.street else None)
    maybe(address, ram("LineTwo"), ", ".join(party.street[1:]))
    maybe(address, ram("CityName"), party.city)
    add(address, ram("CountryID"), party.country_code or "")
    maybe(address, ram("CountrySubDivisionName"), party.region)
    if party.endpoint:
        add(add(node, ram("URIUniversalCommunication")), ram("URIID"), party.endpoint, schemeID=party.endpoint_scheme)
    if party.vat_id:
        add(add(node, ram("SpecifiedTaxRegistration")), ram("ID"), party.vat_id, schemeID="VA")


def _settlement(node: Any, doc: Document) -> None:
    add(node, ram("PaymentReference"), doc.number)
    add(node, ram("InvoiceCurrencyCode"), doc.currency)
    means = add(node, ram("SpecifiedTradeSettlementPaymentMeans"))
    add(means, ram("TypeCode"), doc.payment_means)
    if doc.account_id:
        account = add(means, ram("PayeePartyCreditorFinancialAccount"))
        iban = doc.account_id[:2].isalpha()
        maybe(account, ram("IBANID"), doc.account_id if iban else None)
        maybe(account, ram("AccountName"), doc.account_name)
        maybe(account, ram("ProprietaryID"), None if iban else doc.account_id)
        if doc.bic:
            add(add(means, ram("PayeeSpecifiedCreditorFinancialInstitution")), ram("BICID"), doc.bic)
    for row in doc.breakdown:
        tax = add(node, ram("ApplicableTradeTax"))
        add(tax, ram("CalculatedAmount"), amount(row.tax))
        add(tax, ram("TypeCode"), "VAT")
        maybe(tax, ram("ExemptionReason"), row.exemption_reason)
        add(tax, ram("BasisAmount"), amount(row.basis))
        add(tax, ram("CategoryCode"), row.category)
        maybe(tax, ram("ExemptionReasonCode"), row.exemption_code)
        add(tax, ram("RateApplicablePercent"), row.percent)
    period = add(node, ram("BillingSpecifiedPeriod"))
    _date(add(period, ram("StartDateTime")), doc.period_start)
    _date(add(period, ram("EndDateTime")), doc.period_end)
    terms = add(node, ram("SpecifiedTradePaymentTerms"))
    add(terms, ram("Description"), doc.payment_terms)
    _date(add(terms, ram("DueDateDateTime")), doc.due_date)
    money = add(node, ram("SpecifiedTradeSettlementHeaderMonetarySummation"))
    add(money, ram("LineTotalAmount"), amount(doc.line_total))
    add(money, ram("TaxBasisTotalAmount"), amount(doc.tax_exclusive))
    add(money, ram("TaxTotalAmount"), amount(doc.tax_total), currencyID=doc.currency)
    add(money, ram("GrandTotalAmount"), amount(doc.tax_inclusive))
    add(money, ram("DuePayableAmount"), amount(doc.payable))
