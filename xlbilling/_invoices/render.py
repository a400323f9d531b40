"""Fill a parsed template with one invoice and return the .xlsx file's bytes.

Only the worksheet XML, the defined names, the picture anchors and the document properties change; every
other part (styles, theme, pictures) is copied from the template as it is. Text is written as inline
strings, so nothing from the API can ever become a formula; repeated rows carry their formulas with them.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from html import unescape
from typing import Any
from xml.sax.saxutils import escape

from xlbilling._invoice import FIELDS, Invoice, LineContext
from xlbilling._invoices.refs import Local, Ref, RowMap, parse_formula, parse_ref, render_formula
from xlbilling._invoices.template import HEADER_FOOTER, PLACEHOLDER, Block, Cell, Row, Sheet, Template
from xlbilling._values.cells import clean_text, wrapped_lines
from xlbilling._values.dates import to_excel_serial
from xlbilling._xlsx.columns import with_columns
from xlbilling._xlsx.look import paper
from xlbilling._xlsx.package import FIXED_TIME

_DEFINED_NAME = re.compile(r"(<definedName\b[^>]*>)([^<]*)(</definedName>)")
_FILTER_DATABASE = 'name="_xlnm._FilterDatabase"'
_SQREF = re.compile(r'(\s(?:sqref|ref)=")([^"]+)(")')
_BREAK = re.compile(r'(<brk id=")(\d+)(")')
_DRAWING_ROW = re.compile(r"(<(?:\w+:)?row>)(\d+)(</(?:\w+:)?row>)")
FIT_PADDING = 2  # characters of room beside the longest header or value of a fitted column
FIT_MAX = 30  # the widest a fitted column gets (and padding); longer text wraps at its spaces
WORD_MAX = 40  # ... unless one word is longer: up to this many characters, a word is not broken
DATE_LENGTH = 11  # "dd mmm yyyy"
LINE_HEIGHT = 14  # points per line of a row's wrapped text (10 or 11 pt type)
DEFAULT_WIDTH = 8.43  # a column's width in characters when the template sets none (Excel's default)
_FIT_TO_PAGE = re.compile(r'\sfitToPage="1"')
_PAGE_SETUP = re.compile(r"<((?:\w+:)?pageSetup)\b([^>]*?)(/?)>")
_SCALE = re.compile(r'\s(?:scale|pageOrder)="[^"]*"')
_ROW_HEIGHT = re.compile(r'\s(?:ht|customHeight)="[^"]*"')
_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{title}</dc:title>'
    "<dc:creator>xlbilling</dc:creator>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'
)


@dataclass(frozen=True)
class Entry:
    """One output row: its template row, the item it shows, and the rule for references in the region."""

    row: Row
    item: Any
    local: Local | None


def render(template: Template, invoice: Invoice) -> bytes:
    """The bytes of the invoice workbook for ``invoice``; the same invoice always gives the same bytes."""
    items = {sheet.name: {block.item: _items(block, invoice) for block in sheet.blocks} for sheet in template.sheets}
    maps = {
        sheet.name: RowMap([(b.item, b.end, len(items[sheet.name][b.item])) for b in sheet.blocks])
        for sheet in template.sheets
    }
    changed: dict[str, str] = {}
    for sheet in template.sheets:
        rowmap = maps[sheet.name]
        entries = _entries(sheet, items[sheet.name], rowmap)
        changed[sheet.path] = _sheet_xml(sheet, invoice, entries, maps)
        if sheet.drawing:
            drawing = template.parts[sheet.drawing].decode()
            changed[sheet.drawing] = _DRAWING_ROW.sub(partial(_drawing_row, rowmap=rowmap), drawing)
    changed["xl/workbook.xml"] = _DEFINED_NAME.sub(lambda m: _defined_name(m, maps), template.workbook)
    stamp = f"{invoice.issue_date.isoformat()}T00:00:00Z"
    changed["docProps/core.xml"] = _CORE.format(title=escape(f"{invoice.title} {invoice.number}"), stamp=stamp)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in template.parts.items():
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            text = changed.get(name)
            archive.writestr(info, content if text is None else text.encode())
    return buffer.getvalue()


def _drawing_row(match: re.Match[str], rowmap: RowMap) -> str:
    """A picture anchor's row (counted from 0) moved like the cell it sits on."""
    return f"{match.group(1)}{rowmap.start(int(match.group(2)) + 1) - 1}{match.group(3)}"


