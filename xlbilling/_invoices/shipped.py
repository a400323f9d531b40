"""Generate ``templates/invoice.xlsx`` and ``templates/logo.png``, the default invoice template.

Run ``python -m xlbilling._invoices.shipped [FOLDER]`` to recreate them. The generated workbook is an
ordinary Excel file: edit it in Excel (move placeholders, restyle, change the logo) and pass it to
``xlbilling report --template``. The seller block and bank details are ``{{ seller.* }}`` placeholders,
filled from the ``[seller]`` settings; the logo is the sample's, replaced by the seller's ``logo`` setting.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from PIL import Image as PilImage
from PIL import ImageDraw, ImageFont

from xlbilling._files import atomic_path
from xlbilling._xlsx.book import OpenpyxlBook
from xlbilling._xlsx.look import Line, Look, Sheet, footer_text

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
THIN = Line("thin", "8EA0C0")
WIDTHS = (10, 32, 20, 9, 13, 10, 12)
"""The invoice sheet's columns A to G: about 106 characters, so its 10 pt text prints at 7 pt or more on A4
portrait even in a wider stand-in font (LibreOffice without Calibri)."""
MARGIN = 0.4
"""Left and right page margins, in inches."""
FOOTER = footer_text("{{ invoice.number }}  ·  {{ bill_to.name }}  ·  {{ invoice.period_name }}")
"""Every printed page names the invoice, whom it bills and the period (never the workbook's file name)."""
TEXT = Look(font=FONT, size=10)
HEADER = Look(font=FONT, size=10, bold=True, colour="FFFFFF", fill=NAVY)


def make_logo(path: Path) -> None:
    """Draw the placeholder company logo (a navy badge and the name) as a PNG."""
    image = PilImage.new("RGBA", (560, 160), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 160, 160), radius=28, fill="#" + NAVY)
    draw.text((80, 82), "EX", fill="white", font=ImageFont.load_default(size=80), anchor="mm")
    draw.text((185, 45), "EXAMPLE MSP", fill="#" + NAVY, font=ImageFont.load_default(size=50), anchor="lm")
    draw.text((187, 112), "managed services", fill="#5A6B8C", font=ImageFont.load_default(size=34), anchor="lm")
    with atomic_path(path) as temp:
        image.save(temp, format="PNG")


def make_template(folder: Path) -> Path:
    """Write ``logo.png`` and ``invoice.xlsx`` into ``folder`` and return the template's path."""
    logo = folder / "logo.png"
    make_logo(logo)
    book = OpenpyxlBook.new()
    _invoice_sheet(book.sheet("Invoice"), logo)
    _list_sheet(
        book.sheet("Users"),
        "Users and services: {{ bill_to.name }}, {{ invoice.period_name }}",
        [("Customer", 28, "{{ user.customer }}", None), ("User", 40, "{{ user.user_name }}", None),
         ("Service", 34, "{{ user.service }}", None), ("SKU", 14, "{{ user.sku }}", None),
         ("Start", 12, "{{ user.start_date }}", DATE), ("End", 12, "{{ user.end_date }}", DATE),
         ("Duration %", 13, "{{ user.duration_percent }}", "0.00"), ("Billable", 10, "{{ user.billable }}", None)],
    )  # fmt: skip
    _list_sheet(
        book.sheet("Changes"),
        "Changes since last period: {{ bill_to.name }}, {{ invoice.period_name }}",
        [("Customer", 28, "{{ change.customer }}", None), ("SKU", 14, "{{ change.sku }}", None),
         ("Description", 40, "{{ change.description }}", None), ("Last period", 12, "{{ change.last_count }}", "0"),
         ("This period", 12, "{{ change.this_count }}", "0"), ("Difference", 12, "{{ change.difference }}", "+0;-0;0")],
    )  # fmt: skip
    for name, ref in (("InvoiceNumber", "$F$8"), ("InvoiceSubtotal", "$G$21"), ("InvoiceTax", "$G$23"),
                      ("InvoiceTotal", "$G$24")):  # fmt: skip
        book.define_name(name, f"Invoice!{ref}")
    return book.save(folder / "invoice.xlsx")


def _put(sheet: Sheet, ref: str, value: object, **look: object) -> None:
    """``value`` in ``ref`` in the template's font (Calibri 10 unless ``look`` says otherwise)."""
    sheet.put(ref, value, Look(**{"font": FONT, "size": 10, **look}))  # type: ignore[arg-type]


