"""Who issues the invoices: the ``Seller`` of the config file's ``[seller]`` table (each key overridden by its
environment variable ``XLBILLING_SELLER_<KEY>``), and its sample.

Besides what the invoice workbook shows (name, address, VAT and company numbers, contact, bank details,
logo), the seller carries what an e-invoice needs: the country code (BT-40), city and post code, the
electronic address and its scheme (BT-34), the payment means code (BT-81), the VAT category of zero-rated
lines (Z or E, with an exemption reason) and whether intra-EU customers are reverse charged (AE).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlbilling._errors import ConfigError
from xlbilling._values.cells import flag

#: The keys of the config file's ``[seller]`` table, in the order ``xlbilling config`` shows them.
SELLER_KEYS = ("name", "address", "city", "postal_code", "country", "country_code", "vat_id", "company_id", "email",
               "phone", "contact_name", "electronic_address", "electronic_address_scheme", "bank_name",
               "account_name", "sort_code", "account_number", "iban", "bic", "payment_means", "payment_terms",
               "zero_rate_category", "exemption_reason", "reverse_charge", "logo")  # fmt: skip
SELLER_ENV = {key: f"XLBILLING_SELLER_{key.upper()}" for key in SELLER_KEYS}


@dataclass(frozen=True)
class Seller:
    """Who issues the invoices: shown on them through ``{{ seller.* }}`` placeholders. ``address`` holds the
    address lines (the ``country`` apart); bank details are kept as given. ``sample`` marks the example seller
    used when none is configured (``SAMPLE_SELLER``). ``country_code`` (ISO 3166, "GB"), ``electronic_address``
    and ``electronic_address_scheme`` (a Peppol EAS code such as "0088"), ``payment_means`` (UNCL 4461: "30"
    credit transfer, "58" SEPA credit transfer), ``zero_rate_category`` ("Z" zero rated or "E" exempt, with
    ``exemption_reason``) and ``reverse_charge`` are read by e-invoices only."""

    name: str | None = None
    address: tuple[str, ...] = ()
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    country_code: str | None = None
    vat_id: str | None = None
    company_id: str | None = None
    email: str | None = None
    phone: str | None = None
    contact_name: str | None = None
    electronic_address: str | None = None
    electronic_address_scheme: str | None = None
    bank_name: str | None = None
    account_name: str | None = None
    sort_code: str | None = None
    account_number: str | None = None
    iban: str | None = None
    bic: str | None = None
    payment_means: str | None = None
    payment_terms: str | None = None
    zero_rate_category: str | None = None
    exemption_reason: str | None = None
    reverse_charge: bool = False
    logo: Path | None = None
    sample: bool = False

    @property
    def configured(self) -> bool:
        """Whether this is a real seller: at least its name is set (and it is not the sample)."""
        return bool(self.name) and not self.sample


#: The example seller of the shipped template, used (and marked SAMPLE) while no seller is configured: the
#: sandbox's MSP, named unlike any customer. Its e-invoice details are examples too (a GLN that passes its check
#: digit), so sample e-invoices validate.
SAMPLE_SELLER = Seller(
    name="Example MSP Ltd",
    address=("12 Harbour Road",),
    city="Leeds",
    postal_code="LS1 4AB",
    country="United Kingdom",
    country_code="GB",
    vat_id="GB 123 4567 89",
    email="billing@msp.example",
    phone="+44 113 496 0000",
    electronic_address="5060000000009",
    electronic_address_scheme="0088",
    account_name="Example MSP Ltd",
    sort_code="00-00-00",
    account_number="00000000",
    sample=True,
)


def text_setting(value: Any, where: str) -> str | None:
    """A text setting, stripped; None when empty."""
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be text in quotes, not {value!r}.", "Fix it and try again.")
    return value.strip() or None


def seller_value(key: str, value: Any, where: str, folder: Path | None) -> Any:
    """One ``[seller]`` value: text, the address as a list of lines (or text split at new lines and ";"),
    the logo as a path (relative to the config file's folder), ``reverse_charge`` as true or false."""
    if key == "address":
        lines = value if isinstance(value, list) else [value]
        if not all(isinstance(line, str) for line in lines):
            raise ConfigError(f"{where} must be text or a list of lines in quotes, not {value!r}.", "Fix it.")
        parts = [part.strip() for line in lines for part in line.replace(";", "\n").splitlines()]
        return tuple(part for part in parts if part) or None
    if key == "reverse_charge":
        given = flag(value)
        if given is None:
            raise ConfigError(f"{where} must be true or false, not {value!r}.", "e.g. reverse_charge = true")
        return given
    text = text_setting(value, where)
    if key == "logo" and text is not None:
        path = Path(text).expanduser()
        return path if path.is_absolute() or folder is None else folder / path
    if key in ("country_code", "zero_rate_category") and text is not None:
        text = text.upper()
        allowed = ("Z", "E") if key == "zero_rate_category" else None
        if (allowed and text not in allowed) or (not allowed and not (len(text) == 2 and text.isalpha())):
            raise ConfigError(
                f"{where} must be {'Z or E' if allowed else 'a two-letter country code'}, not {value!r}.",
                'e.g. zero_rate_category = "Z" (zero rated) or "E" (exempt)' if allowed else 'e.g. "GB"',
            )
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
