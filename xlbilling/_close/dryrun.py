"""``xlbilling close --dry-run``: what a close would fetch and write, and where it would notify, without writing
anything (Atria is asked for its list of periods only, to know which period is meant)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from xlbilling._close import report, steps
from xlbilling._close.folder import CloseFolder
from xlbilling._close.lock import LOCK_NAME
from xlbilling._close.run import Request, _earlier, _period
from xlbilling._close.secrets import shown

if TYPE_CHECKING:
    from xlbilling._session.session import Session

MARGIN_PERIODS = 12


def dry_run(request: Request, session: Session) -> list[str]:
    """The lines saying what the close of ``request`` would do."""
    period = _period(session, request.day)
    folder = CloseFolder(request.out, period)
    given = request.inputs
    hosts = {api: urlsplit(url).hostname or url for api, url in session.sources().items()}
    said = [f"period: {period.title} ({period.start} to {period.end}); folder {folder.final}"]
    if (request.out / LOCK_NAME).exists():
        said.append(f"a lock file is there ({request.out / LOCK_NAME}): a close may be running; it would be checked")
    said += [
        f"would fetch from Atria ({hosts.get('Atria', '?')}): the customers, and the summary, detail, invoice lines "
        f"and analysis of {period.end}; the invoice lines of the {MARGIN_PERIODS - 1} closed periods before it "
        "(margin)",
        "would fetch from Xarios: the invoice list and the items of the invoices covering those periods",
        f"would write {folder.final / given.workbook.name}: a copy of {given.workbook}, refreshed for {period.end}",
        f"would write {folder.final / steps.INVOICES}/: an invoice workbook per Bill To customer"
        + (", its PDF" if given.pdf else " (no PDFs: LibreOffice not found or --no-pdf)")
        + (f", its e-invoice ({given.einvoice})" if given.einvoice else "")
        + ", manifest.json and index.xlsx",
    ]
    earlier = [
        p
        for p in (_earlier(request.out, period), folder.final)
        if p is not None and (p / steps.RECONCILIATION).is_file()
    ]
    carried = ", ".join(str(p / steps.RECONCILIATION) for p in earlier) or "no earlier close"
    said.append(
        f"would write {folder.final / steps.RECONCILIATION}: reviews carried from {carried}"
        + (f" and {given.reviews}" if given.reviews else "")
    )
    said.append(f"would write {folder.final / steps.MARGIN}: the {MARGIN_PERIODS} closed periods up to {period.end}")
    said.append(f"would write {folder.final / report.REPORT_HTML} and {report.REPORT_JSON}")
    if (folder.final / report.REPORT_JSON).is_file():
        said.append("the folder holds an earlier close: only the files whose bytes change would be replaced")
    said += [f"would notify {shown(url)}" for url in request.notify] or [
        "would notify nobody ([notify] urls, --notify)"
    ]
    return said
