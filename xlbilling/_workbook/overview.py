"""The billing workbook's Overview sheet, first and open when the workbook opens: the answer at a glance.

The period and whether it is closed, when and from where the data was fetched; the money first (what was
invoiced, what leaked and what was billed with no cost behind it, the margin against the previous period);
the invoices written, failed and e-invoiced; the reconciliation's flagged rows, largest first. Every figure is
a formula over the workbook's own tables (the Overview's "What was fetched" table, Built invoices,
Reconciliation, Margin), so it is right after any refresh, headless or live; a figure whose table is not
filled yet, or is for another period, says which button fills it instead of showing 0. Each figure links to
the sheet that explains it. Formulas work in Excel 2016 and later and in LibreOffice: structured references,
SUMIF/COUNTIFS/INDEX/MATCH, and one array formula per flagged row (SMALL over the rows that are not matched,
so the list stays right however the Reconciliation table is sorted).
"""

from __future__ import annotations

import pandas as pd

from xlbilling._workbook import built
from xlbilling._workbook.fetched import COLUMNS as FETCHED_COLUMNS
from xlbilling._workbook.fetched import OVERVIEW, SHEET, TABLE
from xlbilling._workbook.fetched import TITLE as FETCHED_TITLE
from xlbilling._workbook.tables import TARGETS
from xlbilling._xlsx.book import OpenpyxlBook
from xlbilling._xlsx.look import Line, Look, Sheet

NAVY = "1F3864"
GREY = "595959"
WIDTHS: dict[str, float] = {"A": 32, "B": 17, "C": 10, "D": 28, "E": 9, "F": 16}
"""About 112 characters: printed on portrait A4 at 7 pt or more. The words in D run on into E (at most 36
characters)."""
HELPER = "H"
"""A hidden column of helper formulas: each data set's period, whether its figures can be shown."""
FLAGGED_SHOWN = 10
SHEETS = {target.title: target.sheet for target in TARGETS.values()}
"""Each data set's title (as the Fetched table names it) and its sheet."""
MONEY = "#,##0.00"
CHANGE = "+#,##0.00;-#,##0.00;0.00"
POINTS = '+0.0" points";-0.0" points";"no change"'
TITLE = Look(bold=True, size=16, colour=NAVY)
HEADING = Look(bold=True, size=12, colour=NAVY, bottom=Line("thin", NAVY))
VALUE = Look(bold=True, align="right")
WORDS = Look(colour=GREY, indent=1)
WRAPPED = Look(colour=GREY, wrap=True, vertical="top", indent=1)

FETCHED_ROW = 45
"""The first row of the "What was fetched" section: one row per data set below it."""


def _period_of(data: str) -> str:
    return f'IFERROR(INDEX({TABLE}[period_end],MATCH("{data}",{TABLE}[data],0)),"")'


def build_overview(book: OpenpyxlBook) -> None:
    """Lay out the Overview sheet of the billing template (its tables empty until the first refresh)."""
    sheet = book.sheet(OVERVIEW)
    h = HELPER
    sheet.put("A1", "Billing overview", TITLE)
    sheet.put("A2", "Each figure is a formula over this workbook's tables, so it is right after any refresh; the "
                    "links open the sheet behind it. The buttons are on the Billing tab (listed on Control).",
              Look(colour=GREY, wrap=True, vertical="top", indent=1))  # fmt: skip
    sheet.merge("A2:F2")
    sheet.row_height(1, 24)
    sheet.row_height(2, 30)
    # helpers: each data set's period (from "What was fetched"), and why a section cannot show its figures yet
    helpers = {
        4: _period_of("Summary"), 5: _period_of("Reconciliation"), 6: _period_of(built.SHEET),
        7: _period_of("Margin"), 11: "IFERROR(MATCH($B$4,MarginByPeriod[period_end],0),0)",
        8: f'IF({h}6="","Not built yet: press Build invoices",IF({h}6<>$B$4,"Other period: press Build '
           f'invoices",IF(COUNTA({built.TABLE}[workbook])=0,"None built yet: press Build invoices","")))',
        9: f'IF({h}5="","Not reconciled yet: press Reconcile",IF({h}5<>$B$4,"For another period: press Reconcile",""))',
        10: f'IF({h}7="","Not added up yet: press Margin",IF({h}11=0,IF($C$4="still open","Margin leaves out open '
            'periods","Outside the Margin range (Control)"),""))',
    }  # fmt: skip
    for row, formula in helpers.items():
        sheet.put(f"{h}{row}", f"={formula}")
    sheet.hide_column(h)
    _period(sheet)
    _invoiced(sheet, 7)
    _reconciliation(sheet, 16)
    _margin(sheet, 23)
    _flagged(sheet, 31)
    last = _fetched(sheet, FETCHED_ROW)
    sheet.widths(WIDTHS)
    sheet.hide_gridlines()
    sheet.print_fitted("A:F", area=f"A1:F{last}", pages_tall=1, centred=True)
    _fetched_sheet(book)
    book.show_first(OVERVIEW)


