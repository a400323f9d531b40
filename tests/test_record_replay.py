"""``xlbilling doctor --record DIR`` then ``xlbilling sandbox --replay DIR``: the replayed run gives the recorded
run's findings and data, and no name, e-mail address, address or token of the original is in DIR."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from tests.test_doctor import env_for, run
from xlbilling._sandbox import Sandbox, start_sandbox

PERSONAL_KEYS = ("customerName", "billedBy", "billToCustomerName", "userName", "actionedBy", "addressLine1",
                 "addressLine2", "city", "postalCode", "accountName")  # fmt: skip
PERSONAL_PAIRS = ("TenantName", "UserName", "ResellerName")


def originals(sandbox: Sandbox) -> set[str]:
    """Every personal value the sandbox serves to the doctor's calls, as the live API sends them."""
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for inner in value:
                walk(inner)
        elif isinstance(value, dict):
            if value.get("name") in PERSONAL_PAIRS and isinstance(value.get("value"), str):
                found.add(value["value"])
            for key, inner in value.items():
                if key in PERSONAL_KEYS and isinstance(inner, str):
                    found.add(inner)
                walk(inner)

    for path in ("/api/Billing/parameters", "/api/Billing/2026-10-31/analysis?customer=CUST0001",
                 "/api/Billing/2026-10-31/detail", "/api/Billing/2026-10-31/invoice",
                 "/api/v1.0/billingdata", "/api/v1.0/billingdata/INV-202610"):  # fmt: skip
        walk(httpx.get(sandbox.url + path, headers=headers).json())
    return {value for value in found if len(value) >= 4}


def texts(folder: Path) -> Iterator[tuple[str, str]]:
    """Every file of the recording as text, the files inside each ZIP too."""
    for path in sorted(folder.iterdir()):
        blob = path.read_bytes()
        if blob.startswith(b"PK"):
            with zipfile.ZipFile(io.BytesIO(blob)) as archive:
                for name in archive.namelist():
                    yield f"{path.name}/{name}", archive.read(name).decode("utf-8")
        else:
            yield path.name, blob.decode("utf-8", errors="replace")


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """A doctor report without what differs between two runs of the same answers (times, the server's
    address, the config file) and the PDF's size (a recording holds an empty PDF instead of the invoice)."""
    report["config_file"] = None
    for api in report["apis"]:
        api["url"] = None
        for endpoint in api["endpoints"]:
            endpoint["seconds"] = 0
            if endpoint["name"] == "pdf":
                endpoint["note"] = ""
    return report


@pytest.fixture(scope="module")
def recorded(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("recording")
    env = env_for(sandbox, folder.parent / "none.toml")
    result = run(env, "doctor", "--format", "json", "--record", str(folder / "rec"))
    assert result.exit_code == 0, result.output
    assert "recorded 9 answers in" in result.stderr  # /parameters, 4 Atria data sets, 4 Xarios calls
    return folder / "rec", json.loads(result.stdout)


def test_no_name_address_email_or_token_is_recorded(sandbox: Sandbox, recorded: tuple[Path, dict[str, Any]]) -> None:
    folder, _ = recorded
    personal = originals(sandbox)
    assert len(personal) > 100  # customers, users, addresses, the reseller: the check has something to find
    for name, text in texts(folder):
        assert sandbox.token not in text, name
        assert "authorization" not in text.lower() and "bearer" not in text.lower(), name
        leaked = [value for value in personal if value in text]
        assert leaked == [], (name, leaked[:5])
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert "Never written: tokens, cookies and every HTTP header" in readme


def test_names_are_replaced_consistently_and_numbers_kept(recorded: tuple[Path, dict[str, Any]]) -> None:
    folder, _ = recorded
    index = json.loads((folder / "index.json").read_text())
    by_request = {entry["request"]: folder / entry["file"] for entry in index["answers"]}
    parameters = json.loads(by_request["GET /api/billing/parameters"].read_text())
    customer = parameters["customers"][0]
    assert customer["customerCode"] == "CUST0001" and customer["customerName"].startswith("Name ")
    analysis = json.loads(by_request["GET /api/billing/2026-10-31/analysis?customer=CUST0001"].read_text())
    assert {row["customerName"] for row in analysis} == {customer["customerName"]}  # the same stand-in everywhere
    assert all(row["userName"] is None or row["userName"].endswith("@example.invalid") for row in analysis)


def test_the_replay_gives_the_recorded_run(
    recorded: tuple[Path, dict[str, Any]], sandbox: Sandbox, tmp_path: Path
) -> None:
    folder, live = recorded
    with start_sandbox(replay=folder) as replay:
        env = env_for(replay, tmp_path / "none.toml")
        replayed = run(env, "doctor", "--format", "json")
        assert replayed.exit_code == 0, replayed.output
        assert comparable(json.loads(replayed.stdout)) == comparable(live)
        summary = run(env, "summary", "-p", "2026-10-31", "-f", "csv")
        missing = run(env, "summary", "-p", "2026-09-30")
    original = run(env_for(sandbox, tmp_path / "none.toml"), "summary", "-p", "2026-10-31", "-f", "csv")
    frames = [pd.read_csv(io.StringIO(out.stdout)).drop(columns="customer_name") for out in (summary, original)]
    pd.testing.assert_frame_equal(*frames)
    assert missing.exit_code == 1
    assert "not found (HTTP 404): Not in the recording: GET /api/billing/2026-09-30?" in missing.output
