"""How a sheet xlbilling designs looks, in plain words: cell looks, merges, widths, frozen rows, pictures, print.

The billing and invoice templates and the reconciliation workbook are laid out through ``Sheet`` (from
``OpenpyxlBook.sheet``), so the modules that design them name fonts, fills and page settings without
knowing openpyxl.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from openpyxl.chart.text import RichText
from openpyxl.drawing.image import Image
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RichTextProperties
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils.cell import column_index_from_string, get_column_letter
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.hyperlink import Hyperlink

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

PAGE_WIDTH = {False: 523.0, True: 770.0}
"""Points across an A4 page inside 0.5-inch side margins: portrait (False), landscape (True)."""
CHARACTER = 7.1
"""Points a column one character wide takes on paper at 100%, measured in LibreOffice with DejaVu Sans standing
in for Calibri (the widest stand-in; Excel's Calibri is narrower, so its pages print larger)."""
SMALLEST_TEXT = 7.0
"""The smallest text a sheet is printed with, in points."""
LAST_ROW = 1048576
"""A print area down to the sheet's last row prints as far as its filled rows: a table may grow."""
DEFAULT_WIDTH = 8.43
"""A column's width when none is set (Excel's default), in characters."""


def paper(width: float, text: float = 11) -> tuple[bool, int | None]:
    """How to print columns ``width`` characters wide whose smallest text is ``text`` points, so it prints at
    ``SMALLEST_TEXT`` or more: ``(landscape, None)``, one page wide (portrait when it fits), or ``(True,
    scale)``, landscape at ``scale`` percent over as many pages across as it needs."""
    for landscape in (False, True):
        if PAGE_WIDTH[landscape] / (width * CHARACTER) * text >= SMALLEST_TEXT:
            return landscape, None
    return True, ceil(SMALLEST_TEXT / text * 100)


@dataclass(frozen=True)
class Line:
    """One edge of a cell's border: ``thin``, ``double``... in a colour (hex ``RRGGBB``)."""

    style: str = "thin"
    colour: str = "000000"


@dataclass(frozen=True)
class Look:
    """What a cell looks like. Only what is named changes: a look with only ``fill`` keeps the cell's font.

    Font: ``font`` (name), ``size``, ``bold``, ``italic``, ``colour``; ``fill`` (solid, hex); alignment:
    ``align`` (left, right, center), ``vertical`` (top, bottom), ``wrap``, ``indent``; border: ``top``,
    ``bottom``; ``number_format`` (Excel's code, e.g. ``#,##0.00``).
    """

    font: str | None = None
    size: float | None = None
    bold: bool = False
    italic: bool = False
    colour: str | None = None
    fill: str | None = None
    align: str | None = None
    vertical: str | None = None
    wrap: bool = False
    indent: int = 0
    top: Line | None = None
    bottom: Line | None = None
    number_format: str | None = None

    def apply(self, cell: Any) -> None:
        """Give an openpyxl ``cell`` this look."""
        if self.font or self.size or self.bold or self.italic or self.colour:
            kept = cell.font  # what the look does not name stays: a bold look keeps the font's name and size
            cell.font = Font(
                name=self.font or kept.name, size=self.size or kept.sz, bold=self.bold or kept.b or None,
                italic=self.italic or kept.i or None, color=self.colour or kept.color, underline=kept.u,
            )  # fmt: skip
        if self.fill:
            cell.fill = PatternFill("solid", fgColor=self.fill)
        if self.align or self.vertical or self.wrap or self.indent:
            cell.alignment = Alignment(
                horizontal=self.align, vertical=self.vertical, wrap_text=self.wrap or None, indent=self.indent
            )
        if self.top or self.bottom:
            edges = {"top": self.top, "bottom": self.bottom}
            cell.border = Border(
                **{edge: Side(style=line.style, color=line.colour) for edge, line in edges.items() if line}
            )
        if self.number_format:
            cell.number_format = self.number_format


class Sheet:
    """One worksheet of a workbook xlbilling designs (a template, the reconciliation)."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws

    @property
    def title(self) -> str:
        """The sheet's name on its tab."""
        return str(self.ws.title)

    @property
    def last_row(self) -> int:
        """The last row that holds anything."""
        return int(self.ws.max_row)

    def value(self, cell: str) -> Any:
        """The value of one cell."""
        return self.ws[cell].value

    def put(self, cell: str, value: Any, look: Look | None = None) -> None:
        """Put ``value`` in ``cell`` exactly as given (text starting with ``=`` is a formula: never pass API
        text here, use ``OpenpyxlBook.write``), with ``look``."""
        self.ws[cell].value = value
        if look is not None:
            look.apply(self.ws[cell])

    def array(self, cell: str, formula: str, look: Look | None = None) -> None:
        """Put an array formula (``=SMALL(IF(...),1)``, entered with Ctrl+Shift+Enter in Excel 2016) in ``cell``."""
        self.put(cell, ArrayFormula(cell, formula), look)

    def link(self, cell: str, text: str, sheet: str, target: str = "A1") -> None:
        """Put ``text`` in ``cell`` as a link to ``target`` on ``sheet`` in the same workbook."""
        self.ws[cell].value = text
        self.ws[cell].hyperlink = Hyperlink(ref=cell, location=f"'{sheet}'!{target}", display=text)
        self.ws[cell].font = Font(color="0563C1", underline="single")

    def hide_column(self, column: str) -> None:
        """Hide ``column`` on screen and on paper (a helper column of formulas)."""
        self.ws.column_dimensions[column].hidden = True

    def style(self, cells: str, look: Look) -> None:
        """Give ``look`` to ``cells`` (``A1`` or ``A1:C4``)."""
        for row in self.ws[cells] if ":" in cells else [[self.ws[cells]]]:
            for cell in row:
                look.apply(cell)

    def merge(self, cells: str) -> None:
        """Merge ``cells`` (``A1:C1``) into one."""
        self.ws.merge_cells(cells)

    def widths(self, widths: dict[str, float]) -> None:
        """Set each column's width (column letters to characters)."""
        for column, width in widths.items():
            self.ws.column_dimensions[column].width = width

    def row_height(self, row: int, height: float) -> None:
        """Set ``row``'s height in points."""
        self.ws.row_dimensions[row].height = height

    def hide_row(self, row: int) -> None:
        """Hide ``row`` on screen and on paper."""
        self.ws.row_dimensions[row].hidden = True

    def freeze(self, cell: str) -> None:
        """Keep the rows above and the columns left of ``cell`` in view while scrolling."""
        self.ws.freeze_panes = cell

    def hide_gridlines(self) -> None:
        """Show the sheet without gridlines, as a printed page."""
        self.ws.sheet_view.showGridLines = False

    def picture(self, path: Path, cell: str, width: int, height: int) -> None:
        """Place the picture at ``path`` with its top-left corner on ``cell``, ``width`` by ``height`` pixels."""
        image = Image(str(path))
        image.width, image.height = width, height
        self.ws.add_image(image, cell)

    def width(self, columns: str) -> float:
        """How many characters wide the columns ``columns`` (``A:H``) are together."""
        first, _, last = columns.partition(":")
        span = range(column_index_from_string(first), column_index_from_string(last or first) + 1)
        return sum(self.ws.column_dimensions[get_column_letter(c)].width or DEFAULT_WIDTH for c in span)

    def print_fitted(
        self, columns: str, *, title_rows: str | None = None, title_columns: str | None = None, footer: str = "&F",
        text: float = 11, area: str | None = None, pages_tall: int = 0, centred: bool = False,
        width: float | None = None,
    ) -> None:  # fmt: skip
        """Print the columns ``columns`` (``A:H``; ``area`` when only some rows or several ranges) as their width
        (``width`` characters when given, for columns a refresh fits later) allows (see ``paper``): one page
        wide, portrait or landscape, when the ``text`` point text stays readable; otherwise landscape at a
        readable scale over several pages across, ``title_columns`` repeated at the left of each (with
        ``pages_tall`` then ignored)."""
        landscape, scale = paper(width or self.width(columns), text)
        first, _, last = columns.partition(":")
        self.print_setup(
            area=area or f"{first}1:{last or first}{LAST_ROW}", title_rows=title_rows,
            title_columns=title_columns if scale else None, landscape=landscape,
            pages_tall=0 if scale else pages_tall, scale=scale, footer=footer, centred=centred,
        )  # fmt: skip

    def print_setup(self, **settings: Unpack[PrintSettings]) -> None:
        """How the sheet prints: see ``print_setup``."""
        print_setup(self.ws, **settings)


class PrintSettings(TypedDict, total=False):
    """``print_setup``'s settings, by name."""

    area: str | None
    title_rows: str | None
    title_columns: str | None
    landscape: bool
    pages_tall: int
    scale: int | None
    footer: str
    centred: bool
    margin: float


CHART_TEXT = 11
"""Points of a chart's labels, axes and legend: as big as the cells' text, so they print as readable."""


def chart_text(chart: Any, points: float = CHART_TEXT) -> None:
    """Give ``chart``'s axes, data labels and legend text of ``points`` points (a chart's own default, 10 pt,
    prints smaller than the cells around it)."""

    def sized() -> RichText:
        props = CharacterProperties(sz=round(points * 100))
        paragraph = Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)
        return RichText(bodyPr=RichTextProperties(wrap="none"), p=[paragraph])  # a label on one line

    for part in (chart.x_axis, chart.y_axis, chart.dataLabels, chart.legend):
        if part is not None:
            part.txPr = sized()


