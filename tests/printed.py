"""Print a workbook as LibreOffice does and read the pages back, as a reader holding them would check them:
the smallest text on each page, the sheet each page shows (named in its footer, beside "Page n of m"), and
whether every value of the printed cells shows in full (not cut off by the next cell or the edge of the
printed area, not ``###``).

``print_problems(path, folder)`` lists what a reader would find wrong; an empty list means every sheet
printed with text of at least ``SMALLEST`` points and nothing cut off.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from tests.real_workbooks import libreoffice_convert

PRINT_TIMEOUT = 900.0
"""Seconds LibreOffice may take to print a workbook: the demo's billing workbook is some 300 pages (about 20 s
alone, minutes on a machine shared with other test runs)."""
SMALLEST = 7.0
"""The smallest text a printed page may hold, in points."""
LONGEST_CHECKED = 5
"""How many of each column's longest distinct texts are looked for on paper (the first to be cut off)."""
_TOKEN = re.compile(
    rb"(?P<cm>(?:-?[\d.]+\s+){6})cm\b|(?P<tm>(?:-?[\d.]+\s+){6})Tm\b|/[^\s/\[\]<>(){}]+\s+(?P<tf>-?[\d.]+)\s+Tf\b"
    rb"|/(?P<do>[^\s/\[\]<>(){}]+)\s+Do\b|(?<![\w.])(?P<push>q)(?![\w.])|(?<![\w.])(?P<pop>Q)(?![\w.])"
    rb"|(?<![\w.])(?P<bt>BT)(?![\w.])"
)


@dataclass
class Page:
    """One printed page: its number (from 1), its text as pdftotext reads it, the smallest font on it
    (points, after every scaling) and the sheet its footer names."""

    number: int
    text: str
    smallest: float | None
    sheet: str | None = None
    cut: list[str] = field(default_factory=list)
    """Words drawn past the edge of the area LibreOffice clips the page's cells to (shown cut off)."""


@dataclass
class Printed:
    """A workbook printed to PDF: its pages, and each sheet's pages."""

    pdf: Path
    pages: list[Page]
    sheets: dict[str, list[Page]] = field(default_factory=dict)


def print_workbook(path: Path, folder: Path) -> Printed:
    """Print ``path`` with LibreOffice (headless) into ``folder`` and read each page back."""
    pdf = libreoffice_convert(path, folder, "pdf", PRINT_TIMEOUT)
    if pdf is None:
        raise RuntimeError(f"LibreOffice did not print {path.name}")
    texts = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    words = _words(pdf)
    pages = [
        Page(n, texts[n - 1] if n <= len(texts) else "", _smallest(page), cut=_cut(page, words.get(n, [])))
        for n, page in enumerate(reader.pages, 1)
    ]
    names = sorted(load_workbook(path, read_only=True).sheetnames, key=len, reverse=True)
    printed = Printed(pdf, pages)
    for page in pages:
        footer = next((line for line in page.text.splitlines() if f"Page {page.number} of {len(pages)}" in line), "")
        page.sheet = next((name for name in names if footer.rstrip().endswith(name)), None)
        if page.sheet is not None:
            printed.sheets.setdefault(page.sheet, []).append(page)
    return printed


def print_problems(path: Path, folder: Path, smallest: float = SMALLEST) -> list[str]:
    """What is wrong with ``path`` on paper: a page with text under ``smallest`` points, a page whose footer
    does not say "Page n of m" and the sheet, a sheet that prints no page, a number shown as ``###``, or one
    of a printed column's longest texts not shown whole. Empty: it prints well."""
    return problems_of(path, print_workbook(path, folder), smallest)


def problems_of(path: Path, printed: Printed, smallest: float = SMALLEST) -> list[str]:
    """What is wrong with the workbook at ``path`` as ``printed`` (see ``print_problems``)."""
    problems = []
    for page in printed.pages:
        if page.smallest is not None and page.smallest < smallest:
            problems.append(f"page {page.number} ({page.sheet}): text of {page.smallest:g} pt")
        if page.sheet is None:
            problems.append(f"page {page.number}: no footer naming the page and the sheet")
        if "###" in page.text:
            problems.append(f"page {page.number} ({page.sheet}): a number too wide for its column (###)")
        if page.cut:
            problems.append(f"page {page.number} ({page.sheet}): cut off at the edge: {' '.join(page.cut[:5])}")
    book = load_workbook(path)
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue
        pages = printed.sheets.get(ws.title)
        if not pages:
            problems.append(f"{ws.title}: printed no page")
            continue
        shown = _squeezed("".join(page.text for page in pages))
        for text in _longest_texts(ws):
            if _squeezed(text) not in shown:
                problems.append(f"{ws.title}: {text!r} is not printed whole")
    return problems


def _squeezed(text: str) -> str:
    """``text`` without white space (a wrapped cell breaks its lines at spaces)."""
    return re.sub(r"\s+", "", text)


