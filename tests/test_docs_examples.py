"""Every example in the README and the docs pages, run against the sandbox as a reader following them would.

Each page gets a folder laid out as "Getting started" says (the sandbox's sample price list, product mapping
and customer register, and a copy of the billing workbook template) and the environment that the sandbox's
printed settings give; its blocks run there in order. A block that is not run is reported as skipped, with
its reason, counted at the end of the test run, so none is left out silently (see tests/doc_blocks.py).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TODAY
from tests.doc_blocks import EXCERPTS, ROOT, RUN, blocks, commands, missing, pages, run
from xlbilling._sandbox import Sandbox

GETTING_STARTED = ROOT / "docs" / "pages" / "getting-started.md"


def folder_files() -> list[Path]:
    """What "Getting started" has a reader copy into the folder the examples run in: its ``cp``'s sources."""
    copying = next(block.text for block in blocks(GETTING_STARTED) if block.text.startswith("mkdir "))
    cp = next(shlex.split(part) for part in copying.split("&&") if part.split()[0] == "cp")
    return [path for pattern in cp[1:-1] for path in sorted(ROOT.glob(pattern))]


EVERY = [block for page in pages() for block in blocks(page)]
RUNNABLE = sorted({block.page for block in EVERY if block.language in RUN and block.not_run is None})
NOT_RUN = [block for block in EVERY if block.not_run is not None or block.language not in RUN]


@pytest.fixture
def reader(sandbox: Sandbox, tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A folder holding ``FOLDER``'s files, and the environment of a shell the sandbox's settings were pasted
    into (with a config file and a cache folder of its own and no keyring, so the tester's own settings and
    cache play no part)."""
    folder = tmp_path / "billing"
    folder.mkdir()
    for source in folder_files():
        shutil.copyfile(source, folder / source.name)
    env = {name: value for name, value in os.environ.items() if not name.startswith("XLBILLING_")}
    for api in ("ATRIA", "XARIOS"):
        env[f"XLBILLING_{api}_URL"] = sandbox.url
        env[f"XLBILLING_{api}_TOKEN"] = sandbox.token
    env |= {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        "XLBILLING_CONFIG": str(tmp_path / "config.toml"),
        "XLBILLING_CACHE_DIR": str(tmp_path / "cache"),  # the closed periods the examples keep: never the tester's
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "PYTHONUNBUFFERED": "1",
        "COLUMNS": "100",
    }
    yield folder, env


@pytest.mark.parametrize("page", RUNNABLE)
def test_the_examples_of_a_page_do_what_it_shows(page: str, reader: tuple[Path, dict[str, str]]) -> None:
    folder, env = reader
    problems = [
        problem
        for block in blocks(ROOT / page)
        if block.language in RUN and block.not_run is None
        for problem in run(block, folder, env)
    ]
    assert not problems, "\n\n".join(problems)


def test_every_block_that_is_not_run_says_why() -> None:
    """A block is run, or says why not (its language shows output or a file, or a marker gives the reason);
    the counts by reason are printed at the end of the test run (``not_run_summary``)."""
    unexplained = [f"{b.where}: ```{b.language} is neither run nor an excerpt the tests know" for b in NOT_RUN
                   if not b.not_run]  # fmt: skip
    assert unexplained == []
    assert len(EVERY) - len(NOT_RUN) >= 15, "most examples run"


def not_run_summary() -> list[str]:
    """The docs blocks the tests do not run, counted by reason, for the end of the test run."""
    counts: dict[str, int] = {}
    for block in NOT_RUN:
        reason = f"({block.language or 'no language'}) {block.not_run}"
        counts[reason] = counts.get(reason, 0) + 1
    lines = [f"docs examples: {len(EVERY) - len(NOT_RUN)} blocks run, {len(NOT_RUN)} not run:"]
    return lines + [f"  {n} x {reason}" for reason, n in sorted(counts.items(), key=lambda item: -item[1])]


def test_the_docs_start_the_sandbox_the_tests_use() -> None:
    """The pages promise a reader the answers of a sandbox started on ``TODAY`` (seed and size left at their
    defaults), the sandbox of these tests, and a folder holding the sample files."""
    for page in (ROOT / "README.md", GETTING_STARTED):
        assert re.search(f"xlbilling sandbox --today {TODAY.isoformat()}[`\n]", page.read_text(encoding="utf-8")), page
    assert sorted(path.name for path in folder_files()) == [
        "billing.xlsx", "customers.csv", "prices.csv", "product-map.csv"
    ]  # fmt: skip


def test_a_console_block_is_read_as_commands_and_the_lines_they_print() -> None:
    lines = ["$ xlbilling periods \\", "    --format csv", "period_start,period_end", "...", "2026-11-01,2026-11-30"]
    block = "\n".join([*lines, "$ echo $?", "0", ""])
    assert [(c.line, c.shown) for c in commands(block)] == [
        ("xlbilling periods --format csv", ("period_start,period_end", "...", "2026-11-01,2026-11-30")),
        ("echo $?", ("0",)),
    ]
    printed = "period: 2026-10-31\nperiod_start,period_end   \n2025-11-01,2025-11-30\n2026-11-01,2026-11-30\n"
    assert missing(commands(block)[0].shown, printed) == []
    assert missing(("2026-11-01,2026-11-30", "...", "period_start,period_end"), printed) == [
        "period_start,period_end"
    ]  # in the order shown


def test_an_example_that_drifted_fails(tmp_path: Path) -> None:
    """What the page test reports for examples that no longer do what their page shows."""
    page = tmp_path / "page.md"
    page.write_text(
        "```console\n$ echo hello\nhello\n$ echo bye\nhello\n$ false\n```\n\n"
        "```console\n$ exit 3\n$ echo $?\n2\n```\n\n"
        "```sh\ntrue\nfalse\n```\n\n"
        "```python\nraise SystemExit('no such name')\n```\n\n"
        "<!-- not run: needs Excel on Windows -->\n```sh\nfalse\n```\n\n"
        "```toml\n[atria]\n```\n",
        encoding="utf-8",
    )
    found = list(blocks(page, tmp_path))
    assert [(b.line, b.language, b.not_run) for b in found] == [
        (1, "console", None),
        (9, "console", None),
        (15, "sh", None),
        (20, "python", None),
        (25, "sh", "needs Excel on Windows"),
        (29, "toml", EXCERPTS["toml"]),
    ]
    problems = [problem.splitlines()[0] for block in found[:4] for problem in run(block, tmp_path, os.environ)]
    assert problems == [
        "page.md:1: `echo bye` did not print",
        "page.md:1: `false` exit status 1",
        "page.md:9: `echo $?` did not print",
        "page.md:15: exit status 1",
        "page.md:20: exit status 1",
    ]
