"""The seller on invoices: ``[seller]`` settings into ``{{ seller.* }}`` placeholders, and SAMPLE invoices without."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from PIL import Image

from tests.test_report_build import CUSTOMERS, PERIOD, PRICES, Customer, cell_of, frames, invoices
from xlbilling._cli import main
from xlbilling._config.seller import SAMPLE_SELLER, Seller
from xlbilling._config.settings import load_settings
from xlbilling._config.shipped import shipped
from xlbilling._errors import ConfigError, TemplateError
from xlbilling._invoice import SAMPLE_DRAFT_TITLE, SAMPLE_TITLE
from xlbilling._invoices import Manifest, default_template, write_invoices
from xlbilling._invoices.pricing import Invoices
from xlbilling._invoices.template import load_template
from xlbilling._values.period import Period

SELLER = Seller(
    name="Kestrel IT Partners Ltd",
    address=("4 Mill Lane", "York YO1 7HH"),
    country="United Kingdom",
    vat_id="GB 987 6543 21",
    company_id="09876543",
    email="accounts@kestrel.example",
    phone="+44 1904 000000",
    bank_name="Example Bank",
    sort_code="12-34-56",
    account_number="87654321",
    iban="GB00EXMP12345687654321",
    payment_terms="14 days net",
)


def build(out: Path, seller: Seller | None, source: Invoices | None = None) -> Manifest:
    return write_invoices(source or invoices(), load_template(default_template()), out_dir=out, seller=seller)


def texts(path: Path) -> list[str]:
    """Every text cell of every sheet of a workbook."""
    book = openpyxl.load_workbook(path)
    return [c.value for sheet in book for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]


def logo_of(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        (name,) = [n for n in archive.namelist() if n.startswith("xl/media/")]
        return archive.read(name)


def test_a_configured_seller_is_shown_on_every_invoice_and_the_sample_nowhere(tmp_path: Path) -> None:
    manifest = build(tmp_path, SELLER)
    data = json.loads(manifest.path.read_text(encoding="utf-8"))["invoices"]
    assert [(e["file"], e["status"], e["sample"]) for e in data] == [
        ("Acme Ltd - ACME001.xlsx", "ok", False),
        ("Northwind Channel - NWC001.xlsx", "ok", False),
    ]
    for entry in manifest.entries:
        path = tmp_path / str(entry.file)
        sheet = openpyxl.load_workbook(path)["Invoice"]
        assert [sheet[f"D{row}"].value for row in range(1, 5)] == [
            "Kestrel IT Partners Ltd",
            "4 Mill Lane, York YO1 7HH, United Kingdom",
            "accounts@kestrel.example  ·  +44 1904 000000",
            "VAT registration GB 987 6543 21  ·  Company no. 09876543",
        ]
        assert sheet["A6"].value == "Tax invoice"
        assert sheet["F11"].value == "14 days net"
        notes = next(text for text in texts(path) if text.startswith("Please pay"))
        assert notes == (
            "Please pay by the due date by bank transfer to Kestrel IT Partners Ltd, Example Bank, sort code "
            f"12-34-56, account 87654321, IBAN GB00EXMP12345687654321, quoting {entry.invoice_number}."
        )
        shown = "\n".join(texts(path))
        assert "Example MSP" not in shown and "00-00-00" not in shown and "123 4567 89" not in shown
        assert logo_of(path) != shipped("templates", "logo.png").read_bytes(), "the sample logo is gone"


def test_the_seller_logo_replaces_the_sample_logo_and_an_unreadable_one_is_refused(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 300), "red").save(logo)
    manifest = build(tmp_path / "out", Seller(name="Kestrel IT Partners Ltd", logo=logo))
    with zipfile.ZipFile(tmp_path / "out" / str(manifest.entries[0].file)) as archive:
        name = next(n for n in archive.namelist() if n.startswith("xl/media/"))
        picture = Image.open(archive.open(name))
        assert picture.size == (560, 160) and picture.convert("RGB").getpixel((80, 80)) == (255, 0, 0)
    (tmp_path / "bad.png").write_text("not a picture")
    with pytest.raises(ConfigError, match=r"logo .*bad\.png cannot be read as a picture"):
        build(tmp_path / "bad", Seller(name="Kestrel IT Partners Ltd", logo=tmp_path / "bad.png"))


@pytest.mark.parametrize("seller", [None, Seller(), Seller(email="only@an.email")])
def test_without_a_seller_invoices_are_marked_sample(tmp_path: Path, seller: Seller | None) -> None:
    manifest = build(tmp_path, seller)
    data = json.loads(manifest.path.read_text(encoding="utf-8"))["invoices"]
    assert [(e["file"], e["status"], e["sample"]) for e in data] == [
        ("Acme Ltd - ACME001 (SAMPLE).xlsx", "ok", True),
        ("Northwind Channel - NWC001 (SAMPLE).xlsx", "ok", True),
    ]
    book = openpyxl.load_workbook(tmp_path / str(manifest.entries[0].file))
    sheet = book["Invoice"]
    assert sheet["A6"].value == SAMPLE_TITLE == "SAMPLE - seller details not set"
    assert sheet["D1"].value == SAMPLE_SELLER.name == "Example MSP Ltd"
    assert sheet["D4"].value == "VAT registration GB 123 4567 89"
    assert cell_of(book, "InvoiceNumber").value == "ACME001-202610"
    index = openpyxl.load_workbook(tmp_path / "index.xlsx")["Invoices"]
    header = [c.value for c in index[1]]
    assert [row[header.index("Workbook")].value for row in index.iter_rows(min_row=2)] == ["SAMPLE", "SAMPLE"]


def test_an_open_period_without_a_seller_is_both_draft_and_sample(tmp_path: Path) -> None:
    open_period = Period(PERIOD.start, PERIOD.end, PERIOD.name, is_closed=False)
    manifest = build(tmp_path, None, Invoices(open_period, *frames(CUSTOMERS), PRICES))
    (entry, *_) = manifest.entries
    assert (entry.status, entry.sample, entry.file) == ("draft", True, "Acme Ltd - ACME001 (DRAFT, SAMPLE).xlsx")
    assert openpyxl.load_workbook(tmp_path / str(entry.file))["Invoice"]["A6"].value == SAMPLE_DRAFT_TITLE


LONG_NAME = "Ünïcødé Kunde GmbH " + "x" * 101  # 120 characters


@pytest.mark.parametrize(("is_closed", "marks"), [(True, "(SAMPLE)"), (False, "(DRAFT, SAMPLE)")])
def test_a_long_name_is_shortened_before_the_account_code_and_the_marks(
    tmp_path: Path, is_closed: bool, marks: str
) -> None:
    period = Period(PERIOD.start, PERIOD.end, PERIOD.name, is_closed=is_closed)
    long_ones = [
        Customer("L1", LONG_NAME, "FORG001", "L1", {"M365-BP": 1}),
        Customer("L2", LONG_NAME, "FORG001", "L2", {"AV-EP": 2}),
    ]
    manifest = build(tmp_path, None, Invoices(period, *frames(long_ones), PRICES))
    names = [str(entry.file) for entry in manifest.entries]
    assert len(LONG_NAME) == 120 and all(len(name) <= 80 for name in names), names
    assert names[0].endswith(f" - FORG001 {marks}.xlsx") and names[1].endswith(f" - FORG001 (2) {marks}.xlsx")
    assert all(name.startswith("Ünïcødé Kunde GmbH xxx") for name in names)
    assert [path.name for path in sorted(tmp_path.glob("*FORG001*.xlsx"))] == sorted(names)


def test_an_unknown_seller_placeholder_is_refused_naming_it(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(default_template())
    book["Invoice"]["D5"] = "Registered in {{ seller.nope }}"
    path = tmp_path / "template.xlsx"
    book.save(path)
    with pytest.raises(TemplateError, match=r"Invoice!D5 has an unknown placeholder \{\{ seller.nope \}\}"):
        load_template(path)


def test_the_seller_comes_from_the_config_file_and_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[seller]\nname = "Kestrel IT Partners Ltd"\naddress = ["4 Mill Lane", "York YO1 7HH"]\n'
        'vat_id = "GB 987 6543 21"\nsort_code = "12-34-56"\nlogo = "logo.png"\n',
        encoding="utf-8",
    )
    settings = load_settings({"XLBILLING_SELLER_EMAIL": "env@kestrel.example"}, config, use_keyring=False)
    seller = settings.seller
    assert seller.configured and not SAMPLE_SELLER.configured and not Seller().configured
    assert (seller.name, seller.address, seller.vat_id, seller.sort_code, seller.email) == (
        "Kestrel IT Partners Ltd", ("4 Mill Lane", "York YO1 7HH"), "GB 987 6543 21", "12-34-56", "env@kestrel.example"
    )  # fmt: skip
    assert seller.logo == tmp_path / "logo.png"
    assert settings.seller_sources["name"] == f"config file {config}"
    assert settings.seller_sources["email"] == "environment XLBILLING_SELLER_EMAIL"
    assert settings.seller_sources["iban"] == "not set"
    config.write_text('[seller]\naddress = "1 Road; Town"\n', encoding="utf-8")
    assert load_settings({}, config, use_keyring=False).seller.address == ("1 Road", "Town")
    config.write_text("[seller]\nname = 12\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"name under \[seller\]"):
        load_settings({}, config, use_keyring=False)


def test_xlbilling_config_lists_the_seller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    monkeypatch.setenv("XLBILLING_CONFIG", str(config))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    for variable in [v for v in os.environ if v.startswith("XLBILLING_SELLER_")]:
        monkeypatch.delenv(variable)
    shown = CliRunner().invoke(main, ["config"]).output
    assert "[seller] (not set: invoices are written as SAMPLES; set name under [seller])" in shown
    config.write_text('[seller]\nname = "Kestrel IT Partners Ltd"\nsort_code = "12-34-56"\n', encoding="utf-8")
    shown = CliRunner().invoke(main, ["config"]).output
    lines = {line.split()[0]: line for line in shown.splitlines() if line.startswith("seller.")}
    assert "Kestrel IT Partners Ltd" in lines["seller.name"] and f"config file {config}" in lines["seller.name"]
    assert "12-34-56" in lines["seller.sort_code"] and "not set" in lines["seller.iban"]
    assert "[seller]\n" in shown


SANDBOX_PRICES = Path(__file__).parents[1] / "xlbilling" / "_sandbox" / "data" / "prices.csv"


@pytest.mark.usefixtures("sandbox_env")
def test_report_says_the_invoices_are_samples_until_a_seller_is_set(tmp_path: Path) -> None:
    common = ("report", "--period", "2026-10-15", "--prices", str(SANDBOX_PRICES), "--customer", "CUST0001")
    config = Path(os.environ["XLBILLING_CONFIG"])
    result = CliRunner().invoke(main, [*common, "--out", str(tmp_path / "sample")])
    assert result.exit_code == 0, result.output
    (warning,) = [line for line in result.stderr.splitlines() if "SAMPLE" in line]
    assert warning.startswith("1 invoice is a SAMPLE (seller details not set): it shows an example seller")
    assert f"under [seller] in {config}" in warning
    (entry,) = json.loads((tmp_path / "sample" / "manifest.json").read_text(encoding="utf-8"))["invoices"]
    assert entry["sample"] is True and entry["file"].endswith(" (SAMPLE).xlsx")
    config.write_text('[seller]\nname = "Kestrel IT Partners Ltd"\n', encoding="utf-8")
    result = CliRunner().invoke(main, [*common, "--out", str(tmp_path / "real")])
    assert result.exit_code == 0, result.output
    assert "SAMPLE" not in result.output
    (entry,) = json.loads((tmp_path / "real" / "manifest.json").read_text(encoding="utf-8"))["invoices"]
    assert entry["sample"] is False and "SAMPLE" not in entry["file"]
    sheet = openpyxl.load_workbook(tmp_path / "real" / entry["file"])["Invoice"]
    assert (sheet["D1"].value, sheet["A6"].value) == ("Kestrel IT Partners Ltd", "Tax invoice")


@pytest.mark.parametrize(
    ("footer", "said"),
    [("&L{{ seller.nope }}", "the footer of Invoice has an unknown placeholder {{ seller.nope }}"),
     ("&L{{ line.sku }}", "the footer of Invoice has {{ line.* }} placeholders, which repeat rows")],
)  # fmt: skip
def test_a_footer_holds_only_the_whole_invoices_placeholders(tmp_path: Path, footer: str, said: str) -> None:
    book = openpyxl.load_workbook(default_template())
    book["Invoice"].oddFooter.left.text = footer.removeprefix("&L")
    path = tmp_path / "template.xlsx"
    book.save(path)
    with pytest.raises(TemplateError) as raised:
        load_template(path)
    assert said in str(raised.value)


def test_a_footer_fills_its_placeholders_with_an_ampersand_doubled(tmp_path: Path) -> None:
    """A footer's "&" starts a code ("&P": the page): "Smith & Co" is written "Smith && Co", printed as "&"."""
    book = openpyxl.load_workbook(default_template())
    book["Invoice"].oddFooter.left.text = "{{ seller.name }}: {{ invoice.number }}"
    template = tmp_path / "template.xlsx"
    book.save(template)
    manifest = write_invoices(
        invoices(), load_template(template), out_dir=tmp_path / "out", seller=Seller(name="Smith & Co")
    )
    with zipfile.ZipFile(manifest.out_dir / str(manifest.entries[0].file)) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "&amp;LSmith &amp;&amp; Co: ACME001-202610&amp;R" in xml


def test_the_sample_seller_is_named_unlike_any_sandbox_customer() -> None:
    """A SAMPLE invoice's seller never reads like the customer it bills (the sandbox's "Northwind Channel Ltd")."""
    from xlbilling._sandbox.dataset import MSP_NAME, Dataset

    customers = [customer.name for customer in Dataset(seed=1, today=date(2026, 11, 21)).customers]
    assert SAMPLE_SELLER.name == MSP_NAME
    first = str(SAMPLE_SELLER.name).split()[0].lower()
    assert customers and not [name for name in customers if first in name.lower().split()]
