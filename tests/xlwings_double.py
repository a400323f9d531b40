"""A stand-in for a live Excel book, offering only attributes xlwings' own classes have (a test checks
that, and mypy checks ``XlwingsBook`` against xlwings' typed API). Cells live in a dict per sheet."""

from __future__ import annotations

import re
from typing import Any

from openpyxl.utils.cell import column_index_from_string, get_column_letter


class App:
    """``xlwings.App``: message boxes and the status bar are recorded."""

    def __init__(self) -> None:
        self.alerts: list[tuple[str, str | None, str | None]] = []
        self.status_bar: str | bool = False

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None,
              callback: str | None = None) -> str | None:  # fmt: skip
        self.alerts.append((prompt, title, mode))
        return None


class Range:
    """``xlwings.Range`` over a rectangle of a sheet's cells."""

    def __init__(self, sheet: Sheet, row: int, column: int, rows: int = 1, columns: int = 1) -> None:
        self.sheet, self.row, self.column, self.rows, self.columns = sheet, row, column, rows, columns
        self._ndim: int | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows, self.columns

    @property
    def address(self) -> str:
        first = f"${get_column_letter(self.column)}${self.row}"
        last = f"${get_column_letter(self.column + self.columns - 1)}${self.row + self.rows - 1}"
        return first if self.shape == (1, 1) else f"{first}:{last}"

    def get_address(self, row_absolute: bool = True, column_absolute: bool = True, include_sheetname: bool = False,
                    external: bool = False) -> str:  # fmt: skip
        """Absolute addresses only; ``external`` as Excel writes it: ``[Book1.xlsx]Sheet1!$B$7``."""
        assert row_absolute and column_absolute
        if not (external or include_sheetname):
            return self.address
        where = f"[{self.sheet.book.name}]{self.sheet.name}" if external else self.sheet.name
        return (f"'{where}'" if " " in where else where) + f"!{self.address}"

    def options(self, ndim: int | None = None, **_: Any) -> Range:
        copy = Range(self.sheet, self.row, self.column, self.rows, self.columns)
        copy._ndim = ndim
        return copy

    @property
    def value(self) -> Any:
        grid = [
            [self.sheet.cells.get((r, c)) for c in range(self.column, self.column + self.columns)]
            for r in range(self.row, self.row + self.rows)
        ]
        if self._ndim == 2 or (self.rows > 1 and self.columns > 1):
            return grid
        if self.shape == (1, 1):
            return grid[0][0]
        return [v for row in grid for v in row]

    @value.setter
    def value(self, data: Any) -> None:
        rows = data if isinstance(data, list) and data and isinstance(data[0], list) else [[data]]
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                self.sheet.cells[(self.row + r, self.column + c)] = value

    @property
    def number_format(self) -> str:
        return self.sheet.formats.get((self.row, self.column), "General")

    @number_format.setter
    def number_format(self, value: str) -> None:
        for r in range(self.row, self.row + self.rows):
            for c in range(self.column, self.column + self.columns):
                self.sheet.formats[(r, c)] = value

    def merge(self, across: bool = False) -> None:
        self.sheet.merges.append((self.row, self.column, self.rows, self.columns))

    def _merges(self) -> list[Range]:
        return [
            Range(self.sheet, *merge) for merge in self.sheet.merges
            if merge[0] < self.row + self.rows and self.row < merge[0] + merge[2]
            and merge[1] < self.column + self.columns and self.column < merge[1] + merge[3]
        ]  # fmt: skip

    @property
    def formula(self) -> Any:
        """Excel's Formula: a cell's formula, or its value as text; rows of them for a larger range."""
        columns = range(self.column, self.column + self.columns)
        grid = tuple(
            tuple("" if (v := self.sheet.cells.get((r, c))) is None else str(v) for c in columns)
            for r in range(self.row, self.row + self.rows)
        )
        return grid[0][0] if self.shape == (1, 1) else grid

    @property
    def merge_cells(self) -> bool | None:
        """Excel's MergeCells: True when every cell is merged, False when none is, None (Null) when mixed."""
        merged = sum(
            1 for r in range(self.row, self.row + self.rows) for c in range(self.column, self.column + self.columns)
            if Range(self.sheet, r, c)._merges()
        )  # fmt: skip
        return False if merged == 0 else True if merged == self.rows * self.columns else None

    @property
    def merge_area(self) -> Range:
        found = self._merges()
        return found[0] if found else self

    def resize(self, row_size: int | None = None, column_size: int | None = None) -> Range:
        return Range(self.sheet, self.row, self.column, row_size or self.rows, column_size or self.columns)

    def offset(self, row_offset: int = 0, column_offset: int = 0) -> Range:
        return Range(self.sheet, self.row + row_offset, self.column + column_offset, self.rows, self.columns)

    def clear_contents(self) -> None:
        for r in range(self.row, self.row + self.rows):
            for c in range(self.column, self.column + self.columns):
                self.sheet.cells.pop((r, c), None)

    @property
    def last_cell(self) -> Range:
        return Range(self.sheet, self.row + self.rows - 1, self.column + self.columns - 1)

    def __getitem__(self, key: tuple[int, int]) -> Range:
        return Range(self.sheet, self.row + key[0], self.column + key[1])


