"""What ``xlbilling serve`` and ``xlbilling users`` run with: the options typed, else the ``[serve]`` table of
the config file, else the defaults (the user data folder for the users' database and the job folders).

```toml
[serve]
public_url = "https://billing.example.com"
mapping = ["product-map.csv", "tenant-map.csv"]   # relative paths: next to the config file
prices = "prices.csv"
register = "customers.csv"
out = "/var/lib/xlbilling/jobs"
db = "/var/lib/xlbilling/serve.sqlite3"
rate_limit = 600                                  # requests per user per minute
```
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from xlbilling._config.settings import SERVE_KEYS
from xlbilling._errors import ConfigError, InputError

TABLE = "serve"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8766
DEFAULT_RATE_LIMIT = 600
ADDIN = Path(__file__).resolve().parent / "addin"
"""The add-in's shipped static files, served at ``/addin/``."""


@dataclass(frozen=True)
class ServeSettings:
    """Everything the server needs: where it listens, the address users reach it at (``public_url``, an
    origin such as ``https://billing.example.com``), its files and folders, and the per-user rate limit."""

    public_url: str
    db: Path
    out: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    mappings: tuple[Path, ...] = ()
    prices: Path | None = None
    register: Path | None = None
    template: Path | None = None
    rate_limit: int = DEFAULT_RATE_LIMIT
    addin: Path = ADDIN
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None


def data_folder() -> Path:
    """The user data folder (``~/.local/share/xlbilling`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("xlbilling", appauthor=False))


def config_table(config_file: Path | None) -> dict[str, Any]:
    """The ``[serve]`` table of the config file, its relative paths made relative to the file's folder (empty
    when there is no file or no table). The file itself was checked by ``load_settings``."""
    if config_file is None or not config_file.is_file():
        return {}
    try:
        table = tomllib.loads(config_file.read_text(encoding="utf-8-sig")).get(TABLE, {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"The config file {config_file} cannot be read ({error}).", "Fix it.") from None
    if not isinstance(table, dict):
        raise ConfigError(f"[{TABLE}] in {config_file} must be a table.", f"Write it as [{TABLE}] with keys below it.")
    found: dict[str, Any] = {}
    for key, value in table.items():
        where = f"{key} under [{TABLE}] in {config_file}"
        if key == "rate_limit":
            found[key] = _whole(value, where)
        elif key == "public_url":
            found[key] = _text(value, where)
        elif key == "mapping":
            values = value if isinstance(value, list) else [value]
            found[key] = tuple(config_file.parent / Path(_text(each, where)).expanduser() for each in values)
        elif key in SERVE_KEYS:
            found[key] = config_file.parent / Path(_text(value, where)).expanduser()
    return found


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be text in quotes, not {value!r}.", "Fix it and try again.")
    return value.strip()


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where} must be a whole number above 0, not {value!r}.", "e.g. 600")
    return value


def db_path(given: Path | None, config_file: Path | None) -> Path:
    """The users' database: ``--db``, else ``db`` under ``[serve]``, else ``serve.sqlite3`` in the user data
    folder."""
    return given or config_table(config_file).get("db") or data_folder() / "serve.sqlite3"


def serve_settings(given: Mapping[str, Any], config_file: Path | None) -> ServeSettings:
    """The server's settings from the options ``given`` (``None`` where not typed; ``mappings`` empty) over
    the ``[serve]`` table of ``config_file`` over the defaults."""
    table = config_table(config_file)
    host = given.get("host") or DEFAULT_HOST
    port = DEFAULT_PORT if given.get("port") is None else int(given["port"])
    chosen = given.get("public_url") or table.get("public_url")
    scheme = "https" if given.get("ssl_certfile") else "http"
    public_url = public_origin(chosen) if chosen else f"{scheme}://{_bracketed(host)}:{port}"
    return ServeSettings(
        public_url=public_url,
        db=given.get("db") or table.get("db") or data_folder() / "serve.sqlite3",
        out=given.get("out") or table.get("out") or data_folder() / "jobs",
        host=host,
        port=port,
        mappings=tuple(given.get("mappings") or ()) or table.get("mapping", ()),
        prices=given.get("prices") or table.get("prices"),
        register=given.get("register") or table.get("register"),
        template=given.get("template") or table.get("template"),
        rate_limit=given.get("rate_limit") or table.get("rate_limit") or DEFAULT_RATE_LIMIT,
        ssl_certfile=given.get("ssl_certfile"),
        ssl_keyfile=given.get("ssl_keyfile"),
    )


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def public_origin(text: str) -> str:
    """The origin of the address users reach the server at (``https://billing.example.com``, a port allowed);
    ``InputError`` for anything else: another scheme, a path, a query, a user name."""
    hint = "Give the server's https origin only, such as https://billing.example.com (no path)."
    try:
        parts = urlsplit(text.strip())
        parts.port  # noqa: B018  (reading it checks it)
    except ValueError:
        raise InputError(f"The public URL {text!r} is not a URL.", hint) from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
        or parts.path not in ("", "/")
    ):
        raise InputError(f"The public URL {text!r} is not the origin of a web server.", hint)
    return f"{parts.scheme}://{parts.netloc.lower()}"
