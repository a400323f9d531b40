"""``report.html``: the run report on one page a person reads in a minute, money first: the headline, the four
figures (invoiced, leaked, over-billed, margin against the previous period), what needs a person, what changed
since the last close, what to do next, then the steps, the sources and the notifications. One file with its
style inside, no script, nothing fetched."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import Any

from xlbilling._close.figures import SHOWN
from xlbilling._close.report import grouped

MONEY = re.compile(r"-?\d+\.\d\d")

STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1f2328;max-width:940px;
margin:20px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 2px}
h2{font-size:15px;margin:18px 0 6px;border-bottom:1px solid #d0d7de;padding-bottom:3px}
.when{color:#59636e;font-size:13px;margin-bottom:10px}
.status{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;font-size:13px;margin-left:8px;
vertical-align:3px}
.ok{background:#dafbe1;color:#116329}
.todo{background:#fff1c2;color:#7d4e00}
.bad{background:#ffebe9;color:#a40e26}
.headline{font-size:15px;margin:8px 0 12px}
.figures{display:flex;gap:10px}
.figure{flex:1;border:1px solid #d0d7de;border-radius:8px;padding:8px 12px}
.figure .label{color:#59636e;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.figure .value{font-size:22px;font-weight:600;white-space:nowrap}
.figure .sub{color:#59636e;font-size:12px}
.leak .value{color:#a40e26}
table{border-collapse:collapse;width:100%;font-size:13px}
td,th{padding:3px 6px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}
th{color:#59636e;font-weight:600}
td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
table+table{margin-top:10px}
ol,ul{margin:4px 0 4px 20px;padding:0}
.more{color:#59636e;font-size:12px}
.quiet{color:#59636e}
"""


def render(report: dict[str, Any]) -> str:
    """The page for ``report`` (see ``xlbilling._close.report``)."""
    parts = [
        _top(report),
        _figures(report),
        _needs(report),
        _changes(report),
        _next(report),
        _steps(report),
        _notifications(report),
    ]
    title = escape(report["headline"])
    body = "\n".join(part for part in parts if part)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>\n'
        f"<body>\n{body}\n</body></html>\n"
    )


def _top(report: dict[str, Any]) -> str:
    period = report["period"]
    failed = any(n["status"] == "failed" for n in report["notifications"])
    waiting = len(report["needs"])
    badge = ("todo", f"{waiting} need{'s' if waiting == 1 else ''} a person") if waiting else ("ok", "All done")
    when = f"Ran {_time(report['ran_at'])}"
    if report.get("unchanged_since"):
        when = f"Unchanged since {_time(report['unchanged_since'])} (run again since: nothing changed)"
    sources = ", ".join(f"{api} {host}" for api, host in report["sources"].items())
    span = f"{period['start']} to {period['end']}" if period["start"] else f"ending {period['end']}"
    return (
        f'<h1>Month-end close: {escape(period["name"])}<span class="status {badge[0]}">{badge[1]}</span>'
        + ('<span class="status bad">notification failed</span>' if failed else "")
        + f'</h1>\n<div class="when">{escape(span)} · {escape(when)} · from {escape(sources)} · '
        f'{escape(period["folder"])}</div>\n<div class="headline">{escape(report["headline"])}</div>'
    )


def _time(iso: str) -> str:
    return iso.replace("T", " ").replace("Z", " UTC")


def _figure(label: str, value: str, sub: str, kind: str = "") -> str:
    return (
        f'<div class="figure {kind}"><div class="label">{escape(label)}</div><div class="value">{escape(value)}'
        f'</div><div class="sub">{escape(sub)}</div></div>'
    )


def _figures(report: dict[str, Any]) -> str:
    money = report["money"]
    invoiced, stake, margin = money["invoiced"], money["at_stake"], money["margin"]
    cur = invoiced["currency"]
    shown = [
        _figure(
            "Invoiced",
            f"{cur} {grouped(invoiced['total'])}",
            f"{invoiced['invoices']} invoices, tax "
            f"{grouped(invoiced['tax'])}" + (f"; {invoiced['failed']} failed" if invoiced["failed"] else ""),
        )
    ]
    if stake:
        shown.append(_figure("Leaked", f"{cur} {grouped(stake['leaked'])}", f"valued {stake['valued']}", "leak"))
        shown.append(
            _figure(
                "Over-billed",
                f"{cur} {grouped(stake['over_billed'])}",
                f"{stake['open']} of {stake['differences']} differences open",
            )
        )
    if margin:
        pct = _pct(margin["margin_pct"])
        before = margin.get("previous")
        sub = f"{pct} of revenue {grouped(margin['revenue'])}"
        if before:
            sub += f"; {before['period_end'][:7]}: {grouped(before['margin'])} ({_pct(before['margin_pct'])})"
        shown.append(_figure("Margin", f"{cur} {grouped(margin['margin'])}", sub))
    return '<div class="figures">' + "".join(shown) + "</div>"


