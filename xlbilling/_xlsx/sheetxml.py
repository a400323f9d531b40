"""One worksheet part read and edited as text: cells are read where asked, and only the rows xlbilling writes
are rebuilt; every other row, and everything outside ``<sheetData>``, stays byte for byte as it was.

Cell and row references may be left out in a sheet (some writers do); their positions are counted as Excel
counts them, and a row that is rebuilt gets explicit references on every cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape

from openpyxl.utils.cell import column_index_from_string, get_column_letter

from xlbilling._errors import DataError
from xlbilling._xlsx.tablecells import Formula

_ROOT = re.compile(rb"<(?:(\w+):)?worksheet\b")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b[^>]*?(/?)>")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_TEXT = re.compile(rb"<(?:\w+:)?t\b[^>]*?>(.*?)</(?:\w+:)?t>", re.S)
_PHONETIC = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)
_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_DIMENSION = re.compile(rb'(<(?:\w+:)?dimension\b[^>]*?\bref=")([^"]*)(")')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([^"]*)"')
_SPANS = re.compile(rb'\s+spans="[^"]*"')
_R = re.compile(rb'\s+r="[^"]*"')
_ENTITIES = {b"&lt;": b"<", b"&gt;": b">", b"&quot;": b'"', b"&apos;": b"'"}


@dataclass(frozen=True)
class Box:
    """A rectangle of cells, by row and column numbers from 1, both ends included."""

    top: int
    left: int
    bottom: int
    right: int

    @classmethod
    def of(cls, ref: str) -> Box:
        """The box of an A1 range or cell (``A3:K120``, ``B2``)."""
        first, _, last = ref.replace("$", "").partition(":")
        (left, top), (right, bottom) = _position(first), _position(last or first)
        return cls(min(top, bottom), min(left, right), max(top, bottom), max(left, right))

    @property
    def ref(self) -> str:
        return f"{get_column_letter(self.left)}{self.top}:{get_column_letter(self.right)}{self.bottom}"

    def holds(self, row: int, column: int) -> bool:
        return self.top <= row <= self.bottom and self.left <= column <= self.right

    def meets(self, other: Box) -> bool:
        return not (
            other.left > self.right or other.right < self.left or other.top > self.bottom or other.bottom < self.top
        )


class UnsavedFormula(str):
    """A formula cell that carries no saved result (the file was never recalculated by Excel)."""


@dataclass(frozen=True)
class Kept:
    """A cell kept as the file had it (a table's totals row), written again on another row."""

    attributes: bytes
    inner: bytes


@dataclass
class Block:
    """Cells xlbilling writes: ``height`` rows of ``width`` cell values from ``top``/``left``, made one at a time
    by ``rows()`` (read once, in order, while the sheet is written) and rendered by ``render`` (row number,
    values) into cell XML; ``clears`` are boxes whose cells are emptied first (a table that shrank)."""

    top: int
    left: int
    width: int
    height: int
    rows: Callable[[], Iterator[list[object]]]
    render: Callable[[int, list[object]], str]
    clears: list[Box] = field(default_factory=list)

    @property
    def box(self) -> Box:
        return Box(self.top, self.left, self.top + self.height - 1, self.left + self.width - 1)


class SheetXml:
    """The XML of one worksheet part, with its main-namespace prefix (``x:`` or none)."""

    def __init__(self, data: bytes, strings: Callable[[int], str]) -> None:
        self.data = data
        self._strings = strings
        root = _ROOT.search(data)
        self.prefix = (root.group(1).decode() + ":") if root and root.group(1) else ""
        start = _SHEET_DATA.search(data)
        if start is None:
            raise DataError("A worksheet has no cell data part.", "Open and save the workbook in Excel.")
        if start.group(1):  # <sheetData/>
            self.body_start = self.body_end = start.end()
            self.empty = True
        else:
            end = _SHEET_DATA_END.search(data, start.end())
            if end is None:
                raise DataError("A worksheet's cell data is cut short.", "Open and save the workbook in Excel.")
            self.body_start, self.body_end = start.end(), end.start()
            self.empty = False
        self.start_tag = start

    def rows(self) -> Iterator[tuple[int, re.Match[bytes]]]:
        """Each ``<row>`` element with its row number (counted when it has no ``r``)."""
        number = 0
        for match in _ROW.finditer(self.data, self.body_start, self.body_end):
            given = _attribute(match.group(1), b"r")
            number = int(given) if given else number + 1
            yield number, match

    def cells(self, row: re.Match[bytes]) -> Iterator[tuple[int, bytes, bytes]]:
        """Each cell of ``row`` as (column number, attributes, inner XML)."""
        column = 0
        body = row.group(2) or b""
        for match in _CELL.finditer(body):
            given = _attribute(match.group(1), b"r")
            column = _position(given.decode())[0] if given else column + 1
            yield column, match.group(1), match.group(2) or b""

    def values(self, box: Box, unless: Box | None = None) -> dict[tuple[int, int], object]:
        """The values in ``box`` by (row, column), leaving out those in ``unless``: numbers, text, booleans,
        error codes, or an ``UnsavedFormula`` for a formula with no saved result."""
        found: dict[tuple[int, int], object] = {}
        for number, row in self.rows():
            if number > box.bottom:
                break
            if number < box.top or (
                unless is not None and unless.holds(number, box.left) and unless.holds(number, box.right)
            ):
                continue  # outside the box, or a whole row of it left out: its cells need no reading
            for column, attributes, inner in self.cells(row):
                if box.left <= column <= box.right and not (unless is not None and unless.holds(number, column)):
                    value = self._value(attributes, inner)
                    if value is not None:
                        found[(number, column)] = value
        return found

    def used(self) -> Box | None:
        """The box from A1 to the last cell holding something, or None for an empty sheet."""
        bottom = right = 0
        for number, row in self.rows():
            for column, attributes, inner in self.cells(row):
                if self._value(attributes, inner) is not None:
                    bottom, right = max(bottom, number), max(right, column)
        return Box(1, 1, bottom, right) if bottom else None

    def kept(self, number: int) -> dict[int, Kept]:
        """The cells of row ``number`` as the file has them, by column."""
        for found, row in self.rows():
            if found == number:
                return {column: Kept(attributes, inner) for column, attributes, inner in self.cells(row)}
            if found > number:
                break
        return {}

    def merged(self) -> list[Box]:
        """The merged ranges of the sheet."""
        return [Box.of(match.group(1).decode()) for match in _MERGE.finditer(self.data, self.body_end)]

    def _value(self, attributes: bytes, inner: bytes) -> object:
        kind = _attribute(attributes, b"t") or b"n"
        value = _VALUE.search(inner)
        if kind == b"inlineStr":
            return _unescape(b"".join(_TEXT.findall(_PHONETIC.sub(b"", inner)))).decode()
        if value is None:
            formula = _FORMULA.search(inner)
            return UnsavedFormula("=" + _unescape(formula.group(1) or b"").decode()) if formula else None
        text = _unescape(value.group(1))
        if kind == b"s":
            return self._strings(int(text))
        if kind in (b"str", b"e"):
            return text.decode()
        if kind == b"b":
            return text.strip() == b"1"
        try:
            number = float(text)
        except ValueError:
            return text.decode(errors="replace")
        return int(number) if number.is_integer() and b"." not in text and b"E" not in text.upper() else number

    def edited(
        self, blocks: list[Block], tail: Callable[[bytes], bytes] = bytes, head: Callable[[bytes], bytes] = bytes
    ) -> Iterator[bytes]:
        """The sheet with ``blocks`` written, as chunks of XML: only the rows they touch are rebuilt, the
        dimension grows to hold them, ``head`` may edit what comes before the cells (column widths, frozen
        rows) and ``tail`` what follows them (the table list).
        Rows are made as they are written, so a large table is never held whole."""
        boxes = [box for block in blocks for box in (*block.clears, block.box)]
        feeds = [(block, block.rows()) for block in blocks]

        def owned(number: int) -> list[tuple[int, int]]:
            return [(box.left, box.right) for box in boxes if box.top <= number <= box.bottom]

        def cells(number: int) -> list[tuple[int, str]]:
            return [
                (block.left, block.render(number, next(feed)))
                for block, feed in feeds
                if block.top <= number < block.top + block.height
            ]

        pending = _row_numbers(boxes)
        upcoming = next(pending, None)
        before = head(_grown(self.data[: self.start_tag.start()], boxes))
        yield before + (
            f"<{self.prefix}sheetData>".encode() if self.empty else self.data[self.start_tag.start() : self.body_start]
        )
        position = self.body_start
        for number, row in self.rows():
            while upcoming is not None and upcoming < number:
                yield self._new_row(upcoming, cells(upcoming))
                upcoming = next(pending, None)
            if upcoming == number:
                yield self.data[position : row.start()]
                yield self._rebuilt(number, row, owned(number), cells(number))
                position = row.end()
                upcoming = next(pending, None)
        yield self.data[position : self.body_end]
        while upcoming is not None:
            yield self._new_row(upcoming, cells(upcoming))
            upcoming = next(pending, None)
        closing = f"</{self.prefix}sheetData>".encode() if self.empty else b""
        yield closing + tail(self.data[self.body_end :])

    def _new_row(self, number: int, cells: list[tuple[int, str]]) -> bytes:
        inner = "".join(xml for _, xml in sorted(cells))
        return f'<{self.prefix}row r="{number}">{inner}</{self.prefix}row>'.encode()

    def _rebuilt(
        self, number: int, row: re.Match[bytes], owned: list[tuple[int, int]], cells: list[tuple[int, str]]
    ) -> bytes:
        """``row`` with its cells in the ``owned`` column spans replaced by ``cells`` (column, XML)."""
        kept: list[tuple[int, bytes]] = []
        for column, attributes, inner in self.cells(row):
            if any(left <= column <= right for left, right in owned):
                continue
            if _attribute(attributes, b"r") is None:  # an implicit position must not move: say it
                attributes = f' r="{get_column_letter(column)}{number}"'.encode() + attributes
            whole = f"<{self.prefix}c".encode() + attributes
            kept.append((column, whole + (b">" + inner + f"</{self.prefix}c>".encode() if inner else b"/>")))
        merged = sorted([*kept, *((column, xml.encode()) for column, xml in cells)], key=lambda item: item[0])
        attributes = _SPANS.sub(b"", row.group(1))  # the cell span hint no longer holds
        if _attribute(attributes, b"r") is None:
            attributes = f' r="{number}"'.encode() + attributes
        inner = b"".join(xml for _, xml in merged)
        return f"<{self.prefix}row".encode() + attributes + b">" + inner + f"</{self.prefix}row>".encode()


def cell_xml(prefix: str, ref: str, value: object, style: int | None) -> str:
    """One cell's XML: text as an inline string (never a formula), numbers and booleans as values, a
    ``Formula`` as a formula, a ``Kept`` cell as it was, nothing for an empty value; ``style`` is a cell
    format index, or None (a ``Kept`` cell keeps its own)."""
    s = f' s="{style}"' if style else ""
    if value is None:
        return ""
    if isinstance(value, Kept):  # as it was, at its new place
        attributes = _R.sub(b"", value.attributes).decode()
        inner = value.inner.decode()
        return f'<{prefix}c r="{ref}"{attributes}' + (f">{inner}</{prefix}c>" if inner else "/>")
    if isinstance(value, Formula):  # a user's calculated column: Excel and LibreOffice work out its value
        return f'<{prefix}c r="{ref}"{s}><{prefix}f>{escape(value.text)}</{prefix}f></{prefix}c>'

    if isinstance(value, bool):
        return f'<{prefix}c r="{ref}"{s} t="b"><{prefix}v>{int(value)}</{prefix}v></{prefix}c>'
    if isinstance(value, Decimal):
        return f'<{prefix}c r="{ref}"{s}><{prefix}v>{value:f}</{prefix}v></{prefix}c>'
    if isinstance(value, int | float):
        return f'<{prefix}c r="{ref}"{s}><{prefix}v>{value!r}</{prefix}v></{prefix}c>'
    text = escape(str(value))
    return (
        f'<{prefix}c r="{ref}"{s} t="inlineStr"><{prefix}is><{prefix}t xml:space="preserve">{text}</{prefix}t>'
        f"</{prefix}is></{prefix}c>"
    )


def _grown(data: bytes, boxes: list[Box]) -> bytes:
    """``data`` (the XML before the cells) with its ``<dimension>`` grown to hold every box."""
    match = _DIMENSION.search(data)
    if match is None or not boxes:
        return data
    try:
        box = Box.of(match.group(2).decode())
    except (ValueError, DataError):
        return data
    for other in boxes:
        box = Box(min(box.top, other.top), min(box.left, other.left), max(box.bottom, other.bottom),
                  max(box.right, other.right))  # fmt: skip
    return data[: match.start(2)] + box.ref.encode() + data[match.end(2) :]


def _row_numbers(boxes: list[Box]) -> Iterator[int]:
    """Every row number some box covers, ascending, each once."""
    spans = sorted((box.top, box.bottom) for box in boxes)
    last = 0
    for top, bottom in spans:
        yield from range(max(top, last + 1), bottom + 1)
        last = max(last, bottom)


def _attribute(attributes: bytes, name: bytes) -> bytes | None:
    for key, value in _ATTR.findall(attributes):
        if key == name:
            return value
    return None


def _unescape(text: bytes) -> bytes:
    if b"&" not in text:
        return text
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    text = re.sub(rb"&#x([0-9a-fA-F]+);", lambda m: chr(int(m.group(1), 16)).encode(), text)
    text = re.sub(rb"&#(\d+);", lambda m: chr(int(m.group(1))).encode(), text)
    return text.replace(b"&amp;", b"&")


def _position(ref: str) -> tuple[int, int]:
    """(column, row) of a cell reference such as ``B12``."""
    match = _REF.fullmatch(ref.strip().upper())
    if match is None:
        raise DataError(f"'{ref}' is not a cell reference.", "Open and save the workbook in Excel.")
    return column_index_from_string(match.group(1)), int(match.group(2))
