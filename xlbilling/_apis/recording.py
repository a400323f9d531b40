"""A recording of API answers with personal data replaced, for a support request: ``xlbilling doctor --record``.

Every answer an ``ApiClient`` receives (``Recorder.attach``) is kept and, once ``finish`` is called, written
to a folder with an ``index.json`` (request -> file) and a ``README.txt`` saying what was replaced. Customer,
user, company, tenant and reseller names, e-mail addresses, street addresses and user names become
``Name 001``, ``user001@example.invalid``, ``Place 001`` (the same original always the same stand-in, in
every file), also where they stand inside other text; codes, dates, quantities and money are kept so a
problem reproduces. Tokens, cookies and headers are never written; a PDF is replaced by an empty one.
``xlbilling sandbox --replay DIR`` serves the folder again (``xlbilling._sandbox.replay``).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson

from xlbilling._apis.transport.checks import query_value, redacted
from xlbilling._apis.transport.client import ApiClient

INDEX = "index.json"
#: Keys (and name/value pair names, CSV columns) whose values are personal, lower case -> the stand-in's kind.
PERSONAL = {
    **dict.fromkeys(("customername", "accountname", "tenantname", "resellername", "billtocustomername",
                     "billedby", "companyname", "contactname", "firstname", "lastname", "displayname"), "Name"),
    **dict.fromkeys(("username", "user", "email", "actionedby", "userprincipalname", "upn"), "user"),
    **dict.fromkeys(("addressline1", "addressline2", "address", "street", "city", "town", "region", "state",
                     "county", "postalcode", "postcode", "zip", "phone"), "Place"),
}  # fmt: skip
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PDF = b"%PDF-1.4\n% xlbilling: the recorded PDF is left out (it holds names and addresses)\n%%EOF\n"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)
README = """This folder is a recording of the answers xlbilling {version} received from {apis}, made by
`xlbilling doctor --record`. Serve it with `xlbilling sandbox --replay <this folder>` to reproduce a problem
without the original server.