def _fetched_sheet(book: OpenpyxlBook) -> None:
    """The Fetched sheet: its table, empty until the first refresh."""
    book.write(SHEET, "A1", FETCHED_TITLE)
    book.write_table(SHEET, TABLE, pd.DataFrame(columns=list(FETCHED_COLUMNS)), "A3")
    sheet = book.sheet(SHEET)
    sheet.style("A1", Look(bold=True))
    sheet.widths({"A": 18, "B": 13, "C": 9, "D": 60, "E": 9, "F": 19})
    sheet.freeze("A4")
    sheet.print_fitted("A:F", title_rows="1:3")


def _fetched(sheet: Sheet, top: int) -> int:
    """One row per data set: its period, rows and when it was refreshed, with a link to its sheet; the last row."""
    _heading(sheet, top, "What was fetched", "Period ending", "Rows", "Refreshed (UTC)")
    sheet.link(f"F{top}", "Sources ›", SHEET)
    row = top
    for title, target in SHEETS.items():
        row += 1
        at = f"MATCH($A{row},{TABLE}[data],0)"
        sheet.put(f"A{row}", title)
        for column, field, shown in (("B", "period_end", "yyyy-mm-dd"), ("C", "rows", "#,##0"),
                                     ("D", "refreshed_utc", "yyyy-mm-dd hh:mm")):  # fmt: skip
            value = f"INDEX({TABLE}[{field}],{at})"
            missing = '"not yet"' if field == "refreshed_utc" else '""'
            sheet.put(f"{column}{row}", f'=IFERROR(IF({value}="","",{value}),{missing})',
                      Look(align="right", number_format=shown))  # fmt: skip
        sheet.link(f"F{row}", f"{target} ›", target)
    return row


def _row(sheet: Sheet, row: int, label: str, value: str, words: str, link: str | None = None, *,
         number: str = MONEY, second: str | None = None, second_format: str | None = None) -> None:  # fmt: skip
    """One figure: its label, value (``number`` format), a second value (currency, previous period) and words."""
    sheet.put(f"A{row}", label)
    sheet.put(f"B{row}", f"={value}", Look(bold=True, align="right", number_format=number))
    if second is not None:
        sheet.put(f"C{row}", f"={second}", Look(align="right", number_format=second_format or "General"))
    sheet.put(f"D{row}", f"={words}", WORDS)
    if link is not None:
        sheet.link(f"F{row}", f"{link} ›", link)


def _heading(sheet: Sheet, row: int, text: str, *columns: str) -> None:
    sheet.put(f"A{row}", text, HEADING)
    sheet.style(f"B{row}:F{row}", Look(bottom=Line("thin", NAVY)))
    for column, header in zip("BCDE", columns, strict=False):
        if header:
            sheet.put(f"{column}{row}", header, Look(bold=True, colour=NAVY, align="right", bottom=Line("thin", NAVY)))


def _period(sheet: Sheet) -> None:
    h = HELPER
    sheet.put("A4", "Billing period ending")
    sheet.put("B4", f'=IF({h}4<>"",{h}4,IF({h}5<>"",{h}5,IF({h}6<>"",{h}6,"not yet")))',
              Look(bold=True, align="right", number_format="yyyy-mm-dd"))  # fmt: skip
    sheet.put("C4", f'=IFERROR(IF(INDEX({TABLE}[closed],MATCH($B$4,{TABLE}[period_end],0)),"closed","still open"),"")',
              Look(align="right"))  # fmt: skip
    sheet.put("D4", '=IF(C4="closed","its figures are final",IF(C4="","Not refreshed yet: press Refresh all",'
                    '"figures may still change"))', WORDS)  # fmt: skip
    sheet.link("F4", "Periods ›", "Periods")
    sheet.put("A5", "Data fetched (UTC)")
    sheet.put("B5", f'=IF(COUNT({TABLE}[refreshed_utc])=0,"not yet",MAX({TABLE}[refreshed_utc]))',
              Look(align="right", number_format="yyyy-mm-dd hh:mm"))  # fmt: skip
    sheet.put("D5", f'=IFERROR("from "&INDEX({TABLE}[source],MATCH(MAX({TABLE}[refreshed_utc]),'
                    f'{TABLE}[refreshed_utc],0)),"")', WRAPPED)  # fmt: skip
    sheet.merge("D5:E5")
    sheet.row_height(5, 30)  # two lines: an address for each API
    sheet.link("F5", "Each data set ›", OVERVIEW, f"A{FETCHED_ROW}")
    sheet.style("B5", Look(bold=False))


