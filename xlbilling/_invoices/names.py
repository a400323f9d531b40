"""File names for invoices: readable, safe on Windows and POSIX, short, unique, inside the output folder."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

MAX_STEM = 80
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


def safe_stem(text: str) -> str:
    """``text`` made into a file name stem: no path separators, reserved names or control characters, no
    leading dots, spaces or formula signs (``=+-@``), no trailing dots or spaces, at most ``MAX_STEM``
    characters; never empty."""
    stem = _UNSAFE.sub("_", unicodedata.normalize("NFKC", text))
    stem = " ".join(stem.split())[:MAX_STEM].lstrip(" .=+-@").rstrip(" .")
    if not stem:
        return "_"
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    return stem


def invoice_stems(keys: list[tuple[str, str]]) -> list[str]:
    """One unique stem per (Bill To name, account code): ``Name - CODE``; a clash (the same name and code,
    or names equal but for case) gets `` (2)``, `` (3)``... in the given order."""
    taken: set[str] = set()
    stems = []
    for name, account in keys:
        base = safe_stem(f"{safe_stem(name)[:60]} - {safe_stem(account)[:18]}")
        stem, number = base, 1
        while stem.casefold() in taken:
            number += 1
            stem = f"{base} ({number})"
        taken.add(stem.casefold())
        stems.append(stem)
    return stems


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, checked to stay inside ``folder`` (a bug guard: names come from ``safe_stem``)."""
    path = folder / name
    if path.resolve().parent != folder.resolve():
        raise ValueError(f"{name!r} would leave {folder}")
    return path
