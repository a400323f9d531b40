"""The field tables: which JSON keys fill which DataFrame column, for every endpoint of both APIs.

Neither vendor publishes a JSON schema: a real instance that spells a field differently is met by the
config file's ``[atria.fields.<endpoint>]`` tables (``xlbilling._apis.spelling``), which add keys to these, per
endpoint (``ATRIA_ENDPOINTS``, ``XARIOS_ENDPOINTS``). Matching ignores case; the first key is the one named
in error messages; this module imports nothing heavy (``xlbilling config`` checks settings against it).
Column names and types are xlbilling's stable API
(see docs/pages/contract.md and docs/pages/settings.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "int", "float", "bool", "date", "datetime", "decimal"]


@dataclass(frozen=True)
class Field:
    """One DataFrame column: its name, the JSON keys it may come from, its type, whether it must exist."""

    column: str
    keys: tuple[str, ...]
    kind: Kind = "text"
    required: bool = False


# --- Atria --------------------------------------------------------------------------------------------

ATRIA_PERIOD = (
    Field("period_start", ("startDate", "periodStart", "billingPeriodStart"), "date"),
    Field("period_end", ("endDate", "periodEnd", "billingPeriodEnd"), "date", required=True),
    Field("name", ("name", "description", "periodName")),
    Field("is_closed", ("isClosed", "closed"), "bool"),
)

ATRIA_CUSTOMER = (
    Field("customer_code", ("customerCode", "code"), required=True),
    Field("customer_name", ("customerName", "name"), required=True),
    Field("account_code", ("customerAccountCode", "accountCode")),
    Field("billed_by", ("billedBy",)),
)

ATRIA_SUMMARY = (
    Field("customer_code", ("customerCode",)),
    Field("customer_name", ("customerName",)),
    Field("account_code", ("customerAccountCode", "accountCode")),
    Field("sku", ("productSku", "sku"), required=True),
    Field("billable", ("billableFlag", "billable"), "bool"),
    Field("grouping", ("summaryGrouping",)),
    Field("last_count", ("lastMonthCount", "lastCount"), "int", required=True),
    Field("this_count", ("thisMonthCount", "thisCount"), "int", required=True),
    Field("difference", ("difference",), "int"),
)

# Who had which service: shared by the detail and analysis rows.
_USER_SERVICE = (
    Field("user_name", ("userName", "user")),
    Field("service_name", ("serviceName",)),
    Field("plan_name", ("servicePlanName", "planName")),
    Field("sku", ("sku", "productSku"), required=True),
    Field("sku_type", ("skuType",)),
    Field("billable", ("billable", "billableFlag"), "bool"),
)

ATRIA_DETAIL = (
    Field("action", ("action",)),
    Field("actioned_date", ("actionedDate",), "datetime"),
    Field("actioned_by", ("actionedBy",)),
    Field("customer_code", ("customerCode",), required=True),
    Field("customer_name", ("customerName",)),
    *_USER_SERVICE,
    Field("line_description", ("lineDescription",)),
    Field("override_reason", ("overrideReason", "nonBillableReason")),
    Field("start_date", ("startDate",), "date"),
    Field("end_date", ("endDate",), "date"),
)

ATRIA_INVOICE_RECORD = (
    Field("customer_code", ("customerCode",), required=True),
    Field("customer_name", ("customerName",)),
    Field("customer_account_code", ("customerAccountCode", "accountCode")),
    Field("bill_to_code", ("billToCustomerCode", "billToCode")),
    Field("bill_to_name", ("billToCustomerName", "billToName")),
    Field("bill_to_account_code", ("billToCustomerAccountCode", "billToAccountCode")),
)
ATRIA_INVOICE_LINES_KEYS = ("invoiceLines", "lines")
ATRIA_INVOICE_LINE = (
    Field("sku", ("productSku", "sku"), required=True),
    Field("service_code", ("serviceCode",)),
    Field("service_name", ("serviceName",)),
    Field("line_description", ("lineDescription",)),
    Field("quantity", ("quantity", "qty"), "float", required=True),
)

ATRIA_ANALYSIS = (
    Field("customer_code", ("customerCode",), required=True),
    Field("customer_name", ("customerName",)),
    Field("account_code", ("customerAccountCode", "accountCode")),
    Field("bill_to_code", ("billToCustomerCode", "billToCode")),
    Field("bill_to_name", ("billToCustomerName", "billToName")),
    Field("address_line1", ("addressLine1", "address1")),
    Field("address_line2", ("addressLine2", "address2")),
    Field("city", ("city", "town")),
    Field("region", ("region", "state", "county")),
    Field("postal_code", ("postalCode", "postcode", "zip")),
    Field("country", ("country",)),
    *_USER_SERVICE,
    Field("non_billable_reason", ("nonBillableReason", "overrideReason")),
    Field("start_date", ("startDate",), "date"),
    Field("end_date", ("endDate",), "date"),
    Field("duration_percent", ("durationPercent",), "float", required=True),
    Field("quantity", ("quantity", "qty"), "float"),
    Field("line_description", ("lineDescription",)),
    Field("summary_description", ("summaryDescription",)),
)

# --- Xarios -------------------------------------------------------------------------------------------

XARIOS_INVOICE = (
    Field("invoice_id", ("invoiceId", "id"), required=True),
    Field("invoice_number", ("invoiceNumber",)),
    Field("tenant_id", ("tenantId",)),
    Field("account_name", ("accountName", "customerName")),
    Field("invoice_date", ("invoiceDate",), "date"),
    Field("period_start", ("billingPeriodStart",), "date"),
    Field("period_end", ("billingPeriodEnd",), "date"),
    Field("invoice_value", ("invoiceValue",), "decimal"),
)
# Get All carries no invoice date.
XARIOS_INVOICE_LIST = tuple(field for field in XARIOS_INVOICE if field.column != "invoice_date")
XARIOS_ITEMS_KEYS = ("invoiceItems", "items")

XARIOS_ITEM = (
    Field("item_id", ("id", "itemId")),
    Field("calculation_order", ("calculationOrder",), "int", required=True),
    Field("operator", ("operatorUsed", "operator"), required=True),
    Field("operator_value", ("operatorValueUsed",), "decimal"),
    Field("product_tag", ("productTagName",)),
    Field("quantity", ("quantity",), "decimal"),
    Field("value", ("value",), "decimal", required=True),
    Field("from_date", ("fromDate",), "date"),
    Field("to_date", ("toDate",), "date"),
)
XARIOS_ITEM_TAGS_KEYS = ("billingOutputTags", "outputTags")
XARIOS_STRING_VALUES_KEYS = ("stringValues",)
XARIOS_NUMERIC_VALUES_KEYS = ("numericValues",)

# Names inside ``stringValues`` / ``numericValues`` (matched ignoring case) -> item column.
XARIOS_STRING_VALUES: dict[str, tuple[str, ...]] = {
    "tenant_code": ("TenantCode",),
    "tenant_code_ext": ("TenantCodeExt",),
    "tenant_name": ("TenantName",),
    "reseller_code": ("ResellerCode",),
    "reseller_code_ext": ("ResellerCodeExt",),
    "reseller_name": ("ResellerName",),
    "user_id": ("UserId",),
    "user_name": ("UserName",),
    "role": ("Role",),
}
XARIOS_NUMERIC_VALUES: dict[str, tuple[str, ...]] = {
    "customer_licence_count": ("customer_licence_count", "customerLicenceCount"),
}

# The simplified CSV inside the detail ZIP (header names as Xarios writes them, matched ignoring case).
XARIOS_CSV = (
    Field("item_id", ("id",)),
    Field("quantity", ("quantity",), "decimal", required=True),
    Field("value", ("value",), "decimal", required=True),
    Field("from_date", ("fromdate",), "date"),
    Field("to_date", ("todate",), "date"),
    Field("product_name", ("productname",)),
    Field("part_number", ("partnumber",)),
    Field("tenant_code", ("tenantcode",)),
    Field("tenant_code_ext", ("tenantcodeext",)),
    Field("tenant_name", ("tenantname",)),
    Field("user_id", ("userid",)),
    Field("user_name", ("username",)),
    Field("reseller_code", ("resellercode",)),
    Field("reseller_code_ext", ("resellercodeext",)),
    Field("reseller_name", ("resellername",)),
    Field("role", ("role",)),
)

# --- the endpoints a config file names ([atria.fields.<endpoint>] / [xarios.fields.<endpoint>]) --------

ATRIA_ENDPOINTS: Mapping[str, tuple[Field, ...]] = {
    "periods": ATRIA_PERIOD,
    "customers": ATRIA_CUSTOMER,
    "summary": ATRIA_SUMMARY,
    "detail": ATRIA_DETAIL,
    "invoice_lines": ATRIA_INVOICE_RECORD + ATRIA_INVOICE_LINE,
    "analysis": ATRIA_ANALYSIS,
}
"""Each ``Atria`` method's name and the fields of its rows (``invoice_lines``: the record's, then its lines')."""

