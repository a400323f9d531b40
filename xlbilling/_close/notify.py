"""Notifications of a close through the Apprise library, to wherever the team looks: each URL (``mailto://``,
``msteams://``, ``slack://``, ``json://host/path``...) gets the report's headline as its title, a few lines as
its body, and the report attached where the channel takes files (``report.json`` for a webhook, ``report.html``
elsewhere). Each URL is sent to on its own, so one that fails is named; Apprise's own log lines are kept from
the terminal and masked of the URLs' secrets before they reach the report. Apprise is imported here only, when
a close has somewhere to send."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from xlbilling._close.secrets import Secrets, shown

WEBHOOKS = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})
"""Schemes that get ``report.json`` attached: programs read them."""
SENT, FAILED, PENDING = "sent", "failed", "pending"


def send(
    urls: list[str], title: str, body: str, attachments: dict[str, Path], secrets: Secrets
) -> list[dict[str, str | None]]:
    """Send ``title`` and ``body`` to each URL with the report attached (``attachments``: "json" and "html" to
    their files, when they exist); one entry per URL: ``to`` (shown safely), ``status`` ("sent" or "failed")
    and ``error`` (masked)."""
    import apprise

    results: list[dict[str, str | None]] = []
    for url in urls:
        app = apprise.Apprise()
        with _heard() as heard:
            known = app.add(url)
            if not known:
                results.append(_failed(url, "not a notification URL Apprise knows: check its form", heard, secrets))
                continue
            kind = "json" if urlsplit(url).scheme.lower() in WEBHOOKS else "html"
            attach = str(attachments[kind]) if kind in attachments and attachments[kind].is_file() else None
            try:
                ok = bool(app.notify(title=title, body=body, attach=attach))
            except Exception as error:  # a plugin's own failure must not hide the close's result
                heard.append(f"{type(error).__name__}: {error}")
                ok = False
        results.append({"to": shown(url), "status": SENT, "error": None} if ok else _failed(url, "", heard, secrets))
    return results


def _failed(url: str, reason: str, heard: list[str], secrets: Secrets) -> dict[str, str | None]:
    said = "; ".join([reason] * bool(reason) + heard) or "Apprise could not send it"
    return {"to": shown(url), "status": FAILED, "error": secrets.mask(said)}


@contextmanager
def _heard() -> Iterator[list[str]]:
    """Apprise's warnings while the block runs, kept from every other log handler (they may hold a URL)."""
    logger = logging.getLogger("apprise")
    heard: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            heard.append(record.getMessage())

    handler = Keep(logging.WARNING)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield heard
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
