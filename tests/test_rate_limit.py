"""A rate-limited API, as the commands meet it: ``margin`` (periods fetched concurrently) and ``reconcile``
outlast twelve 429s in a row with the quiet run's figures, and a 429 that never ends is one line naming the
total wait. The sandbox refuses the next twelve API requests whichever thread sends them, and its short
Retry-After is waited for really (the figures and the request counts do not depend on how long that is).
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from tests.test_margin_cli import BASE as MARGIN
from tests.test_margin_cli import THREE
from tests.test_reconcile_cli import BASE as RECONCILE
from xlbilling._cli import main
from xlbilling._sandbox import Sandbox

pytestmark = pytest.mark.usefixtures("sandbox_env")

TWELVE_429S = {"status": 429, "retry_after": 0.05, "count": 12}  # every API path, whoever asks


def csv_run(sandbox: Sandbox, *args: str) -> tuple[pd.DataFrame, int]:
    """The command's CSV output, read as text (money to the cent), and how many API requests it sent."""
    before = len(sandbox.requests)
    result = CliRunner().invoke(main, [*args, "--format", "csv"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    sent = sum(r.startswith("GET /api/") for r in sandbox.requests[before:])
    return pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False), sent


@pytest.mark.parametrize(
    "command",
    [[*MARGIN, *THREE, "--by", "detail"], [*MARGIN, *THREE, "--by", "customer"], RECONCILE],
    ids=["margin detail", "margin per customer", "reconcile"],
)
def test_twelve_429s_in_a_row_give_the_quiet_runs_figures(sandbox: Sandbox, faults: Any, command: list[str]) -> None:
    quiet, quiet_sent = csv_run(sandbox, *command)
    faults(**TWELVE_429S)
    busy, busy_sent = csv_run(sandbox, *command, "--refresh")  # every request again, not what the quiet run kept
    assert busy_sent == quiet_sent + 12  # each refused request asked again once the API let it
    assert len(busy) == len(quiet) > 0
    pd.testing.assert_frame_equal(busy, quiet)


def test_a_429_that_never_ends_is_one_line_naming_the_total_wait(
    sandbox: Sandbox, faults: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XLBILLING_RATE_LIMIT_WAIT", "0.3")
    faults(status=429, retry_after=0.1, count=-1)
    result = CliRunner().invoke(main, [*MARGIN, *THREE], catch_exceptions=False)
    assert result.exit_code != 0
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: Atria parameters: the API kept answering 'too many requests' (HTTP 429) for 0.3 s.")
    assert "XLBILLING_RATE_LIMIT_WAIT" in line and "Traceback" not in result.output