def _invoice_sheet(sheet: Sheet, logo: Path) -> None:
    sheet.widths(dict(zip("ABCDEFG", WIDTHS, strict=True)))
    sheet.picture(logo, "A1", 210, 60)
    for row, text in enumerate(SELLER, start=1):
        sheet.merge(f"D{row}:G{row}")
        _put(sheet, f"D{row}", text, align="right", size=11 if row == 1 else 10, bold=row == 1,
             colour=NAVY if row == 1 else "404040")  # fmt: skip
    _put(sheet, "A6", "{{ invoice.title }}", size=22, bold=True, colour=NAVY)
    sheet.row_height(6, 32)
    label = {"size": 10, "colour": "5A6B8C"}
    _put(sheet, "A8", "BILL TO", bold=True, **label)
    sheet.merge("A9:C9")
    _put(sheet, "A9", "{{ bill_to.name }}", size=11, bold=True)
    sheet.merge("A10:C13")
    _put(sheet, "A10", "{{ bill_to.address }}", wrap=True, vertical="top")
    for row in range(10, 14):  # room for six address lines (a unit, a street, town, county, post code, country)
        sheet.row_height(row, 18)
    _put(sheet, "A14", "Account {{ bill_to.account_code }}", **label)
    details = (
        ("Invoice number", "{{ invoice.number }}", None),
        ("Issue date", "{{ invoice.issue_date }}", DATE),
        ("Due date", "{{ invoice.due_date }}", DATE),
        ("Payment terms", "{{ seller.payment_terms }}", None),
        ("Service period", "{{ invoice.period }}", None),
        ("Currency", "{{ invoice.currency }}", None),
    )
    for row, (name, value, number_format) in enumerate(details, start=8):
        _put(sheet, f"E{row}", name, **label)
        sheet.merge(f"F{row}:G{row}")
        _put(sheet, f"F{row}", value, align="left", bold=row == 8, number_format=number_format or "General")
    sheet.merge("A15:G15")
    _put(sheet, "A15", "Billing basis: {{ invoice.basis }}.", italic=True)
    titles = ("SKU", "Description", "Customer", "Quantity", "Unit price", "VAT rate", "Net")
    for column, title in zip("ABCDEFG", titles, strict=True):
        sheet.put(f"{column}17", title, replace(HEADER, align="right" if column > "C" else "left"))
    line = (("{{ line.sku }}", "General"), ("{{ line.description }}", "General"), ("{{ line.customer }}", "General"),
            ("{{ line.quantity }}", QUANTITY), ("{{ line.unit_price }}", MONEY), ("{{ line.tax_rate }}", "0%"),
            ("=ROUND(D18*E18,2)", MONEY))  # fmt: skip
    for column, (value, number_format) in zip("ABCDEFG", line, strict=True):
        _put(sheet, f"{column}18", value, number_format=number_format, bottom=THIN, vertical="top",
             wrap=column in "BC")  # fmt: skip
    _put(sheet, "B19", "Subtotal {{ group.customer_name }}", italic=True)
    _put(sheet, "G19", "=SUBTOTAL(9,G18:G18)", number_format=MONEY, bold=True, top=THIN)
    # One row per VAT rate, then the total. Row 23 is the invoice's total tax (the defined name InvoiceTax):
    # a hidden helper row, so the printed invoice does not repeat the tax of a single rate.
    totals = (
        (21, "Subtotal", None, "=ROUND(SUBTOTAL(9,G18:G19),2)"),
        (22, "VAT at", "{{ tax.rate }}", "=ROUND(SUMIF($F$18:$F$19,F22,$G$18:$G$19)*F22,2)"),
        (23, "Total VAT", None, "=ROUND(SUM(G22:G22),2)"),
        (24, "Total ({{ invoice.currency }})", None, "=ROUND(G21+G23,2)"),
    )
    for row, name, middle, formula in totals:
        bold = {"size": 11 if row == 24 else 10, "bold": row in (21, 24)}
        _put(sheet, f"E{row}", name, align="right", **bold)
        if middle:  # the rate, one indent away from its label
            _put(sheet, f"F{row}", middle, number_format="0%", align="left", indent=1, **bold)
        _put(sheet, f"G{row}", formula, number_format=MONEY, **bold)
    sheet.hide_row(23)
    sheet.merge("E24:F24")  # "Total (GBP)" in one cell, never run together
    sheet.style("E24:G24", Look(fill=PALE, top=THIN, bottom=Line("double", NAVY)))
    _put(sheet, "A26", "Notes", bold=True)
    notes = (
        "Please pay by the due date by bank transfer to {{ seller.bank }}, quoting {{ invoice.number }}.",
        "The users and services of the period (Users) and the changes since last period (Changes) are attached.",
    )
    for row, text in enumerate(notes, start=27):
        sheet.merge(f"A{row}:G{row}")
        _put(sheet, f"A{row}", text, wrap=True, vertical="top")
        sheet.row_height(row, 28)
    sheet.hide_gridlines()
    sheet.print_setup(area="A1:G28", title_rows="17:17", footer=FOOTER, centred=True, margin=MARGIN)


def _list_sheet(sheet: Sheet, title: str, columns: list[tuple[str, int, str, str | None]]) -> None:
    _put(sheet, "A1", title, size=13, bold=True, colour=NAVY)
    last = chr(ord("A") + len(columns) - 1)
    for index, (name, width, value, number_format) in enumerate(columns):
        column = chr(ord("A") + index)
        sheet.widths({column: width})
        # text one indent in from the left, so it never runs into a right-aligned number before it
        align = {"align": "left", "indent": 1 if index else 0} if number_format is None else {"align": "right"}
        sheet.put(f"{column}3", name, replace(HEADER, size=11, **align))
        _put(sheet, f"{column}4", value, number_format=number_format or "General", bottom=THIN, size=11,
             vertical="top", wrap=number_format is None, **align)  # fmt: skip
    sheet.freeze("A4")
    sheet.print_setup(area=f"A1:{last}4", title_rows="3:3", landscape=True, footer=FOOTER, centred=True, margin=MARGIN)


def main() -> None:
    """Write the template into the folder given on the command line (default: ./templates)."""
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "templates")
    print(make_template(folder))


if __name__ == "__main__":
    main()
