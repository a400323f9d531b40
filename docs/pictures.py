"""Render the pictures the README shows from the demo's real output: an invoice, the reconciliation summary
and the billing workbook's Overview (its first page), each printed by LibreOffice and turned into a PNG by
pdftoppm.

Run from the repository root: .venv/bin/python docs/pictures.py   (needs soffice and pdftoppm)
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

from xlbilling._demo import run_demo
from xlbilling._invoices.pdf import find_soffice, run_libreoffice

PICTURES = Path(__file__).parent / "pages"
"""Where the pictures go: the docs site's pages folder, which the README's pictures also point into."""
TODAY = date(2026, 11, 21)


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        result = run_demo(folder / "demo", today=TODAY, say=lambda line: None)
        invoices = folder / "demo" / "invoices" / str(result.period)
        invoice = sorted(invoices.glob("Northwind Channel*.xlsx"))[0]
        reconciliation = folder / "demo" / f"reconciliation-{result.period}.xlsx"
        for source, name in ((invoice, "invoice"), (reconciliation, "reconciliation"), (result.workbook, "overview")):
            print(_first_page(source, folder, PICTURES / f"{name}.png"))


def _first_page(workbook: Path, folder: Path, png: Path) -> Path:
    """The first page of ``workbook`` as printed by LibreOffice, as the PNG ``png``."""
    profile = (folder / "profile").absolute().as_uri()
    first_page = 'pdf:calc_pdf_Export:{"PageRange":{"type":"string","value":"1"}}'  # not the 300 pages of data
    command = [find_soffice(), f"-env:UserInstallation={profile}", "--headless", "--convert-to", first_page,
               "--outdir", str(folder), str(workbook)]  # fmt: skip
    run_libreoffice(command, 300)
    pdf = folder / workbook.with_suffix(".pdf").name
    stem = folder / png.stem
    pages = ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)]
    subprocess.run(pages, check=True)
    shutil.move(str(stem.with_suffix(".png")), png)
    return png


if __name__ == "__main__":
    main()
