"""Money is Decimal from the moment it is parsed and rounds half-up to cents."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xlbilling._values.money import cents, round_to, to_decimal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(0.1, "0.1"), (12.5, "12.5"), ("12.50", "12.50"), (" 1,234.56 ", "1234.56"), (7, "7"), (Decimal("3.3"), "3.3")],
)
def test_amounts_parse_exactly(raw: object, expected: str) -> None:
    assert to_decimal(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["abc", "", None, True, float("nan"), "inf", [1]])
def test_non_amounts_are_refused(raw: object) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        to_decimal(raw)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("0.005", "0.01"), ("0.015", "0.02"), ("2.675", "2.68"), ("-0.005", "-0.01"), ("1.004", "1.00")],
)
def test_cents_round_half_up(amount: str, expected: str) -> None:
    assert cents(Decimal(amount)) == Decimal(expected)


def test_round_to_places() -> None:
    assert round_to(Decimal("12.34565"), 4) == Decimal("12.3457")
    assert round_to(Decimal("0.1") + Decimal("0.2"), 2) == Decimal("0.30")
