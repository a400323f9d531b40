"""Generate ``templates/invoice.xlsx`` and ``templates/logo.png``, the default invoice template.

Run ``python -m xlbilling.invoices.shipped [FOLDER]`` to recreate them. The generated workbook is an
ordinary Excel file: edit it in Excel (move placeholders, restyle, change the logo) and pass it to
``xlbilling report --template``. The seller block and bank details are ``{{ seller.* }}`` placeholders,
filled from the ``[seller]`` settings; the logo is the sample's, replaced by the seller's ``logo`` setting.
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image as PilImage
from PIL import ImageDraw, ImageFont

from xlbilling.files import atomic_path

NAVY = "1F3864"
PALE = "E8EDF5"
FONT = "Calibri"
MONEY = "#,##0.00"
QUANTITY = "General"  # "#,##0.####" shows "12." for whole numbers in Excel
DATE = "dd mmm yyyy"
SELLER = (
    "{{ seller.name }}",
    "{{ seller.address }}",
    "{{ seller.contact }}",
    "{{ seller.registration }}",
)
THIN = Side(style="thin", color="8EA0C0")
HEADER = {"font": Font(name=FONT, size=10, bold=True, color="FFFFFF"), "fill": PatternFill("solid", fgColor=NAVY)}


def make_logo(path: Path) -> None:
    """Draw the placeholder company logo (a navy badge and the name) as a PNG."""
    image = PilImage.new("RGBA", (560, 160), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 160, 160), radius=28, fill="#" + NAVY)
    draw.text((80, 82), "NW", fill="white", font=ImageFont.load_default(size=80), anchor="mm")
    draw.text((185, 45), "NORTHWIND", fill="#" + NAVY, font=ImageFont.load_default(size=58), anchor="lm")
    draw.text((187, 112), "managed services", fill="#5A6B8C", font=ImageFont.load_default(size=34), anchor="lm")
    with atomic_path(path) as temp:
        image.save(temp, format="PNG")


def make_template(folder: Path) -> Path:
    """Write ``logo.png`` and ``invoice.xlsx`` into ``folder`` and return the template's path."""
    logo = folder / "logo.png"
    make_logo(logo)
    book = Workbook()
    invoice = book.active
    assert invoice is not None
    invoice.title = "Invoice"
    _invoice_sheet(invoice, logo)
    _list_sheet(
        book.create_sheet("Users"),
        "Users and services: {{ bill_to.name }}, {{ invoice.period_name }}",
        [("Customer", 28, "{{ user.customer }}", None), ("User", 40, "{{ user.user_name }}", None),
         ("Service", 34, "{{ user.service }}", None), ("SKU", 14, "{{ user.sku }}", None),
         ("Start", 12, "{{ user.start_date }}", DATE), ("End", 12, "{{ user.end_date }}", DATE),
         ("Duration %", 13, "{{ user.duration_percent }}", "0.00"), ("Billable", 10, "{{ user.billable }}", None)],
    )  # fmt: skip
    _list_sheet(
        book.create_sheet("Changes"),
        "Changes since last period: {{ bill_to.name }}, {{ invoice.period_name }}",
        [("Customer", 28, "{{ change.customer }}", None), ("SKU", 14, "{{ change.sku }}", None),
         ("Description", 40, "{{ change.description }}", None), ("Last period", 12, "{{ change.last_count }}", "0"),
         ("This period", 12, "{{ change.this_count }}", "0"), ("Difference", 12, "{{ change.difference }}", "+0;-0;0")],
    )  # fmt: skip
    for name, ref in (("InvoiceNumber", "$F$8"), ("InvoiceSubtotal", "$G$21"), ("InvoiceTax", "$G$23"),
                      ("InvoiceTotal", "$G$24")):  # fmt: skip
        book.defined_names[name] = DefinedName(name, attr_text=f"Invoice!{ref}")
    path = folder / "invoice.xlsx"
    with atomic_path(path) as temp:
        book.save(temp)
    return path


