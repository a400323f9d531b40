"""The output formats of the data commands, apart from ``xlbilling._output.write`` (which imports pandas and rich)
so that the command line can offer them without importing either."""

from __future__ import annotations

from typing import Literal

Format = Literal["table", "csv", "json", "xlsx"]
FORMATS: tuple[str, ...] = ("table", "csv", "json", "xlsx")


def counted(number: int, noun: str) -> str:
    """``number`` and ``noun``, plural when it is not one: ``1 invoice``, ``3 invoices``, ``0 PDFs``."""
    return f"{number} {noun}" + ("" if number == 1 else "s")
