"""The month-end close's settings: the config file's ``[close]`` table (where the folders go, which price list,
mapping, register and e-invoices) and ``[notify] urls`` (where the team hears of each close).

```toml
[close]
out = "D:/Billing/close"          # one folder per period inside it
prices = "prices.csv"             # relative paths are taken from the config file's folder
mapping = ["product-map.csv"]     # a path or a list of paths
einvoice = "ubl"                  # ubl, facturx or both; needs register
register = "customers.csv"
workbook = "billing.xlsx"         # the billing workbook to copy (default: the shipped template)
reviews = "decisions.csv"         # decisions kept apart from the close's own reconciliation workbook
pdf = true                        # default: when LibreOffice is installed
tax_rate = "20%"
workers = 2                       # processes writing invoices and printing PDFs

[notify]
urls = ["mailto://user:password@smtp.example.com?to=billing@example.com"]
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlbilling._errors import ConfigError

CLOSE_KEYS = ("out", "prices", "mapping", "register", "einvoice", "workbook", "reviews", "pdf", "tax_rate", "workers")
NOTIFY_KEYS = ("urls",)
_PATHS = ("out", "prices", "register", "workbook", "reviews")
EINVOICES = ("ubl", "facturx", "both")


@dataclass(frozen=True)
class CloseSettings:
    """What ``[close]`` and ``[notify]`` say (paths already taken relative to the config file's folder);
    ``pdf`` None means: PDFs when LibreOffice is installed."""

    out: Path | None = None
    prices: Path | None = None
    mapping: tuple[Path, ...] = ()
    register: Path | None = None
    einvoice: str | None = None
    workbook: Path | None = None
    reviews: Path | None = None
    pdf: bool | None = None
    tax_rate: str | None = None
    workers: int = 1
    notify: tuple[str, ...] = ()


def read_close(data: Mapping[str, Any], path: Path) -> CloseSettings:
    """The ``[close]`` and ``[notify]`` tables of the parsed config file at ``path``; ``ConfigError`` naming
    the key when a value has the wrong type."""
    close = data.get("close") if isinstance(data.get("close"), dict) else {}
    notify = data.get("notify") if isinstance(data.get("notify"), dict) else {}
    assert isinstance(close, dict) and isinstance(notify, dict)
    found: dict[str, Any] = {}
    for key in _PATHS:
        if key in close:
            found[key] = _path(close[key], f"{key} under [close] in {path}", path.parent)
    if "mapping" in close:
        given = close["mapping"] if isinstance(close["mapping"], list) else [close["mapping"]]
        found["mapping"] = tuple(_path(item, f"mapping under [close] in {path}", path.parent) for item in given)
    if "einvoice" in close:
        choice = str(close["einvoice"]).strip().lower()
        if choice not in EINVOICES:
            raise ConfigError(
                f"einvoice under [close] in {path} must be ubl, facturx or both, not {close['einvoice']!r}."
            )
        found["einvoice"] = choice
    if "pdf" in close:
        if not isinstance(close["pdf"], bool):
            raise ConfigError(f"pdf under [close] in {path} must be true or false, not {close['pdf']!r}.")
        found["pdf"] = close["pdf"]
    if "workers" in close:
        if not isinstance(close["workers"], int) or isinstance(close["workers"], bool) or close["workers"] < 1:
            raise ConfigError(
                f"workers under [close] in {path} must be a whole number from 1, not {close['workers']!r}."
            )
        found["workers"] = close["workers"]
    if "tax_rate" in close:
        found["tax_rate"] = str(close["tax_rate"]).strip()
    urls = notify.get("urls", [])
    urls = [urls] if isinstance(urls, str) else urls
    if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
        raise ConfigError(
            f"urls under [notify] in {path} must be a list of URLs in quotes.", 'e.g. urls = ["json://host/path"]'
        )
    return CloseSettings(**found, notify=tuple(url.strip() for url in urls if url.strip()))


def _path(value: Any, where: str, folder: Path) -> Path:
    """A path setting: text, relative to ``folder`` unless absolute (``~`` is the user's home)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be a path in quotes, not {value!r}.", "Fix it and try again.")
    given = Path(value.strip()).expanduser()
    return given if given.is_absolute() else folder / given
