"""Who may use the server: an SQLite file holding each user's personal token as a SHA-256 hash (never the token
itself), when it was made and last used, whether it was revoked, and the audit trail of who asked for what.

A token is ``xlb_`` and 43 URL-safe characters (256 random bits); it is shown once, by ``xlbilling users add``.
The server reads this file on every request, so a revocation counts at once, also for a running server.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from xlbilling._errors import ConfigError, InputError

PREFIX = "xlb_"
TOKEN = re.compile(r"xlb_[A-Za-z0-9_-]{16,}")
"""Anything that looks like a personal token, to be blotted out of a log line or an audit row."""
NAME = re.compile(r"[\w.@+-]{1,64}")
SEEN_EVERY = 60.0
"""Seconds between two updates of a user's "last used" time (every request is in the audit trail anyway)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL,
    created TEXT NOT NULL,
    last_used TEXT,
    revoked TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    status INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_user ON audit (user, id);
"""


def new_token() -> str:
    """A new personal token: ``xlb_`` and 256 random bits as 43 URL-safe characters."""
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def redacted(text: str) -> str:
    """``text`` with anything that looks like a personal token replaced by ``xlb_…(redacted)``."""
    return TOKEN.sub(f"{PREFIX}…(redacted)", text)


def now() -> str:
    """The time now as the store writes it: ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class User:
    """A user as ``xlbilling users list`` shows them (never their token or its hash)."""

    name: str
    created: str
    last_used: str | None
    revoked: str | None


@dataclass(frozen=True)
class Asked:
    """One row of the audit trail."""

    at: str
    user: str | None
    method: str
    path: str
    query: str
    status: int


class Users:
    """The users' database at ``path`` (created, with its folder, when missing; readable by its owner only)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fresh = not path.exists()
            self._db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
            if fresh and os.name != "nt":
                path.chmod(0o600)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as error:
            raise ConfigError(f"The users' database {path} cannot be used ({error}).", "Check --db.") from None
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    def add(self, name: str) -> str:
        """Make ``name`` a user (again, after a revocation) and return their new token, the only time it is
        known; ``InputError`` when the name is not one or the user already has a token."""
        if not NAME.fullmatch(name):
            raise InputError(
                f"'{name}' cannot be a user name.", "Use up to 64 letters, digits and . _ @ + - (an e-mail works)."
            )
        token = new_token()
        with self._lock:
            found = self._db.execute("SELECT revoked FROM users WHERE name = ?", (name,)).fetchone()
            if found is not None and found[0] is None:
                raise InputError(
                    f"{name} already has a token.", f"Run `xlbilling users revoke {name}` first to give them a new one."
                )
            self._db.execute(
                "INSERT OR REPLACE INTO users (name, token_sha256, created) VALUES (?, ?, ?)",
                (name, token_hash(token), now()),
            )
        return token

    def revoke(self, name: str) -> None:
        """Revoke ``name``'s token at once; ``InputError`` when there is no such user with a token."""
        with self._lock:
            done = self._db.execute(
                "UPDATE users SET revoked = ? WHERE name = ? AND revoked IS NULL", (now(), name)
            ).rowcount
        if not done:
            raise InputError(f"No user {name} has a token.", "`xlbilling users list` lists the users.")

    def users(self) -> list[User]:
        """Every user, by name."""
        with self._lock:
            rows = self._db.execute("SELECT name, created, last_used, revoked FROM users ORDER BY name").fetchall()
        return [User(*row) for row in rows]

    def owner(self, token: str) -> str | None:
        """The user whose token this is (not revoked), or ``None``. Every stored hash is compared, in constant
        time, so the answer takes as long whichever user (or none) it is."""
        digest = token_hash(token)
        with self._lock:
            rows = self._db.execute("SELECT name, token_sha256 FROM users WHERE revoked IS NULL").fetchall()
        found = None
        for name, stored in rows:
            if hmac.compare_digest(stored, digest):
                found = name
        if found is not None:
            self._saw(found)
        return found

    def _saw(self, name: str) -> None:
        moment = time.monotonic()
        if moment - self._seen.get(name, -SEEN_EVERY) < SEEN_EVERY:
            return
        self._seen[name] = moment
        with self._lock, contextlib.suppress(sqlite3.OperationalError):  # a busy file: the next request tells
            self._db.execute("UPDATE users SET last_used = ? WHERE name = ?", (now(), name))

    def record(self, user: str | None, method: str, path: str, query: str, status: int) -> None:
        """Add a row to the audit trail (a token in the query is blotted out)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO audit (at, user, method, path, query, status) VALUES (?, ?, ?, ?, ?, ?)",
                (now(), user, method, redacted(path), redacted(query), status),
            )

    def audit(self, user: str | None = None, limit: int = 50) -> list[Asked]:
        """The latest ``limit`` rows of the audit trail (of ``user`` only, when given), oldest first."""
        where, args = ("WHERE user = ?", (user,)) if user else ("", ())
        with self._lock:
            rows = self._db.execute(
                f"SELECT at, user, method, path, query, status FROM audit {where} ORDER BY id DESC LIMIT ?",  # noqa: S608
                (*args, limit),
            ).fetchall()
        return [Asked(*row) for row in reversed(rows)]
