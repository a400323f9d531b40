"""The local sandbox, checked over real loopback HTTP the way a client (or a curious user) sees it."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import subprocess
import sys
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Any

import httpx
import pytest

from xlbilling._sandbox import Dataset, Sandbox, start_sandbox
from xlbilling._sandbox.catalogue import reference_files

TODAY = date(2026, 11, 21)
LATEST = "2026-10-31"
LATEST_INVOICE = "INV-202610"
CATEGORIES = {
    "under_billed",
    "over_billed",
    "charged_not_billed",
    "billed_not_charged",
    "unmapped_product",
    "unmapped_tenant",
}


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    """A sandbox of this module's own (the fault tests change its state)."""
    with start_sandbox(seed=1, customers=25, today=TODAY) as running:
        yield running


@pytest.fixture
def api(box: Sandbox) -> Iterator[httpx.Client]:
    """An authenticated client; any fault a test arms is reset afterwards."""
    with httpx.Client(base_url=box.url, headers={"Authorization": f"Bearer {box.token}"}, timeout=30) as client:
        yield client
        client.delete("/_sandbox/faults")


def get_json(api: httpx.Client, path: str, **params: Any) -> Any:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def money(value: float) -> Decimal:
    return Decimal(repr(value))


def closed_ends(api: httpx.Client) -> list[str]:
    periods = get_json(api, "/api/Billing/parameters")["billingPeriods"]
    return [p["endDate"] for p in periods if p["isClosed"]]


def invoice_items(api: httpx.Client, invoice_id: str) -> list[dict[str, Any]]:
    return get_json(api, f"/api/v1.0/billingdata/{invoice_id}")["data"]["invoiceItems"]


def values(item: dict[str, Any]) -> dict[str, Any]:
    return {v["name"]: v["value"] for v in item["stringValues"]}


# --- auth and routing ---------------------------------------------------------------------------

ROUTES = [
    "/api/Billing/parameters",
    f"/api/billing/{LATEST}",
    f"/api/billing/{LATEST}/detail",
    f"/api/Billing/{LATEST}/invoice",
    f"/api/Billing/{LATEST}/analysis",
    "/api/v1.0/billingdata",
    f"/api/v1.0/billingdata/{LATEST_INVOICE}",
    f"/api/v1.0/billingdata/{LATEST_INVOICE}/detail",
    f"/api/v1.0/billingdata/{LATEST_INVOICE}/summary",
    "/_sandbox/discrepancies",
    "/no/such/route",
]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("auth", [None, "Bearer wrong-token", "Basic dXNlcjpwYXNz"])
def test_every_route_refuses_a_missing_or_wrong_token_with_an_empty_401(
    box: Sandbox, route: str, auth: str | None
) -> None:
    headers = {"Authorization": auth} if auth else {}
    response = httpx.get(box.url + route, headers=headers)
    assert response.status_code == 401
    assert response.content == b""


def test_fault_control_also_needs_the_token(box: Sandbox) -> None:
    assert httpx.post(f"{box.url}/_sandbox/faults", json={"status": 500}).status_code == 401
    assert httpx.delete(f"{box.url}/_sandbox/faults").status_code == 401


def test_api_docs_are_served_and_list_both_apis(box: Sandbox) -> None:
    assert "swagger" in httpx.get(f"{box.url}/docs").text.lower()
    paths = httpx.get(f"{box.url}/openapi.json").json()["paths"]
    assert "/api/billing/{enddate}/analysis" in paths
    assert "/api/v1.0/billingdata/{invoice_id}/summary" in paths


def test_atria_routes_and_query_names_are_case_insensitive(api: httpx.Client) -> None:
    lower = api.get(f"/api/billing/{LATEST}/detail?customer=CUST0004&billableOnly=true").content
    mixed = api.get(f"/API/Billing/{LATEST}/Detail?Customer=CUST0004&BILLABLEONLY=true").content
    assert mixed == lower
    rows = json.loads(lower)
    assert rows and all(r["billable"] and r["customerCode"] == "CUST0004" for r in rows)


