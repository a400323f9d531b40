"""The security headers of every answer: no content sniffing, scripts only from this server and Office's CDN,
no referrer, and API answers never cached. There is no ``X-Frame-Options``: Excel shows the task pane in a
frame of its own page (Excel on the web: an Office origin), which must be allowed to frame it. No CORS
header either: the add-in and the API share one origin."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

OFFICE_CDN = "https://appsforoffice.microsoft.com"
POLICY = "; ".join(
    (
        "default-src 'self'",
        f"script-src 'self' {OFFICE_CDN}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    )
)
"""The Content-Security-Policy: everything from this origin, plus office.js from Microsoft's CDN."""


class SecurityHeaders:
    """ASGI middleware adding the security headers (and HSTS when the server is reached over https)."""

    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app = app
        self.headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"content-security-policy", POLICY.encode()),
            (b"referrer-policy", b"no-referrer"),
        ]
        if https:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/")

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", [])) + self.headers
                headers.append((b"cache-control", b"no-store" if api else b"no-cache"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)
