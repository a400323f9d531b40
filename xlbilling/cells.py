"""Text from an API made safe to put in a spreadsheet cell or a CSV field.

A customer called ``=HYPERLINK(...)`` must show up as that text, never run as a formula (OWASP
CSV/formula injection), and control characters that break files or terminals are removed.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def clean_text(text: str) -> str:
    """Return ``text`` without control characters (tab, CR and LF are kept)."""
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
