"""Real workbooks written by other programs (``tests/data/real/``, see its ``SOURCES.md``), and the tools the
refresh tests use on them: give one a Control sheet by raw-XML injection, compare packages part by part, read
cells with openpyxl and calamine, and recalculate or print with LibreOffice.

``with_control_sheet`` edits the package as bytes: it adds one worksheet part and inserts one element into each
of ``[Content_Types].xml``, the workbook's relationships and the workbook part; every other member is copied
unchanged (same name, order, bytes and compression type). Nothing here re-serializes XML, because these files'
prefixes, namespaces and layouts vary (a default or an ``x:`` prefixed main namespace, the relationships prefix
declared on each ``<sheet>``, the workbook part outside ``xl/``)."""

from __future__ import annotations

import atexit
import copy
import posixpath
import re
import shutil
import subprocess
import tempfile
import threading
import warnings
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

import openpyxl
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from python_calamine import CalamineWorkbook

from xlbilling._invoices.pdf import run_libreoffice

REAL = Path(__file__).parent / "data" / "real"
CORPUS: list[Path] = sorted(path for path in REAL.iterdir() if path.suffix in {".xlsx", ".xlsm"})
"""The real workbooks, by file name."""

OPENPYXL_CANNOT_LOAD: frozenset[str] = frozenset(
    {
        "calamine_pivots.xlsx",
        "sheetjs_wtf_path.xlsx",
        "poi_style-alternate-content.xlsx",
        "sheetjs_xlsx-stream-d-date-cell.xlsx",
    }
)
"""Corpus files that ``openpyxl.load_workbook`` raises on (Excel, LibreOffice and calamine read them)."""
OPENPYXL_SEES_NO_SHEETS: frozenset[str] = frozenset({"poi_SimpleStrict.xlsx"})
"""Corpus files in which openpyxl finds no sheet: it does not read Strict-conformance packages."""
OPENPYXL_CANNOT_READ = OPENPYXL_CANNOT_LOAD | OPENPYXL_SEES_NO_SHEETS
CALAMINE_MISCOUNTS_STYLES: frozenset[str] = frozenset({"poi_style-alternate-content.xlsx"})
"""Corpus files whose cell formats calamine misnumbers: it counts both branches of an ``mc:AlternateContent`` in
the styles part, where Excel and LibreOffice take one (so calamine reads a date cell as a number)."""

CONTROL = "Control"
CONTENT_TYPES = "[Content_Types].xml"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_TRANSITIONAL = "http://schemas.openxmlformats.org/"
_STRICT = "http://purl.oclc.org/ooxml/"
_OFFICE_DOCUMENT = "/officeDocument"

Cell = object
"""A cell's content as the readers return it: a value, a formula string ``"=..."``, or a tuple for array and
data-table formulas."""


# --- the package -------------------------------------------------------------------------------------------


def parts(path: Path) -> dict[str, bytes]:
    """Every member of the package ``path``: name → uncompressed bytes, in the archive's order."""
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def compression(path: Path) -> dict[str, int]:
    """Every member of the package ``path``: name → compression type (``zipfile.ZIP_STORED``, ...)."""
    with zipfile.ZipFile(path) as archive:
        return {info.filename: info.compress_type for info in archive.infolist()}


def changed_parts(before: Mapping[str, bytes], after: Mapping[str, bytes]) -> set[str]:
    """Member names added, removed, or whose bytes differ between two ``parts()`` results."""
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def changed_outside(before: Mapping[str, bytes], after: Mapping[str, bytes], owned: Iterable[str]) -> set[str]:
    """The changed members (see ``changed_parts``) other than ``owned``: empty when only those changed."""
    return changed_parts(before, after) - set(owned)


def inserted_text(before: bytes, after: bytes) -> bytes | None:
    """The bytes inserted when ``after`` is ``before`` with one contiguous insertion (nothing removed or
    replaced); ``None`` otherwise (or when the two are equal)."""
    extra = len(after) - len(before)
    if extra <= 0:
        return None
    start = 0
    limit = len(before)
    while start < limit and before[start] == after[start]:
        start += 1
    if after[start + extra :] != before[start:]:
        return None
    # The insertion may slide left over bytes it repeats: prefer a place where it reads as whole elements.
    places = [start]
    while places[-1] > 0 and after[places[-1] - 1] == after[places[-1] - 1 + extra]:
        places.append(places[-1] - 1)
    chunks = [after[place : place + extra] for place in places]
    return next((chunk for chunk in chunks if chunk.startswith(b"<") and chunk.endswith(b">")), chunks[0])


