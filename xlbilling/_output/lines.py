"""Lines for a terminal: its width, and text wrapped to it with the continuation indented (light: no pandas,
no rich, so any command can say things before it imports them)."""

from __future__ import annotations

import shutil
import textwrap

HANG = "  "
"""How far a wrapped line's continuation is indented past the line's own indent."""


def terminal_width() -> int | None:
    """The width to fit text on stdout: ``COLUMNS`` when set, else the terminal's; ``None`` when stdout is not
    a terminal (a pipe or file gets every column, and lines whole)."""
    columns = shutil.get_terminal_size(fallback=(0, 0)).columns
    return columns if columns > 0 else None


def wrapped(line: str, width: int | None, hang: str = HANG) -> str:
    """``line`` wrapped at ``width`` (whole without one), its continuation lines indented ``hang`` (two spaces)
    more than it is; words (a path, a URL) are never broken."""
    if width is None or len(line) <= width:
        return line
    indent = line[: len(line) - len(line.lstrip(" "))]
    return textwrap.fill(
        line.strip(), width, initial_indent=indent, subsequent_indent=indent + hang,
        break_long_words=False, break_on_hyphens=False,
    )  # fmt: skip


__all__ = ["terminal_width", "wrapped"]
