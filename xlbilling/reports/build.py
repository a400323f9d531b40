"""``build_invoices``: one invoice workbook per Bill To customer of a period, plus manifest and index."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

import pandas as pd

from xlbilling.dates import PERIOD_HELP, parse_period
from xlbilling.errors import DataError, InputError, XlbillingError
from xlbilling.files import write_atomically
from xlbilling.prices import Price, load_prices
from xlbilling.reports import pdf as pdf_export
from xlbilling.reports.invoices import PRORATIONS, Invoices, Period
from xlbilling.reports.manifest import Entry, Manifest, write_manifest
from xlbilling.reports.model import FailedInvoice, Invoice
from xlbilling.reports.names import inside, invoice_stems
from xlbilling.reports.render import render
from xlbilling.reports.template import Template, load_template
from xlbilling.resources import shipped

Progress = Callable[[int, int], None]


def default_template() -> Path:
    """The invoice template shipped with xlbilling (``templates/invoice.xlsx``)."""
    return shipped("templates", "invoice.xlsx")


def build_invoices(
    atria: Any,
    period: Any,
    *,
    out_dir: str | Path,
    prices: str | Path | dict[str, Price],
    customers: Iterable[str] | None = None,
    template: str | Path | None = None,
    proration: str = "none",
    pdf: bool = False,
    workers: int = 1,
    progress: Progress | None = None,
) -> Manifest:
    """Write the invoice workbooks of ``period`` (its end date) into ``out_dir`` and return the manifest.

    ``atria`` is an ``xlbilling.atria.Atria`` client; ``prices`` a price-list path or ``load_prices``'s
    result; ``customers`` Bill To customer or account codes (default: all); ``template`` an .xlsx
    template (default: the shipped one); ``proration`` "none" or "daily"; ``pdf`` also prints each invoice
    to PDF through LibreOffice; ``workers`` processes; ``progress(done, total)`` is called per invoice.
    The template, price list, options and LibreOffice are checked before anything is written. Invoices
    that cannot be made (a SKU without a price) are listed in the manifest with status "failed"; the
    others are still written.
    """
    if proration not in PRORATIONS:
        raise InputError(f"Unknown proration {proration!r}.", "Use none or daily.")
    if workers < 1:
        raise InputError(f"--workers must be 1 or more, not {workers}.")
    price_list = prices if isinstance(prices, dict) else load_prices(prices)
    parsed = load_template(template if template is not None else default_template())
    soffice = pdf_export.find_soffice() if pdf else None
    info = _period(atria, parse_period(period))
    lines = atria.invoice_lines(info.end)
    analysis = atria.analysis(info.end)
    summary = atria.summary(info.end, billable_only=True)
    codes = None if customers is None else _bill_to_codes(lines, list(customers))
    invoices = Invoices(info, lines, analysis, summary, price_list, proration=proration, bill_to_codes=codes)
    return write_invoices(invoices, parsed, out_dir=out_dir, soffice=soffice, workers=workers, progress=progress)


def write_invoices(
    invoices: Invoices,
    template: Template,
    *,
    out_dir: str | Path,
    soffice: str | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> Manifest:
    """Fill ``template`` once per invoice into ``out_dir`` (``workers`` processes), print PDFs when
    ``soffice`` is given, write ``manifest.json`` and ``index.xlsx``, and return the manifest."""
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"Cannot create {folder}: {error.strerror}.", "Choose a folder you can write to.") from None
    for leftover in folder.glob(".*.xlsx.*.part"):  # temporary files of a run that was killed
        leftover.unlink(missing_ok=True)
    stems = invoice_stems([(b.name, b.account_code) for b in map(invoices.bill_to, invoices.codes)])
    jobs = [(code, inside(folder, stem + ".xlsx")) for code, stem in zip(invoices.codes, stems, strict=True)]
    manifest = Manifest(invoices.period.start, invoices.period.end, invoices.proration, folder)
    manifest.entries = _make_all(invoices, template, jobs, workers, progress)
    written = [entry for entry in manifest.entries if entry.status == "ok"]
    if soffice and written:
        pdfs = pdf_export.convert(soffice, [folder / str(entry.file) for entry in written])
        for entry, pdf in zip(written, pdfs, strict=True):
            entry.pdf = pdf.name
    write_manifest(manifest)
    return manifest


def _make_all(
    invoices: Invoices, template: Template, jobs: list[tuple[str, Path]], workers: int, progress: Progress | None
) -> list[Entry]:
    """Make and write every invoice, here or in ``workers`` processes that each get the inputs once and
    then only a Bill To code per invoice; a few invoices are in flight at a time, so memory stays flat."""
    entries: list[Entry] = []
    if workers == 1:
        for code, path in jobs:
            entries.append(_make(invoices, template, code, path))
            if progress is not None:
                progress(len(entries), len(jobs))
        return entries
    results: dict[int, Entry] = {}
    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(invoices, template)) as pool:
        pending: dict[Future[Entry], int] = {}
        for number, (code, path) in enumerate(jobs):
            pending[pool.submit(_make_in_worker, code, path)] = number
            while len(pending) >= workers * 4 or (number == len(jobs) - 1 and pending):
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    results[pending.pop(future)] = future.result()
                if progress is not None:
                    progress(len(results), len(jobs))
    return [results[number] for number in range(len(jobs))]


def _make(invoices: Invoices, template: Template, code: str, path: Path) -> Entry:
    """Make one invoice and write its workbook; a failed invoice removes an older run's files instead."""
    invoice = invoices.make(code)
    entry = _entry(invoice, path)
    if isinstance(invoice, FailedInvoice):
        for stale in (path, path.with_suffix(".pdf")):
            stale.unlink(missing_ok=True)
        return entry
    try:
        write_atomically(path, render(template, invoice))
    except (XlbillingError, OSError) as error:
        entry.status, entry.error, entry.file = "failed", str(error), None
    return entry


