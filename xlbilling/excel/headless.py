"""``xlbilling refresh WORKBOOK``: refresh a closed ``.xlsx``/``.xlsm`` file without Excel.

The file is read and written with openpyxl, which keeps sheets, formulas, styles, tables, charts, defined
names, data validation, comments and (in ``.xlsm``) the VBA project. Some things it would silently drop;
when the file holds any of them the refresh refuses with a message naming them, before anything is
written. A ``.bak`` copy of the previous file is kept and the file is replaced atomically.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

from xlbilling.errors import DataError, InputError
from xlbilling.excel.book import OpenpyxlBook
from xlbilling.excel.refresh import Refreshed, refresh
from xlbilling.excel.session import Session
from xlbilling.files import atomic_path

SUFFIXES = (".xlsx", ".xlsm")

#: Package folders (or parts) openpyxl does not keep, and what a user calls them.
_DROPPED_PARTS = {
    "xl/slicers/": "slicers",
    "xl/slicerCaches/": "slicers",
    "xl/timelines/": "timelines",
    "xl/timelineCaches/": "timelines",
    "xl/threadedComments/": "threaded comments",
    "xl/activeX/": "ActiveX controls",
    "xl/ctrlProps/": "form controls",
    "xl/model/": "a Power Pivot data model",
    "xl/queryTables/": "Power Query tables",
    "xl/connections.xml": "data connections",
    "xl/charts/chartEx": "Excel 2016 charts (waterfall, treemap, funnel...)",
    "customXml/": "custom XML parts",
    "xl/webextensions/": "Office add-in task panes",
}
#: Markers inside a sheet or drawing part that openpyxl does not keep.
_DROPPED_MARKUP = {
    "<x14:sparklineGroups": "sparklines",
    "<x14:conditionalFormattings": "Excel 2010+ conditional formats (data bars, icon sets)",
    "<x14:dataValidations": "data validation lists that point at other sheets",
    "<xdr:sp>": "shapes or text boxes",
    "<xdr:sp ": "shapes or text boxes",
    "<xdr:grpSp": "grouped shapes",
    "<xdr:cxnSp": "connector lines",
}
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def dropped_parts(path: Path) -> list[str]:
    """What in the workbook at ``path`` openpyxl would drop, each as "what (where)"; empty if nothing."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            sheets = _sheet_names(archive)
            found: list[str] = []
            for name in names:
                for prefix, what in _DROPPED_PARTS.items():
                    if name.startswith(prefix) and what not in found:
                        found.append(what)
            for name in names:
                if not re.match(r"xl/(worksheets|drawings)/[^/]+\.xml$", name):
                    continue
                text = archive.read(name).decode("utf-8", errors="replace")
                where = sheets.get(name, posixpath.basename(name))
                for marker, what in _DROPPED_MARKUP.items():
                    item = f"{what} (on {where})"
                    if marker in text and item not in found:
                        found.append(item)
            return found
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        raise DataError(
            f"{path.name} is not a readable Excel workbook.", "Open it in Excel and save it as .xlsx or .xlsm."
        ) from None


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet and drawing part names mapped to the sheet's name as the user sees it."""
    workbook = _xml(archive, "xl/workbook.xml")
    rels = _xml(archive, "xl/_rels/workbook.xml.rels")
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_REL_NS}Relationship")}
    parts: dict[str, str] = {}
    for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
        target = targets.get(sheet.get(_DOC_REL), "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
        parts[part] = f"sheet '{sheet.get('name')}'"
        sheet_rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
        if sheet_rels in archive.namelist():
            for rel in _xml(archive, sheet_rels).iter(f"{_REL_NS}Relationship"):
                if rel.get("Type", "").endswith("/drawing"):
                    drawing = posixpath.normpath(posixpath.join(posixpath.dirname(part), rel.get("Target", "")))
                    parts[drawing] = parts[part]
    return parts


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    # The expat bundled with Python >= 3.11 refuses entity-expansion bombs; no DTDs are loaded.
    return ElementTree.fromstring(archive.read(name))  # noqa: S314


def refresh_file(
    path: str | Path, keys: Sequence[str] | None, session: Session, now: datetime | None = None
) -> list[Refreshed]:
    """Refresh the tables ``keys`` (``None``: all) in the workbook file at ``path``, keeping ``path.bak``.

    Raises ``InputError`` for a missing file or another format, ``DataError`` naming what openpyxl
    would drop, and the API's errors (the file is left untouched in every case).
    """
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(
            f"{path.name} is not an .xlsx or .xlsm workbook.", "Save it from Excel as .xlsx or .xlsm first."
        )
    if not path.is_file():
        raise InputError(f"There is no workbook at {path}.", "Check the path, or copy templates/billing.xlsx.")
    dropped = dropped_parts(path)
    if dropped:
        raise DataError(
            f"{path.name} holds {', '.join(dropped)}, which a refresh without Excel would lose.",
            "Refresh it in Excel with the Billing tab instead, or remove them from the file.",
        )
    book = OpenpyxlBook.open(path)
    written = refresh(book, keys, session, now)
    with atomic_path(path.with_name(path.name + ".bak")) as backup:
        shutil.copy2(path, backup)
    book.save(path)
    return written
