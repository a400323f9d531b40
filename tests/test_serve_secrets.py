"""No token anywhere: neither a user's personal token nor the Atria/Xarios token appears in any answer, any log
line (everything logged, at DEBUG, while the server works) or any file the server writes; the database holds only
the personal token's hash."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from tests.serve_support import client, finished, serving
from xlbilling._sandbox import Sandbox
from xlbilling._serve.users import new_token, token_hash

pytestmark = pytest.mark.usefixtures("sandbox_env")


def seen(answer: httpx.Response) -> str:
    """Everything a browser gets of an answer: status line, headers and body."""
    headers = "\n".join(f"{name}: {value}" for name, value in answer.headers.items())
    return f"{answer.status_code}\n{headers}\n{answer.content.decode('utf-8', 'replace')}"


def test_no_token_in_any_answer_log_line_or_file(
    sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with serving(sandbox, tmp_path) as running:
        token = running.server.users.add("alice")
        with client(running, token) as http:
            answers = [
                http.get("/api/summary?period=2026-10-31"),
                http.get(f"/api/periods?token={token}"),  # a token where it does not belong
                http.get(f"/api/summary?period={token}"),
                http.get("/api/tables?only=customers,reconciliation"),
                http.get("/api/xarios/show?invoice=INV-202610"),
                client(running, new_token()).get("/api/me"),
                http.get("/manifest.xml"),
            ]
            job = http.post("/api/jobs/report?period=2026-10-31&customer=CUST0023").json()["job"]
            finished(http, job)
            answers += [http.get(f"/api/jobs/{job}"), http.get(f"/api/jobs/{job}/download")]
    assert [answer.status_code for answer in answers] == [200, 400, 400, 200, 200, 401, 200, 200, 200]
    assert answers[2].json() == {"error": "'xlb_…(redacted)' is not a date. Give the period's end date as YYYY-MM-DD "
                                 "(e.g. 2026-10-31), a date cell or an Excel date serial; `xlbilling periods` lists "
                                 "the periods."}  # fmt: skip
    # what the server logged (its own threads; this test's client logs its requests, token and all, on the main one)
    logged = "\n".join(caplog.handler.format(r) for r in caplog.records if r.threadName != "MainThread")
    assert 'alice "GET /api/periods?token=xlb_…(redacted)" 400' in logged  # the access log line
    assert "get /api/billing/2026-10-31" in logged.lower()  # the server's own requests to Atria, at DEBUG
    secrets = {"the user's token": token, "the Atria and Xarios token": sandbox.token}
    for what, secret in secrets.items():
        for answer in answers:
            assert secret not in seen(answer), (what, answer.request.url.path)
        assert secret not in logged, what
        for path in tmp_path.rglob("*"):
            assert not path.is_file() or secret.encode() not in path.read_bytes(), (what, path)
    assert 'alice "GET /api/periods?token=xlb_…(redacted)" 400' in caplog.text  # the access log line
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("serve.sqlite3*"))
    assert token_hash(token).encode() in stored  # what is kept of it
