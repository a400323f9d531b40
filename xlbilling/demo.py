"""``xlbilling demo``: the whole job against the built-in sandbox, with no account and no network.

Starts the sandbox on a free loopback port, pulls the latest closed period from both APIs and writes
invoices (where the workbook's Build invoices button writes them), a billing workbook with one Excel table
per data set and an Overview of them all, the reconciliation and the margin over the last twelve closed
periods, then says what it wrote (and the three customers with the lowest margin).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from xlbilling.atria import Atria
from xlbilling.errors import DataError
from xlbilling.files import atomic_path
from xlbilling.http import ApiClient
from xlbilling.invoices import build_invoices
from xlbilling.invoices.build import NOT_WRITTEN
from xlbilling.invoices.pdf import find_soffice
from xlbilling.margin import margin_between
from xlbilling.margin.book import write_margin
from xlbilling.output import money_text
from xlbilling.periods import Period
from xlbilling.reconcile.book import write_reconciliation
from xlbilling.reconcile.mapping import load_mapping
from xlbilling.reconcile.period import reconcile
from xlbilling.reconcile.text import headline
from xlbilling.resources import shipped
from xlbilling.sandbox import start_sandbox
from xlbilling.session import Session
from xlbilling.workbook.built import FOLDER as BUILT_FOLDER
from xlbilling.workbook.built import period_folder
from xlbilling.workbook.control import write_param
from xlbilling.workbook.headless import refresh_file
from xlbilling.workbook.tables import ALL
from xlbilling.xarios import Xarios
from xlbilling.xlsx.book import OpenpyxlBook

Progress = Callable[[str], None]
SANDBOX_DATA = Path(__file__).parent / "sandbox" / "data"
SAMPLES = ((SANDBOX_DATA / "prices.csv", "prices.csv"), (SANDBOX_DATA / "product-map.csv", "product-map.csv"))
REGISTER = SANDBOX_DATA / "customers.csv"


@dataclass
class DemoResult:
    """What the demo wrote and found."""

    period: Period
    workbook: Path
    lines: list[str] = field(default_factory=list)


def run_demo(out_dir: Path, *, today: date | None = None, progress: Progress = print) -> DemoResult:
    """Run the demo into ``out_dir`` and return what it wrote; ``progress`` receives one line per step."""
    with start_sandbox(today=today) as sandbox:
        progress(f"sandbox running at {sandbox.url}")
        session = Session(
            Atria(ApiClient("Atria", sandbox.url, sandbox.token)),
            Xarios(ApiClient("Xarios", sandbox.url, sandbox.token)),
        )
        atria, xarios = session.atria(), session.xarios()  # every step shares one fetch per data set
        period = session.latest_closed()
        progress(f"latest closed period: {period}")
        invoices = _invoices(atria, period, out_dir, progress)  # first: the billing workbook lists them
        workbook = _billing_workbook(session, out_dir, progress)
        result = DemoResult(period, workbook)
        result.lines.append(f"billing workbook: {workbook} (refreshed copy of templates/billing.xlsx)")
        result.lines += invoices
        result.lines += _reconciliation(atria, xarios, period, out_dir, progress)
        result.lines += _margin(atria, xarios, out_dir, progress)
    return result


def _billing_workbook(session: Session, out_dir: Path, progress: Progress) -> Path:
    """A copy of the billing template beside copies of the sandbox's price list and product mapping
    (named on its Control sheet), refreshed headlessly: every table for the latest closed period."""
    workbook = out_dir / "billing.xlsx"
    for source, name in ((shipped("templates", "billing.xlsx"), workbook.name), *SAMPLES):
        with atomic_path(out_dir / name) as temp:
            shutil.copyfile(source, temp)
    book = OpenpyxlBook.open(workbook)
    write_param(book, "prices", SAMPLES[0][1])
    write_param(book, "mapping", SAMPLES[1][1])
    book.save(workbook)
    for refreshed in refresh_file(workbook, [*ALL, "reconciliation", "margin"], session):
        progress(f"  {refreshed.sheet}: table {refreshed.table}, {refreshed.rows} rows")
    return workbook


def _invoices(atria: Atria, period: Period, out_dir: Path, progress: Progress) -> list[str]:
    try:
        find_soffice()
        pdf = True
    except DataError as missing:
        pdf = False
        progress(f"invoices without PDFs: {missing}")
    einvoice = "both" if pdf else "ubl"  # Factur-X is printed by LibreOffice too
    progress("building invoice workbooks" + (" and PDFs" if pdf else "") + f", e-invoices ({einvoice})")
    folder = period_folder(out_dir / BUILT_FOLDER, period)  # where the workbook's Build invoices button writes
    manifest = build_invoices(
        atria, period, out_dir=folder, prices=SANDBOX_DATA / "prices.csv", pdf=pdf, einvoice=einvoice, register=REGISTER
    )
    written = sum(1 for entry in manifest.entries if entry.file)
    ubl = sum(1 for entry in manifest.entries if entry.xml)
    facturx = sum(1 for entry in manifest.entries if entry.facturx)
    lines = [
        f"invoices: {written} workbooks{' and PDFs' if pdf else ''} in {folder} (index: {folder / 'index.xlsx'})",
        f"e-invoices: {ubl} Peppol UBL (.xml){f', {facturx} Factur-X PDFs' if pdf else ''}; the sample register "
        f"{REGISTER.name} leaves a few buyers' details out on purpose, so theirs fail and say what to fill",
    ]
    for entry in manifest.einvoices_failed:  # the line above names the register: each says what to fill in it
        why = str(entry.einvoice_error).removeprefix(NOT_WRITTEN).replace(str(REGISTER), REGISTER.name)
        lines.append(f"  no e-invoice for {entry.bill_to_name} ({entry.account_code}): {why}")
    return lines


def _reconciliation(atria: Atria, xarios: Xarios, period: Period, out_dir: Path, progress: Progress) -> list[str]:
    progress("reconciling what Xarios charged against what Atria billed")
    found = reconcile(
        atria, xarios, period, mapping=SANDBOX_DATA / "product-map.csv", prices=SANDBOX_DATA / "prices.csv"
    )
    path = write_reconciliation(found, out_dir / f"reconciliation-{period}.xlsx")
    return [f"reconciliation: {path}", *(f"  {line}" for line in headline(found))]


LOWEST_SHOWN = 3


def _margin(atria: Atria, xarios: Xarios, out_dir: Path, progress: Progress) -> list[str]:
    progress("adding up the margin over the last twelve closed periods")
    found = margin_between(
        atria, xarios, None, None, mapping=load_mapping(SAMPLES[1][0]), prices=SANDBOX_DATA / "prices.csv"
    )
    path = write_margin(found, out_dir / "margin.xlsx")
    lowest = found.lowest(LOWEST_SHOWN)
    rows = zip(lowest["customer_name"], lowest["margin_pct"], lowest["revenue"], strict=True)
    return [f"margin: {path}", f"  the {LOWEST_SHOWN} customers with the lowest margin:"] + [
        f"    {name}: {Decimal(share):.1%} of {money_text(Decimal(revenue))} revenue" for name, share, revenue in rows
    ]
