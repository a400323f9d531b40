"""Shared fixtures: one sandbox per test session, reached over real loopback HTTP."""

from __future__ import annotations

import socket
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import olefile  # noqa: F401 - imported before any test runs, see the note below
import pytest
from hypothesis import settings as hypothesis_settings

from tests.einvoice_rules import Validator, rules_folder
from tests.excel_clean import problems
from tests.excel_support import counting_session
from tests.officejs_support import Served, serve
from xlbilling._apis.atria import Atria
from xlbilling._apis.transport.client import ApiClient
from xlbilling._apis.xarios import Xarios
from xlbilling._sandbox import Sandbox, start_sandbox
from xlbilling._session import session as sessions
from xlbilling._session.session import Session
from xlbilling._values.period import Period

# olefile (Pillow loads it to identify a picture, oletools to read VBA) walks its own globals while it is imported
# (`list(vars().items())`). A socket an earlier test left open, found by the garbage collector during that walk,
# raises a ResourceWarning that pytest records in those globals, and the import fails at random ("dictionary
# changed size during iteration") in whichever test first opens a picture. Imported here, before any socket.
TODAY = date(2026, 11, 21)
LATEST_CLOSED = date(2026, 10, 31)

# Property tests try the same examples on every run, with no time limit per example (a busy machine is not a
# failure) and no example database: a run never depends on an earlier one. `--hypothesis-profile=explore`
# draws fresh examples, to look for new failures on purpose.
hypothesis_settings.register_profile("xlbilling", derandomize=True, deadline=None, database=None, print_blob=True)
hypothesis_settings.register_profile("explore", deadline=None, database=None, print_blob=True)
hypothesis_settings.load_profile("xlbilling")


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


class FakeTime:
    """A clock that only sleeping moves, for clients that wait (``sleep=t.sleep, clock=t.clock``) without
    waiting: ``sleeps`` lists every wait asked for. Safe to share between threads."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    """A fresh ``FakeTime``: its clients share a rate-limit gate with no other test's."""
    return FakeTime()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections for the whole test: bound but not listening, so no other
    program can start listening on it meanwhile (as it could on a port found free and let go)."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


@pytest.fixture(scope="session", autouse=True)
def no_user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """What module and session fixtures keep on disk (and the processes they start, such as a close), before
    a test's own folder is set, goes to a folder of this run's, never the user's cache."""
    folder = tmp_path_factory.mktemp("run-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XLBILLING_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def own_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each test keeps closed periods on disk in an empty folder of its own, never the user's cache."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XLBILLING_CACHE_DIR", str(folder))
    return folder


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
def xlbilling_server(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The real ``xlbilling serve`` on a loopback port, backed by ``sandbox``, with one user (its token)."""
    yield from serve(sandbox, tmp_path_factory.mktemp("serve"))


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After the run: how many of the docs' examples ran, and why the others did not."""
    if "tests.test_docs_examples" in sys.modules:  # the docs' examples were collected
        from tests.test_docs_examples import not_run_summary

        for line in not_run_summary():
            terminalreporter.write_line(line)
