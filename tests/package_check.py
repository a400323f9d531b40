"""Whether a workbook package hangs together, for Transitional and Strict packages alike: ``package_problems(path)``
lists what a reader of the Open Packaging Conventions and SpreadsheetML would find broken.

- every relationship resolves: a rels part holds only ``Relationship`` elements of the relationships namespace
  (one written without the namespace's prefix is no relationship at all), each internal target exists, each
  ``r:id`` a part uses names one of its relationships;
- every part has a content type (an ``Override`` or a ``Default`` of the content-types namespace), every
  ``Override`` names a part, no two part names are equal but for case (OPC compares them case-insensitively);
- the package speaks one conformance class: no Transitional SpreadsheetML or relationship namespace, nor a
  Transitional relationship type, in a Strict package, and no Strict one in a Transitional package;
- every style index exists, styles read as Excel reads them: each ``mc:AlternateContent`` in a list of the
  styles part is one entry, whichever branch the reader takes (so its branches must hold the same number of
  entries), each list's ``count`` is that number, each cell format's ``fontId``, ``fillId``, ``borderId``,
  ``xfId`` and ``numFmtId`` names a record of the part (or a built-in number format), and each cell's ``s`` a
  cell format.

Written apart from the refresh's own code (it reads with ElementTree, namespaces resolved) so that it cannot
share the refresh's mistakes.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

CONTENT_TYPES = "[Content_Types].xml"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
TRANSITIONAL = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                "http://schemas.openxmlformats.org/officeDocument/2006/relationships")  # fmt: skip
STRICT = ("http://purl.oclc.org/ooxml/spreadsheetml/main", "http://purl.oclc.org/ooxml/officeDocument/relationships")
STYLE_LISTS = {"numFmts": "numFmt", "fonts": "font", "fills": "fill", "borders": "border", "cellStyleXfs": "xf",
               "cellXfs": "xf", "cellStyles": "cellStyle", "dxfs": "dxf"}  # fmt: skip
XF_RECORDS = {"fontId": "fonts", "fillId": "fills", "borderId": "borders"}
LAST_BUILT_IN_FORMAT = 163
"""Number formats 0-163 are Excel's own; a cell format may name one that the styles part does not list."""


@dataclass
class Checked:
    """What the checks found, and what other checks need of the styles: how many differential formats
    (``dxfs``, which conditional formats name) the styles part holds. ``unlisted`` are cell formats naming a
    record of a list the styles part does not have at all (some writers leave out ``cellStyleXfs``): dangling,
    but not known to make Excel repair the file, so the repair-trigger check (``tests/excel_clean.py``) leaves
    them out while ``package_problems`` counts them."""

    problems: list[str]
    dxfs: int = 0
    unlisted: list[str] = field(default_factory=list)


def package_problems(path: Path) -> list[str]:
    """Every way the package at ``path`` fails the checks in the module docstring (empty when it passes)."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    trees, found = parsed(parts)
    result = checked(parts, trees)
    return [*found, *result.problems, *result.unlisted]


def parsed(parts: dict[str, bytes]) -> tuple[dict[str, ElementTree.Element], list[str]]:
    """Every XML part of ``parts`` parsed, and a problem for each that is not well-formed."""
    trees, found = {}, []
    for name, data in parts.items():
        if name.lower().endswith((".xml", ".rels")):
            try:
                trees[name] = ElementTree.fromstring(data)  # noqa: S314 - files the tests wrote
            except ElementTree.ParseError as error:
                found.append(f"{name} is not well-formed XML ({error})")
    return trees, found


def checked(parts: dict[str, bytes], trees: dict[str, ElementTree.Element]) -> Checked:
    """The checks of the module docstring on a package's ``parts`` (name -> bytes) and their ``trees``."""
    found = _unique_names(list(parts))
    found += _content_types(parts, trees)
    found += _relationships(parts, trees)
    workbook = _related(parts, trees, "", "/officeDocument")
    if not workbook:
        return Checked([*found, "the package names no workbook part"])
    found += _one_conformance(trees, _namespace(trees[workbook].tag) == STRICT[0])
    styles = _related(parts, trees, workbook, "/styles")
    sizes, style_problems, unlisted = _styles(styles, trees[styles]) if styles in trees else ({}, [], [])
    found += style_problems
    cell_formats = sizes.get("cellXfs", 1)  # no list: the one default format
    for part in _related_all(parts, trees, workbook, "/worksheet"):
        found += [
            f"{part}: the cell {cell.get('r')} uses cell format {cell.get('s')}, which the styles part does not have"
            for cell in trees[part].iter()
            if _local(cell.tag) == "c" and _number(cell.get("s")) >= cell_formats
        ]
    return Checked(found, sizes.get("dxfs", 0), unlisted)


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    found = []
    for name in names:
        if name.lower() in seen:
            found.append(f"the part names {seen[name.lower()]} and {name} differ only in case")
        seen.setdefault(name.lower(), name)
    return found


