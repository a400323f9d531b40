"""Cell formats xlbilling needs (dates, date-times, money) found or appended in a workbook's styles part,
leaving every existing number format and cell format where it was."""

from __future__ import annotations

import re

from xlbilling._errors import DataError

_NUM_FMT = re.compile(rb"<(?:\w+:)?numFmt\b([^>]*?)/?>")
_FORMAT_ID = re.compile(rb'\bnumFmtId="(\d+)"')
_FORMAT_CODE = re.compile(rb'\bformatCode="([^"]*)"')
_NUM_FMTS = re.compile(rb"<(?:(\w+):)?numFmts\b([^>]*?)(/?)>")
_CELL_XFS = re.compile(rb"<(?:(\w+):)?cellXfs\b([^>]*?)(/?)>")
_XF = re.compile(rb"<(?:\w+:)?xf\b[^>]*?(?:/>|>.*?</(?:\w+:)?xf>)", re.S)
_COUNT = re.compile(rb'\s+count="\d*"')
_ROOT = re.compile(rb"<(?:(\w+):)?styleSheet\b[^>]*>")
_FIRST_CUSTOM_ID = 164


class Styles:
    """The styles part of a workbook, with the cell formats appended so far."""

    def __init__(self, data: bytes) -> None:
        root = _ROOT.search(data)
        if root is None:
            raise DataError("The workbook's styles part cannot be read.", "Open and save the workbook in Excel.")
        if _CELL_XFS.search(data) is None:
            data = _with_defaults(data, root)
        self.data = data
        self._made: dict[str, int] = {}

    def format_index(self, code: str) -> int:
        """The index of a cell format showing numbers as ``code`` (e.g. ``yyyy-mm-dd``), appended on first use."""
        if code not in self._made:
            self._made[code] = self._append_xf(self._number_format(code))
        return self._made[code]

    def _number_format(self, code: str) -> int:
        escaped = code.replace('"', "&quot;").encode()
        known: dict[bytes, int] = {}
        taken = [_FIRST_CUSTOM_ID - 1]
        for attributes in _NUM_FMT.findall(self.data):  # numFmtId and formatCode in either order
            given, text = _FORMAT_ID.search(attributes), _FORMAT_CODE.search(attributes)
            if given is not None:
                taken.append(int(given.group(1)))
                if text is not None:
                    known.setdefault(text.group(1), int(given.group(1)))
        if escaped in known:
            return known[escaped]
        number = max(taken) + 1
        entry = f'<numFmt numFmtId="{number}" formatCode="{code}"/>'.encode()
        found = _NUM_FMTS.search(self.data)
        if found is None:  # no custom formats yet: the list goes first in the style sheet
            root = _ROOT.search(self.data)
            assert root is not None
            prefix = (root.group(1) + b":") if root.group(1) else b""
            block = b"<" + prefix + b'numFmts count="1"><' + prefix + entry[1:] + b"</" + prefix + b"numFmts>"
            self.data = self.data[: root.end()] + block + self.data[root.end() :]
            return number
        self.data = _appended(self.data, found, b"numFmts", entry)
        return number

    def _append_xf(self, number_format: int) -> int:
        found = _CELL_XFS.search(self.data)
        assert found is not None
        end = self.data.find(b"cellXfs>", found.end())
        index = len(_XF.findall(self.data, found.end(), end)) if not found.group(3) else 0
        entry = f'<xf numFmtId="{number_format}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        self.data = _appended(self.data, found, b"cellXfs", entry.encode())
        return index


def _appended(data: bytes, start: re.Match[bytes], name: bytes, entry: bytes) -> bytes:
    """``data`` with ``entry`` (one element, written unprefixed) appended to the list element that ``start``
    opens, in the list's namespace prefix (``x:xf`` in an ``x:cellXfs``), its count raised by one."""
    prefix = (start.group(1) + b":") if start.group(1) else b""
    entry = b"<" + prefix + entry[1:]
    attributes = _COUNT.sub(b"", start.group(2))
    if start.group(3):  # an empty list: <cellXfs/>
        opened = b"<" + prefix + name + attributes + b' count="1">' + entry + b"</" + prefix + name + b">"
        return data[: start.start()] + opened + data[start.end() :]
    close = data.find(b"</" + prefix + name + b">", start.end())
    count = (
        len(_XF.findall(data, start.end(), close))
        if name == b"cellXfs"
        else data.count(b"numFmtId", start.end(), close)
    )
    head = b"<" + prefix + name + attributes + f' count="{count + 1}">'.encode()
    return data[: start.start()] + head + data[start.end() : close] + entry + data[close:]


def _with_defaults(data: bytes, root: re.Match[bytes]) -> bytes:
    """A style sheet that lists no cell formats (some writers leave it empty) given Excel's defaults: one font,
    the two required fills, one border and one cell format, where the schema puts them (after any number
    formats). One that has some of these lists but no cell formats is refused."""
    if re.search(rb"<(?:\w+:)?(?:fonts|fills|borders|cellStyleXfs)\b", data):
        raise DataError("The workbook's styles part lists no cell formats.", "Open and save the workbook in Excel.")
    p = (root.group(1) + b":") if root.group(1) else b""
    defaults = (
        b'<%sfonts count="1"><%sfont/></%sfonts><%sfills count="2"><%sfill><%spatternFill patternType="none"/>'
        b'</%sfill><%sfill><%spatternFill patternType="gray125"/></%sfill></%sfills><%sborders count="1">'
        b'<%sborder/></%sborders><%scellStyleXfs count="1"><%sxf/></%scellStyleXfs><%scellXfs count="1">'
        b'<%sxf xfId="0"/></%scellXfs>'
    ).replace(b"%s", p)
    formats = _NUM_FMTS.search(data)
    if formats is not None and not formats.group(3):
        end = re.compile(rb"</(?:\w+:)?numFmts>").search(data, formats.end())
        at = end.end() if end is not None else root.end()
    else:
        at = formats.end() if formats is not None else root.end()
    if data[root.end() - 2 : root.end()] == b"/>":  # <styleSheet .../>: open it
        opened = data[: root.end() - 2] + b">" + defaults + b"</" + p + b"styleSheet>"
        return opened + data[root.end() :]
    return data[:at] + defaults + data[at:]
