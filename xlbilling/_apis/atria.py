"""The Atria billing REST API: one method per call, each returning a typed DataFrame.

Atria is the source of truth for *billed quantities* (it has no prices). Columns are documented in
docs/contract.md and the README; field names on the wire are matched through the field tables (``fields``) and
the config file's additions (``spelling``); envelopes and pages are followed by ``paging``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import date
from typing import Any

import pandas as pd

from xlbilling._apis import fields
from xlbilling._apis.frames import Field, find_key, joined, object_list, read_frame, to_frame
from xlbilling._apis.paging import Page, pages, single
from xlbilling._apis.spelling import ApiShape
from xlbilling._apis.transport.client import ApiClient
from xlbilling._errors import BadResponse, InputError, NoClosedPeriod, UnknownCustomer, UnknownPeriod
from xlbilling._values.period import Period

API = "Atria"
_NOT_FOUND = "Check the billing period and the customer against Atria's lists of periods and customers."
PERIOD_LISTS = ("billingPeriods", "periods")
CUSTOMER_LISTS = ("customers",)
_SUFFIXES = {"summary": "", "detail": "/detail", "invoice_lines": "/invoice", "analysis": "/analysis"}


class AtriaReads(ABC):
    """What the core reads of Atria: its lists and every period's data sets, each a typed DataFrame. The plain
    client (``Atria``) asks the API every time; a session's client (``Session.atria()``) answers through its
    cache. The look-ups by day and by name are read from ``periods()`` and ``customers()``, so they cost no
    request where those are cached."""

    @abstractmethod
    def periods(self) -> pd.DataFrame:
        """The billing periods Atria knows: ``period_start, period_end, name, is_closed``, oldest first."""

    @abstractmethod
    def customers(self) -> pd.DataFrame:
        """The customers: ``customer_code, customer_name, account_code, billed_by``."""

    @abstractmethod
    def summary(self, period: Period, billable_only: bool = False, by_customer: bool = True) -> pd.DataFrame:
        """One period summarised per SKU (and per customer when ``by_customer``), with the prior period's
        count: ``customer_code, customer_name, account_code, sku, billable, grouping, last_count, this_count,
        difference``. Without ``by_customer`` the customer columns are empty."""

    @abstractmethod
    def detail(
        self,
        period: Period,
        customer: str | None = None,
        service: str | None = None,
        user: str | None = None,
        billable_only: bool = False,
    ) -> pd.DataFrame:
        """User-level rows for one period, optionally for one customer code, one service name, users whose
        name contains ``user``, or billable items only. Columns: ``action, actioned_date, actioned_by,
        customer_code, customer_name, user_name, service_name, plan_name, sku, sku_type, billable,
        line_description, override_reason, start_date, end_date``."""

    @abstractmethod
    def invoice_lines(self, period: Period, customer: str | None = None) -> pd.DataFrame:
        """Billable invoice lines per consuming customer with who pays for them: ``customer_code,
        customer_name, customer_account_code, bill_to_code, bill_to_name, bill_to_account_code, sku,
        service_code, service_name, line_description, quantity``. A missing Bill To means the customer
        pays for itself."""

    @abstractmethod
    def analysis(self, period: Period, customer: str | None = None) -> pd.DataFrame:
        """The most detailed rows: customer address and every user service, billable or not, with
        ``duration_percent`` (0-100: the share of the period the service was active). Columns in
        docs/contract.md."""

    def period_list(self) -> list[Period]:
        """Every billing period Atria knows, oldest first, as ``Period`` values."""
        return [_period(row) for _, row in self.periods().iterrows()]

    def latest_closed_period(self) -> Period:
        """The latest closed period; ``NoClosedPeriod`` when no period has closed yet."""
        periods = self.periods()
        closed = periods[periods["is_closed"].fillna(False).astype(bool)]
        if closed.empty:
            raise NoClosedPeriod()
        return _period(closed.iloc[-1])

    def period(self, day: date) -> Period:
        """The billing period containing ``day``, so 2026-10-15 and 2026-10-31 both mean the period ending
        2026-10-31; ``UnknownPeriod`` when no period contains it."""
        when = pd.Timestamp(day)
        periods = self.periods()
        after = periods[periods["period_end"] >= when]
        if not after.empty:
            row = after.iloc[0]
            if pd.isna(row["period_start"]) or row["period_start"] <= when:
                return _period(row)
        raise UnknownPeriod(day)

    def customer_code(self, name: str) -> str:
        """The customer code for a customer code, account code or exact name (case ignored); ``UnknownCustomer``
        when it names no customer or several."""
        text = name.strip().lower()
        if not text:
            raise UnknownCustomer(name, 0)
        customers = self.customers()
        for column in ("customer_code", "account_code", "customer_name"):
            hits = customers[(customers[column].str.strip().str.lower() == text).fillna(False).astype(bool)]
            if len(hits) == 1:
                return str(hits["customer_code"].iloc[0])
            if len(hits) > 1:
                raise UnknownCustomer(name, len(hits))
        raise UnknownCustomer(name, 0)


class Atria(AtriaReads):
    """A connection to one Atria instance (or the sandbox), reading its answers as ``shape`` says (the
    built-in field tables, query names and path prefix when none is given). Every call asks the API."""

    def __init__(self, client: ApiClient, shape: ApiShape | None = None) -> None:
        self.client = client
        self.shape = shape or ApiShape("atria")

    @classmethod
    def connect(
        cls, url: str, token: str, *, timeout: float = 30.0, retries: int = 3, ca_bundle: str | None = None
    ) -> Atria:
        """A client for the Atria at ``url`` with the External API ``token`` (``Session()`` builds one from
        the settings instead)."""
        return cls(ApiClient(API, url, token, timeout=timeout, retries=retries, ca_bundle=ca_bundle))

    def periods(self) -> pd.DataFrame:
        return self.periods_in(self.parameters())

    def periods_in(self, parameters: Any) -> pd.DataFrame:
        """The periods listed in a ``/parameters`` answer (``parameters()``), oldest first."""
        rows = parameter_rows(parameters, "periods", PERIOD_LISTS)
        frame = to_frame(rows, self.shape.table("periods"), API, "periods")
        return frame.sort_values("period_end", kind="stable").reset_index(drop=True)

    def customers(self) -> pd.DataFrame:
        return self.customers_in(self.parameters())

    def customers_in(self, parameters: Any) -> pd.DataFrame:
        """The customers listed in a ``/parameters`` answer (``parameters()``)."""
        rows = parameter_rows(parameters, "customers", CUSTOMER_LISTS)
        return to_frame(rows, self.shape.table("customers"), API, "customers")

    def summary(self, period: Period, billable_only: bool = False, by_customer: bool = True) -> pd.DataFrame:
        params = self.query(billable_only=billable_only, by_customer=by_customer)
        frame = self._frame("summary", self.route("summary", period), params)
        missing = frame["difference"].isna()
        frame.loc[missing, "difference"] = frame["this_count"] - frame["last_count"]
        return frame

    def detail(
        self,
        period: Period,
        customer: str | None = None,
        service: str | None = None,
        user: str | None = None,
        billable_only: bool = False,
    ) -> pd.DataFrame:
        params = self.query(
            customer=_optional(customer, "customer"),
            service=_optional(service, "service"),
            user=_optional(user, "user"),
            billable_only=billable_only,
        )
        return self._frame("detail", self.route("detail", period), params)

    def invoice_lines(self, period: Period, customer: str | None = None) -> pd.DataFrame:
        route = self.route("invoice_lines", period)
        records = self._rows("invoice", route, self.query(customer=_optional(customer, "customer")))
        table = self.shape.table("invoice_lines")
        split = len(fields.ATRIA_INVOICE_RECORD)
        return _invoice_frame(records, table[:split], table[split:])

    def analysis(self, period: Period, customer: str | None = None) -> pd.DataFrame:
        params = self.query(customer=_optional(customer, "customer"))
        return self._frame("analysis", self.route("analysis", period), params)

    def parameters(self) -> Any:
        """Atria's ``/parameters`` answer as parsed JSON: the periods and customers lists are read from it."""
        return self.client.get_json("parameters", self.route("parameters"))

    def route(self, endpoint: str, period: Period | None = None) -> str:
        """The path of ``endpoint`` (a method's name, or ``parameters``) for ``period``, under the prefix."""
        if period is None:
            return f"{self.shape.prefix}/parameters"
        return f"{self.shape.prefix}/{period.end.isoformat()}{_SUFFIXES[endpoint]}"

    def pages(self, call: str, path: str, params: dict[str, Any]) -> Iterator[Page]:
        """Every page of the list at ``path`` (one, unless the answer announces more)."""
        return pages(self.client, self.shape, call, path, params, _NOT_FOUND)

    def query(self, **values: Any) -> dict[str, Any]:
        """The query parameters under the names this Atria takes."""
        return {self.shape.param(name): value for name, value in values.items()}

    def _frame(self, call: str, path: str, params: dict[str, Any]) -> pd.DataFrame:
        """The rows of a flat-row call as a frame, page by page: each page decoded straight from its bytes when
        they are a plain list of flat rows, else parsed and built by ``to_frame`` (which also gives the errors)."""
        table = self.shape.table(call)
        frames = []
        for page in self.pages(call, path, params):
            frame = read_frame(page.rows, table, API, call) if page.rows is not None else None
            frames.append(frame if frame is not None else to_frame(page.parsed(self.client, call), table, API, call))
        return joined(frames)

    def _rows(self, call: str, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return [row for page in self.pages(call, path, params) for row in page.parsed(self.client, call)]


def parameter_rows(payload: Any, call: str, names: tuple[str, ...]) -> list[dict[str, Any]]:
    """The list under one of ``names`` in the ``/parameters`` answer (also inside an envelope)."""
    if isinstance(payload, dict) and find_key(payload, names) is None:
        payload = single(payload)  # the lists inside an envelope
    if not isinstance(payload, dict):
        raise BadResponse(API, call, "expected a JSON object with periods and customers.")
    key = find_key(payload, names)
    if key is None:
        raise BadResponse(API, call, f"the answer has no '{names[0]}' field.")
    return object_list(payload[key], API, call)


def _invoice_frame(records: list[dict[str, Any]], header: tuple[Field, ...], line: tuple[Field, ...]) -> pd.DataFrame:
    headers = to_frame(records, header, API, "invoice")
    owners: list[int] = []
    lines: list[dict[str, Any]] = []
    for position, record in enumerate(records):
        key = find_key(record, fields.ATRIA_INVOICE_LINES_KEYS)
        record_lines = object_list(record.get(key) or [], API, "invoice") if key else []
        lines.extend(record_lines)
        owners.extend([position] * len(record_lines))
    body = to_frame(lines, line, API, "invoice")
    frame = pd.concat([headers.iloc[owners].reset_index(drop=True), body], axis=1)
    return frame


def _optional(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"The {name} filter must be text, not {value!r}.")
    return value.strip() or None


def _period(row: pd.Series) -> Period:
    """The ``Period`` of one row of the ``periods()`` frame."""
    return Period(
        start=None if pd.isna(row["period_start"]) else row["period_start"].date(),
        end=row["period_end"].date(),
        name=None if pd.isna(row["name"]) else str(row["name"]),
        is_closed=bool(row["is_closed"]) if pd.notna(row["is_closed"]) else False,
    )


# --- shapes built from a summary (``Atria.summary``), for the Dashboard and the quantity formulas -----------

CHANGE_COLUMNS = ("sku", "grouping", "last_count", "this_count", "difference")
"""The columns of ``largest_changes``: what the Dashboard's Changes table shows."""

BillableCounts = dict[str, dict[str, dict[str, int]]]
"""SKU (lower case) -> customer code -> ``{"this_count": n, "difference": n}``."""


def largest_changes(summary: pd.DataFrame, count: int) -> pd.DataFrame:
    """The ``count`` rows of ``summary`` whose count changed most since the prior period (largest
    ``difference`` either way first; equal ones keep the summary's order), rows without a change left
    out: ``sku, grouping, last_count, this_count, difference``, indexed from 0."""
    changed = summary.loc[summary["difference"].fillna(0) != 0, list(CHANGE_COLUMNS)]
    order = changed["difference"].abs().sort_values(ascending=False, kind="stable").index
    return changed.loc[order].head(count).reset_index(drop=True)


def billable_counts(summary: pd.DataFrame) -> BillableCounts:
    """The billed quantity and its change since the prior period per SKU and customer, from a per-customer
    ``summary``: ``counts[sku.lower()][customer_code]["this_count" | "difference"]``, summed over the
    billable rows (missing counts as 0). Every SKU of the summary is a key, billable or not, so a SKU no
    customer has can be told from one a given customer lacks (absent there: its quantity is 0)."""
    counts: BillableCounts = {str(sku).lower(): {} for sku in summary["sku"].dropna()}
    billable = summary[summary["billable"].fillna(False).astype(bool)]
    for sku, code, this, change in zip(
        billable["sku"], billable["customer_code"], billable["this_count"], billable["difference"], strict=True
    ):
        cell = counts[str(sku).lower()].setdefault(str(code), {"this_count": 0, "difference": 0})
        cell["this_count"] += int(this) if pd.notna(this) else 0
        cell["difference"] += int(change) if pd.notna(change) else 0
    return counts
