"""The jobs xlbilling does, each a function named as the command that runs it: ``reconcile``, ``margin``,
``report`` (invoice workbooks with their PDFs and e-invoices) and ``refresh`` (a workbook file). They take
typed values (a ``Session``, ``Period`` values, a loaded mapping and price list) and every door calls them:
the command line, the Excel formulas and buttons, the server and the scheduled close."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from xlbilling._config.seller import Seller
    from xlbilling._inputs.mapping import Mapping
    from xlbilling._inputs.prices import PriceList
    from xlbilling._inputs.register import Register
    from xlbilling._invoices.manifest import Manifest
    from xlbilling._margin.run import Margin
    from xlbilling._progress import Progress
    from xlbilling._reconcile.result import Reconciliation
    from xlbilling._session.session import Session
    from xlbilling._values.period import Period
    from xlbilling._workbook.tables import Refreshed


def reconcile(
    session: Session,
    period: Period,
    *,
    mapping: Mapping,
    prices: PriceList | None = None,
    invoice: str | None = None,
    reviews: pd.DataFrame | None = None,
) -> Reconciliation:
    """What Xarios charged against what Atria billed in ``period``, per customer and SKU, with the money at
    stake: valued at today's ``prices`` (your selling price) when given, otherwise at Xarios cost.

    The Xarios items are those whose service dates fall in the period, from every invoice holding some, or
    from ``invoice`` only. ``reviews`` (earlier decisions: ``load_reviews``) carries each row's review and
    note. Computed once per session for the same inputs. Raises ``NoInvoiceItems`` when no Xarios item is for
    the period, and ``NothingCompared`` (holding the unmapped lists) when nothing could be compared.
    """
    found = session.reconcile(period, mapping=mapping, prices=prices, invoice=invoice)
    return found if reviews is None else found.reviewed(reviews)


def margin(
    session: Session,
    first: Period | None = None,
    last: Period | None = None,
    *,
    mapping: Mapping,
    prices: PriceList,
    customers: Sequence[str] = (),
    progress: Progress | None = None,
) -> Margin:
    """Revenue (billed quantity at the price in force at each period's end), cost (what Xarios charged),
    margin and leak per period, customer and SKU over the closed periods from ``first`` to ``last`` (default:
    the twelve latest closed); only the lines of ``customers`` (customer codes) when given. Open periods in
    the range are left out and said in ``notes``. Computed once per session for the same inputs."""
    return session.margin(first, last, mapping=mapping, prices=prices, customers=customers, progress=progress)


def report(
    session: Session,
    period: Period,
    *,
    prices: PriceList,
    out_dir: str | Path | None = None,
    customers: Iterable[str] | None = None,
    template: str | Path | None = None,
    proration: str = "none",
    tax_rate: Decimal | None = None,
    allow_open: bool = False,
    pdf: bool = False,
    einvoice: str | None = None,
    register: Register | None = None,
    seller: Seller | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> Manifest:
    """One invoice workbook per Bill To customer of ``period`` in ``out_dir`` (default
    ``invoices/<period end>``), with ``manifest.json`` and ``index.xlsx``; returns the manifest.

    ``customers``: only these Bill To customer codes (``NotBillTo`` naming who pays, for one another customer
    bills). ``template``: an .xlsx invoice template (default: the
    shipped one). ``proration``: "none" (quantities at period end) or "daily" (the sum of DurationPercent).
    ``tax_rate``: the rate of SKUs whose price row has none. ``allow_open``: invoice an open period as DRAFTs.
    ``pdf``: print each to PDF with LibreOffice. ``einvoice``: "ubl", "facturx" or "both", with the buyers
    of ``register``. ``seller``: who issues them (default: the ``[seller]`` settings; without a name the
    invoices are SAMPLES). ``workers``: processes writing invoices and printing PDFs. Invoices that cannot
    be made or printed are listed in the manifest as failed (``Manifest.failed``); the others are still
    written. An e-invoice that cannot be written does not fail its invoice: ``Manifest.einvoices_failed``
    lists those, each ``einvoice_error`` naming what to fill.
    """
    from xlbilling._config.settings import load_settings
    from xlbilling._invoices.build import build_invoices
    from xlbilling._invoices.payers import check_billed_by

    if customers is not None:  # one billed by a channel partner is named before the period's lines are fetched
        customers = list(customers)
        check_billed_by(session.atria().customers(), customers)
    if seller is None:
        seller = load_settings(use_keyring=False).seller  # the seller only: tokens come with the session
    return build_invoices(
        session.atria(), period, out_dir=out_dir or Path("invoices") / period.end.isoformat(),
        prices=prices.at(date.today()), customers=customers, template=template, proration=proration,
        tax_rate=tax_rate, allow_open=allow_open, pdf=pdf, workers=workers, progress=progress, seller=seller,
        einvoice=einvoice, register=register,
    )  # fmt: skip


def refresh(
    workbook: str | Path,
    *,
    only: Sequence[str] | None = None,
    session: Session | None = None,
    progress: Progress | None = None,
    period: Period | None = None,
    stamped: str | None = None,
) -> list[Refreshed]:
    """Refresh the tables of the billing workbook file ``workbook`` (closed, no Excel needed) as its Control
    sheet says: every table but Reconciliation and Margin, or those named in ``only`` (``periods``,
    ``customers``, ``summary``, ``detail``, ``invoice_lines``, ``analysis``, ``xarios_invoices``, ``changes``,
    ``reconciliation``, ``margin``). Everything else in the file is kept, byte for byte; the previous file
    is kept as ``WORKBOOK.bak``. Data comes through ``session`` (default: the user's settings, with the URLs
    the workbook's ``_xlbilling.conf`` sheet sets). Nothing is fetched before the file is known to be
    refreshable; on any error the file is left as it was. ``period``: refresh for this period, written on the
    Control sheet first (default: the period the Control sheet names). ``stamped``: what each table's stamp
    says after "refreshed" (default: the time now), so that the same data gives the same bytes."""
    from xlbilling._workbook.headless import refresh_file

    return refresh_file(workbook, only, session, progress=progress, period=period, stamped=stamped)
