"""Margin over time against the running sandbox: leaks equal the reconciliation's, a customer's margin over
three periods equals this test's own Decimal arithmetic on what both APIs serve, prices change on their
``valid_from`` day, and the awkward cases (empty or open ranges, a customer who left, a product with no
price, a period with no Xarios invoice) are said, never shown as zero or 100 %."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import FakeTime
from tests.test_reconcile_sandbox import MAPPING, PRICES, seeded
from xlbilling import reconcile
from xlbilling._apis.atria import Atria
from xlbilling._apis.transport.client import ApiClient
from xlbilling._apis.xarios import Xarios
from xlbilling._errors import DataError, EmptyRange
from xlbilling._inputs.mapping import load_mapping
from xlbilling._inputs.prices import PriceList, load_prices
from xlbilling._margin import DETAIL_COLUMNS, Margin, choose_periods, margin
from xlbilling._progress import Step
from xlbilling._sandbox import Sandbox
from xlbilling._session.session import Session
from xlbilling._values.money import cents, to_decimal
from xlbilling._values.period import Period

LAST_THREE = (date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31))


def run(atria: Atria, xarios: Xarios, ends: tuple[date, ...] = (), prices: Any = PRICES, **options: Any) -> Margin:
    periods = [atria.period(end) for end in ends] or list(choose_periods(atria.period_list(), None, None).periods)
    price_list = prices if isinstance(prices, PriceList) else load_prices(prices)
    return margin(atria, xarios, periods, mapping=load_mapping(MAPPING), prices=price_list, **options)


def test_each_periods_leak_is_the_reconciliations(sandbox: Sandbox, atria: Atria, xarios: Xarios) -> None:
    ends = sorted({date.fromisoformat(d["period_end"]) for d in seeded(sandbox)})
    found = run(atria, xarios, tuple(ends)).by("period")
    for end in ends:
        period = atria.period(end)
        leaked = reconcile(
            Session(atria, xarios), period, mapping=load_mapping(MAPPING), prices=load_prices(PRICES)
        ).leaked
        (row,) = found[found["period_end"] == end].itertuples()
        assert row.leak == leaked and leaked > 0, end


def _prices(path: Path) -> dict[str, Decimal]:
    frame = pd.read_csv(path, dtype=str)
    return {sku: Decimal(price) for sku, price in zip(frame["sku"], frame["unit_price"], strict=True)}


def _by_hand(atria: Atria, xarios: Xarios, account: str, end: date, prices: dict[str, Decimal]) -> tuple[Decimal, ...]:
    """Revenue and cost of one customer in one period, from the raw API frames: each SKU's quantity x price
    (to the cent), and every purchase item Xarios charged its tenant with service in the period."""
    lines = atria.invoice_lines(atria.period(end))
    mine = lines[lines["customer_account_code"] == account]
    quantities: dict[str, Decimal] = {}
    for sku, quantity in zip(mine["sku"], mine["quantity"], strict=True):
        quantities[sku] = quantities.get(sku, Decimal(0)) + Decimal(str(quantity))
    revenue = sum((cents(q * prices[sku]) for sku, q in quantities.items()), Decimal(0))
    invoices = xarios.invoices()
    (invoice_id,) = invoices.loc[invoices["period_end"].dt.date == end, "invoice_id"]
    items = xarios.invoice(invoice_id).items
    charged = items[(items["tenant_code_ext"] == account) & items["is_purchase"].astype(bool)]
    cost = sum((to_decimal(v) for v in charged["value"]), Decimal(0))
    return revenue, cents(cost)


def test_a_customers_margin_over_three_periods_is_exact(atria: Atria, xarios: Xarios) -> None:
    account, prices = "HAZE001", _prices(PRICES)
    found = run(atria, xarios, LAST_THREE)
    revenue = cost = Decimal(0)
    for end in LAST_THREE:
        r, c = _by_hand(atria, xarios, account, end, prices)
        revenue, cost = revenue + r, cost + c
        period = found.detail[(found.detail["period_end"] == end) & (found.detail["account_code"] == account)]
        assert sum(period["revenue"], Decimal(0)) == r and sum(period["cost"], Decimal(0)) == c, end
    (row,) = found.by("customer").query("account_code == @account").itertuples()
    assert (row.revenue, row.cost, row.margin) == (revenue, cost, revenue - cost)
    assert row.margin_pct == ((revenue - cost) / revenue).quantize(Decimal("0.0001"))
    assert row.customer_name == "Hazel Legal Group Ltd" and row.left_out == 0
    assert "today's price list" in " ".join(found.notes)


def test_valid_from_changes_the_revenue_exactly_from_its_period_on(
    tmp_path: Path, atria: Atria, xarios: Xarios
) -> None:
    dated = tmp_path / "prices.csv"
    header = "sku,unit_price,currency,description,tax_rate"
    rise = "M365-BP,25.00,GBP,Microsoft 365 Business Premium,0.20,2026-09-15\n"
    dated.write_text(PRICES.read_text().replace(header, header + ",valid_from") + rise)
    before, after = run(atria, xarios, LAST_THREE), run(atria, xarios, LAST_THREE, prices=dated)
    for end, price in zip(LAST_THREE, ("22.00", "25.00", "25.00"), strict=True):  # in force at the period's end
        lines = after.detail[(after.detail["period_end"] == end) & (after.detail["sku"] == "M365-BP")]
        assert len(lines) and all(r.revenue == cents(r.billed_quantity * Decimal(price)) for r in lines.itertuples())
    others = ~after.detail["sku"].eq("M365-BP")
    assert after.detail[others].equals(before.detail[~before.detail["sku"].eq("M365-BP")])
    august = before.detail["period_end"].eq(LAST_THREE[0])
    assert after.detail[august].equals(before.detail[august])
    assert not any("today's price list" in note for note in after.notes)


def test_a_product_with_no_price_is_named_never_zero(tmp_path: Path, atria: Atria, xarios: Xarios) -> None:
    partial = tmp_path / "prices.csv"
    partial.write_text("".join(line for line in PRICES.read_text().splitlines(True) if "TEAMS-PH" not in line))
    found = run(atria, xarios, LAST_THREE[-1:], prices=partial)
    teams = found.detail[found.detail["sku"] == "TEAMS-PH"]
    assert len(teams) and set(teams["status"]) == {"no price"}
    assert teams["revenue"].isna().all() and teams["margin"].isna().all() and teams["cost"].notna().all()
    (product,) = found.by("product").query("sku == 'TEAMS-PH'").itertuples()
    assert product.revenue is None and product.margin is None and product.left_out == len(teams)
    assert found.unpriced == ["TEAMS-PH"] and any("No price for TEAMS-PH" in note for note in found.notes)
    priced = found.detail[found.detail["margin"].notna()]
    (total,) = found.by("period").itertuples()
    assert total.revenue == sum(priced["revenue"], Decimal(0)) and total.left_out == len(teams)


class _NoInvoiceFor(Xarios):
    """Xarios as served, except that the invoice of one period was never issued."""

    def __init__(self, xarios: Xarios, end: date) -> None:
        super().__init__(xarios.client)
        self.end = end

    def invoices(self) -> pd.DataFrame:
        listed = super().invoices()
        return listed[listed["period_end"].dt.date != self.end].reset_index(drop=True)


def test_a_period_with_no_xarios_invoice_says_no_cost_data(atria: Atria, xarios: Xarios) -> None:
    missing = date(2026, 9, 30)
    found = run(atria, _NoInvoiceFor(xarios, missing), LAST_THREE)
    period = found.detail[found.detail["period_end"] == missing]
    assert len(period) and set(period["status"]) == {"no cost data"}
    assert period["cost"].isna().all() and period["margin"].isna().all() and period["margin_pct"].isna().all()
    assert period["revenue"].notna().all()
    per = found.by("period").set_index("period_end")
    assert per.loc[missing, "margin_pct"] is None and per.loc[missing, "leak"] is None
    assert per.loc[date(2026, 10, 31), "margin_pct"] is not None
    assert found.no_cost == (atria.period(missing),)
    assert any("No cost data for the period ending 2026-09-30" in note for note in found.notes)


def test_the_range_leaves_out_the_open_period_and_says_so(atria: Atria) -> None:
    known = atria.period_list()
    opened = known[-1]
    assert not opened.is_closed
    chosen = choose_periods(known, atria.period(date(2026, 9, 1)), opened)
    assert [p.end for p in chosen.periods] == [date(2026, 9, 30), date(2026, 10, 31)]
    assert chosen.left_out == (opened,)
    default = choose_periods(known, None, None)
    assert len(default.periods) == 12 and default.periods[-1].end == date(2026, 10, 31)
    assert default.left_out == (opened,)
    assert "still open: left out" in " ".join(
        Margin(pd.DataFrame(columns=DETAIL_COLUMNS), chosen.periods, chosen.left_out).notes
    )


def test_empty_ranges_say_what_is_wrong(atria: Atria) -> None:
    known = atria.period_list()
    with pytest.raises(EmptyRange, match="No closed billing period from 2026-10-31 to 2026-09-30: it ends before"):
        choose_periods(known, atria.period(date(2026, 10, 31)), atria.period(date(2026, 9, 30)))
    with pytest.raises(EmptyRange, match="every period in it is still open"):
        choose_periods(known, known[-1], known[-1])
    only = Period(date(2026, 11, 1), date(2026, 11, 30), "November 2026", False)
    with pytest.raises(EmptyRange, match="no period up to it has closed"):
        choose_periods([only], None, only)


class _Left(Atria):
    """Atria as served, except that one customer left after August 2026: nothing billed since."""

    def __init__(self, atria: Atria, account: str) -> None:
        super().__init__(atria.client)
        self.account = account

    def invoice_lines(self, period: Period, customer: str | None = None) -> pd.DataFrame:
        lines = super().invoice_lines(period, customer)
        gone = period.end > date(2026, 8, 31)
        return lines[~(gone & (lines["customer_account_code"] == self.account))].reset_index(drop=True)


def test_a_customer_who_left_keeps_the_periods_they_were_billed(atria: Atria, xarios: Xarios) -> None:
    left = _Left(atria, "OBRI001")
    found = run(left, xarios, LAST_THREE, customers=["CUST0002"])
    billed = found.detail[found.detail["revenue"].map(lambda r: r is not None and r > 0)]
    assert set(billed["period_end"]) == {date(2026, 8, 31)}  # still charged afterwards: cost, no revenue
    later = found.detail[found.detail["period_end"] > date(2026, 8, 31)]
    assert len(later) and (later["revenue"] == 0).all() and (later["cost"] > 0).all()
    assert set(found.detail["account_code"]) == {"OBRI001"}
    with pytest.raises(DataError, match="CUST9999 had nothing billed or charged in the periods ending"):
        run(_Left(atria, "NOBODY"), xarios, LAST_THREE, customers=["CUST9999"])


def test_progress_hears_of_every_period_once(atria: Atria, xarios: Xarios) -> None:
    heard: list[Step] = []
    run(atria, xarios, LAST_THREE, progress=heard.append)
    assert sorted(step.what for step in heard) == [f"period {end.isoformat()}" for end in LAST_THREE]
    assert sorted(step.done or 0 for step in heard) == [1, 2, 3] and {step.total for step in heard} == {3}


def test_rate_limited_fetches_are_waited_for_not_lost(sandbox: Sandbox, faults: Any, fake_time: FakeTime) -> None:
    """Each period's invoice lines are refused (429) four times, whichever of the concurrent fetches asks
    first: every fetch waits at the API's gate, none gives up, and the figures equal a quiet run's."""
    waiting = {"retries": 1, "sleep": fake_time.sleep, "clock": fake_time.clock}  # waits without waiting
    atria = Atria(ApiClient("Atria", sandbox.url, sandbox.token, **waiting))
    xarios = Xarios(ApiClient("Xarios", sandbox.url, sandbox.token, **waiting))

    def lines_asked(since: int) -> int:
        return sum(r.lower().startswith("get /api/billing/20") and "/invoice" in r for r in sandbox.requests[since:])

    start = len(sandbox.requests)
    quiet = run(atria, xarios, LAST_THREE)
    normal = lines_asked(start)
    faults(status=429, retry_after=1, count=4, per_path=True, paths="/invoice")  # Atria's lines of each period
    before = len(sandbox.requests)
    busy = run(atria, xarios, LAST_THREE)
    assert lines_asked(before) == normal + 4 * len(LAST_THREE)  # each period's refused 4 times, then answered
    assert fake_time.sleeps and set(fake_time.sleeps) <= {1.0}  # the Retry-After, each wait or a part of one
    pd.testing.assert_frame_equal(busy.detail, quiet.detail)