def _items(block: Block, invoice: Invoice) -> list[tuple[int, Any]]:
    """(template row, item) for each output row of a repeated region, before row numbers are known."""
    if block.collection == "line":
        groups = invoice.groups
        out: list[tuple[int, Any]] = []
        for group in groups:
            out += [(block.item, LineContext(invoice, line)) for line in group.lines]
            if block.footer and len(groups) > 1:
                out.append((block.footer, group))
        return out or [(block.item, None)]
    collection = {"tax": invoice.taxes, "user": invoice.users, "change": invoice.changes}[block.collection]
    return [(block.item, item) for item in collection] or [(block.item, None)]


def _entries(sheet: Sheet, items: dict[int, list[tuple[int, Any]]], rowmap: RowMap) -> list[tuple[int, Entry]]:
    """Every output row of the sheet with its row number, top to bottom."""
    rows = {row.number: row for row in sheet.rows}
    entries: list[tuple[int, Entry]] = []
    for row in sheet.rows:
        if row.collection is None:
            entries.append((rowmap.start(row.number), Entry(row, None, None)))
        elif row.collection != "group":
            entries += _block_entries(rows, row.number, items[row.number], rowmap.start(row.number))
    return entries


def _block_entries(
    rows: dict[int, Row], item_row: int, items: list[tuple[int, Any]], first: int
) -> list[tuple[int, Entry]]:
    entries: list[tuple[int, Entry]] = []
    group_start = first
    for offset, (number, item) in enumerate(items):
        out = first + offset
        if number == item_row:
            local = _item_rule(item_row, out)
        else:
            local = _footer_rule(item_row, number, out, group_start, out - 1)
            group_start = out + 1
        entries.append((out, Entry(rows[number], item, local)))
    return entries


def _item_rule(item_row: int, out: int) -> Local:
    return lambda row, is_end: out if row == item_row else None


def _footer_rule(item_row: int, footer: int, out: int, first: int, last: int) -> Local:
    def rule(row: int, is_end: bool) -> int | None:
        if row == item_row:
            return last if is_end else first
        return out if row == footer else None

    return rule


def _sheet_xml(sheet: Sheet, invoice: Invoice, entries: list[tuple[int, Entry]], maps: dict[str, RowMap]) -> str:
    rowmap = maps[sheet.name]
    fitted, hidden = _layout(sheet, invoice, entries)
    head = with_columns(_move(sheet.head, sheet.name, maps), fitted, hidden)
    widths = {**sheet.widths, **fitted}
    scale = paper(sum(widths.values()))[1] if fitted else None  # a list too wide for one readable page
    if scale is not None:
        head = _FIT_TO_PAGE.sub(' fitToPage="0"', head)
    parts = [head, "<sheetData>"]
    for out, entry in entries:
        cells = "".join(_cell(cell, out, entry, invoice, sheet.name, maps) for cell in entry.row.cells)
        parts.append(f'<row r="{out}"{_row_attrs(sheet, entry, invoice, widths)}>{cells}</row>')
    parts.append("</sheetData>")
    tail = _move(sheet.tail, sheet.name, maps)
    tail = HEADER_FOOTER.sub(lambda m: _page_text(m, invoice), tail)
    if scale is not None:  # printed at a readable scale over pages across, each row band across first
        tail = _PAGE_SETUP.sub(lambda m: _scaled(m, scale), tail, count=1)
    tail = _BREAK.sub(lambda m: f"{m.group(1)}{rowmap.end(int(m.group(2)))}{m.group(3)}", tail)
    merges = _merges(sheet, entries, maps)
    merged = f'<mergeCells count="{len(merges)}">{"".join(merges)}</mergeCells>' if merges else ""
    tail = tail.replace("<mergeCells/>", merged)
    parts.append(tail)
    return "".join(parts)


