"""Options and helpers shared by the data commands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
import pandas as pd
from rich.console import Console

from xlbilling.atria import Atria
from xlbilling.dates import parse_period
from xlbilling.output import FORMATS, emit

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def period_option(func: F) -> F:
    """``--period DATE``: the billing period's end date; the latest closed period when left out."""
    return click.option(
        "--period",
        "-p",
        metavar="DATE",
        help="Billing period end date (YYYY-MM-DD or an Excel serial). Default: the latest closed period.",
    )(func)


def output_options(func: F) -> F:
    """``--format`` and ``-o/--output``."""
    func = click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")(
        func
    )
    return click.option(
        "--format", "-f", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
        help="Output format.",
    )(func)  # fmt: skip


def resolve_period(atria: Atria, period: str | None) -> date:
    """The end date of the period containing the day the user named, or of the latest closed period
    (said on stderr either way when it is not the day typed)."""
    if period is None:
        latest = atria.latest_closed_period()
        stderr.print(f"period: {latest.isoformat()} (latest closed; choose another with --period)")
        return latest
    day = parse_period(period)
    found = atria.period(day)
    if found.end != day:
        stderr.print(f"period: {found.end.isoformat()} (the period containing {day.isoformat()})")
    return found.end


def resolve_customer(atria: Atria, customer: str | None) -> str | None:
    """The customer code for a code, account code or name the user typed (``None`` stays ``None``)."""
    return None if customer is None else atria.customer_code(customer)


def fetch(message: str, func: Callable[[], T]) -> T:
    """Run ``func`` while showing ``message`` with a spinner when stderr is a terminal."""
    if not sys.stderr.isatty():
        return func()
    with stderr.status(message):
        return func()


def show(df: pd.DataFrame, fmt: str, output: Path | None, *, title: str, table_name: str) -> None:
    """Write ``df`` and say where it went."""
    said = emit(df, fmt, output, title=title, table_name=table_name)
    if said:
        stderr.print(said)
