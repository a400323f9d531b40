"""Closed periods kept on disk between runs: a second margin (or a margin after a reconcile) asks the APIs only
whether their invoices changed, a reissued invoice is fetched again and never served stale (with and without
the ETags a server may send), ``--refresh`` asks for everything, a damaged file is fetched again, and the
files hold no token and never mix two servers. Counted by the sandbox and by each answer's HTTP status."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pandas as pd
import pytest
from click.testing import CliRunner

from tests.conftest import TODAY
from tests.test_reconcile_sandbox import MAPPING, PRICES
from xlbilling import margin, reconcile
from xlbilling._apis.atria import Atria
from xlbilling._apis.transport.client import ApiClient
from xlbilling._apis.xarios import Xarios
from xlbilling._cli import main
from xlbilling._inputs.mapping import load_mapping
from xlbilling._inputs.prices import load_prices
from xlbilling._margin import Margin
from xlbilling._sandbox import Sandbox, start_sandbox
from xlbilling._session.frames_json import charges_json, frame_json, json_charges, json_frame
from xlbilling._session.session import Session
from xlbilling._session.stored import MAX_AGE, Store
from xlbilling._values.period import Period

SEPTEMBER, OCTOBER = date(2026, 9, 30), date(2026, 10, 31)
Seen = list[tuple[str, int]]


@pytest.fixture
def own() -> Iterator[Sandbox]:
    """A sandbox of this test's own (a reissue changes it for good)."""
    with start_sandbox(seed=1, today=TODAY) as running:
        yield running


OPENED: list[ApiClient] = []


@pytest.fixture(autouse=True)
def closed_afterwards() -> Iterator[None]:
    """Every client a test's sessions opened is closed when it ends."""
    yield
    while OPENED:
        OPENED.pop().close()


def session(sandbox: Sandbox, seen: Seen | None = None, store: Store | None = None) -> Session:
    """A new session on ``sandbox`` (as a new run of a command makes), noting each answer's path and status."""
    clients = ApiClient("Atria", sandbox.url, sandbox.token), ApiClient("Xarios", sandbox.url, sandbox.token)
    for client in clients:
        OPENED.append(client)
        if seen is not None:
            client.observe = lambda path, _query, status, _type, _body: seen.append((path, status))
    return Session(Atria(clients[0]), Xarios(clients[1]), store=store)


def listed_values(sandbox: Sandbox) -> pd.Series:
    with ApiClient("Xarios", sandbox.url, sandbox.token) as client:
        return Xarios(client).invoices()["invoice_value"]


def margin_of(found: Session, first: date = SEPTEMBER, last: date = OCTOBER) -> Margin:
    return margin(
        found, found.period(first), found.period(last), mapping=load_mapping(MAPPING), prices=load_prices(PRICES)
    )


def lines_asked(seen: Seen) -> list[str]:
    return [path for path, _ in seen if path.lower().startswith("/api/billing/20") and path.endswith("/invoice")]


def invoices_asked(seen: Seen) -> list[int]:
    return [status for path, status in seen if "/billingdata/" in path]


def test_a_second_margin_asks_only_whether_its_invoices_changed(own: Sandbox) -> None:
    first_seen: Seen = []
    first = margin_of(session(own, first_seen))
    again: Seen = []
    second = margin_of(session(own, again))
    pd.testing.assert_frame_equal(second.detail, first.detail)
    assert lines_asked(first_seen) and not lines_asked(again)  # closed periods' lines come from disk
    assert set(invoices_asked(first_seen)) == {200} and set(invoices_asked(again)) == {304}
    assert len(invoices_asked(again)) == len(invoices_asked(first_seen))  # each once: "has it changed?"


def test_a_margin_after_a_reconcile_uses_what_the_reconcile_fetched(own: Sandbox) -> None:
    first = session(own)
    october = first.period(OCTOBER)
    reconcile(first, october, mapping=load_mapping(MAPPING), prices=load_prices(PRICES))
    seen: Seen = []
    margin_of(session(own, seen))
    assert lines_asked(seen) == [f"/api/Billing/{SEPTEMBER.isoformat()}/invoice"]  # October's is kept
    assert set(invoices_asked(seen)) == {200, 304}  # the invoices October needed: not modified