def _invoiced(sheet: Sheet, top: int) -> None:
    t, state = built.TABLE, f"${HELPER}$8"
    _heading(sheet, top, "Invoiced (Build invoices)", "", "Currency")
    currency = f'IF({state}<>"","",IFERROR(INDEX({t}[currency],MATCH("*",{t}[currency],0)),""))'
    sums = (("Net", "net", "before VAT"), ("VAT", "vat", "at each line's rate"), ("Gross", "gross", "what is billed"))
    for row, (label, column, words) in enumerate(sums, start=top + 1):
        why = state if row == top + 1 else '""'  # the first row says why there is nothing yet
        _row(sheet, row, label, f'IF({state}<>"","not yet",SUM({t}[{column}]))', f'IF({state}<>"",{why},"{words}")',
             built.SHEET, second=currency)  # fmt: skip
    written = f'COUNTIFS({t}[workbook],"<>failed",{t}[workbook],"<>")'
    _row(sheet, top + 4, "Invoices written", f'IF({state}<>"","not yet",{written})',
         f'IF({state}<>"","",IF(COUNTIF({t}[workbook],"SAMPLE*")>0,"SAMPLES: seller not set (Control)",'
         f'IF(COUNTIF({t}[workbook],"*DRAFT")>0,"DRAFTS: the period is still open","workbooks, and PDFs where '
         'printed")))', built.SHEET, number="0")  # fmt: skip
    failed = f'COUNTIF({t}[workbook],"failed")+COUNTIFS({t}[workbook],"<>failed",{t}[pdf],"failed")'
    _row(sheet, top + 5, "Invoices failed", f'IF({state}<>"","not yet",{failed})',
         f'IF(OR({state}<>"",B{top + 5}=0),"","see their Problem column")', built.SHEET, number="0")  # fmt: skip
    einvoices = f'COUNTIFS({t}[e_invoice],"<>failed",{t}[e_invoice],"<>")'
    missing = f'COUNTIF({t}[e_invoice],"failed")'
    _row(sheet, top + 6, "E-invoices written", f'IF({state}<>"","not yet",{einvoices})',
         f'IF({state}<>"","",IF({missing}>0,{missing}&" not written: see their Problem",'
         f'IF(B{top + 6}=0,"none asked (E-invoice on Control)","UBL and/or Factur-X")))', built.SHEET,
         number="0")  # fmt: skip


def _valued(sign: str) -> str:
    """Words saying what the money at stake of ``sign`` (">0" or "<0") is valued at."""
    r = "Reconciliation"
    at_cost = f'COUNTIFS({r}[money_at_stake],"{sign}",{r}[price_basis],"cost")'
    at_price = f'COUNTIFS({r}[money_at_stake],"{sign}",{r}[price_basis],"price")'
    return (f'IF({at_cost}=0,"valued at your price list",IF({at_price}=0,"valued at Xarios\' cost (no price)",'
            '"at your prices, or Xarios\' cost"))')  # fmt: skip


def _reconciliation(sheet: Sheet, top: int) -> None:
    r, state = "Reconciliation", f"${HELPER}$9"
    _heading(sheet, top, "Reconciliation: Xarios' charges against Atria's billing")
    _row(sheet, top + 1, "Leaked: revenue not billed", f'IF({state}<>"","not yet",SUMIF({r}[money_at_stake],">0"))',
         f'IF({state}<>"",{state},{_valued(">0")})', r)  # fmt: skip
    _row(sheet, top + 2, "Over-billed: no matching cost", f'IF({state}<>"","not yet",-SUMIF({r}[money_at_stake],"<0"))',
         f'IF({state}<>"","",{_valued("<0")})', r)  # fmt: skip
    flagged = f'COUNTIFS({r}[category],"<>matched",{r}[category],"<>")'
    _row(sheet, top + 3, "Customer/SKU pairs flagged", f'IF({state}<>"","not yet",{flagged})',
         f'IF({state}<>"","","of "&COUNTA({r}[category])&" compared")', r, number="0")  # fmt: skip
    unmapped = "COUNTA(UnmappedTenants[tenant_code_ext])+COUNTA(UnmappedProducts[part_number])"
    _row(sheet, top + 4, "Not compared: unmapped", f'IF({state}<>"","not yet",{unmapped})',
         f'IF({state}<>"","","tenants "&COUNTA(UnmappedTenants[tenant_code_ext])&", products "&COUNTA('
         'UnmappedProducts[part_number])&": see Mapping")', r, number="0")  # fmt: skip


