"""Put every sheet's drawing back byte for byte after openpyxl rewrote a workbook.

openpyxl re-creates charts and pictures from its own model, losing what it does not model: chart styles
and colour parts, Excel 2013+ chart extensions, shapes and text boxes next to a chart. After a headless
refresh, each drawing openpyxl wrote is replaced by the original drawing and every part it refers to
(charts, their style and colour parts, pictures), copied unchanged under fresh part names.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_TYPES = "[Content_Types].xml"


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    # The expat bundled with Python >= 3.11 refuses entity-expansion bombs; no DTDs are loaded.
    return ElementTree.fromstring(archive.read(name))  # noqa: S314


def rels_part(part: str) -> str:
    """The relationships part of ``part`` (``xl/_rels/workbook.xml.rels`` for ``xl/workbook.xml``)."""
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def resolve(folder: str, target: str) -> str:
    """A relationship's target as a part name: absolute (``/xl/...``) or relative to ``folder``."""
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))


def relations(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str]]:
    """``(type, target part)`` of every internal relationship of ``part``."""
    name = rels_part(part)
    if name not in archive.namelist():
        return []
    return [
        (rel.get("Type", ""), resolve(posixpath.dirname(part), rel.get("Target", "")))
        for rel in _xml(archive, name).iter(f"{_REL_NS}Relationship")
        if rel.get("TargetMode") != "External"
    ]


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part name."""
    targets = {
        rel.get("Id"): resolve("xl", rel.get("Target", ""))
        for rel in _xml(archive, "xl/_rels/workbook.xml.rels").iter(f"{_REL_NS}Relationship")
    }
    sheets = _xml(archive, "xl/workbook.xml").iter(f"{_MAIN_NS}sheet")
    return {str(sheet.get("name")): targets.get(sheet.get(_DOC_REL), "") for sheet in sheets}


def drawing_of(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The drawing part of the sheet part ``sheet``, if it has one."""
    return next((target for kind, target in relations(archive, sheet) if kind.endswith("/drawing")), None)


def closure(archive: zipfile.ZipFile, part: str) -> list[str]:
    """``part`` and every part reachable from it through relationships, in discovery order."""
    found = [part]
    for current in found:
        for _, target in relations(archive, current):
            if target not in found and target in archive.namelist():
                found.append(target)
    return found


def keep_drawings(original: Path, rewritten: Path) -> bytes:
    """The package ``rewritten`` with each drawing openpyxl wrote replaced by the one in ``original``."""
    with zipfile.ZipFile(original) as old, zipfile.ZipFile(rewritten) as new:
        new_sheets = sheet_parts(new)
        removed: set[str] = set()
        added: dict[str, bytes] = {}
        renamed: dict[str, str] = {}
        repoint: dict[str, tuple[str, str]] = {}  # new sheet rels part -> (drawing it names, kept drawing)
        for name, old_sheet in sheet_parts(old).items():
            old_drawing = drawing_of(old, old_sheet)
            new_sheet = new_sheets.get(name)
            new_drawing = drawing_of(new, new_sheet) if new_sheet else None
            if old_drawing is None or new_sheet is None or new_drawing is None:
                continue
            for part in closure(new, new_drawing):
                removed |= {part, rels_part(part)}
            for part in closure(old, old_drawing):
                folder, base = posixpath.split(part)
                base = re.sub(r"^kept\d+_", "", base)  # refreshed before: no ever-longer names
                renamed[part] = posixpath.join(folder, f"kept{len(renamed) + 1}_{base}")
            repoint[rels_part(new_sheet)] = (new_drawing, renamed[old_drawing])
        if not repoint:
            return rewritten.read_bytes()
        for part, fresh in renamed.items():
            added[fresh] = old.read(part)
            if rels_part(part) in old.namelist():
                added[rels_part(fresh)] = _retarget(old.read(rels_part(part)), posixpath.dirname(part), renamed)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for item in new.infolist():
                if item.filename in removed:
                    continue
                data = new.read(item)
                if item.filename in repoint:
                    drawing, kept = repoint[item.filename]
                    data = _retarget(data, posixpath.dirname(posixpath.dirname(item.filename)), {drawing: kept})
                elif item.filename == _TYPES:
                    data = _content_types(data, old.read(_TYPES), removed, renamed)
                target.writestr(item, data)
            for name, data in added.items():
                target.writestr(name, data)
        return out.getvalue()


def _retarget(rels: bytes, folder: str, renamed: dict[str, str]) -> bytes:
    """Relationship targets (relative to ``folder``) that were renamed now name the new part, absolutely."""

    def swap(match: re.Match[str]) -> str:
        part = resolve(folder, match[2])
        return f'{match[1]}/{renamed[part]}"' if part in renamed else match[0]

    return re.sub(r'(\bTarget=")([^"]*)"', swap, rels.decode("utf-8")).encode("utf-8")


def _content_types(new: bytes, old: bytes, removed: set[str], renamed: dict[str, str]) -> bytes:
    """``[Content_Types].xml`` without the removed parts and with the kept ones, typed as before."""
    text = new.decode("utf-8")
    for part in removed:
        text = re.sub(rf'<Override PartName="/{re.escape(part)}"[^>]*/>', "", text)
    old_text = old.decode("utf-8")
    additions = []
    for part, fresh in renamed.items():
        found = re.search(rf'<Override PartName="/{re.escape(part)}" ContentType="([^"]*)"', old_text)
        found = found or re.search(rf'<Override ContentType="([^"]*)" PartName="/{re.escape(part)}"', old_text)
        if found:
            additions.append(f'<Override PartName="/{fresh}" ContentType="{found[1]}"/>')
            continue
        extension = posixpath.splitext(part)[1].lstrip(".")
        default = re.search(rf'<Default[^>]*Extension="{re.escape(extension)}"[^>]*/>', old_text, re.IGNORECASE)
        if default and f'Extension="{extension}"' not in text:
            additions.append(default[0])
    return text.replace("</Types>", "".join(additions) + "</Types>").encode("utf-8")
