"""The list of a run's invoices: ``manifest.json`` for programs and ``index.xlsx`` for people."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlbilling._files import atomic_path
from xlbilling._xlsx.listing import write_listing

COLUMNS = ("bill_to_code", "bill_to_name", "account_code", "invoice_number", "customers", "line_count",
           "subtotal", "tax", "total", "currency", "file", "pdf", "status", "error", "sha256", "sample",
           "xml", "facturx")  # fmt: skip
_MONEY = ("subtotal", "tax", "total")
_WIDE = ("bill_to_name", "customers", "file", "error")


@dataclass
class Entry:
    """One Bill To customer's invoice: ``status`` is "ok" (``file`` written), "draft" (written for a period
    that is still open) or "failed" (see ``error``; ``file`` is kept when only its PDF failed). ``sample`` is
    true when no seller is configured: the invoice shows the sample seller and is marked SAMPLE, not to send."""

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


@dataclass
class Manifest:
    """What a run wrote into ``out_dir``; ``failed`` lists the invoices that could not be made."""

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
    headers = [name.replace("_", " ").capitalize() for name in COLUMNS]
    write_listing(
        manifest.index_path, "Invoices", "Invoices", headers, (_index_row(entry) for entry in manifest.entries),
        widths=[40 if name in _WIDE else 14 for name in COLUMNS],
        number_formats={COLUMNS.index(name): "#,##0.00" for name in _MONEY},
        stamp=f"{manifest.period_end.isoformat()}T00:00:00Z",  # not the clock: identical runs give identical bytes
    )  # fmt: skip


def _index_row(entry: Entry) -> list[Any]:
    values = asdict(entry)
    values["customers"] = ", ".join(entry.customers)
    return [values[name] for name in COLUMNS]
