"""``xlbilling serve`` end to end on loopback, backed by the sandbox: a token from ``xlbilling users add`` reads
what the command line prints; a missing, wrong or revoked token reads nothing; 50 users asking at once cost one
upstream request; every answer carries the security headers; the audit trail and the rate limit."""

from __future__ import annotations

import json
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.serve_support import client, serving, xlbilling
from xlbilling._sandbox import Sandbox
from xlbilling._serve.users import Users, new_token

pytestmark = pytest.mark.usefixtures("sandbox_env")

SIGN_IN_AGAIN = b'{"error": "Sign in again: your xlbilling token is missing, wrong or revoked."}'


def add_user(db: Path, name: str) -> str:
    """``xlbilling users add NAME --db DB``, as an administrator runs it: the token it prints."""
    done = xlbilling("users", "add", name, "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"xlb_[A-Za-z0-9_-]{43}\n", done.stdout)
    return done.stdout.strip()


def test_a_token_from_users_add_reads_the_summary_the_command_line_prints(sandbox: Sandbox, tmp_path: Path) -> None:
    token = add_user(tmp_path / "serve.sqlite3", "alice")
    with serving(sandbox, tmp_path) as running, client(running, token) as http:
        assert http.get("/api/me").json() == {"user": "alice"}
        for query, options in (
            ("period=2026-10-31", ["--period", "2026-10-31"]),
            ("period=2026-10-15&billable_only=true&per_sku=true",
             ["--period", "2026-10-15", "--billable-only", "--per-sku"]),
        ):  # fmt: skip
            answer = http.get(f"/api/summary?{query}")
            printed = xlbilling("summary", *options, "--format", "json")
            assert printed.returncode == 0, printed.stderr
            assert answer.status_code == 200
            assert answer.headers["content-type"] == "application/json"
            assert answer.content == printed.stdout.encode()
            assert json.loads(answer.content)[0]["sku"]


def test_no_token_a_wrong_one_or_a_revoked_one_reads_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    db = tmp_path / "serve.sqlite3"
    token = add_user(db, "alice")
    with serving(sandbox, tmp_path) as running, client(running, token) as http:
        assert http.get("/api/periods").status_code == 200
        for headers in ({}, {"Authorization": f"Bearer {new_token()}"}, {"Authorization": f"Basic {token}"},
                        {"Authorization": "Bearer"}):  # fmt: skip
            refused = httpx.get(f"{running.url}/api/periods", headers=headers)
            assert refused.status_code == 401
            assert refused.content == SIGN_IN_AGAIN
            assert refused.headers["www-authenticate"] == "Bearer"
        revoked = xlbilling("users", "revoke", "alice", "--db", str(db))
        assert revoked.returncode == 0, revoked.stderr
        after = http.get("/api/periods")
        assert (after.status_code, after.content) == (401, SIGN_IN_AGAIN)
        assert http.get("/api/health").json() == {"ok": True, "version": "0.1.0"}  # needs no token
        again = add_user(db, "alice")
        assert client(running, again).get("/api/me").json() == {"user": "alice"}
        assert http.get("/api/me").status_code == 401  # the revoked token stays revoked


def test_fifty_users_asking_at_once_cost_one_upstream_request(sandbox: Sandbox, tmp_path: Path) -> None:
    token = add_user(tmp_path / "serve.sqlite3", "alice")
    with serving(sandbox, tmp_path) as running, client(running, token) as http:
        before = len(sandbox.requests)
        with ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(lambda _: http.get("/api/summary?period=2026-09-30"), range(50)))
        asked = Counter(sandbox.requests[before:])
    assert [a.status_code for a in answers] == [200] * 50
    assert len({a.content for a in answers}) == 1
    assert sum(n for request, n in asked.items() if request.lower().startswith("get /api/billing/2026-09-30")) == 1
    assert set(asked.values()) == {1}, asked  # the period list once too: one request per distinct data set


def test_every_answer_carries_the_security_headers_and_no_cors(sandbox: Sandbox, tmp_path: Path) -> None:
    token = add_user(tmp_path / "serve.sqlite3", "alice")
    (tmp_path / "addin").mkdir()
    (tmp_path / "addin" / "taskpane.html").write_text("<!doctype html><title>pane</title>")
    origin = {"Origin": "https://evil.example"}
    with serving(sandbox, tmp_path) as running, client(running, token) as http:
        answers = [
            http.get("/api/periods", headers=origin),
            http.get("/addin/taskpane.html"),
            http.get("/manifest.xml"),
            httpx.get(f"{running.url}/api/periods"),
            http.options("/api/periods", headers={**origin, "Access-Control-Request-Method": "GET"}),
        ]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff"
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self' https://appsforoffice.microsoft.com;" in policy
        assert "default-src 'self'" in policy and "*" not in policy
        assert "x-frame-options" not in answer.headers  # Excel frames the pane
        assert not [name for name in answer.headers if name.startswith("access-control-")]
    assert answers[0].headers["cache-control"] == "no-store"
    assert answers[1].text.startswith("<!doctype html>")
    assert answers[4].status_code == 405


def test_the_audit_trail_says_who_asked_for_what(sandbox: Sandbox, tmp_path: Path) -> None:
    db = tmp_path / "serve.sqlite3"
    alice, bob = add_user(db, "alice"), add_user(db, "bob")
    with serving(sandbox, tmp_path) as running:
        client(running, alice).get("/api/summary?period=2026-10-31&billable_only=true")
        client(running, bob).get("/api/customers")
        client(running, bob).get("/api/summary?period=2031-01-31")
        client(running, None).get("/api/periods")
    rows = [(r.user, r.method, r.path, r.query, r.status) for r in Users(db).audit()]
    assert rows == [
        ("alice", "GET", "/api/summary", "period=2026-10-31&billable_only=true", 200),
        ("bob", "GET", "/api/customers", "", 200),
        ("bob", "GET", "/api/summary", "period=2031-01-31", 404),
        (None, "GET", "/api/periods", "", 401),
    ]
    shown = xlbilling("users", "audit", "--user", "bob", "--db", str(db))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert [line.split("\t")[1:] for line in lines] == [
        ["bob", "GET /api/customers", "200"],
        ["bob", "GET /api/summary?period=2031-01-31", "404"],
    ]
    listed = xlbilling("users", "list", "--db", str(db)).stdout
    assert re.search(r"^alice\tcreated \S+Z\tlast used \S+Z\tactive$", listed, re.M), listed


def test_the_rate_limit_answers_429_with_retry_after(sandbox: Sandbox, tmp_path: Path) -> None:
    db = tmp_path / "serve.sqlite3"
    alice, bob = add_user(db, "alice"), add_user(db, "bob")
    with serving(sandbox, tmp_path, rate_limit=3) as running, client(running, alice) as http:
        statuses = [http.get("/api/me").status_code for _ in range(3)]
        refused = http.get("/api/periods")
        other = client(running, bob).get("/api/me")
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["error"].startswith("Too many requests: at most 3 a minute each.")
    assert other.status_code == 200  # per user
    assert ("alice", "/api/periods", 429) in [(r.user, r.path, r.status) for r in Users(db).audit()]