@pytest.mark.parametrize(
    ("etags", "same_total"),
    [(True, True), (False, False)],
    ids=["the ETag tells it though its value stays", "without ETags its new value tells it"],
)
def test_a_reissued_invoice_is_fetched_again_never_served_stale(
    own: Sandbox, tmp_path: Path, etags: bool, same_total: bool
) -> None:
    control = {"Authorization": f"Bearer {own.token}"}
    if not etags:
        httpx.post(f"{own.url}/_sandbox/dialect", json={"etags": False}, headers=control).raise_for_status()
    before_seen: Seen = []
    before = margin_of(session(own, before_seen))
    listed = listed_values(own)
    reissue = {"invoice_id": "INV-202610", "same_total": same_total}
    httpx.post(f"{own.url}/_sandbox/reissue", json=reissue, headers=control).raise_for_status()
    seen: Seen = []
    after = margin_of(session(own, seen))
    fresh = margin_of(session(own, store=Store(tmp_path / "nothing kept")))
    pd.testing.assert_frame_equal(after.detail, fresh.detail)
    assert not after.detail.equals(before.detail)  # the reissue changed October's cost
    october = before.detail["period_end"] == OCTOBER
    pd.testing.assert_frame_equal(after.detail[~october], before.detail[~october])
    assert (listed_values(own) == listed).all() == same_total
    assert set(invoices_asked(before_seen)) == {200}
    # August's and September's invoices unchanged (asked with their ETag, or not asked at all); October's anew
    assert sorted(invoices_asked(seen)) == ([200, 304, 304] if etags else [200])


def test_an_invoice_changed_by_the_distributor_is_fetched_again(own: Sandbox, tmp_path: Path) -> None:
    before = margin_of(session(own))
    october = before.detail[(before.detail["period_end"] == OCTOBER) & before.detail["account_code"].astype(bool)]
    row = october.iloc[0]
    change = {"account_code": row["account_code"], "sku": row["sku"], "add": 3, "api": "xarios"}
    control = {"Authorization": f"Bearer {own.token}"}
    httpx.post(f"{own.url}/_sandbox/adjust", json=change, headers=control).raise_for_status()
    seen: Seen = []
    after = margin_of(session(own, seen))
    fresh = margin_of(session(own, store=Store(tmp_path / "nothing kept")))
    pd.testing.assert_frame_equal(after.detail, fresh.detail)
    assert not after.detail.equals(before.detail)  # Xarios charges 3 more units in October
    assert 200 in invoices_asked(seen)  # October's invoice asked for anew, not "not modified"


@pytest.mark.usefixtures("sandbox_env")
def test_refresh_asks_the_apis_for_everything_again(sandbox: Sandbox) -> None:
    command = ["margin", "--from", SEPTEMBER.isoformat(), "--to", OCTOBER.isoformat(), "--mapping", str(MAPPING),
               "--prices", str(PRICES), "--format", "json"]  # fmt: skip
    outputs, asked = [], []
    for extra in ([], [], ["--refresh"]):
        start = len(sandbox.requests)
        result = CliRunner().invoke(main, [*command, *extra])
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout)
        asked.append(sorted(r for r in sandbox.requests[start:] if r.endswith("/invoice")))  # fetched concurrently
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(asked[0]) == 2 and asked[1] == [] and asked[2] == asked[0]


@pytest.mark.usefixtures("sandbox_env")
def test_a_damaged_cache_file_is_fetched_again_never_an_error(sandbox: Sandbox, own_cache_folder: Path) -> None:
    command = ["reconcile", "--period", OCTOBER.isoformat(), "--mapping", str(MAPPING), "--format", "json"]
    first = CliRunner().invoke(main, command)
    assert first.exit_code == 0, first.output
    files = sorted(own_cache_folder.rglob("*.json"))
    assert len(files) == 3  # October's lines, and September's and October's invoices added up
    damages = (
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: b"\x00garbage\xff" * 10,  # not JSON at all
        lambda data: data[:-2] + b"0}",  # one digit changed: not what it says it holds
    )
    for path, damage in zip(files, damages, strict=True):
        path.write_bytes(damage(path.read_bytes()))
    start = len(sandbox.requests)
    again = CliRunner().invoke(main, command)
    assert again.exit_code == 0, again.output
    assert again.stdout == first.stdout and "Traceback" not in again.output
    assert f"GET /api/Billing/{OCTOBER.isoformat()}/invoice" in sandbox.requests[start:]
    store = Store()
    assert all(store.read(sandbox.url, key) is not None for key in _keys(files))


