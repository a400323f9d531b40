"""A workbook's own settings sheet (``_xlbilling.conf``): other API URLs for one workbook, never tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlbilling._session.session import Session, current

if TYPE_CHECKING:
    from xlbilling._xlsx.tablecells import WorkbookLike

CONF_SHEET = "_xlbilling.conf"
"""A workbook's own settings sheet: setting names in column A, values in column B (never tokens)."""


def workbook_session(book: WorkbookLike) -> Session:
    """The session for ``book``: the shared one, or one using the URLs its ``_xlbilling.conf`` sheet sets
    (sharing the formulas' cache)."""
    rows = [row for row in book.read_block(CONF_SHEET, "A1:B50") if row[0] not in (None, "")]
    if not rows:
        return current()
    from xlbilling._config.settings import load_settings, settings_from_mapping

    settings = settings_from_mapping({str(key): value for key, value in rows}, load_settings())
    return Session(settings=settings, cache=current().cache)
