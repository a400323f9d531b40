"""A workbook file as a package of parts, edited part by part: every part not changed is written back as the
same bytes, in the same order, with the same compression.

``Package`` finds the workbook part, its sheets and their relationships, and adds what a new sheet or table
needs (a part, a relationship, a content type) by inserting text into the raw XML of the parts that list
them, so nothing else in those parts changes either. What it inserts speaks the package's own language: the
namespace prefix of the element it goes into, and the conformance class of the workbook (Transitional, or
Strict with its ``purl.oclc.org`` namespaces and relationship types). Part names are compared without regard
to case, as the Open Packaging Conventions compare them.
"""

from __future__ import annotations

import io
import posixpath
import re
import shutil
import zipfile
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from xlbilling._errors import DataError

TYPES = "[Content_Types].xml"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
OFFICE_DOCUMENT = "/officeDocument"
WORKSHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
TABLE_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
RELS_CONTENT = "application/vnd.openxmlformats-package.relationships+xml"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
STYLES_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
MAX_PART_BYTES = 512 * 1024 * 1024
"""The largest part read into memory (a sheet of several million cells); a larger one is refused."""


def _xml(data: bytes) -> ElementTree.Element:
    # The expat bundled with Python >= 3.11 refuses entity-expansion bombs; no DTDs are loaded.
    return ElementTree.fromstring(data)  # noqa: S314


def elements(data: bytes, local: str) -> list[ElementTree.Element]:
    """Every element named ``local`` in the XML ``data``, whatever its namespace (Transitional or Strict)."""
    return [element for element in _xml(data).iter() if element.tag.rpartition("}")[2] == local]


def rels_part(part: str) -> str:
    """The relationships part of ``part`` (``xl/_rels/workbook.xml.rels`` for ``xl/workbook.xml``)."""
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def resolve(source: str, target: str) -> str:
    """A relationship's target, as a part name, from the part ``source`` ("" for the package itself)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


@dataclass(frozen=True)
class Conformance:
    """The namespaces a workbook's parts are written in: SpreadsheetML's main namespace, and the namespace of
    relationship ids (``r:id``), whose URI also begins every relationship type of the class."""

    main: str
    rels: str

    def type(self, kind: str) -> str:
        """The relationship type ``kind`` (``worksheet``, ``table``, ``styles``) in this class."""
        return f"{self.rels}/{kind}"


TRANSITIONAL = Conformance(MAIN_NS, DOC_RELS_NS)
STRICT = Conformance(
    "http://purl.oclc.org/ooxml/spreadsheetml/main", "http://purl.oclc.org/ooxml/officeDocument/relationships"
)


@dataclass(frozen=True)
class Relationship:
    """One internal relationship of a part: its id, type and target part."""

    id: str
    type: str
    target: str


class Parts(MutableMapping[str, bytes]):
    """The parts of a package by name, in the file's own order: a part is read from the file when first
    asked for, so the parts nobody edits are never held in memory (``changed`` lists the others)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with zipfile.ZipFile(path) as archive:
                self.infos = {info.filename: info for info in archive.infolist()}  # folders too: they are kept
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise DataError(
                f"{path.name} is not a readable Excel workbook ({error}).",
                "Open it in Excel and save it as .xlsx or .xlsm.",
            ) from None
        self._spelled = {name.lower(): name for name in reversed(self.infos)}  # the first of a clash wins
        self._read: dict[str, bytes] = {}
        self.changed: dict[str, bytes] = {}
        self.streams: dict[str, Callable[[], Iterable[bytes]]] = {}

    def spelled(self, name: str) -> str:
        """The name the package gives the part ``name`` (part names are equal without regard to case)."""
        return name if name in self.infos else self._spelled.get(name.lower(), name)

    def stream(self, name: str, make: Callable[[], Iterable[bytes]]) -> None:
        """Give ``name`` the content ``make()`` yields, made only while the package is written."""
        name = self._new(name)
        self.streams[name] = make
        self.changed.pop(name, None)

    def _new(self, name: str) -> str:
        name = self.spelled(name)
        self._spelled.setdefault(name.lower(), name)
        return name

    def __getitem__(self, name: str) -> bytes:
        name = self.spelled(name)
        if name in self.streams:
            self.changed[name] = b"".join(self.streams.pop(name)())
        if name in self.changed:
            return self.changed[name]
        if name not in self._read:
            info = self.infos[name]
            if info.file_size > MAX_PART_BYTES:
                raise DataError(f"{self.path.name}: the part {name} is too large to refresh without Excel.")
            try:
                with zipfile.ZipFile(self.path) as archive:
                    self._read[name] = archive.read(info)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as error:
                raise DataError(f"{self.path.name}: the part {name} cannot be read ({error}).") from None
        return self._read[name]

    def __setitem__(self, name: str, data: bytes) -> None:
        name = self._new(name)
        self.streams.pop(name, None)
        self.changed[name] = data

    def __delitem__(self, name: str) -> None:
        raise DataError(f"A refresh never removes a part ({name}).")

    def __iter__(self) -> Iterator[str]:
        yield from self.infos
        yield from (name for name in {**self.changed, **self.streams} if name not in self.infos)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        name = self.spelled(name)
        return name in self.infos or name in self.changed or name in self.streams


