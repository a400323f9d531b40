"""Every data command in every format, through the real command line and the sandbox over loopback."""

from __future__ import annotations

import csv
import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xlbilling._cli import main
from xlbilling._sandbox import Sandbox
from xlbilling._sandbox.vendor import vat_error_invoice

pytestmark = pytest.mark.usefixtures("sandbox_env")

COMMANDS = [
    ["periods"],
    ["customers"],
    ["summary", "--period", "2026-10-31"],
    ["summary", "--period", "2026-10-31", "--all-customers", "--billable-only"],
    ["detail", "--period", "46326", "--billable-only"],
    ["invoice-lines", "--period", "2026-10-31"],
    ["analysis", "--period", "2026-10-31"],
    ["xarios", "list"],
]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_json_and_csv_agree_row_for_row(command: list[str]) -> None:
    code, out_json, _ = run(*command, "--format", "json")
    assert code == 0
    rows = json.loads(out_json)
    code, out_csv, _ = run(*command, "--format", "csv")
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out_csv)))
    assert len(rows) == len(table) > 0
    assert list(rows[0]) == list(table[0])


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_xlsx_output_is_an_excel_table(command: list[str], tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    code, _, err = run(*command, "--format", "xlsx", "-o", str(target))
    assert code == 0, err
    assert f"to {target}" in err
    rows = json.loads(run(*command, "--format", "json")[1])
    sheet = load_workbook(target).worksheets[0]
    assert len(sheet.tables) == 1
    (table,) = sheet.tables.values()
    assert table.ref.endswith(str(len(rows) + 1)), "one header row plus one row per record"
    assert [cell.value for cell in sheet[1]] == list(rows[0])


def test_table_format_shows_rows_and_counts() -> None:
    code, out, _ = run("customers")
    assert code == 0
    assert "Customers (" in out and "customer_code" in out


def test_money_stays_exact_in_json() -> None:
    rows = json.loads(run("xarios", "list", "--format", "json")[1])
    assert all(isinstance(row["invoice_value"], str) and "." in row["invoice_value"] for row in rows)


def test_any_day_names_its_period_and_customers_by_code_account_code_or_name() -> None:
    by_code = json.loads(run("invoice-lines", "--period", "2026-10-31", "-c", "CUST0001", "--format", "json")[1])
    code, out, err = run("invoice-lines", "--period", "2026-10-15", "-c", by_code[0]["customer_name"], "-f", "json")
    assert code == 0
    assert "period: 2026-10-31 (the period containing 2026-10-15)" in err
    assert json.loads(out) == by_code
    by_account = run("invoice-lines", "-p", "46326", "-c", by_code[0]["customer_account_code"].lower(), "-f", "json")
    assert json.loads(by_account[1]) == by_code


def test_latest_closed_period_is_the_default() -> None:
    code, out, err = run("invoice-lines", "--format", "json")
    assert code == 0
    assert "period: 2026-10-31 (latest closed" in err
    assert json.loads(out) == json.loads(run("invoice-lines", "--period", "2026-10-31", "--format", "json")[1])


def test_hostile_names_cannot_become_formulas_in_csv() -> None:
    out = run("customers", "--format", "csv")[1]
    names = [row["customer_name"] for row in csv.DictReader(io.StringIO(out))]
    risky = [name for name in names if name.lstrip("'").startswith(("=", "+", "-", "@"))]
    assert risky, "the sandbox has a customer whose name starts like a formula"
    assert all(name.startswith("'") for name in risky)


def test_xarios_show_detail_and_pdf(tmp_path: Path) -> None:
    invoice_id = json.loads(run("xarios", "list", "--format", "json")[1])[-1]["invoice_id"]
    code, out, err = run("xarios", "show", invoice_id, "--format", "json")
    assert code == 0 and "arithmetic matches" in err
    assert {row["operator"] for row in json.loads(out)} == {"PRICE", "SUM", "ADJUSTPERCENTAGE"}
    code, _, err = run("xarios", "detail", invoice_id, "-o", str(tmp_path / "d.csv"), "--format", "csv")
    assert code == 0 and "JSON and CSV agree" in err
    code, _, err = run("xarios", "pdf", invoice_id, "-o", str(tmp_path / "i.pdf"))
    assert code == 0 and (tmp_path / "i.pdf").read_bytes()[:4] == b"%PDF"


@pytest.mark.parametrize(
    ("args", "exit_code", "words"),
    [
        (["summary", "--period", "2026-13-45"], 2, "'2026-13-45' is not a date"),
        (["summary", "--period", "2020-01-31"], 1, "No billing period contains 2020-01-31"),  # data, not usage
        (["detail", "--customer", "NOBODY"], 2, "Atria has no customer 'NOBODY'"),
        (["xarios", "show", "NOPE"], 1, "xlbilling xarios list"),
        (["customers", "--format", "xlsx"], 2, "Add -o FILE.xlsx"),
        (["summary", "--format", "yaml"], 2, "Invalid value for '--format'"),
    ],
)
def test_errors_are_one_clear_line_with_the_right_exit_code(args: list[str], exit_code: int, words: str) -> None:
    code, _, err = run(*args)
    assert code == exit_code
    assert words in err
    assert "Traceback" not in err


def test_outage_is_one_line_with_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XLBILLING_ATRIA_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("XLBILLING_RETRIES", "0")
    code, _, err = run("periods")
    assert code == 1
    assert err.startswith("error: Atria") and "127.0.0.1" in err
    assert len(err.strip().splitlines()) == 1


def test_missing_configuration_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XLBILLING_ATRIA_URL")
    code, _, err = run("periods")
    assert code == 2
    assert "XLBILLING_ATRIA_URL" in err


def test_token_never_appears_in_output_logs_or_files(
    sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen = []
    for command in COMMANDS:
        result = CliRunner().invoke(main, ["--debug", *command, "--format", "xlsx", "-o", str(tmp_path / "x.xlsx")])
        seen += [result.stdout, result.stderr]
        seen.append((tmp_path / "x.xlsx").read_bytes().decode("latin-1"))
    result = CliRunner().invoke(main, ["--debug", "summary", "--period", "1999-01-31"])
    seen += [result.stdout, result.stderr, caplog.text]
    assert "GET" in caplog.text, "debug logging was on"
    assert not [text for text in seen if sandbox.token in text]


def test_python_dash_m_runs_the_same_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "xlbilling", "--help"], capture_output=True, text=True, check=True)
    assert "periods" in done.stdout and "xarios" in done.stdout


