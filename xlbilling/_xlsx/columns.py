"""Column widths and hidden columns set in a worksheet's raw XML (its ``<cols>`` list), and frozen header
rows, leaving every other column setting as it was; a range of columns that one entry covers is split."""

from __future__ import annotations

import re
from collections.abc import Collection

from openpyxl.utils import column_index_from_string

_COLS = re.compile(r"<(\w+:)?cols>(.*?)</(?:\w+:)?cols>|<(\w+:)?cols\s*/>", re.S)
_COL = re.compile(r"<(?:\w+:)?col\b([^>]*?)/>")
_SPAN = re.compile(r'\s(min|max)="(\d+)"')
_SHEET_VIEW = re.compile(r"<((?:\w+:)?)sheetView\b([^>]*?)(/?)>")
_PANE = re.compile(r"<(?:\w+:)?pane\b")


def with_columns(head: str, widths: dict[str, float], hidden: Collection[str] = (), prefix: str = "") -> str:
    """The XML before a sheet's cells, ``head``, with the columns named in ``widths`` (letters -> width in
    characters) set to those widths and those in ``hidden`` hidden; ``prefix`` is the sheet's namespace
    prefix (``x:`` or ""), used when the list has to be made."""
    if not widths and not hidden:
        return head
    match = _COLS.search(head)
    if match is not None:
        prefix = match.group(1) or match.group(3) or ""
    spans: list[tuple[int, int, str]] = []
    for col in _COL.finditer((match.group(2) or "") if match else ""):
        bounds = dict(_SPAN.findall(col.group(1)))
        spans.append((int(bounds["min"]), int(bounds["max"]), _SPAN.sub("", col.group(1))))
    changes = {column_index_from_string(c): {"width": f"{w:g}", "customWidth": "1"} for c, w in widths.items()}
    for column in hidden:
        changes.setdefault(column_index_from_string(column), {})["hidden"] = "1"
    for index, attrs in sorted(changes.items()):
        at = next((n for n, (low, high, _) in enumerate(spans) if low <= index <= high), None)
        if at is None:
            spans.append((index, index, ""))
            spans.sort()
            at = spans.index((index, index, ""))
        low, high, rest = spans.pop(at)
        pieces = [(low, index - 1, rest), (index, index, _with(rest, attrs)), (index + 1, high, rest)]
        spans[at:at] = [piece for piece in pieces if piece[0] <= piece[1]]
    cols = "".join(f'<{prefix}col min="{low}" max="{high}"{rest.rstrip()}/>' for low, high, rest in spans)
    listed = f"<{prefix}cols>{cols}</{prefix}cols>"
    if match is None:
        return head + listed  # the list comes last before the cells
    return head[: match.start()] + listed + head[match.end() :]


def with_frozen_rows(head: str, rows: int) -> str:
    """``head`` with the sheet's first ``rows`` rows frozen, unless the sheet already has a pane (split or
    frozen by its owner), which is kept."""
    if _PANE.search(head):
        return head
    view = _SHEET_VIEW.search(head)
    if view is None:
        return head
    prefix, attributes, empty = view.group(1), view.group(2), view.group(3)
    pane = f'<{prefix}pane ySplit="{rows}" topLeftCell="A{rows + 1}" activePane="bottomLeft" state="frozen"/>'
    if empty:
        return head[: view.start()] + f"<{prefix}sheetView{attributes}>{pane}</{prefix}sheetView>" + head[view.end() :]
    return head[: view.end()] + pane + head[view.end() :]


def _with(attrs: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        attrs = re.sub(rf'\s{name}="[^"]*"', "", attrs) + f' {name}="{value}"'
    return attrs
