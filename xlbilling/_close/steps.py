"""The steps of a close, each a public job writing into the staging folder: the refreshed billing workbook, the
invoices (with PDFs and e-invoices), the reconciliation workbook with the review trail carried, and the margin
workbook. Every file is written so that the same data gives the same bytes."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlbilling._errors import DataError, NoInvoiceItems
from xlbilling._files import atomic_path, remove, write_atomically

if TYPE_CHECKING:
    import pandas as pd

    from xlbilling._config.seller import Seller
    from xlbilling._inputs.mapping import Mapping
    from xlbilling._inputs.prices import PriceList
    from xlbilling._inputs.register import Register
    from xlbilling._progress import Progress
    from xlbilling._session.session import Session
    from xlbilling._values.period import Period

STAMPED = "by xlbilling close (report.html says when)"
"""What the billing workbook's stamps say after "refreshed": no clock, so the same data gives the same bytes."""
RECONCILIATION, MARGIN, INVOICES = "reconciliation.xlsx", "margin.xlsx", "invoices"
SELLER_HINT = "Set name, address, vat_id and bank details under [seller] in the config file (`xlbilling config`)."


@dataclass(frozen=True)
class Inputs:
    """What the close works from, loaded once before it starts."""

    prices: PriceList
    mapping: Mapping
    workbook: Path
    seller: Seller
    register: Register | None = None
    einvoice: str | None = None
    pdf: bool = False
    tax_rate: Decimal | None = None
    reviews: Path | None = None
    workers: int = 1


@dataclass
class Work:
    """One close's session, period, inputs and folders; ``decisions`` are the earlier reconciliation
    workbooks whose reviews carry (the previous period's close, then this period's)."""

    session: Session
    period: Period
    inputs: Inputs
    staging: Path
    final: Path
    decisions: list[Path] = field(default_factory=list)
    progress: Progress | None = None


@dataclass
class Outcome:
    """What one step did: ``status`` "done", "needs a person" or "skipped", a ``note`` for people, the files it
    wrote (relative to the folder) and its result for the figures."""

    name: str
    status: str = "done"
    note: str = ""
    files: list[str] = field(default_factory=list)
    result: Any = None


def billing_workbook(work: Work) -> Outcome:
    """A copy of the billing workbook (the template, or ``[close] workbook``), refreshed for the period; its Built
    invoices sheet (and the Overview's invoice figures) lists the invoices the step before wrote."""
    from xlbilling._jobs import refresh
    from xlbilling._workbook.tables import summary_line

    source = work.inputs.workbook
    target = work.staging / source.name
    with atomic_path(target) as temp:
        shutil.copyfile(source, temp)
    written = refresh(target, session=work.session, period=work.period, stamped=STAMPED, progress=work.progress)
    remove(target.with_name(target.name + ".bak"))
    return Outcome("billing workbook", note=summary_line(written), files=[target.name])


def invoices(work: Work) -> Outcome:
    """The invoice workbooks of every Bill To customer, with PDFs and e-invoices when asked, in ``invoices/``."""
    from xlbilling._invoices.summary import run_summary
    from xlbilling._jobs import report

    given = work.inputs
    manifest = report(
        work.session,
        work.period,
        prices=given.prices,
        out_dir=work.staging / INVOICES,
        tax_rate=given.tax_rate,
        pdf=given.pdf,
        einvoice=given.einvoice,
        register=given.register,
        seller=given.seller,
        workers=given.workers,
        progress=work.progress,
    )
    said = run_summary(replace(manifest, out_dir=work.final / INVOICES), SELLER_HINT)
    needs = bool(manifest.failed or manifest.einvoices_failed) or any(entry.sample for entry in manifest.entries)
    files = [f"{INVOICES}/{name}" for e in manifest.entries for name in (e.file, e.pdf, e.xml) if name]
    return Outcome("invoices", "needs a person" if needs else "done", said.headline, files, manifest)


def reconciliation(work: Work) -> Outcome:
    """The reconciliation workbook, each difference keeping the review and note decided on it before."""
    from xlbilling._jobs import reconcile
    from xlbilling._reconcile.book import write_reconciliation
    from xlbilling._reconcile.result import NothingCompared

    decisions, unread = _decisions(work)
    path = work.staging / RECONCILIATION
    given = work.inputs
    try:
        result = reconcile(work.session, work.period, mapping=given.mapping, prices=given.prices, reviews=decisions)
    except (NothingCompared, NoInvoiceItems) as error:
        remove(path)  # an earlier run's workbook would show differences that no longer stand
        return Outcome("reconciliation", "needs a person", f"{error.message} {error.hint}".strip())
    _reproducible(write_reconciliation(result, path), work.period)
    carried = ", ".join(str(path) for path in work.decisions) or "no earlier close"
    note = f"{result.compared} customer/SKU pairs compared; reviews carried from {carried}"
    return Outcome("reconciliation", note=note + unread, files=[RECONCILIATION], result=result)


def margin(work: Work) -> Outcome:
    """The margin workbook over the twelve closed periods up to this one."""
    from xlbilling._jobs import margin as margin_job
    from xlbilling._margin.book import write_margin

    given = work.inputs
    found = margin_job(
        work.session, None, work.period, mapping=given.mapping, prices=given.prices, progress=work.progress
    )
    _reproducible(write_margin(found, work.staging / MARGIN), work.period)
    return Outcome("margin", note=" ".join(found.notes), files=[MARGIN], result=found)


def _decisions(work: Work) -> tuple[pd.DataFrame, str]:
    """Every decision made before: the earlier workbooks' reviews, then ``--reviews`` (later ones win), and a
    note naming an earlier workbook that could not be read."""
    import pandas as pd

    from xlbilling._workbook.reviews import load_reviews

    frames, unread = [], []
    for path in work.decisions:
        try:
            frames.append(load_reviews(path))
        except DataError:
            unread.append(path.name)
    if work.inputs.reviews is not None:
        frames.append(load_reviews(work.inputs.reviews))
    found = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return found, (f"; could not read the reviews of {', '.join(unread)}" if unread else "")


def _reproducible(path: Path, period: Period) -> None:
    """Date the workbook's parts and properties by the period's end, not the clock: same data, same bytes."""
    from xlbilling._xlsx.package import reproducible

    write_atomically(path, reproducible(path.read_bytes(), f"{period.end.isoformat()}T00:00:00Z"))