def _keys(files: list[Path]) -> list[str]:
    """The keys the entries in ``files`` were written under (their first line says it)."""
    import orjson

    return [orjson.loads(path.read_bytes().partition(b"\n")[0])["key"] for path in files]


def test_the_files_hold_no_token_and_never_mix_two_servers(
    sandbox: Sandbox, other_sandbox: Sandbox, own_cache_folder: Path
) -> None:
    margin_of(session(sandbox))
    seen: Seen = []
    margin_of(session(other_sandbox, seen))  # the same data set on another address: nothing of the first used
    assert lines_asked(seen) and set(invoices_asked(seen)) == {200}
    folders = [path for path in own_cache_folder.iterdir() if path.is_dir()]
    assert len(folders) == 2
    for path in own_cache_folder.rglob("*"):
        if path.is_file():
            held = path.read_bytes()
            for secret in (sandbox.token, other_sandbox.token, sandbox.url, other_sandbox.url):
                assert secret.encode() not in held, path


def test_an_entry_is_used_for_thirty_days_then_asked_for_again(tmp_path: Path) -> None:
    now = [1_000_000.0]
    store = Store(tmp_path, clock=lambda: now[0])
    store.write("https://atria.example", "lines", frame={"rows": 0, "columns": []})
    now[0] += MAX_AGE - 60
    assert store.read("https://atria.example", "lines") == {"frame": {"rows": 0, "columns": []}}
    assert Store(tmp_path, refresh=True, clock=lambda: now[0]).read("https://atria.example", "lines") is None
    now[0] += 120
    assert store.read("https://atria.example", "lines") is None
    (old,) = tmp_path.rglob("*.json")
    os.utime(old, (now[0] - MAX_AGE - 1, now[0] - MAX_AGE - 1))
    store.write("https://another.example", "other", frame={"rows": 0, "columns": []})
    assert not old.exists() and not old.parent.exists()  # forgotten on the way, also for an API no longer used
    assert len(list(tmp_path.rglob("*.json"))) == 1


def test_cache_says_where_and_clear_removes_only_xlbillings_files(own_cache_folder: Path) -> None:
    Store().write("https://atria.example", "lines", frame={"rows": 0, "columns": []})
    mine = own_cache_folder / "notes.json"
    mine.write_text("a user's own file, beside the cache")
    shown = CliRunner().invoke(main, ["cache"])
    assert shown.exit_code == 0 and f"folder: {own_cache_folder}" in shown.output and "kept: 1 file," in shown.output
    cleared = CliRunner().invoke(main, ["cache", "clear"])
    assert cleared.exit_code == 0 and f"removed 1 file from {own_cache_folder}" in cleared.output
    assert mine.read_text() == "a user's own file, beside the cache"
    assert [p.name for p in own_cache_folder.iterdir()] == ["notes.json"]


def test_clear_cache_in_a_session_forgets_its_closed_periods(own: Sandbox) -> None:
    first = session(own)
    margin_of(first)
    first.clear()  # the "Clear cache" button
    seen: Seen = []
    margin_of(session(own, seen))
    assert len(lines_asked(seen)) == 2 and set(invoices_asked(seen)) == {200}


def test_what_is_kept_comes_back_exactly(atria: Atria, xarios: Xarios, period: Period) -> None:
    lines = atria.invoice_lines(period)
    kept = json_frame(frame_json(lines) or {})
    pd.testing.assert_frame_equal(kept, lines, check_exact=True)
    charges = xarios.charges(xarios.invoices()["invoice_id"].iloc[-1])
    again = json_charges(charges_json(charges) or {})
    assert again.header == charges.header and again.check == charges.check
    pd.testing.assert_frame_equal(again.items, charges.items, check_exact=True)
    for column in ("quantity", "value"):
        assert list(map(str, again.items[column])) == list(map(str, charges.items[column]))  # every digit
    assert frame_json(pd.DataFrame({"odd": [object()]})) is None  # not kept: fetched again next time
