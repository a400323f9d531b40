"""How a real Atria or Xarios words its answers, as the config file says: key spellings, query names, paths.

The built-in field tables (``xlbilling._apis.fields``) are guesses; a real instance may spell a field, a query
parameter or the path differently. The config file adds to them, never replacing xlbilling's column names::

    [atria]
    path = "/api/v1/Billing"          # the path prefix (default /api/Billing)
    page_size = 500                   # rows asked per page when paging (default: the server's choice)
    [atria.fields.summary]            # <endpoint> is an Atria method: periods, customers, summary, ...
    last_count = "PreviousQuantity"   # xlbilling column = the JSON key (or a list of keys)
    [atria.params]
    billable_only = "billable"        # xlbilling's name for a query parameter = the name the API takes
    [xarios]
    version = "v2"                    # the version segment of /api/<version>/billingdata (default v1.0)

An unknown endpoint, column or parameter, or a value of the wrong type, is a ``ConfigError`` naming the file
and the line. This module imports nothing heavy: ``xlbilling config`` shows what it read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from xlbilling._apis import fields
from xlbilling._apis.fields import Field
from xlbilling._errors import ConfigError

#: Query parameters a client may send when it pages, by xlbilling's name -> the name sent by default.
PAGING_PARAMS = {"page": "page", "page_size": "pageSize", "skip": "$skip", "top": "$top"}
#: Each API: its endpoints, query parameters (xlbilling's name -> sent name), path setting and its default.
APIS: dict[str, tuple[Mapping[str, tuple[Field, ...]], dict[str, str], str, str]] = {
    "atria": (
        fields.ATRIA_ENDPOINTS,
        {
            "billable_only": "billableOnly",
            "by_customer": "aggregateByCustomer",
            "customer": "customer",
            "service": "service",
            "user": "userSearch",
            **PAGING_PARAMS,
        },
        "path",
        "/api/Billing",
    ),
    "xarios": (fields.XARIOS_ENDPOINTS, dict(PAGING_PARAMS), "version", "v1.0"),
}
#: The plain keys of ``[atria]`` / ``[xarios]`` this module reads (besides the sub-tables fields and params).
FILE_KEYS = {("atria", "path"), ("xarios", "version"), *((a, k) for a in APIS for k in ("page_size", "max_pages"))}
SUB_TABLES = ("fields", "params")
MAX_PAGES = 1000


@dataclass(frozen=True)
class ApiShape:
    """What one API's answers look like beyond the built-in tables: ``extra[endpoint][column]`` keys, the query
    names, the path prefix (Atria) or version segment (Xarios), the page size and most pages; ``sources``
    says where each setting came from (``"fields.summary.last_count" -> "config file ..., line 12"``)."""

    api: str = "atria"
    extra: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    path: str = ""
    page_size: int | None = None
    max_pages: int = MAX_PAGES
    sources: Mapping[str, str] = field(default_factory=dict)

    def table(self, endpoint: str) -> tuple[Field, ...]:
        """The field table of ``endpoint`` with the configured keys added."""
        return fields.extended(APIS[self.api][0][endpoint], self.extra.get(endpoint, {}))

    def param(self, name: str) -> str:
        """The query parameter name the API takes for xlbilling's ``name``."""
        return self.params.get(name) or APIS[self.api][1][name]

    @property
    def prefix(self) -> str:
        """Atria's path prefix (``/api/Billing``) or Xarios' ``/api/<version>``."""
        value = self.path or APIS[self.api][3]
        return value.rstrip("/") if self.api == "atria" else f"/api/{value.strip('/')}"

    def settings(self) -> list[tuple[str, str, str]]:
        """Every setting this shape holds, as ``(name as in the file, value, source)``, for ``xlbilling config``."""
        _, _, path_key, default = APIS[self.api]
        shown = [
            (f"{self.api}.{path_key}", self.path or default, self.sources.get(path_key, "default")),
            (f"{self.api}.page_size", str(self.page_size or "-"), self.sources.get("page_size", "default")),
            (f"{self.api}.max_pages", str(self.max_pages), self.sources.get("max_pages", "default")),
        ]
        for name, sent in self.params.items():
            shown.append((f"[{self.api}.params] {name}", f'"{sent}"', self.sources[f"params.{name}"]))
        for endpoint, columns in self.extra.items():
            for column, keys in columns.items():
                value = ", ".join(f'"{key}"' for key in keys)
                source = self.sources[f"fields.{endpoint}.{column}"]
                shown.append((f"[{self.api}.fields.{endpoint}] {column}", value, source))
        return shown