def _margin(sheet: Sheet, top: int) -> None:
    state, at = f"${HELPER}$10", f"${HELPER}$11"
    _heading(sheet, top, "Margin (Margin button)", "This period", "Previous", "Change")
    for row, (label, column) in enumerate(
        (("Revenue", "revenue"), ("Cost", "cost"), ("Margin", "margin"), ("Margin %", "margin_pct"),
         ("Leak: revenue not billed", "leak")), start=top + 1,
    ):  # fmt: skip
        percent = column == "margin_pct"
        shown = "0.0%" if percent else MONEY
        value = f'IF({state}<>"","not yet",INDEX(MarginByPeriod[{column}],{at}))'
        previous = f'IF(OR({state}<>"",{at}<2),"",INDEX(MarginByPeriod[{column}],{at}-1))'
        why = state if row == top + 1 else '""'  # the first row says why there is nothing yet
        difference = f"(B{row}-C{row})*100" if percent else f"B{row}-C{row}"
        change = f'IF({state}<>"",{why},IF(C{row}="","no previous period",{difference}))'
        _row(sheet, row, label, value, change, "Margin", number=shown, second=previous, second_format=shown)
        sheet.style(f"D{row}", Look(align="right", number_format=POINTS if percent else CHANGE))


def _flagged(sheet: Sheet, top: int) -> None:
    """The reconciliation's flagged rows, largest money at stake first (the refresh lists them first)."""
    r, state, h = "Reconciliation", f"${HELPER}$9", HELPER
    _heading(sheet, top, "Differences to look at", "SKU", "At stake", "What differs")
    sheet.link(f"F{top}", "Reconciliation ›", r)
    rows = f"ROW({r}[category])-MIN(ROW({r}[category]))+1"
    for n in range(1, FLAGGED_SHOWN + 1):
        row, at = top + n, f"${h}{top + n}"
        sheet.array(
            f"{h}{row}", f'=IFERROR(SMALL(IF({r}[category]<>"matched",IF({r}[category]<>"",{rows},""),""),{n}),"")'
        )
        name = f'IF(INDEX({r}[customer_name],{at})="",INDEX({r}[account_code],{at}),INDEX({r}[customer_name],{at}))'
        sheet.put(f"A{row}", f'=IF({at}="","",{name})', Look(wrap=True, vertical="top"))
        sheet.row_height(row, 30)  # two lines: a long customer name, or what differs, wraps
        sheet.put(f"B{row}", f'=IF({at}="","",INDEX({r}[sku],{at}))', Look(align="right", vertical="top"))
        stake = f"INDEX({r}[money_at_stake],{at})"
        sheet.put(
            f"C{row}",
            f'=IF({at}="","",IF({stake}="","no price",{stake}))',
            Look(align="right", vertical="top", number_format=MONEY),
        )
        sheet.put(
            f"D{row}",
            f'=IF({at}="","",SUBSTITUTE(INDEX({r}[category],{at}),"_"," ")&": Xarios "&'
            f'INDEX({r}[vendor_quantity],{at})&", billed "&INDEX({r}[billed_quantity],{at}))',
            WRAPPED,
        )
        sheet.merge(f"D{row}:E{row}")
    flagged = f'COUNTIFS({r}[category],"<>matched",{r}[category],"<>")'
    last = top + FLAGGED_SHOWN + 1
    sheet.put(f"A{last}", f'=IF({state}<>"",{state},IF({flagged}=0,"No differences: every pair matched.",'
                          f'IF({flagged}>{FLAGGED_SHOWN},"... and "&({flagged}-{FLAGGED_SHOWN})&" more on the '
                          'Reconciliation sheet (differences first).","")))', WORDS)  # fmt: skip
