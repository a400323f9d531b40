"""A recording made by ``xlbilling doctor --record`` served again on loopback: ``xlbilling sandbox --replay DIR``.

Each request is answered with the recorded answer to the same path and query (path case and query order
ignored), behind the same bearer-token check as the sandbox; anything not recorded gets a 404 saying so.
"""

from __future__ import annotations

from pathlib import Path

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from xlbilling._apis.recording import INDEX, request_key
from xlbilling._errors import InputError
from xlbilling._sandbox.guard import BearerAuth, RequestLog


def recorded(folder: Path) -> dict[str, tuple[str, bytes]]:
    """``request key -> (content type, body)`` of a recording; ``InputError`` when ``folder`` holds none."""
    try:
        index = orjson.loads((folder / INDEX).read_bytes())
        return {
            request_key(entry["request"].split(" ", 1)[1]): (
                entry["content_type"],
                (folder / entry["file"]).read_bytes(),
            )
            for entry in index["answers"]
        }
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise InputError(
            f"{folder} is not a recording xlbilling can replay ({type(error).__name__}: {error}).",
            "Give the folder `xlbilling doctor --record DIR` wrote (it holds index.json).",
        ) from None


def replay_app(folder: Path, token: str, requests: list[str] | None = None) -> ASGIApp:
    """The ASGI app answering from the recording in ``folder``, guarded by ``token``; ``requests`` collects
    each request as the sandbox's does."""
    answers = recorded(folder)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        key = request_key(scope["path"] + "?" + scope["query_string"].decode("latin-1"))
        content_type, body = answers.get(key) or (
            "application/json",
            orjson.dumps({"message": f"Not in the recording: GET {key}"}),
        )
        status = 200 if key in answers else 404
        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    guarded: ASGIApp = BearerAuth(app, token)
    return RequestLog(guarded, requests) if requests is not None else guarded
