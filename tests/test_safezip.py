"""Detail ZIPs are untrusted: read in memory, within limits, refusing bombs and escaping names."""

from __future__ import annotations

import io
import zipfile

import pytest

from xlbilling._apis.safezip import ZipLimits, read_members
from xlbilling._errors import DataError


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_normal_zip_is_read_in_memory() -> None:
    members = read_members(make_zip({"a.json": b"{}", "a.csv": b"id\n1\n"}), "test ZIP")
    assert members == {"a.json": b"{}", "a.csv": b"id\n1\n"}


def test_zip_bomb_is_refused_while_reading() -> None:
    bomb = make_zip({"big.csv": b"0" * (50 * 1024 * 1024)})  # 50 MB of zeros packs to ~50 KB
    assert len(bomb) < 200_000
    with pytest.raises(DataError, match=r"inflates beyond \d+ bytes \(a ZIP bomb\?\)"):
        read_members(bomb, "The detail ZIP")


@pytest.mark.parametrize("name", ["../evil.csv", "data/../../evil.csv", "/etc/passwd", "..\\evil.csv", "C:evil"])
def test_names_that_climb_out_are_refused(name: str) -> None:
    with pytest.raises(DataError, match="points outside its folder"):
        read_members(make_zip({name: b"x"}), "The detail ZIP")


def test_too_many_members() -> None:
    blob = make_zip({f"f{i}.csv": b"x" for i in range(5)})
    with pytest.raises(DataError, match="holds 5 files; at most 3"):
        read_members(blob, "The detail ZIP", ZipLimits(max_members=3))


def test_not_a_zip() -> None:
    with pytest.raises(DataError, match="is not a ZIP file"):
        read_members(b"<html>error</html>", "The detail ZIP")


def test_total_size_limit() -> None:
    blob = make_zip({"a.csv": b"a" * 3000, "b.csv": b"b" * 3000})
    with pytest.raises(DataError, match="unpacks to more than 5000 bytes"):
        read_members(blob, "The detail ZIP", ZipLimits(max_total_bytes=5000))
