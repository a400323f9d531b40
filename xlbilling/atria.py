"""The Atria billing REST API: one method per call, each returning a typed DataFrame.

Atria is the source of truth for *billed quantities* (it has no prices). Columns are documented in
docs/contract.md and the README; field names on the wire are matched through ``xlbilling/fields.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from xlbilling import fields
from xlbilling.errors import BadResponse, InputError, NoClosedPeriod, UnknownCustomer, UnknownPeriod
from xlbilling.frames import Field, find_key, object_list, read_frame, to_frame
from xlbilling.http import ApiClient
from xlbilling.periods import Period

API = "Atria"
_NOT_FOUND = "Check the billing period and the customer against Atria's lists of periods and customers."
_LIST_KEYS = ("items", "data", "value", "results", "rows")


class Atria:
    """A connection to one Atria instance (or the sandbox)."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def periods(self) -> pd.DataFrame:
        """The billing periods Atria knows: ``period_start, period_end, name, is_closed``, oldest first."""
        frame = to_frame(self._parameters("periods", "billingPeriods", "periods"), fields.ATRIA_PERIOD, API, "periods")
        return frame.sort_values("period_end", kind="stable").reset_index(drop=True)

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

    def customers(self) -> pd.DataFrame:
        """The customers: ``customer_code, customer_name, account_code, billed_by``."""
        return to_frame(self._parameters("customers", "customers"), fields.ATRIA_CUSTOMER, API, "customers")

    def summary(self, period: Period, billable_only: bool = False, by_customer: bool = True) -> pd.DataFrame:
        """One period summarised per SKU (and per customer when ``by_customer``), with the prior period's
        count: ``customer_code, customer_name, account_code, sku, billable, grouping, last_count, this_count,
        difference``. Without ``by_customer`` the customer columns are empty."""
        params = {"billableOnly": billable_only, "aggregateByCustomer": by_customer}
        path = f"/api/billing/{period.end.isoformat()}"
        frame = self._frame("summary", path, params, _NOT_FOUND, fields.ATRIA_SUMMARY)
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
        """User-level rows for one period, optionally for one customer code, one service name, users whose
        name contains ``user``, or billable items only. Columns: ``action, actioned_date, actioned_by,
        customer_code, customer_name, user_name, service_name, plan_name, sku, sku_type, billable,
        line_description, override_reason, start_date, end_date``."""
        params = {
            "customer": _optional(customer, "customer"),
            "service": _optional(service, "service"),
            "userSearch": _optional(user, "user"),
            "billableOnly": billable_only,
        }
        path = f"/api/billing/{period.end.isoformat()}/detail"
        return self._frame("detail", path, params, _NOT_FOUND, fields.ATRIA_DETAIL)

    def invoice_lines(self, period: Period, customer: str | None = None) -> pd.DataFrame:
        """Billable invoice lines per consuming customer with who pays for them: ``customer_code,
        customer_name, customer_account_code, bill_to_code, bill_to_name, bill_to_account_code, sku,
        service_code, service_name, line_description, quantity``. A missing Bill To means the customer
        pays for itself."""
        params = {"customer": _optional(customer, "customer")}
        records = self._rows("invoice", f"/api/Billing/{period.end.isoformat()}/invoice", params, _NOT_FOUND)
        return _invoice_frame(records)

    def analysis(self, period: Period, customer: str | None = None) -> pd.DataFrame:
        """The most detailed rows: customer address and every user service, billable or not, with
        ``duration_percent`` (0-100: the share of the period the service was active). Columns in
        docs/contract.md."""
        params = {"customer": _optional(customer, "customer")}
        path = f"/api/Billing/{period.end.isoformat()}/analysis"
        return self._frame("analysis", path, params, _NOT_FOUND, fields.ATRIA_ANALYSIS)

    def parameters(self) -> Any:
        """Atria's ``/parameters`` answer as parsed JSON: the periods and customers lists are read from it."""
        return self.client.get_json("parameters", "/api/Billing/parameters")

    def _parameters(self, call: str, *names: str) -> list[dict[str, Any]]:
        payload = self.parameters()
        if not isinstance(payload, dict):
            raise BadResponse(API, call, "expected a JSON object with periods and customers.")
        key = find_key(payload, names)
        if key is None:
            raise BadResponse(API, call, f"the answer has no '{names[0]}' field.")
        return object_list(payload[key], API, call)

    def _frame(self, call: str, path: str, params: dict[str, Any], hint: str, table: tuple[Field, ...]) -> pd.DataFrame:
        """The rows of a flat-row call as a frame: decoded straight from the bytes when they are a plain list of
        flat rows, else parsed and built by ``to_frame`` (which also gives the errors)."""
        body = self.client.get_json_bytes(call, path, params, not_found_hint=hint)
        frame = read_frame(body, table, API, call)
        if frame is None:
            frame = to_frame(_list(self.client.parse_json(call, body), call), table, API, call)
        return frame

    def _rows(self, call: str, path: str, params: dict[str, Any], hint: str) -> list[dict[str, Any]]:
        return _list(self.client.get_json(call, path, params, not_found_hint=hint), call)


def _list(payload: Any, call: str) -> list[dict[str, Any]]:
    """The rows of an answer: a JSON list of objects, or one inside an object under a usual key."""
    if isinstance(payload, dict):
        key = find_key(payload, _LIST_KEYS)
        if key is None:
            raise BadResponse(API, call, "expected a JSON list of rows.")
        payload = payload[key]
    return object_list(payload, API, call)


def _invoice_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    headers = to_frame(records, fields.ATRIA_INVOICE_RECORD, API, "invoice")
    owners: list[int] = []
    lines: list[dict[str, Any]] = []
    for position, record in enumerate(records):
        key = find_key(record, fields.ATRIA_INVOICE_LINES_KEYS)
        record_lines = object_list(record.get(key) or [], API, "invoice") if key else []
        lines.extend(record_lines)
        owners.extend([position] * len(record_lines))
    body = to_frame(lines, fields.ATRIA_INVOICE_LINE, API, "invoice")
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
