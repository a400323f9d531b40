"""The sandbox's deterministic billing world: one MSP, its customers, their users and services over time.

Everything follows from ``(seed, customers, today)``: the same three give the same data, byte for byte.
Customers, users and service instances (each with a start date and maybe a removal date) are drawn once;
what a billing period shows (Added / Removed / Carried rows, counts at period end) is derived per period
on first use and cached, so 2,000 customers start in a few seconds.
Customer names, people and addresses come from ``names.py``, which also holds the deliberately hard names.
"""

from __future__ import annotations

import calendar
import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from xlbilling._errors import InputError
from xlbilling._sandbox import names
from xlbilling._sandbox.catalogue import CUSTOMER_SKUS, NON_BILLABLE_REASONS, USER_SKUS, Sku

MIN_CUSTOMERS = 10
CLOSED_PERIODS = 12

MSP_NAME = "Example MSP Ltd"
RESELLER_CODE = "RES-001"
RESELLER_CODE_EXT = "MSP"

_LABELS = {"DNS-FLT": "Site {n}", "DOM-HOST": "domain{n}.{domain}", "ARCH-100": "Archive {n}"}

T = TypeVar("T")


@dataclass(frozen=True)
class Period:
    """One whole calendar month; the open one contains "today"."""

    start: date
    end: date
    is_closed: bool

    @property
    def name(self) -> str:
        """Like ``October 2026``."""
        return f"{calendar.month_name[self.start.month]} {self.start.year}"

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Address:
    """A UK postal address."""

    line1: str
    line2: str | None
    city: str
    region: str
    postal_code: str
    country: str = "United Kingdom"


@dataclass(frozen=True)
class Customer:
    """An Atria customer, which is also a Xarios tenant."""

    code: str  # Atria customer code, CUST0001
    name: str
    account_code: str  # Atria customer account code = Xarios TenantCodeExt
    tenant_code: str  # Xarios TenantCode
    domain: str
    address: Address
    bill_to: str  # customer code of whoever pays (itself when billed directly)
    is_partner: bool


@dataclass(frozen=True)
class User:
    """A user of a customer."""

    user_id: str
    email: str
    role: str


@dataclass(slots=True)
class Instance:
    """One service assigned to a user or a customer, from ``start`` until ``removed_on`` (inclusive)."""

    customer: Customer
    sku: Sku
    user: User | None
    label: str  # the user's e-mail, or what a customer-level item is for (a domain, a site)
    start: date
    added_at: datetime
    added_by: str
    removed_on: date | None
    removed_at: datetime | None
    removed_by: str | None
    billable: bool
    reason: str | None

    def overlaps(self, period: Period) -> bool:
        """True when the instance was active on some day of ``period``."""
        return self.start <= period.end and (self.removed_on is None or self.removed_on >= period.start)

    def active_at_end(self, period: Period) -> bool:
        """True when the instance is still active at the end of ``period`` (it counts for billing)."""
        return self.start <= period.end and (self.removed_on is None or self.removed_on > period.end)


@dataclass(frozen=True, slots=True)
class Row:
    """How one instance appears in one billing period."""

    instance: Instance
    action: str  # Added / Removed / Carried
    actioned_at: datetime
    actioned_by: str
    start: date
    end: date
    duration_percent: Decimal
    active_at_end: bool


def month_start(day: date, months_back: int = 0) -> date:
    """The first day of the month ``months_back`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def month_end(start: date) -> date:
    """The last day of ``start``'s month."""
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


