"""E-invoices under the official rules, one invoice at a time: what passes, and what our own check stops first.

Every case builds a priced invoice of the sandbox (over loopback HTTP), turns it into the EN 16931 document,
and runs the CEN and Peppol rules and the XSDs over its UBL and CII. The negative cases show our check stops
the e-invoice with the business term and where to fill it, and (wrong total, missing buyer electronic
address) that the official rules fail the same XML too.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import TODAY
from tests.einvoice_rules import Validator
from xlbilling._apis.atria import Atria
from xlbilling._config.seller import SAMPLE_SELLER
from xlbilling._einvoice.check import check
from xlbilling._einvoice.cii import to_cii
from xlbilling._einvoice.document import document
from xlbilling._einvoice.ubl import to_ubl
from xlbilling._errors import DataError, EInvoiceError
from xlbilling._inputs.prices import load_prices
from xlbilling._inputs.register import Buyer, Register, load_register
from xlbilling._invoice import Group, Invoice, TaxLine
from xlbilling._invoices.pricing import Invoices
from xlbilling._sandbox import Dataset
from xlbilling._sandbox.register import SHIPPED, register_csv
from xlbilling._values.period import Period

PRICES = Path(__file__).parents[1] / "xlbilling" / "_sandbox" / "data" / "prices.csv"
SELLER = replace(SAMPLE_SELLER, sample=False, company_id="01234567", iban="GB33BUKB20201555555555", bic="BUKBGB22")
BUYER = Buyer("X", legal_name="Buyer Ltd", vat_id="GB999999973", electronic_address="1234567890128",
              electronic_address_scheme="0088", buyer_reference="REF-1", email="ap@buyer.example",
              country="GB")  # fmt: skip


@pytest.fixture(scope="module")
def invoice(sandbox: object) -> Invoice:
    """The first invoice of the sandbox's latest closed period, for the sample buyer, issued by ``SELLER``."""
    from tests.conftest import CLOSED

    made = _invoices(sandbox, CLOSED).make(_invoices(sandbox, CLOSED).codes[0])
    assert isinstance(made, Invoice)
    return replace(made, seller=SELLER)


def _invoices(sandbox: object, period: Period) -> Invoices:
    from xlbilling._apis.transport.client import ApiClient

    client = ApiClient("Atria", sandbox.url, sandbox.token)  # type: ignore[attr-defined]
    atria = Atria(client)
    return Invoices(period, atria.invoice_lines(period), atria.analysis(period),
                    atria.summary(period, billable_only=True), load_prices(PRICES).at(period.end))  # fmt: skip


def register(buyer: Buyer) -> Register:
    return Register("customers.csv", {buyer.account_code: buyer})


def both(invoice: Invoice, buyer: Buyer) -> tuple[bytes, bytes]:
    doc = document(invoice, buyer)
    return to_ubl(doc), to_cii(doc)


def for_buyer(invoice: Invoice, **changes: str | None) -> Buyer:
    return replace(BUYER, account_code=invoice.bill_to.account_code, **changes)


def test_the_official_examples_pass_the_validator(einvoice_rules: Validator) -> None:
    """A positive control: the rules' own example invoices show no fatal failure."""
    for example in sorted((einvoice_rules.folder / "examples").glob("*.xml")):
        peppol = example.name.startswith("peppol")
        assert einvoice_rules.fatal(example.read_bytes(), peppol=peppol) == [], example.name


def test_an_invoice_passes_cen_peppol_and_the_xsds_in_both_syntaxes(
    invoice: Invoice, einvoice_rules: Validator
) -> None:
    buyer = for_buyer(invoice)
    check(document(invoice, buyer), SELLER, buyer.account_code, register(buyer))
    ubl, cii = both(invoice, buyer)
    assert einvoice_rules.fatal(ubl) == []
    assert einvoice_rules.fatal(cii) == []
    assert b'<cbc:PayableAmount currencyID="GBP">' + str(invoice.total).encode() in ubl
    assert f"<ram:DuePayableAmount>{invoice.total}</ram:DuePayableAmount>".encode() in cii


def test_a_negative_total_is_a_credit_note_that_passes(invoice: Invoice, einvoice_rules: Validator) -> None:
    credit = negated(invoice)
    buyer = for_buyer(invoice)
    doc = document(credit, buyer)
    check(doc, SELLER, buyer.account_code, register(buyer))
    assert doc.credit_note and doc.payable == invoice.total  # the same amounts, as a credit
    ubl, cii = both(credit, buyer)
    assert ubl.startswith(b"<?xml") and b"<CreditNote" in ubl and b"<cbc:CreditNoteTypeCode>381" in ubl
    assert einvoice_rules.fatal(ubl) == []
    assert einvoice_rules.fatal(cii) == []


def test_a_wrong_total_is_stopped_by_our_check_and_by_the_official_rules(
    invoice: Invoice, einvoice_rules: Validator
) -> None:
    wrong = replace(invoice, total=invoice.total + Decimal("0.01"))
    buyer = for_buyer(invoice)
    with pytest.raises(EInvoiceError) as stopped:
        check(document(wrong, buyer), SELLER, buyer.account_code, register(buyer))
    assert "BT-112 invoice total amount with VAT" in str(stopped.value) and "BR-CO-15" in str(stopped.value)
    ubl, cii = both(wrong, buyer)
    assert any(problem.startswith("BR-CO-15") for problem in einvoice_rules.fatal(ubl))
    assert any(problem.startswith("BR-CO-15") for problem in einvoice_rules.fatal(cii))