def _pct(fraction: str | None) -> str:
    return "?" if fraction is None else f"{float(fraction) * 100:.1f}%"  # shown only: the JSON keeps the exact one


def _table(headers: tuple[str, ...], rows: Sequence[tuple[Any, ...]], numeric: tuple[int, ...] = ()) -> str:
    head = "".join(f"<th{' class=n' if i in numeric else ''}>{escape(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if i in numeric else ''}>{escape('' if v is None else str(v))}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows[:SHOWN]
    )
    more = f'<div class="more">and {len(rows) - SHOWN} more</div>' if len(rows) > SHOWN else ""
    return f"<table><tr>{head}</tr>{body}</table>{more}"


def _needs(report: dict[str, Any]) -> str:
    needs = report["needs"]
    if not needs:
        return (
            '<h2>Needs a person</h2><p class="quiet">Nothing: every invoice was written and no difference is open.</p>'
        )
    rows = [(n["kind"], n["who"], n["what"], n["do"]) for n in needs]
    return f"<h2>Needs a person ({len(needs)})</h2>" + _table(("What", "Who", "Why", "Do"), rows)


def _changes(report: dict[str, Any]) -> str:
    found = report.get("changes")
    if not found:
        return '<h2>Since the last close</h2><p class="quiet">This is the first close in this folder.</p>'
    when = f" ({_time(found['since'])})" if found.get("since") else ""
    same = found["period_end"] == report["period"]["end"]
    since = f"the last close{when}" if same else f"the close of the period ending {found['period_end']}{when}"
    parts = [f"<h2>Since {escape(since)}</h2>"]
    customers = found.get("customers")
    if customers is not None:
        totals = found.get("totals", [])
        if not totals and not customers:
            parts.append('<p class="quiet">No total and no customer changed.</p>')
        if totals:
            sums = [(t["what"], _shown(t["before"]), _shown(t["after"])) for t in totals]
            parts.append(_table(("Total", "Before", "After"), sums, (1, 2)))
        if customers:
            rows = [
                (c["name"], c["account_code"], c["what"], _shown(c["before"]), _shown(c["after"])) for c in customers
            ]
            parts.append(_table(("Customer", "Account", "Figure", "Before", "After"), rows, (3, 4)))
    diffs = found["differences"]
    counts = ", ".join(f"{len(diffs[k])} {k}" for k in ("new", "changed", "gone"))
    parts.append(f"<p>Differences: {counts}.</p>")
    fresh = diffs["new"] + diffs["changed"]
    if fresh:
        lines = [
            (
                d["customer_name"] or d["account_code"],
                d["sku"] or d["part_number"],
                d["category"].replace("_", " "),
                d["vendor_quantity"],
                d["billed_quantity"],
                d["money_at_stake"],
            )
            for d in fresh
        ]
        parts.append(_table(("Customer", "Product", "Difference", "Xarios", "Atria", "At stake"), lines, (3, 4, 5)))
    return "".join(parts)


def _shown(value: Any) -> Any:
    """Money text with thousands separators; anything else (a count, an invoice number) as it is."""
    return grouped(value) if isinstance(value, str) and MONEY.fullmatch(value) else value


def _next(report: dict[str, Any]) -> str:
    return "<h2>What to do next</h2><ol>" + "".join(f"<li>{escape(s)}</li>" for s in report["next"]) + "</ol>"


def _steps(report: dict[str, Any]) -> str:
    rows = [(s["name"], s["status"], f"{s['seconds']:.1f} s", s["note"]) for s in report["steps"]]
    return "<h2>Steps</h2>" + _table(("Step", "Status", "Time", "Note"), rows, (2,))


def _notifications(report: dict[str, Any]) -> str:
    sent = report["notifications"]
    if not sent:
        return ""
    rows = [(n["to"], n["status"], n.get("error") or "") for n in sent]
    return "<h2>Notifications</h2>" + _table(("To", "Status", "Error"), rows)
