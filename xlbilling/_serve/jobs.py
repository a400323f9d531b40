"""Invoice runs in the background: ``POST /api/jobs/report?period=D&customer=C&pdf=true&einvoice=ubl`` answers
``202 {"job": id}`` at once, ``GET /api/jobs/<id>`` says how far it is, ``GET /api/jobs/<id>/download`` gives
the run's folder as a zip (workbooks, PDFs, e-invoices, ``manifest.json``, ``index.xlsx``).

The query is read with ``xlbilling report``'s own options (``period``, ``customer``, ``proration``,
``tax_rate``, ``allow_open``, ``pdf``, ``einvoice``) and checked before the job starts, so a wrong period is a
400 at once, not a failed job (``xlbilling._serve.runs`` runs them). A user sees only their own jobs (403 for
another's, 404 for none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from xlbilling._errors import OpenPeriodError
from xlbilling._serve.errors import answer, respond
from xlbilling._serve.query import command, read_query
from xlbilling._serve.runs import zipped
from xlbilling._serve.state import Server, server_of, user_of

if TYPE_CHECKING:
    from pathlib import Path

    from xlbilling import Manifest, Progress


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
        said = "failed" if found.state == "failed" else "is still running"
        return answer(409, f"Invoice job {found.id} {said}: nothing to download.")
    disposition = f'attachment; filename="{found.name}.zip"'
    return StreamingResponse(zipped(found), media_type="application/zip", headers={"Content-Disposition": disposition})
