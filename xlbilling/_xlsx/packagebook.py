"""A closed workbook file refreshed part by part: xlbilling's tables, their stamp cells and the entries they
need in shared parts are written, and every other byte of the file stays as it was.

``PackageBook`` is the file side of ``xlbilling._xlsx.tablecells.WorkbookLike``: it reads cells where it is asked
to, collects what the refresh writes, and on ``save`` rebuilds only the rows of the sheets that hold
xlbilling's tables, their table parts, appended cell formats and, for a sheet or table that is new, the part,
relationship and content type it needs. The workbook is set to recalculate when it is next opened, so
formulas elsewhere that read the tables show the new figures.
"""

from __future__ import annotations

import posixpath
import re
import shutil
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils.cell import get_column_letter

from xlbilling._errors import DataError
from xlbilling._files import atomic_path
from xlbilling._values.dates import to_excel_serial
from xlbilling._xlsx.coords import taller
from xlbilling._xlsx.kept import kept_styles, row_styles, totals_row
from xlbilling._xlsx.package import (
    STYLES_CONTENT,
    TABLE_CONTENT,
    TYPES,
    WORKSHEET_CONTENT,
    XML_DECLARATION,
    Package,
    elements,
    insert_before_end,
)
from xlbilling._xlsx.sheetparts import fitted, fitted_chart, laid_out, with_table_parts
from xlbilling._xlsx.sheetxml import Block, Box, SheetXml, cell_xml
from xlbilling._xlsx.styles import Styles
from xlbilling._xlsx.tablecells import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    TableShape,
    cell_value,
    check_table_name,
    column_format,
    table_headers,
    table_ref,
    table_rows,
)
from xlbilling._xlsx.tablepart import TABLE_ID, TABLE_REF, new_table, resized, shape_of
from xlbilling._xlsx.workbookpart import recalculating, sheets_end, with_sheet

_EXCEL_EPOCH = datetime(1899, 12, 30)
_DAYS_1900_TO_1904 = 1462
"""How many days a date's serial is smaller in the 1904 date system (Excel for Mac's old default)."""
_DATE_1904 = re.compile(rb'<(?:\w+:)?workbookPr\b[^>]*?\bdate1904="(?:1|true)"')


