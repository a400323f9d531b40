"""``xlbilling demo``: the whole job against the built-in sandbox, with no account and no network.

Starts the sandbox on a free loopback port, pulls the latest closed period from both APIs and writes
invoices (where the workbook's Build invoices button writes them), a billing workbook with one Excel table
per data set and an Overview of them all, the reconciliation and the margin over the last twelve closed
periods, then says what it wrote (and the three customers with the lowest margin).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from xlbilling._apis.atria import Atria
from xlbilling._apis.xarios import Xarios
from xlbilling._config.shipped import shipped
from xlbilling._errors import DataError
from xlbilling._files import atomic_path
from xlbilling._inputs.mapping import load_mapping
from xlbilling._inputs.prices import load_prices
from xlbilling._inputs.register import load_register
from xlbilling._invoices.build import NOT_WRITTEN
from xlbilling._invoices.pdf import find_soffice
from xlbilling._jobs import margin, reconcile, refresh, report
from xlbilling._margin.book import write_margin
from xlbilling._output.write import money_text
from xlbilling._reconcile.book import write_reconciliation
from xlbilling._reconcile.text import headline
from xlbilling._sandbox import start_sandbox
from xlbilling._session.session import Session
from xlbilling._session.stored import Store
from xlbilling._values.period import Period
from xlbilling._workbook.built import FOLDER as BUILT_FOLDER
from xlbilling._workbook.built import period_folder
from xlbilling._workbook.control import write_param
from xlbilling._workbook.names import ALL
from xlbilling._xlsx.book import OpenpyxlBook

Say = Callable[[str], None]
"""Where the demo says what it does, a line at a time (the terminal)."""
SANDBOX_DATA = Path(__file__).parent / "_sandbox" / "data"
SAMPLES = ((SANDBOX_DATA / "prices.csv", "prices.csv"), (SANDBOX_DATA / "product-map.csv", "product-map.csv"))
REGISTER = SANDBOX_DATA / "customers.csv"


@dataclass
class DemoResult:
    """What the demo wrote and found."""

    period: Period
    workbook: Path
    lines: list[str] = field(default_factory=list)


def run_demo(out_dir: Path, *, today: date | None = None, say: Say = print) -> DemoResult:
    """Run the demo into ``out_dir`` and return what it wrote; ``say`` receives one line per step."""
    with start_sandbox(today=today) as sandbox, tempfile.TemporaryDirectory(prefix="xlbilling-demo-") as kept:
        say(f"sandbox running at {sandbox.url}")
        # one session: every step shares one fetch per data set; this sandbox's closed periods are kept only
        # while it runs (no later run can reach it)
        clients = Atria.connect(sandbox.url, sandbox.token), Xarios.connect(sandbox.url, sandbox.token)
        session = Session(*clients, store=Store(Path(kept)))
        period = session.latest_closed()
        say(f"latest closed period: {period}")
        invoices = _invoices(session, period, out_dir, say)  # first: the billing workbook lists them
        workbook = _billing_workbook(session, out_dir, say)
        result = DemoResult(period, workbook)
        result.lines.append(f"billing workbook: {workbook} (refreshed copy of templates/billing.xlsx)")
        result.lines += invoices
        result.lines += _reconciliation(session, period, out_dir, say)
        result.lines += _margin(session, out_dir, say)
    return result


def _billing_workbook(session: Session, out_dir: Path, say: Say) -> Path:
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
    for refreshed in refresh(workbook, only=[*ALL, "reconciliation", "margin"], session=session):
        say(f"  {refreshed.sheet}: table {refreshed.table}, {refreshed.rows} rows")
    workbook.with_name(workbook.name + ".bak").unlink()  # the refresh's copy of the blank template: nothing to keep
    return workbook


def _invoices(session: Session, period: Period, out_dir: Path, say: Say) -> list[str]:
    try:
        find_soffice()
        pdf = True
    except DataError as missing:
        pdf = False
        say(f"invoices without PDFs: {missing}")
    einvoice = "both" if pdf else "ubl"  # Factur-X is printed by LibreOffice too
    say("building invoice workbooks" + (" and PDFs" if pdf else "") + f", e-invoices ({einvoice})")
    folder = period_folder(out_dir / BUILT_FOLDER, period)  # where the workbook's Build invoices button writes
    prices, buyers = load_prices(SAMPLES[0][0]), load_register(REGISTER)
    manifest = report(session, period, prices=prices, out_dir=folder, pdf=pdf, einvoice=einvoice, register=buyers)
    written = sum(1 for entry in manifest.entries if entry.file)
    ubl = sum(1 for entry in manifest.entries if entry.xml)
    facturx = sum(1 for entry in manifest.entries if entry.facturx)
    lines = [
        f"invoices: {written} workbooks{' and PDFs' if pdf else ''} in {folder} (index: {folder / 'index.xlsx'})",
        f"e-invoices: {ubl} Peppol UBL (.xml){f', {facturx} Factur-X PDFs' if pdf else ''}; the sample register "
        f"{REGISTER.name} leaves a few buyers' details out on purpose, so theirs are not written; the accounts "
        "and what to fill for them:",
    ]
    lacking: dict[str, list[str]] = {}  # what is missing (the register and account said apart) -> the accounts
    for entry in manifest.einvoices_failed:
        why = (
            str(entry.einvoice_error)
            .removeprefix(NOT_WRITTEN)
            .replace(f" of {REGISTER} for account {entry.account_code}", "")
        )
        lacking.setdefault(why, []).append(entry.account_code)
    return lines + [f"  {', '.join(accounts)}: {why}" for why, accounts in lacking.items()]


def _reconciliation(session: Session, period: Period, out_dir: Path, say: Say) -> list[str]:
    say("reconciling what Xarios charged against what Atria billed")
    found = reconcile(session, period, mapping=load_mapping(SAMPLES[1][0]), prices=load_prices(SAMPLES[0][0]))
    path = write_reconciliation(found, out_dir / f"reconciliation-{period}.xlsx")
    return [f"reconciliation: {path}", *(f"  {line}" for line in headline(found))]


LOWEST_SHOWN = 3


def _margin(session: Session, out_dir: Path, say: Say) -> list[str]:
    say("adding up the margin over the last twelve closed periods")
    found = margin(session, mapping=load_mapping(SAMPLES[1][0]), prices=load_prices(SAMPLES[0][0]))
    path = write_margin(found, out_dir / "margin.xlsx")
    lowest = found.lowest(LOWEST_SHOWN)
    rows = zip(lowest["customer_name"], lowest["margin_pct"], lowest["revenue"], strict=True)
    return [f"margin: {path}", f"  the {LOWEST_SHOWN} customers with the lowest margin:"] + [
        f"    {name}: {Decimal(share):.1%} of {money_text(Decimal(revenue))} revenue" for name, share, revenue in rows
    ]
