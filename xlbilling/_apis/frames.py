"""Turn a list of JSON objects into a typed DataFrame through a field table.

JSON keys are matched case-insensitively against each field's accepted names, unknown keys are
ignored, and a required field that no row carries raises ``BadResponse`` naming the call and the field.
A value that does not fit its column's type (a word in a count, ``"maybe"`` in a yes/no field, a date
that is not a date) raises ``BadResponse`` naming the field. The field tables themselves live in
``xlbilling/_apis/fields.py``.

Large answers (a detail of 100,000 rows) go through two fast paths. ``read_frame`` decodes the JSON bytes
of a list of flat rows with msgspec straight into typed row structs, without a dict per row, and gives way
to ``to_frame`` on anything unusual. In ``to_frame`` the values are picked row by row into one table in a
single pass, and each column is converted by pandas at once when its values already have the right JSON
type. Whenever a fast path cannot tell, the exact value-by-value conversion decides, so all paths give
the same frame and the same errors (``benchmarks/ingest.py`` measures the difference). ``read_rows`` is
``read_frame`` for rows that also hold nested values (lists, objects), decoded into the types the caller
names (``benchmarks/xarios.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Annotated, Any

import msgspec
import numpy as np
import numpy.typing as npt
import orjson
import pandas as pd
from pandas.api.types import infer_dtype

from xlbilling._apis.fields import Field, Kind
from xlbilling._errors import BadResponse
from xlbilling._values.dates import parse_timestamps
from xlbilling._values.money import to_decimal

Objects = npt.NDArray[np.object_]

_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
_FIELD_HELP = (
    "The API's answer does not have the shape xlbilling expects; if it spells the field differently, add its "
    "key under [atria.fields.<endpoint>] or [xarios.fields.<endpoint>] in the config file "
    "(`xlbilling doctor` prints the lines to add)."
)
# What pandas' infer_dtype says of the values (``None`` left out) that the fast path converts as they are.
_FAST_TYPES: dict[str, tuple[tuple[str, ...], Any]] = {
    "text": (("string",), pd.StringDtype()),
    "bool": (("boolean",), pd.BooleanDtype()),
    "number": (("integer", "floating", "mixed-integer-float"), pd.Float64Dtype()),
}
# How far ``read_frame`` looks for the end of the first row (a longer one goes to ``to_frame``).
_HEAD_BYTES = 8 * 1024
# The JSON types ``read_frame`` decodes for each kind; any other value makes it give way to ``to_frame``.
_WIRE_TYPES: dict[str, Any] = {
    "text": str | None,
    "int": int | None,
    "float": float | None,
    "bool": bool | None,
    "date": str | None,
    "datetime": str | None,
}
# A whole number orjson keeps whole: it reads one beyond 64 bits as a float, so ``read_rows`` gives way on it.
_Whole = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
# The JSON types ``read_rows`` decodes for each kind: those of ``read_frame``, and amounts as numbers or text.
_ROW_TYPES: dict[str, Any] = _WIRE_TYPES | {"int": _Whole | None, "decimal": _Whole | float | str | None}


# How ``read_frame`` decodes rows with given keys: the decoder and the key chosen for each field (or None).
_Plan = tuple[msgspec.json.Decoder[Any], dict[Field, str | None]]
# How ``read_rows`` decodes rows with given keys: ``_Plan`` and the key chosen for each nested value (or None).
_RowPlan = tuple[msgspec.json.Decoder[Any], dict[Field, str | None], list[str | None]]
#: A nested value for ``read_rows``: the JSON keys it may come from (matched ignoring case) and the type
#: msgspec decodes it to (e.g. ``list[str] | None``, or a list of ``msgspec.Struct``).
Nested = tuple[tuple[str, ...], Any]


def find_key(keys: Iterable[str], names: Sequence[str]) -> str | None:
    """The first key among ``keys`` equal to one of ``names``, ignoring case."""
    wanted = {name.lower() for name in names}
    return next((key for key in keys if key.lower() in wanted), None)


def object_list(payload: Any, api: str, call: str) -> list[dict[str, Any]]:
    """``payload`` when it is a JSON list of objects; ``BadResponse`` naming the call otherwise."""
    if not isinstance(payload, list) or not all(isinstance(row, dict) for row in payload):
        raise BadResponse(api, call, "expected a JSON list of objects.")
    return payload


def to_frame(rows: list[dict[str, Any]], fields: Sequence[Field], api: str, call: str) -> pd.DataFrame:
    """Build the DataFrame for ``rows`` with one typed column per field, in the table's order.

    A field spelt differently in different rows takes each row's value under the spelling that row has;
    a row holding several spellings of one field gives the one listed first in the field table.
    """
    present: set[str] = set().union(*rows)
    spelt = [(field, spellings(present, field)) for field in fields]
    single = [keys[0] for _, keys in spelt if len(keys) == 1]
    by_key = _columns(rows, list(dict.fromkeys(single)))
    columns: dict[str, Any] = {}
    for field, keys in spelt:
        if not keys:
            if field.required and rows:
                raise BadResponse(api, call, f"the answer has no '{field.keys[0]}' field.", _FIELD_HELP)
            values = _objects([None] * len(rows))
        elif len(keys) == 1:
            values = by_key[keys[0]]
        else:  # the same field spelt differently in different rows
            values = _objects([next((row[k] for k in keys if k in row), None) for row in rows])
        columns[field.column] = _column(values, field, api, call)
    return _frame(columns, len(rows))


def read_frame(body: bytes, fields: Sequence[Field], api: str, call: str) -> pd.DataFrame | None:
    """The frame ``to_frame`` builds from the JSON list of rows in ``body``, decoded without a dict per row.

    ``None`` when the answer is anything else than a list of flat objects whose keys are those of the first
    row (each field spelt at most one way, every required field in every row) with the JSON type each
    field expects: the caller then parses the body and calls ``to_frame``, which gives the frame or the
    error.
    """
    keys = _first_keys(body)
    plan = _plan(tuple(fields), keys) if keys is not None else None
    if keys is None or plan is None:
        return None
    decoder, chosen = plan
    try:
        rows = decoder.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):  # broken JSON, or a value of another type or shape
        return None
    by_key = _table(map(msgspec.structs.astuple, rows), len(rows), keys)
    try:
        columns = {
            field.column: _column(by_key[key] if key else _objects([None] * len(rows)), field, api, call, typed=True)
            for field, key in chosen.items()
        }
    except BadResponse:
        return None
    return _frame(columns, len(rows))


def read_rows(
    body: bytes | msgspec.Raw, fields: Sequence[Field], nested: Sequence[Nested], api: str, call: str
) -> tuple[pd.DataFrame, list[Objects]] | None:
    """``read_frame`` for rows that also hold nested values: the frame ``to_frame`` builds from the JSON
    list of rows in ``body`` and, for each of ``nested``, every row's value under that key (``None`` where
    the row lacks it), all decoded without a dict per row.

    ``None`` when ``read_frame`` would give way (amounts may be numbers or text here), when a nested value
    is spelt several ways or does not have its type, or when a value does not fit its column: the caller
    then parses the body and takes the exact path, which gives the result or the error.
    """
    keys = _first_keys(memoryview(body)[:_HEAD_BYTES].tobytes())
    plan = _row_plan(tuple(fields), tuple(nested), keys) if keys is not None else None
    if keys is None or plan is None:
        return None
    decoder, chosen, inner = plan
    try:
        rows = decoder.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):  # broken JSON, or a value of another type or shape
        return None
    by_key = _table(map(msgspec.structs.astuple, rows), len(rows), keys)
    missing = _objects([None] * len(rows))
    try:
        columns = {
            field.column: _column(by_key[key] if key else missing, field, api, call, typed=True)
            for field, key in chosen.items()
        }
    except BadResponse:
        return None
    return _frame(columns, len(rows)), [by_key[key] if key else missing for key in inner]


def joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames of a list's pages as one, indexed from 0: the frame an unpaged answer gives (empty pages add
    nothing, and every column keeps the type its table gives it)."""
    rows = [frame for frame in frames if len(frame)] or frames[:1]
    if len(rows) == 1:
        return rows[0]
    return pd.concat(rows, ignore_index=True).astype(rows[0].dtypes.to_dict())


