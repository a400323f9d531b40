"""One close, start to end: take the output folder's lock, finish or drop what a killed close left, run the steps
into a staging folder, write the report, move into the period's folder only the files that changed, then notify
and record how that went. The exit code says it for a scheduler: 0 done and nothing needs a person, 1 done but
something needs a person (or a notification failed), 2 could not run, 3 an API failed."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlbilling._close import notify, page, report, steps
from xlbilling._close.folder import CloseFolder, folder_name
from xlbilling._close.lock import CloseLock
from xlbilling._close.secrets import Secrets, shown
from xlbilling._errors import ApiError, AuthError, NotFoundError, OpenPeriodError, XlbillingError
from xlbilling._files import write_atomically
from xlbilling._progress import Step

if TYPE_CHECKING:
    from xlbilling._session.session import Session
    from xlbilling._values.period import Period

PAUSE_ENV = "XLBILLING_CLOSE_PAUSE"
"""For tests only: the checkpoint (``lock``, ``workbook``, ``invoices``, ``invoices 1``, ``reconciliation``,
``margin``, ``report``, ``commit``, ``commit 1``, ``notify``) where a close says ``paused at <checkpoint>`` on
stderr and waits until it is killed, so a test can kill it there without racing it."""
STEPS = (
    ("invoices", steps.invoices),
    ("workbook", steps.billing_workbook),
    ("reconciliation", steps.reconciliation),
    ("margin", steps.margin),
)
Say = Callable[[str], None]


@dataclass(frozen=True)
class Request:
    """What the door asks for: the output folder, the period (None: the latest closed), the loaded inputs, where
    to notify, and the command line (masked) that the lock shows to a second close."""

    out: Path
    day: Any
    inputs: steps.Inputs
    notify: tuple[str, ...] = ()
    command: str = "xlbilling close"


@dataclass
class Result:
    """How the close went: its report (None when it could not run), exit code and what changed."""

    report: dict[str, Any]
    exit_code: int
    folder: Path
    changed: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)


def checkpoint(name: str, say: Say) -> None:
    """Pause here for a test when ``XLBILLING_CLOSE_PAUSE`` names this checkpoint (see ``PAUSE_ENV``)."""
    if os.environ.get(PAUSE_ENV) == name:
        sys.stderr.write(f"xlbilling close: paused at {name} (pid {os.getpid()})\n")
        sys.stderr.flush()
        threading.Event().wait()


def close(request: Request, session: Session, say: Say) -> Result:
    """Run the close; the API's and the inputs' errors are raised with nothing half written."""
    secrets = Secrets(request.notify)
    ran_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with CloseLock(request.out, request.command) as lock:
        if lock.taken_over is not None:
            say(f"took over the lock left by {lock.taken_over}, which is no longer running")
        checkpoint("lock", say)
        period = _period(session, request.day)
        folder = CloseFolder(request.out, period)
        recovered = folder.recover()
        if recovered:
            say(recovered)
        before = report.read(folder.final / report.REPORT_JSON)
        earlier_folder = _earlier(request.out, period)
        staging = folder.stage()
        try:
            work = steps.Work(session, period, request.inputs, staging, folder.final, progress=_heard(say))
            work.decisions = [f / steps.RECONCILIATION for f in (earlier_folder, folder.final) if f is not None]
            work.decisions = [path for path in work.decisions if path.is_file()]
            done = [_step(name, step, work, say) for name, step in STEPS]
            checkpoint("report", say)
            data = folder.plan()
            if before is not None and not data.changed:
                written = report.unchanged(before)
                say(f"nothing changed since {written['unchanged_since']}")
            else:
                earlier = before or (report.read(earlier_folder / report.REPORT_JSON) if earlier_folder else None)
                written = report.build(period, folder.final, ran_at, session.sources(), done, earlier)
            written["notifications"] = _to_notify(request.notify, before if not data.changed else None)
            written["exit_code"] = _exit_code(written)
            _write(staging, written)
            plan = folder.plan()
            checkpoint("commit", say)
            folder.commit(plan, lambda count: checkpoint(f"commit {count}", say))
        except BaseException:
            if not (staging / ".commit.json").exists():
                folder.recover()  # nothing was moved yet: leave no staging folder behind
            raise
        checkpoint("notify", say)
        _notify(request.notify, written, folder.final, secrets, say)
        return Result(written, written["exit_code"], folder.final, list(plan.moved) + list(plan.removed))


def _period(session: Session, day: Any) -> Period:
    """The period containing ``day`` (the latest closed when None); ``OpenPeriodError`` for an open one."""
    period = session.latest_closed() if day is None else session.period(day)
    if not period.is_closed:
        raise OpenPeriodError(period.end)
    return period


def _earlier(out: Path, period: Period) -> Path | None:
    """The folder of the latest close of an earlier period in ``out`` (its report says what was decided)."""
    mine = folder_name(period)
    if not out.is_dir():
        return None
    found = sorted(
        p
        for p in out.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name < mine and (p / report.REPORT_JSON).is_file()
    )
    return found[-1] if found else None


def _heard(say: Say) -> Callable[[Step], None]:
    """A job's progress, told at its checkpoints (the first invoice written: ``invoices 1``)."""

    def heard(step: Step) -> None:
        if step.what == "Invoices" and step.done is not None:
            checkpoint(f"invoices {step.done}", say)

    return heard