class PackageBook:
    """A workbook file read cell by cell and refreshed part by part (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.package = Package(path)
        self._xml: dict[str, SheetXml] = {}
        self._strings: list[str] | None = None
        self._blocks: dict[str, list[Block]] = {}
        self._tables: dict[str, dict[str, tuple[str, list[str], bool]]] = {}  # sheet -> table -> ref, headers, totals
        self._styles: Styles | None = None
        self._widths: dict[str, dict[str, float]] = {}  # sheet -> column letter -> fitted width
        # a workbook counting dates from 1904 gets the dates it is given in its own system
        self.date1904 = _DATE_1904.search(self.package.parts[self.package.workbook]) is not None

    # --- reading ----------------------------------------------------------------------------------------

    def sheet_names(self) -> list[str]:
        """The workbook's sheet names in tab order."""
        return self.package.sheet_names()

    def file_path(self) -> Path | None:
        """The workbook's file."""
        return self.path

    def table_names(self, sheet: str) -> list[str]:
        """The tables on ``sheet`` (none when it does not exist or is not a worksheet)."""
        part = self.package.sheets.get(sheet)
        return list(self.package.tables(part)) if part else []

    def table_shape(self, sheet: str, name: str) -> TableShape | None:
        """The table ``name`` on ``sheet`` as it is in the file: range, headers, calculated columns, totals row."""
        part = self.package.sheets.get(sheet)
        tables = {other.lower(): p for other, p in self.package.tables(part).items()} if part else {}
        table = tables.get(name.lower())
        return shape_of(self.package.parts[table]) if table else None

    def read(self, sheet: str, cell: str) -> Any:
        """The value of one cell (``None`` when the sheet or cell is empty); a formula gives its saved result,
        or an ``UnsavedFormula`` when it has none."""
        return self.read_block(sheet, cell)[0][0] if sheet in self.package.sheets else None

    def read_block(self, sheet: str, ref: str) -> list[list[Any]]:
        """The values of a rectangle of cells, row by row (empty when the sheet does not exist)."""
        if sheet not in self.package.sheets:
            return []
        box = Box.of(ref)
        found = self._sheet(sheet).values(box)
        columns = range(box.left, box.right + 1)
        return [[found.get((row, column)) for column in columns] for row in range(box.top, box.bottom + 1)]

    def read_sheet(self, sheet: str) -> list[list[Any]]:
        """Every row of ``sheet`` from ``A1`` to its last filled cell (empty when the sheet does not exist)."""
        if sheet not in self.package.sheets:
            return []
        used = self._sheet(sheet).used()
        return self.read_block(sheet, used.ref) if used else []

    # --- planning what to write ------------------------------------------------------------------------

    def check_writable(self, sheets: Iterable[str]) -> None:
        """Check, before anything is fetched, all that writing xlbilling's ``sheets`` needs of the file besides
        room for their tables: ``DataError`` when the styles part cannot be read or extended, the workbook
        lists no sheets, the content types cannot be read, or one of ``sheets`` that exists has no cell data."""
        self._stylesheet()
        sheets_end(self.package.parts[self.package.workbook], self.package.name)
        self.package.xml(TYPES)
        insert_before_end(self.package.parts[TYPES], "Types", str)
        for sheet in sheets:
            if sheet in self.package.sheets:
                self._sheet(sheet)

    def check_table(self, sheet: str, name: str, df: pd.DataFrame, anchor: str = "A1") -> str:
        """The range ``write_table`` would give the table; ``DataError`` when it would overlap another table,
        a merged range or a filled cell it did not cover before, or when its name is another sheet's table."""
        check_table_name(name)
        table_headers(df)
        elsewhere = [
            s for s in self.package.sheets if s != sheet and name.lower() in map(str.lower, self.table_names(s))
        ]
        if elsewhere:
            raise DataError(
                f"The table {name} is on the sheet '{elsewhere[0]}', not on '{sheet}'.",
                f"Move it back to '{sheet}' or rename it, then refresh again.",
            )
        if sheet not in self.package.sheets:
            return table_ref(anchor, df)
        tables = self._table_refs(sheet)
        old = next((ref for other, ref in tables.items() if other.lower() == name.lower()), None)
        ref = table_ref(old.split(":")[0] if old else anchor, df)
        shape = self.table_shape(sheet, name) if old else None
        ref = taller(ref, 1) if shape is not None and shape.totals else ref  # room for its totals row
        box, before = Box.of(ref), Box.of(old) if old else None
        for other, other_ref in tables.items():
            if other.lower() != name.lower() and box.meets(Box.of(other_ref)):
                raise DataError(
                    f"The table {name} would overlap the table {other} on '{sheet}'.",
                    "Move one of the tables so there is room, then refresh again.",
                )
        xml = self._sheet(sheet)
        merged = [m for m in xml.merged() if box.meets(m) and not (before and _inside(m, before))]
        if merged:
            raise DataError(
                f"The table {name} would cover the merged cells {merged[0].ref} on '{sheet}'.",
                "Unmerge or move them, then refresh again.",
            )
        taken = sorted(cell for cell, value in xml.values(box, unless=before).items() if value != "")
        if taken:
            row, column = taken[0]
            raise DataError(
                f"The table {name} would overwrite {get_column_letter(column)}{row} on '{sheet}'.",
                "Move or clear the cells below and to the right of the table, then refresh again.",
            )
        return ref

    def write_table(
        self, sheet: str, name: str, df: pd.DataFrame, anchor: str = "A1", *, look_kept: bool = False
    ) -> str:
        """Plan ``df`` as the Excel table ``name`` on ``sheet`` (written by ``save``) and return its range.
        ``look_kept``: every column looks as the table's first row does now, its header as it does, and the
        columns keep their widths (the rest of a table written first with its first row only)."""
        ref = self.check_table(sheet, name, df, anchor)
        headers = table_headers(df)
        old = next((r for other, r in self._table_refs(sheet).items() if other.lower() == name.lower()), None)
        box = Box.of(ref)
        shape = self.table_shape(sheet, name) if old else None
        xml = self._sheet(sheet) if old else None
        before = kept_styles(xml, shape) if xml is not None else {}
        totals = totals_row(xml, shape, headers) if xml is not None else []
        typed = [None if look_kept else self._style(column_format(df[column])) for column in df.columns]
        styles = [style or before.get(header.lower()) for style, header in zip(typed, headers, strict=True)]
        on_top: list[int | None] = [None] * len(headers)  # a header written anew takes the table's own look
        if look_kept and xml is not None:
            on_top = row_styles(xml, box.top, box.left, len(headers))
        blank: list[list[object]] = [[None] * len(headers)] if df.empty else []  # a table keeps one body row

        def rows() -> Iterator[list[object]]:
            return chain([list(headers)], table_rows(df), blank, [totals] if totals else [])

        letters = [get_column_letter(box.left + offset) for offset in range(len(headers))]
        prefix = self._prefix(sheet)

        def render(number: int, values: list[object]) -> str:
            styled = number > box.top
            return "".join(
                _empty(prefix, f"{letter}{number}", style)  # keeping its column's look, as openpyxl writes it
                if look_kept and styled and (value is None or value == "")
                else cell_xml(prefix, f"{letter}{number}", _number(value, self.date1904), style if styled else header)
                for letter, value, style, header in zip(letters, values, styles, on_top, strict=True)
            )

        clears = [Box.of(old)] if old else []
        if not look_kept:
            self._widths.setdefault(sheet, {}).update(zip(letters, fitted(df, headers), strict=True))
        block = Block(box.top, box.left, len(headers), box.bottom - box.top + 1, rows, render, clears)
        self._blocks.setdefault(sheet, []).append(block)
        self._tables.setdefault(sheet, {})[name] = (ref, headers, totals != [])
        return ref

    def write(self, sheet: str, cell: str, value: Any) -> None:
        """Plan one value in one cell (text stays text)."""
        box, prefix = Box.of(cell), self._prefix(sheet)
        plain = cell_value(value)
        style = (
            self._style(DATETIME_FORMAT if isinstance(plain, datetime) else DATE_FORMAT)
            if isinstance(plain, date)
            else None
        )

        def render(number: int, values: list[object]) -> str:
            value = _number(values[0], self.date1904)
            return cell_xml(prefix, f"{get_column_letter(box.left)}{number}", value, style)

        self._blocks.setdefault(sheet, []).append(Block(box.top, box.left, 1, 1, lambda: iter([[plain]]), render))

    # --- writing -------------------------------------------------------------------------------------------

    def save(self, path: str | Path | None = None) -> Path:
        """Write the refreshed workbook to ``path`` (default: where it was read from) through a temporary file
        renamed into place, with the file's mode when it replaces one."""
        target = Path(path) if path is not None else self.path
        for sheet, blocks in self._blocks.items():
            part = self.package.sheets.get(sheet) or self._new_sheet(sheet)
            xml = self._sheet(sheet)
            tables = self._tables.get(sheet, {}).items()
            added = [rel for name, planned in tables if (rel := self._table_part(part, name, *planned))]
            tail = partial(with_table_parts, added, self.package.conformance.rels)
            header = min((Box.of(ref).top for ref, _, _ in self._tables.get(sheet, {}).values()), default=None)
            head = partial(laid_out, self._widths.get(sheet, {}), xml.prefix, header)
            self.package.parts.stream(part, partial(xml.edited, blocks, tail, head))
            self._fit_charts(sheet, part)
        if self._styles is not None and self._styles.changed:
            self._save_styles(self._styles.data)
        book, data = self.package.workbook, self.package.parts[self.package.workbook]
        marked = recalculating(data)
        if marked != data:
            self.package.parts[book] = marked
        with atomic_path(target) as temp:
            self.package.save(temp)
            if target.exists():
                shutil.copymode(target, temp)
        return target

    def _fit_charts(self, sheet: str, part: str) -> None:
        """Let the charts on ``sheet`` that read its tables' columns read exactly their rows now."""
        boxes = [Box.of(ref) for ref, _, _ in self._tables.get(sheet, {}).values()]
        drawing = self.package.related(part, "/drawing")
        if not boxes or drawing is None:
            return
        spans = [(box.top, box.left, box.bottom, box.right) for box in boxes]
        for rel in self.package.relationships(drawing):
            if rel.type.endswith("/chart") and rel.target in self.package.parts:
                data = self.package.parts[rel.target]
                fitted = fitted_chart(data, sheet, spans)
                if fitted != data:
                    self.package.parts[rel.target] = fitted

    def _table_part(self, part: str, name: str, ref: str, headers: list[str], totals: bool) -> str | None:
        """Write the table part of ``name`` (resized, keeping its columns' settings and its filter off the
        totals row, or new); for a new one, the id of the relationship the sheet's table list must name."""
        existing = {other.lower(): p for other, p in self.package.tables(part).items()}
        if name.lower() in existing:
            table = existing[name.lower()]
            body = taller(ref, -1) if totals else None
            self.package.parts[table] = resized(self.package.parts[table], ref, headers, body)
            return None
        taken = [
            int(i)
            for p in self.package.parts
            if "/tables/" in p.lower()
            for i in TABLE_ID.findall(self.package.parts[p])
        ]
        table = self.package.free_name(self._folder + "/tables/table{}.xml")
        data = new_table(1 + max([0, *taken]), name, ref, headers, self.package.conformance.main)
        self.package.add_part(table, data, TABLE_CONTENT)
        return self.package.add_relationship(part, self.package.conformance.type("table"), table)

    def _new_sheet(self, sheet: str) -> str:
        conformance = self.package.conformance
        part = self.package.free_name(self._folder + "/worksheets/sheet{}.xml")
        self.package.add_part(part, _empty_sheet(conformance.main), WORKSHEET_CONTENT)
        rel = self.package.add_relationship(self.package.workbook, conformance.type("worksheet"), part)
        book = self.package.workbook
        self.package.parts[book] = with_sheet(self.package.parts[book], self.package.name, sheet, rel, conformance.rels)
        self.package.sheets[sheet] = part
        return part

    # --- parts ----------------------------------------------------------------------------------------------

    def _sheet(self, sheet: str) -> SheetXml:
        part = self.package.sheets.get(sheet)
        if part is None:
            part = f"new:{sheet}"
            if part not in self._xml:
                self._xml[part] = SheetXml(_empty_sheet(self.package.conformance.main), self._string)
            return self._xml[part]
        if part not in self._xml:
            self._xml[part] = SheetXml(self.package.parts[part], self._string)
        return self._xml[part]

    @property
    def _folder(self) -> str:
        """The workbook part's folder (``xl`` nearly always), where new parts go beside the others."""
        return posixpath.dirname(self.package.workbook) or "xl"

    def _prefix(self, sheet: str) -> str:
        return self._sheet(sheet).prefix if sheet in self.package.sheets else ""

    def _table_refs(self, sheet: str) -> dict[str, str]:
        part = self.package.sheets.get(sheet)
        if part is None:
            return {}
        refs = {}
        for name, table in self.package.tables(part).items():
            found = TABLE_REF.search(self.package.parts[table])
            if found is not None:
                refs[name] = found.group(2).decode()
        return refs

    def _string(self, index: int) -> str:
        if self._strings is None:
            part = self.package.related(self.package.workbook, "/sharedStrings")
            self._strings = _shared_strings(self.package.parts[part]) if part else []
        return self._strings[index] if 0 <= index < len(self._strings) else ""

    def _stylesheet(self) -> Styles:
        """The workbook's styles, read once; a workbook without a styles part (the standard allows it) gets
        Excel's defaults, written as a new part if a cell format is added."""
        if self._styles is None:
            part = self.package.related(self.package.workbook, "/styles")
            data = self.package.parts[part] if part else b""
            self._styles = Styles(data, self.package.conformance.main, self.package.name)
        return self._styles

    def _save_styles(self, data: bytes) -> None:
        """Write the styles: into the styles part, or a new one; a workbook naming a styles part the file lacks
        gets it there, so that readers, which take the first styles relationship, find it."""
        book = self.package.workbook
        part = self.package.related(book, "/styles")
        if part is not None:
            self.package.parts[part] = data
            return
        named = (r.target for r in self.package.relationships(book) if r.type.endswith("/styles"))
        part = next((name for name in named if not name.startswith(("../", "/"))), None)
        if part is None:
            part = self.package.free_name(self._folder + "/styles{}.xml", first=self._folder + "/styles.xml")
            self.package.add_relationship(book, self.package.conformance.type("styles"), part)
        self.package.add_part(part, data, STYLES_CONTENT)

    def _style(self, code: str | None) -> int | None:
        return self._stylesheet().format_index(code) if code is not None else None


