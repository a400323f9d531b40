"""Replacing or removing a file another program may hold open (Excel, a PDF viewer): one clear error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from xlbilling._errors import DataError

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