XARIOS_ENDPOINTS: Mapping[str, tuple[Field, ...]] = {
    "invoices": XARIOS_INVOICE_LIST,
    "invoice": XARIOS_INVOICE,
    "items": XARIOS_ITEM
    + tuple(Field(column, names) for column, names in XARIOS_STRING_VALUES.items())
    + tuple(Field(column, names, "float") for column, names in XARIOS_NUMERIC_VALUES.items()),
    "detail": XARIOS_CSV,
}
"""Get All (``invoices``), Get Invoice's header (``invoice``) and its items (``items``: the item's keys, then the
names in its ``stringValues``/``numericValues``), and the detail ZIP's CSV (``detail``)."""


def extended(table: tuple[Field, ...], extra: Mapping[str, tuple[str, ...]]) -> tuple[Field, ...]:
    """``table`` with the keys ``extra`` gives a column put before the built-in ones (so a row holding both
    takes the configured key)."""
    if not extra:
        return table
    return tuple(
        Field(f.column, (*extra[f.column], *f.keys), f.kind, f.required) if f.column in extra else f for f in table
    )


def pair_names(table: tuple[Field, ...], columns: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """``columns`` (``XARIOS_STRING_VALUES`` or ``XARIOS_NUMERIC_VALUES``) with the names ``table`` (an extended
    ``items`` table) gives each."""
    names = {f.column: f.keys for f in table}
    return {column: names[column] for column in columns}
