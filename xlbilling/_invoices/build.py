"""``build_invoices``: one invoice workbook per Bill To customer of a period, plus manifest and index."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from xlbilling._apis.atria import AtriaReads
from xlbilling._config.seller import SAMPLE_SELLER, Seller
from xlbilling._config.shipped import shipped
from xlbilling._errors import (
    DataError,
    EInvoiceError,
    InputError,
    MissingPriceError,
    MissingRegister,
    MissingTaxRateError,
    OpenPeriodError,
    XlbillingError,
)
from xlbilling._files import remove, replacing, write_atomically
from xlbilling._inputs.prices import Price, with_tax_rate
from xlbilling._invoice import FailedInvoice, Invoice
from xlbilling._invoices import pdf as pdf_export
from xlbilling._invoices.logo import with_seller_logo
from xlbilling._invoices.manifest import Entry, Manifest, printed_from, write_manifest
from xlbilling._invoices.names import inside, invoice_stems
from xlbilling._invoices.payers import not_billed_to
from xlbilling._invoices.pricing import PRORATIONS, Invoices
from xlbilling._invoices.render import render
from xlbilling._invoices.template import Template, load_template
from xlbilling._progress import Progress, Step
from xlbilling._values.period import Period

if TYPE_CHECKING:  # lxml and factur-x come with the e-invoice writers, imported only when they are asked for
    from xlbilling._einvoice.write import Wanted
    from xlbilling._inputs.register import Register

NOT_WRITTEN = "E-invoice not written (the workbook was): "
"""How a failed e-invoice's manifest ``einvoice_error`` starts; the business terms to fill follow."""
Job = tuple[str, Path, str | None]
"""One invoice to make: its Bill To code, its workbook's path, and the hash its earlier PDF was printed from."""
Made = tuple[Entry, bytes | None]
"""An invoice's manifest entry, and the CII XML its Factur-X PDF is to carry (None: no Factur-X)."""


def default_template() -> Path:
    """The invoice template shipped with xlbilling (``templates/invoice.xlsx``)."""
    return shipped("templates", "invoice.xlsx")


def build_invoices(
    atria: AtriaReads,
    period: Period,
    *,
    out_dir: str | Path,
    prices: dict[str, Price],
    customers: Iterable[str] | None = None,
    template: str | Path | None = None,
    proration: str = "none",
    tax_rate: Decimal | None = None,
    allow_open: bool = False,
    pdf: bool = False,
    workers: int = 1,
    progress: Progress | None = None,
    seller: Seller | None = None,
    einvoice: str | None = None,
    register: Register | None = None,
) -> Manifest:
    """Write the invoice workbooks of ``period`` into ``out_dir`` and return the manifest.

    ``prices`` are the prices in force (``PriceList.at``) by SKU; ``customers`` Bill To customer codes
    (default: all); ``template`` an .xlsx template (default: the shipped one); ``proration`` "none" or
    "daily"; ``tax_rate`` the rate (0.20; 0 for exempt) of SKUs whose price row has none; ``allow_open``
    writes a period that is not closed yet, as DRAFT invoices (status "draft", number ``CODE-YYYYMM-DRAFT``,
    file ``Name - CODE (DRAFT).xlsx``); ``pdf`` also prints each invoice to PDF through LibreOffice;
    ``workers`` processes (and LibreOffice processes); ``progress`` hears of each invoice ("Invoices", done of
    total), then of each chunk of PDFs ("PDFs") and Factur-X files. ``seller`` (the ``[seller]`` settings)
    fills the ``{{ seller.* }}`` placeholders; without a configured one (no name) the invoices are SAMPLES:
    the sample seller's details, the title "SAMPLE - seller details not set", files ``Name - CODE
    (SAMPLE).xlsx`` and ``"sample": true`` in the manifest.
    The template, price list, options and LibreOffice are checked before anything is written:
    ``MissingTaxRateError`` listing the SKUs billed this period whose price row has no tax rate when
    ``tax_rate`` is not given. Invoices that cannot be made (a SKU without a price) or
    printed are listed in the manifest with status "failed"; the others are still written, and a failed
    one's file from an earlier run is left as it was.

    ``einvoice`` ("ubl", "facturx" or "both") also writes each invoice's e-invoice beside its workbook: the
    Peppol BIS Billing 3.0 UBL ``name.xml``, and/or the Factur-X PDF/A-3 ``name.pdf`` in place of the plain
    PDF; the buyers' details come from ``register`` (``load_register``), which
    it needs (``MissingRegister``). An invoice whose e-invoice lacks a mandatory business term is still
    written (status "ok"), with ``einvoice`` "failed" and an ``einvoice_error`` naming the term and where to
    fill it.
    """
    if proration not in PRORATIONS:
        raise InputError(f"Unknown proration {proration!r}.", "Use none or daily.")
    if workers < 1:
        raise InputError(f"The number of workers must be 1 or more, not {workers}.")
    price_list = with_tax_rate(prices, tax_rate)
    parsed = load_template(template if template is not None else default_template())
    wants = _wanted(einvoice, register)
    soffice = pdf_export.find_soffice() if pdf or (wants and wants.facturx) else None
    _check_period(period, allow_open)
    lines = atria.invoice_lines(period)
    analysis = atria.analysis(period)
    summary = atria.summary(period, billable_only=True)
    codes = None if customers is None else _bill_to_codes(lines, list(customers))
    invoices = Invoices(period, lines, analysis, summary, price_list, proration=proration, bill_to_codes=codes)
    _check_prices(invoices)
    return write_invoices(
        invoices, parsed, out_dir=out_dir, soffice=soffice, workers=workers, progress=progress, seller=seller,
        einvoice=wants,
    )  # fmt: skip


