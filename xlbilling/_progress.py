"""How a long job says where it is: one ``Step`` at a time, to whatever shows it (a spinner, a progress bar,
a pane in Excel, a line of a scheduled run's log)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """What a long job is doing (``"Invoices"``, ``"fetching Summary"``, ``"period 2026-10-31"``) and, when
    it counts, how far it is: ``done`` of ``total``."""

    what: str
    done: int | None = None
    total: int | None = None

    def __str__(self) -> str:
        if self.done is None:
            return self.what
        return f"{self.what} ({self.done}/{self.total})" if self.total is not None else f"{self.what} ({self.done})"


Progress = Callable[[Step], None]
"""Told of each step of a long job as it happens (every job takes one as ``progress``)."""