def _put(sheet: Worksheet, ref: str, value: object, **style: object) -> None:
    cell = sheet[ref]
    cell.value = value
    cell.font = style.pop("font", Font(name=FONT, size=10))
    for key, item in style.items():
        setattr(cell, key, item)


def _invoice_sheet(sheet: Worksheet, logo: Path) -> None:
    for column, width in zip("ABCDEFG", (14, 42, 24, 10, 12, 10, 14), strict=True):
        sheet.column_dimensions[column].width = width
    picture = Image(str(logo))
    picture.width, picture.height = 210, 60
    sheet.add_image(picture, "A1")
    right = Alignment(horizontal="right")
    for row, text in enumerate(SELLER, start=1):
        sheet.merge_cells(f"D{row}:G{row}")
        _put(sheet, f"D{row}", text, alignment=right, font=Font(name=FONT, size=11 if row == 1 else 9,
             bold=row == 1, color=NAVY if row == 1 else "404040"))  # fmt: skip
    _put(sheet, "A6", "{{ invoice.title }}", font=Font(name=FONT, size=22, bold=True, color=NAVY))
    sheet.row_dimensions[6].height = 32
    label = Font(name=FONT, size=9, color="5A6B8C")
    _put(sheet, "A8", "BILL TO", font=Font(name=FONT, size=9, bold=True, color="5A6B8C"))
    sheet.merge_cells("A9:C9")
    _put(sheet, "A9", "{{ bill_to.name }}", font=Font(name=FONT, size=11, bold=True))
    sheet.merge_cells("A10:C13")
    _put(sheet, "A10", "{{ bill_to.address }}", alignment=Alignment(wrap_text=True, vertical="top"))
    _put(sheet, "A14", "Account {{ bill_to.account_code }}", font=label)
    details = (
        ("Invoice number", "{{ invoice.number }}", None),
        ("Issue date", "{{ invoice.issue_date }}", DATE),
        ("Due date", "{{ invoice.due_date }}", DATE),
        ("Payment terms", "{{ seller.payment_terms }}", None),
        ("Service period", "{{ invoice.period }}", None),
        ("Currency", "{{ invoice.currency }}", None),
    )
    for row, (name, value, number_format) in enumerate(details, start=8):
        _put(sheet, f"E{row}", name, font=label)
        sheet.merge_cells(f"F{row}:G{row}")
        _put(sheet, f"F{row}", value, alignment=Alignment(horizontal="left"),
             font=Font(name=FONT, size=10, bold=row == 8), number_format=number_format or "General")  # fmt: skip
    sheet.merge_cells("A15:G15")
    _put(sheet, "A15", "Billing basis: {{ invoice.basis }}.", font=Font(name=FONT, size=9, italic=True))
    titles = ("SKU", "Description", "Customer", "Quantity", "Unit price", "VAT rate", "Net")
    for column, title in zip("ABCDEFG", titles, strict=True):
        _put(sheet, f"{column}17", title, alignment=Alignment(horizontal="right" if column > "C" else "left"),
             **HEADER)  # fmt: skip
    line = (("{{ line.sku }}", "General"), ("{{ line.description }}", "General"), ("{{ line.customer }}", "General"),
            ("{{ line.quantity }}", QUANTITY), ("{{ line.unit_price }}", MONEY), ("{{ line.tax_rate }}", "0%"),
            ("=ROUND(D18*E18,2)", MONEY))  # fmt: skip
    for column, (value, number_format) in zip("ABCDEFG", line, strict=True):
        _put(sheet, f"{column}18", value, number_format=number_format, border=Border(bottom=THIN),
             alignment=Alignment(vertical="top", wrap_text=column in "BC"))  # fmt: skip
    italic = Font(name=FONT, size=10, italic=True)
    _put(sheet, "B19", "Subtotal {{ group.customer_name }}", font=italic)
    _put(sheet, "G19", "=SUBTOTAL(9,G18:G18)", number_format=MONEY, font=Font(name=FONT, size=10, bold=True),
         border=Border(top=THIN))  # fmt: skip
    # One row per VAT rate, then the total. Row 23 is the invoice's total tax (the defined name InvoiceTax):
    # a hidden helper row, so the printed invoice does not repeat the tax of a single rate.
    totals = (
        (21, "Subtotal", None, "=ROUND(SUBTOTAL(9,G18:G19),2)"),
        (22, "VAT at", "{{ tax.rate }}", "=ROUND(SUMIF($F$18:$F$19,F22,$G$18:$G$19)*F22,2)"),
        (23, "Total VAT", None, "=ROUND(SUM(G22:G22),2)"),
        (24, "Total ({{ invoice.currency }})", None, "=ROUND(G21+G23,2)"),
    )
    for row, name, middle, formula in totals:
        bold = Font(name=FONT, size=11 if row == 24 else 10, bold=row in (21, 24))
        _put(sheet, f"E{row}", name, font=bold, alignment=Alignment(horizontal="right"))
        if middle:  # the rate, one indent away from its label
            indented = Alignment(horizontal="left", indent=1)
            _put(sheet, f"F{row}", middle, number_format="0%", font=bold, alignment=indented)
        _put(sheet, f"G{row}", formula, number_format=MONEY, font=bold)
    sheet.row_dimensions[23].hidden = True
    sheet.merge_cells("E24:F24")  # "Total (GBP)" in one cell, never run together
    for column in "EFG":
        sheet[f"{column}24"].fill = PatternFill("solid", fgColor=PALE)
        sheet[f"{column}24"].border = Border(top=THIN, bottom=Side(style="double", color=NAVY))
    _put(sheet, "A26", "Notes", font=Font(name=FONT, size=10, bold=True))
    notes = (
        "Please pay by the due date by bank transfer to {{ seller.bank }}, quoting {{ invoice.number }}.",
        "Users and services are listed on the Users sheet; changes since last period on the Changes sheet.",
    )
    for row, text in enumerate(notes, start=27):
        sheet.merge_cells(f"A{row}:G{row}")
        _put(sheet, f"A{row}", text, alignment=Alignment(wrap_text=True, vertical="top"))
        sheet.row_dimensions[row].height = 28
    sheet.sheet_view.showGridLines = False
    _print_setup(sheet, "A1:G28", "17:17", landscape=False)
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4


