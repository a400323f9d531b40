"""A billing period, the one typed value every part of xlbilling passes around instead of a date or text.

A door (a command, a formula, a button, the Control sheet) turns what a person typed into a ``Period`` once,
through the session; the core (``Atria``, reconciliation, invoices) takes only a ``Period`` and always asks
Atria by the period's own end date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from xlbilling._errors import DataError


@dataclass(frozen=True)
class Period:
    """One billing period as Atria lists it; ``end`` names it in every Atria call."""

    start: date | None
    end: date
    name: str | None
    is_closed: bool

    @property
    def draft(self) -> bool:
        """Whether invoices of this period are drafts: it is still open, so its quantities may change."""
        return not self.is_closed

    @property
    def first_day(self) -> date:
        """The period's first day; ``DataError`` when Atria gives none (invoices and reconciliation need it)."""
        if self.start is None:
            raise DataError(
                f"Atria gives no start date for the period ending {self.end.isoformat()}.",
                "Set the period's start date in Atria, then run the same command again.",
            )
        return self.start

    @property
    def title(self) -> str:
        """The period's name, or its first and last day when Atria gives no name."""
        return self.name or f"{self.first_day:%d %b %Y} to {self.end:%d %b %Y}"

    def __str__(self) -> str:
        return self.end.isoformat()