def workbook_part(source: Path | Mapping[str, bytes]) -> str:
    """The member name of the workbook part (the package's ``officeDocument``), e.g. ``xl/workbook.xml``."""
    members = parts(source) if isinstance(source, Path) else source
    for relation in _relationships(members, "_rels/.rels", ""):
        if relation.type.endswith(_OFFICE_DOCUMENT):
            return _member(members, relation.target)
    raise ValueError("the package has no officeDocument relationship")


def rels_part(part: str) -> str:
    """The member name of ``part``'s relationships: ``xl/workbook.xml`` → ``xl/_rels/workbook.xml.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def sheet_parts(source: Path | Mapping[str, bytes]) -> dict[str, str]:
    """Sheet name → member name of its part (worksheets and chartsheets), in workbook order."""
    members = parts(source) if isinstance(source, Path) else source
    book = workbook_part(members)
    targets = {relation.id: relation.target for relation in _relationships(members, rels_part(book), book)}
    found: dict[str, str] = {}
    for element in _xml(members[book]).iter():
        if _local(element.tag) != "sheet":
            continue
        rid = next((value for key, value in element.attrib.items() if _local(key) == "id"), None)
        if rid in targets:
            found[element.attrib["name"]] = _member(members, targets[rid])
    return found


def styles_part(source: Path | Mapping[str, bytes]) -> str | None:
    """The member name of the workbook's styles part, or ``None`` when it has none."""
    members = parts(source) if isinstance(source, Path) else source
    book = workbook_part(members)
    found = (r.target for r in _relationships(members, rels_part(book), book) if r.type.endswith("/styles"))
    return next((_member(members, target) for target in found if target.lower() in map(str.lower, members)), None)


def owned_parts(source: Path | Mapping[str, bytes], sheets: Iterable[str]) -> set[str]:
    """The members of the named sheets: each one's part and its relationships part when it has one (not the
    tables, drawings... those relationships point to)."""
    members = parts(source) if isinstance(source, Path) else source
    found = sheet_parts(members)
    owned = {found[sheet] for sheet in sheets}
    return owned | {rels_part(part) for part in owned if rels_part(part) in members}


def registration_parts(source: Path | Mapping[str, bytes]) -> set[str]:
    """The three members that list the workbook's sheets: content types, the workbook part and its rels."""
    book = workbook_part(source)
    return {CONTENT_TYPES, book, rels_part(book)}


# --- the Control sheet -------------------------------------------------------------------------------------


def with_control_sheet(source: Path, target: Path, period: str = "2026-10-31") -> Path:
    """Copy ``source`` to ``target`` with one more worksheet, "Control", last in the workbook: A1 "Control",
    A3 "Period", B3 ``period`` (inline strings). Returns ``target``.

    Added: a part ``<workbook folder>/worksheets/sheetN.xml`` (N unused), appended to the archive. Edited, by
    inserting one element and nothing else: an ``<Override>`` in ``[Content_Types].xml``, a ``<Relationship>``
    (fresh ``rId``) in the workbook's relationships, a ``<sheet>`` (fresh ``sheetId``) at the end of the
    workbook's ``<sheets>``. Every other member is copied with the same name, order, bytes and compression."""
    if target.resolve() == source.resolve():
        raise ValueError("with_control_sheet needs a target other than its source")
    members = parts(source)
    book = workbook_part(members)
    book_rels = rels_part(book)
    if CONTROL in sheet_parts(members):
        raise ValueError(f"{source.name} already has a sheet named {CONTROL!r}")
    strict = _STRICT.encode() + b"spreadsheetml/main" in members[book][:4096]
    root = _STRICT if strict else _TRANSITIONAL
    main_ns = root + ("spreadsheetml/main" if strict else "spreadsheetml/2006/main")
    rel_ns = root + ("officeDocument/relationships" if strict else "officeDocument/2006/relationships")

    folder = posixpath.dirname(book)
    sheet_member = _new_sheet_member(members, folder)
    relations = _relationships(members, book_rels, book)
    worksheet_type = next((r.type for r in relations if r.type.endswith("/worksheet")), rel_ns + "/worksheet")
    rid = _fresh_rid({relation.id for relation in relations})

    edited = {
        CONTENT_TYPES: _insert_before_close(
            members[CONTENT_TYPES],
            "Types",
            lambda p: f'<{p}Override PartName="/{sheet_member}" ContentType="{WORKSHEET_TYPE}"/>',
        ),
        book_rels: _insert_before_close(
            members[book_rels],
            "Relationships",
            lambda p: (
                f'<{p}Relationship Id="{rid}" Type="{worksheet_type}" '
                f'Target="{posixpath.relpath(sheet_member, folder or ".")}"/>'
            ),
        ),
        book: _insert_sheet(members[book], rel_ns, rid),
    }
    sheet_xml = _control_sheet_xml(main_ns, period)

    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copied:
        copied.comment = original.comment
        for info in original.infolist():
            data = edited.get(info.filename, members[info.filename])
            _write(copied, info, data)
        added = zipfile.ZipInfo(sheet_member, date_time=(1980, 1, 1, 0, 0, 0))
        added.compress_type = zipfile.ZIP_DEFLATED
        _write(copied, added, sheet_xml)
    return target


