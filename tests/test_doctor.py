"""``xlbilling doctor`` against the sandbox speaking each dialect, over loopback: what it prints, its exit code,
and that the settings lines it prints make every command give the output it gives on the plain sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from xlbilling._cli import main
from xlbilling._config.settings import load_settings
from xlbilling._excel import udfs
from xlbilling._sandbox import Sandbox
from xlbilling._sandbox.dialects import CSV_RENAMES, RENAMES
from xlbilling._session import session as sessions
from xlbilling._session.session import Session

DATA = Path(__file__).parents[1] / "xlbilling" / "_sandbox" / "data"
PERIOD = "2026-10-31"
#: What a user types: every data command, ``report`` and ``reconcile`` (outputs compared between sandboxes).
COMMANDS = [
    ["periods", "-f", "csv"],
    ["customers", "-f", "csv"],
    ["summary", "-p", PERIOD, "-f", "csv"],
    ["summary", "-p", "2026-09-15", "--billable-only", "--all-customers", "-f", "csv"],
    ["detail", "-p", PERIOD, "-c", "CUST0004", "--billable-only", "-f", "csv"],
    ["invoice-lines", "-p", PERIOD, "-f", "csv"],
    ["analysis", "-p", PERIOD, "-c", "Hazel Legal Group Ltd", "-f", "csv"],
    ["xarios", "list", "-f", "csv"],
    ["xarios", "show", "INV-202610", "-f", "csv"],
    ["xarios", "detail", "INV-202610", "-f", "csv"],
    ["reconcile", "-p", PERIOD, "--mapping", str(DATA / "product-map.csv"), "--prices", str(DATA / "prices.csv"),
     "-f", "csv"],
    ["report", "-p", PERIOD, "--prices", str(DATA / "prices.csv"), "--tax-rate", "0.2", "--customer", "CUST0001",
     "--customer", "CUST0004", "--out", "{out}"],
]  # fmt: skip
#: The ``renamed`` dialect's required columns whose every built-in key it renames: what doctor must call missing.
RENAMED_MISSING = {
    ("Atria", "periods", "period_end"), ("Atria", "customers", "customer_code"), ("Atria", "summary", "sku"),
    ("Atria", "summary", "last_count"), ("Atria", "summary", "this_count"), ("Atria", "detail", "customer_code"),
    ("Atria", "invoice_lines", "customer_code"), ("Atria", "invoice_lines", "sku"),
    ("Atria", "analysis", "customer_code"), ("Atria", "analysis", "duration_percent"),
    ("Xarios", "invoices", "invoice_id"), ("Xarios", "invoice", "invoice_id"),
    ("Xarios", "items", "calculation_order"), ("Xarios", "items", "operator"), ("Xarios", "detail", "quantity"),
}  # fmt: skip
#: What the API's own documentation says of its query names: the one thing doctor cannot see in an answer.
RENAMED_PARAMS = '\n[atria.params]\nbillable_only = "billable"\nby_customer = "groupByCustomer"\n'


def env_for(sandbox: Sandbox, config: Path) -> dict[str, str]:
    names = ("XLBILLING_ATRIA_URL", "XLBILLING_XARIOS_URL", "XLBILLING_ATRIA_TOKEN", "XLBILLING_XARIOS_TOKEN")
    values = (sandbox.url, sandbox.url, sandbox.token, sandbox.token)
    return dict(zip(names, values, strict=True)) | {
        "XLBILLING_CONFIG": str(config),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "COLUMNS": "100",
    }


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def doctor(env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    result = run(env, "doctor", "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def outputs(env: dict[str, str], folder: Path) -> list[str]:
    """The stdout of every command in ``COMMANDS``, with the manifest ``report`` writes."""
    found = []
    for command in COMMANDS:
        out = folder / "report"
        result = run(env, *(part.replace("{out}", str(out)) for part in command))
        assert result.exit_code == 0, (command, result.output)
        found.append(result.stdout.replace(str(out), "OUT"))
    found.append((out / "manifest.json").read_text(encoding="utf-8"))
    return found


def formulas(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What a sheet of formulas shows, through a session built from ``env``'s settings."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    previous = sessions.current()
    sessions.use(Session(settings=load_settings()))
    try:
        return [
            udfs.XLB_SUMMARY(PERIOD),
            udfs.XLB_QUANTITY("2026-10-15", "CUST0004", "M365-BP"),
            udfs.XLB_CHANGE(PERIOD, "CUST0004", "M365-BP"),
            udfs.XLB_INVOICE_LINES(PERIOD, "CUST0001"),
            udfs.XLB_XARIOS_TOTAL("INV-202610"),
            udfs.XLB_XARIOS_ITEMS("INV-202610"),
        ]
    finally:
        sessions.use(previous)


@pytest.fixture(scope="module")
def expected(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every command's output on the plain sandbox."""
    folder = tmp_path_factory.mktemp("plain")
    (folder / "config.toml").write_text("")
    return outputs(env_for(sandbox, folder / "config.toml"), folder)