def convert(values: list[Any], kind: Kind) -> Any:
    """Convert raw JSON values to the column type for ``kind``; missing values become NA.

    Raises ``ValueError`` or ``TypeError`` naming the first value that does not fit.
    """
    return _convert(_objects(values), kind)


def spellings(present: set[str], field: Field) -> list[str]:
    """The keys among ``present`` that spell ``field``, in the order of the field's ``keys``."""
    rank: dict[str, int] = {}
    for position, name in enumerate(field.keys):
        rank.setdefault(name.lower(), position)
    return sorted((key for key in present if key.lower() in rank), key=lambda key: (rank[key.lower()], key))


def _columns(rows: list[dict[str, Any]], keys: list[str]) -> dict[str, Objects]:
    """The values under each of ``keys``, one object array per key; ``None`` where a row lacks the key."""
    if len(keys) > 1:
        try:  # one pass over the rows, all keys at once: the rows are visited once, not once per key
            return _table(map(itemgetter(*keys), rows), len(rows), keys)
        except KeyError:
            pass  # some row lacks a key: pick the values key by key below
    return {key: _objects([row.get(key) for row in rows]) for key in keys}


def _table(picked: Iterable[tuple[Any, ...]], count: int, names: Sequence[str]) -> dict[str, Objects]:
    """One object array per name, from one tuple of values per row."""
    values = chain.from_iterable(picked)
    table = np.fromiter(values, dtype=object, count=count * len(names)).reshape(count, len(names))
    return {name: table[:, position] for position, name in enumerate(names)}


