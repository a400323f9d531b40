"""The customer register: who each Bill To customer is on an e-invoice (legal name, VAT ID, electronic address...).

A register is a CSV or .xlsx file (its first sheet), or the rows of a billing workbook's register sheet,
whose header holds ``account_code`` (the Atria account code it is keyed by) and any of ``COLUMNS``. Column
names are matched case-insensitively; other columns are ignored; blank rows are skipped. The buyer's postal
address is not here: it comes from Atria's analysis data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlbilling._errors import DataError
from xlbilling._inputs.files import named_file
from xlbilling._inputs.prices import cell, table_rows
from xlbilling._values.cells import clean_text

KEY = "account_code"
COLUMNS = ("legal_name", "vat_id", "electronic_address", "electronic_address_scheme", "buyer_reference",
           "purchase_order", "email", "country")  # fmt: skip


@dataclass(frozen=True)
class Buyer:
    """One register row: the buyer's e-invoice details, each None when its cell is empty."""

    account_code: str
    legal_name: str | None = None
    vat_id: str | None = None
    electronic_address: str | None = None
    electronic_address_scheme: str | None = None
    buyer_reference: str | None = None
    purchase_order: str | None = None
    email: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class Register:
    """The buyers by account code, and ``source``: where they were read ("customers.csv", "the Customer
    register sheet of billing.xlsx"), which every message asking to fill a cell names."""

    source: str
    buyers: dict[str, Buyer] = field(default_factory=dict)


def load_register(path: str | Path) -> Register:
    """Read a register file (CSV or .xlsx); ``InputError`` when it is missing, ``DataError`` naming the file,
    the row (as a spreadsheet numbers it) and the column when it has no ``account_code`` column or lists an
    account code twice."""
    path = named_file(path, "Customer register", "Pass the path of a CSV or .xlsx register.")
    return register_from_rows(table_rows(path), str(path))


def register_from_rows(rows: Iterable[list[Any]], source: str) -> Register:
    """A register from table rows, the header first (rows above a header holding ``account_code``, such as
    a note, are skipped); ``source`` names them in messages."""
    iterator = iter(rows)
    number, names = 0, []
    for header in iterator:
        number += 1
        names = [str(name).strip().lower() if name is not None else "" for name in header]
        if KEY in names:
            break
    if KEY not in names:
        wanted = ",".join((KEY, *COLUMNS))
        raise DataError(f"{source}: no column {KEY}.", f"The register's header row must be {wanted}.")
    columns = {name: index for index, name in enumerate(names) if name}
    buyers: dict[str, Buyer] = {}
    for row_number, row in enumerate(iterator, start=number + 1):
        values = {name: cell(row, columns.get(name)) for name in (KEY, *COLUMNS)}
        if all(value is None for value in values.values()):
            continue
        texts = {name: clean_text(_text(value)) if value is not None else None for name, value in values.items()}
        code = texts.pop(KEY)
        if code is None:
            raise DataError(f"{source}, row {row_number}, column {KEY}: empty.", "Every row needs an account code.")
        if code in buyers:
            raise DataError(f"{source}, row {row_number}, column {KEY}: {code} is listed twice.", "Keep one row each.")
        buyers[code] = Buyer(code, **texts)
    return Register(source, buyers)


def _text(value: Any) -> str:
    """A cell as text: a whole number typed into a cell (an electronic address, say) without ``.0``."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
