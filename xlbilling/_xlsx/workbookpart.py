"""The workbook part edited as text: one more sheet in its list, and the setting that makes Excel and LibreOffice
recalculate every formula when the file is next opened; every other byte stays as it was."""

from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

from xlbilling._errors import DataError
from xlbilling._xlsx.package import PREFIX, prefix_of

_CALC_PR = re.compile(rb"<(?:\w+:)?calcPr\b([^>]*?)/?>")
_FULL_CALC = re.compile(rb'\s+fullCalcOnLoad="[^"]*"')
_BEFORE_CALC_PR = rf"{PREFIX}(?:sheets|functionGroups|externalReferences|definedNames)"
_WORKBOOK_AFTER = re.compile(rf"</{_BEFORE_CALC_PR}\s*>|<{_BEFORE_CALC_PR}\b[^>]*/>".encode())
_SHEETS_END = re.compile(rf"</({PREFIX}sheets)\s*>".encode())
_SHEET_ID = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bsheetId="(\d+)"')
_ROOT = re.compile(rf"<({PREFIX}workbook)\b".encode())


def sheets_end(data: bytes, file: str) -> re.Match[bytes]:
    """The closing tag of the list of sheets in the workbook part ``data`` of ``file``; ``DataError`` when there
    is none."""
    end = _SHEETS_END.search(data)
    if end is None:
        raise DataError(f"{file} lists no sheets.", "Open and save the workbook in Excel.")
    return end


def with_sheet(data: bytes, file: str, name: str, rel: str, rels_ns: str) -> bytes:
    """The workbook part ``data`` listing one more sheet, ``name``, last, with the next free sheet id, reached by
    the relationship ``rel`` (``r:id`` in the namespace ``rels_ns``), in the namespace prefix of the list."""
    end = sheets_end(data, file)
    number = 1 + max([0, *(int(n) for n in _SHEET_ID.findall(data))])
    entry = (
        f'<{prefix_of(end.group(1))}sheet xmlns:r="{rels_ns}" name={quoteattr(name)} sheetId="{number}" r:id="{rel}"/>'
    )
    return data[: end.start()] + entry.encode() + data[end.start() :]


def recalculating(data: bytes) -> bytes:
    """The workbook part ``data`` asking Excel and LibreOffice to recalculate every formula when it is next
    opened: ``fullCalcOnLoad`` on its calculation settings, which are added where the schema puts them (after the
    sheets, function groups, external references and defined names) when it has none."""
    found = _CALC_PR.search(data)
    if found is not None:
        element = found.group(0)
        if b'fullCalcOnLoad="1"' in element:
            return data
        name_end = element.index(b"calcPr") + len(b"calcPr")
        element = element[:name_end] + b' fullCalcOnLoad="1"' + _FULL_CALC.sub(b"", element[name_end:])
        return data[: found.start()] + element + data[found.end() :]
    after = list(_WORKBOOK_AFTER.finditer(data))
    root = _ROOT.search(data)
    if not after or root is None:
        return data
    at = after[-1].end()
    return data[:at] + f'<{prefix_of(root.group(1))}calcPr fullCalcOnLoad="1"/>'.encode() + data[at:]
