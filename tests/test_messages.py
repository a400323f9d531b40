"""What the command line says when something is missing or wrong, said before any request where it can be
(the sandbox's request log shows none), each naming the fix; and the notes a person needs to read a figure
right: an open period, the tables a plain refresh leaves out, what the money is valued at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from xlbilling._cli import main
from xlbilling._sandbox import Sandbox
from xlbilling._workbook.names import ALL, BY_NAME
from xlbilling._workbook.tables import TARGETS

pytestmark = pytest.mark.usefixtures("sandbox_env")

DATA = Path(__file__).parents[1] / "xlbilling" / "_sandbox" / "data"
PRICES, MAPPING = DATA / "prices.csv", DATA / "product-map.csv"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def asked(sandbox: Sandbox, since: int) -> list[str]:
    """The requests the sandbox has had since ``since``."""
    return sandbox.requests[since:]


def test_margin_without_its_files_names_both_options_and_the_samples(sandbox: Sandbox) -> None:
    start = len(sandbox.requests)
    result = run("margin")
    assert result.exit_code == 2
    said = result.stderr
    assert said.startswith("error: The margin needs --prices PATH") and "and --mapping PATH" in said
    assert f"{PRICES} and {MAPPING}" in said and PRICES.is_file() and MAPPING.is_file()
    assert "Missing option" not in said and asked(sandbox, start) == []
    only = run("margin", "--prices", PRICES)
    assert only.exit_code == 2 and "needs --mapping PATH" in only.stderr and "--prices PATH" not in only.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["margin", "--prices", "{missing}", "--mapping", MAPPING],
        ["reconcile", "--mapping", MAPPING, "--prices", "{missing}"],
        ["reconcile", "--mapping", "{missing}"],
        ["report", "--prices", "{missing}"],
    ],
    ids=lambda command: " ".join(str(part) for part in command[:2]),
)
def test_a_file_that_is_not_there_is_a_usage_error_before_any_request(
    command: list[str | Path], sandbox: Sandbox, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.csv"
    start = len(sandbox.requests)
    result = run(*(missing if part == "{missing}" else part for part in command))
    assert result.exit_code == 2, result.output
    assert f"{missing} does not exist. Pass the path of a CSV or .xlsx" in result.stderr
    assert asked(sandbox, start) == []


def test_a_price_list_excel_saved_with_semicolons_is_said_to_be(sandbox: Sandbox, tmp_path: Path) -> None:
    european = tmp_path / "prices.csv"
    european.write_text("sku;unit_price;currency\nM365-BB;6,00;GBP\n", encoding="utf-8")
    start = len(sandbox.requests)
    for command in (["margin", "--prices", european, "--mapping", MAPPING], ["report", "--prices", european]):
        result = run(*command)
        assert result.exit_code == 1, result.output
        assert f"{european} separates its columns with ';'" in result.stderr
        assert "as an .xlsx workbook" in result.stderr and "no column" not in result.stderr
    mapping = tmp_path / "map.csv"
    mapping.write_text("part_number;sku\nXDM00001;M365-BB\n", encoding="utf-8")
    result = run("reconcile", "--mapping", mapping)
    assert result.exit_code == 1 and "separates its columns with ';'" in result.stderr
    assert "Save the mapping from Excel as an .xlsx workbook" in result.stderr
    assert asked(sandbox, start) == []


def test_an_open_period_is_said_to_be_open() -> None:
    result = run("summary", "--period", "2026-11-30", "--format", "csv")
    assert result.exit_code == 0
    assert "period: 2026-11-30 is still open: its numbers may change until it closes." in result.stderr
    closed = run("summary", "--period", "2026-10-31", "--format", "csv")
    assert "still open" not in closed.stderr


def test_per_sku_says_what_it_does_and_the_old_name_still_works() -> None:
    helped = run("summary", "--help").stdout
    assert "--per-sku" in helped and "every customer added together" in helped and "--all-customers" not in helped
    new, old = run("summary", "--per-sku", "-f", "csv"), run("summary", "--all-customers", "-f", "csv")
    assert new.exit_code == old.exit_code == 0 and new.stdout == old.stdout
    assert new.stdout.splitlines()[1].startswith(",,,")  # one row per SKU: no customer on it
    both = run("summary", "--per-sku", "--by-customer")
    assert both.exit_code == 2 and "leave out --by-customer" in both.stderr


def test_refresh_help_names_every_table_and_a_plain_refresh_says_what_it_left_out(tmp_path: Path) -> None:
    assert set(ALL + BY_NAME) == set(TARGETS), "--help names what refresh takes"
    helped = " ".join(run("refresh", "--help").stdout.split())
    assert all(name in helped for name in TARGETS) and "Default: all but reconciliation and margin" in helped
    workbook = tmp_path / "billing.xlsx"
    shutil.copyfile(Path(__file__).parents[1] / "templates" / "billing.xlsx", workbook)
    plain = run("refresh", workbook)
    assert plain.exit_code == 0, plain.output
    assert "not refreshed: Reconciliation and Margin" in plain.stderr
    assert "refresh them with --only reconciliation,margin" in plain.stderr
    named = run("refresh", workbook, "--only", "summary")
    assert named.exit_code == 0 and "not refreshed" not in named.stderr


def test_config_lines_up_every_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    lines = [line for line in run("config").stdout.splitlines()[1:] if not line.startswith("[")]
    names = [line.split()[0] for line in lines]
    assert "seller.electronic_address_scheme" in names and "timeout" in names
    starts = {line.index(line.split()[1], len(line.split()[0])) for line in lines}
    assert len(starts) == 1, "every value starts in the same column"
    sources = {line.rindex(" default") for line in lines if line.endswith(" default")}
    sources |= {line.rindex(" not set") for line in lines if line.endswith(" not set")}
    assert len(sources) == 1, "every source starts in the same column"


def test_reconcile_without_prices_says_it_valued_at_cost_and_leaves_the_empty_price_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    result = run("reconcile", "--period", "2026-10-31", "--mapping", MAPPING)
    assert result.exit_code == 0
    assert "leaked (charged by Xarios, not billed): " in result.stderr and " at Xarios cost\n" in result.stderr
    assert "Everything is valued at Xarios cost, in the currency of its invoices (they name none)" in result.stderr
    assert "GBP" not in result.output, "no currency assumed"
    assert "empty: unit_price" in result.stdout and "unit_price ┃" not in result.stdout
    assert "Money at stake per customer, at Xarios cost" in result.stdout
