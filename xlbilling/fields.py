"""The field tables: which JSON keys fill which DataFrame column, for every endpoint of both APIs.

Neither vendor publishes a JSON schema, so this is the one place to adapt when a real instance spells a
field differently: add the new spelling to the field's ``keys`` (matching ignores case). The first key
is the one named in error messages. Column names and types are xlbilling's stable API
(see docs/contract.md and the README).
"""

from __future__ import annotations

from xlbilling.frames import Field

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