def _step(
    name: str, step: Callable[[steps.Work], steps.Outcome], work: steps.Work, say: Say
) -> tuple[steps.Outcome, float]:
    checkpoint(name, say)
    say(f"{name}…")
    started = time.perf_counter()
    outcome = step(work)
    seconds = time.perf_counter() - started
    say(f"{name}: {outcome.status} in {seconds:.1f} s" + (f": {outcome.note}" if outcome.note else ""))
    return outcome, seconds


def _to_notify(urls: tuple[str, ...], before: dict[str, Any] | None) -> list[dict[str, Any]]:
    """An entry per URL: already sent when an unchanged close's report says so, else pending."""
    told = {e["to"] for e in (before or {}).get("notifications", []) if e["status"] == notify.SENT}
    return [
        {"to": shown(url), "status": notify.SENT if shown(url) in told else notify.PENDING, "error": None}
        for url in urls
    ]


def _write(folder: Path, written: dict[str, Any]) -> None:
    write_atomically(folder / report.REPORT_JSON, report.as_json(written))
    write_atomically(folder / report.REPORT_HTML, page.render(written).encode())


def _notify(urls: tuple[str, ...], written: dict[str, Any], final: Path, secrets: Secrets, say: Say) -> None:
    """Send to every URL still pending, then record how it went in the folder's report."""
    pending = [url for url, entry in zip(urls, written["notifications"], strict=True) if entry["status"] != notify.SENT]
    if not pending:
        return
    files = {"json": final / report.REPORT_JSON, "html": final / report.REPORT_HTML}
    results = iter(notify.send(pending, written["headline"], body(written), files, secrets))
    written["notifications"] = [
        entry if entry["status"] == notify.SENT else next(results) for entry in written["notifications"]
    ]
    for entry in written["notifications"]:
        say(f"notification to {entry['to']}: {entry['status']}" + (f" ({entry['error']})" if entry["error"] else ""))
    written["exit_code"] = _exit_code(written)
    _write(final, written)


def _exit_code(written: dict[str, Any]) -> int:
    """1 when something needs a person or a notification failed, else 0."""
    failed = any(entry["status"] == notify.FAILED for entry in written["notifications"])
    return 1 if written["needs"] or failed else 0


def body(written: dict[str, Any]) -> str:
    """A notification's text: the headline, what needs a person (the first few) and where the report is."""
    lines = [written["headline"]]
    if written.get("unchanged_since"):
        lines.append(f"Unchanged since {written['unchanged_since']}.")
    lines += [f"- {need['who']}: {need['what']}".replace("- : ", "- ") for need in written["needs"][:5]]
    more = len(written["needs"]) - 5
    if more > 0:
        lines.append(f"- and {more} more")
    lines.append(f"Report: {Path(written['period']['folder']) / report.REPORT_HTML}")
    return "\n".join(lines)


def exit_code(error: XlbillingError) -> int:
    """A scheduler's exit code for a close that could not run: 3 when an API failed (worth retrying later), 2
    for anything a person must fix first (settings, a token refused, the lock, an open period, a file)."""
    if isinstance(error, ApiError) and not isinstance(error, AuthError | NotFoundError):
        return 3
    return 2


def notify_failure(urls: tuple[str, ...], headline: str) -> list[dict[str, str | None]]:
    """Tell every URL that a close could not run (``headline`` says why); nothing attached."""
    if not urls:
        return []
    return notify.send(list(urls), headline, headline, {}, Secrets(urls))
