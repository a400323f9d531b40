"""The sandbox HTTP server: Atria's and Xarios' billing APIs on 127.0.0.1, from a deterministic data set.

Every route needs ``Authorization: Bearer <token>`` (401 with an empty body otherwise); only the API
docs (``/docs``, ``/openapi.json``) are open. Atria routes and query names are case-insensitive, as on
ASP.NET. ``start_sandbox`` runs the server in a background thread for tests and notebooks.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import threading
from contextlib import suppress
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
import uvicorn
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPBearer
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from xlbilling._errors import InputError
from xlbilling._sandbox import atria_json, xarios_json
from xlbilling._sandbox.adjust import Adjustment, adjust
from xlbilling._sandbox.archive import detail_zip
from xlbilling._sandbox.background import Background, start_in_thread
from xlbilling._sandbox.dataset import Customer, Dataset, Period
from xlbilling._sandbox.dialects import Dialect, DialectMiddleware, DialectSwitch
from xlbilling._sandbox.discrepancies import discrepancies
from xlbilling._sandbox.faults import Fault, FaultMiddleware, FaultSwitch
from xlbilling._sandbox.guard import BearerAuth, RequestLog
from xlbilling._sandbox.pdf import invoice_pdf
from xlbilling._sandbox.reissue import Reissue, etag, unchanged
from xlbilling._sandbox.vendor import VendorInvoice, find_invoice

ATRIA_PREFIX = "/api/billing"
XARIOS_PREFIX = "/api/v1.0"
_ATRIA_QUERY = {
    name.lower(): name for name in ("billableOnly", "aggregateByCustomer", "customer", "service", "userSearch")
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _Failure(Exception):
    """A handled API error: ``body`` is sent as JSON with ``status``."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _json(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def _binary(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def build_app(
    dataset: Dataset, token: str, requests: list[str] | None = None, dialect: Dialect | None = None
) -> FastAPI:
    """The sandbox ASGI app serving ``dataset`` in ``dialect`` (plain by default), guarded by ``token``; each
    request it receives is appended to ``requests`` as ``"GET /path?query"`` when a list is given (tests
    count them)."""
    app = FastAPI(
        title="xlbilling sandbox",
        description="Local stand-in for the Atria billing API and the Xarios billing-data API. Every route "
        "needs `Authorization: Bearer <token>` (use Authorize).",
        version="1.0",
        redoc_url=None,
        dependencies=[Depends(HTTPBearer(auto_error=False))],  # documents the scheme; BearerAuth enforces it
    )
    switch = FaultSwitch()
    speaking = DialectSwitch(dialect)

    def atria_period(enddate: str) -> Period:
        day = None
        if _DATE.fullmatch(enddate):
            with suppress(ValueError):
                day = date.fromisoformat(enddate)
        if day is None:
            raise _Failure(400, {"message": f"'{enddate}' is not a valid date; use yyyy-MM-dd."})
        period = dataset.period_for(day)
        if period is None:
            raise _Failure(404, {"message": f"No billing period contains {enddate}."})
        return period

    def atria_customer(code: str | None) -> Customer | None:
        if code is None:
            return None
        found = dataset.by_code.get(code.upper())
        if found is None:
            raise _Failure(404, {"message": f"Customer '{code}' was not found."})
        return found

    def xarios_invoice(invoice_id: str) -> VendorInvoice:
        found = find_invoice(dataset, invoice_id)
        if found is None:
            raise _Failure(404, xarios_json.not_found(dataset))
        return found

    @app.exception_handler(_Failure)
    async def failure(_: Request, error: _Failure) -> Response:
        return _json(error.body, error.status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if request.url.path.startswith(XARIOS_PREFIX):
            body = xarios_json.not_found(dataset) | {"error": error.status_code, "message": error.detail}
            return _json(body, error.status_code)
        return _json({"message": error.detail}, error.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in error.errors())
        return _json({"message": f"Bad request: {problems}"}, 400)

    # --- Atria ----------------------------------------------------------------------------------

    @app.get("/api/billing/parameters", tags=["Atria"])
    def parameters() -> Response:
        """The billing periods (12 closed months and the open one) and the customers."""
        return _json(atria_json.parameters(dataset))

    @app.get("/api/billing/{enddate}", tags=["Atria"])
    def summary(enddate: str, billableOnly: bool = False, aggregateByCustomer: bool = True) -> Response:
        """Counts at period end per customer, SKU and billable flag, compared with the period before."""
        return _json(atria_json.summary(dataset, atria_period(enddate), billableOnly, aggregateByCustomer))

    @app.get("/api/billing/{enddate}/detail", tags=["Atria"])
    def detail(
        enddate: str,
        customer: str | None = None,
        billableOnly: bool = False,
        service: str | None = None,
        userSearch: str | None = None,
    ) -> Response:
        """One row per service active during the period: Added, Removed or Carried."""
        period = atria_period(enddate)
        return _json(atria_json.detail(dataset, period, atria_customer(customer), billableOnly, service, userSearch))

    @app.get("/api/billing/{enddate}/invoice", tags=["Atria"])
    def invoice(enddate: str, customer: str | None = None) -> Response:
        """Billable quantities at period end, per consuming customer, with who pays (Bill To)."""
        period = atria_period(enddate)
        return _json(atria_json.invoice(dataset, period, atria_customer(customer)))

    @app.get("/api/billing/{enddate}/analysis", tags=["Atria"])
    def analysis(enddate: str, customer: str | None = None) -> Response:
        """Every user service with the customer's address and the share of the period it was active."""
        period = atria_period(enddate)
        return _json(atria_json.analysis(dataset, period, atria_customer(customer)))

    # --- Xarios ---------------------------------------------------------------------------------

    @app.get("/api/v1.0/billingdata", tags=["Xarios"])
    def billingdata() -> Response:
        """Every invoice (one per closed month)."""
        return _json(xarios_json.invoice_list(dataset))

    @app.get("/api/v1.0/billingdata/{invoice_id}", tags=["Xarios"])
    def billingdata_invoice(invoice_id: str, request: Request) -> Response:
        """One invoice with its items: PRICE items, then net SUM, VAT and total; ``304`` when ``If-None-Match``
        names its ``ETag``."""
        inv = xarios_invoice(invoice_id)
        tag = etag(dataset, inv, speaking.dialect) if speaking.dialect.etags else None
        if tag is not None and unchanged(request.headers.get("if-none-match"), tag):
            return Response(status_code=304, headers={"ETag": tag})
        answer = _json(xarios_json.invoice_envelope(dataset, inv))
        if tag is not None:
            answer.headers["ETag"] = tag
        return answer

    @app.get("/api/v1.0/billingdata/{invoice_id}/detail", tags=["Xarios"])
    def billingdata_detail(invoice_id: str) -> Response:
        """A ZIP with the invoice JSON and a CSV of its PRICE items."""
        inv = xarios_invoice(invoice_id)
        content = dataset.cached("zip", inv.period, lambda: detail_zip(dataset, inv))
        return _binary(content, f"invoice-{inv.invoice_id}.zip")

    @app.get("/api/v1.0/billingdata/{invoice_id}/summary", tags=["Xarios"])
    def billingdata_summary(invoice_id: str) -> Response:
        """The PDF invoice."""
        inv = xarios_invoice(invoice_id)
        content = dataset.cached("pdf", inv.period, lambda: invoice_pdf(inv))
        return _binary(content, f"invoice-{inv.invoice_id}.pdf")

    # --- sandbox control ------------------------------------------------------------------------

    @app.post("/_sandbox/faults", tags=["Sandbox"], status_code=204)
    def arm_fault(fault: Fault) -> Response:
        """Fault the next ``count`` matching API requests (see xlbilling._sandbox.faults)."""
        switch.arm(fault)
        return Response(status_code=204)

    @app.delete("/_sandbox/faults", tags=["Sandbox"], status_code=204)
    def reset_faults() -> Response:
        """Serve every request normally again."""
        switch.reset()
        return Response(status_code=204)

    @app.post("/_sandbox/dialect", tags=["Sandbox"], status_code=204)
    def set_dialect(dialect: Dialect) -> Response:
        """Speak another dialect: renamed keys, an envelope, a paging style (see xlbilling._sandbox.dialects)."""
        speaking.set(dialect)
        return Response(status_code=204)

    @app.delete("/_sandbox/dialect", tags=["Sandbox"], status_code=204)
    def plain_dialect() -> Response:
        """Speak the sandbox's own dialect again."""
        speaking.set(Dialect())
        return Response(status_code=204)

    @app.post("/_sandbox/adjust", tags=["Sandbox"], status_code=204)
    def change_data(change: Adjustment) -> Response:
        """Change the data while it runs: more units of a SKU for one customer (see xlbilling._sandbox.adjust)."""
        try:
            adjust(dataset, change)
        except InputError as error:
            raise _Failure(400, {"message": error.message}) from None
        return Response(status_code=204)

    @app.post("/_sandbox/reissue", tags=["Sandbox"], status_code=204)
    def reissue_invoice(reissue: Reissue) -> Response:
        """Issue a Xarios invoice again, changed (see xlbilling._sandbox.reissue)."""
        dataset.reissue(xarios_invoice(reissue.invoice_id).period, reissue.same_total)
        return Response(status_code=204)

    @app.get("/_sandbox/discrepancies", tags=["Sandbox"])
    def seeded_discrepancies() -> Response:
        """The seeded differences between Xarios charges and Atria billing."""
        return _json([d.as_json() for d in discrepancies(dataset)])

    app.add_middleware(_CaseInsensitiveAtria)
    app.add_middleware(DialectMiddleware, switch=speaking)
    app.add_middleware(FaultMiddleware, switch=switch)
    app.add_middleware(BearerAuth, token=token)
    if requests is not None:
        app.add_middleware(RequestLog, requests=requests)
    return app


class _CaseInsensitiveAtria:
    """Lower-case Atria paths and map query names to their canonical case, as ASP.NET matches them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].lower().startswith(ATRIA_PREFIX):
            query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            query = [(_ATRIA_QUERY.get(k.lower(), k), v) for k, v in query]
            path = scope["path"].lower()
            scope = {**scope, "path": path, "raw_path": path.encode(), "query_string": urlencode(query).encode()}
        await self.app(scope, receive, send)


class Sandbox(Background):
    """A running sandbox server; use as a context manager or call ``stop()``."""

    def __init__(
        self,
        dataset: Dataset,
        token: str,
        server: uvicorn.Server,
        thread: threading.Thread,
        host: str,
        port: int,
        requests: list[str],
    ) -> None:
        super().__init__(server, thread)
        self.dataset = dataset
        self.token = token
        self.requests = requests
        self.url = f"http://{host}:{port}"

    def __repr__(self) -> str:
        return f"Sandbox(url={self.url!r})"


def make_server(app: ASGIApp) -> uvicorn.Server:
    """A quiet uvicorn server for a sandbox app (no access log, so no request lines anywhere; the app's
    ``requests`` list collects them for tests)."""
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2)
    return uvicorn.Server(config)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0 = any free port); InputError when the port is taken."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    if os.name != "nt":  # on Windows SO_REUSEADDR would let two servers share the port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise InputError(
            f"Cannot listen on {host}:{port}: {error.strerror}.", "Choose another --port or stop the program using it."
        ) from None
    sock.listen(128)  # connections made before the server runs wait instead of being refused
    return sock


def start_sandbox(
    seed: int = 1,
    customers: int = 25,
    today: date | str | None = None,
    token: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    dialect: Dialect | None = None,
    replay: Path | None = None,
) -> Sandbox:
    """Start the sandbox in a daemon thread and return once it accepts connections.

    ``today`` (a date or ``yyyy-mm-dd``) fixes the open period; the default is the real today. A random
    token is made when none is given. ``dialect`` serves the data in another dialect; ``replay`` serves the
    answers recorded in that folder (``xlbilling doctor --record``) instead of the data set.
    """
    day = date.fromisoformat(today) if isinstance(today, str) else today
    dataset = Dataset(seed, customers, day)
    token = token or secrets.token_urlsafe(24)
    sock = bind(host, port)
    requests: list[str] = []
    if replay is not None:
        from xlbilling._sandbox.replay import replay_app  # it guards its answers with this module's middleware

        app: ASGIApp = replay_app(replay, token, requests)
    else:
        app = build_app(dataset, token, requests, dialect)
    server = make_server(app)
    thread = start_in_thread(server, sock, "xlbilling-sandbox")
    return Sandbox(dataset, token, server, thread, host, sock.getsockname()[1], requests)
