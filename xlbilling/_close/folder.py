"""A period's close folder, changed only whole: every step writes into a staging folder beside it (seeded with
links to the folder's files, so steps that keep what has not changed, such as the invoices' PDFs, can), then
the files that differ are moved into the folder one by one, each by a rename, after a journal listing them is
written. A close killed before the journal leaves the folder as it was (its staging folder is removed by the
next close); one killed during the moves is finished from the journal by the next close, before anything else.
A file whose bytes did not change is never touched.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from xlbilling._errors import DataError
from xlbilling._files import replacing, write_atomically
from xlbilling._values.period import Period

JOURNAL = ".commit.json"
"""In the staging folder: the files to move into the folder and those to remove, written before the first move."""


def folder_name(period: Period) -> str:
    """``2026-10`` for a calendar month; the period's end date (``2026-10-15``) for any other period."""
    start, end = period.start, period.end
    whole_month = (
        start is not None
        and start.day == 1
        and (start.year, start.month) == (end.year, end.month)
        and (end + timedelta(days=1)).day == 1
    )
    return f"{end:%Y-%m}" if whole_month else end.isoformat()


@dataclass(frozen=True)
class Plan:
    """What a commit changes: files (relative paths) to move in, to remove, and those left as they are."""

    moved: tuple[str, ...]
    removed: tuple[str, ...]
    kept: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.moved or self.removed)


class CloseFolder:
    """``out/<period>`` and its staging folder ``out/.<period>.staging``."""

    def __init__(self, out: Path, period: Period) -> None:
        name = folder_name(period)
        self.final = out / name
        self.staging = out / f".{name}.staging"

    def recover(self) -> str | None:
        """Finish a commit a killed close left half done, or remove the staging folder of one killed before
        its commit; say which (None when there was nothing to do)."""
        journal = self.staging / JOURNAL
        if journal.is_file():
            plan = json.loads(journal.read_text(encoding="utf-8"))
            self._apply(Plan(tuple(plan["moved"]), tuple(plan["removed"]), ()), None)
            return f"finished the commit of an interrupted close into {self.final}"
        if self.staging.exists():
            self._drop()
            return "removed the unfinished work of an interrupted close"
        return None

    def stage(self) -> Path:
        """A fresh staging folder holding a link to (or a copy of) each of the folder's files."""
        self._drop()
        try:
            self.staging.mkdir(parents=True)
            for name in _files(self.final):
                target = self.staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(self.final / name, target)  # every step replaces a file by a rename, never in place
                except OSError:
                    shutil.copy2(self.final / name, target)
        except OSError as error:
            raise DataError(
                f"Cannot prepare {self.staging}: {error.strerror}.", "Choose a folder you can write to."
            ) from None
        return self.staging

    def plan(self) -> Plan:
        """Which staged files differ from the folder's (or are new), which of the folder's the steps removed."""
        staged, present = set(_files(self.staging)), set(_files(self.final))
        moved = sorted(
            name for name in staged if name not in present or not _same(self.staging / name, self.final / name)
        )
        return Plan(tuple(moved), tuple(sorted(present - staged)), tuple(sorted(staged - set(moved))))

    def commit(self, plan: Plan, moved_one: Callable[[int], None] | None = None) -> None:
        """Write the journal, move each changed file into the folder, remove the removed ones, then the staging
        folder; ``moved_one`` hears the count after each move."""
        if plan.changed:
            write_atomically(
                self.staging / JOURNAL, json.dumps({"moved": plan.moved, "removed": plan.removed}).encode()
            )
            self._apply(plan, moved_one)
        self._drop()

    def _apply(self, plan: Plan, moved_one: Callable[[int], None] | None) -> None:
        for count, name in enumerate(plan.moved, start=1):
            source, target = self.staging / name, self.final / name
            if source.is_file():  # a journal being finished: the files moved before the kill are gone from staging
                with replacing(target):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(source, target)
            if moved_one is not None:
                moved_one(count)
        for name in plan.removed:
            with replacing(self.final / name):
                (self.final / name).unlink(missing_ok=True)
        self._drop()

    def _drop(self) -> None:
        if self.staging.exists():
            try:
                shutil.rmtree(self.staging)
            except OSError as error:
                raise DataError(
                    f"Cannot remove {self.staging}: {error.strerror}.", "Remove it, then run again."
                ) from None


def _files(folder: Path) -> list[str]:
    """The files in ``folder`` and its subfolders (relative, with ``/``), leaving out hidden ones (temporary
    files, the journal, the lock)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            found.append(relative.as_posix())
    return found


def _same(one: Path, other: Path) -> bool:
    """Whether two files hold the same bytes (a link to the same file is the same at once)."""
    try:
        return os.path.samefile(one, other) or filecmp.cmp(one, other, shallow=False)
    except OSError:
        return False
