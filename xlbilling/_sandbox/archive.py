"""The Xarios "Get Invoice Detail" download: a ZIP holding the invoice JSON and a one-row-per-item CSV."""

from __future__ import annotations

import csv
import io
import zipfile

import orjson

from xlbilling._sandbox.dataset import Dataset
from xlbilling._sandbox.vendor import VendorInvoice, items
from xlbilling._sandbox.xarios_json import invoice_data, item_date, string_values

CSV_HEADER = [
    "id",
    "quantity",
    "value",
    "fromdate",
    "todate",
    "productname",
    "partnumber",
    "tenantcode",
    "tenantcodeext",
    "tenantname",
    "userid",
    "username",
    "resellercode",
    "resellercodeext",
    "resellername",
    "role",
]
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def detail_zip(ds: Dataset, inv: VendorInvoice) -> bytes:
    """``invoice-{id}.json`` (the invoice ``data`` object) and ``invoice-{id}.csv``, zipped in memory.

    Member timestamps are fixed so the same invoice always gives the same bytes.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (
            (f"invoice-{inv.invoice_id}.json", orjson.dumps(invoice_data(ds, inv))),
            (f"invoice-{inv.invoice_id}.csv", _csv(ds, inv).encode("utf-8")),
        ):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def _csv(ds: Dataset, inv: VendorInvoice) -> str:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for item in items(ds, inv):
        values = dict(string_values(item))
        writer.writerow(
            [
                item.item_id,
                item.quantity,
                f"{item.value:.2f}",
                item_date(inv.period.start),
                item_date(inv.period.end),
                item.product.product_name,
                f"#{item.product.part_number}",
                values["TenantCode"],
                values["TenantCodeExt"],
                values["TenantName"],
                values.get("UserId", ""),
                values.get("UserName", ""),
                values["ResellerCode"],
                values["ResellerCodeExt"],
                values["ResellerName"],
                values.get("Role", ""),
            ]
        )
    return text.getvalue()