def _content_types(parts: dict[str, bytes], trees: dict[str, ElementTree.Element]) -> list[str]:
    types = trees.get(CONTENT_TYPES)
    if types is None or types.tag != f"{{{CT}}}Types":
        return [f"{CONTENT_TYPES} is missing or not a content-types list"]
    found = [f"{CONTENT_TYPES} holds a {_local(e.tag)} outside its namespace" for e in types if _namespace(e.tag) != CT]
    overrides: dict[str, str] = {}
    for override in types.iter(f"{{{CT}}}Override"):
        name = override.get("PartName", "").lstrip("/").lower()
        if name in overrides:
            found.append(f"{CONTENT_TYPES} gives /{name} two content types")
        overrides[name] = override.get("ContentType", "")
    defaults = {d.get("Extension", "").lower() for d in types.iter(f"{{{CT}}}Default")}
    folded = {name.lower() for name in parts}
    found += [f"{CONTENT_TYPES} names /{name}, which is missing" for name in overrides if name not in folded]
    found += [
        f"{name} has no content type"
        for name in parts
        if name != CONTENT_TYPES and name.lower() not in overrides and name.rsplit(".", 1)[-1].lower() not in defaults
    ]
    return found


def _relationships(parts: dict[str, bytes], trees: dict[str, ElementTree.Element]) -> list[str]:
    folded = {name.lower() for name in parts}
    found = []
    for name, tree in trees.items():
        if not name.endswith(".rels"):
            continue
        if tree.tag != f"{{{PACKAGE_RELS}}}Relationships":
            found.append(f"{name} is not a relationships list")
            continue
        ids: set[str] = set()
        for rel in tree:
            if rel.tag != f"{{{PACKAGE_RELS}}}Relationship":
                found.append(f"{name} holds a {_local(rel.tag)} outside the relationships namespace")
                continue
            if rel.get("Id") in ids:
                found.append(f"{name} repeats the relationship id {rel.get('Id')}")
            ids.add(rel.get("Id", ""))
            target = _target(_source(name), rel)
            if target is not None and target.lower() not in folded:
                found.append(f"{name}: {rel.get('Id')} points at {target}, which is missing")
        source = _source(name)
        if source in trees:
            found += [
                f"{source}: {_local(key)}={value!r} names no relationship of the part"
                for element in trees[source].iter()
                for key, value in element.attrib.items()
                if _namespace(key) in (TRANSITIONAL[1], STRICT[1]) and value and value not in ids
            ]
    return found


def _source(rels: str) -> str:
    """The part a rels part belongs to (``""`` for the package's own)."""
    folder, name = posixpath.split(rels)
    return posixpath.join(posixpath.dirname(folder), name.removesuffix(".rels"))


def _target(source: str, rel: ElementTree.Element) -> str | None:
    """The part ``rel`` points at, or None when it points outside the package."""
    if rel.get("TargetMode") == "External":
        return None
    target = rel.get("Target", "").split("#")[0]
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _rels(parts: dict[str, bytes], trees: dict[str, ElementTree.Element], part: str) -> Iterator[tuple[str, str]]:
    """(type, target part) of each internal relationship of ``part``, matched to the package's own spelling."""
    folder, name = posixpath.split(part)
    tree = trees.get(posixpath.join(folder, "_rels", name + ".rels"))
    spelled = {name.lower(): name for name in parts}
    for rel in tree.iter(f"{{{PACKAGE_RELS}}}Relationship") if tree is not None else ():
        target = _target(part, rel)
        if target is not None:
            yield rel.get("Type", ""), spelled.get(target.lower(), target)


