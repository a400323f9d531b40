"""The add-in's XML manifest (add-in-only, one shared runtime), rendered for the address users reach the server
at: every URL on that host, an ``Id`` of its own per address (a GUID made from it, so a test server and the
production one are two add-ins), the ``Version`` of xlbilling as n.n.n.n.

The ribbon's Billing tab mirrors the xlwings add-in's: the pane (sign-in), a Refresh group (each table and
Refresh all), Build invoices, Reconcile and Margin, Clear cache. Each button runs the function of that name
that the add-in's ``taskpane.js`` associates (``Office.actions.associate``), in the one runtime the task pane
and the custom functions share.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from string import Template
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from xlbilling._version import __version__

TEMPLATE = Path(__file__).resolve().parent / "manifest.xml"
RUNTIME = "Taskpane.Url"

#: The ribbon: each group's label and its buttons as (action, label, tip); the action ``ShowTaskpane`` opens
#: the pane, any other is a function ``taskpane.js`` associates under that name.
RIBBON: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    ("Pane", (("ShowTaskpane", "Billing pane", "Sign in, choose the period and customer, see progress."),)),
    ("Refresh", (
        ("refreshPeriods", "Periods", "Refresh the Periods table."),
        ("refreshCustomers", "Customers", "Refresh the Customers table."),
        ("refreshSummary", "Summary", "Refresh the Summary table for the chosen period."),
        ("refreshDetail", "Detail", "Refresh the Detail table for the chosen period and customer."),
        ("refreshInvoiceLines", "Invoice lines", "Refresh the Invoice lines table."),
        ("refreshAnalysis", "Analysis", "Refresh the Analysis table."),
        ("refreshXariosInvoices", "Xarios invoices", "Refresh the Xarios invoices table."),
        ("refreshAll", "Refresh all", "Refresh every table but Reconciliation and Margin."),
    )),
    ("Invoices", (("buildInvoices", "Build invoices", "Build the invoice workbooks on the server; download them."),)),
    ("Margin", (
        ("reconcile", "Reconcile", "What Xarios charged against what Atria billed, with your reviews kept."),
        ("margin", "Margin", "Revenue, cost, margin and leaks over the closed periods."),
    )),
    ("Settings", (("clearCache", "Clear cache", "Forget the answers this workbook has cached."),)),
)  # fmt: skip
ACTIONS = tuple(action for _, buttons in RIBBON for action, _, _ in buttons if action != "ShowTaskpane")
"""The functions the ribbon runs, as ``taskpane.js`` must associate them."""

_ICONS = "".join(f'<bt:Image size="{size}" resid="Icon.{size}"/>' for size in (16, 32, 80))


def manifest_id(public_url: str) -> str:
    """The add-in's ``Id`` for a server address: the same every time for one address, another for another."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"xlbilling add-in {public_url}"))


def manifest_version(version: str = __version__) -> str:
    """xlbilling's version as the manifest's four numbers (``0.1.0`` -> ``0.1.0.0``)."""
    numbers = [int(part) for part in re.findall(r"\d+", version)[:4]]
    return ".".join(str(n) for n in [*numbers, 0, 0, 0, 0][:4])


def _resid(action: str) -> str:
    return action[0].upper() + action[1:]


def _button(action: str, label: str) -> str:
    if action == "ShowTaskpane":
        does = f"<TaskpaneId>XLB.Pane</TaskpaneId><SourceLocation resid={quoteattr(RUNTIME)}/>"
    else:
        does = f"<FunctionName>{action}</FunctionName>"
    name = _resid(action)
    return (
        f'                <Control xsi:type="Button" id="XLB.{name}">\n'
        f'                  <Label resid="{name}.Label"/>\n'
        f'                  <Supertip><Title resid="{name}.Label"/><Description resid="{name}.Tip"/></Supertip>\n'
        f"                  <Icon>{_ICONS}</Icon>\n"
        f'                  <Action xsi:type="{"ShowTaskpane" if action == "ShowTaskpane" else "ExecuteFunction"}">'
        f"{does}</Action>\n"
        "                </Control>"
    )


def _groups() -> str:
    groups = []
    for group, buttons in RIBBON:
        controls = "\n".join(_button(action, label) for action, label, _ in buttons)
        groups.append(
            f'              <Group id="XLB.{group}">\n'
            f'                <Label resid="{group}.Group"/>\n'
            f"                <Icon>{_ICONS}</Icon>\n{controls}\n"
            "              </Group>"
        )
    return "\n".join(groups)


def _strings(which: int) -> str:
    """The ribbon's short strings (group and button labels, ``which`` 0) or long ones (tips, ``which`` 1)."""
    found = [] if which else [(f"{group}.Group", "Billing pane" if group == "Pane" else group) for group, _ in RIBBON]
    for _, buttons in RIBBON:
        found += [(f"{_resid(action)}.{'Tip' if which else 'Label'}", (tip if which else label))
                  for action, label, tip in buttons]  # fmt: skip
    return "\n".join(f"        <bt:String id={quoteattr(key)} DefaultValue={quoteattr(text)}/>" for key, text in found)


def render(public_url: str) -> str:
    """The manifest for a server reached at ``public_url`` (an origin: ``https://billing.example.com``)."""
    host = urlsplit(public_url).netloc
    values = {
        "base": public_url,
        "id": manifest_id(public_url),
        "version": manifest_version(),
        "name": f"xlbilling ({host})",
        "groups": _groups(),
        "short_strings": _strings(0),
        "long_strings": _strings(1),
    }
    escaped = {key: value if key.endswith(("groups", "strings")) else _escaped(value) for key, value in values.items()}
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(escaped)


def _escaped(text: str) -> str:
    """``text`` safe inside an XML attribute or element (quotes included)."""
    return escape(text, {'"': "&quot;", "'": "&apos;"})
