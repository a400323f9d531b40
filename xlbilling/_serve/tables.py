"""``/api/tables``: the billing workbook's tables as the task pane writes them, loaded by the same registry as
``xlbilling refresh`` and the xlwings buttons (``xlbilling._workbook.tables.TARGETS``): the same sheets, table
names, columns, stamps and review trail.

``GET /api/tables?only=summary,detail&period=D&customer=C&billable_only=true&service=S&user=U&from=D&to=D``
answers ``{"tables": [...], "fetched": {...}}``: one entry per table (the first table of a sheet, then each
table beside it): ``key``, ``sheet``, ``table``, ``anchor`` (where a new table goes), ``stamp_cell`` and
``stamp`` (what the refresh writes above it), for a sheet's first table ``printed_cell`` and ``printed`` (the
line printed atop its pages), ``identity``, ``columns`` and ``rows``; and the rows of the Fetched table (which
the Overview reads) for the data sets answered, with the order of its rows, for the pane to update that table.
Stamps name the APIs, never their addresses. Cells are what Excel should hold: dates as ISO text, money as
numbers, missing values as ``""``, text that Excel would run as a formula behind an apostrophe. The Built
invoices table is not served: it lists a run's ``manifest.json`` in the invoices folder beside a workbook,
which a server does not have (the pane's invoice runs are downloaded as a zip).

``POST`` the same with ``{"reviews": [...]}`` (the Reconciliation or Margin table's rows as they are, each with
``period_end``, ``account_code``, ``sku``, the quantities, ``review`` and ``note``), or ``{"reviews":
{"reconciliation": [...], "margin": [...]}}``, carries the decisions over as a refresh does.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from xlbilling._errors import InputError
from xlbilling._serve.errors import answer, respond
from xlbilling._serve.state import Server, server_of

if TYPE_CHECKING:
    import pandas as pd

    from xlbilling._workbook.fetched import Fetched
    from xlbilling._workbook.target import Target

QUERY = ("only", "period", "customer", "billable_only", "service", "user", "from", "to")
MAX_BODY = 8 * 1024 * 1024
"""The largest reviews body taken (bytes)."""
REVIEWED = ("reconciliation", "margin")
NOT_SERVED = "built_invoices"


def pane_value(value: Any) -> Any:
    """A frame's value as a cell the pane writes: ISO text for a date, a number for money, ``""`` for nothing,
    text that looks like a formula behind Excel's apostrophe."""
    import pandas as pd

    from xlbilling._values.cells import neutralize

    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        midnight = value.time() == datetime.min.time()
        return value.date().isoformat() if midnight else value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return neutralize(value)
    if hasattr(value, "item"):  # a numpy scalar
        return pane_value(value.item())
    return neutralize(str(value))


