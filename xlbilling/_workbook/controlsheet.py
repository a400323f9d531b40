"""The billing template's Control sheet, laid out for a clerk who has not read the README: each setting's label
(column A, read by ``xlbilling._workbook.control``), its value (column B, shaded: the cells to fill) and one line
of help beside it (column C); drop-down lists for the period and customer (from the workbook's own Periods and
Customers tables) and for every yes/no or fixed choice; then the Billing tab's buttons, each with what it
does, read from the ribbon's own ``macros/customUI.xml`` so the two never disagree.
"""

from __future__ import annotations

from xml.etree import ElementTree

from xlbilling._config.shipped import shipped
from xlbilling._einvoice.write import FORMATS
from xlbilling._values.cells import wrapped_lines
from xlbilling._workbook.control import CONTROL, MAPPING_SHEET, PARAMETERS, REGISTER_SHEET, SELLER_FIELDS
from xlbilling._workbook.tables import TARGETS
from xlbilling._xlsx.book import OpenpyxlBook
from xlbilling._xlsx.look import Line, Look
from xlbilling._xlsx.tablecells import DATE_FORMAT

NAVY = "1F3864"
FILL = "FFF2CC"
"""The shade of the cells to fill."""
WIDTHS: dict[str, float] = {"A": 22, "B": 30, "C": 56}
"""About 108 characters: printed on portrait A4 at 7 pt or more."""
FIRST_ROW = 3
RIBBON = "{http://schemas.microsoft.com/office/2006/01/customui}"
NO = "No"

#: Each setting's line of help (column C).
HELP = {
    "period": "Any day of the billing period: pick an end date from the list (Refresh all fills it). Empty: the "
    "latest closed period.",
    "customer": "Only this customer in Detail, Invoice lines and Analysis: pick a name (code or account code also "
    "work). Empty: every customer.",
    "billable_only": "Yes: billable items only in Summary and Detail.",
    "service": "Only this service in Detail, e.g. Microsoft 365. Empty: every service.",
    "user": "Only users whose name contains this, in Detail. Empty: every user.",
    "prices": "Your price list (CSV or .xlsx; a bare name is next to this workbook) for Build invoices, Reconcile "
    "and Margin. A billed SKU it lacks stops Build invoices before writing anything (each SKU listed once).",
    "mapping": f"Xarios-to-Atria product mapping for Reconcile. Empty: the {MAPPING_SHEET} sheet; or a CSV or "
    ".xlsx file.",
    "allow_open": "Yes: Build invoices also writes a period that is still open, as DRAFT invoices.",
    "tax_rate": "Tax rate for SKUs your price list gives none: 0.20 or 20%; 0 if exempt. Empty: Build invoices "
    "stops before writing anything and lists the SKUs without a rate.",
    "einvoice": "Also write each invoice's e-invoice: ubl (Peppol .xml), facturx (PDF/A-3) or both. Empty: none.",
    "register": f"Buyers' details for e-invoices. Empty: the {REGISTER_SHEET} sheet; or a CSV or .xlsx file.",
    "margin_from": "Any day of the Margin sheet's first period. Empty: twelve closed periods back.",
    "margin_to": "Any day of the Margin sheet's last period. Empty: the latest closed one (open ones are left out).",
    **{
        f"seller_{field}": f"Your {label.removeprefix('Seller ')} on the invoices"
        + (" (lines separated by ;)" if field == "address" else "")
        + ", over [seller] in the settings. Empty: the settings'."
        for field, label in SELLER_FIELDS
    },
    "invoices": "Where Build invoices writes, a folder per period end (Refresh all reads it back). Empty: the "
    "invoices folder next to this workbook.",
}

#: The drop-down lists: setting -> (list, prompt).
CHOICES = {
    "period": (f'=INDIRECT("{TARGETS["periods"].table}[period_end]")', "Pick a billing period's end date."),
    "customer": (f'=INDIRECT("{TARGETS["customers"].table}[customer_name]")', "Pick a customer, or leave it empty."),
    "billable_only": ("Yes,No", "Yes: billable items only."),
    "allow_open": ("Yes,No", "Yes: DRAFT invoices for an open period."),
    "einvoice": (",".join(FORMATS), "ubl, facturx or both; empty for none."),
}


def build_control(book: OpenpyxlBook) -> None:
    """Lay out the Control sheet: settings with help and drop-downs, then the buttons and what each does."""
    control = book.sheet(CONTROL)
    control.put("A1", "Settings: fill the shaded cells, then press a button on the Billing tab", Look(
        bold=True, size=14, colour=NAVY))  # fmt: skip
    control.row_height(1, 22)
    line = Line("thin", "BFBFBF")
    for row, (key, label) in enumerate(PARAMETERS.items(), start=FIRST_ROW):
        book.write(CONTROL, f"A{row}", label)
        book.write(CONTROL, f"C{row}", HELP[key])
        control.style(f"A{row}", Look(bold=True, vertical="top", bottom=line))
        control.style(f"B{row}", Look(fill=FILL, vertical="top", bottom=line))
        control.style(f"C{row}", Look(wrap=True, vertical="top", colour="404040", bottom=line))
        lines = wrapped_lines(HELP[key], WIDTHS["C"])
        if lines > 1:
            control.row_height(row, 15 * lines)
    row_of = {key: FIRST_ROW + n for n, key in enumerate(PARAMETERS)}
    control.style(f"B{row_of['period']}", Look(number_format=DATE_FORMAT))
    for key, (choices, prompt) in CHOICES.items():
        book.validate_list(CONTROL, f"B{row_of[key]}", choices, prompt)
    for key in ("billable_only", "allow_open"):
        book.write(CONTROL, f"B{row_of[key]}", NO)
    last = _buttons(book, FIRST_ROW + len(PARAMETERS) + 1)
    control.widths(WIDTHS)
    control.freeze(f"A{FIRST_ROW}")
    control.print_fitted("A:C", area=f"A1:C{last}", title_rows="1:1")


def buttons() -> list[tuple[str, str, str]]:
    """Each button of the Billing tab: its group, its name and what it does, as the ribbon says."""
    root = ElementTree.parse(shipped("macros", "customUI.xml")).getroot()  # noqa: S314 - our own file
    return [
        (str(group.get("label")), str(button.get("label")), str(button.get("supertip")))
        for group in root.iter(f"{RIBBON}group")
        for button in group.iter(f"{RIBBON}button")
    ]


def _buttons(book: OpenpyxlBook, top: int) -> int:
    """The Billing tab's buttons from row ``top``, under their group's name: each name and what the button does;
    the last row."""
    control = book.sheet(CONTROL)
    control.put(f"A{top}", "The Billing tab's buttons", Look(bold=True, size=12, colour=NAVY))
    row, seen = top, ""
    for group, name, does in buttons():
        if group != seen:  # the ribbon's group, then its buttons
            row, seen = row + 1, group
            control.put(f"A{row}", group, Look(bold=True, colour=NAVY))
        row += 1
        book.write(CONTROL, f"A{row}", name)
        book.write(CONTROL, f"B{row}", does)
        control.merge(f"B{row}:C{row}")
        control.style(f"B{row}", Look(wrap=True, vertical="top"))
        control.style(f"A{row}", Look(vertical="top"))
        lines = wrapped_lines(does, WIDTHS["B"] + WIDTHS["C"])
        if lines > 1:
            control.row_height(row, 15 * lines)
    return row
