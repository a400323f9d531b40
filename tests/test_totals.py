"""A Xarios invoice's arithmetic is redone in Decimal and every disagreement is named to the cent."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from xlbilling._apis.xarios_arithmetic import check_invoice

D = Decimal


def items(*rows: tuple[int, str, str | None, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "calculation_order": order,
                "operator": operator,
                "operator_value": D(percent) if percent else None,
                "output_tags": tags,
                "value": D(value),
            }
            for order, operator, percent, tags, value in rows
        ]
    )


def invoice(vat: str = "20.03", total: str = "120.16") -> pd.DataFrame:
    return items(
        (3, "PRICE", None, "PurchaseResult", "60.05"),
        (1, "PRICE", None, "PurchaseResult", "40.08"),
        (4, "SUM", None, "Summary", "100.13"),
        (5, "ADJUSTPERCENTAGE", "20", "Summary,TotalVAT", vat),
        (6, "SUM", None, "Summary,TotalInclVAT", total),
    )


def test_consistent_invoice_matches() -> None:
    check = check_invoice(invoice(), D("120.16"))
    assert check.ok
    assert check.message == "matches"
    assert (check.subtotal, check.tax, check.total) == (D("100.13"), D("20.03"), D("120.16"))


def test_vat_off_by_a_cent_is_named_with_its_order_and_amounts() -> None:
    check = check_invoice(invoice(vat="20.04", total="120.17"), D("120.17"))
    assert not check.ok
    assert check.differences[0] == "TotalVAT item 5 says 20.04, the arithmetic gives 20.03 (1 cent more)"
    assert check.total == D("120.16")
    assert any("invoice value says 120.17" in d for d in check.differences)


def test_invoice_value_disagreeing_alone() -> None:
    check = check_invoice(invoice(), D("119.00"))
    assert check.message == "differs: invoice value says 119.00, the arithmetic gives 120.16 (116 cents less)"


def test_negative_adjustment_credit_reduces_the_total() -> None:
    frame = items(
        (1, "PRICE", None, "PurchaseResult", "100.00"),
        (2, "PRICE", None, "PurchaseResult", "-25.50"),
        (3, "SUM", None, "Summary", "74.50"),
        (4, "ADJUSTPERCENTAGE", "20", "Summary,TotalVAT", "14.90"),
        (5, "SUM", None, "Summary,TotalInclVAT", "89.40"),
    )
    assert check_invoice(frame, D("89.40")).ok


def test_unknown_operator_is_reported_not_ignored() -> None:
    frame = items((1, "PRICE", None, "PurchaseResult", "10.00"), (2, "MULTIPLY", None, "", "3"))
    check = check_invoice(frame, None)
    assert check.differences == ("item 2 has an unknown operator 'MULTIPLY' and was left out",)


def test_an_item_without_a_value_is_named() -> None:
    frame = items((1, "PRICE", None, "PurchaseResult", "10.00"), (2, "SUM", None, "Summary", "10.00"))
    frame.loc[0, "value"] = None
    check = check_invoice(frame, None)
    assert check.differences[0] == "item 1 (PRICE) has no value; counted as 0.00"
