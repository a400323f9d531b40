"""What Xarios charges the MSP: one invoice per closed period, issued on the 1st of the next month.

PRICE items come from Atria's billed quantities (billable services active at period end) changed only by
the seeded discrepancies: customer-level products get one item per tenant (quantity = count), user-level
products one item per user (quantity 1). Then come the net SUM, 20 % VAT (half-up to cents) and the total.

One deliberate arithmetic error: the invoice ``VAT_ERROR_BACK`` closed periods before the latest has a
TotalVAT item 0.01 higher than 20 % of its net total (its TotalInclVAT and ``invoiceValue`` add up with
that wrong VAT), so a client's invoice check has something to find.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from xlbilling.money import cents
from xlbilling.sandbox.catalogue import BY_SKU, TAX_RATE, Sku
from xlbilling.sandbox.dataset import Customer, Dataset, Period, User
from xlbilling.sandbox.discrepancies import STRAY_TENANT, for_period

VAT_ERROR_BACK = 7
VAT_PERCENT = Decimal(100) * TAX_RATE


@dataclass(frozen=True)
class VendorItem:
    """One PRICE item: a product charged for a tenant (and, for user-level products, one user)."""

    item_id: str
    tenant: Customer
    product: Sku
    user: User | None
    quantity: int
    value: Decimal
    licence_count: int


@dataclass(frozen=True)
class VendorInvoice:
    """A Xarios invoice with its PRICE items and totals."""

    invoice_id: str
    invoice_number: str
    period: Period
    items: list[VendorItem]
    net: Decimal
    vat: Decimal
    total: Decimal

    @property
    def issued(self) -> date:
        """The 1st of the month after the period."""
        return self.period.end + timedelta(days=1)


def invoice_id(period: Period) -> str:
    """``INV-YYYYMM`` for the period's month."""
    return f"INV-{period.start.year}{period.start.month:02d}"


def invoices(dataset: Dataset) -> list[VendorInvoice]:
    """Every Xarios invoice, oldest first."""
    return [invoice(dataset, p) for p in dataset.closed_periods]


def find_invoice(dataset: Dataset, wanted: str) -> VendorInvoice | None:
    """The invoice with id ``wanted`` (case-insensitive), or None."""
    for period in dataset.closed_periods:
        if invoice_id(period).lower() == wanted.lower():
            return invoice(dataset, period)
    return None


def vat_error_invoice(dataset: Dataset) -> str:
    """The id of the invoice whose VAT is deliberately 0.01 too high."""
    return invoice_id(dataset.closed_periods[-VAT_ERROR_BACK])


def invoice(dataset: Dataset, period: Period) -> VendorInvoice:
    """The invoice for a closed ``period`` (built once, then cached)."""
    return dataset.cached("invoice", period, lambda: _build(dataset, period))


def _build(dataset: Dataset, period: Period) -> VendorInvoice:
    ident = invoice_id(period)
    users: dict[tuple[str, str], list[User]] = defaultdict(list)
    for row in dataset.rows(period):
        inst = row.instance
        if row.active_at_end and inst.billable and inst.user is not None:
            users[(inst.customer.code, inst.sku.sku)].append(inst.user)
    wanted: dict[tuple[str, str], tuple[Customer, Sku, int]] = {
        (code, sku): (dataset.by_code[code], BY_SKU[sku], n) for (code, sku), n in dataset.billed(period).items()}
    tenants = {c.account_code: c for c in dataset.customers} | {STRAY_TENANT.account_code: STRAY_TENANT}
    for d in for_period(dataset, period):
        tenant = tenants[d.account_code]
        wanted[(tenant.code, d.product.sku)] = (tenant, d.product, d.vendor_quantity)

    items: list[VendorItem] = []

    def add(tenant: Customer, product: Sku, user: User | None, quantity: int, count: int) -> None:
        item = uuid.uuid5(uuid.NAMESPACE_URL, f"xlbilling-sandbox:{dataset.seed}:{ident}:{len(items)}")
        items.append(VendorItem(str(item), tenant, product, user, quantity,
                                cents(product.unit_cost * quantity), count))

    for tenant, product, quantity in sorted(wanted.values(), key=lambda w: (w[0].tenant_code, w[1].part_number)):
        if quantity <= 0:
            continue
        if not product.is_user_level:
            add(tenant, product, None, quantity, quantity)
            continue
        assigned = sorted(users.get((tenant.code, product.sku), []), key=lambda u: u.email)[:quantity]
        assigned += [_spare_user(dataset, tenant, product, n) for n in range(quantity - len(assigned))]
        for user in assigned:
            add(tenant, product, user, 1, quantity)

    net = sum((i.value for i in items), Decimal("0.00"))
    vat = cents(net * TAX_RATE)
    if period == dataset.closed_periods[-VAT_ERROR_BACK]:
        vat += Decimal("0.01")
    month = period.start
    return VendorInvoice(ident, f"X-{month.year}-{month.month:04d}", period, items, net, vat, net + vat)


def _spare_user(dataset: Dataset, tenant: Customer, product: Sku, n: int) -> User:
    """A licence Xarios charges that is assigned to no user Atria bills for."""
    ident = uuid.uuid5(uuid.NAMESPACE_URL, f"xlbilling-sandbox:{dataset.seed}:{tenant.tenant_code}:{product.sku}:{n}")
    return User(str(ident), f"licence{n + 1}.{product.sku.lower()}@{tenant.domain}", "User")
