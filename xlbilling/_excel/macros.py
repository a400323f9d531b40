"""The Billing ribbon's buttons. VBA only calls, for example,
``RunPython "import xlbilling._excel.macros as m; m.refresh_summary()"``; every decision is made here.

Each button works on the workbook it was pressed in: parameters come from its Control sheet, results go
to its tables (see ``xlbilling._workbook.tables``), success shows in Excel's status bar and any error in a
message box, never as a traceback.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from xlbilling._errors import InputError, XlbillingError
from xlbilling._excel.live import XlwingsBook
from xlbilling._session import session as sessions
from xlbilling._workbook.built import period_folder
from xlbilling._workbook.conf import workbook_session
from xlbilling._workbook.control import PARAMETERS, control_period, control_seller, read_params
from xlbilling._workbook.hints import for_control
from xlbilling._workbook.names import ALL
from xlbilling._workbook.tables import refresh, summary_line
from xlbilling._xlsx.tablecells import WorkbookLike

if TYPE_CHECKING:
    import xlwings as xw

logger = logging.getLogger("xlbilling._excel")

TITLE = "xlbilling"
Action = Callable[[WorkbookLike], str]


# --- what every button does around its action ---------------------------------------------------------


def press(action: Action, book: xw.Book | None = None, *, dialog: bool = False) -> str | None:
    """Run ``action`` on ``book`` (default: the workbook the button was pressed in).

    Its message goes to the status bar (to a message box with ``dialog``) and is returned; an error goes
    to a message box and ``None`` is returned.
    """
    if book is None:
        import xlwings as xw

        book = xw.Book.caller()
    try:
        message = action(XlwingsBook(book))
    except XlbillingError as error:
        book.app.alert(str(for_control(error)), title=TITLE, mode="critical")
        return None
    except Exception as error:  # a bug must still reach the user as a message box, not a traceback
        logger.exception("ribbon action failed")
        book.app.alert(
            f"Something unexpected went wrong ({type(error).__name__}: {error}). "
            "Please report it with the xlwings log.",
            title=TITLE,
            mode="critical",
        )
        return None
    if dialog:
        book.app.alert(message, title=TITLE, mode="info")
    else:
        book.app.status_bar = message
    return message


# --- actions: plain functions of a workbook, so they can be tested without Excel --------------------------


def refresh_action(keys: Sequence[str]) -> Action:
    """The action that refreshes the tables ``keys``."""
    return lambda book: summary_line(refresh(book, keys, workbook_session(book)))


def output_folder(book: WorkbookLike) -> Path:
    """Where invoices for ``book`` go: the Control sheet's "Invoices folder", by default an ``invoices`` folder
    next to the workbook."""
    folder = read_params(book).invoices
    if folder is None:
        raise InputError("This workbook has not been saved yet.", "Save it first: invoices go next to it.")
    return Path(folder)


def build_invoices_action(book: WorkbookLike) -> str:
    """Build the invoice workbooks for the Control sheet's period into the output folder's folder for that
    period end, and list them on the Built invoices sheet (which the Overview adds up). A period that is
    still open is refused unless the Control sheet's "Allow open period" is TRUE; its invoices are then
    marked DRAFT. The Control sheet's "Tax rate" goes to SKUs the price list gives none; without it such
    SKUs stop the build with a message saying to fill it. The seller's details come from [seller] in the
    config file; without them the invoices are SAMPLES and the message says how to set them. "E-invoice"
    (ubl, facturx or both) also writes each invoice's e-invoice, its buyers from "Customer register" (a file)
    or the Customer register sheet."""
    from xlbilling._config.settings import load_settings
    from xlbilling._inputs.prices import load_prices
    from xlbilling._inputs.register import Register, load_register
    from xlbilling._invoices.summary import run_summary
    from xlbilling._jobs import report

    params = read_params(book)
    if params.prices is None:
        raise InputError(
            "No price list is set.",
            f"Put the path of your price list (CSV or .xlsx) next to '{PARAMETERS['prices']}' on the Control sheet.",
        )
    session = workbook_session(book)
    period = control_period(book, session, params)
    folder = period_folder(output_folder(book), period)
    settings = load_settings(use_keyring=False)  # for the seller only
    manifest = report(
        session,
        period,
        out_dir=folder,
        prices=load_prices(params.prices),
        tax_rate=params.tax_rate,
        allow_open=params.allow_open,
        seller=control_seller(params, settings.seller),
        einvoice=params.einvoice,
        register=params.register if isinstance(params.register, Register | None) else load_register(params.register),
    )
    refresh(book, ["built_invoices"], session)  # the Built invoices sheet and the Overview's invoice figures
    hint = (
        "Fill the Seller rows on the Control sheet, or set name, address, vat_id and bank details under [seller] "
        f"in {settings.config_file} (`xlbilling config` shows them), and build again."
    )
    return str(run_summary(manifest, hint))


def open_output_folder_action(book: WorkbookLike) -> str:
    """Open the invoices folder next to the workbook in Explorer/Finder (creating it if needed)."""
    folder = output_folder(book)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if sys.platform.startswith("win"):
            os.startfile(folder)  # type: ignore[attr-defined]  # noqa: S606  (Windows only)
        else:
            subprocess.run(["open" if sys.platform == "darwin" else "xdg-open", str(folder)], check=False)
    except OSError:
        return f"Invoices go to {folder} (no file browser could be opened)."
    return f"Opened {folder}."


def clear_cache_action(book: WorkbookLike) -> str:
    """Forget every cached formula result."""
    count = sessions.current().clear()
    return f"Cleared {count} cached results; press Ctrl+Alt+F9 to recalculate the formulas."


def settings_action(book: WorkbookLike) -> str:
    """Say where xlbilling gets its data from (URLs and where each setting comes from; tokens masked)."""
    from xlbilling._config.settings import load_settings

    settings = load_settings()
    lines = []
    for name in ("atria_url", "atria_token", "xarios_url", "xarios_token", "timeout"):
        value = getattr(settings, name)
        shown = ("set" if value else "not set") if name.endswith("token") else (value or "not set")
        lines.append(f"{name}: {shown} ({settings.sources.get(name, 'default')})")
    lines.append("Change them with `xlbilling config` in a terminal.")
    return "\n".join(lines)


# --- the buttons, as the ribbon calls them ----------------------------------------------------------------


def refresh_periods() -> None:
    """Refresh the Periods table."""
    press(refresh_action(["periods"]))


def refresh_summary() -> None:
    """Refresh the Summary table and the Dashboard's largest changes."""
    press(refresh_action(["summary", "changes"]))