class Package:
    """One .xlsx/.xlsm file as parts (``parts``), with its workbook part and worksheets found."""

    def __init__(self, path: Path) -> None:
        self.parts = Parts(path)
        self.name = path.name
        self._tables: dict[str, dict[str, str]] = {}
        try:
            self.workbook = next(r.target for r in self.relationships("") if r.type.endswith(OFFICE_DOCUMENT))
            self.conformance = (
                STRICT if _xml(self.parts[self.workbook]).tag == f"{{{STRICT.main}}}workbook" else TRANSITIONAL
            )
            self.sheets = self._sheets()
        except (StopIteration, KeyError, ElementTree.ParseError):
            raise DataError(
                f"{path.name} is not a readable Excel workbook (its workbook part is missing or broken).",
                "Open it in Excel and save it as .xlsx or .xlsm.",
            ) from None

    def xml(self, part: str) -> ElementTree.Element:
        """The part ``part`` parsed; ``DataError`` naming it when it is not well-formed XML."""
        try:
            return _xml(self.parts[part])
        except ElementTree.ParseError as error:
            raise DataError(
                f"{self.name}: the part {part} cannot be read ({error}).", "Open and save it in Excel."
            ) from None

    def relationships(self, part: str) -> list[Relationship]:
        """The internal relationships of ``part`` ("" for the package's own)."""
        name = rels_part(part) if part else "_rels/.rels"
        if name not in self.parts:
            return []
        return [
            Relationship(
                rel.get("Id", ""), rel.get("Type", ""), self.parts.spelled(resolve(part, rel.get("Target", "")))
            )
            for rel in self.xml(name).iter()
            if rel.tag.rpartition("}")[2] == "Relationship" and rel.get("TargetMode") != "External"
        ]

    def related(self, part: str, kind: str) -> str | None:
        """The part that ``part`` relates to by a relationship whose type ends with ``kind`` (e.g.
        ``/styles``), if there is one in the package."""
        return next(
            (r.target for r in self.relationships(part) if r.type.endswith(kind) and r.target in self.parts), None
        )

    def _sheets(self) -> dict[str, str]:
        """Worksheet name -> part, in tab order (chart sheets, macro and dialog sheets left out)."""
        targets = {r.id: r for r in self.relationships(self.workbook)}
        found = {}
        for sheet in elements(self.parts[self.workbook], "sheet"):
            rel = targets.get(next((v for k, v in sheet.attrib.items() if k.endswith("}id")), ""))
            if rel is not None and rel.type.endswith("/worksheet") and rel.target in self.parts:
                found[str(sheet.get("name"))] = rel.target
        return found

    def sheet_names(self) -> list[str]:
        """Every sheet's name in tab order, worksheets or not (as a person sees the tabs)."""
        return [str(sheet.get("name")) for sheet in elements(self.parts[self.workbook], "sheet")]

    def tables(self, sheet_part: str) -> dict[str, str]:
        """Table name -> its part, for the tables on the worksheet part ``sheet_part`` (read once per sheet:
        every table check asks for every sheet's tables)."""
        if sheet_part not in self._tables:
            found = {}
            for rel in self.relationships(sheet_part):
                if rel.type.endswith("/table") and rel.target in self.parts:
                    root = self.xml(rel.target)
                    found[str(root.get("displayName") or root.get("name"))] = rel.target
            self._tables[sheet_part] = found
        return dict(self._tables[sheet_part])

    def add_part(self, name: str, data: bytes, content_type: str) -> None:
        """A new part, listed in ``[Content_Types].xml`` (unless an ``Override`` there names it already)."""
        self.parts[name] = data
        if any(
            (o.get("PartName") or "").lower() == f"/{name}".lower() for o in elements(self.parts[TYPES], "Override")
        ):
            return
        override = f'Override PartName="/{name}" ContentType="{content_type}"/>'
        self.parts[TYPES] = insert_before_end(self.parts[TYPES], "Types", lambda prefix: f"<{prefix}{override}")

    def add_relationship(self, source: str, rel_type: str, target: str) -> str:
        """A new relationship from ``source`` to the part ``target``; returns its id."""
        self._tables.pop(source, None)  # the part may list one more table now
        name = rels_part(source)
        if name not in self.parts:
            empty = f'{XML_DECLARATION}<Relationships xmlns="{RELS_NS}"></Relationships>'.encode()
            if self._has_content_type(name):
                self.parts[name] = empty
            else:  # a package that lists each part (no Default for .rels) lists this one too
                self.add_part(name, empty, RELS_CONTENT)
        taken = {rel.get("Id") for rel in elements(self.parts[name], "Relationship")}
        number = 1
        while f"rId{number}" in taken:
            number += 1
        relative = posixpath.relpath(target, posixpath.dirname(source) or ".")
        entry = f'Relationship Id="rId{number}" Type="{rel_type}" Target="{relative}"/>'
        self.parts[name] = insert_before_end(self.parts[name], "Relationships", lambda prefix: f"<{prefix}{entry}")
        return f"rId{number}"

    def _has_content_type(self, name: str) -> bool:
        """Whether ``[Content_Types].xml`` gives ``name`` a type, by its extension or by name."""
        extension = name.rsplit(".", 1)[-1].lower()
        return any(
            (item.get("Extension") or "").lower() == extension
            or (item.get("PartName") or "").lower() == f"/{name}".lower()
            for kind in ("Default", "Override")
            for item in elements(self.parts[TYPES], kind)
        )

    def free_name(self, pattern: str, first: str | None = None) -> str:
        """``first`` when it is free, else the first part name ``pattern.format(n)`` (n = 1, 2, ...) that no part
        of the package, nor any name ``[Content_Types].xml`` lists, has without regard to case."""
        listed = (item.get("PartName") or "" for item in elements(self.parts[TYPES], "Override"))
        taken = {name.lower() for name in self.parts} | {name.lstrip("/").lower() for name in listed}
        if first is not None and first.lower() not in taken:
            return first
        number = 1
        while pattern.format(number).lower() in taken:
            number += 1
        return pattern.format(number)

    def save(self, path: Path) -> None:
        """Write the package to ``path``: every part in the file's order with its own name, date and
        compression; a part nobody changed is streamed across unread (the same bytes once unpacked), new
        parts come last, deflated."""
        parts = self.parts
        with zipfile.ZipFile(parts.path) as source, zipfile.ZipFile(path, "w") as archive:
            for name in parts:
                old = parts.infos.get(name)
                info = zipfile.ZipInfo(name, old.date_time if old else (1980, 1, 1, 0, 0, 0))
                info.compress_type = old.compress_type if old else zipfile.ZIP_DEFLATED
                info.external_attr = old.external_attr if old else 0o600 << 16
                if name in parts.streams:
                    with archive.open(info, "w") as writer:
                        for chunk in parts.streams[name]():
                            writer.write(chunk)
                    continue
                if name in parts.changed or old is None or old.is_dir():
                    archive.writestr(info, parts[name] if not (old and old.is_dir()) else b"")
                    continue
                with source.open(old) as reader, archive.open(info, "w", force_zip64=old.file_size > 2**31) as writer:
                    shutil.copyfileobj(reader, writer, 1024 * 1024)