_WORKER: tuple[Invoices, Template] | None = None


def _start_worker(invoices: Invoices, template: Template) -> None:
    global _WORKER
    _WORKER = (invoices, template)


def _make_in_worker(code: str, path: Path) -> Entry:
    assert _WORKER is not None
    return _make(*_WORKER, code, path)


def _entry(invoice: Invoice | FailedInvoice, path: Path) -> Entry:
    bill_to = invoice.bill_to
    common: dict[str, Any] = {"bill_to_code": bill_to.code, "bill_to_name": bill_to.name,
                              "account_code": bill_to.account_code, "line_count": invoice.line_count,
                              "currency": invoice.currency, "pdf": None}  # fmt: skip
    if isinstance(invoice, FailedInvoice):
        return Entry(**common, invoice_number="", customers=list(invoice.customers), subtotal=None, tax=None,
                     total=None, file=None, status="failed", error=invoice.error)  # fmt: skip
    return Entry(**common, invoice_number=invoice.number, customers=[g.customer_name for g in invoice.groups],
                 subtotal=invoice.subtotal, tax=invoice.tax, total=invoice.total, file=path.name, status="ok",
                 error=None)  # fmt: skip


def _period(atria: Any, end: Any) -> Period:
    periods = atria.periods()
    match = periods[periods["period_end"].dt.date == end]
    if match.empty:
        raise InputError(f"{end} is not the end date of a billing period.", PERIOD_HELP)
    row = match.iloc[0]
    return Period(row["period_start"].date(), end, str(row["name"]))


def _bill_to_codes(lines: pd.DataFrame, customers: list[str]) -> set[str]:
    """The Bill To codes named by ``customers`` (customer or account codes, any case)."""
    payer = lines["bill_to_code"].astype("string").fillna(lines["customer_code"])
    account = lines["bill_to_account_code"].astype("string").fillna(lines["customer_account_code"])
    known = {str(key).casefold(): str(code) for code, acc in zip(payer, account, strict=True) for key in (code, acc)}
    chosen, unknown = set(), []
    for name in customers:
        code = known.get(name.strip().casefold())
        if code is None:
            unknown.append(name)
        else:
            chosen.add(code)
    if unknown:
        raise InputError(
            f"No invoice to make for {', '.join(unknown)}: not a Bill To customer with billable lines this period.",
            "Give the code of the customer who pays (a channel partner bills its customers); "
            "`xlbilling customers` lists the codes.",
        )
    return chosen
