"""One close at a time per output folder: ``.xlbilling-close.lock`` in it, locked by the operating system while
a close runs and holding who runs it (process id, its start time, the machine and its boot), so a second close
is refused naming the first, and a lock left by a killed close is recognised and taken over.

The operating system's lock goes with the process that held it, whatever killed it. On a file system that
does not lock (some network shares), the holder's process is looked up instead: the same process id with the
same start time on the same boot is still running; anything else is a close that was killed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from xlbilling._errors import DataError, InputError

LOCK_NAME = ".xlbilling-close.lock"
_WINDOWS_LOCK_AT = 1 << 20
"""Where the byte Windows locks lies: past the holder's details, which another process must still read."""


@dataclass(frozen=True)
class Holder:
    """Who holds (or held) the lock."""

    pid: int
    host: str
    boot: str
    started: str
    """The process's start as the system counts it (clock ticks since boot on Linux; empty where unknown)."""
    since: str
    command: str

    def __str__(self) -> str:
        return f"process {self.pid} on {self.host}, running since {self.since} ({self.command})"

    def running(self) -> bool:
        """Whether this process still runs: the same id, start time and boot on this machine (a process on
        another machine is taken to run)."""
        if self.host != socket.gethostname():
            return True
        if self.boot and self.boot != _boot_id():
            return False
        started = _start_ticks(self.pid)
        if started is not None:
            return started == self.started
        return _exists(self.pid)


class LockHeld(InputError):
    """Another close is running into the same output folder."""

    def __init__(self, folder: Path, holder: Holder | None) -> None:
        who = str(holder) if holder else "a process whose details cannot be read"
        super().__init__(
            f"Another close is writing to {folder}: {who}.",
            f"Wait for it to finish. If it is no longer running (its machine went down), delete {folder / LOCK_NAME}.",
        )
        self.holder = holder


class CloseLock:
    """The lock of one output folder; ``taken_over`` is the holder of a lock left by a killed close."""

    def __init__(self, folder: Path, command: str) -> None:
        self.folder = folder
        self.path = folder / LOCK_NAME
        self.command = command
        self.taken_over: Holder | None = None
        self._fd: int | None = None

    def __enter__(self) -> CloseLock:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DataError(
                f"Cannot create {self.folder}: {error.strerror}.", "Choose a folder you can write to."
            ) from None
        for _ in range(10):  # another close may remove the file between our open and our lock: open it again
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _lock(fd):
                holder = _read(fd)
                os.close(fd)
                raise LockHeld(self.folder, holder)
            if _same_file(fd, self.path):
                break
            os.close(fd)
        else:
            raise LockHeld(self.folder, None)
        earlier = _read(fd)
        if earlier is not None and earlier.pid != os.getpid() and earlier.running():
            os.close(fd)  # the system's lock did not hold (a file system without locks): the holder still runs
            raise LockHeld(self.folder, earlier)
        self.taken_over = earlier
        _write(fd, _me(self.command))
        self._fd = fd
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._fd is None:
            return
        if os.name == "nt":  # Windows cannot remove an open file: leave it empty, unlocked
            os.ftruncate(self._fd, 0)
        else:
            with contextlib.suppress(OSError):
                self.path.unlink()
        os.close(self._fd)
        self._fd = None


def _me(command: str) -> Holder:
    pid = os.getpid()
    since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return Holder(pid, socket.gethostname(), _boot_id(), _start_ticks(pid) or "", since, command)


def _lock(fd: int) -> bool:
    """Lock ``fd`` for this process without waiting; False when another process holds it."""
    try:
        if os.name == "nt":
            import msvcrt

            os.lseek(fd, _WINDOWS_LOCK_AT, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]  # Windows only
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as error:
        if os.name == "nt" or error.errno not in (errno.ENOLCK, errno.EOPNOTSUPP):
            return False
    return True  # locked, or a file system that cannot lock: the holder's process is then looked up


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


def _read(fd: int) -> Holder | None:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 65536).split(b"\0", 1)[0]
    try:
        return Holder(**json.loads(text))
    except (ValueError, TypeError):
        return None


def _write(fd: int, holder: Holder) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps(asdict(holder)).encode())
    os.fsync(fd)


def _boot_id() -> str:
    """This boot's identity (Linux); empty where the system gives none."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _start_ticks(pid: int) -> str | None:
    """When process ``pid`` started, in clock ticks since boot (Linux); None when unknown or not running."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, counted after the command name in parentheses


def _exists(pid: int) -> bool:
    """Whether a process ``pid`` exists, where the start time cannot be read (not Linux)."""
    if os.name == "nt":
        return False  # Windows' own lock is reliable on its file systems: a lock that came free was left behind
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
