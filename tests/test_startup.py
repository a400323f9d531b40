"""The command line starts without importing what it does not use (timings: ``benchmarks/startup.py``).

``xlbilling --help``, ``--version`` and ``config`` import no pandas, HTTP client, web server, PDF or Excel
library; every command's ``--help`` imports only its own module; a data command imports what it needs to
fetch and print, never the sandbox's web server, fpdf or openpyxl. Each check runs in a fresh interpreter,
so what this test process already imported does not count. No test here asserts a time.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import xlbilling._cli
from xlbilling._cli import COMMANDS, main
from xlbilling._sandbox import Sandbox

#: Never imported by ``--help``, ``--version``, ``config`` or any command's ``--help``.
HEAVY = ("pandas", "numpy", "fastapi", "uvicorn", "fpdf", "openpyxl", "msgspec", "xlwings", "httpx", "rich", "PIL")
#: Never imported by a data command that fetches and prints a table.
SERVER_AND_FILES = ("fastapi", "uvicorn", "fpdf", "openpyxl", "xlwings")

# Runs the command line as the ``xlbilling`` script does, then prints the exit code and the top-level
# packages imported, as the last line of stdout.
_RUN = """
import json, sys
from xlbilling._cli import main
try:
    main(sys.argv[1:], prog_name="xlbilling")
    code = 0
except SystemExit as stop:
    code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
sys.stdout.write("\\n" + json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No setting from this machine: no ``XLBILLING_`` variable, a config file that does not exist, no keyring."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("XLBILLING_")}
    env["XLBILLING_CONFIG"] = str(tmp_path / "none" / "config.toml")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    return {**env, **extra}


def run_fresh(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str, set[str]]:
    """Run ``xlbilling ARGS`` in a new interpreter: its exit code, stdout, stderr and the packages it imported."""
    done = subprocess.run(
        [sys.executable, "-c", _RUN, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    output, _, last = done.stdout.rpartition("\n")
    assert last.startswith("{"), done.stderr
    result = json.loads(last)
    return result["code"], output, done.stderr, set(result["modules"])


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["config"], ["config", "--path"]], ids=" ".join)
def test_help_version_and_config_import_nothing_heavy(args: list[str], tmp_path: Path) -> None:
    code, output, errors, modules = run_fresh(args, _environment(tmp_path), tmp_path)
    assert code == 0, errors
    assert not modules & set(HEAVY), f"xlbilling {' '.join(args)} imported {sorted(modules & set(HEAVY))}"
    if args == ["config"]:
        assert "atria_url" in output and "not set" in output and "(none yet)" in output


def _all_commands(group: click.Group, ctx: click.Context, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The path of every command and subcommand under ``group``."""
    found: list[tuple[str, ...]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        found.append((*path, name))
        if isinstance(command, click.Group):
            found += _all_commands(command, click.Context(command, parent=ctx, info_name=name), (*path, name))
    return found


def _load_every_module() -> None:
    for info in pkgutil.iter_modules(xlbilling._cli.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"xlbilling._cli.{info.name}")


def test_the_list_of_commands_is_complete_and_names_their_modules() -> None:
    _load_every_module()
    assert set(main.commands) == set(COMMANDS)
    for name, command in main.commands.items():
        assert command.callback is not None
        assert command.callback.__module__ == f"xlbilling._cli.{COMMANDS[name]}", name


def test_help_lists_every_command_with_its_one_line_help() -> None:
    result = CliRunner().invoke(main, ["--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    listed: dict[str, str] = {}
    for line in result.output.split("Commands:\n", 1)[1].splitlines():
        if line.strip():
            name, _, text = line.strip().partition(" ")
            listed[name] = text.strip()
    assert set(listed) == set(COMMANDS)
    ctx = click.Context(main, info_name="xlbilling")
    for name, text in listed.items():
        command = main.get_command(ctx, name)
        assert command is not None and text, name
        assert text == command.get_short_help_str(limit=200), name


def test_every_command_help_works() -> None:
    paths = _all_commands(main, click.Context(main, info_name="xlbilling"))
    assert {path[0] for path in paths} == set(COMMANDS)
    assert ("config", "set-token") in paths and ("xarios", "list") in paths
    for path in paths:
        result = CliRunner().invoke(main, [*path, "--help"], prog_name="xlbilling")
        assert result.exit_code == 0, (path, result.output)
        assert f"Usage: xlbilling {' '.join(path)}" in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_command_help_imports_nothing_heavy(name: str, tmp_path: Path) -> None:
    code, output, errors, modules = run_fresh([name, "--help"], _environment(tmp_path), tmp_path)
    assert code == 0, errors
    assert f"Usage: xlbilling {name}" in output
    assert not modules & set(HEAVY), f"xlbilling {name} --help imported {sorted(modules & set(HEAVY))}"


def test_periods_fetches_without_the_web_server_pdf_or_excel_libraries(sandbox: Sandbox, tmp_path: Path) -> None:
    env = _environment(tmp_path, XLBILLING_ATRIA_URL=sandbox.url, XLBILLING_ATRIA_TOKEN=sandbox.token)
    code, output, errors, modules = run_fresh(["periods", "--format", "json"], env, tmp_path)
    assert code == 0, errors
    assert "2026-10-31" in {row["period_end"] for row in json.loads(output)}
    assert {"pandas", "httpx"} <= modules
    assert not modules & set(SERVER_AND_FILES), f"xlbilling periods imported {sorted(modules & set(SERVER_AND_FILES))}"
