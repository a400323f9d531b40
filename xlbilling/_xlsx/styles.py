"""Cell formats xlbilling needs (dates, date-times, money) found or appended in a workbook's styles part, leaving
every existing number format and cell format where it was.

Lists are counted the way Excel reads them: an ``mc:AlternateContent`` in a list is one entry, whichever of its
branches a program takes, so the new cell format's index is right for all of them; a list whose branches hold
different numbers of entries cannot be counted that way and is refused. An appended cell format names only
records that exist: a list it needs (fonts, fills, borders, cell style formats) that is missing or empty gets
Excel's default record first. A workbook without a styles part starts from an empty style sheet.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from xlbilling._errors import DataError
from xlbilling._xlsx.package import PREFIX, XML_DECLARATION, prefix_of

_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"
_LISTS = {"numFmts": "numFmt", "fonts": "font", "fills": "fill", "borders": "border", "cellStyleXfs": "xf",
          "cellXfs": "xf"}  # fmt: skip
"""The lists a cell format draws on, in the order the schema puts them at the start of a style sheet."""
_DEFAULTS = {
    "fonts": '<{p}font><{p}sz val="11"/><{p}name val="Calibri"/></{p}font>',
    "fills": '<{p}fill><{p}patternFill patternType="none"/></{p}fill>'
    '<{p}fill><{p}patternFill patternType="gray125"/></{p}fill>',
    "borders": "<{p}border/>",
    "cellStyleXfs": '<{p}xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>',
    "cellXfs": '<{p}xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
}
"""Excel's own first records of each list (fills 0 and 1 are reserved: none and gray125)."""
_ROOT = re.compile(rf"<({PREFIX}styleSheet)\b[^>]*?(/?)>".encode())
_COUNT = re.compile(rb'\s+count="[^"]*"')
_FIRST_CUSTOM_ID = 164
_HINT = "Open and save the workbook in Excel."


