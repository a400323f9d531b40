"""A review trail for differences: what a person decided about each row (``review``: open, fixed or dismissed,
and a ``note``), kept with the row's identity (period, account code, SKU) when the data is fetched again.

``carry`` gives the new rows the decisions made on the old ones, whatever their order or number: a
dismissed row stays dismissed while its quantities are unchanged, and opens again marked ``changed since
dismissed`` when they change. A dismissal also carries to a later period's row of the same account code and
SKU (last month's "annual licence paid up front" holds this month), under the same rule; so does a decision
that names no period. Old rows that no longer exist and carry a decision or a note come back as the closed
rows, so no note is ever silently lost. The refresh of a workbook's Reconciliation and Margin sheets and
``xlbilling reconcile --reviews`` all use it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from xlbilling._errors import DataError
from xlbilling._values.dates import parse_period

IDENTITY = ("period_end", "account_code", "sku")
REVIEW, NOTE = "review", "note"
OPEN, FIXED, DISMISSED = "open", "fixed", "dismissed"
STATES = (OPEN, FIXED, DISMISSED)
CHANGED = "changed since dismissed"
QUANTITIES = ("vendor_quantity", "billed_quantity")
"""The columns whose change reopens a dismissed row (those of them a table has)."""
CLOSED_COLUMNS = (*IDENTITY, *QUANTITIES, REVIEW, NOTE)


def carry(new: pd.DataFrame, old: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``new`` with ``review`` and ``note`` columns taken from the row of ``old`` with the same identity
    (``open`` and empty when none), and the rows of ``old`` that ``new`` lacks and that carry a decision or a
    note (``CLOSED_COLUMNS``). ``old`` may come from cells (dates as datetimes, numbers as floats, text as
    typed); ``DataError`` names a row whose review is not one of open, fixed, dismissed."""
    decided = _decisions(old)
    dismissed: dict[tuple[Any, ...], dict[str, Any]] = {}  # the latest dismissal of each account code and SKU
    for key, decision in sorted(decided.items(), key=lambda item: (item[0][0] is not None, item[0][0] or 0)):
        if decision[REVIEW] == DISMISSED:
            dismissed[key[1:]] = decision
    keys = [_key(row) for row in new.loc[:, list(IDENTITY)].itertuples(index=False, name=None)]
    quantities = [column for column in QUANTITIES if column in new]
    reviews, notes, carried = [], [], set()
    for key, (_, row) in zip(keys, new.iterrows(), strict=True):
        found = decided.get(key)
        earlier = dismissed.get(key[1:])
        if found is None and earlier is not None and (earlier["period_end"] or key[0]) <= key[0]:
            found = earlier
            carried.add((earlier["period_end"], *key[1:]))
        review, note = (OPEN, "") if found is None else (found[REVIEW], found[NOTE])
        if review == DISMISSED and found is not None and any(_changed(found.get(c), row[c]) for c in quantities):
            review = OPEN
            note = f"{CHANGED}: {note}" if note and not note.startswith(CHANGED) else note or CHANGED
        reviews.append(review)
        notes.append(note)
    kept = new.assign(**{REVIEW: reviews, NOTE: notes})
    present = set(keys)
    closed = [found for key, found in decided.items() if key not in present and key not in carried]
    frame = pd.DataFrame(closed, columns=list(CLOSED_COLUMNS)) if closed else _empty()
    return kept, frame.astype(object).where(frame.notna(), None)


def _decisions(old: pd.DataFrame) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Each old row with a decision or a note, by identity: its review (open when empty), note and quantities."""
    if old.empty or not set(IDENTITY[1:]) <= set(old.columns):
        return {}
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for number, (_, row) in enumerate(old.iterrows(), start=1):
        review = _text(row.get(REVIEW)).lower() or OPEN
        note = _text(row.get(NOTE))
        if review not in STATES:
            raise DataError(
                f"Row {number} of the reviews: '{row.get(REVIEW)}' is not a review.",
                f"Write one of {', '.join(STATES)} in the review column, or leave it empty (open).",
            )
        if review == OPEN and not note:
            continue
        key = _key(tuple(row.get(c) for c in IDENTITY))
        found[key] = {"period_end": key[0], "account_code": key[1], "sku": key[2],
                      **{c: row.get(c) for c in QUANTITIES}, REVIEW: review, NOTE: note}  # fmt: skip
    return found


def _text(value: Any) -> str:
    """A typed cell as trimmed text; empty for an empty cell."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()


def _key(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """An identity as compared: the period as a date (from a date, an Excel serial or ISO text), the codes as
    trimmed text."""
    period, account, sku = values
    return parse_period(period) if _text(period) else None, _text(account), _text(sku)


def _changed(before: Any, now: Any) -> bool:
    """Whether a quantity differs from the one the decision was made on (not known then: not changed)."""
    if before is None or (isinstance(before, str) and not before.strip()) or pd.isna(before):
        return False
    try:
        return Decimal(str(before)).normalize() != Decimal(str(now)).normalize()
    except (InvalidOperation, TypeError, ValueError):
        return True


def _empty() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in CLOSED_COLUMNS})
