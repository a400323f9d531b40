"""Atria's billing API responses as the sandbox serves them (camelCase, see docs/pages/contract.md)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from xlbilling._sandbox.catalogue import BY_SKU
from xlbilling._sandbox.dataset import MSP_NAME, Customer, Dataset, Period, Row

Json = dict[str, Any]


def parameters(ds: Dataset) -> Json:
    """``GET /api/Billing/parameters``: the billing periods and customers."""
    return {
        "billingPeriods": [
            {"startDate": p.start.isoformat(), "endDate": p.end.isoformat(), "name": p.name, "isClosed": p.is_closed}
            for p in ds.periods
        ],
        "customers": [{**_who(c), "billedBy": _billed_by(ds, c)} for c in ds.customers],
    }


def summary(ds: Dataset, period: Period, billable_only: bool, by_customer: bool) -> list[Json]:
    """``GET /api/billing/{enddate}``: counts at period end compared with the period before."""
    this, last = ds.counts(period), ds.counts(ds.previous(period))
    if not by_customer:
        this, last = _drop_customer(this), _drop_customer(last)
    keys = sorted(k for k in set(this) | set(last) if k[2] or not billable_only)
    rows = []
    for code, sku, billable in keys:
        key = (code, sku, billable)
        who = (
            _who(ds.by_code[code])
            if code
            else {"customerCode": None, "customerName": None, "customerAccountCode": None}
        )
        rows.append(
            {
                **who,
                "productSku": sku,
                "billableFlag": billable,
                "summaryGrouping": BY_SKU[sku].grouping,
                "lastMonthCount": last[key],
                "difference": this[key] - last[key],
                "thisMonthCount": this[key],
                "resultCount": len(keys),
            }
        )
    return rows


def detail(
    ds: Dataset,
    period: Period,
    customer: Customer | None,
    billable_only: bool,
    service: str | None,
    user_search: str | None,
) -> list[Json]:
    """``GET /api/billing/{enddate}/detail``: one row per service active during the period."""
    return [
        {
            "action": r.action,
            "actionedDate": r.actioned_at.isoformat(timespec="seconds"),
            "actionedBy": r.actioned_by,
            **_who(r.instance.customer, account=False),
            "userName": r.instance.user.email if r.instance.user else None,
            **_service(r),
            "overrideReason": r.instance.reason,
            "startDate": r.start.isoformat(),
            "endDate": r.end.isoformat(),
        }
        for r in _select(ds, period, customer, billable_only, service, user_search)
    ]


def invoice(ds: Dataset, period: Period, customer: Customer | None) -> list[Json]:
    """``GET /api/Billing/{endDate}/invoice``: billable quantities at period end per consuming customer."""
    lines: dict[str, list[Json]] = {}
    for (code, sku), quantity in ds.billed(period).items():
        if customer is None or customer.code == code:
            s = BY_SKU[sku]
            lines.setdefault(code, []).append(
                {
                    "productSku": sku,
                    "serviceCode": s.service_code,
                    "serviceName": s.service_name,
                    "lineDescription": s.summary_description,
                    "quantity": quantity,
                }
            )
    result = []
    for code, invoice_lines in lines.items():
        c = ds.by_code[code]
        payer = ds.by_code[c.bill_to]
        result.append(
            {
                **_who(c),
                "billToCustomerCode": payer.code,
                "billToCustomerName": payer.name,
                "billToCustomerAccountCode": payer.account_code,
                "invoiceLines": invoice_lines,
            }
        )
    return result


def analysis(ds: Dataset, period: Period, customer: Customer | None) -> list[Json]:
    """``GET /api/Billing/{endDate}/analysis``: every user service with address and duration share."""
    rows = []
    for r in _select(ds, period, customer, False, None, None):
        c = r.instance.customer
        payer = ds.by_code[c.bill_to]
        a = c.address
        rows.append(
            {
                **_who(c),
                "billToCustomerCode": payer.code,
                "billToCustomerName": payer.name,
                "addressLine1": a.line1,
                "addressLine2": a.line2,
                "city": a.city,
                "region": a.region,
                "postalCode": a.postal_code,
                "country": a.country,
                "userName": r.instance.user.email if r.instance.user else None,
                **_service(r, with_line=False),
                "nonBillableReason": r.instance.reason,
                "startDate": r.start.isoformat(),
                "endDate": r.end.isoformat(),
                "durationPercent": float(r.duration_percent),
                "quantity": 1,
                "lineDescription": _line(r),
                "summaryDescription": r.instance.sku.summary_description,
            }
        )
    return rows


def _select(
    ds: Dataset,
    period: Period,
    customer: Customer | None,
    billable_only: bool,
    service: str | None,
    user_search: str | None,
) -> list[Row]:
    rows = ds.rows(period)
    if customer is not None:
        rows = [r for r in rows if r.instance.customer is customer]
    if billable_only:
        rows = [r for r in rows if r.instance.billable]
    if service:
        wanted = service.casefold()
        rows = [r for r in rows if r.instance.sku.service_name.casefold() == wanted]
    if user_search:
        needle = user_search.casefold()
        rows = [r for r in rows if r.instance.user and needle in r.instance.user.email.casefold()]
    return rows


def _who(c: Customer, account: bool = True) -> Json:
    who = {"customerCode": c.code, "customerName": c.name}
    if account:
        who["customerAccountCode"] = c.account_code
    return who


def _billed_by(ds: Dataset, c: Customer) -> str:
    return MSP_NAME if c.bill_to == c.code else ds.by_code[c.bill_to].name


def _line(r: Row) -> str:
    return f"{r.instance.sku.summary_description} - {r.instance.label}"


def _service(r: Row, with_line: bool = True) -> Json:
    s = r.instance.sku
    fields: Json = {
        "serviceName": s.service_name,
        "servicePlanName": s.plan_name,
        "sku": s.sku,
        "skuType": s.sku_type,
        "billable": r.instance.billable,
    }
    if with_line:
        fields["lineDescription"] = _line(r)
    return fields


def _drop_customer(counts: Counter[tuple[str, str, bool]]) -> Counter[tuple[str, str, bool]]:
    merged: Counter[tuple[str, str, bool]] = Counter()
    for (_, sku, billable), n in counts.items():
        merged[("", sku, billable)] += n
    return merged
