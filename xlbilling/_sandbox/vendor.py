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
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from xlbilling._sandbox.catalogue import BY_SKU, TAX_RATE, Sku
from xlbilling._sandbox.dataset import Customer, Dataset, Period, User
from xlbilling._sandbox.discrepancies import STRAY_TENANT, for_period
from xlbilling._values.money import cents

VAT_ERROR_BACK = 7
VAT_PERCENT = Decimal(100) * TAX_RATE


@dataclass(frozen=True)
class Charge:
    """What Xarios charges for one product in one tenant."""

    tenant: Customer
    product: Sku
    quantity: int

    @property
    def value(self) -> Decimal:
        """Quantity x unit cost (exact: unit costs have two decimals)."""
        return self.product.unit_cost * self.quantity


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
    """A Xarios invoice: its charges per tenant and product, and its totals."""

    invoice_id: str
    invoice_number: str
    period: Period
    charges: list[Charge]
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


def items(dataset: Dataset, inv: VendorInvoice) -> list[VendorItem]:
    """The invoice's PRICE items: one per tenant for customer-level products, one per user otherwise."""
    return dataset.cached("items", inv.period, lambda: _items(dataset, inv))


def _build(dataset: Dataset, period: Period) -> VendorInvoice:
    wanted: dict[tuple[str, str], Charge] = {
        (code, sku): Charge(dataset.by_code[code], BY_SKU[sku], n) for (code, sku), n in dataset.billed(period).items()
    }
    tenants = {c.account_code: c for c in dataset.customers} | {STRAY_TENANT.account_code: STRAY_TENANT}
    for d in for_period(dataset, period):
        tenant = tenants[d.account_code]
        wanted[(tenant.code, d.product.sku)] = Charge(tenant, d.product, d.vendor_quantity)
    for (end, code, sku), extra in dataset.extra_charges.items():  # POST /_sandbox/adjust with api "xarios"
        if end == period.end:
            had = wanted[(code, sku)].quantity if (code, sku) in wanted else 0
            wanted[(code, sku)] = Charge(dataset.by_code[code], BY_SKU[sku], had + extra)
    charges = sorted(
        (c for c in wanted.values() if c.quantity > 0), key=lambda c: (c.tenant.tenant_code, c.product.part_number)
    )
    for same_total in dataset.reissues.get(period.end, []):
        charges = _reissued(charges, same_total)
    net = sum((c.value for c in charges), Decimal("0.00"))
    vat = cents(net * TAX_RATE)
    if period == dataset.closed_periods[-VAT_ERROR_BACK]:
        vat += Decimal("0.01")
    month = period.start
    return VendorInvoice(invoice_id(period), f"X-{month.year}-{month.month:04d}", period, charges, net, vat, net + vat)


def _reissued(charges: list[Charge], same_total: bool) -> list[Charge]:
    """The charges of a reissued invoice: one more licence of the first charge; with ``same_total`` also one
    licence less of the next charge of that product (for another tenant), so the invoice's value stays."""
    first = charges[0]
    changed = {0: replace(first, quantity=first.quantity + 1)}
    if same_total:
        other = next(n for n, c in enumerate(charges) if c.product == first.product and c.quantity > 1 and n > 0)
        changed[other] = replace(charges[other], quantity=charges[other].quantity - 1)
    return [changed.get(n, charge) for n, charge in enumerate(charges)]


def _items(dataset: Dataset, inv: VendorInvoice) -> list[VendorItem]:
    users: dict[tuple[str, str], list[User]] = defaultdict(list)
    for row in dataset.rows(inv.period):
        inst = row.instance
        if row.active_at_end and inst.billable and inst.user is not None:
            users[(inst.customer.code, inst.sku.sku)].append(inst.user)
    result: list[VendorItem] = []

    def add(charge: Charge, user: User | None, quantity: int) -> None:
        ident = uuid.uuid5(uuid.NAMESPACE_URL, f"xlbilling-sandbox:{dataset.seed}:{inv.invoice_id}:{len(result)}")
        result.append(
            VendorItem(
                str(ident),
                charge.tenant,
                charge.product,
                user,
                quantity,
                charge.product.unit_cost * quantity,
                charge.quantity,
            )
        )

    for charge in inv.charges:
        if not charge.product.is_user_level:
            add(charge, None, charge.quantity)
            continue
        assigned = sorted(users.get((charge.tenant.code, charge.product.sku), []), key=lambda u: u.email)
        assigned = assigned[: charge.quantity]
        assigned += [_spare_user(dataset, charge, n) for n in range(charge.quantity - len(assigned))]
        for user in assigned:
            add(charge, user, 1)
    return result


def _spare_user(dataset: Dataset, charge: Charge, n: int) -> User:
    """A licence Xarios charges that is assigned to no user Atria bills for."""
    tenant, sku = charge.tenant, charge.product.sku
    ident = uuid.uuid5(uuid.NAMESPACE_URL, f"xlbilling-sandbox:{dataset.seed}:{tenant.tenant_code}:{sku}:{n}")
    return User(str(ident), f"licence{n + 1}.{sku.lower()}@{tenant.domain}", "User")