def _first_keys(body: bytes) -> tuple[str, ...] | None:
    """The keys of the first row of a JSON list of objects, or ``None``.

    Only the text up to a ``}`` is parsed, trying each ``}`` in the first ``_HEAD_BYTES`` bytes: the text
    is a list holding one object once the ``}`` is the one closing the first row (one inside a string
    or a nested object leaves the text unfinished).
    """
    end = body.find(b"}", 0, _HEAD_BYTES) if body[:_HEAD_BYTES].lstrip().startswith(b"[") else -1
    while end >= 0:
        try:
            head = orjson.loads(body[: end + 1] + b"]")
        except orjson.JSONDecodeError:
            end = body.find(b"}", end + 1, _HEAD_BYTES)
            continue
        return tuple(head[0]) if isinstance(head, list) and len(head) == 1 and isinstance(head[0], dict) else None
    return None


@lru_cache(maxsize=64)
def _plan(fields: tuple[Field, ...], keys: tuple[str, ...]) -> _Plan | None:
    """A decoder of rows with exactly ``keys`` (any other key fails it) and the key chosen for each field;
    ``None`` when a field is spelt several ways, a required one is missing, or a kind has no JSON type."""
    found = _field_keys(fields, keys, _WIRE_TYPES)
    if found is None or not found[1]:
        return None  # no field in the rows: nothing to decode
    chosen, wire = found
    return _rows_decoder(keys, wire, chosen), chosen


@lru_cache(maxsize=64)
def _row_plan(fields: tuple[Field, ...], nested: tuple[Nested, ...], keys: tuple[str, ...]) -> _RowPlan | None:
    """``_plan`` for ``read_rows``, with the key chosen for each nested value; ``None`` also when a nested value
    is spelt several ways or its key feeds a field."""
    found = _field_keys(fields, keys, _ROW_TYPES)
    if found is None:
        return None
    chosen, wire = found
    inner: list[str | None] = []
    for names, kind in nested:
        wanted = {name.lower() for name in names}
        spelt = [key for key in keys if key.lower() in wanted]
        if len(spelt) > 1 or (spelt and spelt[0] in wire):
            return None
        inner.append(spelt[0] if spelt else None)
        wire.update(dict.fromkeys(spelt, kind))
    return _rows_decoder(keys, wire, chosen), chosen, inner


def _field_keys(
    fields: tuple[Field, ...], keys: tuple[str, ...], types: dict[str, Any]
) -> tuple[dict[Field, str | None], dict[str, Any]] | None:
    """The key chosen for each field among ``keys`` (or None), and the type of ``types`` each chosen key is
    decoded to; ``None`` when a field is spelt several ways, a required one is missing, or a kind has no
    type or one key would feed two fields of different kinds."""
    chosen: dict[Field, str | None] = {}
    wire: dict[str, Any] = {}
    for field in fields:
        spelt = spellings(set(keys), field)
        if len(spelt) > 1 or (field.required and not spelt) or field.kind not in types:
            return None
        chosen[field] = spelt[0] if spelt else None
        if spelt and wire.setdefault(spelt[0], types[field.kind]) != types[field.kind]:
            return None  # one key feeding two fields of different kinds
    return chosen, wire


