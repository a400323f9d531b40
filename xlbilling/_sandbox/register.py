"""The sandbox customers' e-invoice details: the sample customer register shipped beside ``prices.csv``.

Each customer gets a UK VAT number, a Peppol electronic address (a GLN, scheme 0088, with a valid check
digit), a buyer reference or a purchase order and an accounts e-mail; a few lack something on purpose, so
their e-invoices fail and say what to fill: every seventh has no electronic address, every eleventh no
reference. Run ``python -m xlbilling._sandbox.register [PATH]`` to rewrite the shipped
``xlbilling/_sandbox/data/customers.csv`` (the default data set, seed 1).
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from xlbilling._files import write_atomically
from xlbilling._inputs.register import COLUMNS, KEY
from xlbilling._sandbox.dataset import Customer, Dataset
from xlbilling._values.cells import is_formula_like

SHIPPED = Path(__file__).parent / "data" / "customers.csv"


def gln(base: str) -> str:
    """A 13-digit GS1 GLN: the 12 digits of ``base`` and their check digit."""
    total = sum(int(digit) * (3 if place % 2 == 0 else 1) for place, digit in enumerate(reversed(base)))
    return base + str((10 - total % 10) % 10)


def vat_number(index: int) -> str:
    """A UK VAT number (GB and nine digits) whose last two digits pass the modulus 97 check."""
    digits = f"{100000 + index * 7919:07d}"[-7:]
    weighted = sum(int(digit) * weight for digit, weight in zip(digits, range(8, 1, -1), strict=True))
    check = -weighted % 97
    return f"GB{digits}{check:02d}"


def buyer_row(index: int, customer: Customer) -> dict[str, str]:
    """The register row of the ``index``-th customer (counting from 1)."""
    slug = customer.domain.split(".")[0]
    return {
        KEY: customer.account_code,
        "legal_name": "" if is_formula_like(customer.name) else customer.name,  # empty: Atria's name
        "vat_id": vat_number(index),
        "electronic_address": "" if index % 7 == 0 else gln(f"50{index:010d}"),
        "electronic_address_scheme": "" if index % 7 == 0 else "0088",
        "buyer_reference": "" if index % 11 == 0 else f"{slug[:12].upper()}-IT",
        "purchase_order": f"PO-{2026000 + index}" if index % 3 == 0 and index % 11 else "",
        "email": f"accounts@{customer.domain}",
        "country": "GB",
    }


def register_csv(dataset: Dataset) -> str:
    """The register of ``dataset``'s customers as CSV text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, (KEY, *COLUMNS), lineterminator="\n")
    writer.writeheader()
    for index, customer in enumerate(dataset.customers, start=1):
        writer.writerow(buyer_row(index, customer))
    return out.getvalue()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SHIPPED
    write_atomically(target, register_csv(Dataset(seed=1)).encode("utf-8"))
    print(target)
