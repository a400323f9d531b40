"""The layout keeps the architecture readable: doors → session → core → transport, no arrow running back up.

Every import in the package is read (also those inside functions), so a shortcut taken anywhere shows here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "xlbilling"
MODULES = sorted(PACKAGE.rglob("*.py"))
CORE = ("atria", "xarios", "periods", "prices", "frames", "fields", "dates", "money", "totals", "reconcile", "invoices",
        "einvoice")  # fmt: skip


def name_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function (``from x import y`` gives x.y and x)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def users_of(target: str) -> list[str]:
    return [name_of(p) for p in MODULES if any(i == target or i.startswith(target + ".") for i in imports(p))]


def within(names: list[str], *allowed: str) -> list[str]:
    return [n for n in names if not any(n == a or n.startswith(a + ".") for a in allowed)]


def test_xlwings_is_imported_by_the_excel_door_only() -> None:
    assert within(users_of("xlwings"), "xlbilling._excel") == []


def test_openpyxl_is_imported_by_the_xlsx_package_only() -> None:
    assert within(users_of("openpyxl"), "xlbilling._xlsx") == []


def test_http_is_spoken_by_the_transport_only() -> None:
    assert within(users_of("httpx"), "xlbilling._apis.transport.client", "xlbilling._apis.transport.checks") == []


def test_nothing_but_the_doors_imports_a_door() -> None:
    assert within(users_of("xlbilling._cli"), "xlbilling._cli", "xlbilling.__main__") == []
    # the command line builds the add-in (``xlbilling addin build``): the one door-to-door arrow
    excel_users = within(users_of("xlbilling._excel"), "xlbilling._excel")
    assert excel_users == ["xlbilling._cli.excel"]
    assert {i for i in imports(PACKAGE / "cli" / "excel.py") if i.startswith("xlbilling._excel")} <= {
        "xlbilling._excel.addin",
        "xlbilling._excel.addin.build_addin",
        "xlbilling._excel.addin.install_addin",
    }


@pytest.mark.parametrize(
    "upper", ["xlbilling._session.session", "xlbilling._workbook", "xlbilling._excel", "xlbilling._cli"]
)
def test_the_core_never_imports_what_sits_above_it(upper: str) -> None:
    core = [name for name in users_of(upper) if name.split(".")[1] in CORE]
    assert core == []


LEAVES = ("dates", "money", "cells", "files", "formats")
"""Plain helpers every layer may use: they import nothing of the package but its errors and wording."""


@pytest.mark.parametrize("leaf", LEAVES)
def test_the_leaves_import_nothing_of_the_package_but_errors_and_wording(leaf: str) -> None:
    own = {i for i in imports(PACKAGE / f"{leaf}.py") if i.startswith("xlbilling.")}
    assert {i.split(".")[1] for i in own} <= {"errors", "formats"}


def test_the_xlsx_package_never_imports_what_sits_above_it() -> None:
    above = tuple(name for name in (*CORE, "session", "workbook", "excel", "cli") if name not in LEAVES)
    xlsx = [p for p in MODULES if name_of(p).startswith("xlbilling._xlsx")]
    upward = {
        name_of(p): i for p in xlsx for i in imports(p) if i.startswith("xlbilling.") and i.split(".")[1] in above
    }
    assert upward == {}


def test_the_workbook_layer_never_imports_a_door() -> None:
    assert [
        n for n in users_of("xlbilling._excel") + users_of("xlbilling._cli") if n.startswith("xlbilling._workbook")
    ] == []


@pytest.mark.parametrize("path", MODULES, ids=name_of)
def test_every_module_is_small_and_says_its_job_first(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 420, "split it: a module should read in one sitting"
    docstring = ast.get_docstring(ast.parse(text))
    assert docstring and docstring.splitlines()[0].strip(), "its first line says what it is for"
