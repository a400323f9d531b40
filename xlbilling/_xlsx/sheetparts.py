"""What a refreshed sheet's XML gets besides its cells: its tables' columns fitted to their content, the header
row frozen, and the list of its table parts, each written into the raw XML without touching anything else."""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd
from openpyxl.utils import column_index_from_string

from xlbilling._xlsx.columns import with_columns, with_frozen_rows
from xlbilling._xlsx.package import PREFIX, insert_before_end, prefix_of
from xlbilling._xlsx.tablecells import DATE_FORMAT, DATETIME_FORMAT, column_format

_TABLE_PARTS = re.compile(rf"<({PREFIX}tableParts)\b([^>]*?)(/?)>".encode())
_EXT_LISTS = re.compile(rf"<(/?)({PREFIX}extLst)\b[^>]*?(/?)>".encode())
_WORKSHEET_END = re.compile(rf"\s*</{PREFIX}worksheet\s*>\s*".encode())


WIDEST = 100
"""The widest a fitted table column gets, in characters: wide enough for a service's description with its
user's address, so such text shows whole on screen and on paper (longer text runs past the cell edge)."""
_SAMPLE_ROWS = 2000
"""How many rows a column's width is measured on (the longest of them, or of its header)."""


def fitted(df: pd.DataFrame, headers: list[str]) -> list[float]:
    """Each column's width: its longest header or value among the first rows, plus room, between 8 and
    ``WIDEST`` characters (dates as they show, ``yyyy-mm-dd``; money with two decimals)."""
    sample = df.head(_SAMPLE_ROWS)
    widths = []
    for header, column in zip(headers, sample.columns, strict=True):
        shown_as = column_format(df[column])
        if shown_as in (DATE_FORMAT, DATETIME_FORMAT):
            longest = max(len(header), len(shown_as))
        else:
            values = sample[column].dropna()
            shown = values.map(lambda v: f"{v:.2f}" if isinstance(v, Decimal) else str(v))
            longest = max([len(header), *shown.map(len)])
        widths.append(float(min(max(longest + 2, 8), WIDEST)))
    return widths


def laid_out(widths: dict[str, float], prefix: str, header_row: int | None, data: bytes) -> bytes:
    """The XML before a sheet's cells with its tables' columns fitted and the rows down to the header row
    frozen (unless the sheet's owner froze or split it already)."""
    text = with_columns(data.decode("utf-8"), widths, prefix=prefix)
    if header_row:
        text = with_frozen_rows(text, header_row)
    return text.encode("utf-8")


def with_table_parts(rels: list[str], rels_ns: str, data: bytes) -> bytes:
    """The end of a sheet's XML, ``data``, listing the table parts ``rels`` too (``r:id`` in the namespace
    ``rels_ns`` of the workbook's conformance class)."""
    for rel in rels:
        data = _with_table_part(data, rel, rels_ns)
    return data


def _with_table_part(data: bytes, rel: str, rels_ns: str) -> bytes:
    """The sheet XML ``data`` listing one more table part (``rel``), where the schema puts the list, in the
    namespace prefix of the list, or of the worksheet when the list is new."""

    def entry(prefix: str) -> bytes:
        return f'<{prefix}tablePart xmlns:r="{rels_ns}" r:id="{rel}"/>'.encode()

    def block(prefix: str) -> bytes:
        return f'<{prefix}tableParts count="1">'.encode() + entry(prefix) + f"</{prefix}tableParts>".encode()

    found = _TABLE_PARTS.search(data)
    if found is not None:
        prefix = prefix_of(found.group(1))
        if found.group(3):
            return data[: found.start()] + block(prefix) + data[found.end() :]
        close = data.find(f"</{prefix}tableParts>".encode(), found.end())
        count = data.count(b"tablePart ", found.end(), close) + data.count(b"tablePart>", found.end(), close) + 1
        head = re.sub(rb'\s+count="\d*"', b"", data[found.start() : found.end() - 1]) + f' count="{count}">'.encode()
        return data[: found.start()] + head + data[found.end() : close] + entry(prefix) + data[close:]
    ext = _sheet_ext_list(data)
    if ext is not None:
        return data[: ext.start()] + block(prefix_of(ext.group(2))) + data[ext.start() :]
    return insert_before_end(data, "worksheet", lambda prefix: block(prefix).decode())


def _sheet_ext_list(data: bytes) -> re.Match[bytes] | None:
    """The opening tag of the worksheet's own ``extLst`` (its last child) in the end of a sheet's XML, ``data``;
    not one nested in a conditional format's rule or elsewhere."""
    depth, opened, last = 0, None, None
    for tag in _EXT_LISTS.finditer(data):
        if tag.group(1):  # </extLst>
            depth -= 1
            if depth == 0 and opened is not None:
                last = (opened, tag.end())
        elif tag.group(3):  # <extLst/>
            if depth == 0:
                last = (tag, tag.end())
        else:
            depth += 1
            opened = tag if depth == 1 else opened
    return last[0] if last is not None and _WORKSHEET_END.fullmatch(data, last[1]) else None


_CHART_RANGE = re.compile(rb"(<(?:\w+:)?f>(?:'?([^'!<]+)'?!))\$([A-Z]{1,3})\$(\d+):\$\3\$(\d+)(</(?:\w+:)?f>)")


def fitted_chart(data: bytes, sheet: str, tables: list[tuple[int, int, int, int]]) -> bytes:
    """A chart's XML, ``data``, whose series read a column of one of ``sheet``'s tables (``tables``: top, left,
    bottom, right of each, the header row first) reading exactly the table's body rows, so the chart shows no
    empty band when the table holds fewer rows than the chart was drawn for. Other ranges are kept."""

    def fit(match: re.Match[bytes]) -> bytes:
        on, column, first = (
            match.group(2).decode(),
            column_index_from_string(match.group(3).decode()),
            int(match.group(4)),
        )
        for top, left, bottom, right in tables:
            if on == sheet and left <= column <= right and first == top + 1:
                last = max(bottom, top + 1)
                return (
                    match.group(1)
                    + f"${match.group(3).decode()}${first}:${match.group(3).decode()}${last}".encode()
                    + match.group(6)
                )
        return match.group(0)

    return _CHART_RANGE.sub(fit, data)