def footer_text(text: str) -> str:
    """``text`` as a header or footer shows it: an ampersand doubled (a single one starts a code such as
    ``&P``)."""
    return text.replace("&", "&&")


def print_setup(
    ws: Any,
    *,
    area: str | None = None,
    title_rows: str | None = None,
    title_columns: str | None = None,
    landscape: bool = False,
    pages_tall: int = 0,
    scale: int | None = None,
    footer: str = "&F",
    centred: bool = False,
    margin: float = 0.5,
) -> None:
    """Print the worksheet ``ws`` (also a write-only one) on A4: one page wide (and ``pages_tall`` pages tall;
    0: as many as it needs), or at ``scale`` percent over as many pages across as it needs (then each row band
    is printed across before the next); only ``area`` when given (ranges separated by commas each start on
    a new page); ``title_rows`` (``1:3``) atop every page and ``title_columns`` (``A:B``) at the left of every
    page. The footer names the workbook and period (``footer``: header and footer text, ``&F`` the file
    name; see ``footer_text``) on the left, and "Page n of m  ·  the sheet" on the right. ``margin``:
    the left and right margins, in inches."""
    if area is not None:
        ws.print_area = area
    if title_rows is not None:
        ws.print_title_rows = title_rows
    if title_columns is not None:
        ws.print_title_cols = title_columns
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4 if hasattr(ws, "PAPERSIZE_A4") else "9"
    if scale is None:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = pages_tall
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        ws.page_setup.scale = scale
        ws.page_setup.pageOrder = "overThenDown"
    ws.print_options.horizontalCentered = centred or None
    ws.page_margins.left = ws.page_margins.right = margin
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.left.text = footer  # as big as the text, and scaled with it (LibreOffice always scales it)
    ws.oddFooter.right.text = "Page &P of &N  ·  &A"
