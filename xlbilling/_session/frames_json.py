"""Frames and a Xarios invoice's sums as plain JSON values and back, exactly: every column's type, every
``Decimal`` to its last digit, every date (``xlbilling._session.stored`` keeps them on disk this way).

A frame holding anything else than text, numbers, yes/no, dates or ``Decimal`` amounts is not written
(``frame_json`` gives ``None``): it is simply fetched again next time.
"""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from typing import Any, Final, Literal

import pandas as pd

from xlbilling._apis.xarios_arithmetic import InvoiceCheck
from xlbilling._apis.xarios_charges import InvoiceCharges
from xlbilling._apis.xarios_invoice import InvoiceHeader

_PLAIN = ("string", "str", "float64", "Float64", "int64", "Int64", "bool", "boolean")
"""The column types whose values JSON holds as they are (missing ones as ``null``)."""
_DAY: Final = "datetime64[ns]"
_MOMENTS = ("invoice_date", "period_start", "period_end")
_TEXTS = ("invoice_number", "tenant_id", "account_name")


def frame_json(frame: pd.DataFrame) -> dict[str, Any] | None:
    """``frame`` as JSON values (see the module docstring), ``None`` when a column cannot be."""
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        return None
    columns = []
    for name, column in frame.items():
        kind = _kind(column)
        if kind is None:
            return None
        columns.append({"name": name, "kind": kind, "values": _values(column, kind)})
    return {"rows": len(frame), "columns": columns}


def json_frame(data: dict[str, Any]) -> pd.DataFrame:
    """The frame ``frame_json`` gave ``data`` for; ``ValueError``, ``KeyError`` or ``TypeError`` when ``data``
    is not such a frame (a damaged file)."""
    columns = {column["name"]: _column(column["kind"], column["values"]) for column in data["columns"]}
    frame = pd.DataFrame(columns, index=pd.RangeIndex(data["rows"]))
    if len(frame.columns) != len(data["columns"]):
        raise ValueError("a column is named twice")
    return frame


def charges_json(charges: InvoiceCharges) -> dict[str, Any] | None:
    """An invoice's sums (``InvoiceCharges``) as JSON values, ``None`` when its items cannot be."""
    items = frame_json(charges.items)
    if items is None:
        return None
    header = {f.name: _scalar(getattr(charges.header, f.name)) for f in fields(InvoiceHeader)}
    check = {"subtotal": str(charges.check.subtotal), "tax": str(charges.check.tax),
             "total": str(charges.check.total), "differences": list(charges.check.differences)}  # fmt: skip
    return {"header": header, "check": check, "items": items}


def json_charges(data: dict[str, Any]) -> InvoiceCharges:
    """The ``InvoiceCharges`` ``charges_json`` gave ``data`` for (errors as ``json_frame``'s)."""
    header, check = data["header"], data["check"]
    moments = {name: None if header[name] is None else _moment(header[name]) for name in _MOMENTS}
    value = header["invoice_value"]
    texts = {name: None if header[name] is None else str(header[name]) for name in _TEXTS}
    return InvoiceCharges(
        InvoiceHeader(
            invoice_id=str(header["invoice_id"]), invoice_number=texts["invoice_number"],
            tenant_id=texts["tenant_id"], account_name=texts["account_name"], invoice_date=moments["invoice_date"],
            period_start=moments["period_start"], period_end=moments["period_end"],
            invoice_value=None if value is None else Decimal(value),
        ),
        InvoiceCheck(Decimal(check["subtotal"]), Decimal(check["tax"]), Decimal(check["total"]),
                     tuple(map(str, check["differences"]))),
        json_frame(data["items"]),
    )  # fmt: skip


def _kind(column: pd.Series) -> str | None:
    dtype = str(column.dtype)
    if dtype in _PLAIN or dtype == _DAY:
        return dtype
    if dtype != "object":
        return None
    present = column[column.notna()]
    if all(isinstance(v, Decimal) for v in present):
        return "decimal"
    return "text" if all(isinstance(v, str) for v in present) else None


def _values(column: pd.Series, kind: str) -> list[Any]:
    missing = column.isna().tolist()
    if kind == _DAY:
        return [None if gone else value.isoformat() for value, gone in zip(column, missing, strict=True)]
    if kind == "decimal":
        return [None if gone else str(value) for value, gone in zip(column, missing, strict=True)]
    return [None if gone else value for value, gone in zip(column.tolist(), missing, strict=True)]


def _column(kind: str, values: list[Any]) -> Any:
    if kind in _PLAIN:
        dtype: Any = kind  # one of the names pandas knows (``_PLAIN``)
        return pd.array(values, dtype=dtype)
    if kind == _DAY:
        return pd.to_datetime(pd.Series(values, dtype=object)).astype(_DAY).array
    if kind == "decimal":
        return pd.array([None if v is None else Decimal(v) for v in values], dtype=object)
    if kind == "text":
        return pd.array([None if v is None else str(v) for v in values], dtype=object)
    raise ValueError(f"unknown column kind {kind!r}")


def _scalar(value: Any) -> Any:
    if value is None:
        return None
    return [value.isoformat(), value.unit] if isinstance(value, pd.Timestamp) else str(value)


def _moment(value: list[str]) -> pd.Timestamp:
    """A ``Timestamp`` as ``_scalar`` wrote it, in its own unit (a frame made of it keeps its column type)."""
    moment, unit = value
    units: dict[str, Literal["s", "ms", "us", "ns"]] = {"s": "s", "ms": "ms", "us": "us", "ns": "ns"}
    return pd.Timestamp(moment).as_unit(units[unit])
