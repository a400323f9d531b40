"""Reconciliation against the running sandbox: every seeded difference is found, with the right category
and amount, and nothing else is flagged (checked against the sandbox's own list)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

import xlbilling._sandbox
from xlbilling import reconcile
from xlbilling._apis.atria import Atria
from xlbilling._apis.xarios import Xarios
from xlbilling._errors import DataError
from xlbilling._inputs.mapping import Mapping, load_mapping
from xlbilling._inputs.prices import load_prices
from xlbilling._reconcile.result import CATEGORIES, NothingCompared
from xlbilling._sandbox import Sandbox
from xlbilling._sandbox.vendor import vat_error_invoice
from xlbilling._session.session import Session
from xlbilling._values.dates import parse_period
from xlbilling._values.money import cents, to_decimal

DATA = Path(xlbilling._sandbox.__file__).parent / "data"
MAPPING = DATA / "product-map.csv"
PRICES = DATA / "prices.csv"


def seeded(sandbox: Sandbox) -> list[dict[str, Any]]:
    """The sandbox's own list of its deliberate differences, over HTTP."""
    answer = httpx.get(f"{sandbox.url}/_sandbox/discrepancies", headers={"Authorization": f"Bearer {sandbox.token}"})
    answer.raise_for_status()
    rows: list[dict[str, Any]] = answer.json()
    return rows


def expected_rows(seeds: list[dict[str, Any]], *, priced: bool) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    rows = {}
    for d in seeds:
        if d["category"] in CATEGORIES:
            cost, price = to_decimal(d["unit_cost"]), to_decimal(d["unit_price"])
            difference = Decimal(d["vendor_quantity"] - d["billed_quantity"])
            rows[(d["account_code"], d["sku"])] = (
                d["category"], Decimal(d["vendor_quantity"]), Decimal(d["billed_quantity"]), difference, cost,
                price if priced else None, cents(difference * (price if priced else cost)),
            )  # fmt: skip
    return rows


def found_rows(flagged: pd.DataFrame) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {
        (r.account_code, r.sku): (r.category, r.vendor_quantity, r.billed_quantity, r.difference, r.unit_cost,
                                  r.unit_price, r.money_at_stake)
        for r in flagged.itertuples()
    }  # fmt: skip


def test_every_seeded_difference_is_found_and_nothing_else(sandbox: Sandbox, atria: Atria, xarios: Xarios) -> None:
    seeds = seeded(sandbox)
    periods = sorted({d["period_end"] for d in seeds})
    assert periods, "the sandbox seeds differences"
    for end in periods:
        in_period = [d for d in seeds if d["period_end"] == end]
        result = reconcile(
            Session(atria, xarios),
            atria.period(date.fromisoformat(end)),
            mapping=load_mapping(MAPPING),
            prices=load_prices(PRICES),
        )
        assert found_rows(result.flagged) == expected_rows(in_period, priced=True), end
        products = {(r.part_number, r.tenant_codes, r.vendor_quantity) for r in result.unmapped_products.itertuples()}
        assert products == {
            (d["part_number"], d["account_code"], d["vendor_quantity"])
            for d in in_period
            if d["category"] == "unmapped_product"
        }, end
        tenants = {(r.tenant_code_ext, r.tenant_name, r.vendor_quantity) for r in result.unmapped_tenants.itertuples()}
        assert tenants == {
            (d["account_code"], d["tenant_name"], d["vendor_quantity"])
            for d in in_period
            if d["category"] == "unmapped_tenant"
        }, end
        assert result.compared == len(result.detail) and result.counts["matched"] == result.compared - len(
            result.flagged
        )
        assert result.invoice_checks["check"].tolist() == ["matches"]


def test_the_latest_period_holds_one_of_each_kind_valued_at_cost_without_a_price_list(
    sandbox: Sandbox, atria: Atria, xarios: Xarios, period: Any
) -> None:
    seeds = [d for d in seeded(sandbox) if d["period_end"] == period.end.isoformat()]
    result = reconcile(Session(atria, xarios), period, mapping=load_mapping(MAPPING))
    assert found_rows(result.flagged) == expected_rows(seeds, priced=False)
    assert set(result.flagged["price_basis"]) == {"cost"}
    assert {k for k, n in result.counts.items() if n and k != "matched"} == set(CATEGORIES) - {"matched"}
    leaked = sum((v[-1] for v in expected_rows(seeds, priced=False).values() if v[-1] > 0), Decimal(0))
    assert result.leaked == leaked