def test_a_missing_buyer_electronic_address_is_stopped_and_named(invoice: Invoice, einvoice_rules: Validator) -> None:
    buyer = for_buyer(invoice, electronic_address=None, electronic_address_scheme=None)
    with pytest.raises(EInvoiceError) as stopped:
        check(document(invoice, buyer), SELLER, buyer.account_code, register(buyer))
    message = str(stopped.value)
    assert "BT-49 buyer electronic address" in message
    assert f"fill column electronic_address of customers.csv for account {buyer.account_code}" in message
    ubl, _ = both(invoice, buyer)
    assert any(problem.startswith("PEPPOL-EN16931-R010") for problem in einvoice_rules.fatal(ubl))


def test_a_missing_seller_vat_id_is_stopped_naming_the_setting(invoice: Invoice) -> None:
    seller = replace(SELLER, vat_id=None)
    buyer = for_buyer(invoice)
    with pytest.raises(EInvoiceError) as stopped:
        check(document(replace(invoice, seller=seller), buyer), seller, buyer.account_code, register(buyer))
    assert "BT-31 seller VAT identifier (VAT category S needs it)" in str(stopped.value)
    assert "set vat_id under [seller] in the config file" in str(stopped.value)


def test_reverse_charge_needs_the_buyers_vat_id_then_passes_as_ae(invoice: Invoice, einvoice_rules: Validator) -> None:
    """A Belgian seller that reverse charges a French customer: zero-rated lines are AE, which needs BT-48."""
    seller = replace(SELLER, country_code="BE", vat_id="BE0123456749", reverse_charge=True, iban="BE71096123456769",
                     electronic_address="0123456749", electronic_address_scheme="0208")  # fmt: skip
    zero = replace(zero_rated(invoice), seller=seller)
    missing = for_buyer(invoice, vat_id=None, country="FR")
    with pytest.raises(EInvoiceError) as stopped:
        check(document(zero, missing), seller, missing.account_code, register(missing))
    assert "BT-48 buyer VAT identifier (reverse charge, VAT category AE, needs it)" in str(stopped.value)
    assert "fill column vat_id of customers.csv" in str(stopped.value)
    buyer = for_buyer(invoice, vat_id="FR 40 303 265 045", country="FR")
    doc = document(zero, buyer)
    check(doc, seller, buyer.account_code, register(buyer))
    assert {row.category for row in doc.breakdown} == {"AE"}
    ubl, cii = both(zero, buyer)
    assert einvoice_rules.fatal(ubl) == []
    assert einvoice_rules.fatal(cii) == []


def test_a_buyer_missing_from_the_register_names_the_account(invoice: Invoice) -> None:
    with pytest.raises(EInvoiceError) as stopped:
        check(document(invoice, None), SELLER, invoice.bill_to.account_code, Register("customers.csv"))
    assert f"account {invoice.bill_to.account_code} has no row in customers.csv (column account_code)" in str(
        stopped.value
    )


def test_the_register_reads_csv_and_says_which_row_is_wrong(tmp_path: Path) -> None:
    good = load_register(SHIPPED)
    assert good.buyers["HAZE001"].electronic_address == "5000000000012"
    twice = tmp_path / "twice.csv"
    twice.write_text("account_code,vat_id\nA1,GB1\nA1,GB2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"twice.csv, row 3, column account_code: A1 is listed twice"):
        load_register(twice)
    headless = tmp_path / "headless.csv"
    headless.write_text("code,vat_id\nA1,GB1\n", encoding="utf-8")
    with pytest.raises(DataError, match="no column account_code"):
        load_register(headless)


def test_the_shipped_register_is_the_sandboxs_own() -> None:
    """``customers.csv`` is what ``python -m xlbilling._sandbox.register`` writes for the default data set."""
    assert SHIPPED.read_text(encoding="utf-8") == register_csv(Dataset(seed=1, today=TODAY))


def negated(invoice: Invoice) -> Invoice:
    """``invoice`` with every quantity and amount negated: a credit for the same services."""
    groups = tuple(
        replace(group, subtotal=-group.subtotal,
                lines=tuple(replace(line, quantity=-line.quantity, net=-line.net) for line in group.lines))
        for group in invoice.groups
    )  # fmt: skip
    taxes = tuple(TaxLine(tax.rate, -tax.net, -tax.amount) for tax in invoice.taxes)
    return replace(invoice, groups=groups, taxes=taxes, subtotal=-invoice.subtotal, tax=-invoice.tax,
                   total=-invoice.total)  # fmt: skip


def zero_rated(invoice: Invoice) -> Invoice:
    """``invoice`` as if every SKU were billed at a 0 rate: no tax."""
    groups = tuple(
        Group(group.customer_code, group.customer_name, group.account_code,
              tuple(replace(line, tax_rate=Decimal(0)) for line in group.lines), group.subtotal)
        for group in invoice.groups
    )  # fmt: skip
    taxes = (TaxLine(Decimal(0), invoice.subtotal, Decimal("0.00")),)
    return replace(invoice, groups=groups, taxes=taxes, tax=Decimal("0.00"), total=invoice.subtotal)