def _row_attrs(sheet: Sheet, entry: Entry, invoice: Invoice, widths: dict[str, float]) -> str:
    """A row's attributes; a repeated row whose text wraps gets a height that shows every line of it (Excel
    and LibreOffice keep the height a row is written with)."""
    columns = sheet.wrapped.get(entry.row.number, ())
    if entry.item is None or not columns:
        return entry.row.attrs
    lines = max(
        (wrapped_lines(_as_text(_fill(cell, invoice, entry.item)), widths.get(cell.column, DEFAULT_WIDTH))
         for cell in entry.row.cells if cell.column in columns),
        default=1,
    )  # fmt: skip
    if lines < 2:
        return entry.row.attrs
    return _ROW_HEIGHT.sub("", entry.row.attrs) + f' ht="{LINE_HEIGHT * lines:g}" customHeight="1"'


def _scaled(match: re.Match[str], scale: int) -> str:
    """A ``pageSetup`` element printing at ``scale`` percent, each row band across before the next."""
    attributes = _SCALE.sub("", match.group(2))
    return f'<{match.group(1)}{attributes} scale="{scale}" pageOrder="overThenDown"{match.group(3)}>'


def _page_text(match: re.Match[str], invoice: Invoice) -> str:
    """A page header or footer (XML text) with its placeholders filled: each value escaped for XML, an
    ampersand doubled (a single one starts a code such as ``&P``)."""

    def filled(found: re.Match[str]) -> str:
        return escape(_as_text(_field((found.group(1), found.group(2)), invoice, None)).replace("&", "&&"))

    return f"<{match.group(1)}>{PLACEHOLDER.sub(filled, match.group(2))}</{match.group(1)}>"


def _layout(sheet: Sheet, invoice: Invoice, entries: list[tuple[int, Entry]]) -> tuple[dict[str, float], set[str]]:
    """Column widths fitted to the list rows, and the line columns that are empty on every invoice line.

    A Customer column is empty on an invoice whose lines are all the Bill To's own, so it is hidden there.
    """
    longest = {column: len(header) for fitted in sheet.fitted.values() for column, header in fitted.items()}
    word = dict.fromkeys(longest, 0)  # the longest word: a column is never narrower (no word is broken)
    filled: set[str] = set()
    lines = 0
    for _, entry in entries:
        fitted = sheet.fitted.get(entry.row.number)
        if entry.item is None or (fitted is None and entry.row.collection != "line"):
            continue
        lines += entry.row.collection == "line"
        for cell in entry.row.cells:
            if fitted is not None and cell.column in fitted:
                value = _fill(cell, invoice, entry.item)
                longest[cell.column] = max(longest[cell.column], _shown_length(value))
                word[cell.column] = max([word[cell.column], *map(len, _as_text(value).split())])
            elif entry.row.collection == "line" and cell.column in sheet.line_columns:
                filled.update([cell.column] if _fill(cell, invoice, entry.item) not in (None, "") else [])
    widths = {
        column: float(max(min(FIT_MAX, length), min(WORD_MAX, word[column])) + FIT_PADDING)
        for column, length in longest.items()
    }
    return widths, (set(sheet.line_columns) - filled) if lines else set()


def _shown_length(value: Any) -> int:
    """About how many characters a value takes in its cell."""
    if isinstance(value, datetime | date):
        return DATE_LENGTH
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return len(f"{value:,.2f}")
    return max((len(line) for line in _as_text(value).splitlines()), default=0)


def _move(xml: str, sheet: str, maps: dict[str, RowMap]) -> str:
    """Move the rows of every ``ref``/``sqref`` attribute (dimension, hyperlinks, validation, formatting)."""
    return _SQREF.sub(lambda m: m.group(1) + _move_refs(m.group(2), sheet, maps) + m.group(3), xml)


def _move_refs(refs: str, sheet: str, maps: dict[str, RowMap]) -> str:
    """Move a list of ranges; one that touches a repeated region stretches over all of its output rows."""
    moved = []
    for text in refs.split():
        ref = parse_ref(text)
        moved.append(text if ref is None or ref.sheet is not None else _stretched(ref, maps[sheet]))
    return " ".join(moved)


