"""The list of a run's invoices: ``manifest.json`` for programs and ``index.xlsx`` for people.

Each invoice has a status per output: its workbook, its PDF and its e-invoice. A missing e-invoice (a buyer
detail the register lacks) does not fail the invoice: its workbook and PDF were written and can be sent.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlbilling._files import atomic_path
from xlbilling._xlsx.listing import write_listing

#: index.xlsx's columns: header, width (characters), whether long text wraps, number format.
INDEX_COLUMNS = (
    ("Invoice number", 15, False, None), ("Bill To", 24, True, None), ("Account", 9, False, None),
    ("Lines", 6, False, "0"), ("Net", 10, False, "#,##0.00"), ("VAT", 9, False, "#,##0.00"),
    ("Gross", 10, False, "#,##0.00"), ("Currency", 9, False, None), ("Workbook", 13, False, None),
    ("PDF", 8, False, None), ("E-invoice", 14, False, None), ("Problem", 36, True, None),
)  # fmt: skip
"""Each invoice's consuming customers and files are in manifest.json; so the index prints one page wide."""


@dataclass
class Entry:
    """One Bill To customer's invoice: ``status`` is "ok" (``file`` written, and its PDF when asked), "draft"
    (written for a period that is still open) or "failed" (see ``error``: ``file`` is kept when only its PDF
    failed). ``einvoice`` is "ok", "failed" (see ``einvoice_error``; the invoice itself is not failed) or None
    when none was asked. ``sample`` is true when no seller is configured: the invoice shows the sample seller
    and is marked SAMPLE, not to send."""

    bill_to_code: str
    bill_to_name: str
    account_code: str
    invoice_number: str
    customers: list[str]
    line_count: int
    subtotal: Decimal | None
    tax: Decimal | None
    total: Decimal | None
    currency: str
    file: str | None
    pdf: str | None
    status: str
    error: str | None
    sha256: str | None = None
    """The SHA-256 of the workbook ``file``; ``pdf`` is only ever a print of the workbook with this hash."""
    sample: bool = False
    xml: str | None = None
    """The UBL e-invoice (Peppol BIS Billing 3.0) beside ``file``, when one was asked for and written."""
    facturx: bool = False
    """Whether ``pdf`` is a Factur-X PDF/A-3 carrying the invoice's EN 16931 CII XML."""
    einvoice: str | None = None
    einvoice_error: str | None = None

    def outputs(self) -> tuple[str, str, str]:
        """What became of the workbook, the PDF and the e-invoice, in a word each, as ``index.xlsx`` and the
        billing workbook show them: the workbook "written" (or "DRAFT", "SAMPLE", "SAMPLE DRAFT": written, not to
        send) or "failed"; the PDF "written", "failed" or "" (not asked); the e-invoice "UBL", "Factur-X",
        "UBL + Factur-X", "failed" or "" (not asked)."""
        marks = " ".join(["SAMPLE"] * self.sample + ["DRAFT"] * (self.status == "draft"))
        workbook = (marks or "written") if self.file else "failed"
        pdf = "written" if self.pdf else "failed" if self.file and self.status == "failed" else ""
        kinds = " + ".join(["UBL"] * bool(self.xml) + ["Factur-X"] * self.facturx)
        einvoice = "failed" if self.einvoice == "failed" else kinds if self.einvoice else ""
        return workbook, pdf, einvoice

    @property
    def problem(self) -> str:
        """What went wrong with any of its outputs, and what to do ("" when nothing did)."""
        return " ".join(text for text in (self.error, self.einvoice_error) if text)