def test_atria_errors_are_json_messages(api: httpx.Client) -> None:
    unknown = api.get(f"/api/billing/{LATEST}/detail", params={"customer": "CUST9999"})
    assert unknown.status_code == 404
    assert "CUST9999" in unknown.json()["message"]
    no_period = api.get("/api/Billing/2001-01-31/invoice")
    assert no_period.status_code == 404 and "2001-01-31" in no_period.json()["message"]
    bad_date = api.get("/api/billing/31-10-2026")
    assert bad_date.status_code == 400 and "yyyy-MM-dd" in bad_date.json()["message"]
    bad_flag = api.get(f"/api/billing/{LATEST}", params={"billableOnly": "perhaps"})
    assert bad_flag.status_code == 400 and "billableOnly" in bad_flag.json()["message"]


@pytest.mark.parametrize(
    "route", ["/api/v1.0/billingdata/INV-199901", "/api/v1.0/billingdata/INV-202611/detail", "/api/v1.0/nothing"]
)
def test_xarios_errors_use_the_vendor_404_body(api: httpx.Client, route: str) -> None:
    response = api.get(route)
    assert response.status_code == 404
    assert response.json() == {
        "error": 404,
        "message": "Not Found",
        "status": "error",
        "timestamp": "2026-11-21T10:00:00.000+00:00",
    }


# --- Atria shapes -----------------------------------------------------------------------------------


def test_parameters_list_twelve_closed_months_and_the_open_one(api: httpx.Client) -> None:
    body = get_json(api, "/api/Billing/parameters")
    periods = body["billingPeriods"]
    assert [p["isClosed"] for p in periods] == [True] * 12 + [False]
    assert periods[-1] == {
        "startDate": "2026-11-01",
        "endDate": "2026-11-30",
        "name": "November 2026",
        "isClosed": False,
    }
    for before, after in itertools.pairwise(periods):
        assert date.fromisoformat(after["startDate"]) == date.fromisoformat(before["endDate"]) + timedelta(days=1)
    customers = body["customers"]
    assert len(customers) == 25
    assert set(customers[0]) == {"customerCode", "customerName", "customerAccountCode", "billedBy"}
    assert len({c["customerAccountCode"] for c in customers}) == 25


def test_customer_names_include_the_hard_cases(api: httpx.Client) -> None:
    names = [c["customerName"] for c in get_json(api, "/api/Billing/parameters")["customers"]]
    assert any("'" in n for n in names)
    assert "Zürich Café GmbH" in names
    assert [n for n in names if n.startswith("=")] == ['=HYPERLINK("http://evil.example","Click") Ltd']
    assert any("/" in n and "..\\" in n for n in names)


def test_about_one_in_five_customers_is_billed_to_a_channel_partner(api: httpx.Client) -> None:
    invoice = get_json(api, f"/api/Billing/{LATEST}/invoice")
    partners = {r["billToCustomerCode"] for r in invoice if r["billToCustomerCode"] != r["customerCode"]}
    via_partner = [r for r in invoice if r["billToCustomerCode"] != r["customerCode"]]
    assert 2 <= len(partners) <= 3
    assert 3 <= len(via_partner) <= 8
    analysed = {r["customerCode"] for r in get_json(api, f"/api/Billing/{LATEST}/analysis")}
    assert partners <= analysed  # each partner has usage of its own, so its address is in the analysis


def test_summary_counts_compare_with_the_previous_period(api: httpx.Client) -> None:
    rows = get_json(api, f"/api/billing/{LATEST}")
    assert set(rows[0]) == {
        "customerCode",
        "customerName",
        "customerAccountCode",
        "productSku",
        "billableFlag",
        "summaryGrouping",
        "lastMonthCount",
        "difference",
        "thisMonthCount",
        "resultCount",
    }
    assert all(r["difference"] == r["thisMonthCount"] - r["lastMonthCount"] for r in rows)
    assert all(r["resultCount"] == len(rows) for r in rows)
    assert {r["billableFlag"] for r in rows} == {True, False}
    billable = get_json(api, f"/api/billing/{LATEST}", billableOnly="true")
    assert billable == [{**r, "resultCount": len(billable)} for r in rows if r["billableFlag"]]
    invoice = get_json(api, f"/api/Billing/{LATEST}/invoice")
    billed = {(r["customerCode"], line["productSku"]): line["quantity"] for r in invoice for line in r["invoiceLines"]}
    assert {
        (r["customerCode"], r["productSku"]): r["thisMonthCount"] for r in billable if r["thisMonthCount"]
    } == billed


