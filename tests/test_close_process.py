"""``xlbilling close`` in its own process: killed (``kill -9``) at each step, the next close completes and its
folder equals a clean close's; a second close at the same time exits 2 naming the first; a lock left by a
killed close is taken over. A close pauses at a checkpoint (``XLBILLING_CLOSE_PAUSE``) and says so on
stderr; the test reads that line from the pipe, so nothing here waits on a clock."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.close_support import close_args, env_for, files, paused, run_close, stable, webhook
from xlbilling._sandbox import Sandbox

FOLDER = "close/2026-10"
CHECKPOINTS = ("lock", "workbook", "invoices 1", "reconciliation", "margin", "report", "commit", "commit 1", "notify")


@pytest.fixture(scope="module")
def hook() -> Iterator[int]:
    """A webhook on loopback the closes notify (so the notify step is there to be killed in): its port."""
    with webhook() as (_, port):
        yield port


def args(hook: int) -> list[str]:
    return close_args("close", "--notify", f"json://127.0.0.1:{hook}/close")


@pytest.fixture(scope="module")
def clean(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory, hook: int) -> Path:
    """A close that nothing interrupted, into an empty folder."""
    home = tmp_path_factory.mktemp("clean")
    ran = run_close(env_for(sandbox, home / "config.toml"), home, args(hook))
    assert ran.returncode == 1, ran.stderr
    return home


def same_as_clean(home: Path, clean: Path) -> None:
    got, want = files(home / "close"), files(clean / "close")
    assert sorted(got) == sorted(want), "the same files, and no staging folder, journal or lock left"
    reports = ("2026-10/report.json", "2026-10/report.html")
    assert {n for n in got if n not in reports and got[n] != want[n]} == set(), "every other file byte for byte"
    assert stable(json.loads(got[reports[0]])) == stable(json.loads(want[reports[0]]))


@pytest.mark.parametrize("checkpoint", CHECKPOINTS)
def test_a_close_killed_at_any_step_is_completed_by_the_next_and_equals_a_clean_close(
    sandbox: Sandbox, tmp_path: Path, clean: Path, hook: int, checkpoint: str
) -> None:
    env = env_for(sandbox, tmp_path / "config.toml")
    with paused(env, tmp_path, args(hook), checkpoint) as killed:
        killed.kill()  # SIGKILL: no clean-up of any kind
        assert killed.wait() == -signal.SIGKILL
    again = run_close(env, tmp_path, args(hook))
    assert again.returncode == 1, again.stderr
    if checkpoint == "commit 1":
        assert "finished the commit of an interrupted close" in again.stderr
    if checkpoint in ("workbook", "invoices 1", "reconciliation", "margin", "report", "commit"):
        assert "removed the unfinished work of an interrupted close" in again.stderr
    assert f"took over the lock left by process {killed.pid}" in again.stderr
    same_as_clean(tmp_path, clean)
    report = json.loads((tmp_path / FOLDER / "report.json").read_text(encoding="utf-8"))
    assert [n["status"] for n in report["notifications"]] == ["sent"]


def test_a_second_close_exits_2_naming_the_first_and_a_killed_ones_lock_is_taken_over(
    sandbox: Sandbox, tmp_path: Path, hook: int
) -> None:
    env = env_for(sandbox, tmp_path / "config.toml")
    with paused(env, tmp_path, args(hook), "invoices") as first:
        second = run_close(env, tmp_path, args(hook))
        assert second.returncode == 2
        assert second.stderr.startswith(f"error: Another close is writing to close: process {first.pid} on ")
        assert "xlbilling close --out close" in second.stderr and "Wait for it to finish" in second.stderr
        assert not (tmp_path / FOLDER).exists()
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    third = run_close(env, tmp_path, args(hook))
    assert third.returncode == 1, third.stderr
    assert f"took over the lock left by process {first.pid} on " in third.stderr
    assert (tmp_path / FOLDER / "report.json").is_file() and not (tmp_path / "close" / ".xlbilling-close.lock").exists()