def _stretched(ref: Ref, rowmap: RowMap) -> str:
    """``ref`` moved as a sheet's own ranges move: its first row where it lands, its last row at the end
    of the repeated region it touches (the autofilter, validation and formatting ranges)."""
    (col_abs, col, row_abs, top), (col_abs2, col2, row_abs2, bottom) = ref.endpoints[0], ref.endpoints[-1]
    if top is None or bottom is None:
        return ref.render({}, "", None)
    first = f"{col_abs}{col}{row_abs}{rowmap.start(top)}"
    last = f"{col_abs2}{col2}{row_abs2}{rowmap.last(bottom)}"
    return ref.prefix + (first if first == last else f"{first}:{last}")


def _merges(sheet: Sheet, entries: list[tuple[int, Entry]], maps: dict[str, RowMap]) -> list[str]:
    """Merged ranges: those inside a repeated row are repeated on each of its output rows."""
    out: list[str] = []
    repeated = {row.number for row in sheet.rows if row.collection}
    for merge in sheet.merges:
        ref = parse_ref(merge)
        if ref is None:
            continue
        row = ref.endpoints[0][3]
        if row in repeated:
            out += [f'<mergeCell ref="{_on_row(merge, number)}"/>' for number, e in entries if e.row.number == row]
        else:
            out.append(f'<mergeCell ref="{ref.render(maps, sheet.name, None)}"/>')
    return out


def _on_row(merge: str, row: int) -> str:
    return re.sub(r"\d+", str(row), merge)


def _defined_name(match: re.Match[str], maps: dict[str, RowMap]) -> str:
    text = unescape(match.group(2))
    ref = parse_ref(text) if _FILTER_DATABASE in match.group(1) else None
    if ref is not None and ref.sheet in maps:  # Excel keeps it equal to the sheet's autofilter range
        return match.group(1) + escape(_stretched(ref, maps[ref.sheet])) + match.group(3)
    formula = render_formula(parse_formula(text), maps, "")
    return match.group(1) + escape(formula) + match.group(3)


def _cell(cell: Cell, out: int, entry: Entry, invoice: Invoice, sheet: str, maps: dict[str, RowMap]) -> str:
    ref = f"{cell.column}{out}"
    if cell.kind == "static":
        return f'<c r="{ref}"{cell.body}'
    if cell.kind == "formula":
        return f'<c r="{ref}"{cell.style}><f>{escape(render_formula(cell.formula, maps, sheet, entry.local))}</f></c>'
    return _value_xml(ref, cell.style, _fill(cell, invoice, entry.item))


def _fill(cell: Cell, invoice: Invoice, item: Any) -> Any:
    """A cell's value: a lone placeholder keeps its type (number, date); mixed text is formatted."""
    if cell.whole:
        return _field(cell.whole, invoice, item)
    return "".join(p if isinstance(p, str) else _as_text(_field(p, invoice, item)) for p in cell.pieces)


def _field(placeholder: tuple[str, str], invoice: Invoice, item: Any) -> Any:
    collection, name = placeholder
    getter: Callable[[Any], Any] = FIELDS[collection][name]
    if collection in ("invoice", "bill_to", "seller"):
        return getter(invoice)
    return None if item is None else getter(item)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return f"{value:%d %b %Y}"
    return str(value)


def _value_xml(ref: str, style: str, value: Any) -> str:
    kind = type(value)
    if kind is str and value:
        text = clean_text(value)
        if "&" in text or "<" in text or ">" in text:
            text = escape(text)
        return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    if value is None or value == "":
        return f'<c r="{ref}"{style}/>'
    if kind is Decimal:
        return f'<c r="{ref}"{style}><v>{value:f}</v></c>'
    if kind is bool:
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if kind is date or kind is datetime:
        return f'<c r="{ref}"{style}><v>{to_excel_serial(value if kind is date else value.date())}</v></c>'
    if kind is int or kind is float:
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    return _value_xml(ref, style, str(value))
