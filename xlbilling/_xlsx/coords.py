"""Cell coordinates as Excel writes them: column letters, ``A1`` cells and ``A1:D9`` ranges."""

from __future__ import annotations

from openpyxl.utils.cell import coordinate_from_string, get_column_letter, range_boundaries


def column_letter(index: int) -> str:
    """The letters of column ``index`` (1 is ``A``, 28 is ``AB``)."""
    return str(get_column_letter(index))


def split_cell(cell: str) -> tuple[str, int]:
    """The column letters and row number of ``cell`` (``B12`` gives ``("B", 12)``)."""
    column, row = coordinate_from_string(cell)
    return str(column), int(row)


def taller(ref: str, rows: int) -> str:
    """The range ``ref`` with ``rows`` more rows at its bottom (fewer when negative): ``A3:D9``, 1 gives ``A3:D10``."""
    left, top, right, bottom = bounds(ref)
    return f"{column_letter(left)}{top}:{column_letter(right)}{bottom + rows}"


def bounds(ref: str) -> tuple[int, int, int, int]:
    """``min_col, min_row, max_col, max_row`` of the range ``ref`` (``A1:D9``; one cell is a range too)."""
    min_col, min_row, max_col, max_row = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
    assert min_col is not None and min_row is not None and max_col is not None and max_row is not None
    return min_col, min_row, max_col, max_row
