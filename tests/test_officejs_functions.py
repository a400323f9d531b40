"""The add-in's shipped ``functions.js`` run by ``node --test`` (tests/addin/functions.test.js) against the real
``xlbilling serve`` on loopback, backed by the sandbox; its results compared here with the xlwings formulas of
the same names, and its request storm counted in the server's own audit trail.

What this proves: the shipped script's arguments, answers, errors and request sharing, with Node's fetch over
real HTTP. What it cannot: that Excel loads the script, passes arguments as the stand-ins do, shows a
formatted date in a spill, or keeps a message on #N/A (docs/addin.md, "Checked only in Excel").
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest

from tests.officejs_support import ADDIN_TESTS, MAPPING, PRICES, Served
from xlbilling._excel import udfs
from xlbilling._session.session import Session

NODE_WAIT = 180
"""Seconds the Node tests may take at most on a busy machine (about ten alone)."""
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class NodeRun:
    returncode: int
    output: str
    results: list[dict[str, Any]]


@pytest.fixture(scope="module")
def node_run(xlbilling_server: Served, tmp_path_factory: pytest.TempPathFactory) -> NodeRun:
    """``node --test`` run once on the shipped functions against the server; what it printed and called."""
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for the add-in's tests (.ci/run installs it with npm)"
    results = tmp_path_factory.mktemp("node") / "results.json"
    env = {
        **os.environ,
        "XLB_URL": xlbilling_server.url,
        "XLB_TOKEN": xlbilling_server.token,
        "XLB_RESULTS": str(results),
    }
    done = subprocess.run(
        [node, "--test", "--test-reporter=spec", "functions.test.js"],
        cwd=ADDIN_TESTS, env=env, capture_output=True, text=True, timeout=NODE_WAIT,
    )  # fmt: skip
    found = json.loads(results.read_text()) if results.exists() else []
    return NodeRun(done.returncode, done.stdout + done.stderr, found)


def test_the_shipped_functions_pass_their_node_tests_against_the_real_server(node_run: NodeRun) -> None:
    assert node_run.returncode == 0, node_run.output
    counted = dict(re.findall(r"ℹ (tests|pass|fail) (\d+)", node_run.output))
    assert counted.get("fail") == "0" and counted.get("pass") == counted.get("tests") != "0", node_run.output


def test_a_storm_of_120_cells_reached_the_server_as_one_summary_request(
    node_run: NodeRun, xlbilling_server: Served
) -> None:
    storm = next(entry["storm"] for entry in node_run.results if "storm" in entry)
    assert storm["cells"] == 120
    # The Node test asked for this period (2026-10-15 as Excel passes a date cell) in its storm only.
    # One request for the 120 cells, none for the cell asked again at once, one after the kept answers are
    # forgotten (as a refresh does): two in all.
    assert xlbilling_server.audited("/api/summary", f"period={storm['period']}") == 2


def _udf(call: dict[str, Any]) -> Any:
    """What the xlwings formula of the same name gives for the same arguments (the server's files passed where
    the xlwings formula takes them as arguments)."""
    args = [None if value is None else value for value in call["args"]]
    name = call["id"]
    if name == "RECONCILE":
        period, *what = args
        return udfs.XLB_RECONCILE(period, str(MAPPING), str(PRICES), *what)
    if name == "MARGIN":
        return udfs.XLB_MARGIN(*(args + [None] * (3 - len(args))), str(MAPPING), str(PRICES))
    return getattr(udfs, f"XLB_{name}")(*args)


def _as_cell(value: Any) -> Any:
    """An xlwings formula's value as the add-in returns it: dates as Excel serials."""
    if isinstance(value, datetime):
        return (value - datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(value, date):
        return (value - EXCEL_EPOCH).days
    return value


def _same(shown: Any, expected: Any) -> bool:
    if isinstance(shown, int | float) and isinstance(expected, int | float) and not isinstance(expected, bool):
        return math.isclose(shown, expected, rel_tol=1e-12, abs_tol=1e-9)
    return bool(shown == expected)


def test_every_function_gives_what_the_xlwings_formula_of_the_same_name_gives(
    node_run: NodeRun, formulas: Session
) -> None:
    calls = [entry for entry in node_run.results if "id" in entry]
    assert {call["id"] for call in calls} >= {
        "PERIODS", "CUSTOMERS", "SUMMARY", "DETAIL", "INVOICE_LINES", "QUANTITY", "CHANGE", "XARIOS_TOTAL",
        "RECONCILE", "MARGIN",
    }  # fmt: skip
    for call in calls:
        shown, expected = call["result"], _udf(call)
        where = f"{call['id']}{tuple(call['args'])}"
        if isinstance(shown, dict):  # an Excel error: the formula fails too (a message, or "#N/A ..." for a number)
            assert isinstance(expected, str), f"{where}: the add-in shows {shown}, the formula {expected!r}"
            if call["id"] in ("QUANTITY", "CHANGE", "XARIOS_TOTAL"):
                assert expected.startswith(shown["error"] + " "), f"{where}: {shown} against {expected!r}"
            continue
        if not isinstance(shown, list):
            assert _same(shown, expected), f"{where}: {shown} against {expected}"
            continue
        assert isinstance(expected, list), f"{where}: the formula says {expected!r}"
        assert shown[0] == expected[0], f"{where}: header"
        assert len(shown) == len(expected), f"{where}: rows"
        for number, (row, want) in enumerate(zip(shown[1:], expected[1:], strict=True), start=1):
            wrong = [
                (column, value, _as_cell(other))
                for column, value, other in zip(shown[0], row, want, strict=True)
                if not _same(value, _as_cell(other))
            ]
            assert not wrong, f"{where}, row {number}: {wrong[:3]}"
