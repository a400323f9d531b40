"""How a sheet xlbilling designs looks, in plain words: cell looks, merges, widths, frozen rows, pictures, print.

The billing and invoice templates and the reconciliation workbook are laid out through ``Sheet`` (from
``OpenpyxlBook.sheet``), so the modules that design them name fonts, fills and page settings without
knowing openpyxl.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet


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
            cell.font = Font(
                name=self.font, size=self.size, bold=self.bold or None, italic=self.italic or None, color=self.colour
            )
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

    def print_setup(
        self,
        *,
        area: str | None = None,
        title_rows: str | None = None,
        landscape: bool = False,
        pages_tall: int = 0,
        file_name_footer: bool = False,
        centred: bool = False,
    ) -> None:
        """Print on A4 one page wide (and ``pages_tall`` pages tall; 0: as many as it needs), only ``area``
        when given, repeating ``title_rows`` (``1:3``) atop every page; the footer shows "Page n of m" and
        the sheet's name, and the file's name on the left with ``file_name_footer``."""
        ws = self.ws
        if area is not None:
            ws.print_area = area
        if title_rows is not None:
            ws.print_title_rows = title_rows
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = pages_tall
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = centred or None
        ws.page_margins.left = ws.page_margins.right = 0.5
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        if file_name_footer:
            ws.oddFooter.left.text = "&8&F"  # the file name: the customer, account code and any DRAFT/SAMPLE mark
        ws.oddFooter.center.text = "&8Page &P of &N"
        ws.oddFooter.right.text = "&8&A"
