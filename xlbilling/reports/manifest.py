"""The list of a run's invoices: ``manifest.json`` for programs and ``index.xlsx`` for people."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from xlbilling.cells import clean_text
from xlbilling.files import atomic_path, write_atomically

COLUMNS = ("bill_to_code", "bill_to_name", "account_code", "invoice_number", "customers", "line_count",
           "subtotal", "tax", "total", "currency", "file", "pdf", "status", "error")  # fmt: skip
_MONEY = ("subtotal", "tax", "total")


@dataclass
class Entry:
    """One Bill To customer's invoice: ``status`` is "ok" (``file`` written) or "failed" (see ``error``)."""

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
        """The entries whose invoice was not written."""
        return [entry for entry in self.entries if entry.status != "ok"]

    @property
    def path(self) -> Path:
        """Where ``manifest.json`` is."""
        return self.out_dir / "manifest.json"

    def to_json(self) -> dict[str, Any]:
        """The manifest as JSON-ready data: money as exact strings such as ``"123.40"``."""
        entries = [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(e).items()} for e in self.entries]
        return {"period_start": self.period_start.isoformat(), "period_end": self.period_end.isoformat(),
                "basis": self.basis, "invoices": entries}  # fmt: skip


def write_manifest(manifest: Manifest) -> None:
    """Write ``manifest.json`` and ``index.xlsx`` into the manifest's folder (each atomically)."""
    text = json.dumps(manifest.to_json(), indent=2, ensure_ascii=False) + "\n"
    write_atomically(manifest.path, text.encode())
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Invoices"
    sheet.append([name.replace("_", " ").capitalize() for name in COLUMNS])
    for entry in manifest.entries:
        values = asdict(entry)
        values["customers"] = ", ".join(entry.customers)
        sheet.append([_cell(values[name]) for name in COLUMNS])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # API text stays text, even "=..."
            elif COLUMNS[cell.column - 1] in _MONEY:
                cell.number_format = "#,##0.00"
    for index, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 40 if name in ("bill_to_name", "customers",
                                                                                "file", "error") else 14  # fmt: skip
    if manifest.entries:
        table = Table(displayName="Invoices", ref=f"A1:{get_column_letter(len(COLUMNS))}{len(manifest.entries) + 1}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        sheet.add_table(table)
    sheet.freeze_panes = "A2"
    with atomic_path(manifest.out_dir / "index.xlsx") as temp:
        book.save(temp)


def _cell(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value