def test_a_filter_that_matches_nothing_says_so_and_lists_the_services() -> None:
    code, out, err = run("detail", "--period", "2026-10-31", "--service", "Nope", "--format", "json")
    assert code == 0 and json.loads(out) == []
    assert "no rows match --service 'Nope'" in err
    assert "Microsoft 365" in err


def test_a_user_filter_alone_is_named_alone() -> None:
    code, _, err = run("detail", "--period", "2026-10-31", "--user", "zz-nobody-zz", "--format", "json")
    assert code == 0
    assert "no user name contains 'zz-nobody-zz' in the period ending 2026-10-31" in err and "None" not in err


def test_the_output_files_extension_chooses_the_format(tmp_path: Path) -> None:
    code, _, err = run("customers", "-o", str(tmp_path / "c.xlsx"))
    assert code == 0 and "table Customers" in err
    assert load_workbook(tmp_path / "c.xlsx")["Customers"].tables["Customers"].ref.startswith("A1:D")
    code, _, _ = run("customers", "-o", str(tmp_path / "c.json"))
    assert code == 0 and json.loads((tmp_path / "c.json").read_text())[0]["customer_code"] == "CUST0001"
    code, _, _ = run("customers", "-o", str(tmp_path / "c.csv"))
    assert code == 0 and (tmp_path / "c.csv").read_text().startswith("customer_code,customer_name,")
    code, _, _ = run("customers", "-o", str(tmp_path / "c.txt"))
    assert code == 0 and "CUST0001" in (tmp_path / "c.txt").read_text()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-o", "c.json", "--format", "csv"], "--format csv does not match c.json, which is named for json."),
        (["-o", "c.data"], "c.data does not say which format to write. Name it .csv, .json, .xlsx or .txt"),
    ],
)
def test_a_format_the_file_name_contradicts_is_a_usage_error(tmp_path: Path, args: list[str], words: str) -> None:
    named = [str(tmp_path / a) if a.startswith("c.") else a for a in args]
    code, _, err = run("customers", *named)
    assert code == 2 and words in err and not list(tmp_path.iterdir())


def test_xarios_show_says_the_verdict_after_the_items_and_exits_1_when_the_arithmetic_differs(
    sandbox: Sandbox,
) -> None:
    wrong = vat_error_invoice(sandbox.dataset)
    code, out, err = run("xarios", "show", wrong, "--format", "csv")
    assert code == 1 and out.startswith("item_id,")
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"arithmetic of invoice {wrong}: differs") and "1 cent more" in last
    right = json.loads(run("xarios", "list", "--format", "json")[1])[-1]["invoice_id"]
    code, _, err = run("xarios", "show", right, "--format", "csv")
    assert code == 0 and err.strip().splitlines()[-1] == f"arithmetic of invoice {right}: matches"


def test_columns_chooses_what_is_written_in_any_format() -> None:
    code, out, _ = run("summary", "--period", "2026-10-31", "--columns", "sku, this_count", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "sku,this_count"
    code, out, _ = run("customers", "--columns", "customer_name,customer_code", "--format", "json")
    assert code == 0 and list(json.loads(out)[0]) == ["customer_name", "customer_code"]
    code, _, err = run("summary", "--period", "2026-10-31", "--columns", "sku,nope")
    assert code == 2 and "No column nope in Summary. Choose from: customer_code, customer_name" in err