def _related_all(parts: dict[str, bytes], trees: dict[str, ElementTree.Element], part: str, kind: str) -> list[str]:
    return [target for kind_of, target in _rels(parts, trees, part) if kind_of.endswith(kind) and target in trees]


def _related(parts: dict[str, bytes], trees: dict[str, ElementTree.Element], part: str, kind: str) -> str:
    return next(iter(_related_all(parts, trees, part, kind)), "")


def _one_conformance(trees: dict[str, ElementTree.Element], strict: bool) -> list[str]:
    """Namespaces and relationship types of the other conformance class than the workbook's."""
    other = TRANSITIONAL if strict else STRICT
    found = set()
    for name, tree in trees.items():
        for element in tree.iter():
            names = [element.tag, *element.attrib]
            if any(_namespace(n) in other for n in names):
                found.add(f"{name} uses the namespace {other[0] if _namespace(element.tag) in other else other[1]}")
            if element.tag == f"{{{PACKAGE_RELS}}}Relationship" and element.get("Type", "").startswith(other[1]):
                found.add(f"{name} has a relationship type of the other conformance class: {element.get('Type')}")
    return sorted(found)


def _styles(part: str, root: ElementTree.Element) -> tuple[dict[str, int], list[str], list[str]]:
    """The size of each list (as Excel counts it), what is wrong in the styles part ``root``, and the cell
    formats that name a record of a list the part does not have (``Checked.unlisted``)."""
    found: list[str] = []
    unlisted: list[str] = []
    sizes: dict[str, int] = {}
    records: dict[str, list[ElementTree.Element]] = {}
    for group, item in STYLE_LISTS.items():
        element = next((child for child in root if _local(child.tag) == group), None)
        if element is None:
            continue
        sizes[group], agree = _entries(element, item)
        if not agree:
            found.append(f"{part}: the branches of an mc:AlternateContent in {group} hold different numbers of {item}")
        records[group] = [e for e in element.iter() if _local(e.tag) == item]  # every branch's
        if element.get("count") is not None and int(element.get("count", "0")) != sizes[group]:
            found.append(f"{part}: {group} says count={element.get('count')} and holds {sizes[group]}")
    formats = {_number(f.get("numFmtId")) for f in records.get("numFmts", [])}
    for group in ("cellStyleXfs", "cellXfs"):
        pointers = {**XF_RECORDS, **({"xfId": "cellStyleXfs"} if group == "cellXfs" else {})}
        for index, xf in enumerate(records.get(group, [])):
            for attribute, target in pointers.items():
                given = xf.get(attribute)
                if _number(given) >= sizes.get(target, 0):
                    problem = f"{part}: {group} entry {index} uses {attribute} {given}, which {target} does not have"
                    (found if target in sizes else unlisted).append(problem)
            number = _number(xf.get("numFmtId"))
            if number > LAST_BUILT_IN_FORMAT and number not in formats:
                found.append(f"{part}: {group} entry {index} uses numFmtId {number}, which is not listed")
    return sizes, found, unlisted


def _entries(element: ElementTree.Element, item: str) -> tuple[int, bool]:
    """The number of entries of a styles list as Excel counts them (an ``mc:AlternateContent`` counts what one
    of its branches holds), and whether every ``mc:AlternateContent``'s branches hold the same number."""
    count, agree = 0, True
    for child in element:
        if child.tag == f"{{{MC}}}AlternateContent":
            branches = [sum(1 for entry in branch if _local(entry.tag) == item) for branch in child]
            agree = agree and len(set(branches)) <= 1
            count += branches[0] if branches else 0
        elif _local(child.tag) == item:
            count += 1
    return count, agree


def _number(text: str | None) -> int:
    """An index attribute's value; -1 when it is absent or empty (it then points at nothing to check)."""
    return int(text) if text and text.strip().isdigit() else -1


def _namespace(tag: str) -> str:
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
