"""Invoice runs in the background: ``POST /api/jobs/report?period=D&customer=C&pdf=true&einvoice=ubl`` answers
``202 {"job": id}`` at once, ``GET /api/jobs/<id>`` says how far it is, ``GET /api/jobs/<id>/download`` gives
the run's folder as a zip (workbooks, PDFs, e-invoices, ``manifest.json``, ``index.xlsx``).

The query is read with ``xlbilling report``'s own options (``period``, ``customer``, ``proration``,
``tax_rate``, ``allow_open``, ``pdf``, ``einvoice``) and checked before the job starts, so a wrong period is a
400 at once, not a failed job. Each job writes into its own folder under ``--out``, named by its random id
(never by anything a user typed). Jobs run one at a time; a user sees only their own (403 for another's,
404 for none).
"""

from __future__ import annotations

import logging
import re
import secrets
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from xlbilling._errors import InputError, OpenPeriodError, XlbillingError
from xlbilling._serve.errors import INTERNAL, answer, hidden, respond
from xlbilling._serve.query import command, read_query
from xlbilling._serve.state import Server, server_of, user_of

if TYPE_CHECKING:
    from xlbilling import Manifest, Progress, Step

logger = logging.getLogger("xlbilling.serve")

JOB_ID = re.compile(r"[0-9a-f]{32}")
UNFINISHED_PER_USER = 2
SELLER_HINT = "Set name, address, vat_id, bank details... under [seller] in the server's config file."
CHUNK = 64 * 1024


@dataclass
class Job:
    """One invoice run: who asked, where it writes, and how far it is (``state``: running, done or failed)."""

    id: str
    owner: str
    folder: Path
    state: str = "running"
    step: str = "Waiting for the jobs before it"
    done: int | None = None
    total: int | None = None
    summary: str | None = None
    error: str | None = None
    name: str = "invoices"
    """The folder's name in the zip (``invoices-2026-10-31``)."""

    def as_json(self) -> dict[str, Any]:
        """What ``GET /api/jobs/<id>`` answers."""
        return {"job": self.id, "state": self.state, "step": self.step, "done": self.done, "total": self.total,
                "summary": self.summary, "error": self.error}  # fmt: skip


@dataclass
class Jobs:
    """The server's invoice jobs, run one at a time in a background thread, each in ``out/<job id>``."""

    out: Path
    sources: Callable[[], Mapping[str, str]] = dict
    """The APIs' addresses, kept out of a failed job's message."""
    _jobs: dict[str, Job] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "xlbilling-job"))

    def start(self, owner: str, name: str, run: Callable[[Path, Progress], Manifest]) -> Job:
        """Queue ``run(folder, progress)`` for ``owner``; ``InputError`` when they already have
        ``UNFINISHED_PER_USER`` jobs waiting or running."""
        with self._lock:
            unfinished = sum(1 for job in self._jobs.values() if job.owner == owner and job.state == "running")
            if unfinished >= UNFINISHED_PER_USER:
                raise InputError(f"You have {unfinished} invoice jobs running.", "Wait for one to finish.")
            job_id = secrets.token_hex(16)
            job = self._jobs[job_id] = Job(job_id, owner, self.out / job_id, name=name)
        self._pool.submit(self._run, job, run)
        return job

    def _run(self, job: Job, run: Callable[[Path, Progress], Manifest]) -> None:
        def heard(step: Step) -> None:
            job.step, job.done, job.total = step.what, step.done, step.total

        try:
            job.step = "Starting"
            job.folder.mkdir(parents=True)
            manifest = run(job.folder, heard)
        except XlbillingError as error:
            from xlbilling._cli.hints import worded

            job.state, job.error = "failed", hidden(str(worded(error)), self.sources())
            return
        except Exception:
            logger.exception("invoice job %s failed", job.id)
            job.state, job.error = "failed", INTERNAL
            return
        from xlbilling._invoices.summary import run_summary

        job.summary = str(run_summary(replace(manifest, out_dir=Path(job.name)), SELLER_HINT))
        job.step, job.state = "Done", "done"

    def find(self, job_id: str, user: str) -> Job | Response:
        """The job ``job_id`` of ``user``, or the answer saying why not (404 none, 403 someone else's)."""
        with self._lock:
            job = self._jobs.get(job_id) if JOB_ID.fullmatch(job_id) else None
        if job is None:
            return answer(404, "No such invoice job on this server (its jobs are forgotten when it restarts).")
        if job.owner != user:
            return answer(403, "That invoice job is someone else's.")
        return job

    def close(self) -> None:
        """Stop taking jobs and drop those waiting (the running one goes on to its end)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def zipped(job: Job) -> Iterator[bytes]:
    """The job's folder as a zip, made in a temporary file and sent in chunks."""
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(job.folder.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.write(path, f"{job.name}/{path.relative_to(job.folder).as_posix()}")
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk


def _report(server: Server, user: str, pairs: list[tuple[str, str]]) -> Response:
    from xlbilling import report
    from xlbilling._inputs.prices import parse_tax_rate

    given = read_query(command("report"), pairs)
    files = server.files
    prices = files.needed_prices()
    register = files.needed_register() if given["einvoice"] else None
    period = server.period(given["period"])
    if not period.is_closed and not given["allow_open"]:
        raise OpenPeriodError(period.end)  # said now, not as a failed job
    codes = [str(server.customer(name)) for name in given["customers"]] or None
    rate = parse_tax_rate(given["tax_rate"]) if given["tax_rate"] is not None else None

    def run(folder: Path, progress: Progress) -> Manifest:
        return report(
            server.session, period, prices=prices, out_dir=folder, customers=codes, template=files.template,
            proration=given["proration"], tax_rate=rate, allow_open=given["allow_open"], pdf=given["pdf"],
            einvoice=given["einvoice"], register=register, progress=progress,
        )  # fmt: skip

    job = server.jobs.start(user, f"invoices-{period.end.isoformat()}", run)
    return JSONResponse({"job": job.id}, status_code=202)


router = APIRouter()


@router.post("/api/jobs/report", include_in_schema=False)
def start_report(request: Request) -> Response:
    """Start building the invoices in the background."""
    server, user = server_of(request), user_of(request)
    return respond(lambda: _report(server, user, request.query_params.multi_items()), server.session.sources)


@router.get("/api/jobs/{job_id}", include_in_schema=False)
def job_state(job_id: str, request: Request) -> Response:
    """How far a job is."""
    found = server_of(request).jobs.find(job_id, user_of(request))
    return found if isinstance(found, Response) else JSONResponse(found.as_json())


@router.get("/api/jobs/{job_id}/download", include_in_schema=False)
def job_download(job_id: str, request: Request) -> Response:
    """The job's files, as a zip."""
    found = server_of(request).jobs.find(job_id, user_of(request))
    if isinstance(found, Response):
        return found
    if found.state != "done":
        return answer(409, f"Invoice job {found.id} is {found.state}: nothing to download.")
    disposition = f'attachment; filename="{found.name}.zip"'
    return StreamingResponse(zipped(found), media_type="application/zip", headers={"Content-Disposition": disposition})