def _wanted(einvoice: str | None, register: Register | None) -> Wanted | None:
    """What e-invoices to write, with their buyers; None for none."""
    if einvoice is None:
        return None
    from xlbilling._einvoice.write import wanted

    if register is None:
        raise MissingRegister()
    return wanted(einvoice, register)


def write_invoices(
    invoices: Invoices,
    template: Template,
    *,
    out_dir: str | Path,
    soffice: str | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    seller: Seller | None = None,
    einvoice: Wanted | None = None,
) -> Manifest:
    """Fill ``template`` once per invoice into ``out_dir`` (``workers`` processes), print PDFs when
    ``soffice`` is given (``workers`` LibreOffice processes), write ``manifest.json`` and ``index.xlsx``, and
    return the manifest. An earlier run's manifest and index are removed first, so they never list totals of
    other workbooks; its invoices are replaced only by new ones, never removed (a failed invoice leaves its
    earlier file as it was and says so). ``DataError`` naming a file that cannot be replaced or removed (open
    in Excel). Without a configured ``seller`` the invoices are SAMPLES (see ``build_invoices``). ``einvoice``
    writes e-invoices (see ``build_invoices``); a Factur-X needs ``soffice``."""
    chosen = seller if seller is not None and seller.configured else SAMPLE_SELLER
    template = with_seller_logo(template, chosen)
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"Cannot create {folder}: {error.strerror}.", "Choose a folder you can write to.") from None
    for leftover in folder.glob(".*.xlsx.*.part"):  # temporary files of a run that was killed
        remove(leftover)
    manifest = Manifest(invoices.first_day, invoices.period.end, invoices.proration, folder)
    earlier = printed_from(folder)  # which earlier PDF was printed from which workbook
    for listing in (manifest.path, manifest.index_path):
        remove(listing)
    marks = ["DRAFT"] * invoices.period.draft + ["SAMPLE"] * chosen.sample
    stems = invoice_stems([(b.name, b.account_code) for b in map(invoices.bill_to, invoices.codes)], marks)
    paths = [inside(folder, stem + ".xlsx") for stem in stems]
    facturx = einvoice is not None and einvoice.facturx
    if facturx:
        earlier = {}  # an earlier Factur-X PDF may carry other buyer details: print every PDF anew
    jobs = [(code, path, earlier.get(path.name)) for code, path in zip(invoices.codes, paths, strict=True)]
    made = _make_all(invoices, template, chosen, einvoice, jobs, workers, progress)
    manifest.entries = [entry for entry, _ in made]
    if soffice:
        printed = [entry for entry in manifest.entries if entry.file and not entry.pdf]  # not those kept (``_make``)
        _print_pdfs(soffice, folder, printed, workers, progress, pdfa=facturx)
    if facturx:
        _embed_all(folder, made, progress)
    write_manifest(manifest)
    return manifest


