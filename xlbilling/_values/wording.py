"""Plain English for counts: ``1 invoice``, ``3 invoices``."""

from __future__ import annotations


def counted(number: int, noun: str) -> str:
    """``number`` and ``noun``, plural when it is not one: ``1 invoice``, ``3 invoices``, ``0 PDFs``."""
    return f"{number} {noun}" + ("" if number == 1 else "s")