def refresh_detail() -> None:
    """Refresh the Detail table."""
    press(refresh_action(["detail"]))


def refresh_invoice_lines() -> None:
    """Refresh the Invoice lines table."""
    press(refresh_action(["invoice_lines"]))


def refresh_analysis() -> None:
    """Refresh the Analysis table."""
    press(refresh_action(["analysis"]))


def refresh_xarios_invoices() -> None:
    """Refresh the Xarios invoices table."""
    press(refresh_action(["xarios_invoices"]))


def refresh_all() -> None:
    """Refresh every table."""
    press(refresh_action(ALL))


def reconcile() -> None:
    """Refresh the Reconciliation sheet: the detail table, unmapped tenants and products, and invoice checks
    (the product mapping comes from the Mapping sheet, or the file named on the Control sheet)."""
    press(refresh_action(["reconciliation"]))


def margin() -> None:
    """Refresh the Margin sheet: every line of the Control sheet's margin range (default the last twelve closed
    periods), and the totals per period, customer and product (needs the price list and the product mapping)."""
    press(refresh_action(["margin"]))


def build_invoices() -> None:
    """Build the invoices for the Control sheet's period."""
    press(build_invoices_action)


def open_output_folder() -> None:
    """Open the folder the invoices go to."""
    press(open_output_folder_action)


def clear_cache() -> None:
    """Clear the formulas' cache."""
    press(clear_cache_action)


def show_settings() -> None:
    """Show where the data comes from."""
    press(settings_action, dialog=True)