def test_summary_across_customers_adds_up_the_customer_rows(api: httpx.Client) -> None:
    per_customer = get_json(api, f"/api/billing/{LATEST}")
    overall = get_json(api, f"/api/billing/{LATEST}", aggregateByCustomer="false")
    assert all(r["customerCode"] is None and r["customerName"] is None for r in overall)
    totals: Counter[tuple[str, bool]] = Counter()
    for r in per_customer:
        totals[(r["productSku"], r["billableFlag"])] += r["thisMonthCount"]
    assert {(r["productSku"], r["billableFlag"]): r["thisMonthCount"] for r in overall if r["thisMonthCount"]} == {
        k: n for k, n in totals.items() if n
    }


def test_detail_rows_and_filters(api: httpx.Client) -> None:
    rows = get_json(api, f"/api/billing/{LATEST}/detail")
    assert set(rows[0]) == {
        "action",
        "actionedDate",
        "actionedBy",
        "customerCode",
        "customerName",
        "userName",
        "serviceName",
        "servicePlanName",
        "sku",
        "skuType",
        "billable",
        "lineDescription",
        "overrideReason",
        "startDate",
        "endDate",
    }
    assert {r["action"] for r in rows} == {"Added", "Removed", "Carried"}
    assert all((r["userName"] is None) == (r["skuType"] == "Customer") for r in rows)
    assert all((r["overrideReason"] is None) == r["billable"] for r in rows)
    assert all(LATEST[:8] + "01" <= r["startDate"] <= r["endDate"] <= LATEST for r in rows)
    added = [r for r in rows if r["action"] == "Added"]
    assert all(r["actionedDate"][:10] == r["startDate"] for r in added)
    removed = [r for r in rows if r["action"] == "Removed"]
    assert all(r["actionedDate"][:10] == r["endDate"] for r in removed)
    teams = get_json(api, f"/api/billing/{LATEST}/detail", service="teams PHONE")
    assert teams == [r for r in rows if r["serviceName"] == "Teams Phone"] and teams
    ann = get_json(api, f"/api/billing/{LATEST}/detail", userSearch="ANN.")
    assert ann == [r for r in rows if r["userName"] and "ann." in r["userName"]] and ann


def test_invoice_quantity_counts_billable_services_active_at_period_end(api: httpx.Client) -> None:
    detail = get_json(api, f"/api/billing/{LATEST}/detail", billableOnly="true")
    active = Counter((r["customerCode"], r["sku"]) for r in detail if r["action"] != "Removed")
    invoice = get_json(api, f"/api/Billing/{LATEST}/invoice")
    assert {
        (r["customerCode"], line["productSku"]): line["quantity"] for r in invoice for line in r["invoiceLines"]
    } == dict(active)
    one = get_json(api, f"/api/Billing/{LATEST}/invoice", customer="CUST0003")
    assert [r["customerCode"] for r in one] == ["CUST0003"]
    assert set(one[0]["invoiceLines"][0]) == {"productSku", "serviceCode", "serviceName", "lineDescription", "quantity"}


def test_analysis_duration_percent_matches_the_dates(api: httpx.Client) -> None:
    rows = get_json(api, f"/api/Billing/{LATEST}/analysis", customer="CUST0002")
    assert rows and {r["customerCode"] for r in rows} == {"CUST0002"}
    assert {
        "addressLine1",
        "postalCode",
        "country",
        "durationPercent",
        "summaryDescription",
        "nonBillableReason",
    } <= set(rows[0])
    for r in rows:
        days = (date.fromisoformat(r["endDate"]) - date.fromisoformat(r["startDate"])).days + 1
        expected = cents(Decimal(100 * days) / 31)
        assert money(r["durationPercent"]) == expected
    assert any(r["durationPercent"] < 100 for r in get_json(api, f"/api/Billing/{LATEST}/analysis"))


# --- Xarios shapes and arithmetic ------------------------------------------------------------------


def test_one_xarios_invoice_per_closed_month_issued_on_the_first(api: httpx.Client) -> None:
    listing = get_json(api, "/api/v1.0/billingdata")
    assert listing["page_size"] == "12" and listing["status"] == "success"
    assert [i["billingPeriodEnd"][:10] for i in listing["data"]] == closed_ends(api)
    first = listing["data"][-1]
    assert set(first) == {
        "tenantId",
        "invoiceid",
        "invoiceNumber",
        "customerName",
        "billingPeriodStart",
        "billingPeriodEnd",
        "invoiceValue",
    }
    assert first["billingPeriodEnd"] == "2026-10-31T23:59:59.999+00:00"
    data = get_json(api, f"/api/v1.0/billingdata/{first['invoiceid']}")["data"]
    assert data["invoiceDate"] == "2026-11-01T00:00:00.0000000"
    assert data["billingPeriodEnd"] == "2026-10-31T23:59:59.0000000"
    assert data["accountName"] == first["customerName"] and data["invoiceValue"] == first["invoiceValue"]