Replaced, consistently in every file (the same original is always the same stand-in):
- customer, company, account, tenant, reseller and Bill To names -> "Name 001", "Name 002", ...
- user names, e-mail addresses and "actioned by" -> "user001@example.invalid", ...
- street addresses, towns, regions, postcodes and phone numbers -> "Place 001", ...
- any of these inside other text (a line description naming a user), and any other e-mail address.
Kept as received: codes and ids, SKUs, dates, quantities, money, and every key name.
Never written: tokens, cookies and every HTTP header; PDF invoices (an empty PDF stands in for each).
{count} answers: see index.json for which request each file answers.
"""


def request_key(path: str, params: Iterable[tuple[str, Any]] = ()) -> str:
    """A request as recordings match it: the path in lower case (no host), then the query sorted."""
    parts = urlsplit(path)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *((k, str(query_value(v))) for k, v in params)]
    return parts.path.lower() + ("?" + urlencode(sorted(query)) if query else "")


@dataclass
class _Answer:
    key: str
    content_type: str
    body: bytes


@dataclass
class Recorder:
    """Keeps every answer of the clients it is attached to; ``finish`` writes them, personal data replaced.
    ``secrets`` (the tokens) are blanked wherever they might appear."""

    folder: Path
    secrets: tuple[str, ...] = ()
    answers: list[_Answer] = field(default_factory=list)
    origins: set[str] = field(default_factory=set)
    apis: list[str] = field(default_factory=list)

    def attach(self, client: ApiClient) -> None:
        """Record every answer ``client`` receives from now on."""
        base = urlsplit(client.base_url)
        self.origins.add(f"{base.scheme}://{base.netloc}")
        self.apis.append(client.api)

        def keep(path: str, query: dict[str, Any], status: int, content_type: str, body: bytes) -> None:
            self.answers.append(_Answer(request_key(path, query.items()), content_type, body))

        client.observe = keep

    def finish(self, version: str) -> Path:
        """Write the recording (replacing what was there) and return its folder."""
        self.folder.mkdir(parents=True, exist_ok=True)
        names = _Names()
        bodies = [(answer, names.scrub(answer.body, answer.content_type)) for answer in self.answers]
        index = []
        for number, (answer, body) in enumerate(bodies, start=1):
            text = self._clean(names.replace_inside(body))
            name = f"{number:03d}{_suffix(answer.content_type, text)}"
            (self.folder / name).write_bytes(text)
            index.append({"request": f"GET {answer.key}", "file": name, "content_type": answer.content_type})
        (self.folder / INDEX).write_bytes(orjson.dumps({"format": 1, "answers": index}, option=orjson.OPT_INDENT_2))
        readme = README.format(version=version, apis=" and ".join(dict.fromkeys(self.apis)), count=len(index))
        (self.folder / "README.txt").write_text(readme, encoding="utf-8")
        return self.folder

    def _clean(self, body: bytes) -> bytes:
        """``body`` with its links made relative to the server and no secret in it."""
        if body.startswith(b"PK") or body.startswith(b"%PDF"):
            return body
        text = body.decode("utf-8", errors="replace")
        for origin in self.origins:
            text = text.replace(origin, "")
        for secret in self.secrets:
            text = redacted(text, secret)
        return text.encode("utf-8")


def _suffix(content_type: str, body: bytes) -> str:
    if body.startswith(b"PK"):
        return ".zip"
    if body.startswith(b"%PDF"):
        return ".pdf"
    return ".json" if "json" in content_type else ".bin"


class _Names:
    """The stand-in of every personal value met, made on first sight and reused after."""

    def __init__(self) -> None:
        self.found: dict[str, str] = {}
        self.counts: dict[str, int] = {}

    def stand_in(self, value: Any, kind: str) -> Any:
        if not isinstance(value, str) or not value.strip():
            return value
        if value not in self.found:
            kind = "user" if _EMAIL.fullmatch(value) else kind
            self.counts[kind] = self.counts.get(kind, 0) + 1
            number = self.counts[kind]
            self.found[value] = f"user{number:03d}@example.invalid" if kind == "user" else f"{kind} {number:03d}"
        return self.found[value]

    def scrub(self, body: bytes, content_type: str) -> bytes:
        """``body`` with the personal values of its known keys replaced (JSON, the detail ZIP; a PDF goes)."""
        if body.startswith(b"%PDF"):
            return _PDF
        if body.startswith(b"PK"):
            return self._zip(body)
        try:
            return orjson.dumps(self._json(orjson.loads(body)))
        except orjson.JSONDecodeError:
            return body  # kept as received, so a broken answer reproduces (names inside are still replaced)

    def replace_inside(self, body: bytes) -> bytes:
        """Every original met, and any e-mail address, replaced wherever it stands inside other text (also in
        the files of a ZIP)."""
        if body.startswith(b"%PDF"):
            return body
        if body.startswith(b"PK"):
            return _members(body, lambda _, content: self.replace_inside(content))
        text = body.decode("utf-8", errors="replace")
        for original in sorted((o for o in self.found if len(o) >= 4), key=len, reverse=True):
            text = text.replace(original, self.found[original])
        return _EMAIL.sub(lambda m: self.stand_in(m.group(0), "user"), text).encode("utf-8")

    def _json(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._json(inner) for inner in value]
        if not isinstance(value, dict):
            return value
        lowered = {key.lower(): key for key in value}
        pair = PERSONAL.get(str(value.get(lowered.get("name", ""), "")).lower()) if "value" in lowered else None
        out = {}
        for key, inner in value.items():
            kind = pair if pair and key.lower() == "value" else PERSONAL.get(key.lower())
            out[key] = self.stand_in(inner, kind) if kind else self._json(inner)
        return out

    def _zip(self, blob: bytes) -> bytes:
        def member(name: str, content: bytes) -> bytes:
            if name.lower().endswith(".csv"):
                return self._csv(content)
            return self.scrub(content, "application/json") if name.lower().endswith(".json") else content

        return _members(blob, member)

    def _csv(self, content: bytes) -> bytes:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        if not rows:
            return content
        kinds = [PERSONAL.get(name.strip().lower()) for name in rows[0]]
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(rows[0])
        for row in rows[1:]:
            writer.writerow([self.stand_in(v, k) if k else v for v, k in zip(row, kinds, strict=False)])
        return text.getvalue().encode("utf-8")


def _members(blob: bytes, change: Callable[[str, bytes], bytes]) -> bytes:
    """The ZIP ``blob`` with each file's content changed by ``change(name, content)`` (fixed timestamps)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(
                zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME), change(info.filename, source.read(info))
            )
    return out.getvalue()