def _embed_all(folder: Path, made: list[Made], progress: Progress | None) -> None:
    """Make each printed PDF whose e-invoice passed its check a Factur-X PDF; a failure (or no PDF) fails that
    entry's e-invoice."""
    from xlbilling._einvoice.facturx import embed

    todo = [(entry, cii) for entry, cii in made if cii is not None]
    for done, (entry, cii) in enumerate(todo, start=1):
        try:
            if not entry.pdf:
                raise DataError("its PDF was not printed.")
            embed(folder / str(entry.pdf), cii)
            entry.facturx = True
        except DataError as error:
            entry.einvoice, entry.einvoice_error = "failed", f"Factur-X not written (the workbook was): {error}"
        if progress is not None:
            progress(Step("Factur-X", done, len(todo)))


def _print_pdfs(
    soffice: str, folder: Path, entries: list[Entry], workers: int, progress: Progress | None, *, pdfa: bool = False
) -> None:
    """Print each entry's workbook to PDF; an entry whose PDF could not be made gets status "failed" and
    the reason. (A PDF an earlier run printed from the same workbook bytes is kept, not printed again.)"""
    if not entries:
        return
    workbooks = [folder / str(entry.file) for entry in entries]
    pdfs = pdf_export.convert(soffice, workbooks, workers=workers, progress=progress, pdfa=pdfa)
    for entry, workbook in zip(entries, workbooks, strict=True):
        made = pdfs[workbook]
        if isinstance(made, Path):
            entry.pdf = made.name
            continue
        entry.status, entry.error = "failed", f"The workbook was written but not its PDF: {made}"


def _make_all(
    invoices: Invoices,
    template: Template,
    seller: Seller,
    einvoice: Wanted | None,
    jobs: list[Job],
    workers: int,
    progress: Progress | None,
) -> list[Made]:
    """Make and write every invoice (and its e-invoice), here or in ``workers`` processes that each get the
    inputs once and then only a Bill To code per invoice; a few invoices are in flight at a time, so memory
    stays flat."""
    made: list[Made] = []
    if workers == 1:
        for job in jobs:
            made.append(_make(invoices, template, seller, einvoice, *job))
            if progress is not None:
                progress(Step("Invoices", len(made), len(jobs)))
        return made
    results: dict[int, Made] = {}
    inputs = (invoices, template, seller, einvoice)
    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=inputs) as pool:
        pending: dict[Future[Made], int] = {}
        for number, job in enumerate(jobs):
            pending[pool.submit(_make_in_worker, *job)] = number
            while len(pending) >= workers * 4 or (number == len(jobs) - 1 and pending):
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    results[pending.pop(future)] = future.result()
                if progress is not None:
                    progress(Step("Invoices", len(results), len(jobs)))
    return [results[number] for number in range(len(jobs))]


def _make(
    invoices: Invoices,
    template: Template,
    seller: Seller,
    einvoice: Wanted | None,
    code: str,
    path: Path,
    pdf_of: str | None,
) -> Made:
    """Make one invoice and write its workbook, then its e-invoice when asked (see ``_einvoice``). A PDF
    beside it stays only when it was printed from a workbook with the same bytes (``pdf_of``: that
    workbook's SHA-256, from the earlier manifest); otherwise it is removed, so no PDF ever disagrees with its
    workbook. A failed invoice leaves an earlier run's files as they were and its error says so."""
    invoice = invoices.make(code)
    if isinstance(invoice, Invoice):
        invoice = replace(invoice, seller=seller)
    entry = _entry(invoice, path)
    entry.sample = seller.sample
    if not isinstance(invoice, Invoice):
        return _kept(entry, path), None
    try:
        content = render(template, invoice)
        with replacing(path):
            write_atomically(path, content)
    except XlbillingError as error:
        entry.status, entry.error, entry.file = "failed", str(error), None
        return _kept(entry, path), None
    entry.sha256 = hashlib.sha256(content).hexdigest()
    cii = _einvoice(entry, invoice, path, einvoice) if einvoice is not None else None
    pdf = path.with_suffix(".pdf")
    if pdf_of == entry.sha256 and pdf.is_file():
        entry.pdf = pdf.name  # printed from these very bytes
        return entry, cii
    try:
        remove(pdf)  # printed from other figures, if there is one
    except DataError as error:
        entry.status, entry.error = "failed", f"The workbook was written but its old PDF was not removed: {error}"
    return entry, cii


