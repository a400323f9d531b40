"""The server's one FastAPI app, one origin: the add-in's files at ``/addin/``, its manifest at
``/manifest.xml``, the JSON API at ``/api/``, and a short page at ``/`` (the manifest's support link).

Only ``/api/health``, the manifest, the page and the add-in's files answer without a personal token. No
API documentation is served (the routes are in ``docs/serve.md``), and no CORS header: the pane, the
functions and the API share the origin.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from xlbilling._serve import data, jobs, tables
from xlbilling._serve.errors import answer
from xlbilling._serve.guard import Guard
from xlbilling._serve.headers import SecurityHeaders
from xlbilling._serve.manifest import render
from xlbilling._serve.state import Server, server_of, user_of
from xlbilling._version import __version__

_NOT_FOUND = "No such page on this server."


def build_app(server: Server) -> FastAPI:
    """The ASGI app serving ``server``."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        server.jobs.close()  # queued jobs are dropped; a running one finishes before the process ends

    app = FastAPI(
        title="xlbilling", version=__version__, docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.server = server
    manifest = render(server.settings.public_url).encode("utf-8")

    @app.get("/api/health", include_in_schema=False)
    def health() -> dict[str, Any]:
        """Whether the server answers (no token needed)."""
        return {"ok": True, "version": __version__}

    @app.get("/api/me", include_in_schema=False)
    def me(request: Request) -> dict[str, Any]:
        """Whose token this is: the pane's sign-in check."""
        return {"user": user_of(request)}

    @app.get("/manifest.xml", include_in_schema=False)
    def manifest_xml() -> Response:
        """The add-in's manifest, rendered for the public URL."""
        return Response(manifest, media_type="application/xml")

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        """What the manifest's support link shows."""
        base = html.escape(server_of(request).settings.public_url)
        return HTMLResponse(
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>xlbilling</title></head><body>"
            f"<h1>xlbilling {__version__}</h1><p>This server feeds the xlbilling add-in for Excel. Its manifest is "
            f"<a href='/manifest.xml'>{base}/manifest.xml</a>. To sign in, ask your administrator for a personal "
            "token (<code>xlbilling users add NAME</code>).</p></body></html>"
        )

    app.include_router(data.router)
    app.include_router(tables.router)
    app.include_router(jobs.router)
    app.mount("/addin", StaticFiles(directory=server.settings.addin, check_dir=False), name="addin")

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> Response:
        if error.status_code == 404:
            return answer(404, _NOT_FOUND)
        if error.status_code == 405:
            return answer(405, "This route does not take that method.", dict(error.headers or {}))
        return answer(error.status_code, str(error.detail))

    @app.exception_handler(Exception)
    async def internal(_: Request, error: Exception) -> Response:
        from xlbilling._serve.errors import broken

        return broken(error)

    app.add_middleware(Guard, users=server.users, limit=server.limit)
    app.add_middleware(SecurityHeaders, https=server.settings.public_url.startswith("https://"))
    return app
