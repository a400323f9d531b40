"""Read an invoice template once and check it, before any invoice is written.

The template is an ordinary .xlsx file. Cells hold placeholders such as ``{{ invoice.number }}``; a row
with ``{{ line.* }}`` fields repeats once per invoice line (likewise ``tax``, ``user`` and ``change``), and
a row with ``{{ group.* }}`` fields right below the line row closes each consuming customer's lines
with a subtotal. The template is normalised once through openpyxl; each invoice is then produced by
patching the XML of the normalised parts (see ``render.py``), which is fast and keeps every style.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from xml.etree import ElementTree

from xlbilling._errors import TemplateError
from xlbilling._invoice import FIELDS, REPEATING
from xlbilling._invoices.refs import Segment, parse_formula
from xlbilling._xlsx.coords import column_letter
from xlbilling._xlsx.normalise import Grid, UnreadableWorkbook, normalise

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*\}\}")
REQUIRED_NAMES = ("InvoiceNumber", "InvoiceSubtotal", "InvoiceTax", "InvoiceTotal")
HEADER_FOOTER = re.compile(r"<((?:\w+:)?(?:odd|even|first)(?:Header|Footer))>(.*?)</\1>", re.S)
"""A page header or footer in a sheet's XML: it may hold ``invoice``, ``bill_to`` and ``seller`` placeholders."""
PAGE_FIELDS = ("invoice", "bill_to", "seller")
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_UNSUPPORTED_PARTS = {
    "xl/vbaProject.bin": "macros (VBA)",
    "xl/tables/": "an Excel table",
    "xl/pivotTables/": "a pivot table",
    "xl/externalLinks/": "a link to another workbook",
    "xl/comments": "a comment or note",
    "xl/charts/": "a chart",
    "xl/ctrlProps/": "a form control",
    "xl/activeX/": "an ActiveX control",
}
_SHAPES = {"sp": "a text box or shape", "grpSp": "a group of shapes", "cxnSp": "a connector line",
           "graphicFrame": "a chart or SmartArt"}  # fmt: skip