def _einvoice(entry: Entry, invoice: Invoice, path: Path, einvoice: Wanted) -> bytes | None:
    """Write the invoice's UBL (``entry.xml``) and return the CII for its Factur-X; when its check fails, the
    entry's e-invoice is failed (not the invoice) with the business terms to fill, and None is returned."""
    from xlbilling._einvoice.write import write_einvoice

    entry.einvoice = "failed"
    try:
        entry.xml, cii = write_einvoice(invoice, path, einvoice)
    except EInvoiceError as error:
        entry.einvoice_error = f"{NOT_WRITTEN}{'; '.join(error.problems)}."
        return None
    except DataError as error:
        entry.einvoice_error = f"{NOT_WRITTEN}{error}"
        return None
    entry.einvoice = "ok"
    return cii


def _kept(entry: Entry, path: Path) -> Entry:
    """``entry`` of an invoice not written, its error saying which earlier files were left as they were."""
    kept = [old.name for old in (path, path.with_suffix(".pdf"), path.with_suffix(".xml")) if old.exists()]
    if kept:
        entry.error = f"{entry.error} The file from an earlier run was left as it was: {', '.join(kept)}."
    return entry


_WORKER: tuple[Invoices, Template, Seller, Wanted | None] | None = None


def _start_worker(invoices: Invoices, template: Template, seller: Seller, einvoice: Wanted | None) -> None:
    global _WORKER
    _WORKER = (invoices, template, seller, einvoice)


def _make_in_worker(code: str, path: Path, pdf_of: str | None) -> Made:
    assert _WORKER is not None
    return _make(*_WORKER, code, path, pdf_of)


def _entry(invoice: Invoice | FailedInvoice, path: Path) -> Entry:
    bill_to = invoice.bill_to
    common: dict[str, Any] = {"bill_to_code": bill_to.code, "bill_to_name": bill_to.name,
                              "account_code": bill_to.account_code, "line_count": invoice.line_count,
                              "currency": invoice.currency, "pdf": None}  # fmt: skip
    if isinstance(invoice, FailedInvoice):
        return Entry(**common, invoice_number="", customers=list(invoice.customers), subtotal=None, tax=None,
                     total=None, file=None, status="failed", error=invoice.error)  # fmt: skip
    return Entry(**common, invoice_number=invoice.number, customers=[g.customer_name for g in invoice.groups],
                 subtotal=invoice.subtotal, tax=invoice.tax, total=invoice.total, file=path.name,
                 status="draft" if invoice.draft else "ok", error=None)  # fmt: skip


def _check_prices(invoices: Invoices) -> None:
    """``MissingPriceError`` listing each SKU billed on these invoices that has no price, once, with the
    invoices it is on; then ``MissingTaxRateError`` listing the SKUs whose price row has no tax rate."""
    prices, billed = invoices.prices, invoices.skus()
    unpriced = {
        sku: [invoices.bill_to(code).name for code in codes] for sku, codes in billed.items() if sku not in prices
    }
    if unpriced:
        raise MissingPriceError(dict(sorted(unpriced.items())))
    untaxed = sorted(sku for sku in billed if prices[sku].tax_rate is None)
    if untaxed:
        raise MissingTaxRateError(untaxed)


def _check_period(period: Period, allow_open: bool) -> None:
    """``OpenPeriodError`` for an open period unless ``allow_open`` (its invoices are then drafts)."""
    if not period.is_closed and not allow_open:
        raise OpenPeriodError(period.end)


def _bill_to_codes(lines: pd.DataFrame, codes: list[str]) -> set[str]:
    """``codes`` when each is a Bill To customer of ``lines``; ``NotBillTo`` naming those that are not."""
    payers = set(lines["bill_to_code"].astype("string").fillna(lines["customer_code"]))
    unknown = [code for code in codes if code not in payers]
    if unknown:
        raise not_billed_to(lines, unknown)
    return set(codes)