def _list_sheet(sheet: Worksheet, title: str, columns: list[tuple[str, int, str, str | None]]) -> None:
    _put(sheet, "A1", title, font=Font(name=FONT, size=13, bold=True, color=NAVY))
    last = chr(ord("A") + len(columns) - 1)
    for index, (name, width, value, number_format) in enumerate(columns):
        column = chr(ord("A") + index)
        sheet.column_dimensions[column].width = width
        # text one indent in from the left, so it never runs into a right-aligned number before it
        left = Alignment(horizontal="left", indent=1 if index else 0)
        align = left if number_format is None else Alignment(horizontal="right")
        _put(sheet, f"{column}3", name, alignment=align, **HEADER)
        _put(sheet, f"{column}4", value, number_format=number_format or "General", border=Border(bottom=THIN),
             alignment=align)  # fmt: skip
    sheet.freeze_panes = "A4"
    _print_setup(sheet, f"A1:{last}4", "3:3", landscape=True)
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4


def _print_setup(sheet: Worksheet, area: str, title_rows: str, *, landscape: bool) -> None:
    sheet.print_area = area
    sheet.print_title_rows = title_rows
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.left.text = "&8&F"  # the file name: the customer, account code and any DRAFT/SAMPLE mark
    sheet.oddFooter.center.text = "&8Page &P of &N"
    sheet.oddFooter.right.text = "&8&A"


def main() -> None:
    """Write the template into the folder given on the command line (default: ./templates)."""
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "templates")
    print(make_template(folder))


if __name__ == "__main__":
    main()