_ANCHOR = re.compile(r"<(?:\w+:)?(twoCellAnchor|oneCellAnchor|absoluteAnchor)\b.*?</(?:\w+:)?\1>", re.S)
_ROW = re.compile(r'<row r="(\d+)"([^>]*?)(?:/>|>(.*?)</row>)', re.S)
_CELL = re.compile(r'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_STYLE = re.compile(r'\ss="\d+"')


@dataclass(frozen=True)
class Cell:
    """One template cell: ``static`` XML kept as is, ``text`` with placeholders, or a ``formula``."""

    column: str
    kind: str
    style: str  # ' s="3"' or ''
    body: str = ""  # static: the XML after the r attribute
    formula: tuple[Segment, ...] = ()
    pieces: tuple[str | tuple[str, str], ...] = ()  # text: literal text and (collection, field) in order
    whole: tuple[str, str] | None = None  # text that is one placeholder alone: its value keeps its type


@dataclass(frozen=True)
class Row:
    """One template row; ``collection`` is the repeating collection it belongs to, if any."""

    number: int
    attrs: str
    cells: tuple[Cell, ...]
    collection: str | None


@dataclass(frozen=True)
class Block:
    """A repeated region: the item row and, for invoice lines, the customer subtotal row below it."""

    collection: str
    item: int
    footer: int | None

    @property
    def end(self) -> int:
        """The last template row of the region."""
        return self.footer or self.item


@dataclass
class Sheet:
    """One worksheet of the template, split around its rows."""

    name: str
    path: str
    head: str
    tail: str
    rows: list[Row]
    blocks: list[Block]
    merges: list[str]
    drawing: str | None = None
    # columns of the invoice line row that hold one ``{{ line.* }}`` field alone: hidden when empty on every line
    line_columns: tuple[str, ...] = ()
    # list rows (``user``, ``change``) whose columns are fitted to their content: row -> column -> header text
    fitted: dict[int, dict[str, str]] = field(default_factory=dict)
    # repeated rows' columns whose text wraps (row -> columns): such a row grows to show all of it
    wrapped: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # the columns' widths the template sets (letter -> characters)
    widths: dict[str, float] = field(default_factory=dict)


@dataclass
class Template:
    """A checked, parsed invoice template, ready to fill many times."""

    path: Path
    parts: dict[str, bytes]
    workbook: str
    sheets: list[Sheet] = field(default_factory=list)


def load_template(path: str | Path) -> Template:
    """Read and check the template at ``path``.

    Raises ``TemplateError`` listing every problem with its sheet and cell (or file part): unknown
    placeholders, features the builder cannot keep (text boxes, charts, tables, comments, macros),
    repeated rows that clash, merged cells or pictures across a repeated row, a missing defined name.
    """
    path = Path(path)
    problems = _unsupported_parts(path)  # shapes are reported here: the normal form drops them
    try:
        book = normalise(path)
    except UnreadableWorkbook as error:
        raise TemplateError(f"Template {path} cannot be read as an .xlsx workbook ({error}).") from None
    blocks: dict[str, list[Block]] = {}
    workbook = book.parts["xl/workbook.xml"].decode()
    for sheet in book.sheets:
        blocks[sheet.title] = _scan_sheet(sheet, problems)
        _check_header_footer(sheet.title, book.parts[_sheet_path(book.parts, workbook, sheet.title)].decode(), problems)
    problems += [f"the defined name {name} is missing" for name in REQUIRED_NAMES if name not in book.names]
    if not any(block.collection == "line" for sheet_blocks in blocks.values() for block in sheet_blocks):
        problems.append("no row has {{ line.* }} placeholders, so invoice lines have nowhere to go")
    if problems:
        raise TemplateError(
            f"Template {path} cannot be used: " + "; ".join(problems) + ".",
            "Fix the template in Excel (the placeholders are listed in docs/pages/invoice-template.md) and run again.",
        )
    template = Template(path, book.parts, book.parts["xl/workbook.xml"].decode())
    for sheet in book.sheets:
        template.sheets.append(_parse_sheet(book.parts, template.workbook, sheet, blocks[sheet.title]))
    return template


def _unsupported_parts(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            drawings = {n: archive.read(n).decode("utf-8", "replace") for n in names if _is_drawing(n)}
    except (zipfile.BadZipFile, OSError) as error:
        raise TemplateError(f"Template {path} cannot be read as an .xlsx workbook ({error}).") from None
    problems = [
        f"{what} ({name}) cannot be kept"
        for prefix, what in _UNSUPPORTED_PARTS.items()
        for name in names
        if name.startswith(prefix) and not name.endswith(".rels")
    ]
    for name, xml in drawings.items():
        for anchor in _ANCHOR.finditer(xml):
            for tag, what in _SHAPES.items():
                if re.search(rf"<(?:\w+:)?{tag}\b", anchor.group(0)):
                    problems.append(f"{what} at {_anchor_cell(anchor.group(0))} ({name}) cannot be kept")
    return problems


def _is_drawing(name: str) -> bool:
    return name.startswith("xl/drawings/") and name.endswith(".xml") and "/_rels/" not in name


def _anchor_cell(anchor: str) -> str:
    col = re.search(r"<(?:\w+:)?col>(\d+)<", anchor)
    row = re.search(r"<(?:\w+:)?row>(\d+)<", anchor)
    if col is None or row is None:
        return "a fixed position"
    return f"{column_letter(int(col.group(1)) + 1)}{int(row.group(1)) + 1}"


def _scan_sheet(sheet: Grid, problems: list[str]) -> list[Block]:
    """Check the placeholders of one sheet and find its repeated regions."""
    problems += [
        f"{sheet.title}!{cell} holds an array formula, which cannot be kept (use an ordinary formula)"
        for cell in sheet.arrays
    ]
    rows: dict[int, set[str]] = {}
    for number, cells in sheet.rows().items():
        for cell, value in cells.items():
            where = f"{sheet.title}!{cell}"
            if isinstance(value, str) and "{{" in value:
                if value.startswith("="):
                    problems.append(f"{where} mixes a formula and a placeholder")
                    continue
                rows.setdefault(number, set()).update(_check_placeholders(value, where, problems))
    blocks: list[Block] = []
    seen: set[str] = set()
    for number in sorted(rows):
        collections = rows[number] & {*REPEATING, "group"}
        if len(collections) > 1:
            problems.append(f"{sheet.title} row {number} mixes {', '.join(sorted(collections))} placeholders")
            continue
        if not collections:
            continue
        (collection,) = collections
        if collection == "group":
            if not blocks or blocks[-1].collection != "line" or blocks[-1].item != number - 1:
                problems.append(f"{sheet.title} row {number}: {{{{ group.* }}}} must be right below the line row")
            else:
                blocks[-1] = Block("line", number - 1, number)
            continue
        if collection in seen:
            problems.append(f"{sheet.title} row {number}: a second row of {{{{ {collection}.* }}}} placeholders")
            continue
        seen.add(collection)
        blocks.append(Block(collection, number, None))
    _check_layout(sheet, blocks, problems)
    return blocks


def _check_placeholders(text: str, where: str, problems: list[str]) -> set[str]:
    collections = set()
    for match in PLACEHOLDER.finditer(text):
        collection, name = match.groups()
        if name not in FIELDS.get(collection, {}):
            problems.append(f"{where} has an unknown placeholder {match.group(0)}")
        else:
            collections.add(collection)
    if "{{" in PLACEHOLDER.sub("", text) or "}}" in PLACEHOLDER.sub("", text):
        problems.append(f"{where} has a malformed placeholder in {text!r}")
    return collections


def _check_header_footer(title: str, xml: str, problems: list[str]) -> None:
    """Placeholders in the sheet's page headers and footers: only those of the whole invoice."""
    for match in HEADER_FOOTER.finditer(xml):
        where = f"the {'header' if 'Header' in match.group(1) else 'footer'} of {title}"
        for collection in _check_placeholders(unescape(match.group(2)), where, problems):
            if collection not in PAGE_FIELDS:
                problems.append(f"{where} has {{{{ {collection}.* }}}} placeholders, which repeat rows")


def _check_layout(sheet: Grid, blocks: list[Block], problems: list[str]) -> None:
    """Merged cells may sit inside one repeated row or outside; pictures may not sit on repeated rows."""
    for merged in sheet.merges:
        for block in blocks:
            inside = [block.item <= r <= block.end for r in (merged.first_row, merged.last_row)]
            if any(inside) and merged.first_row != merged.last_row:
                problems.append(f"{sheet.title}!{merged.ref} is merged across a repeated row")
    for row in sheet.picture_rows:
        for block in blocks:
            if block.item <= row <= block.end:
                problems.append(f"a picture at {sheet.title} row {row} sits on a repeated row")


def _parse_sheet(parts: dict[str, bytes], workbook: str, sheet: Grid, blocks: list[Block]) -> Sheet:
    path = _sheet_path(parts, workbook, sheet.title)
    xml = parts[path].decode()
    head, rest = re.split(r"<sheetData\s*/>|<sheetData>", xml, maxsplit=1)
    data, tail = rest.split("</sheetData>", 1) if "</sheetData>" in rest else ("", rest)
    merges = re.findall(r'<mergeCell ref="([^"]+)"', tail)
    tail = re.sub(r"<mergeCells\b.*?</mergeCells>", "<mergeCells/>", tail, flags=re.S)
    collection_of = {}
    for block in blocks:
        collection_of[block.item] = block.collection
        if block.footer:
            collection_of[block.footer] = "group"
    rows = []
    for row in _ROW.finditer(data):
        number = int(row.group(1))
        cells = tuple(_parse_cell(sheet, match) for match in _CELL.finditer(row.group(3) or ""))
        rows.append(Row(number, row.group(2), cells, collection_of.get(number)))
    present = {row.number for row in rows}
    for number, collection in collection_of.items():
        if number not in present:
            rows.append(Row(number, "", (), collection))
    rows.sort(key=lambda row: row.number)
    by_number = {row.number: row for row in rows}
    line_columns: tuple[str, ...] = ()
    fitted: dict[int, dict[str, str]] = {}
    wrapped: dict[int, tuple[str, ...]] = {}
    for block in blocks:
        cells = by_number[block.item].cells
        wrapped[block.item] = tuple(c.column for c in cells if f"{c.column}{block.item}" in sheet.wrapped)
        if block.collection == "line":
            line_columns = tuple(c.column for c in cells if c.whole and c.whole[0] == "line")
        elif block.collection in ("user", "change"):
            above = [sheet.value(f"{c.column}{block.item - 1}") for c in cells]
            fitted[block.item] = {c.column: str(v or "") for c, v in zip(cells, above, strict=True) if c.kind == "text"}
    drawing = _drawing_path(parts, path)
    widths = sheet.widths or {}
    return Sheet(sheet.title, path, head, tail, rows, blocks, merges, drawing, line_columns, fitted, wrapped, widths)


def _parse_cell(sheet: Grid, match: re.Match[str]) -> Cell:
    column, attrs, inner = match.group(1), match.group(3), match.group(4)
    style_match = _STYLE.search(attrs)
    style = style_match.group(0) if style_match else ""
    value = sheet.value(f"{column}{match.group(2)}")
    if inner is not None and "<f" in inner and isinstance(value, str):
        return Cell(column, "formula", style, formula=parse_formula(value[1:]))
    if isinstance(value, str) and "{{" in value:
        alone = PLACEHOLDER.fullmatch(value.strip())
        pieces: list[str | tuple[str, str]] = []
        for number, part in enumerate(PLACEHOLDER.split(value)):  # text, collection, field, text, ...
            if number % 3 == 0:
                pieces.append(part)
            elif number % 3 == 1:
                pieces.append((part, ""))
            else:
                pieces[-1] = (str(pieces[-1][0]), part)
        whole = (alone.group(1), alone.group(2)) if alone else None
        return Cell(column, "text", style, pieces=tuple(pieces), whole=whole)
    body = attrs + ("/>" if inner is None else f">{inner}</c>")
    return Cell(column, "static", style, body=body)


def _sheet_path(parts: dict[str, bytes], workbook: str, title: str) -> str:
    # These parts were just written by openpyxl (the template is re-saved before parsing), not by a user.
    root = ElementTree.fromstring(workbook)  # noqa: S314
    rels = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])  # noqa: S314
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.findall("p:Relationship", _NS)}
    for sheet in root.iterfind("m:sheets/m:sheet", _NS):
        if sheet.get("name") == title:
            return _resolve("xl/workbook.xml", targets[sheet.get(f"{{{_NS['r']}}}id")])
    raise TemplateError(f"Template sheet {title} has no worksheet part.")


def _drawing_path(parts: dict[str, bytes], sheet_path: str) -> str | None:
    folder, name = posixpath.split(sheet_path)
    rels = parts.get(f"{folder}/_rels/{name}.rels")
    if rels is None:
        return None
    for rel in ElementTree.fromstring(rels).findall("p:Relationship", _NS):  # noqa: S314 - openpyxl's output
        if rel.get("Type", "").endswith("/drawing"):
            return _resolve(sheet_path, rel.get("Target", ""))
    return None


def _resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
