"""Excel's known repair triggers, checked in pure Python: ``problems(path)`` lists them, ``assert_excel_clean``
fails on any.

Excel answers a file it cannot fully read with "We found a problem with some content..." and deletes what it
could not read. Without Excel, these are the triggers that can be checked: parts and relationships that
resolve and style indexes that exist (``tests/package_check.py``), element order the schema requires, rows and
cells in order, merges and tables that do not overlap, table headers equal to their columns, structured
references that resolve, valid names, string indexes in range, valid sheet names and ranges, and well-formed
XML (which also rules out the characters XML 1.0 forbids).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from openpyxl.utils.cell import get_column_letter

from tests.package_check import checked, parsed

M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
P = "{http://schemas.openxmlformats.org/package/2006/relationships}"
WORKSHEET_ORDER = (
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr", "sheetProtection",
    "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate", "customSheetViews", "mergeCells",
    "phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions", "pageMargins",
    "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors",
    "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
    "webPublishItems", "tableParts", "extLst",
)  # fmt: skip
WORKBOOK_ORDER = (
    "fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets", "functionGroups",
    "externalReferences", "definedNames", "calcPr", "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr",
    "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst",
)  # fmt: skip
CELL_ORDER = ("f", "v", "is", "extLst")
ROW_ORDER = ("c", "extLst")
MAX_ROW, MAX_COLUMN = 1_048_576, 16_384
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")
_NAME = re.compile(r"^(?:[^\W\d]|\\)[\w.\\]*$")  # a letter (any script), _ or \, then letters, digits, _ . \
_CELL_LIKE = re.compile(r"^(?:[A-Za-z]{1,3}\d+|[Rr]\d*(?:[Cc]\d*)?|[Cc]\d*)$")
_STRING = re.compile(r'"(?:[^"]|"")*"')
_STRUCTURED = re.compile(r"(?<![\w.\]\\])([A-Za-z_\\][\w.\\]*)\[((?:[^\[\]']|'.|\[(?:[^\[\]']|'.)*\])*)\]")
_SPECIFIER = re.compile(r"\[((?:[^\[\]']|'.)*)\]")


@dataclass
class Table:
    """One table part, as the checks need it."""

    name: str
    sheet: str
    ref: str
    columns: list[str]
    header: bool


@dataclass
class Book:
    """What the checks read once: the parts, sheets (name -> part), tables, strings and differential formats."""

    parts: dict[str, bytes]
    sheets: dict[str, str] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    formulas: list[tuple[str, str]] = field(default_factory=list)  # (where, formula text)
    dxfs: int = 0  # differential formats (conditional formats)


def assert_excel_clean(path: Path, baseline: Path | None = None) -> None:
    """Fail when ``path`` has a repair trigger (beyond those ``baseline``, the file it came from, had)."""
    found = problems(path)
    if baseline is not None:
        known = set(problems(baseline))
        found = [p for p in found if p not in known]
    assert not found, f"{path.name} would make Excel repair it:\n  " + "\n  ".join(found[:20])


def problems(path: Path) -> list[str]:
    """Every repair trigger found in the workbook package at ``path``."""
    with zipfile.ZipFile(path) as archive:
        book = Book({name: archive.read(name) for name in archive.namelist() if not name.endswith("/")})
    trees, found = parsed(book.parts)
    if found:
        return found  # not well-formed: nothing else can be read
    package = checked(book.parts, trees)  # relationships, content types, styles and style indexes
    found += package.problems
    book.dxfs = package.dxfs
    workbook = _workbook_part(trees)
    if workbook is None:
        return [*found, "no workbook part"]
    found += _sheets_and_names(book, trees, workbook)
    found += _strings(book, trees, workbook)
    for sheet, part in book.sheets.items():
        found += _worksheet(book, trees, sheet, part)
    found += _tables(book, trees)
    found += _structured_references(book)
    return found


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(folder, target))


def _rels(book: Book, trees: dict[str, ElementTree.Element], part: str) -> dict[str, str]:
    folder, name = posixpath.split(part)
    tree = trees.get(posixpath.join(folder, "_rels", f"{name}.rels"))
    if tree is None:
        return {}
    return {
        rel.get("Id", ""): _resolve(folder, rel.get("Target", ""))
        for rel in tree.iter(f"{P}Relationship")
        if rel.get("TargetMode") != "External"
    }


def _workbook_part(trees: dict[str, ElementTree.Element]) -> str | None:
    root = trees.get("_rels/.rels")
    for rel in root.iter(f"{P}Relationship") if root is not None else ():
        if rel.get("Type", "").endswith("/officeDocument"):
            return _resolve("", rel.get("Target", ""))
    return None


def _sheets_and_names(book: Book, trees: dict[str, ElementTree.Element], workbook: str) -> list[str]:
    tree = trees[workbook]
    main = [_local(child.tag) for child in tree if child.tag.startswith(M)]  # extensions of other namespaces aside
    found = _in_order(main, WORKBOOK_ORDER, f"{workbook} (workbook)")
    rels = _rels(book, trees, workbook)
    seen: set[str] = set()
    for sheet in tree.iter(f"{M}sheet"):
        title = sheet.get("name", "")
        if not title or len(title) > 31 or re.search(r"[\[\]:*?/\\]", title) or title[0] == "'" or title[-1] == "'":
            found.append(f"the sheet name {title!r} is not one Excel accepts")
        if title.lower() in seen:
            found.append(f"two sheets are named {title!r}")
        seen.add(title.lower())
        part = rels.get(sheet.get(f"{R}id", ""))
        if part is None:
            found.append(f"the sheet {title!r} has no part")
        elif part.startswith("xl/worksheets/"):
            book.sheets[title] = part
    names: set[tuple[str, str | None]] = set()
    count = len(list(tree.iter(f"{M}sheet")))
    for defined in tree.iter(f"{M}definedName"):
        name, local = defined.get("name", ""), defined.get("localSheetId")
        bare = name.removeprefix("_xlnm.")
        if not _NAME.match(bare) or _CELL_LIKE.match(bare):
            found.append(f"the defined name {name!r} is not one Excel accepts")
        if (name.lower(), local) in names:
            found.append(f"the defined name {name!r} is defined twice")
        names.add((name.lower(), local))
        if local is not None and not (local.isdigit() and int(local) < count):
            found.append(f"the defined name {name!r} belongs to sheet {local}, which does not exist")
        book.formulas.append((f"defined name {name}", defined.text or ""))
    return found


def _strings(book: Book, trees: dict[str, ElementTree.Element], workbook: str) -> list[str]:
    found = []
    for part in _rels(book, trees, workbook).values():
        tree = trees.get(part)
        if tree is not None and tree.tag == f"{M}sst":
            book.strings = ["".join(t.text or "" for t in si.iter(f"{M}t")) for si in tree.iter(f"{M}si")]
            unique = tree.get("uniqueCount")
            if unique is not None and int(unique) != len(book.strings):
                found.append(f"{part} says {unique} strings and holds {len(book.strings)}")
    return found


def _in_order(children: list[str], order: tuple[str, ...], where: str) -> list[str]:
    ranks = [order.index(child) for child in children if child in order]
    unknown = sorted({child for child in children if child not in order})
    found = [f"{where} holds {', '.join(unknown)}, which the schema does not allow there"] if unknown else []
    if ranks != sorted(ranks):
        found.append(f"{where}: elements out of the schema's order ({', '.join(children)})")
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _worksheet(book: Book, trees: dict[str, ElementTree.Element], sheet: str, part: str) -> list[str]:
    tree = trees.get(part)
    if tree is None:
        return [f"the sheet {sheet!r} ({part}) is missing"]
    found = _in_order([_local(child.tag) for child in tree], WORKSHEET_ORDER, f"{part} (worksheet)")
    previous_row = 0
    for row in tree.iterfind(f"{M}sheetData/{M}row"):
        number = int(row.get("r", previous_row + 1))
        if number <= previous_row:
            found.append(f"{sheet}: row {number} comes after row {previous_row}")
        previous_row = number
        found += _in_order([_local(c.tag) for c in row], ROW_ORDER, f"{sheet} row {number}")
        previous_column = 0
        for cell in row.iterfind(f"{M}c"):
            ref = cell.get("r")  # a cell may leave its reference out: it is then the next one in its row
            match = _REF.match(ref or f"{get_column_letter(previous_column + 1)}{number}")
            if match is None or int(match[2]) != number:
                found.append(f"{sheet}: cell {ref} sits in row {number}")
                continue
            column = _column(match[1])
            if column <= previous_column:
                found.append(f"{sheet}: cell {ref} comes after column {previous_column}")
            previous_column = column
            ref = ref or match[0]
            found += _in_order([_local(c.tag) for c in cell], CELL_ORDER, f"{sheet}!{ref}")
            value = cell.findtext(f"{M}v")
            if cell.get("t") == "s" and value and not int(value) < len(book.strings):
                found.append(f"{sheet}!{ref} uses shared string {value} of {len(book.strings)}")
            formula = cell.find(f"{M}f")
            if formula is not None and formula.text:
                book.formulas.append((f"{sheet}!{ref}", formula.text))
    merges = [m.get("ref", "") for m in tree.iterfind(f"{M}mergeCells/{M}mergeCell")]
    found += [f"{sheet}: the merged range {m!r} is not a range" for m in merges if not _valid(m)]
    boxes = [(m, _box(m)) for m in merges if _valid(m)]
    for index, (first, box) in enumerate(boxes):
        found += [f"{sheet}: merged {first} overlaps merged {other}" for other, b in boxes[:index] if _meets(box, b)]
    found += _ranges_of(tree, sheet, book)
    for table in _table_parts(book, trees, part, sheet):
        found += [
            f"{sheet}: merged {m} overlaps the table {table.name}" for m, b in boxes if _meets(b, _box(table.ref))
        ]
        if table.header:
            found += _header(book, tree, table)
    return found


def _ranges_of(tree: ElementTree.Element, sheet: str, book: Book) -> list[str]:
    found = []
    for tag in ("conditionalFormatting", "dataValidations/" + M + "dataValidation", "hyperlinks/" + M + "hyperlink"):
        for element in tree.iterfind(f"{M}{tag}"):
            refs = (element.get("sqref") or element.get("ref") or "").split()
            found += [f"{sheet}: {_local(element.tag)} over {ref!r}, not a range" for ref in refs if not _valid(ref)]
            for rule in element.iter(f"{M}cfRule"):
                dxf = rule.get("dxfId")
                if dxf is not None and int(dxf) >= book.dxfs:
                    found.append(f"{sheet}: a conditional format uses format {dxf}, beyond the styles' dxfs")
            for formula in (*element.iter(f"{M}formula"), *element.iter(f"{M}formula1"), *element.iter(f"{M}formula2")):
                book.formulas.append((f"{sheet} {_local(element.tag)}", formula.text or ""))
    return found


def _table_parts(book: Book, trees: dict[str, ElementTree.Element], part: str, sheet: str) -> list[Table]:
    tables = []
    rels = _rels(book, trees, part)
    for table_part in trees[part].iterfind(f"{M}tableParts/{M}tablePart"):
        target = rels.get(table_part.get(f"{R}id", ""))
        tree = trees.get(target or "")
        if tree is None:
            continue
        columns = [c.get("name", "") for c in tree.iterfind(f"{M}tableColumns/{M}tableColumn")]
        header = tree.get("headerRowCount", "1") != "0"
        table = Table(tree.get("displayName", tree.get("name", "")), sheet, tree.get("ref", ""), columns, header)
        tables.append(table)
        book.tables.append(table)
        for column in tree.iterfind(f"{M}tableColumns/{M}tableColumn"):
            formula = column.findtext(f"{M}calculatedColumnFormula")
            if formula:
                book.formulas.append((f"table {table.name} column {column.get('name')}", formula))
    return tables


def _header(book: Book, tree: ElementTree.Element, table: Table) -> list[str]:
    if not _valid(table.ref):
        return []
    left, top, right, _ = _box(table.ref)
    row = next((r for r in tree.iterfind(f"{M}sheetData/{M}row") if int(r.get("r", "0")) == top), None)
    cells = {}
    for cell in row.iterfind(f"{M}c") if row is not None else ():
        match = _REF.match(cell.get("r", ""))
        if match is not None:
            cells[_column(match[1])] = _text(book, cell)
    found = []
    for offset, name in enumerate(table.columns):
        shown = cells.get(left + offset)
        if shown != name:
            found.append(f"the table {table.name}'s column {name!r} sits under the header cell {shown!r}")
    if len(table.columns) != right - left + 1:
        found.append(f"the table {table.name} has {len(table.columns)} columns over {right - left + 1} cells")
    return found


def _text(book: Book, cell: ElementTree.Element) -> str | None:
    if cell.get("t") == "s":
        value = cell.findtext(f"{M}v")
        return book.strings[int(value)] if value is not None and int(value) < len(book.strings) else None
    if cell.get("t") == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{M}t"))
    return cell.findtext(f"{M}v")


def _tables(book: Book, trees: dict[str, ElementTree.Element]) -> list[str]:
    found = []
    seen_names: set[str] = set()
    ids: set[str] = set()
    for name, tree in trees.items():
        if tree.tag == f"{M}table":
            table_id = tree.get("id", "")
            if table_id in ids:
                found.append(f"two tables have the id {table_id}")
            ids.add(table_id)
            for key in {tree.get("name", ""), tree.get("displayName", "")}:
                if key.lower() in seen_names:
                    found.append(f"two tables are named {key!r}")
                seen_names.add(key.lower())
            if not _valid(tree.get("ref", "")):
                found.append(f"{name}: the table range {tree.get('ref')!r} is not a range")
    for index, table in enumerate(book.tables):
        for other in book.tables[:index]:
            same_sheet = other.sheet == table.sheet and _valid(table.ref) and _valid(other.ref)
            if same_sheet and _meets(_box(table.ref), _box(other.ref)):
                found.append(f"the tables {other.name} and {table.name} overlap on {table.sheet!r}")
    return found


def _structured_references(book: Book) -> list[str]:
    tables = {t.name.lower(): t for t in book.tables}
    found = []
    for where, formula in book.formulas:
        for match in _STRUCTURED.finditer(_STRING.sub('""', formula)):
            table = tables.get(match[1].lower())
            if table is None:
                found.append(f"{where}: {match[0]} names no table")
                continue
            columns = {c.lower() for c in table.columns}
            inner = match[2]
            for spec in _SPECIFIER.findall(inner) if "[" in inner else [inner]:
                name = re.sub(r"'(.)", r"\1", spec.strip()).lstrip("@").strip()
                if name and not name.startswith("#") and name.lower() not in columns:
                    found.append(f"{where}: {match[0]} names no column of {table.name}")
    return found


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _valid(ref: str) -> bool:
    match = _REF.match(ref)
    if match is None:
        return False
    left, top = _column(match[1]), int(match[2])
    right, bottom = (_column(match[3]), int(match[4])) if match[3] else (left, top)
    return 1 <= left <= right <= MAX_COLUMN and 1 <= top <= bottom <= MAX_ROW


def _box(ref: str) -> tuple[int, int, int, int]:
    match = _REF.match(ref)
    assert match is not None
    left, top = _column(match[1]), int(match[2])
    right, bottom = (_column(match[3]), int(match[4])) if match[3] else (left, top)
    return left, top, right, bottom


def _meets(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]
