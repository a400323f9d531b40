"""Options and helpers shared by the data commands."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from xlbilling._errors import InputError
from xlbilling._output import FORMATS

if TYPE_CHECKING:  # pandas, rich and the clients are imported when a command runs, not for --help
    import pandas as pd
    from rich.console import Console

    from xlbilling._output import Reading
    from xlbilling._progress import Progress, Step
    from xlbilling._session.session import Session
    from xlbilling._values.period import Period

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class _Stderr:
    """rich's console on stderr, made on first use: importing rich is not free, and ``--help`` needs none."""

    _console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False, soft_wrap=True)
        return self._console

    def __getattr__(self, name: str) -> Any:  # stderr.print(...), stderr.status(...)
        return getattr(self.console, name)


stderr = _Stderr()


def say(*lines: str) -> None:
    """Say ``lines`` on stderr, each wrapped to the terminal's width (continuations indented)."""
    from xlbilling._output.lines import terminal_width, wrapped

    width = terminal_width()
    for line in lines:
        stderr.print(wrapped(line, width))


def period_option(func: F) -> F:
    """``--period DATE``: the billing period's end date; the latest closed period when left out."""
    return click.option(
        "--period",
        "-p",
        metavar="DATE",
        help="Billing period end date (YYYY-MM-DD or an Excel serial). Default: the latest closed period.",
    )(func)


def output_options(func: F) -> F:
    """``--format`` and ``-o/--output``: the command receives the format to write, taken from the output
    file's extension unless ``--format`` says it (a mismatch is a usage error)."""

    @functools.wraps(func)
    def chosen(*args: Any, fmt: str | None, output: Path | None, columns: str | None, **options: Any) -> Any:
        if columns is not None:
            click.get_current_context().meta[COLUMNS] = [name.strip() for name in columns.split(",") if name.strip()]
        return func(*args, fmt=output_format(fmt, output), output=output, **options)

    command = click.option(
        "--columns", metavar="NAMES",
        help="Only these columns, comma-separated, in this order (any format). Default: all; a table on a "
        "narrow terminal shows those that fit.",
    )(chosen)  # fmt: skip
    command = click.option(
        "--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
        help="Write to this file (.csv, .json, .xlsx or .txt: the extension sets the format).",
    )(command)  # fmt: skip
    return click.option(  # type: ignore[return-value]  # the wrapper takes what ``func`` takes
        "--format", "-f", "fmt", type=click.Choice(FORMATS), default=None,
        help="Output format. Default: from the -o file's extension, else table.",
    )(command)  # fmt: skip


COLUMNS = "xlbilling.columns"
"""Where ``--columns`` is kept for ``show`` (and a command writing its own tables) in the click context."""
EXTENSIONS = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".txt": "table"}
"""The output file extensions and the format each one means."""


def output_format(fmt: str | None, output: Path | None) -> str:
    """The format to write: ``fmt`` when given, else the one ``output``'s extension means, else ``table``;
    ``InputError`` when the two disagree or the extension means none."""
    if output is None:
        return fmt or "table"
    by_name = EXTENSIONS.get(output.suffix.lower())
    if fmt is None and by_name is None:
        raise InputError(
            f"{output.name} does not say which format to write.",
            "Name it .csv, .json, .xlsx or .txt, or pass --format.",
        )
    if fmt is not None and by_name is not None and fmt != by_name:
        raise InputError(
            f"--format {fmt} does not match {output.name}, which is named for {by_name}.",
            "Leave out --format, or give the file the extension of the format you want.",
        )
    return fmt or str(by_name)


def new_session(refresh: bool = False) -> Session:
    """The command's session: clients from the user's settings and one cache, so a command asks each API
    once per distinct data set however many steps use it; ``refresh`` reads nothing kept on disk."""
    from xlbilling._session.session import Session
    from xlbilling._session.stored import Store

    return Session(store=Store(refresh=refresh))


def refresh_option(func: F) -> F:
    """``--refresh``: ask the APIs for every closed period again instead of using what is kept on disk."""
    return click.option(
        "--refresh",
        is_flag=True,
        help="Ask the APIs again for the closed periods kept on disk by earlier runs (`xlbilling cache` says where).",
    )(func)


def resolve_period(session: Session, period: str | None) -> Period:
    """The period containing the day the user named, or the latest closed period (said on stderr either
    way when it is not the day typed; a period still open is said to be)."""
    from xlbilling._values.dates import parse_period

    if period is None:
        latest = session.latest_closed()
        stderr.print(f"period: {latest} (latest closed; choose another with --period)")
        return latest
    day = parse_period(period)
    found = session.period(day)
    if found.end != day:
        stderr.print(f"period: {found} (the period containing {day.isoformat()})")
    if not found.is_closed:
        say(f"period: {found} is still open: its numbers may change until it closes.")
    return found


def resolve_day(session: Session, text: str | None) -> Period | None:
    """The period containing the day the user typed (``None`` stays ``None``)."""
    from xlbilling._values.dates import parse_period

    return None if text is None else session.period(parse_period(text))


def resolve_customer(session: Session, customer: str | None) -> str | None:
    """The customer code for a code, account code or name the user typed (``None`` stays ``None``)."""
    return None if customer is None else session.customer(customer)


def fetch(message: str, func: Callable[[], T]) -> T:
    """Run ``func`` while showing ``message`` with a spinner when stderr is a terminal, and the page it is on
    when the answer comes in pages."""
    if not sys.stderr.isatty():
        return func()
    from xlbilling._apis.paging import PROGRESS

    with stderr.status(message) as status:
        token = PROGRESS.set(lambda step: status.update(f"{message} {step}"))
        try:
            return func()
        finally:
            PROGRESS.reset(token)


@contextmanager
def progress_lines(message: str) -> Iterator[Progress | None]:
    """On a terminal, ``message`` with a spinner and each counted step printed as it is done (``period
    2026-10-31 (3/12)``); nothing when stderr is redirected."""
    if not sys.stderr.isatty():
        yield None
        return
    with stderr.status(message) as status:

        def heard(step: Step) -> None:
            stderr.print(f"{step.what}: done ({step.done}/{step.total})")
            status.update(f"{message} {step.done}/{step.total} done")

        yield heard


def show(
    df: pd.DataFrame, fmt: str, output: Path | None, *, title: str, table_name: str, reading: Reading | None = None
) -> None:
    """Write ``df`` (only the ``--columns`` asked for, when given) and say where it went; on a narrow
    terminal, the columns ``reading`` names first (those asked for, in order, when ``--columns`` chose them)."""
    from xlbilling._output import Reading
    from xlbilling._output.write import emit

    chosen = click.get_current_context().meta.get(COLUMNS)
    if chosen:
        unknown = [name for name in chosen if name not in df.columns]
        if unknown:
            raise InputError(
                f"No column {', '.join(unknown)} in {title}.", f"Choose from: {', '.join(map(str, df.columns))}."
            )
        df = df.loc[:, chosen]
        reading = Reading(first=tuple(chosen), drop_empty=False)
    said = emit(df, fmt, output, title=title, table_name=table_name, reading=reading)
    if said:
        stderr.print(said)