def _rows_decoder(
    keys: tuple[str, ...], wire: dict[str, Any], chosen: dict[Field, str | None]
) -> msgspec.json.Decoder[Any]:
    """A decoder of a list of rows with exactly ``keys`` (any other key fails it), each decoded to the type
    ``wire`` gives (any JSON value when none), the keys of required fields in every row, others ``None``
    where missing."""
    required = {key for field, key in chosen.items() if field.required}
    members = [
        (
            f"k{position}",  # keys need not be Python names; the struct keeps them in the rows' order
            wire.get(key, Any),
            msgspec.field(name=key, default=msgspec.NODEFAULT if key in required else None),
        )
        for position, key in enumerate(keys)
    ]
    row = msgspec.defstruct("Row", members, kw_only=True, forbid_unknown_fields=True, gc=False)
    return msgspec.json.Decoder(list[row])  # type: ignore[valid-type]  # a struct made at run time


def _frame(columns: dict[str, Any], length: int) -> pd.DataFrame:
    return pd.DataFrame(columns, index=pd.RangeIndex(length), copy=False)


def _column(values: Objects, field: Field, api: str, call: str, typed: bool = False) -> Any:
    """``values`` converted to ``field``'s column type (see ``_convert`` for ``typed``); ``BadResponse`` naming
    the field when one does not fit."""
    try:
        return _convert(values, field.kind, typed)
    except (ValueError, TypeError) as error:
        raise BadResponse(api, call, f"field '{field.keys[0]}' has a bad value: {error}.", _FIELD_HELP) from None


def _objects(values: list[Any]) -> Objects:
    """``values`` as a one-dimensional object array (lists and dicts among them stay single values)."""
    return np.fromiter(values, dtype=object, count=len(values))


def _convert(values: Objects, kind: Kind, typed: bool = False) -> Any:
    """``values`` as the column for ``kind``; ``typed`` when they are known to be ``None`` or of the JSON type
    ``kind`` wants (as ``read_frame`` decodes them), which spares looking at each of them first."""
    if kind == "text":
        text = _fast(values, "text", typed)
        return text if text is not None else pd.array([_text(v) for v in values], dtype="string")
    if kind in ("int", "float"):
        numbers = _fast(values, "number", typed)
        if numbers is None:
            numbers = pd.array(_numbers(values), dtype="Float64")
        return numbers.round().astype("Int64") if kind == "int" else numbers.astype("float64")
    if kind == "bool":
        flags = _fast(values, "bool", typed)
        return flags if flags is not None else pd.array([_flag(v) for v in values], dtype="boolean")
    if kind in ("date", "datetime"):
        return parse_timestamps(values.tolist(), dates_only=kind == "date").array
    return pd.array(_decimals(values), dtype="object")


def _fast(values: Objects, kind: str, typed: bool) -> Any:
    """``values`` converted by pandas in one go when every one of them is ``None`` or already has the JSON
    type ``kind`` wants (checked unless ``typed``); ``None`` when the exact path must decide."""
    types, dtype = _FAST_TYPES[kind]
    if not typed and infer_dtype(values, skipna=False) not in types:  # maybe some None among them: look past those
        missing = values == None  # noqa: E711 (compared one by one: an array of True where None)
        given = values[~missing]
        if not missing.any() or (given.size and infer_dtype(given, skipna=False) not in types):
            return None
    try:
        return pd.array(values, dtype=dtype)
    except (ValueError, TypeError, OverflowError):
        return None


def _decimals(values: Objects) -> list[Decimal | None]:
    """Each value as ``to_decimal`` reads it (``None`` for nothing or ``""``), parsed once per distinct value
    and type: amounts repeat across 100,000 items, and ``1`` and ``1.0`` (equal keys) read differently."""
    found: dict[tuple[type, Any], Decimal | None] = {}
    out: list[Decimal | None] = []
    for value in values:
        if isinstance(value, list | dict):
            to_decimal(value)  # says what is wrong with it
        key = (value.__class__, value)
        if key not in found:
            found[key] = None if value is None or value == "" else to_decimal(value)
        out.append(found[key])
    return out


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return str(value)


def _numbers(values: Iterable[Any]) -> list[float | None]:
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
