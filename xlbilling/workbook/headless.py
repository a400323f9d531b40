"""``xlbilling refresh WORKBOOK``: refresh a closed ``.xlsx``/``.xlsm`` file without Excel.

The file is read and written with openpyxl, which keeps sheets, formulas, styles, tables, defined names,
data validation, comments and (in ``.xlsm``) the VBA project. Every drawing (charts, pictures, shapes
next to them) is then put back byte for byte (``xlbilling.xlsx.keep``). What neither would keep makes
the refresh refuse with a message naming it, before anything is written. A ``.bak`` copy of the previous
file is kept and the file is replaced atomically.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

from xlbilling.errors import DataError, InputError
from xlbilling.files import atomic_path
from xlbilling.session import Session, workbook_session
from xlbilling.workbook.tables import Refreshed, refresh
from xlbilling.xlsx.book import OpenpyxlBook
from xlbilling.xlsx.keep import drawing_of, keep_drawings, relations, sheet_parts

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
    "customXml/": "custom XML parts",
    "xl/webextensions/": "Office add-in task panes",
}
#: Excel 2010+ sheet extensions openpyxl does not keep (they live in a prefixed namespace, usually x14).
_DROPPED_EXTENSIONS = {
    "sparklineGroups": "sparklines",
    "conditionalFormattings": "Excel 2010+ conditional formats (data bars, icon sets)",
    "dataValidations": "data validation lists that point at other sheets",
}
#: Drawing contents openpyxl re-creates (so the drawing can be put back); any other drawing is dropped.
_KEPT_IN_DRAWINGS = ("/chart", "/image")


def dropped_parts(path: Path) -> list[str]:
    """What in the workbook at ``path`` a headless refresh would lose, each as "what (where)"; empty if
    nothing."""
    try:
        with zipfile.ZipFile(path) as archive:
            found = [
                what for prefix, what in _DROPPED_PARTS.items() if any(n.startswith(prefix) for n in archive.namelist())
            ]
            for name, sheet in sheet_parts(archive).items():
                if sheet not in archive.namelist():
                    continue
                text = archive.read(sheet).decode("utf-8", errors="replace")
                for element, what in _DROPPED_EXTENSIONS.items():
                    if re.search(rf"<\w+:{element}[\s>/]", text):
                        found.append(f"{what} (on sheet '{name}')")
                drawing = drawing_of(archive, sheet)
                if drawing and not any(kind.endswith(_KEPT_IN_DRAWINGS) for kind, _ in relations(archive, drawing)):
                    found.append(f"shapes or text boxes (on sheet '{name}')")
            return list(dict.fromkeys(found))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        raise DataError(
            f"{path.name} is not a readable Excel workbook.", "Open it in Excel and save it as .xlsx or .xlsm."
        ) from None


def refresh_file(
    path: str | Path, keys: Sequence[str] | None, session: Session | None = None, now: datetime | None = None
) -> list[Refreshed]:
    """Refresh the tables ``keys`` (``None``: all) in the workbook file at ``path``, keeping ``path.bak``.
    Data comes through ``session`` (default: the user's settings, with the URLs the workbook's
    ``_xlbilling.conf`` sheet sets).

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
    written = refresh(book, keys, session or workbook_session(book), now)
    with atomic_path(path.with_name(path.name + ".bak")) as backup:
        shutil.copy2(path, backup)
    with atomic_path(path) as temp:
        book.save(temp)
        temp.write_bytes(keep_drawings(path, temp))
    return written