class Dataset:
    """The whole sandbox world for one ``(seed, customers, today)``; periods are derived lazily."""

    def __init__(self, seed: int = 1, customers: int = 25, today: date | None = None) -> None:
        if customers < MIN_CUSTOMERS:
            raise InputError(
                f"The sandbox needs at least {MIN_CUSTOMERS} customers, not {customers}.",
                f"Use --customers {MIN_CUSTOMERS} or more.",
            )
        self.seed = seed
        self.customer_count = customers
        self.today = today or date.today()
        self.now = datetime.combine(self.today, time(10, 0), UTC)
        self.periods: list[Period] = [
            Period(month_start(self.today, back), month_end(month_start(self.today, back)), back > 0)
            for back in range(CLOSED_PERIODS, -1, -1)
        ]
        self.customers: list[Customer] = self._make_customers()
        self.by_code: dict[str, Customer] = {c.code: c for c in self.customers}
        self.by_account: dict[str, Customer] = {c.account_code: c for c in self.customers}
        self.instances: list[Instance] = [i for c in self.customers for i in self._make_instances(c)]
        self._cache: dict[tuple[str, date], object] = {}
        self.lock = threading.RLock()
        self.extra_charges: dict[tuple[date, str, str], int] = {}
        """Units Xarios alone charges on top, by (period end, customer code, SKU): ``xlbilling._sandbox.adjust``."""
        self.reissues: dict[date, list[bool]] = {}  # period end -> each reissue of its invoice (same total?)

    # --- lookups ------------------------------------------------------------------------------

    @property
    def closed_periods(self) -> list[Period]:
        """Closed periods, oldest first."""
        return [p for p in self.periods if p.is_closed]

    def period_for(self, day: date) -> Period | None:
        """The period that contains ``day``, or None."""
        return next((p for p in self.periods if p.start <= day <= p.end), None)

    def previous(self, period: Period) -> Period:
        """The month before ``period`` (also before the first listed period: services started earlier)."""
        start = month_start(period.start, 1)
        return Period(start, month_end(start), True)

    def cached(self, kind: str, period: Period, build: Callable[[], T]) -> T:
        """Return ``build()`` for ``(kind, period)``, computing it once."""
        key = (kind, period.end)
        with self.lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]  # type: ignore[return-value]

    def reissue(self, period: Period, same_total: bool) -> None:
        """Issue ``period``'s Xarios invoice again, changed (``xlbilling._sandbox.reissue``): what was built of
        it is built anew."""
        with self.lock:
            self.reissues.setdefault(period.end, []).append(same_total)
            for kind in ("invoice", "items", "zip", "pdf"):
                self._cache.pop((kind, period.end), None)

    def forget(self, keep: tuple[str, ...] = ()) -> None:
        """Forget everything derived from the data but the kinds ``keep`` (after ``xlbilling._sandbox.adjust``
        changed it)."""
        with self.lock:
            self._cache = {key: value for key, value in self._cache.items() if key[0] in keep}

    # --- per-period views -----------------------------------------------------------------------

    def rows(self, period: Period) -> list[Row]:
        """Every instance active on some day of ``period``, as Atria's detail report shows it."""
        return self.cached("rows", period, lambda: [self._row(i, period) for i in self.instances if i.overlaps(period)])

    def counts(self, period: Period) -> Counter[tuple[str, str, bool]]:
        """Instances active at period end per (customer code, SKU, billable)."""
        return self.cached(
            "counts",
            period,
            lambda: Counter(
                (i.customer.code, i.sku.sku, i.billable) for i in self.instances if i.active_at_end(period)
            ),
        )

    def billed(self, period: Period) -> dict[tuple[str, str], int]:
        """Atria invoice quantity per (customer code, SKU): billable instances active at period end."""
        return self.cached(
            "billed",
            period,
            lambda: {(code, sku): n for (code, sku, billable), n in sorted(self.counts(period).items()) if billable},
        )

    def _row(self, inst: Instance, period: Period) -> Row:
        removed = inst.removed_on is not None and inst.removed_on <= period.end
        if removed:
            action, at, by = "Removed", inst.removed_at, inst.removed_by
        else:
            action = "Added" if inst.start >= period.start else "Carried"
            at, by = inst.added_at, inst.added_by
        assert at is not None and by is not None
        start = max(inst.start, period.start)
        end = min(inst.removed_on, period.end) if inst.removed_on else period.end
        percent = (Decimal(100 * ((end - start).days + 1)) / period.days).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        return Row(inst, action, at, by, start, end, percent, not removed)

    # --- generation -----------------------------------------------------------------------------

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    def _make_customers(self) -> list[Customer]:
        rng = self._rng("customers")
        n = self.customer_count
        partners = names.PARTNER_NAMES[: 3 if n >= 20 else 2]
        first_partner = n - len(partners)
        chosen: list[str] = []
        for index in range(n):
            if index >= first_partner:
                name = partners[index - first_partner]
            elif 1 <= index <= len(names.HARD_NAMES):
                name = names.HARD_NAMES[index - 1]
            else:
                name = ""
                while not name or name in chosen or name in names.PARTNER_NAMES:
                    name = names.company_name(rng)
            chosen.append(name)
        prefixes: Counter[str] = Counter()
        domains: set[str] = set()
        result = []
        for index, name in enumerate(chosen):
            letters = "".join(ch for ch in names.slug(name).upper() if ch.isalpha())[:4].ljust(4, "X")
            prefixes[letters] += 1
            domain = names.slug(name)
            if domain in domains:
                domain += str(index + 1)
            domains.add(domain)
            address = Address(*names.address(rng))
            is_partner = index >= first_partner
            bill_to = index
            if not is_partner and index % 5 == 2:
                bill_to = first_partner + (index // 5) % len(partners)
            result.append(
                Customer(
                    code=f"CUST{index + 1:04d}",
                    name=name,
                    account_code=f"{letters}{prefixes[letters]:03d}",
                    tenant_code=f"T-{index + 1:04d}",
                    domain=f"{domain}.example",
                    address=address,
                    bill_to=f"CUST{bill_to + 1:04d}",
                    is_partner=is_partner,
                )
            )
        return result

    def _make_instances(self, customer: Customer) -> list[Instance]:
        rng = self._rng("instances", customer.code)
        history = self.periods[0].start
        span = (self.today - history).days

        def when(day: date) -> tuple[datetime, str]:
            moment = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)))
            return moment, names.staff(rng)

        def lifetime(start: date | None = None) -> tuple[date, date | None]:
            if start is None:
                start = (
                    history - timedelta(days=rng.randint(1, 900))
                    if rng.random() < 0.8
                    else history + timedelta(days=rng.randint(0, span))
                )
            removed = None
            if rng.random() < 0.1:
                removed = start + timedelta(days=rng.randint(0, max(0, (self.today - start).days)))
            return start, removed

        def make(sku: Sku, user: User | None, label: str, start: date, removed: date | None) -> Instance:
            added_at, added_by = when(start)
            removed_at, removed_by = when(removed) if removed else (None, None)
            billable = rng.random() >= 0.06
            return Instance(
                customer,
                sku,
                user,
                label,
                start,
                added_at,
                added_by,
                removed,
                removed_at,
                removed_by,
                billable,
                None if billable else rng.choice(NON_BILLABLE_REASONS),
            )

        result: list[Instance] = []
        users = rng.randint(2, 8) if customer.is_partner else int(rng.triangular(3, 70, 15))
        emails: set[str] = set()
        for _ in range(users):
            local = names.mailbox(rng)
            email = f"{local}@{customer.domain}"
            suffix = 2
            while email in emails:
                email = f"{local}{suffix}@{customer.domain}"
                suffix += 1
            emails.add(email)
            user = User(str(uuid.UUID(int=rng.getrandbits(128), version=4)), email, names.role(rng))
            start, removed = lifetime()
            plan = rng.choices(USER_SKUS[:4], weights=(3, 4, 3, 1))[0]
            result.append(make(plan, user, email, start, removed))
            for addon, chance in zip(USER_SKUS[4:], (0.2, 0.5, 0.45), strict=True):
                if rng.random() < chance:
                    later = start + timedelta(days=rng.randint(0, 400)) if rng.random() < 0.15 else start
                    if later <= self.today and (removed is None or later <= removed):
                        result.append(make(addon, user, email, later, removed))
        for sku, low, high in zip(CUSTOMER_SKUS, (0, 1, 0), (1, 3, 2), strict=True):
            for n in range(rng.randint(low, high)):
                label = _LABELS[sku.sku].format(n=n + 1, domain=customer.domain)
                result.append(make(sku, None, label, *lifetime()))
        return result
