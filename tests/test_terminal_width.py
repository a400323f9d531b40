"""Every command on a 100- and an 80-column terminal, against the sandbox: no line wider than the terminal, every
row of a table on one line, and no two rows of a table that look the same unless their data is the same."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rich.cells import cell_len

from xlbilling._apis.atria import Atria
from xlbilling._apis.xarios import Xarios
from xlbilling._cli import main
from xlbilling._output.write import TERMINAL_ROWS
from xlbilling._sandbox import Sandbox
from xlbilling._sandbox.vendor import vat_error_invoice
from xlbilling._session import session as sessions
from xlbilling._session.session import Session

pytestmark = pytest.mark.usefixtures("sandbox_env")

DATA = Path(__file__).parents[1] / "xlbilling" / "_sandbox" / "data"
PRICES, MAPPING = str(DATA / "prices.csv"), str(DATA / "product-map.csv")
WIDTHS = (100, 80)
ONE_TABLE = [
    ["periods"],
    ["customers"],
    ["summary"],
    ["summary", "--per-sku"],
    ["summary", "--period", "2026-11-30"],
    ["detail"],
    ["detail", "--customer", "CUST0001"],
    ["invoice-lines"],
    ["analysis"],
    ["xarios", "list"],
    ["xarios", "show", "INV-202610"],
    ["xarios", "show", "VAT-ERROR"],  # the invoice whose VAT is 1p out: it exits 1
    ["xarios", "detail", "INV-202610"],
    ["margin", "--prices", PRICES, "--mapping", MAPPING],
    ["margin", "--prices", PRICES, "--mapping", MAPPING, "--by", "product"],
    ["margin", "--prices", PRICES, "--mapping", MAPPING, "--by", "period"],
    ["margin", "--prices", PRICES, "--mapping", MAPPING, "--by", "detail"],
]
"""The commands whose table is their data, row for row (so --format csv gives the same rows in order)."""
RECONCILE = [["reconcile", "--mapping", MAPPING], ["reconcile", "--mapping", MAPPING, "--prices", PRICES]]
TEXT = [["doctor"], ["config"], ["refresh", "--help"], ["summary", "--help"]]
"""Text, not tables (an error is one line, whatever its length: tests/test_messages.py reads them)."""


def named(command: list[str]) -> str:
    """A command as a test's name: files by their name alone."""
    return " ".join(Path(part).name for part in command)


@dataclass(frozen=True)
class Shown:
    """A table as the terminal shows it: its title, how many rows it says it has, its rows' lines."""

    title: str
    count: int
    rows: list[tuple[str, ...]]


