"""Cell references in formulas and ranges, moved when the repeated rows of a template grow.

A template row that repeats (one per invoice line, say) turns ``h`` template rows into ``n`` output rows.
Everything below moves down by ``n - h``; a range that starts at or above the repeated rows and ends on
their last row grows to cover every output row, as Excel does when rows are inserted inside a range.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xlbilling._xlsx.formulas import formula_tokens

_ENDPOINT = re.compile(r"^(\$?)([A-Za-z]{1,3})?(\$?)(\d+)?$")


@dataclass(frozen=True)
class Span:
    """Template rows ``start``..``end`` that became ``count`` output rows from ``first`` on."""

    start: int
    end: int
    first: int
    count: int


class RowMap:
    """Where each template row of one sheet lands in one generated workbook."""

    def __init__(self, blocks: Sequence[tuple[int, int, int]]) -> None:
        """``blocks``: (start, end, output row count) of each repeated region, top to bottom."""
        spans: list[Span] = []
        shift = 0
        for start, end, count in blocks:
            spans.append(Span(start, end, start + shift, count))
            shift += count - (end - start + 1)
        self.spans = tuple(spans)

    def start(self, row: int) -> int:
        """The output row of a single reference or of the first row of a range."""
        shift = 0
        for span in self.spans:
            if row > span.end:
                shift += span.count - (span.end - span.start + 1)
            elif row >= span.start:
                return span.first + row - span.start
        return row + shift

    def end(self, row: int) -> int:
        """The output row of the last row of a range: the end of a repeated region stretches with it."""
        for span in self.spans:
            if span.start <= row <= span.end:
                return span.first + span.count - 1 - (span.end - row)
        return self.start(row)

    def last(self, row: int) -> int:
        """The last output row of the repeated region holding ``row``, or where ``row`` itself lands."""
        for span in self.spans:
            if span.start <= row <= span.end:
                return span.first + span.count - 1
        return self.start(row)


# A local rule for references inside the repeated row itself: (template row, is range end) -> output row,
# or None to use the sheet's RowMap.
Local = Callable[[int, bool], "int | None"]


@dataclass(frozen=True)
class Ref:
    """A reference token: an optional sheet prefix and one or two endpoints (col_abs, col, row_abs, row)."""

    prefix: str
    sheet: str | None
    endpoints: tuple[tuple[str, str, str, int | None], ...]

    def render(self, maps: dict[str, RowMap], own_sheet: str, local: Local | None) -> str:
        """The reference with its rows moved for one generated workbook."""
        sheet = self.sheet or own_sheet
        rowmap = maps.get(sheet)
        if rowmap is None:
            return self.prefix + ":".join(f"{ca}{c}{ra}{'' if r is None else r}" for ca, c, ra, r in self.endpoints)
        parts = []
        last = len(self.endpoints) - 1
        for index, (col_abs, col, row_abs, row) in enumerate(self.endpoints):
            text = f"{col_abs}{col}{row_abs}"
            if row is not None:
                is_end = index == last and last > 0
                moved = local(row, is_end) if local is not None and sheet == own_sheet else None
                if moved is None:
                    moved = rowmap.end(row) if is_end else rowmap.start(row)
                text += str(moved)
            parts.append(text)
        return self.prefix + ":".join(parts)


Segment = str | Ref


def parse_ref(text: str) -> Ref | None:
    """Parse ``A1``, ``$A$1:$B$9``, ``'My sheet'!A1``, ``3:3`` or ``A:A``; None for a name or anything else."""
    prefix, sheet, body = "", None, text
    if "!" in text:
        head, body = text.rsplit("!", 1)
        prefix = head + "!"
        sheet = head[1:-1].replace("''", "'") if head.startswith("'") else head
    endpoints = []
    for part in body.split(":"):
        match = _ENDPOINT.match(part)
        if match is None or not (match.group(2) or match.group(4)):
            return None
        col_abs, col, row_abs, row = match.groups()
        endpoints.append((col_abs, (col or "").upper(), row_abs, int(row) if row else None))
    if len(endpoints) > 2:
        return None
    return Ref(prefix, sheet, tuple(endpoints))


def parse_formula(formula: str) -> tuple[Segment, ...]:
    """Split a formula (without its ``=``) into literal text and references."""
    segments: list[Segment] = []
    for text, is_range in formula_tokens(formula):
        ref = parse_ref(text) if is_range else None
        if ref is None:
            if segments and isinstance(segments[-1], str):
                segments[-1] += text
            else:
                segments.append(text)
        else:
            segments.append(ref)
    return tuple(segments)


def render_formula(
    segments: tuple[Segment, ...], maps: dict[str, RowMap], own_sheet: str, local: Local | None = None
) -> str:
    """The formula text (without ``=``) for one generated workbook."""
    return "".join(s if isinstance(s, str) else s.render(maps, own_sheet, local) for s in segments)
