"""The close's lock: who holds it is told apart from a process that merely has the same id (its start time), from
one before a reboot (the boot id), and one on another machine is taken to run; a lock the operating system holds
refuses a second close in the same process too."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from xlbilling._close.lock import LOCK_NAME, CloseLock, Holder, LockHeld, _boot_id, _start_ticks


def me() -> Holder:
    return Holder(
        os.getpid(), socket.gethostname(), _boot_id(), _start_ticks(os.getpid()) or "", "now", "xlbilling close"
    )


def test_a_holder_runs_only_as_the_same_process_of_the_same_boot() -> None:
    assert me().running()
    assert not replace(me(), started=str(int(me().started) + 1)).running(), "a new process given the same id"
    assert not replace(me(), boot="another-boot").running(), "a process from before a reboot"
    assert replace(me(), host="another-machine", pid=1).running(), "another machine's process cannot be looked up"


def test_the_lock_names_its_holder_refuses_a_second_and_is_gone_after(tmp_path: Path) -> None:
    with CloseLock(tmp_path, "xlbilling close --out here") as held:
        assert held.taken_over is None
        with pytest.raises(LockHeld) as refused, CloseLock(tmp_path, "xlbilling close --again"):
            pass
        assert refused.value.holder == replace(
            refused.value.holder, pid=os.getpid(), command="xlbilling close --out here"
        )
        assert str(refused.value).startswith(f"Another close is writing to {tmp_path}: process {os.getpid()} on ")
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_lock_file_is_taken_over_only_when_its_process_is_gone(tmp_path: Path) -> None:
    """The operating system's lock is free in both cases (as on a file system that does not lock): the holder's
    process decides."""
    parent = os.getppid()
    alive = replace(me(), pid=parent, started=_start_ticks(parent) or "", command="xlbilling close --elsewhere")
    (tmp_path / LOCK_NAME).write_text(json.dumps(asdict(alive)))
    with pytest.raises(LockHeld, match=f"process {parent} on "), CloseLock(tmp_path, "xlbilling close"):
        pass
    gone = replace(alive, started="1")  # the same id, but not that process's start: it was killed, its id reused
    (tmp_path / LOCK_NAME).write_text(json.dumps(asdict(gone)))
    with CloseLock(tmp_path, "xlbilling close") as held:
        assert held.taken_over == gone