def tables(text: str) -> Iterator[Shown]:
    """The boxed tables in ``text``, each row as the texts of its cells."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if not line.startswith("┏"):
            continue
        title = lines[number - 1].strip()
        count = int(title.rsplit("(", 1)[1].split(" ")[0])
        end = next(n for n in range(number, len(lines)) if lines[n].startswith("└"))
        body = lines[number + 3 : end]  # top border, header, header rule
        yield Shown(title, count, [tuple(cell.strip() for cell in row.strip("│").split("│")) for row in body])


@pytest.fixture(scope="module")
def one_session(sandbox: Sandbox) -> Session:
    """One session for every command of this module: the tables are what is tested, not the fetching, so each
    data set (the margin's twelve periods) is fetched once."""
    return Session(Atria.connect(sandbox.url, sandbox.token), Xarios.connect(sandbox.url, sandbox.token))


@pytest.fixture(autouse=True)
def shared(one_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sessions, "Session", lambda **_: one_session)  # what new_session() makes, whatever its store


@pytest.fixture(autouse=True)
def vat_error(sandbox: Sandbox) -> Iterator[None]:
    """``VAT-ERROR`` in a command stands for the sandbox's invoice whose VAT is 1p out."""
    WRONG.append(vat_error_invoice(sandbox.dataset))
    yield
    WRONG.clear()


WRONG: list[str] = []


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width} columns")
def width(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """A terminal of each of ``WIDTHS`` columns."""
    monkeypatch.setenv("COLUMNS", str(request.param))
    return int(request.param)


def invoke(command: list[str], width: int) -> Result:
    """``command`` run on the terminal ``width`` columns wide; every line of a table or text fits it (CSV and
    JSON are files, whatever the terminal)."""
    command = [WRONG[0] if part == "VAT-ERROR" else part for part in command]
    result = CliRunner().invoke(main, command, catch_exceptions=False)
    assert result.exit_code in (0, 1, 2), result.output
    every = [*result.stdout.splitlines(), *result.stderr.splitlines()]
    too_wide = [line for line in every if cell_len(line) > width and "--format" not in command]
    assert not too_wide, "\n".join(too_wide)
    return result


def alike(rows: list[tuple[str, ...]]) -> list[tuple[int, int]]:
    """The pairs of positions of rows that look the same."""
    first: dict[tuple[str, ...], int] = {}
    pairs = []
    for number, row in enumerate(rows):
        if row in first:
            pairs.append((first[row], number))
        first.setdefault(row, number)
    return pairs


@pytest.mark.parametrize("command", ONE_TABLE, ids=named)
def test_a_table_fits_and_rows_that_differ_look_different(command: list[str], width: int) -> None:
    result = invoke(command, width)
    (shown,) = tables(result.stdout)
    assert len(shown.rows) == min(shown.count, TERMINAL_ROWS) > 0, "one line per row, nothing folded"
    data = list(csv.reader(io.StringIO(invoke([*command, "--format", "csv"], width).stdout)))[1:]
    assert len(data) == shown.count
    for one, other in alike(shown.rows):
        assert data[one] == data[other], f"rows {one} and {other} look alike: {shown.rows[one]}"


@pytest.mark.parametrize("command", RECONCILE, ids=named)
def test_the_reconciliation_tables_fit_and_tell_their_rows_apart(command: list[str], width: int) -> None:
    result = invoke(command, width)
    document = json.loads(invoke([*command, "--format", "json"], width).stdout)
    flagged = [row for row in document["detail"] if row["category"] != "matched"]
    counts = {"Money at stake per customer": len(document["summary"]), "Differences": len(flagged),
              "Unmapped tenants": len(document["unmapped_tenants"]),
              "Unmapped products": len(document["unmapped_products"])}  # fmt: skip
    shown = {table.title.split(",")[0].split(" (")[0]: table for table in tables(result.stdout)}
    assert {title: table.count for title, table in shown.items()} == counts
    for title, table in shown.items():
        assert len(table.rows) == table.count, f"{title}: one line per row"
        assert alike(table.rows) == [], f"{title}: each row is another customer, SKU, tenant or product"


@pytest.mark.parametrize("command", TEXT, ids=named)
def test_the_other_commands_fit(command: list[str], width: int) -> None:
    invoke(command, width)


def test_a_wide_summary_keeps_billable_and_names_before_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's two sightings: each SKU seemed listed twice (billable left out), and codes stood where
    names had room."""
    monkeypatch.setenv("COLUMNS", "100")
    (summary,) = tables(invoke(["summary"], 100).stdout)
    (per_sku,) = tables(invoke(["summary", "--per-sku"], 100).stdout)
    (margin,) = tables(invoke(["margin", "--prices", PRICES, "--mapping", MAPPING], 100).stdout)
    header = invoke(["summary"], 100).stdout.splitlines()[2]
    assert "customer_name" in header and "billable" in header
    assert all(len(row) == len(summary.rows[0]) for row in summary.rows)
    said = invoke(["summary", "--per-sku"], 100).stdout
    assert "empty: customer_code, customer_name, account_code" in said
    assert "billable" in said.splitlines()[2] and "grouping" in said.splitlines()[2]
    assert per_sku.count < summary.count
    assert any("Apex Joinery Services Ltd" in row[0] for row in margin.rows)