def test_a_period_with_nothing_seeded_is_all_matched(sandbox: Sandbox, atria: Atria, xarios: Xarios) -> None:
    seeded_periods = {d["period_end"] for d in seeded(sandbox)}
    quiet = next(p for p in reversed(atria.periods()["period_end"].dt.date.tolist()[:-1])
                 if p.isoformat() not in seeded_periods)  # fmt: skip
    result = reconcile(
        Session(atria, xarios), atria.period(quiet), mapping=load_mapping(MAPPING), prices=load_prices(PRICES)
    )
    assert result.compared > 0 and result.flagged.empty
    assert result.unmapped_products.empty and result.unmapped_tenants.empty
    assert result.summary.empty and result.leaked == 0


def test_an_explicit_invoice_gives_its_items_for_the_period(sandbox: Sandbox, atria: Atria, xarios: Xarios) -> None:
    invoices = xarios.invoices()
    previous = invoices.iloc[-2]
    end = atria.period(previous["period_end"].date())
    by_date = reconcile(Session(atria, xarios), end, mapping=load_mapping(MAPPING), prices=load_prices(PRICES))
    explicit = reconcile(
        Session(atria, xarios),
        end,
        invoice=previous["invoice_id"],
        mapping=load_mapping(MAPPING),
        prices=load_prices(PRICES),
    )
    pd.testing.assert_frame_equal(by_date.detail, explicit.detail)
    assert explicit.invoice_checks["invoice_id"].tolist() == [previous["invoice_id"]]
    latest = invoices.iloc[-1]["invoice_id"]
    with pytest.raises(DataError, match=f"Xarios invoice {latest} has no purchase item for service in the period"):
        reconcile(
            Session(atria, xarios), end, invoice=latest, mapping=load_mapping(MAPPING), prices=load_prices(PRICES)
        )


def test_any_day_of_the_period_means_the_whole_period(atria: Atria, xarios: Xarios, period: Any) -> None:
    whole = reconcile(Session(atria, xarios), period, mapping=load_mapping(MAPPING), prices=load_prices(PRICES))
    middle_day = Session(atria).period(parse_period(period.end.replace(day=15).isoformat()))  # as every door does
    middle = reconcile(Session(atria, xarios), middle_day, mapping=load_mapping(MAPPING), prices=load_prices(PRICES))
    assert middle.period_end == whole.period_end == period.end and not whole.flagged.empty
    pd.testing.assert_frame_equal(middle.detail, whole.detail)
    pd.testing.assert_frame_equal(middle.invoice_checks, whole.invoice_checks)


def test_an_invoice_whose_arithmetic_is_off_is_reported_alongside(
    sandbox: Sandbox, atria: Atria, xarios: Xarios
) -> None:
    wrong = vat_error_invoice(sandbox.dataset)
    invoices = xarios.invoices()
    end = invoices.loc[invoices["invoice_id"] == wrong, "period_end"].iloc[0].date()
    result = reconcile(Session(atria, xarios), atria.period(end), mapping=load_mapping(MAPPING))
    (check,) = result.invoice_checks["check"]
    assert check.startswith("differs") and "1 cent more" in check


def test_nothing_compared_names_the_period_and_keeps_the_unmapped_lists(
    atria: Atria, xarios: Xarios, period: Any
) -> None:
    with pytest.raises(NothingCompared, match=f"Period ending {period.end.isoformat()}, invoice INV-") as raised:
        reconcile(Session(atria, xarios), period, mapping=Mapping({"NOTHING": "M365-BP"}))
    partial = raised.value.reconciliation
    assert len(partial.unmapped_products) == len(load_mapping(MAPPING).products) + 1  # every part, plus XDM00099
    assert raised.value.exit_code == 1


def test_an_open_period_has_no_invoice_yet(atria: Atria, xarios: Xarios) -> None:
    open_period = atria.periods()["period_end"].iloc[-1].date()
    with pytest.raises(DataError, match="No Xarios invoice covers the period ending"):
        reconcile(Session(atria, xarios), atria.period(open_period), mapping=load_mapping(MAPPING))
