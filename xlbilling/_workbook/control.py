"""The Control sheet of a billing workbook: what a person typed there, read and turned into typed values.

Labels are in column A and values in column B. ``read_params`` reads them as typed (a day, a name, a
flag, a file); ``control_period`` and ``control_customer`` resolve the period and customer through the
session, and say what is wrong by naming the Control cell, for the ribbon's buttons and ``xlbilling
refresh`` alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from xlbilling._config.seller import Seller
from xlbilling._einvoice.write import FORMATS
from xlbilling._errors import InputError, NoClosedPeriod, UnknownPeriod
from xlbilling._inputs.mapping import PRODUCT_COLUMNS, Mapping, located
from xlbilling._inputs.prices import parse_tax_rate
from xlbilling._inputs.register import Register, register_from_rows
from xlbilling._session.session import Session
from xlbilling._values.cells import flag
from xlbilling._values.dates import parse_period
from xlbilling._values.period import Period
from xlbilling._workbook.built import FOLDER as BUILT_FOLDER
from xlbilling._xlsx.sheetxml import UnsavedFormula
from xlbilling._xlsx.tablecells import WorkbookLike

CONTROL = "Control"
MAPPING_SHEET = "Mapping"
REGISTER_SHEET = "Customer register"
"""The sheet holding the customer register (account_code, legal_name, vat_id...) when Control names no file
("Customers" already holds Atria's customers table)."""
"""The sheet holding the product mapping (part_number, sku) when Control names no mapping file."""

#: The seller's details a Control sheet may give Build invoices: the ``Seller`` field, and its row's label.
SELLER_FIELDS = (
    ("name", "Seller name"),
    ("address", "Seller address"),
    ("vat_id", "Seller VAT number"),
    ("company_id", "Seller company number"),
    ("email", "Seller e-mail"),
    ("phone", "Seller phone"),
    ("sort_code", "Seller sort code"),
    ("account_number", "Seller account number"),
    ("iban", "Seller IBAN"),
    ("bic", "Seller BIC"),
)

#: Control-sheet labels (column A) and the parameter each names.
PARAMETERS = {
    "period": "Period",
    "customer": "Customer",
    "billable_only": "Billable only",
    "service": "Service",
    "user": "User contains",
    "prices": "Price list",
    "mapping": "Product mapping",
    "allow_open": "Allow open period",
    "tax_rate": "Tax rate",
    "einvoice": "E-invoice",
    "register": "Customer register",
    "margin_from": "Margin from",
    "margin_to": "Margin to",
    **{f"seller_{field}": label for field, label in SELLER_FIELDS},
    "invoices": "Invoices folder",
}
SELLER_PREFIX = "seller_"
"""Control rows whose key starts so give the seller of Build invoices (over the settings' ``[seller]``)."""
FLAGS = ("billable_only", "allow_open")
"""Parameters that are TRUE or FALSE (empty: FALSE)."""


DATES = ("period", "margin_from", "margin_to")
"""Parameters that are a day (of a billing period)."""
FILES = ("prices", "mapping", "register", "invoices")
"""Parameters that name a file; a relative path is taken relative to the workbook's folder."""


@dataclass(frozen=True)
class Params:
    """What the Control sheet asks for; ``period`` is None when the cell is empty (latest closed)."""

    period: date | None = None
    customer: str | None = None
    billable_only: bool = False
    service: str | None = None
    user: str | None = None
    prices: str | None = None
    mapping: str | pd.DataFrame | Mapping | None = None
    """A mapping file's path, or the Mapping sheet's rows (header first) when Control names no file, or a
    mapping a door loaded (the server's ``--mapping`` files)."""
    allow_open: bool = False
    """Build invoices may write a period that is still open, as DRAFT invoices."""
    tax_rate: Decimal | None = None
    """Build invoices' tax rate (typed ``0.20``, ``20%``, ``0``) for SKUs whose price row has none."""
    seller: tuple[tuple[str, str], ...] = ()
    """The seller's details filled on the Control sheet, as (``Seller`` field, text) pairs."""
    einvoice: str | None = None
    """Build invoices' e-invoices: "ubl", "facturx" or "both"; None for none."""
    register: str | Register | None = None
    """A customer register file's path, or the register sheet's rows when Control names no file."""
    margin_from: date | None = None
    """Any day of the Margin sheet's first period (None: twelve closed periods back)."""
    margin_to: date | None = None
    """Any day of the Margin sheet's last period (None: the latest closed one)."""
    invoices: str | None = None
    """The folder Build invoices writes into, one folder per period end (default: ``invoices`` next to the
    workbook; None while the workbook was never saved)."""


def param_cell(book: WorkbookLike, key: str) -> str:
    """Where the Control sheet holds ``key``'s value (a ``PARAMETERS`` key), e.g. ``B4``."""
    label = PARAMETERS[key].lower()
    for row, (found, _) in enumerate(book.read_block(CONTROL, "A1:B40"), start=1):
        if found is not None and str(found).strip().lower() == label:
            return f"B{row}"
    raise InputError(f"The {CONTROL} sheet has no '{PARAMETERS[key]}' row.", "Start from templates/billing.xlsx.")


def write_param(book: WorkbookLike, key: str, value: Any) -> None:
    """Set the Control sheet's value for ``key`` (a ``PARAMETERS`` key) beside its label."""
    book.write(CONTROL, param_cell(book, key), value)


def control_customer(book: WorkbookLike, session: Session, params: Params) -> Params:
    """``params`` with the Control sheet's customer (a code, account code or name) turned into its code;
    ``InputError`` naming the cell when it names no customer or several."""
    if params.customer is None:
        return params
    try:
        return replace(params, customer=session.customer(params.customer))
    except InputError as error:
        where = f"{CONTROL}!{param_cell(book, 'customer')} ({PARAMETERS['customer']})"
        hint = (
            "Refresh Customers to list every customer's code and name, then put one of them there "
            "(or empty it for every customer)."
        )
        raise InputError(f"{where}: {error.message}", hint) from None


def read_params(book: WorkbookLike) -> Params:
    """The parameters on the Control sheet; ``InputError`` naming the cell when one cannot be used."""
    found: dict[str, Any] = {}
    labels = {label.lower(): key for key, label in PARAMETERS.items()}
    for row, (label, value) in enumerate(book.read_block(CONTROL, "A1:B40"), start=1):
        key = labels.get(str(label).strip().lower()) if label is not None else None
        if key is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        where = f"{CONTROL}!B{row} ({PARAMETERS[key]})"
        try:
            found[key] = _param(key, value)
        except InputError as error:
            raise InputError(f"{where}: {error.message}", error.hint) from None
    seller = tuple(
        (key.removeprefix(SELLER_PREFIX), found.pop(key)) for key in list(found) if key.startswith(SELLER_PREFIX)
    )
    home = book.file_path()
    if "invoices" not in found and home is not None:
        found["invoices"] = BUILT_FOLDER
    for key in FILES:
        if key in found and home is not None and not Path(found[key]).expanduser().is_absolute():
            found[key] = str(home.parent / found[key])  # a bare file name means: next to the workbook
    if found.get("mapping") is None or Path(found["mapping"]).name.lower() == MAPPING_SHEET.lower():
        found["mapping"] = mapping_sheet(book)
    if found.get("register") is None or Path(found["register"]).name.lower() == REGISTER_SHEET.lower():
        rows = book.read_sheet(REGISTER_SHEET) if REGISTER_SHEET in book.sheet_names() else []
        filled = any(cell not in (None, "") for row in rows for cell in row)
        found["register"] = register_from_rows(rows, f"the {REGISTER_SHEET} sheet") if filled else None
    return Params(**found, seller=seller)


def mapping_sheet(book: WorkbookLike) -> pd.DataFrame | None:
    """The Mapping sheet as ``mapping_table`` reads it; ``None`` when the sheet is missing or empty."""
    rows = book.read_sheet(MAPPING_SHEET)
    return mapping_table(rows, MAPPING_SHEET) if any(cell not in (None, "") for row in rows for cell in row) else None


def mapping_table(rows: list[list[Any]], sheet: str | None = None) -> pd.DataFrame:
    """Cells holding a product mapping, from its ``part_number, sku`` header row down (rows above it, such
    as a note, are skipped; without that header, from the first filled row), as a frame for
    ``xlbilling._inputs.mapping.load_mapping``, which checks them. Its errors count rows from the header, or,
    for ``rows`` read from ``A1`` of ``sheet``, name that sheet and its rows."""
    width = max((len(row) for row in rows), default=0)
    rows = [[*row, *[None] * (width - len(row))] for row in rows]
    filled = [n for n, row in enumerate(rows) if any(cell not in (None, "") for cell in row)]
    if not filled:
        raise InputError("The product mapping cells are empty.", "Point it at cells with a part_number, sku header.")
    wanted = set(PRODUCT_COLUMNS)
    top = next((n for n in filled if wanted <= {str(c).strip().lower() for c in rows[n]}), filled[0])
    frame = pd.DataFrame(rows[top + 1 :], columns=rows[top])
    if sheet is None:
        return frame
    hint = (
        f"Fix that row on the {sheet} sheet: a Xarios part number under part_number and the Atria SKU it "
        "supplies under sku (or clear the whole row)."
    )
    return located(frame, f"the {sheet} sheet", header_row=top + 1, hint=hint)


def _param(key: str, value: Any) -> Any:
    if isinstance(value, UnsavedFormula):
        raise InputError(
            f"the formula {value} has no saved result (the file was not saved by Excel since it was written).",
            "Open the workbook in Excel or LibreOffice, save it once, then refresh again.",
        )
    if key in DATES:
        return parse_period(value)
    if key == "tax_rate":
        return _tax_rate(value)
    if key == "einvoice":
        choice = str(value).strip().lower()
        if choice not in FORMATS:
            raise InputError(
                f"'{value}' is not an e-invoice format.", f"Choose {', '.join(FORMATS)}, or leave it empty."
            )
        return choice
    if key in FLAGS:
        given = flag(value)
        if given is not None:
            return given
        raise InputError(f"'{value}' is not TRUE or FALSE.", "Choose TRUE or FALSE.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _tax_rate(value: Any) -> Decimal:
    """A tax rate as typed (``0.20``, ``20%``, ``0``; a percent-formatted cell comes as ``0.2``)."""
    return parse_tax_rate(str(int(value) if isinstance(value, float) and value.is_integer() else value).strip())


def control_seller(params: Params, configured: Seller) -> Seller:
    """The seller Build invoices writes: the settings' ``[seller]`` with whatever the Control sheet fills in
    over it (an address on one line is split at ";")."""
    given: dict[str, Any] = dict(params.seller)
    if "address" in given:
        given["address"] = tuple(part.strip() for part in given["address"].split(";") if part.strip())
    return replace(configured, **given) if given else configured


def control_range(session: Session, params: Params) -> tuple[Period | None, Period | None]:
    """The Margin sheet's first and last period from the Control sheet (``None`` where empty); an error naming
    the row when a day is in no period."""
    found = []
    for key in ("margin_from", "margin_to"):
        day = getattr(params, key)
        try:
            found.append(None if day is None else session.period(day))
        except UnknownPeriod as error:
            hint = f"Put a day of a billing period next to '{PARAMETERS[key]}' on the {CONTROL} sheet, or empty it."
            raise error.reworded(hint, f"{CONTROL} ({PARAMETERS[key]}): {error.message}") from None
    return found[0], found[1]


def control_period(book: WorkbookLike, session: Session, params: Params) -> Period:
    """The period the Control sheet names: the period containing its date (any day of it), or the latest
    closed period when it is empty; an error naming the cell when there is none."""
    where = f"{CONTROL}!{param_cell(book, 'period')} ({PARAMETERS['period']})"
    try:
        return session.latest_closed() if params.period is None else session.period(params.period)
    except UnknownPeriod as error:
        hint = f"Pick a period on the {CONTROL} sheet from its list of end dates (refresh Periods first)."
        raise error.reworded(hint, f"{where}: {error.message}") from None
    except NoClosedPeriod as error:
        raise error.reworded("Pick a period there, or wait for one to close.", f"{where}: {error.message}") from None
