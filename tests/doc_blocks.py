"""The fenced examples of the README and the docs pages: which ones run, how they run, and why the others do not.

A ``sh`` block runs as one shell script that must succeed; a ``console`` block runs each ``$ `` command and
checks that the lines shown under it appear in what it printed (``...`` stands for lines left out, a line's
closing `` ...`` for the rest of that line; a command
may fail only when ``echo $?`` follows it, showing its exit status); a ``python`` block runs as a script that
must succeed. A runnable block preceded by ``<!-- not run: REASON -->`` is not run, for that reason; the
other fence languages are excerpts, never run, each for the reason ``EXCERPTS`` gives.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[1]
RUN = ("sh", "console", "python")
EXCERPTS = {
    "text": "output, syntax or a file's lines shown, not a command",
    "": "a fence with no language, shown as text",
    "toml": "a config file excerpt",
    "json": "an answer or a file's JSON shown",
    "powershell": "Windows set-up, run in PowerShell",
}
NOT_RUN = re.compile(r"<!--\s*not run:\s*(?P<reason>.*?)\s*-->")
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<language>[\w+-]*)")
ELIDED = "..."
TAIL = " ..."
"""A shown line ending so stands for every printed line that begins with the text before it."""
STATUS = "echo $?"
TIMEOUT = 300


@dataclass(frozen=True)
class Block:
    """One fenced block: where it is, its language, its text (unindented) and why it is not run, if it is not."""

    page: str
    line: int
    language: str
    text: str
    not_run: str | None

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def pages(root: Path = ROOT) -> list[Path]:
    """The README and every page of the docs site."""
    return [root / "README.md", *sorted((root / "docs" / "pages").rglob("*.md"))]


def blocks(path: Path, root: Path = ROOT) -> Iterator[Block]:
    """The fenced blocks of the Markdown file at ``path``, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    number = 0
    while number < len(lines):
        opening = FENCE.match(lines[number])
        if opening is None:
            number += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        end = number + 1
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        marker = NOT_RUN.fullmatch(lines[number - 1].strip()) if number else None
        text = "\n".join(line.removeprefix(indent) for line in lines[number + 1 : end])
        language = opening["language"]
        reason = marker["reason"] if marker else EXCERPTS.get(language)
        yield Block(str(path.relative_to(root)), number + 1, language, text + "\n", reason)
        number = end + 1


@dataclass(frozen=True)
class Command:
    """A ``$ `` command of a console block and the lines shown below it."""

    line: str
    shown: tuple[str, ...]


def commands(text: str) -> list[Command]:
    """The commands of a console block, a line ending in ``\\`` continuing on the next."""
    found: list[tuple[str, list[str]]] = []
    lines = iter(text.splitlines())
    for line in lines:
        if line.startswith("$ "):
            command = line[2:]
            while command.endswith("\\"):
                command = command[:-1] + next(lines, "").strip()
            found.append((command, []))
        elif found:
            found[-1][1].append(line)
    return [Command(command, tuple(shown)) for command, shown in found]


def missing(shown: tuple[str, ...], printed: str) -> list[str]:
    """The runs of ``shown`` lines (split at ``...``) that ``printed`` does not hold, one after another."""
    said = [line.rstrip() for line in printed.splitlines()]
    runs: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == ELIDED:
            runs.append([])
        else:
            runs[-1].append(line.rstrip())
    start, absent = 0, []
    for run in filter(None, runs):
        at = next((n for n in range(start, len(said) - len(run) + 1) if _same(run, said[n : n + len(run)])), None)
        if at is None:
            absent.append("\n".join(run))
        else:
            start = at + len(run)
    return absent


def _same(shown: list[str], printed: list[str]) -> bool:
    return all(
        said.startswith(line.removesuffix(TAIL)) if line.endswith(TAIL) else said == line
        for line, said in zip(shown, printed, strict=True)
    )


def run(block: Block, folder: Path, env: Mapping[str, str]) -> list[str]:
    """Run ``block`` in ``folder`` with ``env``; what went wrong, one message each (empty when it did as shown)."""
    if block.language == "console":
        return _console(block, folder, env)
    shell = ["bash", "-e", "-o", "pipefail", "-c"]
    done = _shell([sys.executable, "-c"] if block.language == "python" else shell, block.text, folder, env)
    if done.returncode == 0:
        return []
    return [f"{block.where}: exit status {done.returncode}\n{done.stdout}"]


def _console(block: Block, folder: Path, env: Mapping[str, str]) -> list[str]:
    problems: list[str] = []
    listed = commands(block.text)
    status = 0
    for number, command in enumerate(listed):
        if command.line.strip() == STATUS:
            printed = f"{status}\n"
        else:
            done = _shell(["bash", "-c"], command.line, folder, env)
            printed, status = done.stdout, done.returncode
            checked = number + 1 < len(listed) and listed[number + 1].line.strip() == STATUS
            if status != 0 and not checked:
                problems.append(f"{block.where}: `{command.line}` exit status {status}\n{printed}")
        problems += [
            f"{block.where}: `{command.line}` did not print\n{run}\nbut\n{printed}"
            for run in missing(command.shown, printed)
        ]
    return problems


def _shell(argv: list[str], script: str, folder: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """``script`` run by ``argv`` in ``folder``, stdout and stderr together in the order they were written."""
    return subprocess.run(
        [*argv, script], cwd=folder, env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, encoding="utf-8", timeout=TIMEOUT, check=False,
    )  # fmt: skip
