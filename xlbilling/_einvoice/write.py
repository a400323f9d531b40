"""Writes one invoice's e-invoices: checks its business terms, then the UBL file and the CII for Factur-X."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xlbilling._einvoice.check import check
from xlbilling._einvoice.document import document
from xlbilling._errors import EInvoiceError, InputError
from xlbilling._files import remove, replacing, write_atomically
from xlbilling._inputs.register import Register
from xlbilling._invoice import Invoice

FORMATS = ("ubl", "facturx", "both")
"""What ``--einvoice`` (and the Control sheet's E-invoice) may ask for."""


@dataclass(frozen=True)
class Wanted:
    """Which e-invoices a run writes, and the register their buyers come from."""

    ubl: bool
    facturx: bool
    register: Register


def wanted(einvoice: str, register: Register) -> Wanted:
    """``Wanted`` for ``einvoice`` ("ubl", "facturx" or "both"); ``InputError`` for anything else."""
    if einvoice not in FORMATS:
        raise InputError(f"Unknown e-invoice format {einvoice!r}.", "Use ubl, facturx or both.")
    return Wanted(einvoice in ("ubl", "both"), einvoice in ("facturx", "both"), register)


def write_einvoice(invoice: Invoice, workbook: Path, wants: Wanted) -> tuple[str | None, bytes | None]:
    """Check ``invoice``'s e-invoice, write its UBL beside ``workbook`` (``name.xml``) when asked, and return
    that file's name and the CII XML to embed in its Factur-X PDF (when asked). ``EInvoiceError`` naming each
    missing business term, and nothing written, when the check fails; an earlier run's ``name.xml`` is then
    removed, so no e-invoice ever disagrees with its workbook."""
    from xlbilling._einvoice.cii import to_cii  # lxml is imported only when e-invoices are written
    from xlbilling._einvoice.ubl import to_ubl

    xml = workbook.with_suffix(".xml")
    account = invoice.bill_to.account_code
    doc = document(invoice, wants.register.buyers.get(account))
    try:
        check(doc, invoice.seller, account, wants.register)
    except EInvoiceError:
        remove(xml)
        raise
    if wants.ubl:
        with replacing(xml):
            write_atomically(xml, to_ubl(doc))
    return (xml.name if wants.ubl else None), (to_cii(doc) if wants.facturx else None)
