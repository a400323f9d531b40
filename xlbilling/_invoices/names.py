"""File names for invoices: readable, safe on Windows and POSIX, short, unique, inside the output folder."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

MAX_STEM = 80
MAX_FILE_NAME = 80
"""The longest an invoice's file name gets, its extension and marks included (the README promises it)."""
LONGEST_SUFFIX = ".xlsx"
"""The longest extension an invoice's files get (``.xlsx``; its PDF and e-invoice have ``.pdf`` and ``.xml``)."""
MAX_CODE = 18
"""The longest account code kept whole in a file name; a longer one is cut (Atria's codes are 7 characters)."""
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


def invoice_stems(keys: list[tuple[str, str]], marks: Sequence[str] = ()) -> list[str]:
    """One unique stem per (Bill To name, account code): ``Name - CODE``, then `` (DRAFT, SAMPLE)`` when
    ``marks`` are given; a clash (the same name and code, or names equal but for case) gets `` (2)``,
    `` (3)``... after the code, in the given order. Each stem leaves room for ``.xlsx`` within
    ``MAX_FILE_NAME`` characters: a long name is shortened, never the account code, the clash number or the
    marks."""
    marked = f" ({', '.join(marks)})" if marks else ""
    taken: set[str] = set()
    stems = []
    for name, account in keys:
        code = safe_stem(account)[:MAX_CODE]
        number = 1
        while True:
            tail = f" - {code}" + (f" ({number})" if number > 1 else "") + marked
            room = MAX_FILE_NAME - len(LONGEST_SUFFIX) - len(tail)
            stem = safe_stem(name)[:room].rstrip(" .") + tail
            if stem.casefold() not in taken:
                break
            number += 1
        taken.add(stem.casefold())
        stems.append(stem)
    return stems


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, checked to stay inside ``folder`` (a bug guard: names come from ``safe_stem``)."""
    path = folder / name
    if path.resolve().parent != folder.resolve():
        raise ValueError(f"{name!r} would leave {folder}")
    return path
