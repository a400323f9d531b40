"""``xlbilling doctor``: check the connection to each configured API and how its answers fit xlbilling's tables."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xlbilling import __version__
from xlbilling._cli import main

if TYPE_CHECKING:  # the clients come with pandas: imported when the command runs
    from xlbilling._doctor import ApiCheck, Endpoint, Report

_MARKS = {True: "✓", False: "✗", None: "-"}


@main.command()
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: the whole report as data, for a support ticket (no token is ever in it).")  # fmt: skip
@click.option(
    "--record",
    type=click.Path(file_okay=False, path_type=Path),
    help="Save every answer received into this folder, personal data replaced (replay it with "
    "`xlbilling sandbox --replay DIR`).",
)
@click.pass_context
def doctor(ctx: click.Context, fmt: str, record: Path | None) -> None:
    """Check each configured API: settings, host, TLS, token, then one call of every endpoint, showing the
    JSON key behind every column and the settings lines to add for what is missing.

    Exits 0 when every required column is found everywhere, 1 otherwise.
    """
    from xlbilling._apis.recording import Recorder
    from xlbilling._config.settings import load_settings
    from xlbilling._doctor import run_doctor

    settings = load_settings()
    secrets = tuple(token for token in (settings.atria_token, settings.xarios_token) if token)
    recorder = Recorder(record, secrets) if record is not None else None
    report = run_doctor(settings, recorder)
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), indent=2, default=str))
    else:
        _print(report)
    if recorder is not None:
        folder = recorder.finish(__version__)
        said = f"recorded {len(recorder.answers)} answers in {folder}, personal data replaced (see README.txt there)"
        click.echo(said, err=fmt == "json")
    ctx.exit(0 if report.ok else 1)


def _print(report: Report) -> None:
    width = shutil.get_terminal_size((100, 24)).columns
    for check in report.apis:
        _print_api(check, width)
    text = report.settings_text()
    if text:
        where = report.config_file or "the config file"
        click.echo(f"Add these lines to {where} (`xlbilling config --path` prints where it is),")
        click.echo("then run `xlbilling doctor` again:")
        click.echo("")
        click.echo(text)
    if not any(check.configured for check in report.apis):
        click.echo("No API is configured: set the Atria or Xarios URL and token (see `xlbilling config`).")
    elif report.ok:
        click.echo("Every required column was found in every answer.")
    elif not text:
        click.echo("Some checks failed: see the lines marked ✗ above.")


def _print_api(check: ApiCheck, width: int) -> None:
    click.echo(click.style(check.api, bold=True) + (f"  {check.url}" if check.url else ""))
    for step in check.steps:
        said = f"  {_MARKS[step.ok]} {step.name:<9} {step.detail}"
        click.echo(textwrap.fill(said, max(40, width), subsequent_indent=" " * 14))
    for endpoint in check.endpoints:
        _print_endpoint(endpoint, check.api.lower(), width)
    click.echo("")


def _print_endpoint(endpoint: Endpoint, api: str, width: int) -> None:
    mark = _MARKS[not (endpoint.error or endpoint.missing or endpoint.findings.bad)]
    pages = f", {endpoint.pages} pages" if endpoint.pages > 1 else ""
    rows = f", {endpoint.rows} row{'s' if endpoint.rows != 1 else ''}{pages}" if endpoint.findings.columns else ""
    status = f"HTTP {endpoint.status}, " if endpoint.status else ""
    facts = f"{status}{endpoint.seconds:.2f} s{rows}" if not endpoint.error else "failed"
    click.echo(f"\n  {mark} {click.style(endpoint.name, bold=True)}  ({facts})")
    click.echo(f"      {endpoint.request}")
    if endpoint.error:
        _wrapped(endpoint.error, width)
    if endpoint.sent:
        _wrapped(f"query names sent: {', '.join(endpoint.sent)}; set another under [{api}.params]", width)
    if endpoint.error:
        return
    cells = []
    for column in endpoint.findings.columns:
        key = column.key or ("MISSING (required)" if column.required else "missing")
        cells.append(f"{column.column} ← {key}")
    _grid(cells, width)
    for key, example in endpoint.findings.unused.items():
        click.echo(f"      not used: {key} = {example}")
    for bad in endpoint.findings.bad:
        click.echo(f"      did not parse: {bad}")
    if endpoint.signs:
        shown = ", ".join(f"{key} {_short(json.dumps(value, default=str))}" for key, value in endpoint.signs.items())
        click.echo(f"      paging/envelope: {shown}")
    if endpoint.note:
        _wrapped(endpoint.note, width)


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


def _wrapped(text: str, width: int) -> None:
    click.echo(textwrap.fill(text, max(40, width), initial_indent="      ", subsequent_indent="        "))


def _grid(cells: list[str], width: int) -> None:
    """``cells`` in columns of one width, as many as fit in ``width`` (a cell too wide for one has a line)."""
    size = max(20, min(max((len(cell) for cell in cells), default=0) + 3, (width - 6) // 2))
    per_line, line = max(1, (width - 6) // size), list[str]()
    for cell in cells:
        if len(cell) >= size or len(line) == per_line:
            if line:
                click.echo("      " + "".join(part.ljust(size) for part in line).rstrip())
            line = []
        if len(cell) >= size:
            click.echo(f"      {cell}")
        else:
            line.append(cell)
    if line:
        click.echo("      " + "".join(part.ljust(size) for part in line).rstrip())
