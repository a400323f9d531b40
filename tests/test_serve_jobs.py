"""Invoice jobs on the server: started at once, built in the background with progress, downloaded as a zip of the
run's folder; each user sees only their own; wrong input is said before a job starts."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.serve_support import finished, serving, signed_in
from tests.test_report_build import cell_of, recalculate
from xlbilling._sandbox import Sandbox
from xlbilling._values.money import to_decimal

pytestmark = pytest.mark.usefixtures("sandbox_env")


def test_a_job_builds_invoices_with_progress_and_its_zip_holds_them(sandbox: Sandbox, tmp_path: Path) -> None:
    with serving(sandbox, tmp_path) as running, signed_in(running) as http:
        started = http.post("/api/jobs/report?period=2026-10-15&customer=Northwind%20Channel%20Ltd&pdf=true")
        assert started.status_code == 202
        job = started.json()["job"]
        state = finished(http, job)
        download = http.get(f"/api/jobs/{job}/download")
    assert state["state"] == "done", state
    assert state["error"] is None
    assert state["summary"].startswith("Wrote 1 invoice and 1 PDF to invoices-2026-10-31 (list: ")
    assert state["done"] == state["total"] == 1  # the last step the job heard of: its one PDF
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["content-disposition"] == 'attachment; filename="invoices-2026-10-31.zip"'
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    names = sorted(archive.namelist())
    listed = json.loads(archive.read("invoices-2026-10-31/manifest.json"))
    (entry,) = listed["invoices"]
    assert entry["bill_to_code"] == "CUST0023"
    assert names == sorted(
        f"invoices-2026-10-31/{name}" for name in ("manifest.json", "index.xlsx", entry["file"], entry["pdf"])
    )
    archive.extractall(tmp_path / "unzipped")
    workbook = tmp_path / "unzipped" / "invoices-2026-10-31" / entry["file"]
    assert openpyxl.load_workbook(workbook)["Invoice"]["F8"].value == entry["invoice_number"]
    recalculated = recalculate([workbook], tmp_path / "recalculated")[workbook.name]
    total = cell_of(openpyxl.load_workbook(recalculated, data_only=True), "InvoiceTotal").value
    assert isinstance(total, int | float)
    assert to_decimal(total) == to_decimal(entry["total"]) > 0
    assert (tmp_path / "jobs" / job / entry["file"]).is_file()  # the job's own folder, named by its id


def test_a_user_sees_only_their_own_jobs(sandbox: Sandbox, tmp_path: Path) -> None:
    with serving(sandbox, tmp_path) as running, signed_in(running, "alice") as alice:
        job = alice.post("/api/jobs/report?period=2026-10-31&customer=CUST0023").json()["job"]
        with signed_in(running, "bob") as bob:
            theirs = [bob.get(f"/api/jobs/{job}"), bob.get(f"/api/jobs/{job}/download")]
            unknown = [bob.get(f"/api/jobs/{'0' * 32}"), bob.get("/api/jobs/..%2F..%2Fserve.sqlite3/download")]
        finished(alice, job)
    assert [answer.status_code for answer in theirs] == [403, 403]
    assert theirs[0].json() == {"error": "That invoice job is someone else's."}
    assert [answer.status_code for answer in unknown] == [404, 404]


def test_wrong_input_is_said_before_a_job_starts(sandbox: Sandbox, tmp_path: Path) -> None:
    with serving(sandbox, tmp_path, register=None) as running, signed_in(running) as http:
        open_period = http.post("/api/jobs/report?period=2026-11-21")
        nobody = http.post("/api/jobs/report?period=2026-10-31&customer=Nobody%20Ltd")
        rate = http.post("/api/jobs/report?period=2026-10-31&tax_rate=lots")
        einvoices = http.post("/api/jobs/report?period=2026-10-31&einvoice=ubl")
    assert open_period.status_code == 409
    assert open_period.json()["error"].startswith("The billing period ending 2026-11-30 is still open")
    assert nobody.status_code == 404
    assert rate.status_code == 400 and rate.json()["error"].startswith("--tax-rate lots is not a tax rate.")
    assert einvoices.status_code == 500 and "no customer register" in einvoices.json()["error"]
    assert not (tmp_path / "jobs").exists()


def test_a_failed_job_says_why_and_has_nothing_to_download(sandbox: Sandbox, tmp_path: Path) -> None:
    with serving(sandbox, tmp_path, template=tmp_path / "missing.xlsx") as running, signed_in(running) as http:
        job = http.post("/api/jobs/report?period=2026-10-31").json()["job"]
        state = finished(http, job)
        download = http.get(f"/api/jobs/{job}/download")
    assert state["state"] == "failed"
    assert "missing.xlsx" in state["error"]
    assert download.status_code == 409
    assert download.json() == {"error": f"Invoice job {job} failed: nothing to download."}
