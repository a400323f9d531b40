"""Shared fixtures: one sandbox per test session, reached over real loopback HTTP."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import olefile  # noqa: F401 - imported before any test runs, see the note below
import pytest

from tests.einvoice_rules import Validator, rules_folder
from tests.excel_clean import problems
from tests.excel_support import counting_session
from xlbilling import session as sessions
from xlbilling.atria import Atria
from xlbilling.http import ApiClient
from xlbilling.periods import Period
from xlbilling.sandbox import Sandbox, start_sandbox
from xlbilling.session import Session
from xlbilling.xarios import Xarios

# olefile (Pillow loads it to identify a picture, oletools to read VBA) walks its own globals while it is imported
# (`list(vars().items())`). A socket an earlier test left open, found by the garbage collector during that walk,
# raises a ResourceWarning that pytest records in those globals, and the import fails at random ("dictionary
# changed size during iteration") in whichever test first opens a picture. Imported here, before any socket.
TODAY = date(2026, 11, 21)
LATEST_CLOSED = date(2026, 10, 31)


WORKBOOKS = ("*.xlsx", "*.xlsm", "*.xlam")


@pytest.fixture(autouse=True)
def every_workbook_written_opens_without_repair(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test, every workbook it left in its ``tmp_path`` is checked for Excel's repair triggers
    (``tests/excel_clean.py``), unless the test is marked ``broken_files``."""
    checked = "tmp_path" in request.fixturenames and not request.node.get_closest_marker("broken_files")
    folder: Path | None = request.getfixturevalue("tmp_path") if checked else None
    yield
    if folder is None:
        return
    found = {
        str(path.relative_to(folder)): problems(path)
        for pattern in WORKBOOKS
        for path in folder.rglob(pattern)
        if path.is_file() and zipfile.is_zipfile(path)
    }
    found = {name: listed[:5] for name, listed in found.items() if listed}
    assert not found, f"workbooks Excel would repair: {found}"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """The local sandbox with the default data set, seed 1, "today" fixed at 2026-11-21."""
    with start_sandbox(seed=1, today=TODAY) as running:
        yield running


@pytest.fixture
def atria(sandbox: Sandbox) -> Iterator[Atria]:
    """An Atria client talking to the sandbox."""
    client = ApiClient("Atria", sandbox.url, sandbox.token, retries=1, backoff=0.01)
    yield Atria(client)
    client.close()


@pytest.fixture
def xarios(sandbox: Sandbox) -> Iterator[Xarios]:
    """A Xarios client talking to the sandbox."""
    client = ApiClient("Xarios", sandbox.url, sandbox.token, retries=1, backoff=0.01)
    yield Xarios(client)
    client.close()


CLOSED = Period(date(2026, 10, 1), LATEST_CLOSED, "October 2026", is_closed=True)
"""The sandbox's latest closed period, as the session resolves it."""


@pytest.fixture
def period() -> Period:
    """The latest closed period in the sandbox (its end date is ``period.end``)."""
    return CLOSED


@pytest.fixture
def sandbox_env(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Point the settings (environment) at the sandbox, with an empty config file and no keyring."""
    config = tmp_path_factory.mktemp("config") / "config.toml"
    for api in ("ATRIA", "XARIOS"):
        monkeypatch.setenv(f"XLBILLING_{api}_URL", sandbox.url)
        monkeypatch.setenv(f"XLBILLING_{api}_TOKEN", sandbox.token)
    monkeypatch.setenv("XLBILLING_CONFIG", str(config))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


@pytest.fixture
def formulas(sandbox: Sandbox) -> Iterator[Session]:
    """Excel formulas' session pointed at the sandbox (requests counted), restored afterwards."""
    previous = sessions.current()
    session, _ = counting_session(sandbox.url, sandbox.token)
    yield sessions.use(session)
    sessions.use(previous)


@pytest.fixture
def faults(sandbox: Sandbox) -> Iterator[Any]:
    """Arm a sandbox fault for the test (``faults(status=503, count=-1)``); always disarmed afterwards."""
    headers = {"Authorization": f"Bearer {sandbox.token}"}

    def arm(**fault: Any) -> None:
        httpx.post(f"{sandbox.url}/_sandbox/faults", json=fault, headers=headers).raise_for_status()

    yield arm
    httpx.delete(f"{sandbox.url}/_sandbox/faults", headers=headers).raise_for_status()


@pytest.fixture(scope="session")
def einvoice_rules() -> Iterator[Validator]:
    """The official EN 16931 / Peppol rules and the XSDs, compiled once per session (skips without them)."""
    from saxonche import PySaxonProcessor

    folder = rules_folder()
    with PySaxonProcessor(license=False) as saxon:
        yield Validator(folder, saxon)


@pytest.fixture(scope="session")
def other_sandbox() -> Iterator[Sandbox]:
    """A second sandbox like ``sandbox``, whose dialect tests switch (so the shared one never changes)."""
    with start_sandbox(seed=1, today=TODAY) as running:
        yield running


@pytest.fixture
def speak(other_sandbox: Sandbox) -> Iterator[Callable[..., Sandbox]]:
    """``speak("odata", page_size=40)`` makes ``other_sandbox`` speak that dialect; plain again afterwards."""
    headers = {"Authorization": f"Bearer {other_sandbox.token}"}

    def switch(name: str, **options: Any) -> Sandbox:
        url = f"{other_sandbox.url}/_sandbox/dialect"
        httpx.post(url, json={"name": name, **options}, headers=headers).raise_for_status()
        return other_sandbox

    yield switch
    httpx.delete(f"{other_sandbox.url}/_sandbox/dialect", headers=headers).raise_for_status()
    httpx.delete(f"{other_sandbox.url}/_sandbox/faults", headers=headers).raise_for_status()
