"""PDF copies of invoice workbooks, printed by LibreOffice headless (``soffice --convert-to pdf``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from xlbilling._errors import DataError
from xlbilling._files import replacing
from xlbilling._progress import Progress, Step

_KNOWN_PLACES = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)
INSTALL_HINT = (
    "Install LibreOffice (https://www.libreoffice.org/download; Debian/Ubuntu: sudo apt install libreoffice-calc; "
    "macOS: brew install --cask libreoffice), or run without --pdf."
)
PDFA = 'pdf:calc_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"3"}}'
"""LibreOffice's export to PDF/A-3b (with its XMP metadata and sRGB OutputIntent): what Factur-X is made from."""
CHUNK = 100
"""Workbooks per LibreOffice call: about 20 s of printing at 0.2 s each, far inside ``CHUNK_TIMEOUT``."""
CHUNK_TIMEOUT = 300.0
"""Seconds one LibreOffice call may take before its chunk's invoices are marked failed."""


def find_soffice() -> str:
    """The path of LibreOffice's ``soffice`` program; ``DataError`` saying how to install it when absent."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    for place in _KNOWN_PLACES:
        if Path(place).is_file():
            return place
    raise DataError("PDF output needs LibreOffice, which was not found on this computer.", INSTALL_HINT)


def convert(
    soffice: str,
    workbooks: list[Path],
    *,
    workers: int = 1,
    chunk: int = CHUNK,
    timeout: float = CHUNK_TIMEOUT,
    progress: Progress | None = None,
    pdfa: bool = False,
) -> dict[Path, Path | DataError]:
    """Write ``name.pdf`` beside each workbook and return, per workbook, its PDF or the ``DataError`` saying
    why there is none (LibreOffice printed none, could not run, or ran past ``timeout`` on its chunk; or the
    earlier PDF could not be replaced: it is then left as it was).

    The workbooks are printed ``chunk`` at a time, by up to ``workers`` LibreOffice processes at once, each
    with a profile of its own; a chunk that fails marks only its own workbooks failed. ``progress`` hears
    "PDFs", done of total, after each chunk. Relative paths are fine. ``pdfa`` prints PDF/A-3b files."""
    paths = [workbook.absolute() for workbook in workbooks]
    chunks = [paths[start : start + chunk] for start in range(0, len(paths), chunk)]
    results: dict[Path, Path | DataError] = {}
    with ThreadPoolExecutor(max(1, min(workers, len(chunks) or 1))) as pool:
        running = [pool.submit(_convert_chunk, soffice, part, timeout, pdfa) for part in chunks]
        for finished in as_completed(running):
            results.update(finished.result())
            if progress is not None:
                progress(Step("PDFs", len(results), len(paths)))
    return {workbook: results[path] for workbook, path in zip(workbooks, paths, strict=True)}


def _convert_chunk(soffice: str, workbooks: list[Path], timeout: float, pdfa: bool) -> dict[Path, Path | DataError]:
    """Print ``workbooks`` (absolute paths, all in one folder) in one LibreOffice call with a private
    profile, through a temporary folder beside them, and move each PDF into place."""
    with tempfile.TemporaryDirectory(prefix=".xlbilling-pdf-", dir=workbooks[0].parent) as temp:
        profile = Path(temp, "profile").as_uri()  # a private profile: works while LibreOffice is open
        command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", PDFA if pdfa else "pdf",
                   "--outdir", temp, *map(str, workbooks)]  # fmt: skip
        try:
            run_libreoffice(command, timeout)
        except subprocess.TimeoutExpired:
            failed = DataError(
                f"LibreOffice took more than {timeout:.0f} s to print {len(workbooks)} invoices to PDF and was "
                "stopped.",
                "Run the same command again; if it happens again, open one of these workbooks in LibreOffice to see "
                "why, or run without --pdf.",
            )
            return dict.fromkeys(workbooks, failed)
        except OSError as error:
            return dict.fromkeys(
                workbooks, DataError(f"LibreOffice could not print the invoices to PDF ({error}).", INSTALL_HINT)
            )
        return {workbook: _move(Path(temp, workbook.with_suffix(".pdf").name), workbook) for workbook in workbooks}


def run_libreoffice(command: list[str], timeout: float) -> None:
    """Run LibreOffice and wait; past ``timeout`` it is stopped with every process it started (``soffice``
    is a launcher), then ``TimeoutExpired`` is raised."""
    with subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=os.name != "nt"
    ) as process:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            if os.name == "nt":
                process.kill()
            else:
                with contextlib.suppress(ProcessLookupError):  # it ended just now
                    os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise


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