def read_shapes(data: Mapping[str, Any], text: str, path: Path) -> dict[str, ApiShape]:
    """The ``ApiShape`` of each API from a parsed config file (``text`` is its source, for line numbers)."""
    tables = {api: data.get(api) for api in APIS}
    return {api: _shape(api, table if isinstance(table, dict) else {}, text, path) for api, table in tables.items()}


def _shape(api: str, table: Mapping[str, Any], text: str, path: Path) -> ApiShape:
    endpoints, params, path_key, _ = APIS[api]
    where = _Where(text, path)
    sources: dict[str, str] = {}
    values: dict[str, Any] = {}
    if path_key in table:
        values["path"] = _path(api, path_key, table[path_key], where)
        sources[path_key] = where.source(api, path_key)
    for key, low in (("page_size", 1), ("max_pages", 1)):
        if key in table:
            value = table[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                where.fail(api, key, f"{key} under [{api}] must be a whole number of at least {low}, not {value!r}")
            values[key] = value
            sources[key] = where.source(api, key)
    sent = _table(table, "params", api, where)
    for name, value in sent.items():
        if name not in params:
            choose = f"Use one of: {', '.join(params)}."
            where.fail(f"{api}.params", name, f"[{api}.params] has no parameter {name}", choose)
        if not isinstance(value, str) or not value.strip():
            where.fail(f"{api}.params", name, f"{name} under [{api}.params] must be a name in quotes, not {value!r}")
        sources[f"params.{name}"] = where.source(f"{api}.params", name)
    extra: dict[str, dict[str, tuple[str, ...]]] = {}
    for endpoint, columns in _table(table, "fields", api, where).items():
        where_table = f"{api}.fields.{endpoint}"
        if endpoint not in endpoints or not isinstance(columns, dict):
            where.fail(where_table, None, f"[{where_table}] names no endpoint", f"Use one of: {', '.join(endpoints)}.")
        known = [f.column for f in endpoints[endpoint]]
        for column, keys in columns.items():
            if column not in known:
                choose = f"Use one of: {', '.join(known)}."
                where.fail(where_table, column, f"{endpoint} has no column {column}", choose)
            extra.setdefault(endpoint, {})[column] = _keys(keys, where, where_table, column)
            sources[f"fields.{endpoint}.{column}"] = where.source(where_table, column)
    return ApiShape(api, extra, {k: v.strip() for k, v in sent.items()}, sources=sources, **values)


def _table(table: Mapping[str, Any], name: str, api: str, where: _Where) -> Mapping[str, Any]:
    found = table.get(name, {})
    if not isinstance(found, dict):
        where.fail(api, name, f"{name} under [{api}] must be a table [{api}.{name}], not {found!r}")
    return found


def _keys(value: Any, where: _Where, table: str, column: str) -> tuple[str, ...]:
    """A column's keys: one key in quotes, or a list of them."""
    keys = [value] if isinstance(value, str) else value
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) and k.strip() for k in keys):
        message = f"{column} under [{table}] must be a JSON key in quotes or a list of them, not {value!r}"
        where.fail(table, column, message)
    return tuple(k.strip() for k in keys)


def _path(api: str, key: str, value: Any, where: _Where) -> str:
    pattern = r"/[\w./-]*" if key == "path" else r"[\w.-]+"
    if not isinstance(value, str) or not re.fullmatch(pattern, value.strip()):
        example = '"/api/v1/Billing"' if key == "path" else '"v1.0"'
        where.fail(api, key, f"{key} under [{api}] must be like {example}, not {value!r}")
    return str(value).strip()


class _Where:
    """Finds the line of a setting in the config file's text, and raises errors naming it."""

    def __init__(self, text: str, path: Path) -> None:
        self.lines = text.splitlines()
        self.path = path

    def line(self, table: str, key: str | None) -> int | None:
        """The line of ``key`` under ``[table]`` (of the header itself when ``key`` is None)."""
        current = ""
        for number, raw in enumerate(self.lines, start=1):
            line = raw.split("#", 1)[0].strip()
            if line.startswith("["):
                current = line.strip("[] ").replace(" ", "").replace('"', "")
                if key is None and current == table:
                    return number
            elif key is not None and current == table and re.match(rf"[\"']?{re.escape(key)}[\"']?\s*=", line):
                return number
        return None

    def source(self, table: str, key: str) -> str:
        line = self.line(table, key)
        return f"config file {self.path}" + (f", line {line}" if line else "")

    def fail(self, table: str, key: str | None, message: str, hint: str = "Fix that line and try again.") -> NoReturn:
        line = self.line(table, key) or (self.line(table, None) if key is not None else None)
        raise ConfigError(f"{self.path}" + (f", line {line}" if line else "") + f": {message}.", hint)