def test_invoice_totals_add_up_except_the_one_documented_vat_error(api: httpx.Client) -> None:
    wrong = []
    for listed in get_json(api, "/api/v1.0/billingdata")["data"]:
        items = invoice_items(api, listed["invoiceid"])
        prices = [i for i in items if i["operatorUsed"] == "PRICE"]
        net, vat, total = items[-3:]
        assert [t["billingOutputTags"] for t in (net, vat, total)] == [
            ["Summary"],
            ["Summary", "TotalVAT"],
            ["Summary", "TotalInclVAT"],
        ]
        assert vat["operatorUsed"] == "ADJUSTPERCENTAGE" and vat["operatorValueUsed"] == 20
        assert sum(money(i["value"]) for i in prices) == money(net["value"])
        assert money(net["value"]) + money(vat["value"]) == money(total["value"]) == money(listed["invoiceValue"])
        if money(vat["value"]) != cents(money(net["value"]) * Decimal("0.2")):
            wrong.append((listed["invoiceid"], money(vat["value"]) - cents(money(net["value"]) * Decimal("0.2"))))
    assert wrong == [("INV-202604", Decimal("0.01"))]


def test_price_items_carry_tenant_reseller_and_user(api: httpx.Client) -> None:
    prices = [i for i in invoice_items(api, LATEST_INVOICE) if i["operatorUsed"] == "PRICE"]
    for item in prices:
        named = values(item)
        assert item["billingOutputTags"] == ["PurchaseResult"]
        assert re.fullmatch(r".+ #X[A-Z]{2}\d{5}", item["productTagName"])
        assert {"TenantCode", "TenantCodeExt", "TenantName", "ResellerCode", "ResellerCodeExt", "ResellerName"} <= set(
            named
        )
        if "UserName" in named:
            assert item["quantity"] == 1 and named["Role"]
        count = item["numericValues"][0]
        assert count["name"] == "customer_licence_count" and count["value"] >= item["quantity"]
    assert any("UserName" in values(i) for i in prices) and any("UserName" not in values(i) for i in prices)


# --- the two APIs agree, except where documented ---------------------------------------------------


def product_map() -> dict[str, str]:
    text = resources.files("xlbilling._sandbox").joinpath("data/product-map.csv").read_text("utf-8")
    return {row["part_number"]: row["sku"] for row in csv.DictReader(io.StringIO(text))}


def test_quantities_agree_across_apis_except_the_listed_discrepancies(api: httpx.Client) -> None:
    mapping = product_map()
    accounts = {c["customerAccountCode"] for c in get_json(api, "/api/Billing/parameters")["customers"]}
    found = set()
    for listed in get_json(api, "/api/v1.0/billingdata")["data"]:
        end = listed["billingPeriodEnd"][:10]
        vendor: Counter[tuple[str, str]] = Counter()
        for item in invoice_items(api, listed["invoiceid"]):
            if item["operatorUsed"] == "PRICE":
                part = item["productTagName"].rsplit("#", 1)[1]
                vendor[(values(item)["TenantCodeExt"], part)] += item["quantity"]
        billed = {
            (r["customerAccountCode"], line["productSku"]): line["quantity"]
            for r in get_json(api, f"/api/Billing/{end}/invoice")
            for line in r["invoiceLines"]
        }
        by_sku = {sku: part for part, sku in mapping.items()}
        keys = set(vendor) | {(account, by_sku[sku]) for account, sku in billed}
        for account, part in keys:
            charged, sku = vendor.get((account, part), 0), mapping.get(part)
            billed_quantity = billed.get((account, sku), 0) if sku else 0
            if sku is None:
                found.add((end, account, part, charged, billed_quantity, "unmapped_product"))
            elif account not in accounts:
                found.add((end, account, part, charged, billed_quantity, "unmapped_tenant"))
            elif charged != billed_quantity:
                kind = (
                    "charged_not_billed"
                    if not billed_quantity
                    else "billed_not_charged"
                    if not charged
                    else "under_billed"
                    if charged > billed_quantity
                    else "over_billed"
                )
                found.add((end, account, part, charged, billed_quantity, kind))
    listed_differences = get_json(api, "/_sandbox/discrepancies")
    assert found == {
        (
            d["period_end"],
            d["account_code"],
            d["part_number"],
            d["vendor_quantity"],
            d["billed_quantity"],
            d["category"],
        )
        for d in listed_differences
    }


