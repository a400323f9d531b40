"""The seeded differences between what Xarios charges and what Atria bills.

Everywhere else the Xarios quantity per (tenant, product) equals the Atria invoice quantity per
(customer, SKU). The differences sit in the three latest closed periods; the latest one has one of each
category, so a reconciliation of the default period finds all six kinds:

- ``under_billed``: Xarios charges more units than Atria bills.
- ``over_billed``: Xarios charges fewer units than Atria bills.
- ``charged_not_billed``: Xarios charges a tenant for a product Atria does not bill it at all.
- ``billed_not_charged``: Atria bills a SKU Xarios does not charge for.
- ``unmapped_product``: a Xarios part number with no row in ``product-map.csv`` (``sku`` is null).
- ``unmapped_tenant``: a Xarios tenant whose ``TenantCodeExt`` matches no Atria account code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from xlbilling._sandbox.catalogue import BY_SKU, SKUS, USER_SKUS, VENDOR_ONLY, Sku
from xlbilling._sandbox.dataset import Address, Customer, Dataset, Period

CATEGORIES = (
    "under_billed",
    "over_billed",
    "charged_not_billed",
    "billed_not_charged",
    "unmapped_product",
    "unmapped_tenant",
)
# (closed periods back from the latest, categories seeded there)
PLAN: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, CATEGORIES),
    (2, ("under_billed", "billed_not_charged")),
    (3, ("over_billed", "charged_not_billed")),
)

# The Xarios tenant Atria does not know (its TenantCodeExt is no Atria account code).
STRAY_TENANT = Customer(
    code="",
    name="Harbour Lights Trading Ltd",
    account_code="HLTX900",
    tenant_code="T-9001",
    domain="harbourlights.example",
    address=Address("2 Quay Street", None, "Hull", "East Yorkshire", "HU1 1AA"),
    bill_to="",
    is_partner=False,
)


@dataclass(frozen=True)
class Discrepancy:
    """One seeded difference between the Xarios invoice and Atria's billed quantity for a period."""

    period_end: date
    account_code: str
    tenant_name: str
    sku: str | None
    part_number: str
    vendor_quantity: int
    billed_quantity: int
    category: str
    unit_cost: Decimal
    unit_price: Decimal | None

    @property
    def product(self) -> Sku:
        """The Xarios product charged (or not charged)."""
        return BY_SKU[self.sku] if self.sku else VENDOR_ONLY

    def as_json(self) -> dict[str, Any]:
        """The wire shape served by ``GET /_sandbox/discrepancies`` (money as numbers)."""
        return {
            "period_end": self.period_end.isoformat(),
            "account_code": self.account_code,
            "tenant_name": self.tenant_name,
            "sku": self.sku,
            "part_number": self.part_number,
            "vendor_quantity": self.vendor_quantity,
            "billed_quantity": self.billed_quantity,
            "category": self.category,
            "unit_cost": float(self.unit_cost),
            "unit_price": None if self.unit_price is None else float(self.unit_price),
        }


def discrepancies(dataset: Dataset) -> list[Discrepancy]:
    """Every seeded difference, oldest period first."""
    closed = dataset.closed_periods
    result: list[Discrepancy] = []
    for back, categories in sorted(PLAN, reverse=True):
        result += period_discrepancies(dataset, closed[-back], categories)
    return result


def for_period(dataset: Dataset, period: Period) -> list[Discrepancy]:
    """The seeded differences of one period (none outside the plan)."""
    closed = dataset.closed_periods
    for back, categories in PLAN:
        if closed[-back] == period:
            return period_discrepancies(dataset, period, categories)
    return []


def period_discrepancies(dataset: Dataset, period: Period, categories: tuple[str, ...]) -> list[Discrepancy]:
    """Choose, deterministically, one difference per category in ``period``."""
    return dataset.cached("discrepancies", period, lambda: _choose(dataset, period, categories))


def _choose(dataset: Dataset, period: Period, categories: tuple[str, ...]) -> list[Discrepancy]:
    rng = random.Random(f"{dataset.seed}:discrepancies:{period.end}")
    billed = dataset.billed(period)
    customers = [c for c in dataset.customers if not c.is_partner]
    used: set[str] = set()

    def pick(test: Any, skus: tuple[Sku, ...] = SKUS) -> tuple[Customer, Sku, int]:
        options = [
            (c, s, billed.get((c.code, s.sku), 0))
            for c in customers
            for s in skus
            if c.code not in used and test(billed.get((c.code, s.sku), 0))
        ]
        customer, sku, quantity = rng.choice(options)
        used.add(customer.code)
        return customer, sku, quantity

    def make(category: str, customer: Customer, sku: Sku, vendor: int, quantity: int) -> Discrepancy:
        return Discrepancy(
            period.end,
            customer.account_code,
            customer.name,
            sku.sku or None,
            sku.part_number,
            vendor,
            quantity,
            category,
            sku.unit_cost,
            sku.unit_price if sku.sku else None,
        )

    result = []
    for category in categories:
        if category == "under_billed":
            c, s, q = pick(lambda q: q >= 1)
            result.append(make(category, c, s, q + rng.randint(1, 2), q))
        elif category == "over_billed":
            c, s, q = pick(lambda q: q >= 2)
            result.append(make(category, c, s, q - 1, q))
        elif category == "charged_not_billed":
            c, s, q = pick(lambda q: q == 0)
            result.append(make(category, c, s, rng.randint(1, 3), 0))
        elif category == "billed_not_charged":
            c, s, q = pick(lambda q: q >= 1)
            result.append(make(category, c, s, 0, q))
        elif category == "unmapped_product":
            c, _, _ = pick(lambda q: True)
            result.append(make(category, c, VENDOR_ONLY, 1, 0))
        else:
            assert STRAY_TENANT.account_code not in dataset.by_account
            result.append(make(category, STRAY_TENANT, rng.choice(USER_SKUS), rng.randint(1, 3), 0))
    return result
