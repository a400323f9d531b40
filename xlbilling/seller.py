"""Who issues the invoices: the ``[seller]`` table of the config file, each key overridden by its environment
variable ``XLBILLING_SELLER_<KEY>`` (``XLBILLING_SELLER_NAME``...). Without a name, invoices are SAMPLES."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlbilling.errors import ConfigError

#: The keys of the config file's ``[seller]`` table, in the order ``xlbilling config`` shows them.
SELLER_KEYS = ("name", "address", "country", "vat_id", "company_id", "email", "phone", "bank_name", "account_name",
               "sort_code", "account_number", "iban", "bic", "payment_terms", "logo")  # fmt: skip
SELLER_ENV = {key: f"XLBILLING_SELLER_{key.upper()}" for key in SELLER_KEYS}


def text_setting(value: Any, where: str) -> str | None:
    """A text setting, stripped; None when empty."""
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be text in quotes, not {value!r}.", "Fix it and try again.")
    return value.strip() or None


@dataclass(frozen=True)
class Seller:
    """Who issues the invoices: shown on them through ``{{ seller.* }}`` placeholders. ``address`` holds the
    address lines (the ``country`` apart); bank details are kept as given. ``sample`` marks the example seller
    used when none is configured (``SAMPLE_SELLER``)."""

    name: str | None = None
    address: tuple[str, ...] = ()
    country: str | None = None
    vat_id: str | None = None
    company_id: str | None = None
    email: str | None = None
    phone: str | None = None
    bank_name: str | None = None
    account_name: str | None = None
    sort_code: str | None = None
    account_number: str | None = None
    iban: str | None = None
    bic: str | None = None
    payment_terms: str | None = None
    logo: Path | None = None
    sample: bool = False

    @property
    def configured(self) -> bool:
        """Whether this is a real seller: at least its name is set (and it is not the sample)."""
        return bool(self.name) and not self.sample


#: The example seller of the shipped template, used (and marked SAMPLE) while no seller is configured.
SAMPLE_SELLER = Seller(
    name="Northwind Managed Services Ltd",
    address=("12 Harbour Road", "Leeds LS1 4AB"),
    country="United Kingdom",
    vat_id="GB 123 4567 89",
    email="billing@northwind.example",
    phone="+44 113 496 0000",
    account_name="Northwind Managed Services Ltd",
    sort_code="00-00-00",
    account_number="00000000",
    sample=True,
)


def seller_value(key: str, value: Any, where: str, folder: Path | None) -> Any:
    """One ``[seller]`` value: text, the address as a list of lines (or text split at new lines and ";"),
    the logo as a path (relative to the config file's folder)."""
    if key == "address":
        lines = value if isinstance(value, list) else [value]
        if not all(isinstance(line, str) for line in lines):
            raise ConfigError(f"{where} must be text or a list of lines in quotes, not {value!r}.", "Fix it.")
        parts = [part.strip() for line in lines for part in line.replace(";", "\n").splitlines()]
        return tuple(part for part in parts if part) or None
    text = text_setting(value, where)
    if key == "logo" and text is not None:
        path = Path(text).expanduser()
        return path if path.is_absolute() or folder is None else folder / path
    return text


def load_seller(env: Mapping[str, str], from_file: Mapping[str, Any], path: Path) -> tuple[Seller, dict[str, str]]:
    """The seller from ``XLBILLING_SELLER_*`` variables, else the ``[seller]`` table, and each key's source."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, variable in SELLER_ENV.items():
        raw = env.get(variable, "").strip()
        value = seller_value(key, raw, f"The environment variable {variable}", None) if raw else None
        if value is not None:
            values[key], sources[key] = value, f"environment {variable}"
        elif from_file.get(f"seller_{key}") is not None:
            values[key], sources[key] = from_file[f"seller_{key}"], f"config file {path}"
        else:
            sources[key] = "not set"
    return Seller(**values), sources
