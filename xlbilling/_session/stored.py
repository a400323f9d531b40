"""Closed periods kept on disk between runs (``Store``), so a second ``margin`` or a ``margin`` after a
``reconcile`` asks the APIs again only for what may have changed (docs/cache.md says it for users).

What is kept, under the user cache folder (``platformdirs``; ``XLBILLING_CACHE_DIR`` moves it), in one folder
per API address (a hash of it: two instances never mix, and no address or token is written anywhere):

- the Atria invoice lines of a closed period, used again without asking (a closed period does not change);
- each Xarios invoice added up (``InvoiceCharges``), under its id and the value the invoice list gives it
  (and its number and period), with the ``ETag`` the API sent: it is asked for again with ``If-None-Match``,
  so a reissued invoice is fetched anew (``304 Not Modified`` otherwise). Without an ``ETag``, a changed value
  is what tells a reissued invoice.

An entry is used for ``MAX_AGE`` at most; ``refresh`` reads none (and writes fresh ones). Files are written to
a temporary name and renamed, and say what they hold (a SHA-256 of it): a file that cannot be read or does not
hold what it says (cut short, damaged, another version's) is ignored and fetched again, never an error.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any

import orjson

from xlbilling._errors import DataError
from xlbilling._files import write_atomically

logger = logging.getLogger("xlbilling.cache")

FORMAT = 1
"""The layout of an entry; an entry of another layout is ignored."""
MAX_AGE = 30 * 24 * 3600.0
"""Seconds an entry is used for after it was fetched: thirty days."""
_SOURCE = re.compile(r"[0-9a-f]{16}")
_ENTRY = re.compile(r"[0-9a-f]{40}\.json")
UNREADABLE = (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError)
"""What reading a damaged entry may raise (``orjson``'s errors are ``ValueError``)."""


def default_folder() -> Path:
    """Where the entries are kept: ``XLBILLING_CACHE_DIR``, else the user cache folder's ``closed-periods``."""
    chosen = os.environ.get("XLBILLING_CACHE_DIR", "").strip()
    if chosen:
        return Path(chosen).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("xlbilling", appauthor=False)) / "closed-periods"


class Store:
    """Entries on disk under ``folder`` (default: ``default_folder()``), one folder per API address;
    ``refresh`` reads none of them."""

    def __init__(
        self, folder: Path | None = None, *, refresh: bool = False, clock: Callable[[], float] = time.time
    ) -> None:
        self._folder = folder
        self.refresh = refresh
        self._clock = clock

    @property
    def folder(self) -> Path:
        """Where the entries are (``XLBILLING_CACHE_DIR`` is read each time: a long-lived session follows it)."""
        return self._folder if self._folder is not None else default_folder()

    def read(self, source: str, key: str) -> dict[str, Any] | None:
        """The values kept for ``key`` from the API at ``source``: ``None`` when there are none, they are older
        than ``MAX_AGE``, the file cannot be read or does not hold what it says it does, or ``refresh`` is on."""
        if self.refresh:
            return None
        path = self._path(source, key)
        try:
            head, _, body = path.read_bytes().partition(b"\n")
            said = orjson.loads(head)
            if said["format"] != FORMAT or said["key"] != key or self._clock() - said["stored"] >= MAX_AGE:
                return None
            if said["sha256"] != hashlib.sha256(body).hexdigest():
                raise ValueError("the file does not hold what it says it does")
            values: dict[str, Any] = orjson.loads(body)
            return values if isinstance(values, dict) else None
        except FileNotFoundError:
            return None
        except UNREADABLE as error:
            logger.debug("ignoring the unreadable cache file %s (%s)", path, error)
            return None

    def write(self, source: str, key: str, **values: Any) -> None:
        """Keep ``values`` (JSON values) for ``key``, and forget every entry older than ``MAX_AGE`` (also those
        of an API no longer used); a folder that cannot be written is only logged."""
        body = orjson.dumps(values)
        head = {"format": FORMAT, "key": key, "stored": self._clock(), "sha256": hashlib.sha256(body).hexdigest()}
        path = self._path(source, key)
        try:
            write_atomically(path, orjson.dumps(head) + b"\n" + body)
        except DataError as error:
            logger.debug("the cache could not be written: %s", error.message)
            return
        for folder in self._sources():
            for other in _entries(folder):
                with suppress(OSError):
                    if self._clock() - other.stat().st_mtime > MAX_AGE:
                        other.unlink()
            with suppress(OSError):
                folder.rmdir()  # only when nothing is left in it

    def usage(self) -> tuple[int, int]:
        """How many entries are kept, of every API, and how many bytes they take."""
        sizes = [path.stat().st_size for folder in self._sources() for path in _entries(folder)]
        return len(sizes), sum(sizes)

    def clear(self, sources: Iterable[str] | None = None) -> int:
        """Remove the entries of the APIs at ``sources`` (default: of every API); how many there were. Only
        xlbilling's own files go, whatever folder ``XLBILLING_CACHE_DIR`` names."""
        folders = [self._source(source) for source in sources] if sources is not None else self._sources()
        removed = 0
        for folder in folders:
            for path in _entries(folder):
                with suppress(OSError):
                    path.unlink()
                    removed += 1
            for path in folder.glob(".*.json.*.part"):  # left by a run killed while writing
                path.unlink(missing_ok=True)
            with suppress(OSError):
                folder.rmdir()
        return removed

    def _sources(self) -> list[Path]:
        """The folder of each API's entries."""
        return [path for path in self.folder.glob("*") if path.is_dir() and _SOURCE.fullmatch(path.name)]

    def _source(self, source: str) -> Path:
        """The folder of the entries of the API at ``source`` (named by a hash of its address)."""
        return self.folder / _digest(source.rstrip("/"), 16)

    def _path(self, source: str, key: str) -> Path:
        return self._source(source) / f"{_digest(key, 40)}.json"


def _entries(folder: Path) -> list[Path]:
    """The entry files in one API's folder (none when it does not exist)."""
    return [path for path in folder.glob("*.json") if _ENTRY.fullmatch(path.name)] if folder.is_dir() else []


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]
