"""The margin-leak comparison on DataFrames built here: categories, matching rules, money, edge cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlbilling._apis.xarios import InvoiceHeader, XariosInvoice
from xlbilling._apis.xarios_arithmetic import InvoiceCheck
from xlbilling._apis.xarios_charges import InvoiceCharges, charges_of
from xlbilling._errors import DataError
from xlbilling._inputs.mapping import Mapping
from xlbilling._inputs.prices import Price
from xlbilling._reconcile.compare import compare
from xlbilling._reconcile.period import candidate_invoices, period_items
from xlbilling._reconcile.period import reconcile_period as reconcile
from xlbilling._reconcile.result import NothingCompared
from xlbilling._reconcile.text import headline
from xlbilling._values.money import cents
from xlbilling._values.period import Period

MAP = Mapping({"XDM00003": "M365-BP", "XDM00004": "EXO-P1", "XSE00030": "DNS-FLT", "XDB00010": "BKP-365"})
PRICES = {
    "M365-BP": Price("M365-BP", D("22.00"), "GBP", None, None),
    "EXO-P1": Price("EXO-P1", D("4.00"), "GBP", None, None),
    "DNS-FLT": Price("DNS-FLT", D("39.99"), "GBP", None, None),
}


def billed(*rows: tuple[str | None, str, str, float]) -> pd.DataFrame:
    """Atria invoice lines from (account code, customer name, SKU, quantity)."""
    return pd.DataFrame(
        [{"customer_code": f"C-{name[:4].upper()}", "customer_name": name, "customer_account_code": code,
          "sku": sku, "quantity": float(qty)} for code, name, sku, qty in rows],
        columns=["customer_code", "customer_name", "customer_account_code", "sku", "quantity"],
    )  # fmt: skip


def charged(*rows: tuple[str | None, str, str, str, str]) -> pd.DataFrame:
    """Xarios purchase items from (TenantCodeExt, tenant name, part number, quantity, value)."""
    return pd.DataFrame(
        [{"tenant_code_ext": code, "tenant_name": name, "part_number": part, "product_name": f"Product {part}",
          "quantity": D(qty), "value": D(value), "is_purchase": True} for code, name, part, qty, value in rows],
        columns=["tenant_code_ext", "tenant_name", "part_number", "product_name", "quantity", "value", "is_purchase"],
    )  # fmt: skip


def row(result: object, account: str, sku: str) -> pd.Series:
    detail = result.detail  # type: ignore[attr-defined]
    found = detail[(detail["account_code"] == account) & (detail["sku"] == sku)]
    assert len(found) == 1, f"expected one row for {account}/{sku}, got {len(found)}"
    return found.iloc[0]


def test_every_category_with_its_difference_and_money_at_stake() -> None:
    result = compare(
        billed(("ACME001", "Acme Ltd", "M365-BP", 10), ("ACME001", "Acme Ltd", "EXO-P1", 5),
               ("ACME001", "Acme Ltd", "BKP-365", 4), ("BETA001", "Beta plc", "M365-BP", 3)),
        charged(("ACME001", "Acme Ltd", "XDM00003", "12", "217.20"), ("ACME001", "Acme Ltd", "XDM00004", "3", "9.90"),
                ("ACME001", "Acme Ltd", "XSE00030", "1", "24.00"), ("BETA001", "Beta plc", "XDM00003", "3", "54.30")),
        MAP,
        PRICES,
    )  # fmt: skip
    under = row(result, "ACME001", "M365-BP")
    assert (under["category"], under["vendor_quantity"], under["billed_quantity"]) == ("under_billed", 12, 10)
    assert under["difference"] == 2 and under["unit_cost"] == D("18.1000") and under["unit_price"] == D("22.00")
    assert under["money_at_stake"] == D("44.00") and under["price_basis"] == "price"
    over = row(result, "ACME001", "EXO-P1")
    assert (over["category"], over["difference"], over["money_at_stake"]) == ("over_billed", -2, D("-8.00"))
    not_billed = row(result, "ACME001", "DNS-FLT")
    assert (not_billed["category"], not_billed["money_at_stake"]) == ("charged_not_billed", D("39.99"))
    not_charged = row(result, "ACME001", "BKP-365")  # no price: valued at cost, and no cost is known
    assert (not_charged["category"], not_charged["difference"]) == ("billed_not_charged", -4)
    assert not_charged["money_at_stake"] is None and result.unpriced == 1
    assert (not_charged["match_basis"], not_charged["part_number"]) == ("account code", "XDB00010")
    assert row(result, "BETA001", "M365-BP")["category"] == "matched"
    assert result.counts == {"under_billed": 1, "over_billed": 1, "charged_not_billed": 1,
                             "billed_not_charged": 1, "matched": 1}  # fmt: skip
    assert result.compared == 5
    assert result.leaked == D("83.99") and result.over_billed == D("8.00")


def test_money_is_valued_at_cost_without_a_price_and_rounded_half_up() -> None:
    prices = {"EXO-P1": Price("EXO-P1", D("0.335"), "GBP", None, None)}
    result = compare(
        billed(("ACME001", "Acme", "EXO-P1", 1), ("ACME001", "Acme", "M365-BP", 1)),
        charged(("ACME001", "Acme", "XDM00004", "4", "1.34"), ("ACME001", "Acme", "XDM00003", "4", "10.00")),
        MAP,
        prices,
    )
    exo = row(result, "ACME001", "EXO-P1")
    assert exo["money_at_stake"] == D("1.01")  # 3 x 0.335 = 1.005, half-up (banker's rounding gives 1.00)
    premium = row(result, "ACME001", "M365-BP")
    assert premium["unit_cost"] == D("2.5000") and premium["price_basis"] == "cost"
    assert premium["money_at_stake"] == D("7.50")


def test_unit_cost_is_rounded_to_four_places_and_shown_where_nothing_was_charged() -> None:
    result = compare(
        billed(("ACME001", "Acme", "M365-BP", 2), ("BETA001", "Beta", "M365-BP", 5), ("BETA001", "Beta", "EXO-P1", 1)),
        charged(("ACME001", "Acme", "XDM00003", "3", "10.00"), ("BETA001", "Beta", "XDM00004", "1", "3.30")),
        MAP,
    )
    assert row(result, "ACME001", "M365-BP")["unit_cost"] == D("3.3333")
    beta = row(result, "BETA001", "M365-BP")  # not charged: the invoice's own cost for the SKU
    assert beta["category"] == "billed_not_charged" and beta["unit_cost"] == D("3.3333")
    assert beta["money_at_stake"] == D("-16.67")


def test_customers_match_by_account_code_ignoring_case_and_spaces() -> None:
    result = compare(
        billed(("ACME001", "Acme Ltd", "M365-BP", 2)),
        charged((" acme001 ", "ACME LIMITED", "xdm00003", "2", "36.20")),
        MAP,
    )
    acme = row(result, "ACME001", "M365-BP")
    assert (acme["match_basis"], acme["category"], acme["customer_name"]) == ("account code", "matched", "Acme Ltd")
    assert acme["tenant_name"] == "ACME LIMITED"  # renamed in Xarios, same code: still the same customer


def test_name_is_used_only_when_the_code_is_missing() -> None:
    customers = pd.DataFrame(
        {
            "customer_code": ["C-ACME", "C-BETA", "C-GAMM"],
            "customer_name": ["Acme Ltd", "Beta plc", "Gamma LLP"],
            "account_code": ["ACME001", "BETA001", None],
        }
    )
    result = compare(
        billed(("ACME001", "Acme Ltd", "M365-BP", 2), ("BETA001", "Beta plc", "M365-BP", 1),
               (None, "Gamma LLP", "M365-BP", 1)),
        charged((None, "  acme   LTD ", "XDM00003", "2", "36.20"),  # no code: exact normalised name
                ("BETA002", "Beta plc", "XDM00003", "1", "18.10"),  # a code Atria does not know: no name match
                ("GAM-9", "Gamma LLP", "XDM00003", "1", "18.10")),  # Atria has no code for Gamma: name match
        MAP,
        customers=customers,
    )  # fmt: skip
    assert row(result, "ACME001", "M365-BP")["match_basis"] == "name"
    gamma = result.detail[result.detail["customer_name"] == "Gamma LLP"].iloc[0]
    assert (gamma["match_basis"], gamma["category"]) == ("name", "matched")
    beta = row(result, "BETA001", "M365-BP")
    assert (beta["category"], beta["match_basis"]) == ("billed_not_charged", "not on invoice")
    stray = result.unmapped_tenants.iloc[0]
    assert (stray["tenant_code_ext"], stray["vendor_quantity"]) == ("BETA002", 1)
    assert stray["add_to_mapping"] == "tenant_code_ext,account_code: BETA002,BETA001"
    assert "'Beta plc' has BETA001" in stray["reason"]


def test_a_name_shared_by_two_atria_customers_is_not_guessed() -> None:
    result = compare(
        billed(("ACME001", "Acme", "M365-BP", 1), ("ACME002", "Acme", "EXO-P1", 1)),
        charged(("ACME001", "Acme", "XDM00003", "1", "18.10"), (None, "Acme", "XDM00004", "1", "3.30")),
        MAP,
    )
    assert result.unmapped_tenants["reason"].tolist() == ["2 Atria customers are named 'Acme'"]
    assert row(result, "ACME002", "EXO-P1")["category"] == "billed_not_charged"


def test_a_changed_code_is_fixed_by_the_tenant_mapping() -> None:
    lines = billed(("ACME002", "Acme Ltd", "M365-BP", 2))
    items = charged(("ACME001", "Acme Ltd", "XDM00003", "2", "36.20"))
    before = compare(
        lines.assign(sku="EXO-P1"), pd.concat([items, charged(("ACME002", "Acme Ltd", "XDM00004", "2", "6.60"))]), MAP
    )
    assert before.unmapped_tenants["add_to_mapping"].tolist() == ["tenant_code_ext,account_code: ACME001,ACME002"]
    after = compare(lines, items, Mapping(MAP.products, {"ACME001": "ACME002"}))
    acme = row(after, "ACME002", "M365-BP")
    assert (acme["match_basis"], acme["category"]) == ("mapping", "matched")
    assert after.unmapped_tenants.empty


def test_unmapped_products_and_tenants_are_listed_not_dropped() -> None:
    result = compare(
        billed(("ACME001", "Acme", "M365-BP", 2)),
        charged(("ACME001", "Acme", "XDM00003", "2", "36.20"), ("ACME001", "Acme", "XDM00099", "1", "30.60"),
                ("BETA001", "Beta", "XDM00099", "2", "61.20"), ("HLTX900", "Harbour", "XDM00003", "3", "54.30")),
        MAP,
    )  # fmt: skip
    product = result.unmapped_products.iloc[0]
    assert (product["part_number"], product["tenant_codes"], product["vendor_quantity"], product["value"]) == (
        "XDM00099",
        "ACME001; BETA001",
        3,
        D("91.80"),
    )
    assert product["add_to_mapping"] == "part_number,sku: XDM00099,<Atria SKU>"
    tenants = result.unmapped_tenants.set_index("tenant_code_ext")
    assert tenants.loc["HLTX900", "vendor_quantity"] == 3 and tenants.loc["HLTX900", "value"] == D("54.30")
    assert tenants.loc["BETA001", "part_numbers"] == "XDM00099"
    assert tenants.loc["HLTX900", "add_to_mapping"] == "tenant_code_ext,account_code: HLTX900,<Atria account code>"
    assert len(result.detail) == 1 and result.counts["matched"] == 1


def test_duplicated_tenants_and_user_items_are_summed() -> None:
    result = compare(
        billed(("ACME001", "Acme Ltd", "M365-BP", 3)),
        charged(("ACME001", "Acme Ltd", "XDM00003", "1", "18.10"), ("ACME001", "Acme Ltd", "XDM00003", "1", "18.10"),
                ("ACME001", "Acme (2nd tenant)", "XDM00003", "2", "36.20")),
        MAP,
        PRICES,
    )  # fmt: skip
    acme = row(result, "ACME001", "M365-BP")
    assert (acme["vendor_quantity"], acme["difference"], acme["money_at_stake"]) == (4, 1, D("22.00"))
    assert acme["tenant_name"] == "Acme Ltd; Acme (2nd tenant)"


def test_two_atria_customers_with_one_account_code_are_one_customer() -> None:
    lines = billed(("ACME001", "Acme Ltd", "M365-BP", 2), ("ACME001", "Acme Group", "M365-BP", 1))
    result = compare(lines, charged(("ACME001", "Acme", "XDM00003", "3", "54.30")), MAP)
    acme = row(result, "ACME001", "M365-BP")
    assert (acme["billed_quantity"], acme["category"]) == (3, "matched")
    assert acme["customer_name"] == "Acme Ltd; Acme Group"


def test_negative_adjustments_net_off() -> None:
    result = compare(
        billed(("ACME001", "Acme", "M365-BP", 8), ("ACME001", "Acme", "EXO-P1", 2)),
        charged(("ACME001", "Acme", "XDM00003", "10", "181.00"), ("ACME001", "Acme", "XDM00003", "-2", "-36.20"),
                ("ACME001", "Acme", "XDM00004", "2", "6.60"), ("ACME001", "Acme", "XDM00004", "-2", "-6.60")),
        MAP,
        PRICES,
    )  # fmt: skip
    premium = row(result, "ACME001", "M365-BP")
    assert (premium["category"], premium["vendor_quantity"], premium["unit_cost"]) == ("matched", 8, D("18.1000"))
    exo = row(result, "ACME001", "EXO-P1")  # credited back to zero: billed but no longer charged
    assert (exo["category"], exo["money_at_stake"]) == ("billed_not_charged", D("-8.00"))


def test_summary_rows_and_skus_the_distributor_does_not_supply_are_left_out() -> None:
    items = charged(("ACME001", "Acme", "XDM00003", "2", "36.20"))
    totals = pd.DataFrame(
        [
            {
                "tenant_code_ext": None,
                "tenant_name": None,
                "part_number": None,
                "product_name": None,
                "quantity": None,
                "value": D("36.20"),
                "is_purchase": False,
            }
        ]
    )
    result = compare(
        billed(("ACME001", "Acme", "M365-BP", 2), ("ACME001", "Acme", "SUPPORT-HRS", 7)),
        pd.concat([items, totals], ignore_index=True),
        MAP,
    )
    assert result.detail["sku"].tolist() == ["M365-BP"] and result.not_supplied == 1
    assert result.unmapped_products.empty and result.unmapped_tenants.empty


def test_float_quantities_become_exact_decimals() -> None:
    result = compare(
        billed(("ACME001", "Acme", "M365-BP", 0.1)),
        charged(("ACME001", "Acme", "XDM00003", "0.3", "5.43")),
        MAP,
        PRICES,
    )
    acme = row(result, "ACME001", "M365-BP")
    assert acme["difference"] == D("0.2") and acme["money_at_stake"] == D("4.40")


def test_summary_per_customer_biggest_leak_first() -> None:
    result = compare(
        billed(("ACME001", "Acme", "M365-BP", 1), ("BETA001", "Beta", "M365-BP", 1), ("BETA001", "Beta", "EXO-P1", 5)),
        charged(("ACME001", "Acme", "XDM00003", "2", "36.20"), ("BETA001", "Beta", "XDM00003", "4", "72.40"),
                ("BETA001", "Beta", "XDM00004", "4", "13.20")),
        MAP,
        PRICES,
    )  # fmt: skip
    summary = result.summary
    assert summary["account_code"].tolist() == ["BETA001", "ACME001"]
    beta = summary.iloc[0]
    assert (beta["flagged"], beta["under_billed"], beta["over_billed"], beta["money_at_stake"]) == (
        2,
        D("66.00"),
        D("-4.00"),
        D("62.00"),
    )


def test_nothing_compared_is_an_error_not_a_clean_bill() -> None:
    with pytest.raises(NothingCompared, match="Nothing could be compared"):
        compare(billed(), charged(), MAP)
    with pytest.raises(NothingCompared) as raised:  # only unknown tenants: every billed line would look uncharged
        compare(billed(("ACME001", "Acme", "M365-BP", 2)), charged(("ZZZ", "Zed", "XDM00003", "2", "36.20")), MAP)
    partial = raised.value.reconciliation
    assert partial.compared == 0 and partial.unmapped_tenants["tenant_code_ext"].tolist() == ["ZZZ"]
    assert "1 unmapped tenants" in str(raised.value)
    with pytest.raises(NothingCompared):  # only unmapped products
        compare(billed(("ACME001", "Acme", "M365-BP", 2)), charged(("ACME001", "Acme", "XDM00099", "1", "1")), MAP)


def test_text_that_looks_like_a_formula_stays_text() -> None:
    result = compare(
        billed(("ACME001", '=HYPERLINK("x")', "M365-BP", 1)),
        charged(("ACME001", "@SUM(A1)", "XDM00003", "1", "18.10")),
        MAP,
    )
    acme = row(result, "ACME001", "M365-BP")
    assert (acme["customer_name"], acme["tenant_name"]) == ('=HYPERLINK("x")', "@SUM(A1)")


Item = tuple[str, str, str, str | None, str | None]  # part number, quantity, value, from date, to date


def invoice(invoice_id: str, start: str, end: str, *items: Item) -> XariosInvoice:
    """A Xarios invoice for ``start`` to ``end`` whose purchase items (all for ACME001) carry service dates
    (``None`` when the item has none), followed by its net-total SUM item."""
    rows = charged(*(("ACME001", "Acme Ltd", part, qty, value) for part, qty, value, _, _ in items))
    rows = pd.concat([rows, pd.DataFrame([{"part_number": "", "quantity": D(0), "value": D(0), "is_purchase": False}])],
                     ignore_index=True)  # fmt: skip
    rows["from_date"] = pd.Series([item[3] for item in items] + [start], index=rows.index, dtype="datetime64[ns]")
    rows["to_date"] = pd.Series([item[4] for item in items] + [end], index=rows.index, dtype="datetime64[ns]")
    header = InvoiceHeader(invoice_id, None, None, None, None, pd.Timestamp(start), pd.Timestamp(end), None)
    return XariosInvoice(header, rows, InvoiceCheck(D(0), D(0), D(0), ()))


# Xarios bills on the 1st: the month just ended in arrears (pro-rata), the next month in advance.
SEPTEMBER = invoice(
    "INV-202609", "2026-09-01", "2026-09-30",
    ("XDM00003", "11", "199.10", "2026-09-01", "2026-09-30"),  # September, in advance on 1 September
    ("XDM00003", "12", "217.20", "2026-10-01", "2026-10-31"),  # October in advance
    ("XDM00004", "2", "6.60", "2026-10-01", "2026-10-31"),
    ("XSE00030", "1", "24.00", None, None),  # no dates: the invoice's month, September
)  # fmt: skip
OCTOBER = invoice(
    "INV-202610", "2026-10-01", "2026-10-31",
    ("XDM00004", "3", "4.95", "2026-10-16", "2026-10-31"),  # three added on 16 October, pro-rata in arrears
    ("XSE00030", "1", "24.00", None, None),  # no dates: October
    ("XDM00003", "13", "235.30", "2026-11-01", "2026-11-30"),  # November in advance
)  # fmt: skip


def test_only_the_items_in_service_in_the_period_are_compared_whichever_invoice_holds_them() -> None:
    items = pd.concat([period_items(i, date(2026, 10, 1), date(2026, 10, 31)) for i in (SEPTEMBER, OCTOBER)])
    october = billed(("ACME001", "Acme Ltd", "M365-BP", 12), ("ACME001", "Acme Ltd", "EXO-P1", 5),
                     ("ACME001", "Acme Ltd", "DNS-FLT", 1))  # fmt: skip
    result = compare(october, items, MAP, PRICES)
    assert result.counts["matched"] == 3 and result.flagged.empty
    assert row(result, "ACME001", "M365-BP")["vendor_quantity"] == 12  # not the 13 November ones as well
    assert row(result, "ACME001", "EXO-P1")["unit_cost"] == D("2.3100")  # (2 x 3.30 in advance + 3 x 1.65 pro-rata) / 5


@pytest.mark.parametrize(
    "periods",
    [
        [("2026-09-01", "2026-09-30"), ("2026-10-01", "2026-10-31"), ("2026-11-01", "2026-11-30")],
        [("2026-08-26", "2026-09-25"), ("2026-09-26", "2026-10-25"), ("2026-10-26", "2026-11-25")],  # 26th to 25th
    ],
)
def test_every_item_counts_in_exactly_one_period(periods: list[tuple[str, str]]) -> None:
    for bill in (SEPTEMBER, OCTOBER):
        counted = pd.concat(
            [period_items(bill, date.fromisoformat(s), date.fromisoformat(e)) for s, e in periods], ignore_index=True
        )
        purchases = bill.items[bill.items["is_purchase"]]
        assert sorted(counted["quantity"]) == sorted(purchases["quantity"]), bill.header.invoice_id
    september_to_october = period_items(SEPTEMBER, date(2026, 9, 26), date(2026, 10, 25))
    assert september_to_october["quantity"].tolist() == [D(12), D(2)]  # October's advance, not September's


def test_the_invoices_fetched_for_a_period_include_the_one_before_and_after() -> None:
    invoices = pd.DataFrame(
        {
            "invoice_id": ["INV-202608", "INV-202609", "INV-202610", "INV-202611"],
            "period_start": pd.to_datetime(["2026-08-01", "2026-09-01", "2026-10-01", "2026-11-01"]),
            "period_end": pd.to_datetime(["2026-08-31", "2026-09-30 23:59:59", "2026-10-31 23:59:59.999",
                                          "2026-11-30"], format="ISO8601"),
        }
    )  # fmt: skip
    assert candidate_invoices(invoices, date(2026, 10, 1), date(2026, 10, 31)) == [
        "INV-202609", "INV-202610", "INV-202611"]  # fmt: skip
    assert candidate_invoices(invoices, date(2026, 9, 26), date(2026, 10, 25)) == invoices["invoice_id"].tolist()
    assert candidate_invoices(invoices, date(2026, 12, 1), date(2026, 12, 31)) == ["INV-202611"]


AUGUST = invoice("INV-202608", "2026-08-01", "2026-08-31", ("XDM00003", "10", "181.00", "2026-08-01", "2026-08-31"))


OCTOBER_2026 = Period(date(2026, 10, 1), date(2026, 10, 31), "October 2026", True)


class OneMonth:
    """Atria with the one period October 2026 and its billed lines; Xarios with AUGUST, SEPTEMBER, OCTOBER."""

    def __init__(self, lines: pd.DataFrame) -> None:
        self.lines = lines
        self.bills = {bill.header.invoice_id: bill for bill in (AUGUST, SEPTEMBER, OCTOBER)}

    def invoice_lines(self, period: Period) -> pd.DataFrame:
        assert period == OCTOBER_2026
        return self.lines

    def customers(self) -> None:
        return None

    def invoices(self) -> pd.DataFrame:
        headers = [bill.header for bill in self.bills.values()]
        return pd.DataFrame({"invoice_id": [h.invoice_id for h in headers],
                             "period_start": [h.period_start for h in headers],
                             "period_end": [h.period_end for h in headers]})  # fmt: skip

    def invoice(self, invoice_id: str) -> XariosInvoice:
        return self.bills[invoice_id]

    def charges(self, invoice_id: str) -> InvoiceCharges:
        return charges_of(self.bills[invoice_id])


def test_an_explicit_invoice_gives_only_its_items_for_the_period_and_counts_the_others() -> None:
    october = billed(("ACME001", "Acme Ltd", "M365-BP", 12), ("ACME001", "Acme Ltd", "EXO-P1", 5),
                     ("ACME001", "Acme Ltd", "DNS-FLT", 1))  # fmt: skip
    source: Any = OneMonth(october)
    advance = reconcile(source, source, OCTOBER_2026, invoice_id="INV-202609", mapping=MAP, prices=PRICES)
    assert row(advance, "ACME001", "M365-BP")["vendor_quantity"] == 12  # not 23 with September's own 11 as well
    assert row(advance, "ACME001", "EXO-P1")["vendor_quantity"] == 2  # October's arrears are on INV-202610
    assert advance.period_end == date(2026, 10, 31) and advance.outside_period == 2  # 11 XDM00003, 1 XSE00030
    assert "2 purchase items of invoice INV-202609 are for service outside the period: not compared" in headline(
        advance
    )
    arrears = reconcile(source, source, OCTOBER_2026, invoice_id="INV-202610", mapping=MAP, prices=PRICES)
    assert row(arrears, "ACME001", "EXO-P1")["vendor_quantity"] == 3 and arrears.outside_period == 1
    both = reconcile(source, source, OCTOBER_2026, mapping=MAP, prices=PRICES)
    assert both.flagged.empty and both.outside_period == 0
    assert not [line for line in headline(both) if "outside the period" in line]
    with pytest.raises(DataError, match=r"Xarios invoice INV-202608 has no purchase item for service in the period "
                       r"2026-10-01 to 2026-10-31 \(its 1 items are for other periods\)"):  # fmt: skip
        reconcile(source, source, OCTOBER_2026, invoice_id="INV-202608", mapping=MAP)


def test_frames_without_the_needed_columns_or_numbers_are_data_errors() -> None:
    with pytest.raises(DataError, match="The billed lines have no column quantity"):
        compare(billed().drop(columns="quantity"), charged(), MAP)
    bad = charged(("ACME001", "Acme", "XDM00003", "1", "18.10")).assign(quantity=["lots"])
    with pytest.raises(DataError, match="charged quantity column holds a value that is not a number"):
        compare(billed(("ACME001", "Acme", "M365-BP", 1)), bad, MAP)


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(["ACME001", "BETA001", "GAMMA01"]), st.sampled_from(["M365-BP", "EXO-P1"])),
        st.tuples(st.integers(0, 6), st.lists(st.integers(-3, 8), max_size=4)),
        min_size=1,
    )
)
def test_any_split_of_items_gives_the_totals_per_customer_and_sku(
    cases: dict[tuple[str, str], tuple[int, list[int]]],
) -> None:
    part = {"M365-BP": "XDM00003", "EXO-P1": "XDM00004"}
    cost = {"M365-BP": D("18.10"), "EXO-P1": D("3.30")}
    lines = billed(*((code, code.title(), sku, qty) for (code, sku), (qty, _) in cases.items() if qty))
    items = charged(*(
        (code, code.title(), part[sku], str(piece), str(cost[sku] * piece))
        for (code, sku), (_, pieces) in cases.items() for piece in pieces
    ))  # fmt: skip
    customers = pd.DataFrame({"customer_code": ["C-ACME", "C-BETA", "C-GAMM"],
                              "customer_name": ["Acme001", "Beta001", "Gamma01"],
                              "account_code": ["ACME001", "BETA001", "GAMMA01"]})  # fmt: skip
    try:
        result = compare(lines, items, MAP, PRICES, customers=customers)
    except NothingCompared:
        assert not any(pieces for _, pieces in cases.values())
        return
    for (code, sku), (qty, pieces) in cases.items():
        vendor = sum(pieces)
        if not qty and not pieces:
            continue
        found = row(result, code, sku)
        assert (found["vendor_quantity"], found["billed_quantity"]) == (vendor, qty)
        assert found["money_at_stake"] == cents((vendor - qty) * PRICES[sku].unit_price)
        if vendor == qty:
            assert found["category"] == "matched"
        elif 0 in (vendor, qty):
            assert found["category"] == ("charged_not_billed" if qty == 0 else "billed_not_charged")
        else:
            assert found["category"] == ("under_billed" if vendor > qty else "over_billed")
