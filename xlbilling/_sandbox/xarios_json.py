"""Xarios billing-data API responses as the sandbox serves them (see docs/pages/contract.md).

Get All uses ``invoiceid`` / ``customerName`` and list-style dates, Get Invoice uses ``invoiceId`` /
``accountName`` / ``invoiceDate`` and 7-fractional-digit dates, as the vendor's own examples do.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xlbilling._sandbox.dataset import MSP_NAME, RESELLER_CODE, RESELLER_CODE_EXT, Dataset
from xlbilling._sandbox.vendor import VAT_PERCENT, VendorInvoice, VendorItem, invoices
from xlbilling._sandbox.vendor import items as vendor_items

Json = dict[str, Any]


def timestamp(ds: Dataset) -> str:
    """The envelope timestamp: the sandbox's fixed "now" (so responses are reproducible)."""
    return _stamp(ds.now)


def invoice_list(ds: Dataset) -> Json:
    """``GET /api/v1.0/billingdata``."""
    data = [
        {
            "tenantId": RESELLER_CODE,
            "invoiceid": inv.invoice_id,
            "invoiceNumber": inv.invoice_number,
            "customerName": MSP_NAME,
            "billingPeriodStart": f"{inv.period.start.isoformat()}T00:00:00.000+00:00",
            "billingPeriodEnd": f"{inv.period.end.isoformat()}T23:59:59.999+00:00",
            "invoiceValue": _money(inv.total),
        }
        for inv in invoices(ds)
    ]
    return {"page_size": str(len(data)), "status": "success", "timestamp": timestamp(ds), "data": data}


def invoice_data(ds: Dataset, inv: VendorInvoice) -> Json:
    """The ``data`` object of ``GET /api/v1.0/billingdata/{invoiceId}`` (also the JSON in the ZIP)."""
    items = [_price_item(inv, item) for item in vendor_items(ds, inv)]
    totals = (
        ("SUM", None, ["Summary"], inv.net),
        ("ADJUSTPERCENTAGE", VAT_PERCENT, ["Summary", "TotalVAT"], inv.vat),
        ("SUM", None, ["Summary", "TotalInclVAT"], inv.total),
    )
    for order, (operator, operand, tags, value) in enumerate(totals, start=2):
        items.append(
            {
                "id": f"{inv.invoice_id}-{'-'.join(tags).lower()}",
                "quantity": 1,
                "value": _money(value),
                "fromDate": item_date(inv.period.start),
                "toDate": item_date(inv.period.end),
                "calculationOrder": order,
                "operatorUsed": operator,
                "operatorValueUsed": None if operand is None else int(operand),
                "productTagName": None,
                "billingOutputTags": tags,
                "stringValues": [],
                "numericValues": [],
            }
        )
    return {
        "tenantId": RESELLER_CODE,
        "invoiceId": inv.invoice_id,
        "invoiceNumber": inv.invoice_number,
        "accountName": MSP_NAME,
        "invoiceDate": f"{inv.issued.isoformat()}T00:00:00.0000000",
        "billingPeriodStart": f"{inv.period.start.isoformat()}T00:00:00.0000000",
        "billingPeriodEnd": f"{inv.period.end.isoformat()}T23:59:59.0000000",
        "invoiceValue": _money(inv.total),
        "invoiceItems": items,
    }


def invoice_envelope(ds: Dataset, inv: VendorInvoice) -> Json:
    """``GET /api/v1.0/billingdata/{invoiceId}``."""
    return {
        "data": invoice_data(ds, inv),
        "error": None,
        "message": None,
        "status": "success",
        "timestamp": timestamp(ds),
    }


def not_found(ds: Dataset) -> Json:
    """The Xarios 404 body."""
    return {"error": 404, "message": "Not Found", "status": "error", "timestamp": timestamp(ds)}


def item_date(day: date) -> str:
    """An invoice item date: ``2026-10-01T00:00:00.000+00:00``."""
    return f"{day.isoformat()}T00:00:00.000+00:00"


def string_values(item: VendorItem) -> list[tuple[str, str]]:
    """An item's name/value pairs, in the vendor's order."""
    user = item.user
    pairs = [
        ("TenantCode", item.tenant.tenant_code),
        ("TenantCodeExt", item.tenant.account_code),
        ("TenantName", item.tenant.name),
        ("ResellerCode", RESELLER_CODE),
        ("ResellerCodeExt", RESELLER_CODE_EXT),
        ("ResellerName", MSP_NAME),
    ]
    if user is not None:
        pairs += [("UserId", user.user_id), ("UserName", user.email), ("Role", user.role)]
    return pairs


def _price_item(inv: VendorInvoice, item: VendorItem) -> Json:
    return {
        "id": item.item_id,
        "quantity": item.quantity,
        "value": _money(item.value),
        "fromDate": item_date(inv.period.start),
        "toDate": item_date(inv.period.end),
        "calculationOrder": 1,
        "operatorUsed": "PRICE",
        "operatorValueUsed": None,
        "productTagName": item.product.product_tag,
        "billingOutputTags": ["PurchaseResult"],
        "stringValues": [{"name": n, "value": v} for n, v in string_values(item)],
        "numericValues": [{"name": "customer_licence_count", "value": item.licence_count}],
    }


def _money(amount: Decimal) -> float:
    """A JSON number with the amount's exact 2-decimal value (shortest float repr round-trips)."""
    return float(amount)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")
