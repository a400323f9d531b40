"""Money arithmetic: ``Decimal`` from the moment an amount is parsed, rounded half-up to cents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")


def to_decimal(value: Any) -> Decimal:
    """Parse an amount as sent by an API or typed in a file (``12.5``, ``"12.50"``, ``1e2``) exactly.

    Floats go through their shortest ``repr`` so ``0.1`` becomes ``Decimal("0.1")``, not its binary
    expansion. Raises ``ValueError`` for text that is not a number, and for NaN or infinity.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"not an amount: {value!r}") from None
    else:
        raise ValueError(f"not an amount: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return result


def cents(amount: Decimal) -> Decimal:
    """Round to cents, half away from zero (0.005 -> 0.01, -0.005 -> -0.01)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def round_to(amount: Decimal, places: int) -> Decimal:
    """Round half-up to ``places`` decimal places."""
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
