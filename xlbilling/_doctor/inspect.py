"""What one endpoint's rows say about a field table: which key filled each column, which keys went unused,
which values did not parse, and which unused key most likely spells each missing column.

The guess reads the words of the key (``PreviousQuantity`` -> previous, quantity) against those of the
column and its built-in keys (``last_count``, ``lastMonthCount``), counting a word as met when it is the
same, a usual synonym (previous/last, quantity/count, id/code...) or shares its first five letters; a key
whose values do not parse as the column's type is never suggested.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from xlbilling._apis.fields import Field
from xlbilling._apis.frames import convert, spellings

_SYNONYMS = (
    {"last", "previous", "prior", "prev"},
    {"this", "current", "curr"},
    {"count", "quantity", "qty", "units"},
    {"code", "id", "ref", "reference", "key", "number", "no"},
    {"sku", "product"},
    {"name", "title"},
    {"order", "sequence", "seq", "position"},
    {"end", "to", "until"},
    {"start", "from", "begin"},
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_EXAMPLE = 40


@dataclass
class Column:
    """One xlbilling column and the JSON key that filled it (``None``: missing)."""

    column: str
    key: str | None
    required: bool


@dataclass
class Suggestion:
    """The key most likely spelling a missing column (``None`` when none fits), and the candidates: the keys
    whose words meet the column's, else every key whose values fit its type."""

    column: str
    key: str | None
    candidates: list[str]
    required: bool


@dataclass
class Findings:
    """What the rows of one endpoint say about its field table."""

    columns: list[Column] = field(default_factory=list)
    unused: dict[str, str] = field(default_factory=dict)  # key -> one example value, as JSON shows it
    bad: list[str] = field(default_factory=list)  # "column (key): 'x' is not a date"
    suggestions: list[Suggestion] = field(default_factory=list)

    def add(self, other: Findings) -> Findings:
        """These findings and ``other``'s (the header and the lines of one answer)."""
        self.columns += other.columns
        self.unused |= other.unused
        self.bad += other.bad
        self.suggestions += other.suggestions
        return self


def inspect(rows: list[dict[str, Any]], table: tuple[Field, ...], nested: Iterable[str] = ()) -> Findings:
    """The findings of ``rows`` against ``table``; keys in ``nested`` (lists read elsewhere) are not unused."""
    present = list(dict.fromkeys(key for row in rows for key in row))
    skip = {name.lower() for name in nested}
    found = Findings()
    used: set[str] = set()
    for spec in table:
        spelt = spellings(set(present), spec)
        used.update(spelt)
        found.columns.append(Column(spec.column, spelt[0] if spelt else None, spec.required))
        if spelt and (problem := _problem([row.get(spelt[0]) for row in rows], spec)):
            found.bad.append(f"{spec.column} ({spelt[0]}): {problem}")
    unused = [key for key in present if key not in used and key.lower() not in skip]
    found.unused = {key: _example(rows, key) for key in unused}
    missing = [spec for spec in table if not spellings(set(present), spec)]
    found.suggestions = _suggest(rows, missing, unused)
    return found


def _problem(values: list[Any], spec: Field) -> str | None:
    """What is wrong with the first value that does not parse as the column's type, or ``None``."""
    try:
        convert(values, spec.kind)
        return None
    except (ValueError, TypeError, ArithmeticError):
        pass
    for value in values:
        try:
            convert([value], spec.kind)
        except (ValueError, TypeError, ArithmeticError) as error:
            return f"{_shown(value)} does not parse as {spec.kind} ({error})"
    return None


def _suggest(rows: list[dict[str, Any]], missing: list[Field], unused: list[str]) -> list[Suggestion]:
    """The best unused key for each missing column, each key given to one column at most (best pairs first)."""
    fits = {spec.column: [k for k in unused if _fits(rows, k, spec)] for spec in missing}
    scored = sorted(
        ((_score(spec, key), spec.column, key) for spec in missing for key in fits[spec.column]),
        key=lambda item: -item[0],
    )
    chosen: dict[str, str] = {}
    for score, column, key in scored:
        if score > 0 and column not in chosen and key not in chosen.values():
            chosen[column] = key
    out = []
    for spec in missing:
        ranked = sorted(fits[spec.column], key=lambda key: -_score(spec, key))
        likely = [key for key in ranked if _score(spec, key) > 0]
        if spec.required or spec.column in chosen:
            out.append(Suggestion(spec.column, chosen.get(spec.column), (likely or ranked)[:4], spec.required))
    return out


def _fits(rows: list[dict[str, Any]], key: str, spec: Field) -> bool:
    """Whether ``key`` holds values (not lists or objects) that all parse as the column's type."""
    values = [row.get(key) for row in rows]
    given = [v for v in values if v is not None]
    return bool(given) and not isinstance(given[0], dict | list) and _problem(values, spec) is None


def _score(spec: Field, key: str) -> int:
    words = _words(key)
    return max(sum(any(_same(a, b) for b in words) for a in _words(name)) for name in (spec.column, *spec.keys))


def _words(name: str) -> list[str]:
    return [word.lower() for part in re.split(r"[_\W]+", name) for word in _WORD.findall(part)]


def _same(a: str, b: str) -> bool:
    if a == b or (len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5]):
        return True
    return any(a in group and b in group for group in _SYNONYMS)


def _example(rows: list[dict[str, Any]], key: str) -> str:
    return _shown(next((row[key] for row in rows if row.get(key) is not None), None))


def _shown(value: Any) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= _EXAMPLE else text[: _EXAMPLE - 1] + "…"
