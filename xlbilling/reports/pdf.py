"""PDF copies of invoice workbooks, printed by LibreOffice headless (``soffice --convert-to pdf``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from xlbilling.errors import DataError
from xlbilling.reports.in_use import replacing

_KNOWN_PLACES = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)
INSTALL_HINT = (
    "Install LibreOffice (https://www.libreoffice.org/download; Debian/Ubuntu: sudo apt install libreoffice-calc; "
    "macOS: brew install --cask libreoffice), or run without --pdf."
)


def find_soffice() -> str:
    """The path of LibreOffice's ``soffice`` program; ``DataError`` saying how to install it when absent."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    for place in _KNOWN_PLACES:
        if Path(place).is_file():
            return place
    raise DataError("PDF output needs LibreOffice, which was not found on this computer.", INSTALL_HINT)


def convert(soffice: str, workbooks: list[Path], timeout: float = 600) -> dict[Path, Path | DataError]:
    """Write ``name.pdf`` beside each workbook (through a temporary folder, then renamed into place) and
    return, per workbook, its PDF or the ``DataError`` saying why there is none (LibreOffice printed none,
    or the earlier PDF could not be replaced: it is then left as it was). ``DataError`` when LibreOffice
    cannot run at all."""
    if not workbooks:
        return {}
    folder = workbooks[0].parent
    with tempfile.TemporaryDirectory(prefix=".xlbilling-pdf-", dir=folder) as temp:
        profile = Path(temp, "profile").as_uri()  # a private profile: works while LibreOffice is open
        command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                   "--outdir", temp, *map(str, workbooks)]  # fmt: skip
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise DataError(f"LibreOffice could not print the invoices to PDF ({error}).", INSTALL_HINT) from None
        return {workbook: _move(Path(temp, workbook.with_suffix(".pdf").name), workbook) for workbook in workbooks}


def _move(produced: Path, workbook: Path) -> Path | DataError:
    """Put the PDF LibreOffice printed beside ``workbook``; the error when there is none or it cannot go there."""
    target = workbook.with_suffix(".pdf")
    if not produced.is_file():
        return DataError(
            f"LibreOffice did not produce {target.name}.",
            "Open the workbook in LibreOffice to see why, or run without --pdf.",
        )
    try:
        with replacing(target):
            os.replace(produced, target)
    except DataError as error:
        return error
    return target