def _empty(prefix: str, ref: str, style: int | None) -> str:
    """An empty cell with the format ``style`` (none at all without one)."""
    return f'<{prefix}c r="{ref}" s="{style}"/>' if style else ""


def _number(value: object, date1904: bool) -> object:
    """A cell value as the number Excel stores: dates as serials (counted from 1904 in a workbook that uses the
    1904 date system), Decimal kept exact."""
    shift = _DAYS_1900_TO_1904 if date1904 else 0
    if isinstance(value, datetime):
        return (value - _EXCEL_EPOCH).total_seconds() / 86400 - shift
    if isinstance(value, date):
        return to_excel_serial(value) - shift
    return value


def _inside(inner: Box, outer: Box) -> bool:
    return (
        outer.top <= inner.top
        and inner.bottom <= outer.bottom
        and outer.left <= inner.left
        and inner.right <= outer.right
    )


def _empty_sheet(main: str) -> bytes:
    """A new worksheet part with no cells, in the SpreadsheetML namespace ``main``."""
    return f'{XML_DECLARATION}<worksheet xmlns="{main}"><sheetData/></worksheet>'.encode()


def _shared_strings(data: bytes) -> list[str]:
    """Each shared string's text (rich runs joined, phonetic guides left out)."""
    strings = []
    for item in elements(data, "si"):
        strings.append(
            "".join(
                t.text or ""
                for run in item
                if not run.tag.endswith("rPh")
                for t in run.iter()
                if t.tag.rpartition("}")[2] == "t"
            )
        )
    return strings