@dataclass
class Manifest:
    """What a run wrote into ``out_dir``; ``failed`` lists the invoices that could not be made or printed,
    ``einvoices_failed`` those written without their e-invoice."""

    period_start: date
    period_end: date
    basis: str
    out_dir: Path
    entries: list[Entry] = field(default_factory=list)

    @property
    def failed(self) -> list[Entry]:
        """The entries whose invoice, or its PDF, was not written."""
        return [entry for entry in self.entries if entry.status == "failed"]

    @property
    def einvoices_failed(self) -> list[Entry]:
        """The entries whose e-invoice was asked for and not written (each says which business terms to fill)."""
        return [entry for entry in self.entries if entry.einvoice == "failed"]

    @property
    def path(self) -> Path:
        """Where ``manifest.json`` is."""
        return self.out_dir / "manifest.json"

    @property
    def index_path(self) -> Path:
        """Where ``index.xlsx`` is."""
        return self.out_dir / "index.xlsx"

    def to_json(self) -> dict[str, Any]:
        """The manifest as JSON-ready data: money as exact strings such as ``"123.40"``."""
        return {**self._header(), "invoices": [_entry_json(entry) for entry in self.entries]}

    def _header(self) -> dict[str, Any]:
        return {"period_start": self.period_start.isoformat(), "period_end": self.period_end.isoformat(),
                "basis": self.basis}  # fmt: skip


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {key: (str(value) if isinstance(value, Decimal) else value) for key, value in asdict(entry).items()}


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest ``manifest.json`` in ``folder`` says (None when there is none or it cannot be read as one)."""
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        manifest = Manifest(date.fromisoformat(data["period_start"]), date.fromisoformat(data["period_end"]),
                            str(data["basis"]), folder)  # fmt: skip
        names = set(Entry.__dataclass_fields__)
        for listed in data["invoices"]:
            values = {key: value for key, value in listed.items() if key in names}
            for key in ("subtotal", "tax", "total"):
                values[key] = None if values.get(key) is None else Decimal(str(values[key]))
            manifest.entries.append(Entry(**values))
    except (OSError, ValueError, KeyError, TypeError, ArithmeticError):
        return None
    return manifest


def printed_from(folder: Path) -> dict[str, str]:
    """Workbook file name -> the SHA-256 of the workbook its PDF was printed from, as the manifest in
    ``folder`` records it (empty when there is none or it cannot be read)."""
    try:
        listed = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["invoices"]
        return {e["file"]: e["sha256"] for e in listed if e.get("file") and e.get("pdf") and e.get("sha256")}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def write_manifest(manifest: Manifest) -> None:
    """Write ``manifest.json`` and ``index.xlsx`` into the manifest's folder (each atomically)."""
    with atomic_path(manifest.path) as temp, temp.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(manifest._header(), indent=2, ensure_ascii=False)[:-2] + ',\n  "invoices": [')
        for number, entry in enumerate(manifest.entries):  # one entry at a time: memory stays flat
            text = json.dumps(_entry_json(entry), indent=2, ensure_ascii=False).replace("\n", "\n    ")
            handle.write(("," if number else "") + "\n    " + text)
        handle.write("\n  ]\n}\n")
    end = manifest.period_end.isoformat()
    write_listing(
        manifest.index_path, "Invoices", "Invoices", [header for header, *_ in INDEX_COLUMNS],
        (index_row(entry) for entry in manifest.entries),
        widths=[width for _, width, _, _ in INDEX_COLUMNS],
        number_formats={n: fmt for n, (*_, fmt) in enumerate(INDEX_COLUMNS) if fmt},
        wrapped={n for n, (_, _, wrap, _) in enumerate(INDEX_COLUMNS) if wrap},
        stamp=f"{end}T00:00:00Z",  # not the clock: identical runs give identical bytes
        footer=f"Invoices for the period ending {end} (manifest.json lists every file and its SHA-256)",
    )  # fmt: skip


def index_row(entry: Entry) -> list[Any]:
    """One invoice as ``index.xlsx`` lists it (the columns of ``INDEX_COLUMNS``)."""
    return [entry.invoice_number, entry.bill_to_name, entry.account_code, entry.line_count, entry.subtotal,
            entry.tax, entry.total, entry.currency, *entry.outputs(), entry.problem]  # fmt: skip