def _longest_texts(ws: Worksheet) -> list[str]:
    """The longest distinct texts of each printed, visible column (formulas and hidden rows left out)."""
    found = []
    for left, top, right, bottom in _printed_ranges(ws):
        for column in range(left, right + 1):
            letter = get_column_letter(column)
            if ws.column_dimensions[letter].hidden:
                continue
            texts = {
                str(value)
                for row in range(top, bottom + 1)
                if not ws.row_dimensions[row].hidden
                for value in [ws.cell(row=row, column=column).value]
                if isinstance(value, str) and value.strip() and not value.startswith("=")
            }
            found += sorted(texts, key=len, reverse=True)[:LONGEST_CHECKED]
    return found


def _printed_ranges(ws: Worksheet) -> list[tuple[int, int, int, int]]:
    """(left, top, right, bottom) of each range the sheet prints: its print areas, else its used range."""
    areas = ws.print_area if isinstance(ws.print_area, list) else [ws.print_area] if ws.print_area else []
    ranges = []
    for area in areas or [ws.dimensions]:
        ref = area.split("!")[-1].replace("$", "")
        left, top, right, bottom = range_boundaries(ref)
        ranges.append(
            (left or 1, top or 1, min(right or ws.max_column, ws.max_column), min(bottom or ws.max_row, ws.max_row))
        )
    return ranges


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
_CLIP = re.compile(rb"(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+re\s+W\*?\s+n")
Word = tuple[float, float, float, float, str]


def _words(pdf: Path) -> dict[int, list[Word]]:
    """Each page's words with their boxes (x from the left, y from the top, in points), as pdftotext reads them."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages: dict[int, list[Word]] = {}
    for number, chunk in enumerate(bbox.split("<page ")[1:], start=1):
        height = float(re.search(r'height="([\d.]+)"', chunk).group(1))  # type: ignore[union-attr]
        pages[number] = [
            (float(x0), height - float(y1), float(x1), height - float(y0), text)
            for x0, y0, x1, y1, text in _WORD.findall(chunk)
        ]  # fmt: skip
    return pages


def _cut(page: Any, words: list[Word]) -> list[str]:
    """The words that run past the right edge of the innermost clipping rectangle they start in: LibreOffice
    draws a cell's whole text and clips it to the printed area, so such a word is cut off on paper."""
    contents = page.get_contents()
    data = contents.get_data() if contents is not None else b""
    width = float(page.mediabox.width)
    rects = [(x, y, x + w, y + h) for x, y, w, h in ((float(v) for v in m.groups()) for m in _CLIP.finditer(data))]
    rects = [rect for rect in rects if rect[2] - rect[0] < width - 1]  # not the whole page
    cut = []
    for left, bottom, right, top, text in words:
        middle = (bottom + top) / 2
        inside = [r for r in rects if r[0] <= left + 0.5 <= r[2] and r[1] <= middle <= r[3]]
        if inside and right > min(inside, key=lambda r: (r[2] - r[0]) * (r[3] - r[1]))[2] + 1:
            cut.append(text)
    return cut


def _smallest(page: Any) -> float | None:
    """The smallest font size drawn on a pypdf ``page``, in points: each ``Tf`` size scaled by the text
    matrix and the transformations around it, in the page's content and the forms it draws."""
    sizes: list[float] = []
    contents = page.get_contents()
    _sizes(contents.get_data() if contents is not None else b"", page.get("/Resources"), 1.0, sizes)
    return min(sizes) if sizes else None


def _sizes(data: bytes, resources: Any, scale: float, sizes: list[float]) -> None:
    stack: list[float] = []
    text_scale, font = 1.0, None
    for token in _TOKEN.finditer(data):
        kind = token.lastgroup
        if kind == "bt":
            text_scale, font = 1.0, None
        elif kind == "push":
            stack.append(scale)
        elif kind == "pop" and stack:
            scale = stack.pop()
        elif kind == "cm":
            scale *= _det(token.group("cm"))
        elif kind == "tm":
            text_scale = _det(token.group("tm"))
            if font is not None:
                sizes.append(round(font * text_scale * scale, 2))
        elif kind == "tf":
            font = abs(float(token.group("tf")))
            sizes.append(round(font * text_scale * scale, 2))
        elif kind == "do" and resources is not None:
            xobjects = resources.get_object().get("/XObject")
            form = xobjects.get_object().get("/" + token.group("do").decode()) if xobjects else None
            form = form.get_object() if form is not None else None
            if form is not None and form.get("/Subtype") == "/Form":
                matrix = [float(v) for v in form.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                inner = scale * abs(matrix[0] * matrix[3] - matrix[1] * matrix[2]) ** 0.5
                _sizes(form.get_data(), form.get("/Resources", resources), inner, sizes)


def _det(numbers: bytes) -> float:
    """The scale of a PDF matrix ``a b c d e f``: the square root of its determinant."""
    a, b, c, d = (float(v) for v in numbers.split()[:4])
    return abs(a * d - b * c) ** 0.5
