"""An Excel table's own part (``xl/tables/tableN.xml``): read as a ``TableShape``, written new, or resized.

Resizing keeps what the user's table already had: its style, its totals row setting, and every column that
is still there with its id and settings (a calculated column's formula, a totals function, a format); only
new columns are added and gone ones dropped.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr, unescape

from xlbilling._xlsx.package import elements
from xlbilling._xlsx.tablecells import TABLE_STYLE, TableShape

TABLE_REF = re.compile(rb'(<(?:\w+:)?(?:table|autoFilter)\b[^>]*?\bref=")([^"]*)(")')
_TABLE_COLUMNS = re.compile(rb"<(\w+:)?tableColumns\b.*?</(?:\w+:)?tableColumns>", re.S)
_TABLE_COLUMN = re.compile(rb"<(?:\w+:)?tableColumn\b([^>]*?)(?:/>|>.*?</(?:\w+:)?tableColumn>)", re.S)
_NAME = re.compile(rb'\bname="([^"]*)"')
_ID = re.compile(rb'\bid="(\d+)"')
TABLE_ID = re.compile(rb'<(?:\w+:)?table\b[^>]*?\bid="(\d+)"')
_QUOTES = {"&quot;": '"', "&apos;": "'"}
"""The entities an attribute may hold besides those ``unescape`` knows (&amp; &lt; &gt;)."""
_AUTOFILTER_REF = re.compile(rb'(<(?:\w+:)?autoFilter\b[^>]*?\bref=")([^"]*)(")')


def shape_of(data: bytes) -> TableShape:
    """The range, headers, calculated column formulas and totals row of the table part ``data``."""
    (table,) = elements(data, "table")
    headers, formulas = [], {}
    for column in elements(data, "tableColumn"):
        name = column.get("name", "")
        headers.append(name)
        formula = next((child.text for child in column if child.tag.endswith("calculatedColumnFormula")), None)
        if formula:
            formulas[name] = formula
    totals = int(table.get("totalsRowCount") or 0) > 0
    return TableShape(table.get("ref", ""), headers, formulas, totals)


def new_table(number: int, name: str, ref: str, headers: list[str], main: str) -> bytes:
    """A new table part: id ``number``, xlbilling's style, a filter on its header row, in the SpreadsheetML
    namespace ``main`` (Transitional, or Strict for a Strict workbook)."""
    columns = "".join(f'<tableColumn id="{n}" name={quoteattr(h)}/>' for n, h in enumerate(headers, 1))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<table xmlns="{main}" id="{number}" name={quoteattr(name)} displayName={quoteattr(name)} ref="{ref}" '
        f'totalsRowShown="0"><autoFilter ref="{ref}"/><tableColumns count="{len(headers)}">{columns}'
        f'</tableColumns><tableStyleInfo name="{TABLE_STYLE}" showFirstColumn="0" showLastColumn="0" '
        'showRowStripes="1" showColumnStripes="0"/></table>'
    ).encode()


def resized(data: bytes, ref: str, headers: list[str], body: str | None = None) -> bytes:
    """The table part ``data`` over ``ref`` with ``headers``: each column that was there keeps its element
    (id, calculated formula, totals function, format); a new one gets the next free id. The filter covers
    ``body`` (header and data rows, without a totals row) when given, else ``ref``."""
    data = TABLE_REF.sub(lambda m: m.group(1) + ref.encode() + m.group(3), data)
    if body is not None:
        data = _AUTOFILTER_REF.sub(lambda m: m.group(1) + body.encode() + m.group(3), data)
    found = _TABLE_COLUMNS.search(data)
    if found is None:
        return data
    prefix = (found.group(1) or b"").decode()
    kept = {}
    for column in _TABLE_COLUMN.finditer(found.group(0)):
        name = _NAME.search(column.group(1))
        if name is not None:
            kept[unescape(name.group(1).decode(), _QUOTES).lower()] = column.group(0)
    number = max([0, *(int(i) for i in _ID.findall(found.group(0)))])
    listed = []
    for header in headers:
        if header.lower() in kept:
            listed.append(kept[header.lower()])
        else:
            number += 1
            listed.append(f"<{prefix}tableColumn id={quoteattr(str(number))} name={quoteattr(header)}/>".encode())
    block = f'<{prefix}tableColumns count="{len(headers)}">'.encode() + b"".join(listed)
    block += f"</{prefix}tableColumns>".encode()
    return data[: found.start()] + block + data[found.end() :]
