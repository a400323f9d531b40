"""PDFs printed in chunks: relative folders, one LibreOffice profile per process, a failed chunk fails
only its own invoices, progress per chunk. A stand-in ``soffice`` script records how it was called."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from xlbilling._errors import DataError
from xlbilling._invoices.pdf import convert

FAKE = """#!{python}
import json, sys, time
from pathlib import Path
args = sys.argv[1:]
out = Path(args[args.index("--outdir") + 1])
names = args[args.index("--outdir") + 2:]
with open({log!r}, "a") as log:
    log.write(json.dumps({{"profile": args[0], "outdir": str(out), "names": names}}) + "\\n")
if any("Hang" in name for name in names):
    time.sleep(60)
for name in names:
    (out / Path(name).with_suffix(".pdf").name).write_bytes(b"%PDF-1.4 printed from " + Path(name).name.encode())
"""


def fake_soffice(folder: Path) -> tuple[str, Path]:
    log = folder / "calls.jsonl"
    script = folder / "soffice"
    script.write_text(FAKE.format(python=sys.executable, log=str(log)))
    script.chmod(0o755)
    return str(script), log


def workbooks(folder: Path, names: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"PK workbook")
    return [folder / name for name in names]


def test_relative_folders_chunks_and_a_profile_per_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    soffice, log = fake_soffice(tmp_path)
    monkeypatch.chdir(tmp_path)
    names = [f"Customer {number} - C{number}.xlsx" for number in range(5)]
    books = workbooks(Path("invoices", "2026-11-30"), names)  # relative, as `report --pdf` gives by default
    seen: list[tuple[int, int]] = []
    made = convert(soffice, books, workers=2, chunk=2, progress=lambda step: seen.append((step.done, step.total)))
    assert list(made) == books
    for book in books:
        pdf = made[book]
        assert isinstance(pdf, Path) and pdf.read_bytes() == b"%PDF-1.4 printed from " + book.name.encode()
        assert (tmp_path / book.with_suffix(".pdf")).is_file()
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(len(call["names"]) for call in calls) == [1, 2, 2]
    profiles = [call["profile"] for call in calls]
    assert all(p.startswith("-env:UserInstallation=file:///") for p in profiles) and len(set(profiles)) == 3
    assert all(Path(name).is_absolute() for call in calls for name in call["names"])
    assert len(seen) == 3 and seen[-1] == (5, 5), "one progress report per chunk"
    assert [done for done, _ in seen] == sorted({done for done, _ in seen}), "counts only grow"
    assert not list(Path("invoices", "2026-11-30").glob(".xlbilling-pdf-*")), "temporary folders are removed"


def test_a_chunk_past_its_timeout_fails_only_its_own_invoices(tmp_path: Path) -> None:
    soffice, _ = fake_soffice(tmp_path)
    books = workbooks(tmp_path / "out", ["A Ltd - A1.xlsx", "Hang Ltd - H1.xlsx", "B Ltd - B1.xlsx", "C Ltd - C1.xlsx"])
    made = convert(soffice, books, chunk=2, timeout=5)  # "Hang" never ends; the others take well under 5 s
    failed = [made[book] for book in books[:2]]
    assert all(isinstance(error, DataError) for error in failed)
    assert str(failed[0]).startswith("LibreOffice took more than 5 s to print 2 invoices to PDF and was stopped.")
    assert not books[0].with_suffix(".pdf").exists() and not books[1].with_suffix(".pdf").exists()
    for book in books[2:]:
        assert made[book] == book.with_suffix(".pdf") and book.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


def test_libreoffice_that_cannot_start_fails_every_chunk_with_the_install_hint(tmp_path: Path) -> None:
    books = workbooks(tmp_path, ["A Ltd - A1.xlsx", "B Ltd - B1.xlsx"])
    made = convert(str(tmp_path / "no-soffice"), books, chunk=1)
    assert all(isinstance(made[book], DataError) for book in books)
    assert all("Install LibreOffice" in str(made[book]) for book in books)
