"""What changed since the last close: against the previous run of the same period, which totals and which
customers' figures changed (before and after); against the last run of any period, which differences are new,
changed or gone."""

from __future__ import annotations

from typing import Any

TOTALS = (
    ("invoiced", "total", "invoiced total"),
    ("invoiced", "invoices", "invoices written"),
    ("at_stake", "leaked", "leaked"),
    ("at_stake", "over_billed", "over-billed"),
    ("margin", "revenue", "revenue"),
    ("margin", "cost", "cost"),
    ("margin", "margin", "margin"),
)
"""Each total compared: the report's section, its key, and how a person calls it."""
CUSTOMER_FIGURES = (
    ("invoice", "invoice number"),
    ("invoice_total", "invoice total"),
    ("at_stake", "money at stake"),
    ("margin", "margin"),
)


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any] | None:
    """What changed from the report ``before`` (None: no earlier close) to ``after``."""
    if before is None:
        return None
    found: dict[str, Any] = {"since": before.get("ran_at"), "period_end": before["period"]["end"]}
    if before["period"]["end"] == after["period"]["end"]:
        found["totals"] = [
            {"what": label, "before": _at(before, section, key), "after": _at(after, section, key)}
            for section, key, label in TOTALS
            if _at(before, section, key) != _at(after, section, key)
        ]
        found["customers"] = _customers(before.get("customers", []), after.get("customers", []))
    found["differences"] = _differences(before.get("differences", []), after.get("differences", []))
    return found


def changed_customers(found: dict[str, Any] | None) -> list[str]:
    """The account codes of the customers whose figures changed, sorted."""
    return sorted({row["account_code"] for row in (found or {}).get("customers", [])})


def _at(report: dict[str, Any], section: str, key: str) -> Any:
    return (report.get("money", {}).get(section) or {}).get(key)


def _customers(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    was = {row["account_code"]: row for row in before}
    now = {row["account_code"]: row for row in after}
    rows = []
    for code in sorted(set(was) | set(now)):
        old, new = was.get(code, {}), now.get(code, {})
        for key, label in CUSTOMER_FIGURES:
            if old.get(key) != new.get(key):
                name = new.get("name") or old.get("name")
                rows.append(
                    {"account_code": code, "name": name, "what": label, "before": old.get(key), "after": new.get(key)}
                )
    return rows


def _differences(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        return row["account_code"], row["sku"], row["part_number"]

    was, now = {key(row): row for row in before}, {key(row): row for row in after}
    compared = ("category", "vendor_quantity", "billed_quantity", "money_at_stake")
    changed = [
        {**now[k], "before": {field: was[k][field] for field in compared}}
        for k in now
        if k in was and any(was[k][field] != now[k][field] for field in compared)
    ]
    return {
        "new": [now[k] for k in now if k not in was],
        "changed": changed,
        "gone": [was[k] for k in was if k not in now],
    }
