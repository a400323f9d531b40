"""A change to the sandbox's data while it runs (``POST /_sandbox/adjust``), as when someone adds a licence late
in Atria or the distributor corrects its invoice: what a rerun of a month-end close must notice.

``api = "atria"`` adds ``add`` billable units of ``sku`` to a customer from the first day of the period ending
``period_end`` (default: the latest closed one): Atria bills them from then on, and Xarios, which charges what
Atria provisioned, charges them too. ``api = "xarios"`` makes Xarios alone charge ``add`` more units of ``sku``
to that customer on the invoice of that period (a difference the reconciliation finds). Everything derived
from the data set is computed again, but the seeded differences stay where they were.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, Field

from xlbilling._errors import InputError
from xlbilling._sandbox.catalogue import BY_SKU
from xlbilling._sandbox.dataset import Dataset, Instance, User
from xlbilling._sandbox.discrepancies import discrepancies

ADDED_BY = "sandbox adjust"


class Adjustment(BaseModel):
    """The body of ``POST /_sandbox/adjust``."""

    account_code: str = Field(description="The customer's account code (the Xarios tenant's TenantCodeExt).")
    sku: str = Field(description="The Atria SKU whose quantity changes.")
    add: int = Field(1, ge=1, le=1000, description="How many units to add.")
    api: Literal["atria", "xarios"] = Field("atria", description="atria: Atria and Xarios; xarios: Xarios only.")
    period_end: date | None = Field(None, description="The closed period changed (default: the latest closed).")


def adjust(dataset: Dataset, change: Adjustment) -> None:
    """Apply ``change`` to ``dataset`` and forget everything derived from it; ``InputError`` for an unknown
    customer, SKU or period."""
    customer = dataset.by_account.get(change.account_code)
    sku = BY_SKU.get(change.sku)
    closed = dataset.closed_periods
    period = closed[-1] if change.period_end is None else dataset.period_for(change.period_end)
    if customer is None or sku is None or period is None or not period.is_closed:
        raise InputError(f"No customer {change.account_code}, SKU {change.sku} or closed period {change.period_end}.")
    with dataset.lock:
        discrepancies(dataset)  # the seeded differences stay where they were: chosen before any change
        if change.api == "xarios":
            key = (period.end, customer.code, sku.sku)
            dataset.extra_charges[key] = dataset.extra_charges.get(key, 0) + change.add
        else:
            at = datetime.combine(period.start, time(9, 0))
            for _ in range(change.add):
                taken = sum(1 for i in dataset.instances if i.added_by == ADDED_BY and i.customer == customer)
                email = f"added{taken + 1}@{customer.domain}"
                user = User(f"00000000-0000-4000-8000-{taken + 1:012d}", email, "User") if sku.is_user_level else None
                label = email if user else f"{sku.service_name} (added {taken + 1})"
                dataset.instances.append(
                    Instance(customer, sku, user, label, period.start, at, ADDED_BY, None, None, None, True, None)
                )
        dataset.forget(keep=("discrepancies",))