def _control_sheet_xml(main_ns: str, period: str) -> bytes:
    def text(reference: str, value: str) -> str:
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'<c r="{reference}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'

    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{main_ns}"><dimension ref="A1:B3"/><sheetData>'
        f'<row r="1">{text("A1", CONTROL)}</row>'
        f'<row r="3">{text("A3", "Period")}{text("B3", period)}</row>'
        "</sheetData></worksheet>"
    ).encode()


def _write(archive: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> None:
    """Add a member like ``info`` (name, date, attributes, extra field, compression type) holding ``data``."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ValueError(f"{info.filename}: compression type {info.compress_type} is not supported")
    archive.writestr(copy.copy(info), data)


def _new_sheet_member(members: Mapping[str, bytes], folder: str) -> str:
    taken = {name.lower() for name in members}
    numbers = [
        int(match.group(1)) for name in taken if (match := re.fullmatch(r"(?:.*/)?worksheets/sheet(\d+)\.xml", name))
    ]
    number = max(numbers, default=0) + 1
    while posixpath.join(folder, "worksheets", f"sheet{number}.xml").lower() in taken:
        number += 1
    return posixpath.join(folder, "worksheets", f"sheet{number}.xml")


def _fresh_rid(ids: set[str]) -> str:
    numbers = [int(match.group(1)) for rid in ids if (match := re.fullmatch(r"rId(\d+)", rid))]
    number = max(numbers, default=0) + 1
    while f"rId{number}" in ids:
        number += 1
    return f"rId{number}"


_NAME = rb"[A-Za-z_][\w.\-]*"


def _insert_before_close(xml: bytes, local: str, element: Callable[[str], str]) -> bytes:
    """``xml`` with ``element(prefix)`` inserted just before the closing tag of its ``local`` root element
    (whatever prefix that element uses)."""
    closes = list(re.finditer(rb"</(?:(" + _NAME + rb"):)?" + local.encode() + rb"\s*>", xml))
    if len(closes) != 1:
        raise ValueError(f"expected one </{local}> closing tag, found {len(closes)}")
    close = closes[0]
    prefix = close.group(1).decode() + ":" if close.group(1) else ""
    return xml[: close.start()] + element(prefix).encode() + xml[close.start() :]


def _insert_sheet(xml: bytes, rel_ns: str, rid: str) -> bytes:
    """The workbook part with ``<sheet name="Control" sheetId=... r:id=rid/>`` appended to ``<sheets>``; the
    relationships namespace is used through the prefix the root or ``<sheets>`` element binds it to, or else
    declared on the new element."""
    sheets = list(re.finditer(rb"<(?:(" + _NAME + rb"):)?sheets(\s[^>]*)?>", xml))
    if len(sheets) != 1 or sheets[0].group(0).endswith(b"/>"):
        raise ValueError("expected one <sheets> element with content in the workbook part")
    root = re.search(rb"<(?:" + _NAME + rb":)?workbook(?:\s[^>]*)?>", xml)
    declared = (root.group(0) if root else b"") + sheets[0].group(0)
    bound = re.search(rb"xmlns:(" + _NAME + rb')\s*=\s*["\']' + re.escape(rel_ns.encode()) + rb'["\']', declared)
    ids = [int(value) for value in re.findall(rb'\ssheetId\s*=\s*["\'](\d+)["\']', xml)]
    sheet_id = max(ids, default=0) + 1
    reference = f'{bound.group(1).decode()}:id="{rid}"' if bound else f'xmlns:r="{rel_ns}" r:id="{rid}"'
    return _insert_before_close(
        xml, "sheets", lambda p: f"<{p}sheet name={quoteattr(CONTROL)} sheetId={quoteattr(str(sheet_id))} {reference}/>"
    )


@dataclass(frozen=True)
class _Relation:
    id: str
    type: str
    target: str
    """The target part's member name (resolved against the source part), or the raw target when external."""


def _relationships(members: Mapping[str, bytes], rels: str, source: str) -> list[_Relation]:
    if rels not in members:
        return []
    base = posixpath.dirname(source)
    found = []
    for element in _xml(members[rels]).iter():
        if _local(element.tag) != "Relationship":
            continue
        target = element.attrib.get("Target", "")
        if element.attrib.get("TargetMode") != "External":
            target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        found.append(_Relation(element.attrib.get("Id", ""), element.attrib.get("Type", ""), target))
    return found


def _member(members: Mapping[str, bytes], name: str) -> str:
    """The member matching part name ``name`` (part names are case-insensitive)."""
    if name in members:
        return name
    for member in members:
        if member.lower() == name.lower():
            return member
    raise KeyError(f"no member {name!r} in the package")


def _xml(data: bytes) -> ElementTree.Element:
    """Parse a part for reading only (nothing is written back from a tree)."""
    return ElementTree.fromstring(data)  # noqa: S314 - the corpus is checked in; expat loads no DTD


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# --- reading cells -----------------------------------------------------------------------------------------


def _outside(ranges: Iterable[str]) -> list[tuple[int, int, int, int]]:
    boxes = []
    for area in ranges:
        min_col, min_row, max_col, max_row = range_boundaries(area)
        boxes.append((min_col or 1, min_row or 1, max_col or 1 << 20, max_row or 1 << 21))
    return boxes


def _inside(boxes: list[tuple[int, int, int, int]], column: int, row: int) -> bool:
    return any(c1 <= column <= c2 and r1 <= row <= r2 for c1, r1, c2, r2 in boxes)


def _plain(value: object) -> Cell:
    if isinstance(value, ArrayFormula):
        return ("array", value.ref, value.text)
    if isinstance(value, DataTableFormula):
        return ("dataTable", value.ref, dict(value))
    return value


def cells_outside(path: Path, sheet: str, ranges: Iterable[str] = (), *, data_only: bool = False) -> dict[str, Cell]:
    """A1 reference → content of every non-empty cell of ``sheet`` outside the A1 ``ranges`` ("A1:D9", "B3",
    "C:E", "4:6"), read with openpyxl: formulas as ``"=..."`` strings (or, with ``data_only``, the values
    Excel cached for them). openpyxl drops the values of cells hidden under a merged range: see
    ``calamine_cells`` for those."""
    boxes = _outside(ranges)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # openpyxl's notes on the parts it does not read
        book = openpyxl.load_workbook(path, data_only=data_only)
    try:
        found: dict[str, Cell] = {}
        for row in book[sheet].iter_rows():
            for cell in row:
                if cell.value is None or _inside(boxes, cell.column, cell.row):
                    continue
                found[cell.coordinate] = _plain(cell.value)
        return found
    finally:
        book.close()


def calamine_values(path: Path, sheet: str) -> list[list[object]]:
    """The values of ``sheet`` read by calamine, row by row from A1 (empty cells as ``""``; calamine reports
    error cells as ``""`` too). An independent reader: it keeps values under merged ranges."""
    with CalamineWorkbook.from_path(path) as book:
        return [list(row) for row in book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)]


