"""``xlbilling doctor``'s checks: each configured API step by step, then one call of every endpoint.

Steps: settings present, host resolves, TLS verifies (with the CA bundle), the token is accepted (and the
path prefix or version answers: a few usual ones are tried when the configured one gives 404). The first
broken step ends that API's checks with one line saying what to do. Then the latest closed period, one
customer and the latest Xarios invoice (with its detail ZIP and PDF) are asked for, each endpoint's rows
inspected (``xlbilling._doctor.inspect``). A missing column's likely key is used for the calls that follow,
so one run finds every line to add; the exit code still says they are missing until they are set.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlencode

from xlbilling._apis import fields
from xlbilling._apis.atria import CUSTOMER_LISTS, PERIOD_LISTS, Atria, parameter_rows
from xlbilling._apis.frames import find_key, to_frame
from xlbilling._apis.paging import ENVELOPE_KEYS, Page, signs
from xlbilling._apis.recording import Recorder
from xlbilling._apis.spelling import ApiShape
from xlbilling._apis.transport.checks import host_problem, human_size, query, tls_problem
from xlbilling._apis.transport.client import ApiClient
from xlbilling._apis.xarios import MAX_ZIP_BYTES, Tables, Xarios, csv_rows, detail_files, parse_invoice
from xlbilling._config.settings import Settings
from xlbilling._doctor.inspect import inspect
from xlbilling._doctor.report import ApiCheck, Endpoint, Report, Step
from xlbilling._errors import ApiError, AuthError, BadResponse, ConfigError, NotFoundError, XlbillingError
from xlbilling._values.period import Period

T = TypeVar("T")
#: The path prefixes (Atria) and version segments (Xarios) tried when the configured one answers 404.
USUAL_PATHS = {
    "atria": ("/api/Billing", "/api/v1/Billing", "/api/v2/Billing", "/Billing", "/api/billing/v1"),
    "xarios": ("v1.0", "v1", "v2", "v2.0", "v3"),
}
_ITEM_NESTED = (*fields.XARIOS_ITEM_TAGS_KEYS, *fields.XARIOS_STRING_VALUES_KEYS, *fields.XARIOS_NUMERIC_VALUES_KEYS)


class _Stop(Exception):
    """Internal: a step broke, and was reported; nothing after it can be checked."""


def run_doctor(settings: Settings, recorder: Recorder | None = None) -> Report:
    """Check every configured API; ``recorder`` keeps every answer received (``--record``)."""
    report = Report(str(settings.config_file or ""))
    for name, probe in (("atria", _atria), ("xarios", _xarios)):
        check = ApiCheck("Atria" if name == "atria" else "Xarios", getattr(settings, f"{name}_url"))
        report.apis.append(check)
        client = _connect(settings, name, check)
        if client is None:
            continue
        if recorder is not None:
            recorder.attach(client)
        try:
            probe(client, settings.shape(name), check)
        except _Stop:
            pass
        finally:
            client.close()
    return report


def _connect(settings: Settings, name: str, check: ApiCheck) -> ApiClient | None:
    """The steps before any call: settings, host, TLS; the client when they pass."""
    url, token = getattr(settings, f"{name}_url"), getattr(settings, f"{name}_token")
    if not url and not token:
        check.steps.append(Step("settings", None, "not configured (no URL and no token): skipped"))
        return None
    try:
        client = settings.atria_client() if name == "atria" else settings.xarios_client()
    except ConfigError as error:
        check.steps.append(Step("settings", False, f"{error.message} {error.hint}"))
        return None
    sources = {settings.sources.get(f"{name}_{key}", "") for key in ("url", "token")}
    check.steps.append(Step("settings", True, f"URL and token set ({', '.join(sorted(sources))})"))
    steps = [("host", lambda: host_problem(url), "resolves", "Check the URL with `xlbilling config`.")]
    if url.lower().startswith("https://"):
        hint = "Behind a TLS-inspecting proxy, set ca_bundle under [http] (or XLBILLING_CA_BUNDLE) to its CA."
        steps.append(("TLS", lambda: tls_problem(url, settings.ca_bundle, settings.timeout), "verified", hint))
    for step, problem_of, fine, hint in steps:
        problem = problem_of()
        check.steps.append(Step(step, problem is None, fine if problem is None else f"{problem}. {hint}"))
        if problem is not None:
            client.close()
            return None
    if not url.lower().startswith("https://"):
        check.steps.append(Step("TLS", None, "not used: the URL is http:// (fine for a local sandbox only)"))
    return client


def _first(check: ApiCheck, shape: ApiShape, call: Callable[[ApiShape], T]) -> tuple[T, ApiShape]:
    """The first call, which proves the token (and the path); on 404 the usual paths are tried."""
    try:
        found = call(shape)
    except NotFoundError as error:
        key = "path" if shape.api == "atria" else "version"
        for other in USUAL_PATHS[shape.api]:
            if replace(shape, path=other).prefix == shape.prefix:
                continue  # the one that answered 404
            try:
                found = call(replace(shape, path=other))
            except ApiError:
                continue
            check.steps.append(Step("path", False, f"{shape.prefix} answers 404, {key} {other!r} answers"))
            check.add_setting(shape.api, f'{key} = "{other}"')
            shape = replace(shape, path=other)
            break
        else:
            where = " (its API page, e.g. https://host/API/ on Atria, shows it)"
            _fail(check, "path", f"{error.message}; none of the usual paths answers either. Set {key} under "
                  f"[{shape.api}] in the config file to the one your instance uses{where}.")  # fmt: skip
    except AuthError as error:
        _fail(check, "token", f"{error.message}. {error.hint}")
    except XlbillingError as error:
        _fail(check, "answer", f"{error.message} {error.hint}".strip())
    check.steps.append(Step("token", True, "accepted"))
    return found, shape


def _fail(check: ApiCheck, step: str, detail: str) -> NoReturn:
    check.steps.append(Step(step, False, detail))
    raise _Stop


def _atria(client: ApiClient, shape: ApiShape, check: ApiCheck) -> None:
    first = Endpoint("parameters", "")
    payload, shape = _timed(first, client, lambda: _first(check, shape, lambda s: Atria(client, s).parameters()))
    request = f"GET {Atria(client, shape).route('parameters')}"
    working = shape
    for name, lists in (("periods", PERIOD_LISTS), ("customers", CUSTOMER_LISTS)):
        endpoint = Endpoint(name, request, first.seconds, pages=1, status=first.status)
        check.endpoints.append(endpoint)
        try:
            _rows(endpoint, shape, name, parameter_rows(payload, name, lists))
        except XlbillingError as error:
            endpoint.error = f"{error.message} {error.hint}".strip()
        working = _learn(check, working, endpoint)
    atria = _Answered(client, working, payload)
    try:
        period = atria.latest_closed_period()
        customer = str(atria.customers()["customer_code"].dropna().iloc[0])
    except (XlbillingError, IndexError) as error:
        _fail(check, "periods", f"no closed period and customer to ask about ({error}); add the lines below first.")
    check.steps.append(Step("data", True, f"period {period}, customer {customer}"))
    for name, options in (
        ("summary", {"billable_only": False, "by_customer": True}),
        ("detail", {"customer": customer, "billable_only": False}),
        ("invoice_lines", {"customer": customer}),
        ("analysis", {"customer": customer}),
    ):
        endpoint = _atria_endpoint(Atria(client, shape), name, period, options)
        check.endpoints.append(endpoint)
        _learn(check, shape, endpoint)


def _atria_endpoint(atria: Atria, name: str, period: Period, options: dict[str, Any]) -> Endpoint:
    path, params = atria.route(name, period), atria.query(**options)
    endpoint = Endpoint(name, f"GET {path}?{urlencode(query(params))}")

    def read() -> None:
        rows = _paged(endpoint, lambda: list(atria.pages(name, path, params)), atria.client, name)
        if name != "invoice_lines":
            _rows(endpoint, atria.shape, name, rows)
            return
        table, split = atria.shape.table(name), len(fields.ATRIA_INVOICE_RECORD)
        lines = [line for r in rows for line in r.get(find_key(r, fields.ATRIA_INVOICE_LINES_KEYS) or "") or []]
        endpoint.rows = len(rows)
        records = inspect(rows, table[:split], fields.ATRIA_INVOICE_LINES_KEYS)
        endpoint.findings = records.add(inspect(lines, table[split:]))

    _safely(endpoint, read)
    if endpoint.error:
        endpoint.sent = [f"{atria.shape.param(name)} ({name})" for name in options]
    return endpoint


def _xarios(client: ApiClient, shape: ApiShape, check: ApiCheck) -> None:
    listing = Endpoint("invoices", "")
    found, shape = _timed(listing, client, lambda: _first(check, shape, lambda s: list(Xarios(client, s).pages())))
    xarios = Xarios(client, shape)
    listing.request = f"GET {xarios.route()}"
    check.endpoints.append(listing)
    rows = _safely(listing, lambda: _paged(listing, lambda: found, client, "invoices"))
    _safely(listing, lambda: _rows(listing, shape, "invoices", rows or []))
    working = _learn(check, shape, listing)
    try:
        invoices = to_frame(rows or [], working.table("invoices"), "Xarios", "invoices")
        invoice_id = str(invoices.sort_values("period_end", kind="stable")["invoice_id"].dropna().iloc[-1])
    except (XlbillingError, IndexError) as error:
        _fail(check, "invoices", f"no invoice to ask about ({error}); add the lines below first.")
    check.steps.append(Step("data", True, f"invoice {invoice_id}"))
    route = xarios.route(invoice_id)
    header, items = Endpoint("invoice", f"GET {route}"), Endpoint("items", f"GET {route}")
    check.endpoints += [header, items]
    data = _safely(header, lambda: _invoice(xarios, invoice_id, header, items))
    working = _learn(check, _learn(check, working, header), items)
    if data is not None:
        invoice = _safely(items, lambda: parse_invoice(data, f"invoice {invoice_id}", Tables.of(working)))
        items.note = f"the items add up: {invoice.check.message}" if invoice else ""
    detail = Endpoint("detail", f"GET {route}/detail")
    check.endpoints.append(detail)
    blob = _safely(detail, lambda: _detail(xarios, invoice_id, detail))
    working = _learn(check, working, detail)
    if blob is not None:
        zipped, reader = blob, Xarios(client, working)
        read = _safely(detail, lambda: reader.read_detail(invoice_id, zipped))
        detail.note = read.message if read else ""
    pdf = Endpoint("pdf", f"GET {route}/summary")
    check.endpoints.append(pdf)
    blob = _safely(pdf, lambda: _timed(pdf, client, lambda: xarios.pdf(invoice_id)))
    pdf.note = f"a whole PDF file, {human_size(len(blob))}" if blob else ""


def _invoice(xarios: Xarios, invoice_id: str, header: Endpoint, items: Endpoint) -> dict[str, Any]:
    """Get Invoice asked for and inspected: its header, and its items with their name/value pairs."""
    call = f"invoice {invoice_id}"
    body = _timed(header, xarios.client, lambda: xarios.client.get_json_bytes(call, xarios.route(invoice_id)))
    items.seconds, items.status = header.seconds, header.status
    payload = xarios.client.parse_json(call, body)
    key = find_key(payload, ENVELOPE_KEYS) if isinstance(payload, dict) else None
    if key is None or not isinstance(payload[key], dict):
        raise BadResponse("Xarios", call, "expected the invoice as a JSON object in an envelope ('data').")
    header.signs, data = {"envelope": key}, payload[key]
    _rows(header, xarios.shape, "invoice", [data], fields.XARIOS_ITEMS_KEYS)
    key = find_key(data, fields.XARIOS_ITEMS_KEYS)
    raw_items = data.get(key) or [] if key else []
    _rows(items, xarios.shape, "items", [_flat(item) for item in raw_items], _ITEM_NESTED)
    return data


def _detail(xarios: Xarios, invoice_id: str, endpoint: Endpoint) -> bytes:
    """The detail ZIP asked for, and its CSV inspected."""
    call = f"invoice {invoice_id} detail"
    blob = _timed(endpoint, xarios.client, lambda: xarios.client.get_bytes(call, xarios.route(invoice_id) + "/detail",
                                                            max_bytes=MAX_ZIP_BYTES))  # fmt: skip
    _, csv_blob = detail_files(blob, invoice_id, call)
    _rows(endpoint, xarios.shape, "detail", csv_rows(csv_blob, call))
    return blob


def _flat(item: Any) -> dict[str, Any]:
    """An item's own keys and the names of its ``stringValues``/``numericValues`` pairs, side by side."""
    if not isinstance(item, dict):
        return {}
    flat = dict(item)
    for key in (find_key(item, fields.XARIOS_STRING_VALUES_KEYS), find_key(item, fields.XARIOS_NUMERIC_VALUES_KEYS)):
        for pair in (item.get(key) or []) if key else []:
            if isinstance(pair, dict) and isinstance(name := pair.get(find_key(pair, ("name", "key")) or ""), str):
                flat[name] = pair.get(find_key(pair, ("value",)) or "")
    return flat