def insert_before_end(data: bytes, element: str, make: Callable[[str], str]) -> bytes:
    """``data`` with the XML ``make(prefix)`` inserted just before the closing tag of its root ``element``, where
    ``prefix`` is that element's namespace prefix with its colon (``"ns0:"`` in an ``<ns0:Types>``, else ``""``),
    so what goes in lands in the element's namespace; an empty root element (``<Types/>``) is opened first."""
    end = re.search(rf"</({PREFIX}{element})\s*>\s*$".encode(), data)
    if end is not None:
        return data[: end.start()] + make(prefix_of(end.group(1))).encode() + data[end.start() :]
    empty = re.search(rf"<({PREFIX}{element})\b([^>]*?)/>\s*$".encode(), data)
    if empty is None:
        raise DataError(f"The package part listing {element} cannot be read.", "Open and save the file in Excel.")
    tag = empty.group(1)
    inner = make(prefix_of(tag)).encode()
    return data[: empty.start()] + b"<" + tag + empty.group(2) + b">" + inner + b"</" + tag + b">"


PREFIX = r"(?:[A-Za-z_][\w.\-]*:)?"
"""A namespace prefix and its colon, if any, in a regular expression."""


def prefix_of(tag: bytes | str) -> str:
    """The namespace prefix with its colon (``"x:"``, or ``""``) of a tag name such as ``x:cellXfs``."""
    text = tag.decode() if isinstance(tag, bytes) else tag
    return text.rpartition(":")[0] + ":" if ":" in text else ""


_STAMPED = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
"""The date every member of a reproducible package carries (the earliest a ZIP can hold)."""


def reproducible(data: bytes, stamp: str) -> bytes:
    """The ZIP ``data`` rewritten with every member dated ``FIXED_TIME``, in the same order and compression, and
    the document's created and modified times set to ``stamp`` (e.g. ``2026-10-31T00:00:00Z``), so the same
    content always gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for old in source.infolist():
            info = zipfile.ZipInfo(old.filename, FIXED_TIME)
            info.compress_type = old.compress_type
            info.external_attr = 0o600 << 16
            content = source.read(old)
            if old.filename == "docProps/core.xml":
                content = _STAMPED.sub(rb"\g<1>" + stamp.encode() + rb"\g<2>", content)
            target.writestr(info, content)
    return out.getvalue()
