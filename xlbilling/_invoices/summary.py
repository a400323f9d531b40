"""What a run of invoices did, worded once for every door (``xlbilling report``, the Build Invoices button,
the server's jobs): a headline saying what was written where, then one sentence per thing that needs a
person (drafts, samples, failed invoices, e-invoices not written beside their invoices)."""

from __future__ import annotations

from dataclasses import dataclass

from xlbilling._invoices.manifest import Manifest
from xlbilling._values.wording import counted


@dataclass(frozen=True)
class RunSummary:
    """``headline``: what was written and where; ``needs``: what a person must do before sending, if anything."""

    headline: str
    needs: tuple[str, ...]

    def __str__(self) -> str:
        return " ".join((self.headline, *self.needs))


def run_summary(manifest: Manifest, seller_hint: str) -> RunSummary:
    """The run's summary; ``seller_hint`` says, in the door's words, where to set the seller's details (used
    when the invoices are SAMPLES)."""
    entries = manifest.entries
    written = sum(1 for entry in entries if entry.file)
    pdfs = sum(1 for entry in entries if entry.pdf)
    facturx = sum(1 for entry in entries if entry.facturx)
    ubl = sum(1 for entry in entries if entry.xml)
    made = [counted(pdfs, "PDF") + (f" ({facturx} Factur-X)" if facturx else "")] if pdfs else []
    made += [counted(ubl, "UBL e-invoice")] if ubl else []
    extra = "".join(f", {part}" for part in made[:-1]) + (f" and {made[-1]}" if made else "")
    period = manifest.period_end.isoformat()
    headline = (
        f"Wrote {counted(written, 'invoice')}{extra} to {manifest.out_dir} (list: {manifest.path}, index.xlsx) "
        f"for the period ending {period}."
    )
    needs = []
    drafts = sum(1 for entry in entries if entry.status == "draft")
    if drafts:
        are = "is a DRAFT" if drafts == 1 else "are DRAFTS"
        needs.append(f"{counted(drafts, 'invoice')} {are}: the period is still open; do not send them.")
    samples = sum(1 for entry in entries if entry.sample and entry.file)
    if samples:
        one = samples == 1
        needs.append(
            f"{counted(samples, 'invoice')} {'is a SAMPLE' if one else 'are SAMPLES'} (seller details not set): "
            f"{'it shows' if one else 'they show'} an example seller; do not send {'it' if one else 'them'}. "
            f"{seller_hint}"
        )
    failed = len(manifest.failed)
    if failed:
        them = "it" if failed == 1 else "them"
        needs.append(f"{counted(failed, 'invoice')} failed (see {manifest.path.name}); fix {them} and run again.")
    missing = len(manifest.einvoices_failed)
    if missing:  # a missing e-invoice does not fail its invoice: the workbook (and PDF) can be sent
        needs.append(
            f"{counted(missing, 'e-invoice')} not written (their invoices were): fill what each lacks (the Problem "
            f"column of {manifest.index_path.name} says what) and run again."
        )
    return RunSummary(headline, tuple(needs))
