"""Secrets in notification URLs kept out of every message, log line and report: a URL is shown as its scheme and
host only (``mailto://alerts@smtp.example.com/…``, ``slack://…``), and any text is masked of the URLs' secret
parts (passwords, tokens in paths, query values) before anyone sees it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

SERVER_SCHEMES = frozenset({"mailto", "mailtos", "json", "jsons", "xml", "xmls", "form", "forms"})
"""Schemes whose host is a server's name, safe to show; in every other scheme the host part is a token."""
MASK = "***"
_SHORTEST = 4
"""Shorter parts are not masked: they cannot be a secret worth the name, and masking them would garble text."""
_TOKEN = 8
"""A part of a path this long (or holding a digit) is taken for a token."""


def shown(url: str) -> str:
    """``url`` as it may be printed: its scheme, and for e-mail and webhooks the user and host, never a
    password, path or query."""
    try:
        parts = urlsplit(url.strip())
        host, port, user = parts.hostname, parts.port, parts.username
    except ValueError:
        return "(a URL that cannot be read)"
    scheme = parts.scheme.lower() or "?"
    if scheme not in SERVER_SCHEMES or not host:
        return f"{scheme}://…"
    where = f"{user}@{host}" if user else host
    rest = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{scheme}://{where}{f':{port}' if port else ''}{rest}"


def _pieces(url: str) -> set[str]:
    """The parts of ``url`` that may be secret, as written and decoded: the password and query values always
    (when not tiny), the path's parts (the whole URL but the scheme for other schemes) when they look like a
    token, so that a plain word such as ``/close`` in a webhook's path is not masked out of every message."""
    try:
        parts = urlsplit(url.strip())
        password = parts.password
    except ValueError:
        return {url}
    found = {url.strip(), password or ""}
    found.update(value for _, value in parse_qsl(parts.query, keep_blank_values=True))
    if parts.scheme.lower() in SERVER_SCHEMES:
        paths = parts.path.split("/")
    else:
        paths = re.split(r"[/?&=:@,;#]", url.strip().split("://", 1)[-1])
    found.update(piece for piece in paths if _token_like(piece))
    return {text for piece in found for text in (piece, unquote(piece)) if len(text) >= _SHORTEST}


def _token_like(piece: str) -> bool:
    """Whether a part of a URL's path may be a token: long, or holding a digit."""
    return len(piece) >= _TOKEN or (len(piece) >= _SHORTEST and any(ch.isdigit() for ch in piece))


class Secrets:
    """The secret parts of some URLs; ``mask`` takes them out of any text."""

    def __init__(self, urls: Iterable[str]) -> None:
        self.urls = [url for url in urls if url.strip()]
        pieces = {piece for url in self.urls for piece in _pieces(url)}
        self._pieces = sorted(pieces, key=len, reverse=True)
        self._shown = {url.strip(): shown(url) for url in self.urls}

    def mask(self, text: str) -> str:
        """``text`` with each URL shown safely and every secret part replaced by ``***``."""
        for url, safe in sorted(self._shown.items(), key=lambda item: len(item[0]), reverse=True):
            text = text.replace(url, safe)
        for piece in self._pieces:
            text = text.replace(piece, MASK)
        return text
