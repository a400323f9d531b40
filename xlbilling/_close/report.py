"""The run report as data (``report.json``): the period, when it ran and from which API hosts, money first,
what needs a person, each step's status and time, what changed since the last close, what to do next and the
notifications; and the report of a rerun that changed nothing (the earlier one, "unchanged since" its run)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from xlbilling._close import figures
from xlbilling._close.changes import changes
from xlbilling._values.wording import counted

if TYPE_CHECKING:
    from xlbilling._close.steps import Outcome
    from xlbilling._invoices.manifest import Manifest
    from xlbilling._margin.run import Margin
    from xlbilling._reconcile.result import Reconciliation
    from xlbilling._values.period import Period

REPORT_JSON, REPORT_HTML = "report.json", "report.html"
NEXT = {
    "step": "Fix what stopped a step (see Steps), then run the close again.",
    "invoice": "Fix the invoices listed under Needs a person, then run the close again: it rewrites only what changed.",
    "seller": "Set the seller's details under [seller] in the config file: until then the invoices are SAMPLES.",
    "e-invoice": "Fill the buyers' missing details in the customer register, then run the close again.",
    "distributor": "Ask Xarios for a corrected invoice before paying it.",
    "money": "Review the open differences in reconciliation.xlsx (Detail: review and note); the next close keeps them.",
    "mapping": "Add the unmapped lines to the product mapping so next month compares them.",
}
"""What to do next about each kind of need, in the order the report says it."""


def build(
    period: Period,
    folder: Path,
    ran_at: str,
    sources: dict[str, str],
    steps: list[tuple[Outcome, float]],
    earlier: dict[str, Any] | None,
) -> dict[str, Any]:
    """The report of a close whose ``steps`` ran (each with its seconds); ``earlier``: the last close's report
    (this period's, else the latest earlier period's) to say what changed."""
    results = {outcome.name: outcome.result for outcome, _ in steps}
    manifest: Manifest = results["invoices"]
    result: Reconciliation | None = results.get("reconciliation")
    found: Margin | None = results.get("margin")
    problems = [
        f"{outcome.name}: {outcome.note}"
        for outcome, _ in steps
        if outcome.name != "invoices" and outcome.status == "needs a person"
    ]
    needs = figures.needs(manifest, result, problems)
    report: dict[str, Any] = {
        "period": {
            "start": period.start.isoformat() if period.start else None,
            "end": period.end.isoformat(),
            "name": period.title,
            "folder": str(folder),
        },
        "ran_at": ran_at,
        "unchanged_since": None,
        "sources": {api: urlsplit(url).hostname or url for api, url in sorted(sources.items())},
        "exit_code": 1 if needs else 0,
        "money": {
            "invoiced": figures.invoiced(manifest),
            "at_stake": figures.at_stake(result),
            "margin": figures.margin_figures(found, period),
        },
        "needs": [asdict(need) for need in needs],
        "steps": [
            {"name": o.name, "status": o.status, "seconds": round(seconds, 1), "note": o.note, "files": len(o.files)}
            for o, seconds in steps
        ],
        "customers": figures.customers(manifest, result, found, period),
        "differences": figures.differences(result),
    }
    report["headline"] = headline(report)
    report["changes"] = changes(earlier, report)
    report["next"] = next_steps(report)
    report["notifications"] = []
    return report


def headline(report: dict[str, Any]) -> str:
    """One line: the period, the money invoiced and at stake, and how many things need a person."""
    money = report["money"]
    invoiced = money["invoiced"]
    parts = [
        f"{invoiced['currency']} {grouped(invoiced['total'])} invoiced ({counted(invoiced['invoices'], 'invoice')})"
    ]
    if money["at_stake"]:
        parts.append(
            f"{grouped(money['at_stake']['leaked'])} leaked, {grouped(money['at_stake']['over_billed'])} over-billed"
        )
    waiting = len(report["needs"])
    parts.append(
        f"{counted(waiting, 'thing')} {'needs' if waiting == 1 else 'need'} a person"
        if waiting
        else "nothing needs a person"
    )
    return f"Close of {report['period']['name']}: " + "; ".join(parts) + "."


def grouped(text: str | None) -> str:
    """Money text with thousands separators (``12,345.60``)."""
    if text is None:
        return "?"
    whole, _, cents = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-')):,}.{cents or '00'}"


def next_steps(report: dict[str, Any]) -> list[str]:
    """What to do next, one sentence per kind of need; when nothing needs a person, what is ready."""
    kinds = {need["kind"] for need in report["needs"]}
    said = [advice for kind, advice in NEXT.items() if kind in kinds]
    return said or ["Send the invoices in invoices/ (index.xlsx lists them); the figures are in the workbooks here."]


def unchanged(earlier: dict[str, Any]) -> dict[str, Any]:
    """The report of a rerun that changed no file: the earlier one, saying since when nothing changed."""
    return {**earlier, "unchanged_since": earlier.get("unchanged_since") or earlier["ran_at"]}


def read(path: Path) -> dict[str, Any] | None:
    """The report at ``path``; None when there is none or it cannot be read."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and "period" in found and "ran_at" in found else None


def as_json(report: dict[str, Any]) -> bytes:
    """``report.json``'s bytes: the same report always gives the same bytes."""
    return (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode()