class Table:
    """``xlwings.main.Table`` (a ListObject)."""

    def __init__(self, name: str, source: Range) -> None:
        self.name = name
        self.range = source
        self.show_totals = False

    def resize(self, range: Range) -> None:
        self.range = range


class Tables:
    """``xlwings.main.Tables``."""

    def __init__(self) -> None:
        self._tables: list[Table] = []

    def __iter__(self) -> Any:
        return iter(list(self._tables))

    def add(self, source: Range | None = None, name: str | None = None, source_type: str | None = None,
            link_source: bool | None = None, has_headers: bool = True, destination: Range | None = None,
            table_style_name: str = "TableStyleMedium2") -> Table:  # fmt: skip
        assert source is not None and name is not None
        table = Table(name, source)
        self._tables.append(table)
        return table


class Sheet:
    """``xlwings.Sheet``."""

    def __init__(self, name: str, book: Book | None = None) -> None:
        self.name = name
        self._book = book
        self.cells: dict[tuple[int, int], Any] = {}
        self.formats: dict[tuple[int, int], str] = {}
        self.merges: list[tuple[int, int, int, int]] = []  # row, column, rows, columns
        self.tables = Tables()

    @property
    def book(self) -> Book:
        assert self._book is not None, "a sheet made on its own belongs to no book"
        return self._book

    @property
    def used_range(self) -> Range:
        """From A1 to the last row and column holding a value (A1 alone on an empty sheet)."""
        filled = [key for key, value in self.cells.items() if value is not None]
        return Range(self, 1, 1, max((r for r, _ in filled), default=1), max((c for _, c in filled), default=1))

    def range(self, cell1: str, cell2: str | None = None) -> Range:
        match = re.fullmatch(r"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?", cell1.replace("$", "").upper())
        assert match is not None
        column, row = column_index_from_string(match[1]), int(match[2])
        if match[3]:
            last_column, last_row = column_index_from_string(match[3]), int(match[4])
            return Range(self, row, column, last_row - row + 1, last_column - column + 1)
        return Range(self, row, column)


class Sheets:
    """``xlwings.main.Sheets``."""

    def __init__(self, names: list[str], book: Book | None = None) -> None:
        self._book = book
        self._sheets = [Sheet(name, book) for name in names]

    def __iter__(self) -> Any:
        return iter(list(self._sheets))

    def __getitem__(self, key: int | str) -> Sheet:
        if isinstance(key, int):
            return self._sheets[key]
        return next(sheet for sheet in self._sheets if sheet.name.lower() == key.lower())

    def add(self, name: str | None = None, before: Sheet | None = None, after: Sheet | None = None) -> Sheet:
        sheet = Sheet(name or f"Sheet{len(self._sheets) + 1}", self._book)
        self._sheets.append(sheet)
        return sheet


class Book:
    """``xlwings.Book``."""

    def __init__(self, fullname: str, sheet_names: list[str]) -> None:
        self.fullname = fullname
        self.app = App()
        self.sheets = Sheets(sheet_names, self)
        self.saved_to: list[str | None] = []

    @property
    def name(self) -> str:
        return self.fullname.replace("\\", "/").rsplit("/", 1)[-1]

    def save(self, path: str | None = None, password: str | None = None) -> None:
        self.saved_to.append(path)
