"""The Built invoices sheet: what Build invoices (or ``xlbilling report``) wrote for the Control sheet's period,
read back from that run's ``manifest.json``, one row per invoice with a status per output.

Build invoices writes into the Control sheet's invoices folder (default: ``invoices`` next to the workbook), one
folder per period end; a refresh of this table reads ``<folder>/<period end>/manifest.json``. The Overview's
invoice figures add up this table.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from xlbilling._errors import InputError
from xlbilling._invoices.build import NOT_WRITTEN
from xlbilling._invoices.manifest import Entry, Manifest, read_manifest
from xlbilling._values.period import Period

SHEET = "Built invoices"
TABLE = "BuiltInvoices"
COLUMNS = ("period_end", "invoice_number", "bill_to_name", "account_code", "net", "vat", "gross", "currency",
           "workbook", "pdf", "e_invoice", "problem")  # fmt: skip
_FOLDERS = re.compile(r"(?<![^\s(])(?:[A-Za-z]:[\\/]|/|\.{1,2}[\\/])(?:[^\s\\/]+[\\/])*(?=[^\s\\/])")
"""The folders of a file's path in a message (``/home/me/customers.csv`` -> ``customers.csv``)."""
FOLDER = "invoices"
"""The invoices folder next to the workbook when the Control sheet names none."""


def period_folder(folder: Path | None, period: Period) -> Path:
    """Where Build invoices writes ``period``'s invoices: ``folder/<period end>``; ``InputError`` when the
    workbook has no folder yet (never saved) and the Control sheet names none."""
    if folder is None:
        raise InputError("This workbook has not been saved yet.", "Save it first: invoices go next to it.")
    return folder / period.end.isoformat()


def manifest_folder(folder: Path | None, period: Period) -> Path:
    """The folder whose ``manifest.json`` lists ``period``'s invoices: ``folder/<period end>`` as Build invoices
    writes it, or ``folder`` itself when it holds that period's run (``xlbilling close`` writes its invoices so)."""
    return _found(folder, period)[0]


def built_rows(folder: Path | None, period: Period) -> pd.DataFrame:
    """The invoices written for ``period`` into ``folder`` (from its manifest), one row each; no rows when none
    were built there yet."""
    manifest = _found(folder, period)[1]
    return frame(manifest) if manifest is not None else empty()


def _found(folder: Path | None, period: Period) -> tuple[Path, Manifest | None]:
    """Where ``period``'s manifest is (see ``manifest_folder``) and what it says, read once; ``None`` when no
    run of that period was written there yet."""
    dated = period_folder(folder, period)
    for place in (dated, dated.parent):
        manifest = read_manifest(place)
        if manifest is not None and manifest.period_end == period.end:
            return place, manifest
    return dated, None


def frame(manifest: Manifest) -> pd.DataFrame:
    """The manifest's invoices as the Built invoices table holds them (money as exact decimals)."""
    rows = [
        (pd.Timestamp(manifest.period_end), entry.invoice_number, entry.bill_to_name, entry.account_code,
         entry.subtotal, entry.tax, entry.total, entry.currency, *entry.outputs(), _problem(entry))
        for entry in manifest.entries
    ]  # fmt: skip
    built = pd.DataFrame(rows, columns=list(COLUMNS)).astype(object)
    built["period_end"] = pd.to_datetime(built["period_end"])
    return built


def _problem(entry: Entry) -> str | None:
    """What went wrong, short enough to read in a cell: the e-invoice column already says it failed, and a file
    is named without its folders (``manifest.json`` keeps the whole text)."""
    text = " ".join(part.removeprefix(NOT_WRITTEN) for part in (entry.error, entry.einvoice_error) if part)
    return _FOLDERS.sub("", text) or None


def empty() -> pd.DataFrame:
    """The table with no invoices."""
    return pd.DataFrame({column: pd.Series(dtype=object) for column in COLUMNS})
