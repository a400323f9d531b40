"""The data routes: ``GET /api/<command>?<option>=<value>`` answers exactly the JSON that ``xlbilling <command>
... --format json`` prints for the same options, through the same library call and the same JSON writer.

Each route names its command line command; the query is read with that command's own options
(``xlbilling._serve.query``), and the route's function takes them by the same names, so an option added to the
command line and not to its route fails the server's tests. Every list answer also says its columns in the
header ``X-Xlbilling-Columns`` (a JSON list; for ``/api/reconcile`` an object of lists), so an empty answer
still has a header row. ``/api/xarios/show`` is the one exception to the command line's bytes: it answers
``{"items": [...], "check": {...}}``, the invoice's items and its own arithmetic.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from xlbilling._errors import InputError
from xlbilling._serve.errors import respond
from xlbilling._serve.query import command, read_query
from xlbilling._serve.state import Server, server_of

if TYPE_CHECKING:
    import pandas as pd

COLUMNS_HEADER = "X-Xlbilling-Columns"
Answer = tuple[str, Any]
"""A route's JSON text, and the columns for ``X-Xlbilling-Columns``."""


def framed(server: Server, frame: pd.DataFrame) -> Answer:
    """A frame as the command line's ``--format json`` prints it (written once per fetched frame: a cached data
    set is answered without writing its JSON again), and its columns."""
    from xlbilling._output.write import to_json

    return server.session.derived(frame, "json", to_json), [str(column) for column in frame.columns]


def _periods(server: Server) -> Answer:
    return framed(server, server.session.atria().periods())


def _customers(server: Server) -> Answer:
    return framed(server, server.session.atria().customers())


def _summary(
    server: Server, period: str | None, billable_only: bool, per_sku: bool, all_customers: bool, by_customer: bool
) -> Answer:
    """``per_sku`` as the command line reads it: ``all_customers`` is its first name, ``by_customer`` the default."""
    if (per_sku or all_customers) and by_customer:
        raise InputError("per_sku adds every customer together: leave out by_customer.")
    chosen = server.period(period)
    return framed(server, server.session.atria().summary(chosen, billable_only, not (per_sku or all_customers)))


def _detail(
    server: Server, period: str | None, customer: str | None, service: str | None, user: str | None,
    billable_only: bool,
) -> Answer:  # fmt: skip
    chosen, code = server.period(period), server.customer(customer)
    return framed(server, server.session.atria().detail(chosen, code, service, user, billable_only))


def _invoice_lines(server: Server, period: str | None, customer: str | None) -> Answer:
    chosen, code = server.period(period), server.customer(customer)
    return framed(server, server.session.atria().invoice_lines(chosen, code))


def _analysis(server: Server, period: str | None, customer: str | None) -> Answer:
    chosen, code = server.period(period), server.customer(customer)
    return framed(server, server.session.atria().analysis(chosen, code))


def _xarios_list(server: Server) -> Answer:
    return framed(server, server.session.xarios().invoices())


def _xarios_show(server: Server, invoice_id: str) -> Answer:
    from xlbilling._output.write import money_text

    invoice = server.session.xarios().invoice(invoice_id)
    items, columns = framed(server, invoice.items)
    check = invoice.check
    totals = {"subtotal": money_text(check.subtotal), "tax": money_text(check.tax), "total": money_text(check.total)}
    document = {"items": json.loads(items), "check": {**totals, "ok": check.ok, "message": check.message}}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n", columns


def _reconcile(server: Server, period: str | None, invoice_id: str | None) -> Answer:
    from xlbilling import reconcile
    from xlbilling._reconcile.text import as_json

    files = server.files
    result = reconcile(
        server.session, server.period(period), mapping=files.needed_mapping(), prices=files.prices, invoice=invoice_id
    )
    tables = ("summary", "detail", "unmapped_tenants", "unmapped_products", "invoice_checks")
    return as_json(result), {name: [str(c) for c in getattr(result, name).columns] for name in tables}


def _margin(server: Server, first: str | None, last: str | None, customers: tuple[str, ...], by: str) -> Answer:
    from xlbilling import margin, parse_period

    session, files = server.session, server.files
    span = [None if day is None else session.period(parse_period(day)) for day in (first, last)]
    codes = [session.customer(name) for name in customers]
    found = margin(session, *span, mapping=files.needed_mapping(), prices=files.needed_prices(), customers=codes)
    return framed(server, found.by(by))


@dataclass(frozen=True)
class DataRoute:
    """``GET path``: the command line's ``command`` (its words), answered by ``answer(server, **options)``."""

    path: str
    command: tuple[str, ...]
    answer: Callable[..., Answer]
    renamed: Mapping[str, str] = field(default_factory=dict)
    """Query names for the command's arguments (an option's name is its long flag)."""


ROUTES = (
    DataRoute("/api/periods", ("periods",), _periods),
    DataRoute("/api/customers", ("customers",), _customers),
    DataRoute("/api/summary", ("summary",), _summary),
    DataRoute("/api/detail", ("detail",), _detail),
    DataRoute("/api/invoice-lines", ("invoice-lines",), _invoice_lines),
    DataRoute("/api/analysis", ("analysis",), _analysis),
    DataRoute("/api/xarios/list", ("xarios", "list"), _xarios_list),
    DataRoute("/api/xarios/show", ("xarios", "show"), _xarios_show, {"invoice_id": "invoice"}),
    DataRoute("/api/reconcile", ("reconcile",), _reconcile),
    DataRoute("/api/margin", ("margin",), _margin),
)


def _endpoint(route: DataRoute) -> Callable[[Request], Response]:
    def endpoint(request: Request) -> Response:
        def build() -> Response:
            given = read_query(command(*route.command), request.query_params.multi_items(), route.renamed)
            text, columns = route.answer(server_of(request), **given)
            headers = {COLUMNS_HEADER: json.dumps(columns, ensure_ascii=True, separators=(",", ":"))}
            return Response(text.encode("utf-8"), media_type="application/json", headers=headers)

        return respond(build, server_of(request).session.sources)

    return endpoint


router = APIRouter()
for _route in ROUTES:
    router.add_api_route(_route.path, _endpoint(_route), methods=["GET"], include_in_schema=False)