def test_discrepancies_cover_every_category_in_the_latest_period(api: httpx.Client) -> None:
    listed = get_json(api, "/_sandbox/discrepancies")
    assert set(listed[0]) == {
        "period_end",
        "account_code",
        "tenant_name",
        "sku",
        "part_number",
        "vendor_quantity",
        "billed_quantity",
        "category",
        "unit_cost",
        "unit_price",
    }
    assert {d["category"] for d in listed if d["period_end"] == LATEST} == CATEGORIES
    assert len({d["period_end"] for d in listed}) >= 3
    prices = {
        row["sku"]: Decimal(row["unit_price"]) for row in csv.DictReader(io.StringIO(reference_files()["prices.csv"]))
    }
    for d in listed:
        if d["sku"]:
            assert money(d["unit_price"]) == prices[d["sku"]]


# --- downloads ---------------------------------------------------------------------------------------


def test_detail_zip_holds_the_invoice_json_and_a_csv_with_the_same_total(api: httpx.Client) -> None:
    response = api.get(f"/api/v1.0/billingdata/{LATEST_INVOICE}/detail")
    assert response.headers["content-type"] == "application/octet-stream"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = sorted(archive.namelist())
        json_blob = archive.read(f"invoice-{LATEST_INVOICE}.json")
        csv_blob = archive.read(f"invoice-{LATEST_INVOICE}.csv")
    assert names == [f"invoice-{LATEST_INVOICE}.csv", f"invoice-{LATEST_INVOICE}.json"]
    data = json.loads(json_blob)
    assert data == get_json(api, f"/api/v1.0/billingdata/{LATEST_INVOICE}")["data"]
    rows = list(csv.DictReader(io.StringIO(csv_blob.decode("utf-8"))))
    prices = [i for i in data["invoiceItems"] if i["operatorUsed"] == "PRICE"]
    assert len(rows) == len(prices)
    assert sum(Decimal(r["value"]) for r in rows) == money(data["invoiceItems"][-3]["value"])
    assert all(r["partnumber"].startswith("#") for r in rows)
    assert any(r["tenantname"].startswith("=HYPERLINK") for r in rows)


def test_summary_is_a_pdf_showing_the_invoice_number_and_total(api: httpx.Client) -> None:
    response = api.get(f"/api/v1.0/billingdata/{LATEST_INVOICE}/summary")
    assert response.headers["content-type"] == "application/octet-stream"
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    pages = b"".join(zlib.decompress(s) for s in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S))
    data = get_json(api, f"/api/v1.0/billingdata/{LATEST_INVOICE}")["data"]
    assert data["invoiceNumber"].encode() in pages
    assert f"({money(data['invoiceValue']):,.2f}) Tj".encode() in pages


# --- determinism, reference files, scale --------------------------------------------------------------

DETERMINISM_ROUTES = [
    "/api/Billing/parameters",
    f"/api/billing/{LATEST}/detail",
    f"/api/Billing/{LATEST}/analysis",
    "/api/v1.0/billingdata",
    f"/api/v1.0/billingdata/{LATEST_INVOICE}",
    f"/api/v1.0/billingdata/{LATEST_INVOICE}/detail",
    f"/api/v1.0/billingdata/{LATEST_INVOICE}/summary",
    "/_sandbox/discrepancies",
]


def fetch_all(seed: int) -> list[bytes]:
    with start_sandbox(seed=seed, customers=12, today=TODAY) as running:
        headers = {"Authorization": f"Bearer {running.token}"}
        return [httpx.get(running.url + route, headers=headers).content for route in DETERMINISM_ROUTES]


def test_same_seed_gives_byte_identical_responses_and_another_seed_does_not() -> None:
    first, second, other = fetch_all(7), fetch_all(7), fetch_all(8)
    assert first == second
    assert all(a != b for a, b in zip(first[1:], other[1:], strict=True))


