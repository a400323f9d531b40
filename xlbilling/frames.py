"""Turn a list of JSON objects into a typed DataFrame through a field table.

JSON keys are matched case-insensitively against each field's accepted names, unknown keys are
ignored, and a required field that no row carries raises ``BadResponse`` naming the call and the field.
The field tables themselves live in ``xlbilling/fields.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from xlbilling.dates import parse_timestamps
from xlbilling.errors import BadResponse
from xlbilling.money import to_decimal

Kind = Literal["text", "int", "float", "bool", "date", "datetime", "decimal"]

_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
_FIELD_HELP = (
    "The API's answer does not have the shape xlbilling expects; if the vendor renamed a field, "
    "add the new name to the table in xlbilling/fields.py."
)


@dataclass(frozen=True)
class Field:
    """One DataFrame column: its name, the JSON keys it may come from, its type, whether it must exist."""

    column: str
    keys: tuple[str, ...]
    kind: Kind = "text"
    required: bool = False


def find_key(keys: Iterable[str], names: Sequence[str]) -> str | None:
    """The first key among ``keys`` equal to one of ``names``, ignoring case."""
    wanted = {name.lower() for name in names}
    return next((key for key in keys if key.lower() in wanted), None)


def to_frame(rows: list[dict[str, Any]], fields: Sequence[Field], api: str, call: str) -> pd.DataFrame:
    """Build the DataFrame for ``rows`` with one typed column per field, in the table's order."""
    present: set[str] = set()
    for row in rows:
        present.update(row)
    columns: dict[str, Any] = {}
    for field in fields:
        matches = [key for key in present if key.lower() in {name.lower() for name in field.keys}]
        if not matches:
            if field.required and rows:
                raise BadResponse(api, call, f"the answer has no '{field.keys[0]}' field.", _FIELD_HELP)
            values: list[Any] = [None] * len(rows)
        elif len(matches) == 1:
            key = matches[0]
            values = [row.get(key) for row in rows]
        else:  # the same field spelt differently in different rows
            values = [next((row[k] for k in matches if k in row), None) for row in rows]
        try:
            columns[field.column] = convert(values, field.kind)
        except (ValueError, TypeError) as error:
            raise BadResponse(api, call, f"field '{field.keys[0]}' has a bad value: {error}.", _FIELD_HELP) from None
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def convert(values: list[Any], kind: Kind) -> Any:
    """Convert raw JSON values to the column type for ``kind``; missing values become NA."""
    if kind == "text":
        return pd.array([_text(v) for v in values], dtype="string")
    if kind == "int":
        return pd.array(_numbers(values), dtype="Float64").round().astype("Int64")
    if kind == "float":
        return pd.array(_numbers(values), dtype="Float64").astype("float64")
    if kind == "bool":
        return pd.array([_flag(v) for v in values], dtype="boolean")
    if kind in ("date", "datetime"):
        return parse_timestamps(values, dates_only=kind == "date").array
    return pd.array([None if v is None or v == "" else to_decimal(v) for v in values], dtype="object")


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return str(value)


def _numbers(values: list[Any]) -> list[float | None]:
    out: list[float | None] = []
    for value in values:
        if value is None or value == "":
            out.append(None)
        elif isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"expected a number, got {value!r}")
        else:
            out.append(float(value))
    return out


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text == "":
        return None
    raise ValueError(f"expected yes/no, got {value!r}")