def calamine_sheet_names(path: Path) -> list[str]:
    """The workbook's sheet names, in order, as calamine reads them."""
    with CalamineWorkbook.from_path(path) as book:
        return list(book.sheet_names)


def calamine_cells(path: Path, sheet: str, ranges: Iterable[str] = ()) -> dict[str, object]:
    """A1 reference → value of every non-empty cell of ``sheet`` outside ``ranges``, read by calamine."""
    return _cells(calamine_values(path, sheet), ranges)


def _cells(rows: list[list[object]], ranges: Iterable[str]) -> dict[str, object]:
    boxes = _outside(ranges)
    return {
        f"{get_column_letter(column)}{row}": value
        for row, values in enumerate(rows, start=1)
        for column, value in enumerate(values, start=1)
        if value != "" and value is not None and not _inside(boxes, column, row)
    }


# --- LibreOffice -------------------------------------------------------------------------------------------

LIBREOFFICE_TIMEOUT = 120.0
"""Seconds one LibreOffice conversion may take."""

_RECALCULATE_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""
"""LibreOffice settings: always recalculate every formula when loading a file (its default is never)."""

_profile_lock = threading.Lock()
_profile: Path | None = None


def soffice() -> str:
    """The path of LibreOffice's ``soffice``; ``FileNotFoundError`` when it is not installed."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise FileNotFoundError("LibreOffice (soffice) is not installed")
    return found


def _private_profile() -> Path:
    """One LibreOffice user profile for this process (created once, removed at exit) that recalculates on load."""
    global _profile
    if _profile is None:
        folder = Path(tempfile.mkdtemp(prefix="xlbilling-lo-profile-"))
        atexit.register(shutil.rmtree, folder, True)
        (folder / "user").mkdir()
        (folder / "user" / "registrymodifications.xcu").write_text(_RECALCULATE_ON_LOAD, encoding="utf-8")
        _profile = folder
    return _profile


def libreoffice_convert(path: Path, out_dir: Path, to: str, timeout: float = LIBREOFFICE_TIMEOUT) -> Path | None:
    """Have LibreOffice (headless, private profile, recalculating on load) convert ``path`` into ``out_dir``
    with ``--convert-to to`` ("pdf", "xlsx", ...), within ``timeout`` seconds. The file it wrote, or ``None``
    when it wrote none."""
    out_dir = out_dir.absolute()
    out_dir.mkdir(parents=True, exist_ok=True)
    produced = out_dir / (path.stem + "." + to.split(":", 1)[0])
    if produced == path.absolute():
        raise ValueError(f"converting {path.name} into {out_dir} would overwrite it")
    produced.unlink(missing_ok=True)  # an earlier conversion's file never passes for this one's
    with _profile_lock:  # one LibreOffice at a time may use a profile
        command = [
            soffice(),
            f"-env:UserInstallation={_private_profile().absolute().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(out_dir),
            str(path.absolute()),
        ]
        try:
            run_libreoffice(command, timeout)
        except subprocess.TimeoutExpired:
            return None
    return produced if produced.is_file() and produced.stat().st_size > 0 else None


def libreoffice_recalculated(path: Path, out_dir: Path, timeout: float = LIBREOFFICE_TIMEOUT) -> Path:
    """A copy of ``path`` that LibreOffice loaded (recalculating every formula) and saved as .xlsx into
    ``out_dir``; read its values with ``calamine_values`` or ``cells_outside(..., data_only=True)``."""
    produced = libreoffice_convert(path, out_dir, "xlsx", timeout)
    if produced is None:
        raise RuntimeError(f"LibreOffice could not convert {path.name} to xlsx")
    return produced


def libreoffice_values(path: Path, sheet: str, timeout: float = LIBREOFFICE_TIMEOUT) -> list[list[object]]:
    """The values of ``sheet`` after LibreOffice recalculated the whole workbook, row by row from A1 (read back
    with calamine from LibreOffice's .xlsx copy)."""
    with tempfile.TemporaryDirectory(prefix="xlbilling-lo-") as temp:
        return calamine_values(libreoffice_recalculated(path, Path(temp), timeout), sheet)


def libreoffice_cells(path: Path, sheet: str, ranges: Iterable[str] = ()) -> dict[str, object]:
    """A1 reference → recalculated value (see ``libreoffice_values``) of every non-empty cell outside ``ranges``."""
    return _cells(libreoffice_values(path, sheet), ranges)


def opens_in_libreoffice(path: Path) -> bool:
    """Whether LibreOffice opens ``path`` and prints it to a PDF."""
    with tempfile.TemporaryDirectory(prefix="xlbilling-lo-") as temp:
        return libreoffice_convert(path, Path(temp), "pdf") is not None
