"""Files written safely: to a temporary name beside the target, then renamed into place, so a run that
is killed never leaves a half-written file under its final name; and a file another program holds open
(Excel, a PDF viewer) replaced or removed with one clear error."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from xlbilling._errors import DataError


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends without error it is renamed to
    ``path``, otherwise it is removed. Folders are created as needed."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        os.close(handle)
        os.chmod(name, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the user's usual mode
    except OSError as error:
        raise DataError(f"Cannot write {target}: {error.strerror}.", "Choose a folder you can write to.") from None
    temp = Path(name)
    try:
        yield temp
        os.replace(temp, target)
    except OSError as error:
        raise DataError(f"Cannot write {target}: {error.strerror}.", "Choose a folder you can write to.") from None
    finally:
        temp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: str | os.PathLike[str], content: bytes) -> Path:
    """Write ``content`` to ``path`` through a temporary file and return the path."""
    with atomic_path(path) as temp:
        temp.write_bytes(content)
    return Path(path)


CLOSE_HINT = (
    "Close it if it is open in Excel or a PDF viewer, check you can write to its folder, "
    "then run the same command again."
)


@contextmanager
def replacing(path: Path) -> Iterator[None]:
    """Run a block that replaces or removes ``path``; an ``OSError`` (or the ``DataError`` of a failed
    atomic write) becomes a ``DataError`` naming the file and saying to close it."""
    try:
        yield
    except OSError as error:
        raise DataError(f"Cannot replace or remove {path}: {error.strerror or error}.", CLOSE_HINT) from None
    except DataError as error:
        raise DataError(error.message, CLOSE_HINT) from None


def remove(path: Path) -> None:
    """Delete ``path`` if it exists; ``DataError`` naming it when it cannot be deleted."""
    with replacing(path):
        path.unlink(missing_ok=True)