class Styles:
    """The styles part of a workbook (``data``, empty when it has none), with the cell formats appended so far;
    ``main`` is the workbook's SpreadsheetML namespace, ``file`` its name in messages."""

    def __init__(self, data: bytes, main: str, file: str) -> None:
        self.file = file
        self.data = data or f'{XML_DECLARATION}<styleSheet xmlns="{main}"/>'.encode()
        self.changed = False
        self._made: dict[str, int] = {}
        root = self._read()  # a part that cannot be read or counted is refused now, before anything is fetched
        self._sizes = {name: _size(root, name) for name in _LISTS}
        formats = _list(root, "numFmts")
        listed = list(formats) if formats is not None else []
        self._codes = {
            str(entry.get("formatCode")): number
            for entry in reversed(listed)  # the first of two with one code wins
            if _local(entry.tag) == "numFmt" and (number := _id(entry)) is not None
        }
        every = formats.iter() if formats is not None else iter(())
        self._last_id = max([_FIRST_CUSTOM_ID - 1, *(_id(e) or 0 for e in every if _local(e.tag) == "numFmt")])

    def format_index(self, code: str) -> int:
        """The index of a cell format showing numbers as ``code`` (e.g. ``yyyy-mm-dd``), appended on first use."""
        if code not in self._made:
            for name in ("fonts", "fills", "borders", "cellStyleXfs", "cellXfs"):
                if self._sizes[name] == 0:
                    self._extend(name, _DEFAULTS[name], 2 if name == "fills" else 1)
            number = self._number_format(code)
            entry = f'<{{p}}xf numFmtId="{number}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            self._made[code] = self._sizes["cellXfs"]
            self._extend("cellXfs", entry, 1)
            self.changed = True
        return self._made[code]

    def _read(self) -> ElementTree.Element:
        """The style sheet parsed once, every list's entries countable as Excel counts them: ``DataError`` for a
        part that cannot be read, or whose lists cannot be counted that way."""
        try:
            root = ElementTree.fromstring(self.data)  # noqa: S314 - expat loads no DTD; bombs are refused
        except ElementTree.ParseError:
            root = None
        if root is None or _local(root.tag) != "styleSheet" or _ROOT.search(self.data) is None:
            raise DataError(f"{self.file}: the styles part cannot be read.", _HINT)
        for alternate in (child for child in root if child.tag == _MC):
            if any(_local(e.tag) in _LISTS for branch in alternate for e in branch):
                raise DataError(f"{self.file}: the styles part keeps a list of formats in alternative versions.", _HINT)
        for name, item in _LISTS.items():
            found = _list(root, name)
            for alternate in found.iter(_MC) if found is not None else ():
                if len({sum(1 for e in branch if _local(e.tag) == item) for branch in alternate}) > 1:
                    raise DataError(
                        f"{self.file}: the styles part lists {name} in alternative versions of different lengths.",
                        _HINT,
                    )
        return root

    def _number_format(self, code: str) -> int:
        """The id of a number format showing ``code``: the style sheet's own if it lists one (outside alternative
        versions), else a new one numbered after every id the sheet uses."""
        if code not in self._codes:
            self._last_id += 1
            written = escape(code, {'"': "&quot;"})
            self._extend("numFmts", f'<{{p}}numFmt numFmtId="{self._last_id}" formatCode="{written}"/>', 1)
            self._codes[code] = self._last_id
        return self._codes[code]

    def _extend(self, name: str, entries: str, added: int) -> None:
        """Append ``entries`` (XML with ``{p}`` for the list's namespace prefix), ``added`` entries, to the list
        ``name``, making the list where the schema puts it when there is none, and set its count."""
        self._sizes[name] += added
        count = self._sizes[name]
        data = self.data
        start = _opening(name).search(data)
        if start is None:
            root = _ROOT.search(data)
            assert root is not None  # checked by _read
            p = prefix_of(root.group(1))
            block = f'<{p}{name} count="{count}">{entries.format(p=p)}</{p}{name}>'.encode()
            if root.group(2):  # <styleSheet .../>: open it
                self.data = data[: root.end() - 2] + b">" + block + b"</" + root.group(1) + b">" + data[root.end() :]
            else:
                at = self._after(name, root.end())
                self.data = data[:at] + block + data[at:]
            return
        tag, p = start.group(1), prefix_of(start.group(1))
        head = b"<" + tag + _COUNT.sub(b"", start.group(2)) + f' count="{count}">'.encode()
        inner = entries.format(p=p).encode()
        if start.group(3):  # <cellXfs/>
            self.data = data[: start.start()] + head + inner + b"</" + tag + b">" + data[start.end() :]
            return
        close = self._closing(start).start()
        self.data = data[: start.start()] + head + data[start.end() : close] + inner + data[close:]

    def _after(self, name: str, default: int) -> int:
        """Where a new list ``name`` goes: after the last list the schema puts before it that the style sheet
        has, else at ``default`` (just inside the style sheet)."""
        at = default
        for earlier in list(_LISTS)[: list(_LISTS).index(name)]:
            start = _opening(earlier).search(self.data)
            if start is not None:
                at = start.end() if start.group(3) else self._closing(start).end()
        return at

    def _closing(self, start: re.Match[bytes]) -> re.Match[bytes]:
        """The closing tag of the element that ``start`` opens."""
        close = re.compile(rb"</" + re.escape(start.group(1)) + rb"\s*>").search(self.data, start.end())
        if close is None:
            raise DataError(f"{self.file}: the styles part cannot be read.", _HINT)
        return close


def _opening(name: str) -> re.Pattern[bytes]:
    """The opening (or empty) tag of the style sheet's list ``name``, in any namespace prefix."""
    return re.compile(rf"<({PREFIX}{name})\b([^>]*?)(/?)>".encode())


def _size(root: ElementTree.Element, name: str) -> int:
    """How many entries the list ``name`` of the style sheet ``root`` holds as Excel counts them: an
    ``mc:AlternateContent`` counts what one of its branches holds (they hold as many); 0 when there is no list."""
    found = _list(root, name)
    if found is None:
        return 0
    item = _LISTS[name]
    size = 0
    for child in found:
        if child.tag == _MC:
            size += next((sum(1 for e in branch if _local(e.tag) == item) for branch in child), 0)
        elif _local(child.tag) == item:
            size += 1
    return size


def _list(root: ElementTree.Element, name: str) -> ElementTree.Element | None:
    """The list ``name`` of the style sheet ``root`` (a child of the style sheet itself)."""
    return next((child for child in root if _local(child.tag) == name), None)


def _id(entry: ElementTree.Element) -> int | None:
    """A number format's ``numFmtId``, when it is a number."""
    given = entry.get("numFmtId", "")
    return int(given) if given.isdigit() else None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
