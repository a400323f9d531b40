"""Which columns of a table a terminal shows: those that tell its rows apart, then the ones wanted next.

A table wider than the terminal keeps, in this order: the columns that tell its rows apart (``Reading.keys``,
and others until no two displayed rows look alike unless the rows themselves are alike), the columns a
reader wants next (``Reading.first``), then numbers and money, a customer's name in place of its code, and
the other text, each while it fits. Long text is cut (with "…") to ``NARROW_TEXT`` characters, and the
columns telling rows apart narrower still when they must fit, never so that two rows look alike: a text
that differs only at its end is cut from its start (``…domain2.example``). Columns empty in every row are
left out whatever the width, and said.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from rich.cells import cell_len, set_cell_size

from xlbilling._output import Reading

NARROW_TEXT = 30
"""On a terminal too narrow for every column, a text column is cut to this many characters (with "…")."""
SQUEEZED = 8
"""No text column is cut narrower than this to fit a terminal (nor than its header)."""
NAME_AT_LEAST = 16
"""A name cut shorter than this reads worse than the code it stands for: the code is shown instead."""


@dataclass(frozen=True)
class Fitted:
    """The columns to show, in the table's order, with their widths; those cut to a width (``caps``), from
    their start for ``tails``; those left out."""

    columns: list[Any]
    widths: dict[Any, int]
    caps: dict[Any, int] = field(default_factory=dict)
    tails: set[Any] = field(default_factory=set)
    empty: list[Any] = field(default_factory=list)
    left_out: list[Any] = field(default_factory=list)

    def text(self, column: Any, text: str) -> str:
        """``text`` as the column shows it (cut when the column is)."""
        return cut(text, self.caps.get(column), column in self.tails)


def table_width(widths: Iterable[int]) -> int:
    """The width of a boxed table with columns of ``widths``: one space each side and a border between."""
    return 1 + sum(width + 3 for width in widths)


def fit(cells: dict[Any, list[str]], right: dict[Any, bool], width: int | None, reading: Reading) -> Fitted:
    """The columns of a table (``cells``: each column's displayed texts; ``right``: which hold numbers) that
    fit in ``width`` terminal columns, chosen as the module docstring says; every column, whole, without a
    width (a file)."""
    return _Fitting(cells, right, reading if width is not None else Reading(drop_empty=False)).within(width)


class _Fitting:
    """One table being fitted: its columns' texts and widths, how each is cut, and how many distinct rows
    they make."""

    def __init__(self, cells: dict[Any, list[str]], right: dict[Any, bool], reading: Reading) -> None:
        self.cells, self.right, self.reading = cells, right, reading
        rows = len(next(iter(cells.values()), []))
        blank = [c for c in cells if rows and reading.drop_empty and not any(cells[c])]
        self.empty = blank if len(blank) < len(cells) else []
        self.present = [c for c in cells if c not in self.empty]
        self.longest = {c: max((cell_len(text) for text in cells[c]), default=0) for c in self.present}
        self.caps: dict[Any, int] = {}
        self.tails: set[Any] = set()

    def width_of(self, column: Any, caps: dict[Any, int] | None = None) -> int:
        """The column's width as shown: its header, and its longest text unless cut shorter."""
        cap = (self.caps if caps is None else caps).get(column, self.longest[column])
        return max(cell_len(str(column)), min(self.longest[column], cap))

    def span(self, columns: Iterable[Any], caps: dict[Any, int] | None = None) -> int:
        return table_width(self.width_of(c, caps) for c in columns)

    def distinct(
        self, columns: Sequence[Any], caps: dict[Any, int] | None = None, tails: Set[Any] | None = None
    ) -> int:
        """How many different rows a reader sees in ``columns``, each cut as ``caps`` says from its end, or
        from its start for ``tails`` (default: ours)."""
        caps, tails = (self.caps if caps is None else caps), (self.tails if tails is None else tails)
        shown = [[cut(text, caps.get(c), c in tails) for text in self.cells[c]] for c in columns]
        return len(set(zip(*shown, strict=True))) if shown else min(1, len(next(iter(self.cells.values()), [])))

    def fitted(self, columns: Sequence[Any]) -> Fitted:
        shown = [c for c in self.present if c in columns]
        caps = {c: cap for c, cap in self.caps.items() if c in shown and cap < self.longest[c]}
        widths = {c: self.width_of(c) for c in shown}
        left_out = [c for c in self.present if c not in columns]
        return Fitted(shown, widths, caps, self.tails & set(caps), self.empty, left_out)

    def within(self, width: int | None) -> Fitted:
        if width is None or self.span(self.present) <= width:
            return self.fitted(self.present)
        self.caps = {c: NARROW_TEXT for c in self.present if not self.right[c] and self.longest[c] > NARROW_TEXT}
        slots = [[c for c in _alternatives(key) if c in self.present] for key in self.reading.keys]
        slots = [slot for slot in slots if slot]
        chosen = self._telling_apart([slot[-1] for slot in slots], width)
        names = {name: slot for slot in slots for name in slot[:-1]}
        order = [*self.reading.first, *(c for c in self.present if self.right[c]), *names]
        order += [c for c in self.present if not self.right[c]]
        for column in dict.fromkeys(order):
            if column in chosen or column not in self.present:
                continue
            whole = {c: cap for c, cap in self.caps.items() if c != column}
            if column in names:
                chosen = self._named(chosen, column, names[column][-1], width)
            elif column in self.reading.first and self.span([*chosen, column], whole) <= width:
                self.caps, chosen = whole, [*chosen, column]  # a column wanted first is shown whole when it fits
            elif self.span([*chosen, column]) <= width:
                chosen.append(column)
        return self.fitted(chosen)

    def _telling_apart(self, keys: list[Any], width: int) -> list[Any]:
        """``keys`` and, while rows that differ still look alike, the next column (``Reading.apart``, then text,
        then numbers) that tells more of them apart: cut to the room left, from its start if only its end tells
        them apart, whole if need be; then cut narrower, while that hides no difference, until they fit."""
        target = self.distinct(self.present, {}, set())
        chosen = list(keys)
        numbers = [c for c in self.present if self.right[c]]
        for column in dict.fromkeys([*self.reading.apart, *(c for c in self.present if not self.right[c]), *numbers]):
            seen = self.distinct(chosen)
            if seen >= target:
                break
            if column in chosen or column not in self.present:
                continue
            if self.distinct([*chosen, column]) > seen:
                chosen.append(column)
            elif column in self.caps and self.distinct([*chosen, column], {}) > seen:
                self.caps[column] = max(NARROW_TEXT, width - self.span(chosen) - 3)
                if self.distinct([*chosen, column]) <= seen:
                    if self.distinct([*chosen, column], tails=self.tails | {column}) > seen:
                        self.tails.add(column)
                    else:
                        del self.caps[column]  # no cut tells them apart: shown whole
                chosen.append(column)
        for column in [c for c in chosen if c in self.caps]:
            if self.distinct(chosen) >= target:
                break
            del self.caps[column]
        self._squeeze(chosen, width)
        return chosen

    def _squeeze(self, chosen: list[Any], width: int) -> None:
        """Cut the widest text of ``chosen`` a character at a time, from whichever end keeps its rows apart,
        until they fit ``width`` or none can be narrower without two rows looking alike (or below its header
        or ``SQUEEZED``: the terminal then folds what is left)."""
        seen = self.distinct(chosen)
        while self.span(chosen) > width:
            for column in sorted((c for c in chosen if not self.right[c]), key=self.width_of, reverse=True):
                narrower = {**self.caps, column: self.width_of(column) - 1}
                if narrower[column] < max(cell_len(str(column)), SQUEEZED):
                    continue
                ends = (self.tails, self.tails ^ {column})  # as it is cut now, or from its other end
                cut_from = next((tails for tails in ends if self.distinct(chosen, narrower, tails) >= seen), None)
                if cut_from is not None:
                    self.caps, self.tails = narrower, set(cut_from)
                    break
            else:
                return

    def _named(self, chosen: list[Any], name: Any, code: Any, width: int) -> list[Any]:
        """``chosen`` with ``name`` in place of ``code`` when it fits (cut to the room left, if need be, but not
        below ``NAME_AT_LEAST``), tells the rows apart as well, and is never blank where the code is not."""
        if code not in chosen or any(c and not n for c, n in zip(self.cells[code], self.cells[name], strict=True)):
            return chosen
        others = [c for c in chosen if c != code]
        fitting = min(self.longest[name], NARROW_TEXT, width - self.span(others) - 3)
        if fitting < min(NAME_AT_LEAST, self.longest[name]) or fitting < cell_len(str(name)):
            return chosen
        swapped = [name if c == code else c for c in chosen]
        caps = {**self.caps, name: fitting}
        if self.distinct(swapped, caps) < self.distinct(chosen):
            return chosen
        self.caps = caps
        return swapped


def _alternatives(key: str | tuple[str, ...]) -> tuple[str, ...]:
    return key if isinstance(key, tuple) else (key,)


def cut(text: str, cap: int | None, tail: bool = False) -> str:
    """``text`` as a column ``cap`` characters wide shows it: cut, with "…", when longer; its end is kept
    with ``tail`` (``…domain2.example``)."""
    if cap is None or cell_len(text) <= cap:
        return text
    if not tail:
        return set_cell_size(text, cap - 1) + "…"
    kept = text
    while cell_len(kept) > cap - 1:
        kept = kept[1:]
    return "…" + kept


__all__ = ["NARROW_TEXT", "Fitted", "Reading", "cut", "fit", "table_width"]
