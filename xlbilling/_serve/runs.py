"""Invoice runs in the background, one at a time: each job writes into its own folder under ``--out``, named
by its random id (never by anything a user typed), says how far it is, and gives its folder as a zip made in a
temporary file. A user sees only their own jobs. Jobs are kept in memory: a restart forgets them (their folders
stay)."""

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

from starlette.responses import Response

from xlbilling._errors import InputError, XlbillingError
from xlbilling._serve.errors import INTERNAL, answer, hidden

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