def _query(pairs: list[tuple[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in pairs:
        if name not in QUERY:
            raise InputError(f"Unknown option '{name}' for tables.", f"Its options are: {', '.join(QUERY)}.")
        if value.strip():
            found[name] = value.strip()
    return found


def _flag(text: str | None, name: str) -> bool:
    from xlbilling._values.cells import flag

    chosen = flag(text) if text is not None else False
    if chosen is None:
        raise InputError(f"{name}={text}: not true or false.")
    return chosen


def _day(server: Server, text: str | None) -> date | None:
    """A day of a period, checked to be in one (the margin's range)."""
    from xlbilling import parse_period

    return None if text is None else server.session.period(parse_period(text)).end


def tables(server: Server, pairs: list[tuple[str, str]], reviews: Any = None) -> dict[str, Any]:
    """The tables the query asks for (every table of "Refresh all" when ``only`` is not given)."""
    import pandas as pd

    from xlbilling import parse_period
    from xlbilling._workbook.control import Params
    from xlbilling._workbook.tables import resolve, with_reviews

    given = _query(pairs)
    targets = resolve(given["only"].split(",") if "only" in given else None)
    if any(target.key == NOT_SERVED for target in targets):
        if "only" in given:
            raise InputError(
                f"{NOT_SERVED} is not served: it lists an invoice run's manifest.json beside a workbook.",
                "Build invoices in the pane and open index.xlsx in the zip, or refresh it with xlbilling refresh.",
            )
        targets = [target for target in targets if target.key != NOT_SERVED]
    keys = [target.key for target in targets]
    old = _reviews(reviews, [key for key in keys if key in REVIEWED])
    files = server.files
    if any(key in REVIEWED for key in keys):
        files.needed_mapping()
    if "margin" in keys:
        files.needed_prices()
    params = Params(
        period=parse_period(given["period"]) if "period" in given else None,
        customer=server.customer(given.get("customer")),
        billable_only=_flag(given.get("billable_only"), "billable_only"),
        service=given.get("service"),
        user=given.get("user"),
        prices=str(files.prices_path) if files.prices_path else None,
        mapping=files.mapping,
        margin_from=_day(server, given.get("from")),
        margin_to=_day(server, given.get("to")),
    )
    period = server.period(given.get("period")) if any(target.uses_period for target in targets) else None
    when = datetime.now(UTC)
    entries, fetched = [], []
    for target in targets:
        frames = target.load(server.session, params, period if target.uses_period else None)
        if target.reviewed:
            frames = with_reviews(frames, old.get(target.key, pd.DataFrame()))
        entries += _entries(target, frames, period, when)
        fetched.append(target.fetched(frames, period, target.source({}), when))
    return {"tables": entries, "fetched": _fetched(fetched)}


def _entries(target: Target, frames: tuple[pd.DataFrame, ...], period: Any, when: datetime) -> list[dict[str, Any]]:
    from xlbilling._workbook.target import PRINTED_STAMP, STAMP_CELL, title_cell

    about = target.about(frames, period)
    entries = []
    for (part, anchor), frame in zip(target.layout(), frames, strict=True):
        rows = frame.astype(object).itertuples(index=False, name=None)
        entry = {
            "key": target.key,
            "sheet": target.sheet,
            "table": part.table,
            "anchor": anchor,
            "stamp_cell": title_cell(anchor),
            "stamp": part.line(len(frame), about),
            "identity": list(part.identity),
            "columns": [str(column) for column in frame.columns],
            "rows": [[pane_value(value) for value in row] for row in rows],
        }
        if part.table == target.table:  # the APIs by name: a browser is never told their addresses
            stamp = target.stamp(len(frame), about, target.source({}), when)
            entry.update(stamp_cell=STAMP_CELL, stamp=stamp, printed_cell=PRINTED_STAMP, printed=target.printed(about))
        entries.append(entry)
    return entries


def _fetched(fetched: list[Fetched]) -> dict[str, Any]:
    """The Fetched table's rows of the data sets answered, as the refresh writes them, and the order of that
    table's rows (the rows of data sets not answered are the pane's to keep)."""
    from xlbilling._workbook import fetched as table
    from xlbilling._workbook.tables import TARGETS

    rows = [[pane_value(item.row()[column]) for column in table.COLUMNS] for item in fetched]
    return {
        "sheet": table.SHEET,
        "table": table.TABLE,
        "anchor": "A3",
        "identity": ["data"],
        "columns": list(table.COLUMNS),
        "order": [target.title for target in TARGETS.values()],
        "rows": rows,
    }


def _reviews(body: Any, reviewed: list[str]) -> dict[str, pd.DataFrame]:
    """The posted reviews per reviewed table key (``{}`` for a GET)."""
    import pandas as pd

    if body is None:
        return {}
    found = body.get("reviews") if isinstance(body, dict) else None
    if isinstance(found, list):
        if len(reviewed) != 1:
            raise InputError(
                "A list of reviews needs exactly one of reconciliation and margin in only.",
                'Post {"reviews": {"reconciliation": [...], "margin": [...]}} for both.',
            )
        found = {reviewed[0]: found}
    hint = 'Post {"reviews": [{"period_end": ..., "account_code": ..., "sku": ..., "review": ..., "note": ...}]}.'
    if not isinstance(found, dict) or not all(isinstance(rows, list) for rows in found.values()):
        raise InputError("The body holds no reviews.", hint)
    unknown = [key for key in found if key not in reviewed]
    if unknown:
        raise InputError(f"Reviews for {', '.join(unknown)}, which only does not name.", "Add it to only.")
    for rows in found.values():
        if not all(isinstance(row, dict) for row in rows):
            raise InputError("Each review must be an object.", hint)
    return {key: pd.DataFrame(rows) for key, rows in found.items()}


router = APIRouter()


@router.get("/api/tables", include_in_schema=False)
def get_tables(request: Request) -> Response:
    """The tables, without reviews posted."""
    server, pairs = server_of(request), request.query_params.multi_items()
    return respond(lambda: _json(tables(server, pairs)), server.session.sources)


@router.post("/api/tables", include_in_schema=False)
async def post_tables(request: Request) -> Response:
    """The tables, with the reviews posted carried over."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return answer(413, f"The reviews are too large: at most {MAX_BODY // 1024 // 1024} MB.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return answer(413, f"The reviews are too large: at most {MAX_BODY // 1024 // 1024} MB.")
    try:
        posted = json.loads(body or b"null")
    except ValueError:
        return answer(400, 'The body is not JSON: post {"reviews": [...]}.')
    server, pairs = server_of(request), request.query_params.multi_items()
    return await run_in_threadpool(respond, lambda: _json(tables(server, pairs, posted)), server.session.sources)


def _json(document: dict[str, Any]) -> Response:
    return Response(json.dumps(document, ensure_ascii=False).encode("utf-8"), media_type="application/json")
