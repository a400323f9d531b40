"""Every e-invoice the sandbox produces, end to end: ``xlbilling report --einvoice both`` over loopback HTTP,
each UBL and each Factur-X PDF's XML under the official rules and the XSDs, amounts equal to the workbook's,
the failures named, and the Factur-X PDFs read back with factur-x's own reader."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from tests.einvoice_rules import Validator
from xlbilling._cli import main
from xlbilling._einvoice.cii import to_cii
from xlbilling._einvoice.document import document
from xlbilling._inputs.register import load_register
from xlbilling._sandbox.register import SHIPPED

PRICES = SHIPPED.with_name("prices.csv")
CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"
SELLER = {"NAME": "Northwind Managed Services Ltd", "ADDRESS": "12 Harbour Road", "CITY": "Leeds",
          "POSTAL_CODE": "LS1 4AB", "COUNTRY_CODE": "GB", "VAT_ID": "GB 123 4567 89", "COMPANY_ID": "01234567",
          "ELECTRONIC_ADDRESS": "5060000000009", "ELECTRONIC_ADDRESS_SCHEME": "0088",
          "IBAN": "GB33BUKB20201555555555", "BIC": "BUKBGB22"}  # fmt: skip


@pytest.fixture(scope="module")
def run(sandbox: object, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str, int]:
    """``xlbilling report --einvoice both`` for the latest closed period with the shipped register."""
    out = tmp_path_factory.mktemp("einvoices")
    env = {f"XLBILLING_SELLER_{key}": value for key, value in SELLER.items()}
    for api in ("ATRIA", "XARIOS"):
        env[f"XLBILLING_{api}_URL"] = sandbox.url  # type: ignore[attr-defined]
        env[f"XLBILLING_{api}_TOKEN"] = sandbox.token  # type: ignore[attr-defined]
    env["XLBILLING_CONFIG"] = str(out / "none.toml")
    env["COLUMNS"] = "100"
    args = ["report", "--period", "2026-10-31", "--prices", str(PRICES), "--einvoice", "both",
            "--customer-register", str(SHIPPED), "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(main, args, env=env)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return out, manifest, result.output, result.exit_code


def test_every_ubl_and_facturx_the_sandbox_makes_passes_the_official_rules(
    run: tuple[Path, dict, str, int], einvoice_rules: Validator
) -> None:
    from facturx import get_facturx_xml_from_pdf

    out, manifest, _, _ = run
    written = [entry for entry in manifest["invoices"] if entry["xml"]]
    assert len(written) >= 15
    for entry in written:
        assert einvoice_rules.fatal((out / entry["xml"]).read_bytes()) == [], entry["xml"]
        assert entry["facturx"] is True
        name, cii = get_facturx_xml_from_pdf((out / entry["pdf"]).read_bytes(), check_xsd=False)
        assert name == "factur-x.xml"
        assert einvoice_rules.fatal(cii) == [], entry["pdf"]


def test_amounts_equal_the_workbooks_to_the_cent(run: tuple[Path, dict, str, int]) -> None:
    """The manifest's totals are the workbook's (``test_report_sandbox`` recalculates them in LibreOffice)."""
    out, manifest, _, _ = run
    for entry in (e for e in manifest["invoices"] if e["xml"]):
        ubl = etree.parse(str(out / entry["xml"]))
        amounts = {name: Decimal(ubl.findtext(f".//{CBC}{name}")) for name in ("LineExtensionAmount", "TaxAmount",
                   "PayableAmount", "TaxInclusiveAmount")}  # fmt: skip
        assert amounts["PayableAmount"] == amounts["TaxInclusiveAmount"] == Decimal(entry["total"])
        assert amounts["TaxAmount"] == Decimal(entry["tax"])
        totals = ubl.find(f".//{{*}}LegalMonetaryTotal/{CBC}LineExtensionAmount")
        assert Decimal(totals.text) == Decimal(entry["subtotal"])
        nets = [Decimal(n.text) for n in ubl.iterfind(f".//{{*}}InvoiceLine/{CBC}LineExtensionAmount")]
        assert sum(nets) == Decimal(entry["subtotal"]) and len(nets) == entry["line_count"]


def test_each_file_holds_its_own_buyer_only(run: tuple[Path, dict, str, int]) -> None:
    out, manifest, _, _ = run
    buyers = load_register(SHIPPED).buyers
    for entry in (e for e in manifest["invoices"] if e["xml"]):
        text = (out / entry["xml"]).read_text(encoding="utf-8")
        mine = buyers[entry["account_code"]]
        assert f'schemeID="0088">{mine.electronic_address}<' in text
        others = [b.electronic_address for code, b in buyers.items() if code != entry["account_code"]]
        assert not [address for address in others if address and f">{address}<" in text]


def test_missing_buyer_data_fails_only_that_e_invoice_and_the_run_exits_1(run: tuple[Path, dict, str, int]) -> None:
    out, manifest, output, code = run
    failed = [entry for entry in manifest["invoices"] if entry["einvoice"] == "failed"]
    assert code == 1 and 1 <= len(failed) <= 6
    for entry in failed:
        assert entry["status"] == "ok" and entry["error"] is None  # the invoice itself is good: only its e-invoice
        assert entry["file"] and (out / entry["file"]).is_file()  # the workbook is still written
        assert entry["pdf"] and (out / entry["pdf"]).is_file()  # and its PDF, a plain one
        assert entry["xml"] is None and not (out / entry["file"]).with_suffix(".xml").exists()
        assert entry["facturx"] is False
        assert re.search(r"BT-(49|10) buyer", entry["einvoice_error"]) and f"of {SHIPPED}" in entry["einvoice_error"]
        assert (
            f"no e-invoice: {entry['bill_to_name']} ({entry['bill_to_code']}): E-invoice not written (the workbook "
            "was): BT-" in output
        )
    assert "failed:" not in output and "invoices failed" not in output
    assert f"{len(failed)} e-invoices not written (their invoices were): fill what each lacks" in output
    assert re.search(r"Wrote 21 invoices, 21 PDFs \(\d+ Factur-X\) and \d+ UBL e-invoices", output)
    assert all(entry["einvoice"] == "ok" for entry in manifest["invoices"] if entry["xml"])


def test_the_index_gives_each_output_its_own_status(run: tuple[Path, dict, str, int]) -> None:
    """A missing e-invoice is not a failed invoice: the index says the workbook and PDF were written."""
    from openpyxl import load_workbook

    out, manifest, _, _ = run
    rows = list(load_workbook(out / "index.xlsx")["Invoices"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert "Sha256" not in header and "SHA-256" not in header
    by_number = {row[header.index("Invoice number")]: row for row in body}
    for entry in manifest["invoices"]:
        row = by_number[entry["invoice_number"]]
        outputs = [row[header.index(name)] for name in ("Workbook", "PDF", "E-invoice")]
        if entry["einvoice"] == "failed":
            assert outputs == ["written", "written", "failed"]
            assert row[header.index("Problem")] == entry["einvoice_error"]
        else:
            assert outputs == ["written", "written", "UBL + Factur-X"]


def test_the_facturx_pdf_is_pdfa3_with_en16931_xmp_and_carries_our_xml(
    run: tuple[Path, dict, str, int], sandbox: object
) -> None:
    from facturx import get_facturx_xml_from_pdf
    from pypdf import PdfReader

    from tests.conftest import CLOSED
    from tests.test_einvoice_rules import _invoices
    from xlbilling._config.settings import load_settings

    out, manifest, _, _ = run
    entry = next(e for e in manifest["invoices"] if e["facturx"])
    pdf = (out / entry["pdf"]).read_bytes()
    _, embedded = get_facturx_xml_from_pdf(pdf)
    env = {f"XLBILLING_SELLER_{key}": value for key, value in SELLER.items()}
    seller = load_settings(env, out / "none.toml", use_keyring=False).seller
    invoice = replace(_invoices(sandbox, CLOSED).make(entry["bill_to_code"]), seller=seller)  # type: ignore[type-var]
    ours = to_cii(document(invoice, load_register(SHIPPED).buyers[entry["account_code"]]))
    assert embedded == ours
    root = PdfReader(out / entry["pdf"]).trailer["/Root"]
    assert "/OutputIntents" in root
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part>3<|pdfaid:part=\"3\"", xmp)
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp


@pytest.mark.usefixtures("sandbox_env")
def test_einvoice_without_a_register_says_how_to_give_one(tmp_path: Path) -> None:
    args = ["report", "--prices", str(PRICES), "--einvoice", "ubl", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "E-invoices need a customer register" in result.output and "--customer-register PATH" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()
