"""Read an untrusted ZIP (a Xarios detail download) in memory, within limits, never touching the disk."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from xlbilling._errors import DataError

_HINT = "The download is not a normal Xarios detail file; fetch it again or ask Xarios support."


@dataclass(frozen=True)
class ZipLimits:
    """How much an untrusted ZIP may hold."""

    max_members: int = 16
    max_member_bytes: int = 64 * 1024 * 1024
    max_total_bytes: int = 256 * 1024 * 1024
    max_ratio: int = 200


def read_members(data: bytes, what: str, limits: ZipLimits | None = None) -> dict[str, bytes]:
    """Return ``{name: content}`` for every file in the ZIP ``data``.

    Refuses (``DataError`` naming ``what``) a file that is not a ZIP, too many members, a member name
    that is absolute or climbs out with ``..``, and anything that inflates beyond the size or
    compression-ratio limits, checked while reading (declared sizes are not trusted).
    """
    limits = limits or ZipLimits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DataError(f"{what} is not a ZIP file.", _HINT) from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > limits.max_members:
            raise DataError(f"{what} holds {len(infos)} files; at most {limits.max_members} are allowed.", _HINT)
        members: dict[str, bytes] = {}
        total = 0
        for info in infos:
            _check_name(info.filename, what)
            content = _read_bounded(archive, info, limits, what)
            total += len(content)
            if total > limits.max_total_bytes:
                raise DataError(f"{what} unpacks to more than {limits.max_total_bytes} bytes.", _HINT)
            members[info.filename] = content
    return members


def _check_name(name: str, what: str) -> None:
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
        raise DataError(f"{what} holds a file named '{name}' that points outside its folder; refused.", _HINT)


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ZipLimits, what: str) -> bytes:
    ceiling = min(limits.max_member_bytes, max(info.compress_size, 1024) * limits.max_ratio)
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(1024 * 1024):
                size += len(chunk)
                if size > ceiling:
                    raise DataError(
                        f"{what}: '{info.filename}' inflates beyond {ceiling} bytes (a ZIP bomb?); refused.", _HINT
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise DataError(f"{what}: '{info.filename}' is damaged ({error}).", _HINT) from None
    return b"".join(chunks)
