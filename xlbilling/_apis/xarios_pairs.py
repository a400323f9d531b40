"""The name/value pairs of Xarios invoice items (``stringValues``, ``numericValues``) turned into columns.

Each item holds a list of ``{"name": ..., "value": ...}`` pairs; ``Pairs`` keeps every item's pairs one after
another, and gives one column per wanted name, matched once per distinct list of names (not once per item).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, chain, pairwise
from typing import Any

import numpy as np

from xlbilling._apis.frames import Objects, find_key


@dataclass(frozen=True)
class Pairs:
    """The ``stringValues`` (or ``numericValues``) of every item, one after another: the first ``counts[0]``
    pairs are the first item's, and so on."""

    names: list[str]
    values: list[Any]
    counts: list[int]

    def columns(self, table: dict[str, tuple[str, ...]]) -> dict[str, list[Any]]:
        """Each item's value for each column of ``table`` (the pair names the column takes, ignoring case: the
        first name the item has, and of several pairs with that name the last), ``None`` where it has none.
        The names are matched once per distinct list of names, not once per item."""
        wanted = [tuple(name.lower() for name in names) for names in table.values()]
        starts = list(accumulate(self.counts, initial=0))
        seen: dict[tuple[str, ...], tuple[int, ...]] = {}
        spots = []
        for start, end in pairwise(starts):
            names = tuple(self.names[start:end])
            if names not in seen:
                last = {name.lower(): position for position, name in enumerate(names)}
                seen[names] = tuple(next((last[n] for n in column if n in last), -1) for column in wanted)
            spots.append(seen[names])
        local = np.array(spots, dtype=np.intp).reshape(len(spots), len(wanted))
        where = np.where(local >= 0, local + np.array(starts[:-1], dtype=np.intp)[:, None], len(self.values))
        values: Objects = np.fromiter(chain(self.values, [None]), dtype=object, count=len(self.values) + 1)
        return {column: values[where[:, position]].tolist() for position, column in enumerate(table)}


@lru_cache(maxsize=256)
def _pair_keys(keys: tuple[str, ...]) -> tuple[str, str]:
    """The keys of the name and of the value in a pair with ``keys``."""
    return find_key(keys, ("name", "key")) or "name", find_key(keys, ("value",)) or "value"


def dict_pairs(lists: list[Any]) -> Pairs:
    """The pairs of ``parse_invoice``'s items: those that are objects with a name that is text."""
    names: list[str] = []
    values: list[Any] = []
    counts: list[int] = []
    for pairs in lists:
        before = len(names)
        for pair in pairs or []:
            if isinstance(pair, dict):
                name_key, value_key = _pair_keys(tuple(pair))
                name = pair.get(name_key)
                if isinstance(name, str):
                    names.append(name)
                    values.append(pair.get(value_key))
        counts.append(len(names) - before)
    return Pairs(names, values, counts)


def struct_pairs(lists: Objects) -> Pairs:
    """The pairs of ``read_invoice``'s items."""
    pairs = list(chain.from_iterable(filter(None, lists)))
    return Pairs([pair.name for pair in pairs], [pair.value for pair in pairs], [len(p or ()) for p in lists])
