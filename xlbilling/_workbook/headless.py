"""``xlbilling refresh WORKBOOK``: refresh a closed ``.xlsx``/``.xlsm`` file without Excel.

The file is edited as a package of parts (``xlbilling._xlsx.packagebook``): only the rows of xlbilling's
tables, their stamp cells, their table parts and the cell formats they need are written; every other part
and every other cell is kept byte for byte (charts, pictures, VBA and its signature, pivot tables, slicers,
comments, formulas and their saved results, properties). The workbook recalculates when it is next opened.
A ``.bak`` copy of the previous file is kept, the file is replaced atomically with its mode, and a
symbolic link stays a link to the refreshed file.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from xlbilling._errors import InputError
from xlbilling._files import atomic_path
from xlbilling._progress import Progress, Step
from xlbilling._session.session import Session
from xlbilling._values.period import Period
from xlbilling._workbook.conf import workbook_session
from xlbilling._workbook.tables import Refreshed, refresh, resolve
from xlbilling._xlsx.packagebook import PackageBook

SUFFIXES = (".xlsx", ".xlsm")


def refresh_file(
    path: str | Path,
    keys: Sequence[str] | None,
    session: Session | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    period: Period | None = None,
    stamped: str | None = None,
) -> list[Refreshed]:
    """Refresh the tables ``keys`` (``None``: all) in the workbook file at ``path``, keeping ``path.bak``.
    Data comes through ``session`` (default: the user's settings, with the URLs the workbook's
    ``_xlbilling.conf`` sheet sets); ``progress`` hears of each step (a table fetched, the file written).
    ``period`` and ``stamped``: see ``xlbilling.refresh``.

    Raises ``InputError`` for a missing file, another format or a workbook that is not a billing workbook,
    ``DataError`` for a file that cannot be read or written, and the API's errors; the file is left
    untouched in every case, and nothing is fetched before the file is known to be refreshable (every
    refusal of the file's shape comes before the first request).
    """
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(
            f"{path.name} is not an .xlsx or .xlsm workbook.", "Save it from Excel as .xlsx or .xlsm first."
        )
    if not path.is_file():
        raise InputError(f"There is no workbook at {path}.", "Check the path, or copy templates/billing.xlsx.")
    target = path.resolve()  # through a symbolic link: the link stays, its file is refreshed
    book = PackageBook(target)
    book.check_writable(target.sheet for target in resolve(keys))
    written = refresh(book, keys, session or workbook_session(book), now, progress, period=period, stamped=stamped)
    if progress is not None:
        progress(Step(f"writing {path.name}"))
    with atomic_path(path.with_name(path.name + ".bak")) as backup:
        shutil.copy2(target, backup)
    book.save(target)
    return written
