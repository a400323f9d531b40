"""Files shipped with xlbilling: ``templates/`` and ``macros/`` in a checkout, ``xlbilling/_templates`` and
``xlbilling/_macros`` in an installed wheel."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from xlbilling._errors import DataError

_PACKAGE = Path(__file__).resolve().parents[1]


def shipped(folder: Literal["templates", "macros"], name: str) -> Path:
    """The path of the shipped file ``folder/name``; ``DataError`` when the installation lacks it."""
    for candidate in (_PACKAGE / f"_{folder}" / name, _PACKAGE.parent / folder / name):
        if candidate.is_file():
            return candidate
    raise DataError(f"{folder}/{name} is missing from this installation of xlbilling.", "Reinstall xlbilling.")
