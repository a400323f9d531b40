"""Every Xarios interface against the sandbox: invoices, items, the arithmetic check, the ZIP and the PDF."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
import pandas as pd
import pytest

from xlbilling._apis.xarios import ITEM_COLUMNS, Xarios
from xlbilling._cli.hints import worded
from xlbilling._errors import BadResponse, InputError, NotFoundError
from xlbilling._excel.hints import for_formula
from xlbilling._sandbox import Sandbox


def test_invoice_list_one_per_closed_period(xarios: Xarios) -> None:
    invoices = xarios.invoices()
    assert len(invoices) >= 12
    assert invoices["invoice_id"].is_unique
    assert invoices["account_name"].notna().all(), "Get All says customerName; it fills account_name"
    assert all(isinstance(v, Decimal) for v in invoices["invoice_value"])
    assert invoices["period_end"].is_monotonic_increasing
    assert invoices["period_end"].iloc[-1] == pd.Timestamp("2026-10-31")


def latest_id(xarios: Xarios) -> str:
    return str(xarios.invoices()["invoice_id"].iloc[-1])


def test_invoice_items_are_flattened_and_add_up(xarios: Xarios) -> None:
    invoice = xarios.invoice(latest_id(xarios))
    items = invoice.items
    assert tuple(items.columns) == ITEM_COLUMNS
    assert items["calculation_order"].is_monotonic_increasing
    purchases = items[items["is_purchase"]]
    assert purchases["tenant_code_ext"].notna().all()
    assert purchases["part_number"].str.match(r"^[A-Z0-9]+$").all(), "part number without '#'"
    assert (purchases["customer_licence_count"] >= 1).all()
    per_user = purchases[purchases["user_name"].notna()]
    assert len(per_user) > 0 and per_user["role"].notna().all()
    for value, quantity, unit in zip(purchases["value"], purchases["quantity"], purchases["unit_cost"], strict=True):
        assert abs(unit * quantity - value) < Decimal("0.01")
    assert invoice.check.ok, invoice.check.message
    assert invoice.check.total == invoice.header.invoice_value
    assert invoice.check.subtotal == sum(purchases["value"], Decimal(0))
    assert invoice.check.tax == (invoice.check.subtotal * Decimal("0.2")).quantize(Decimal("0.01"))


def test_the_seeded_vat_error_is_found_to_the_cent(sandbox: Sandbox, xarios: Xarios) -> None:
    checks = {invoice_id: xarios.invoice(invoice_id).check for invoice_id in xarios.invoices()["invoice_id"]}
    wrong = {invoice_id: check for invoice_id, check in checks.items() if not check.ok}
    assert len(wrong) == 1
    (check,) = wrong.values()
    assert "TotalVAT" in check.message and "1 cent " in check.message


def test_detail_zip_json_and_csv_agree(xarios: Xarios) -> None:
    invoice_id = latest_id(xarios)
    detail = xarios.invoice_detail(invoice_id)
    assert detail.agrees, detail.message
    purchases = detail.invoice.items[detail.invoice.items["is_purchase"]]
    assert len(detail.csv_items) == len(purchases)
    assert sorted(detail.csv_items["part_number"]) == sorted(purchases["part_number"])
    assert sum(detail.csv_items["value"], Decimal(0)) == detail.invoice.check.subtotal


def test_pdf_is_saved_atomically(xarios: Xarios, tmp_path: Path) -> None:
    target = tmp_path / "out" / "invoice.pdf"
    path = xarios.invoice_pdf(latest_id(xarios), target)
    assert path == target
    assert target.read_bytes().startswith(b"%PDF")
    assert [p.name for p in target.parent.iterdir()] == ["invoice.pdf"]


def test_unknown_invoice_is_not_found_with_a_way_forward(xarios: Xarios) -> None:
    with pytest.raises(NotFoundError) as caught:
        xarios.invoice("NO-SUCH-INVOICE")
    assert "Xarios invoice NO-SUCH-INVOICE" in str(caught.value)
    assert "xlbilling xarios list" in str(worded(caught.value))
    assert "=XLB_XARIOS_INVOICES() lists the invoice ids" in str(for_formula(caught.value))


def test_invoice_id_cannot_walk_the_url(xarios: Xarios) -> None:
    with pytest.raises(NotFoundError):
        xarios.invoice("../../api/Billing/parameters")
    with pytest.raises(InputError, match="No invoice id given"):
        xarios.invoice("  ")


def test_raw_route_shapes_are_what_the_contract_says(sandbox: Sandbox) -> None:
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    listing = httpx.get(f"{sandbox.url}/api/v1.0/billingdata", headers=headers).json()
    assert listing["status"] == "success" and "invoiceid" in listing["data"][0]


def test_a_truncated_pdf_is_refused_and_nothing_is_saved(sandbox: Sandbox, xarios: Xarios, tmp_path: Path) -> None:
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    invoice_id = latest_id(xarios)
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"malformed": "truncated", "count": -1}, headers=headers)
    try:
        with pytest.raises(BadResponse, match="the PDF stops in the middle"):
            xarios.invoice_pdf(invoice_id, tmp_path / "i.pdf")
    finally:
        httpx.delete(f"{sandbox.url}/_sandbox/faults", headers=headers)
    assert list(tmp_path.iterdir()) == []


def test_the_list_has_no_invoice_date_column_it_could_not_fill(xarios: Xarios) -> None:
    invoices = xarios.invoices()
    assert "invoice_date" not in invoices.columns
    header = xarios.invoice(str(invoices["invoice_id"].iloc[-1])).header
    assert header.invoice_date == pd.Timestamp("2026-11-01")
