"""``xlbilling close`` against the sandbox: the folder it writes and its report's figures, a rerun that changes
no byte, a rerun after the data changed, the review trail carried, exit codes and the dry run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from click.testing import CliRunner, Result

from tests.close_support import MAPPING, PRICES, REGISTER, close_args, files
from tests.conftest import TODAY
from xlbilling import Atria, Session, Xarios, load_mapping, load_prices, margin, reconcile
from xlbilling._cli import main
from xlbilling._sandbox import Sandbox, start_sandbox
from xlbilling._values.period import Period

OCTOBER = "2026-10"


def close(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def report_of(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


def session_for(sandbox: Sandbox) -> Session:
    return Session(atria=Atria.connect(sandbox.url, sandbox.token), xarios=Xarios.connect(sandbox.url, sandbox.token))


@pytest.mark.usefixtures("sandbox_env")
def test_the_report_says_what_reconcile_margin_and_the_manifest_say_to_the_cent(
    sandbox: Sandbox, tmp_path: Path, period: Period
) -> None:
    ran = close(*close_args(tmp_path / "close"))
    folder = tmp_path / "close" / OCTOBER
    assert ran.exit_code == 1, ran.output  # done, but the seeded differences and the SAMPLE invoices need a person
    assert sorted(p.name for p in folder.iterdir()) == [
        "billing.xlsx",
        "invoices",
        "margin.xlsx",
        "reconciliation.xlsx",
        "report.html",
        "report.json",
    ]
    assert sorted(p.name for p in (tmp_path / "close").iterdir()) == [OCTOBER], "no lock or staging folder left"
    report = report_of(folder)
    session, mapping, prices = session_for(sandbox), load_mapping(MAPPING), load_prices(PRICES)
    expected = reconcile(session, period, mapping=mapping, prices=prices)
    at_stake = report["money"]["at_stake"]
    assert (at_stake["leaked"], at_stake["over_billed"]) == (str(expected.leaked), str(expected.over_billed))
    assert at_stake["differences"] == len(expected.flagged) == at_stake["open"]
    by_period = margin(session, None, period, mapping=mapping, prices=prices).by("period").set_index("period_end")
    this, before = by_period.loc[period.end], by_period.loc[date(2026, 9, 30)]
    shown = report["money"]["margin"]
    assert (shown["revenue"], shown["cost"], shown["margin"]) == tuple(
        str(this[k]) for k in ("revenue", "cost", "margin")
    )
    assert Decimal(shown["margin_pct"]) == this["margin_pct"] and shown["previous"]["margin"] == str(before["margin"])
    listed = json.loads((folder / "invoices" / "manifest.json").read_text(encoding="utf-8"))["invoices"]
    assert report["money"]["invoiced"]["total"] == str(sum(Decimal(e["total"]) for e in listed))
    assert report["money"]["invoiced"]["invoices"] == len(listed) == len(list((folder / "invoices").glob("*.xlsx"))) - 1
    totals = {row["account_code"]: row.get("invoice_total") for row in report["customers"] if row.get("invoice")}
    assert totals == {e["account_code"]: e["total"] for e in listed}
    stakes = {row["account_code"]: row["at_stake"] for row in report["customers"] if "at_stake" in row}
    assert stakes == {row.account_code: str(row.money_at_stake) for row in expected.summary.itertuples()}
    assert ran.stdout.startswith(
        f"Close of October 2026: GBP {Decimal(report['money']['invoiced']['total']):,} invoiced"
    )
    assert f"{expected.leaked} leaked" in ran.stdout
    recon = openpyxl.load_workbook(folder / "reconciliation.xlsx")
    assert recon["Summary"]["B5"].value == float(expected.leaked)
    billing = openpyxl.load_workbook(folder / "billing.xlsx")
    assert billing["Summary"]["A1"].value.endswith("refreshed by xlbilling close (report.html says when)")
    assert "for the period ending 2026-10-31" in billing["Summary"]["A1"].value
    built = billing["Built invoices"]
    assert built["A1"].value.startswith(f"Built invoices: {len(listed)} rows for the period ending 2026-10-31, from ")
    assert "from invoices/manifest.json, refreshed by xlbilling close" in built["A1"].value, "no staging path"
    numbers = {row[1] for row in built.iter_rows(min_row=4, values_only=True) if row[1]}
    assert numbers == {e["invoice_number"] for e in listed}
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert report["headline"].replace("'", "&#x27;") in page and "Needs a person (4)" in page


@pytest.mark.usefixtures("sandbox_env")
def test_a_rerun_over_the_same_data_changes_no_byte_and_says_since_when(tmp_path: Path) -> None:
    out = tmp_path / "close"
    assert close(*close_args(out), "--pdf").exit_code == 1
    first = files(out)
    assert sum(name.endswith(".pdf") for name in first) == 21
    again = close(*close_args(out), "--pdf")
    second = files(out)
    assert {n: b for n, b in second.items() if "/report." not in n} == {
        n: b for n, b in first.items() if "/report." not in n
    }
    before, after = (json.loads(listing[f"{OCTOBER}/report.json"]) for listing in (first, second))
    assert after == {**before, "unchanged_since": before["ran_at"]}, "the same report, saying since when"
    assert f"Unchanged since {before['ran_at']}." in again.stdout
    assert "Unchanged since" in second[f"{OCTOBER}/report.html"].decode()
    close(*close_args(out), "--pdf")
    assert files(out) == second, "a third run changes not one byte"


@pytest.fixture
def changing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Sandbox]:
    """A sandbox of its own, whose data the test changes, with the settings pointed at it."""
    with start_sandbox(seed=1, today=TODAY) as running:
        for api in ("ATRIA", "XARIOS"):
            monkeypatch.setenv(f"XLBILLING_{api}_URL", running.url)
            monkeypatch.setenv(f"XLBILLING_{api}_TOKEN", running.token)
        monkeypatch.setenv("XLBILLING_CONFIG", str(tmp_path / "config.toml"))
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
        yield running


def adjust(sandbox: Sandbox, **change: Any) -> None:
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    httpx.post(f"{sandbox.url}/_sandbox/adjust", json=change, headers=headers).raise_for_status()


def quiet_customers(sandbox: Sandbox, period: Period) -> list[tuple[str, str]]:
    """(account code, a SKU it is billed for) of customers who pay for themselves and have no seeded difference."""
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    seeded = {d["account_code"] for d in httpx.get(f"{sandbox.url}/_sandbox/discrepancies", headers=headers).json()}
    lines = session_for(sandbox).atria().invoice_lines(period)
    accounts = lines["customer_account_code"]
    direct = lines[(lines["bill_to_code"] == lines["customer_code"]) & ~accounts.isin(seeded)]
    return sorted({(row.customer_account_code, row.sku) for row in direct.itertuples()})


def test_a_rerun_after_the_data_changed_rewrites_only_what_changed_and_names_the_customers(
    changing: Sandbox, tmp_path: Path, period: Period
) -> None:
    out = tmp_path / "close"
    close(*close_args(out))
    first = files(out)
    (billed, sku), (charged, other_sku) = (
        next(iter(quiet_customers(changing, period))),
        quiet_customers(changing, period)[-1],
    )
    adjust(changing, account_code=billed, sku=sku, add=2)  # Atria bills 2 more (and Xarios charges them)
    adjust(changing, account_code=charged, sku=other_sku, add=1, api="xarios")  # Xarios alone charges 1 more
    close(*close_args(out))
    second = files(out)
    before, after = (json.loads(listing[f"{OCTOBER}/report.json"]) for listing in (first, second))
    changes = after["changes"]
    assert sorted({row["account_code"] for row in changes["customers"]}) == sorted([billed, charged])
    old, new = (
        {e["account_code"]: e for e in json.loads(listing[f"{OCTOBER}/invoices/manifest.json"])["invoices"]}
        for listing in (first, second)
    )
    invoice = next(
        row for row in changes["customers"] if row["account_code"] == billed and row["what"] == "invoice total"
    )
    assert (invoice["before"], invoice["after"]) == (old[billed]["total"], new[billed]["total"])
    assert Decimal(new[billed]["total"]) > Decimal(old[billed]["total"])
    stake = next(
        row for row in changes["customers"] if row["account_code"] == charged and row["what"] == "money at stake"
    )
    assert stake["before"] is None and Decimal(stake["after"]) > 0, "a new difference: charged, not billed"
    assert {(e["invoice_number"], e["file"]) for e in old.values()} == {
        (e["invoice_number"], e["file"]) for e in new.values()
    }
    rewritten = sorted(name for name in second if second[name] != first.get(name))
    assert rewritten == sorted(
        [
            f"{OCTOBER}/billing.xlsx",
            f"{OCTOBER}/invoices/{new[billed]['file']}",
            f"{OCTOBER}/invoices/index.xlsx",
            f"{OCTOBER}/invoices/manifest.json",
            f"{OCTOBER}/margin.xlsx",
            f"{OCTOBER}/reconciliation.xlsx",
            f"{OCTOBER}/report.html",
            f"{OCTOBER}/report.json",
        ]
    )
    totals = {row["what"]: (row["before"], row["after"]) for row in changes["totals"]}
    assert totals["invoiced total"] == (before["money"]["invoiced"]["total"], after["money"]["invoiced"]["total"])
    assert [d["account_code"] for d in changes["differences"]["new"]] == [charged]
    page = second[f"{OCTOBER}/report.html"].decode()
    assert "Since the last close" in page and new[billed]["total"] in page


@pytest.mark.usefixtures("sandbox_env")
def test_a_decision_made_in_the_reconciliation_workbook_is_kept_by_the_next_close(tmp_path: Path) -> None:
    out = tmp_path / "close"
    close(*close_args(out))
    path = out / OCTOBER / "reconciliation.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["Detail"]
    header = [cell.value for cell in sheet[1]]
    row = 2  # the largest difference: flagged rows come first
    account, sku = (sheet.cell(row, header.index(name) + 1).value for name in ("account_code", "sku"))
    sheet.cell(row, header.index("review") + 1).value = "dismissed"
    sheet.cell(row, header.index("note") + 1).value = "paid up front in September"
    book.save(path)  # as a person would, in Excel
    before = report_of(out / OCTOBER)["money"]["at_stake"]["open"]
    close(*close_args(out))
    again = openpyxl.load_workbook(path)["Detail"]
    kept = [
        [c.value for c in line]
        for line in again.iter_rows(min_row=2)
        if line[header.index("account_code")].value == account and line[header.index("sku")].value == sku
    ]
    assert [(r[header.index("review")], r[header.index("note")]) for r in kept] == [
        ("dismissed", "paid up front in September")
    ]
    assert report_of(out / OCTOBER)["money"]["at_stake"]["open"] == before - 1


@pytest.mark.usefixtures("sandbox_env")
def test_a_close_that_cannot_run_exits_2_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    no_prices = close("close", "--out", str(tmp_path / "close"), "--mapping", str(MAPPING))
    assert no_prices.exit_code == 2
    assert no_prices.stderr.startswith("error: A close needs a price list") and "Traceback" not in no_prices.output
    still_open = close(*close_args(tmp_path / "close"), "--period", "2026-11-15")
    assert still_open.exit_code == 2 and "is still open" in still_open.stderr
    assert not (tmp_path / "close").exists() or not any((tmp_path / "close").iterdir())


@pytest.mark.usefixtures("sandbox_env")
def test_an_api_that_fails_exits_3_and_leaves_nothing_half_written(
    tmp_path: Path, faults: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XLBILLING_RETRIES", "0")
    faults(status=503, count=-1, paths="/api/v1.0/")  # Xarios down: Atria answers, so the invoices could be made
    ran = close(*close_args(tmp_path / "close"))
    assert ran.exit_code == 3, ran.output
    assert ran.stderr.count("\n") >= 1 and "error: Xarios" in ran.stderr and "Traceback" not in ran.output
    assert list((tmp_path / "close").iterdir()) == [], "no period folder, no staging folder, no lock"


@pytest.mark.usefixtures("sandbox_env")
def test_a_dry_run_says_what_it_would_fetch_write_and_notify_and_writes_nothing(tmp_path: Path) -> None:
    ran = close(*close_args(tmp_path / "close"), "--dry-run", "--notify", "json://bob:hunter22@127.0.0.1:9/hook")
    assert ran.exit_code == 0, ran.output
    assert (
        ran.stdout.splitlines()[0]
        == f"period: October 2026 (2026-10-01 to 2026-10-31); folder {tmp_path}/close/{OCTOBER}"
    )
    assert (
        f"would write {tmp_path}/close/{OCTOBER}/reconciliation.xlsx: reviews carried from no earlier close"
        in ran.stdout
    )
    assert "would notify json://bob@127.0.0.1:9/…" in ran.stdout and "hunter22" not in ran.output
    assert not (tmp_path / "close").exists()


@pytest.mark.usefixtures("sandbox_env")
def test_an_e_invoice_missing_a_buyer_detail_needs_a_person_while_its_invoice_counts_as_written(
    tmp_path: Path,
) -> None:
    ran = close(*close_args(tmp_path / "close", "--einvoice", "ubl", "--customer-register", str(REGISTER)))
    report = report_of(tmp_path / "close" / OCTOBER)
    listed = json.loads((tmp_path / "close" / OCTOBER / "invoices" / "manifest.json").read_text("utf-8"))["invoices"]
    lacking = sorted(f"{e['bill_to_name']} ({e['account_code']})" for e in listed if e.get("einvoice") == "failed")
    assert lacking, "the sandbox's register leaves some buyers without a detail an e-invoice needs"
    assert ran.exit_code == 1
    assert report["money"]["invoiced"]["failed"] == 0
    assert report["money"]["invoiced"]["invoices"] == len(listed)
    flagged = [need for need in report["needs"] if need["kind"] == "e-invoice"]
    assert sorted(need["who"] for need in flagged) == lacking
    assert all(need["what"].startswith("E-invoice not written (the workbook was): ") for need in flagged)
