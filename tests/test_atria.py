"""Every Atria call and filter, against the sandbox over loopback, with the columns and values a user sees."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import pytest

from tests.rewire import RewritingTransport, rename_keys
from xlbilling._apis.atria import Atria, billable_counts, largest_changes
from xlbilling._apis.transport.client import ApiClient
from xlbilling._cli.hints import worded
from xlbilling._errors import BadResponse, DataError, InputError, NotFoundError
from xlbilling._sandbox import Sandbox
from xlbilling._session.session import Session
from xlbilling._values.dates import parse_period
from xlbilling._values.period import Period


def test_periods_are_months_oldest_first_with_the_open_one_last(atria: Atria) -> None:
    periods = atria.periods()
    assert list(periods.columns) == ["period_start", "period_end", "name", "is_closed"]
    assert len(periods) >= 13
    assert periods["is_closed"].sum() >= 12
    assert periods["period_end"].is_monotonic_increasing
    last = periods.iloc[-1]
    assert not last["is_closed"]
    assert last["period_start"] <= pd.Timestamp("2026-11-21") <= last["period_end"]
    assert str(periods["period_end"].dtype) == "datetime64[ns]"
    assert atria.latest_closed_period() == Period(date(2026, 10, 1), date(2026, 10, 31), "October 2026", True)


def test_customers_have_codes_and_account_codes(atria: Atria) -> None:
    customers = atria.customers()
    assert list(customers.columns) == ["customer_code", "customer_name", "account_code", "billed_by"]
    assert customers["customer_code"].is_unique
    assert customers["account_code"].notna().all()


def test_summary_compares_with_the_prior_period(atria: Atria, period: Period) -> None:
    summary = atria.summary(period)
    assert list(summary.columns) == [
        "customer_code", "customer_name", "account_code", "sku", "billable", "grouping",
        "last_count", "this_count", "difference",
    ]  # fmt: skip
    assert str(summary["this_count"].dtype) == "Int64"
    assert (summary["difference"] == summary["this_count"] - summary["last_count"]).all()
    assert summary["customer_code"].notna().all()
    assert (summary["difference"] != 0).any(), "a realistic month has changes"


def test_summary_across_customers_adds_up_to_the_per_customer_summary(atria: Atria, period: Period) -> None:
    per_customer = atria.summary(period, billable_only=True)
    overall = atria.summary(period, billable_only=True, by_customer=False)
    assert overall["customer_code"].isna().all()
    assert per_customer["billable"].all()
    expected = per_customer.groupby("sku")["this_count"].sum().sort_index()
    assert overall.groupby("sku")["this_count"].sum().sort_index().to_dict() == expected.to_dict()


def test_detail_filters(atria: Atria, period: Period) -> None:
    everything = atria.detail(period)
    assert set(everything["action"].dropna()) == {"Added", "Removed", "Carried"}
    assert not everything["billable"].all(), "the sandbox has non-billable items"
    assert everything.loc[~everything["billable"].astype(bool), "override_reason"].notna().all()
    customer = str(everything["customer_code"].iloc[0])
    one = atria.detail(period, customer=customer)
    assert set(one["customer_code"]) == {customer}
    assert len(one) == (everything["customer_code"] == customer).sum()
    service = str(everything["service_name"].dropna().iloc[0])
    by_service = atria.detail(period, service=service.upper())
    assert set(by_service["service_name"]) == {service}
    user = str(everything["user_name"].dropna().iloc[0])
    fragment = user.split("@")[0][1:5]
    found = atria.detail(period, user=fragment)
    assert len(found) > 0
    assert found["user_name"].str.lower().str.contains(fragment.lower(), regex=False).all()
    billable = atria.detail(period, billable_only=True)
    assert billable["billable"].all()
    assert len(billable) == everything["billable"].sum()
    assert (everything["start_date"] <= everything["end_date"]).all()


def test_invoice_lines_carry_customer_and_bill_to(atria: Atria, period: Period) -> None:
    lines = atria.invoice_lines(period)
    assert list(lines.columns) == [
        "customer_code", "customer_name", "customer_account_code", "bill_to_code", "bill_to_name",
        "bill_to_account_code", "sku", "service_code", "service_name", "line_description", "quantity",
    ]  # fmt: skip
    channel = lines[lines["bill_to_code"].notna() & (lines["bill_to_code"] != lines["customer_code"])]
    assert len(channel) > 0, "some customers are billed to a channel partner"
    assert (lines["quantity"] > 0).all()


def test_invoice_quantity_is_the_billable_services_active_at_period_end(atria: Atria, period: Period) -> None:
    lines = atria.invoice_lines(period)
    detail = atria.detail(period, billable_only=True)
    active = detail[detail["action"] != "Removed"].groupby(["customer_code", "sku"]).size()
    billed = lines.groupby(["customer_code", "sku"])["quantity"].sum()
    assert billed.astype(int).to_dict() == active.to_dict()


def test_analysis_has_addresses_and_duration_percent(atria: Atria, period: Period) -> None:
    analysis = atria.analysis(period)
    assert analysis["duration_percent"].between(0, 100).all()
    assert (analysis["duration_percent"] < 100).any(), "mid-period adds and removals"
    assert analysis["address_line1"].notna().all()
    customer = str(analysis["customer_code"].iloc[-1])
    assert set(atria.analysis(period, customer=customer)["customer_code"]) == {customer}
    assert str(analysis["start_date"].dtype) == "datetime64[ns]"


@pytest.mark.parametrize("form", ["2026-10-31", 46326, "46326", pd.Timestamp("2026-10-31 13:00")])
def test_every_period_form_reaches_the_same_data(atria: Atria, form: object) -> None:
    chosen = Session(atria).period(parse_period(form))  # as every door reads what a person typed
    assert len(atria.invoice_lines(chosen)) == len(atria.invoice_lines(atria.period(date(2026, 10, 31))))


def test_a_period_atria_does_not_have_is_not_found_with_a_way_forward(atria: Atria) -> None:
    with pytest.raises(NotFoundError) as caught:
        atria.summary(Period(None, date(2020, 1, 31), None, True))
    assert "Atria summary" in str(caught.value)
    assert "xlbilling periods" in str(worded(caught.value))


def test_unknown_customer_is_named(atria: Atria, period: Period) -> None:
    with pytest.raises(NotFoundError) as caught:
        atria.detail(period, customer="NOPE-404")
    assert "NOPE-404" in str(caught.value)
    assert "xlbilling customers" in str(worded(caught.value))


def test_wrong_period_text_fails_before_any_request(atria: Atria) -> None:
    with pytest.raises(InputError, match="'last month' is not a date"):
        Session(atria).period("last month")


@pytest.mark.parametrize(
    "rename",
    [str.upper, str.lower, lambda key: key[:1].upper() + key[1:]],
    ids=["UPPER", "lower", "PascalCase"],
)
def test_key_casing_variants_give_the_same_frames(
    sandbox: Sandbox, atria: Atria, period: Period, rename: Callable[[str], str]
) -> None:
    transport = RewritingTransport(lambda payload: rename_keys(payload, rename))
    other = Atria(ApiClient("Atria", sandbox.url, sandbox.token, transport=transport))
    pd.testing.assert_frame_equal(other.invoice_lines(period), atria.invoice_lines(period))
    pd.testing.assert_frame_equal(other.summary(period), atria.summary(period))
    pd.testing.assert_frame_equal(other.periods(), atria.periods())


def test_a_missing_required_field_names_the_call_and_the_field(sandbox: Sandbox, period: Period) -> None:
    def drop_sku(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        return [{k: v for k, v in row.items() if k != "productSku"} for row in rows]

    broken = Atria(ApiClient("Atria", sandbox.url, sandbox.token, transport=RewritingTransport(drop_sku)))
    with pytest.raises(BadResponse) as caught:
        broken.summary(period)
    assert str(caught.value).startswith("Atria summary: the answer has no 'productSku' field.")
    assert "[atria.fields.<endpoint>]" in str(caught.value)


def test_unknown_extra_fields_are_ignored(sandbox: Sandbox, atria: Atria, period: Period) -> None:
    def add_field(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        return [{**row, "somethingNew": {"nested": [1, 2]}} for row in rows]

    extra = Atria(ApiClient("Atria", sandbox.url, sandbox.token, transport=RewritingTransport(add_field)))
    pd.testing.assert_frame_equal(extra.summary(period), atria.summary(period))


@pytest.mark.parametrize("day", ["2026-10-01", "2026-10-15", 46326, date(2026, 10, 31)])
def test_any_day_names_the_period_containing_it(atria: Atria, day: object) -> None:
    found = Session(atria).period(parse_period(day))
    assert (found.start, found.end, found.is_closed) == (date(2026, 10, 1), date(2026, 10, 31), True)


def test_the_open_period_is_named_but_not_closed(atria: Atria) -> None:
    found = atria.period(date(2026, 11, 21))
    assert found.end == date(2026, 11, 30) and not found.is_closed


def test_a_day_in_no_period_is_a_data_error(atria: Atria) -> None:
    with pytest.raises(DataError, match="No billing period contains 2019-06-01") as caught:
        atria.period(date(2019, 6, 1))
    assert "xlbilling periods" in str(worded(caught.value))


def test_customers_are_found_by_code_account_code_or_name(atria: Atria) -> None:
    customers = atria.customers()
    first = customers.iloc[0]
    code = str(first["customer_code"])
    for spelling in (code, code.lower(), str(first["account_code"]), f"  {str(first['customer_name']).upper()} "):
        assert atria.customer_code(spelling) == code
    with pytest.raises(InputError, match="Atria has no customer 'Nobody Ltd'"):
        atria.customer_code("Nobody Ltd")
    with pytest.raises(InputError, match="No customer given"):
        atria.customer_code(" ")


def test_the_largest_change_comes_first_and_is_the_largest_in_the_summary(atria: Atria, period: Period) -> None:
    summary = atria.summary(period)
    top = largest_changes(summary, 5)
    assert list(top.columns) == ["sku", "grouping", "last_count", "this_count", "difference"]
    assert list(top.index) == [0, 1, 2, 3, 4]
    assert abs(top["difference"].iloc[0]) == summary["difference"].abs().max()
    assert list(top["difference"].abs()) == sorted(summary["difference"].abs(), reverse=True)[:5]
    first = top.iloc[0]
    assert first["this_count"] - first["last_count"] == first["difference"]


def test_largest_changes_leave_out_what_did_not_change(atria: Atria, period: Period) -> None:
    per_sku = atria.summary(period, billable_only=True, by_customer=False)
    changed = per_sku[per_sku["difference"] != 0]
    top = largest_changes(per_sku, len(per_sku))
    assert 0 < len(changed) < len(per_sku), "the sandbox has changed and unchanged SKUs"
    assert sorted(top["sku"]) == sorted(changed["sku"]) and (top["difference"] != 0).all()


def test_the_billed_quantity_look_up_equals_the_invoice_lines(atria: Atria, period: Period) -> None:
    summary = atria.summary(period)
    counts = billable_counts(summary)
    lines = atria.invoice_lines(period)
    for code, sku, quantity in zip(lines["customer_code"], lines["sku"], lines["quantity"], strict=True):
        assert counts[sku.lower()][code]["this_count"] == quantity
    assert sum(len(customers) for customers in counts.values()) == len(lines), "nothing billed beyond the lines"
    assert set(counts) == {sku.lower() for sku in summary["sku"]}


def test_the_billed_change_look_up_equals_the_summarys_difference(atria: Atria, period: Period) -> None:
    counts = billable_counts(atria.summary(period))
    billable = atria.summary(period, billable_only=True)
    assert (billable["difference"] != 0).any()
    for code, sku, change in zip(billable["customer_code"], billable["sku"], billable["difference"], strict=True):
        assert counts[sku.lower()][code]["difference"] == change
