"""Cell values both ways: API text made safe for a cell or CSV field, and what a person typed in a cell read.

A customer called ``=HYPERLINK(...)`` must show up as that text, never run as a formula (OWASP
CSV/formula injection), and control characters that break files or terminals are removed. A yes/no typed
in a cell (the Control sheet, a formula argument) is read by ``flag`` alone, so both accept the same words.
``wrapped_lines`` says how many lines a wrapped cell's text takes, for the rows written tall enough to show it.
"""

from __future__ import annotations

import re
from typing import Any

# Control characters and DEL, and what XML 1.0 forbids besides: lone surrogates, U+FFFE and U+FFFF.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def clean_text(text: str) -> str:
    """Return ``text`` without control characters (tab, CR and LF are kept) and without the characters
    XML 1.0 forbids (lone surrogates, U+FFFE, U+FFFF), which would make a workbook unreadable."""
    return _CONTROL.sub("", text)


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would treat ``text`` as the start of a formula."""
    return text.startswith(_FORMULA_START)


def neutralize(value: Any) -> Any:
    """Return a value safe to write as cell *text*: strings lose control characters and, when they look
    like a formula, get a leading apostrophe (Excel's own text prefix, which it does not display).

    Non-strings pass through unchanged. Use this where the writer cannot mark a cell as text
    (xlwings ranges, CSV); openpyxl writers keep the text and force the cell type to string instead.
    """
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    if is_formula_like(text):
        return "'" + text
    return text


_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


def flag(value: Any) -> bool | None:
    """A yes/no as a person types it in a cell: TRUE/FALSE, 1/0, or the words true/yes/1 and false/no/0 in
    any case; ``None`` when ``value`` is none of these (each door says so in its own words)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = value.strip().lower() if isinstance(value, str) else None
    return True if text in _TRUE else False if text in _FALSE else None


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes wrapped at spaces in a column ``width`` characters wide: a width counts
    digits, and text runs about a tenth narrower (with a character to spare for the cell's padding)."""
    per_line = max(int(width * 1.1) - 1, 1)
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > per_line:
            lines, used = lines + 1, 0
        used += (1 if used else 0) + len(word)
        while used > per_line:  # a word longer than a line breaks within it
            lines, used = lines + 1, used - per_line
    return lines