def test_reference_files_agree_with_the_catalogue() -> None:
    data = resources.files("xlbilling._sandbox").joinpath("data")
    for name, text in reference_files().items():
        assert data.joinpath(name).read_text("utf-8") == text
    assert "XDM00099" not in product_map()  # the seeded unmapped product


def test_two_thousand_customers_give_a_hundred_thousand_detail_rows() -> None:
    dataset = Dataset(seed=1, customers=2000, today=TODAY)
    assert len(dataset.rows(dataset.closed_periods[-1])) >= 100_000


def test_too_few_customers_is_refused_with_a_clear_message() -> None:
    with pytest.raises(Exception, match="at least 10 customers"):
        Dataset(customers=3)


def test_cli_prints_url_token_and_settings_and_serves() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "xlbilling", "sandbox", "--port", "0", "--today", "2026-11-21", "--customers", "10"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        text = "".join(lines)
        url = re.search(r"export XLBILLING_ATRIA_URL='(.+)'", text)
        token = re.search(r"export XLBILLING_XARIOS_TOKEN='(.+)'", text)
        assert url and token and "$env:XLBILLING_ATRIA_TOKEN" in text
        response = httpx.get(f"{url[1]}/api/Billing/parameters", headers={"Authorization": f"Bearer {token[1]}"})
        assert len(response.json()["customers"]) == 10
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- fault switches ------------------------------------------------------------------------------------


def arm(api: httpx.Client, **fault: Any) -> None:
    assert api.post("/_sandbox/faults", json=fault).status_code == 204


def test_fault_429_carries_retry_after_and_lasts_count_requests(api: httpx.Client) -> None:
    arm(api, status=429, retry_after=7, count=2)
    for _ in range(2):
        response = api.get("/api/v1.0/billingdata")
        assert response.status_code == 429 and response.headers["retry-after"] == "7"
    assert api.get("/api/v1.0/billingdata").status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_fault_server_errors(api: httpx.Client, status: int) -> None:
    arm(api, status=status)
    assert api.get("/api/Billing/parameters").status_code == status
    assert api.get("/api/Billing/parameters").status_code == 200


def test_fault_applies_only_to_matching_paths_until_reset(api: httpx.Client) -> None:
    arm(api, status=503, count=-1, paths="/api/v1.0/")
    assert api.get("/api/Billing/parameters").status_code == 200
    assert api.get("/_sandbox/discrepancies").status_code == 200
    assert [api.get("/api/v1.0/billingdata").status_code for _ in range(3)] == [503] * 3
    api.delete("/_sandbox/faults")
    assert api.get("/api/v1.0/billingdata").status_code == 200


def test_fault_malformed_json_and_html(api: httpx.Client) -> None:
    arm(api, malformed="json")
    broken = api.get("/api/v1.0/billingdata")
    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        broken.json()
    arm(api, malformed="html")
    page = api.get("/api/Billing/parameters")
    assert page.headers["content-type"].startswith("text/html") and "<html>" in page.text


def test_fault_truncated_body_is_the_first_half_of_the_real_one(api: httpx.Client) -> None:
    whole = api.get("/api/Billing/parameters").content
    arm(api, malformed="truncated")
    cut = api.get("/api/Billing/parameters").content
    assert cut == whole[: len(whole) // 2]


def test_fault_latency_makes_a_short_timeout_expire(api: httpx.Client) -> None:
    arm(api, latency=1.0)
    with pytest.raises(httpx.ReadTimeout):
        api.get("/api/Billing/parameters", timeout=0.2)


def test_fault_slow_body_sends_headers_then_stalls(api: httpx.Client) -> None:
    whole = api.get("/api/Billing/parameters").content
    arm(api, slow_body=1.0)  # ten pieces 0.1 s apart: read whole within a timeout far above that
    with api.stream("GET", "/api/Billing/parameters", timeout=30) as response:
        assert response.status_code == 200
        assert response.read() == whole
    arm(api, slow_body=3.0)  # the first piece comes after 0.3 s: a 0.1 s timeout always expires first
    with api.stream("GET", "/api/Billing/parameters", timeout=0.1) as response, pytest.raises(httpx.ReadTimeout):
        assert response.status_code == 200
        response.read()


def test_bad_fault_request_is_refused(api: httpx.Client) -> None:
    response = api.post("/_sandbox/faults", json={"status": 418})
    assert response.status_code == 400