@pytest.fixture
def plain_formulas(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    yield formulas(env_for(sandbox, tmp_path / "none.toml"), monkeypatch)


def test_the_plain_sandbox_is_healthy(sandbox: Sandbox, tmp_path: Path) -> None:
    result = run(env_for(sandbox, tmp_path / "config.toml"), "doctor")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "  ✓ token     accepted" in lines
    assert "  ✓ data      period 2026-10-31, customer CUST0001" in lines
    summary = lines.index("      GET /api/Billing/2026-10-31?billableOnly=false&aggregateByCustomer=true")
    assert lines[summary - 1].startswith("  ✓ summary  (HTTP 200, ") and lines[summary - 1].endswith(" s, 264 rows)")
    assert "      last_count ← lastMonthCount          this_count ← thisMonthCount" in lines
    assert "      not used: resultCount = 264" in lines
    assert "      JSON and CSV agree: 1168 items, 7491.20" in lines
    assert lines[-1] == "Every required column was found in every answer."
    assert sandbox.token not in result.output
    assert max(len(line) for line in lines) <= 100


@pytest.mark.parametrize("style", ["odata", "next", "pages", "skip", "hasmore"])
def test_each_paging_style_needs_no_setting_and_changes_no_output(
    style: str,
    speak: Callable[..., Sandbox],
    tmp_path: Path,
    expected: list[str],
    plain_formulas: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = speak(style, page_size=120)
    env = env_for(sandbox, tmp_path / "config.toml")
    code, report = doctor(env)
    assert code == 0 and report["settings_text"] == ""
    summary = next(e for e in report["apis"][0]["endpoints"] if e["name"] == "summary")
    assert summary["rows"] == 264 and summary["pages"] == 3 and summary["signs"]
    assert outputs(env, tmp_path) == expected
    assert formulas(env, monkeypatch) == plain_formulas


def test_renamed_keys_are_found_and_the_printed_lines_restore_every_output(
    speak: Callable[..., Sandbox],
    tmp_path: Path,
    expected: list[str],
    plain_formulas: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = speak("renamed")
    config = tmp_path / "config.toml"
    env = env_for(sandbox, config)
    unused: set[str] = set()
    missing: set[tuple[str, str, str]] = set()
    config.write_text("")
    for _ in range(3):  # the first run finds the path; the query names come from the API's documentation
        code, report = doctor(env)
        for api in report["apis"]:
            for endpoint in api["endpoints"]:
                unused |= set(endpoint["findings"]["unused"])
                missing |= {(api["api"], endpoint["name"], column) for column in endpoint["missing"]}
        if code == 0:
            break
        config.write_text(config.read_text() + report["settings_text"] + (RENAMED_PARAMS if _ == 0 else ""))
    assert code == 0, report
    assert unused >= set(RENAMES.values()) | set(CSV_RENAMES.values())
    assert missing == RENAMED_MISSING
    assert 'last_count = "PreviousQuantity"' in config.read_text()
    assert outputs(env, tmp_path) == expected
    assert formulas(env, monkeypatch) == plain_formulas


def test_the_text_report_prints_the_lines_to_add(speak: Callable[..., Sandbox], tmp_path: Path) -> None:
    sandbox = speak("renamed")
    result = run(env_for(sandbox, tmp_path / "config.toml"), "doctor")
    assert result.exit_code == 1
    text = result.stdout
    assert "  ✗ path      /api/Billing answers 404, path '/api/v1/Billing' answers" in text
    assert "      period_start ← startDate          period_end ← MISSING (required)\n" in text
    assert '      not used: PeriodEndDate = "2025-11-30"' in text
    assert "query names sent: billableOnly (billable_only), aggregateByCustomer (by_customer);" in text
    assert '[atria]\npath = "/api/v1/Billing"\n\n[atria.fields.periods]\nperiod_end = "PeriodEndDate"\n' in text
    assert '[xarios.fields.detail]\nquantity = "units"\n' in text
    assert sandbox.token not in result.output


def test_no_api_configured_is_exit_1(tmp_path: Path) -> None:
    env = {"XLBILLING_CONFIG": str(tmp_path / "none.toml"), "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    env |= dict.fromkeys(
        ("XLBILLING_ATRIA_URL", "XLBILLING_ATRIA_TOKEN", "XLBILLING_XARIOS_URL", "XLBILLING_XARIOS_TOKEN"), ""
    )
    result = run(env, "doctor")
    assert result.exit_code == 1
    assert "  - settings  not configured (no URL and no token): skipped" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("No API is configured")


def test_it_stops_at_the_first_broken_step(sandbox: Sandbox, tmp_path: Path) -> None:
    env = env_for(sandbox, tmp_path / "none.toml") | {"XLBILLING_XARIOS_URL": "https://no-such-host.invalid"}
    env["XLBILLING_ATRIA_TOKEN"] = "wrong-token-0123456789"
    result = run(env, "doctor")
    assert result.exit_code == 1
    atria, xarios = result.stdout.split("\nXarios")
    assert (
        "  ✗ token     Atria parameters: the token was rejected (HTTP 401): it is wrong, expired or revoked.\n" in atria
    )
    assert atria.rstrip().endswith("`xlbilling config set-token atria` or set XLBILLING_ATRIA_TOKEN.")  # stopped there
    assert "  ✗ host      no-such-host.invalid does not resolve to an address" in xarios
    assert xarios.rstrip().endswith("Some checks failed: see the lines marked ✗ above.")
    assert "wrong-token-0123456789" not in result.output