def _paged(endpoint: Endpoint, fetch: Callable[[], list[Page]], client: ApiClient, call: str) -> list[dict[str, Any]]:
    """The rows of every page ``fetch`` gives, timed, with the paging and envelope signs seen."""
    pages = _timed(endpoint, client, fetch)
    endpoint.pages = len(pages)
    for page in pages:
        endpoint.signs |= signs(page.envelope) | ({"envelope": page.key} if page.key else {})
    return [row for page in pages for row in page.parsed(client, call)]


def _rows(endpoint: Endpoint, shape: ApiShape, name: str, rows: list[dict[str, Any]], nested: Any = ()) -> None:
    endpoint.rows = len(rows)
    endpoint.findings = inspect(rows, shape.table(name), nested)


def _learn(check: ApiCheck, shape: ApiShape, endpoint: Endpoint) -> ApiShape:
    """``shape`` with the likely keys of ``endpoint``'s missing columns, which become settings lines to add."""
    extra = {name: dict(columns) for name, columns in shape.extra.items()}
    for hint in endpoint.findings.suggestions:
        table = f"{shape.api}.fields.{endpoint.name}"
        if hint.key is None:
            seen = f"keys seen: {', '.join(hint.candidates)}" if hint.candidates else "no key seen fits"
            check.add_setting(table, f'# {hint.column} = "?"  # {seen}')
            continue
        others = [key for key in hint.candidates if key != hint.key]
        check.add_setting(
            table, f'{hint.column} = "{hint.key}"' + (f"  # also fits: {', '.join(others)}" if others else "")
        )
        extra.setdefault(endpoint.name, {})[hint.column] = (hint.key,)
    return replace(shape, extra=extra)


def _timed(endpoint: Endpoint, client: ApiClient, fetch: Callable[[], T]) -> T:
    """``fetch()``, its time and the HTTP status of the last answer it received kept on ``endpoint``."""
    told = client.observe  # the recording's, when there is one

    def seen(path: str, query: dict[str, Any], status: int, content_type: str, body: bytes) -> None:
        endpoint.status = status
        if told is not None:
            told(path, query, status, content_type, body)

    client.observe, started = seen, time.perf_counter()
    try:
        return fetch()
    finally:
        client.observe, endpoint.seconds = told, time.perf_counter() - started


def _safely(endpoint: Endpoint, run: Callable[[], T]) -> T | None:
    """``run()``, an error kept on ``endpoint`` instead of ending the checks."""
    try:
        return run()
    except XlbillingError as error:
        endpoint.error = f"{error.message} {error.hint}".strip()
        return None


class _Answered(Atria):
    """Atria with its ``/parameters`` answer already in hand (the doctor asks for it once)."""

    def __init__(self, client: ApiClient, shape: ApiShape, payload: Any) -> None:
        super().__init__(client, shape)
        self._payload = payload

    def parameters(self) -> Any:
        return self._payload
