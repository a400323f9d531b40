"""The layout keeps the architecture readable: doors → public API → workbook → session → core → clients →
transport, no arrow running back up and no circle anywhere.

Every import in the package is read (also those inside functions and under ``TYPE_CHECKING``), so a shortcut
taken anywhere shows here.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "xlbilling"
MODULES = sorted(PACKAGE.rglob("*.py"))

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "doors",
        (
            "xlbilling.__main__",
            "xlbilling._cli",
            "xlbilling._excel",
            "xlbilling._demo",
            "xlbilling._serve",
            "xlbilling._close",
        ),
    ),
    ("public API", ("xlbilling", "xlbilling._jobs")),
    ("workbook", ("xlbilling._workbook",)),
    ("session, doctor and sandbox", ("xlbilling._session", "xlbilling._doctor", "xlbilling._sandbox")),
    ("invoices, reconciliation and margin", ("xlbilling._invoices", "xlbilling._reconcile", "xlbilling._margin")),
    ("e-invoices", ("xlbilling._einvoice",)),
    ("invoice model and the MSP's own files", ("xlbilling._invoice", "xlbilling._inputs")),
    ("settings", ("xlbilling._config",)),
    ("API clients", ("xlbilling._apis",)),
    ("output of a frame", ("xlbilling._output",)),
    ("workbook files", ("xlbilling._xlsx",)),
    ("transport", ("xlbilling._apis.transport",)),
    ("plain values", ("xlbilling._values", "xlbilling._files", "xlbilling._progress", "xlbilling._version")),
    ("errors", ("xlbilling._errors",)),
    ("wording", ("xlbilling._values.wording",)),
)
"""Every module's layer, top first: a module imports only from its own layer or those below. A module is in
the layer of the longest prefix that names it (``xlbilling._apis.transport.client`` is transport)."""

DOORS = LAYERS[0][1]


def name_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str, known: set[str]) -> set[str]:
    """The package's modules that ``source`` imports, anywhere in it (``from p import m`` gives the module
    p.m when there is one, else p)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(_known(alias.name, known) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update(_known(f"{node.module}.{alias.name}", known) for alias in node.names)
    return {name for name in found if name}


def _known(name: str, known: set[str]) -> str:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


def graph(sources: Mapping[str, str]) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, for every module in ``sources`` (module name -> code)."""
    known = set(sources)
    return {name: imported(code, known) - {name} for name, code in sources.items()}


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """The import circles: each group of modules that reach one another (Tarjan's strongly connected
    components), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


SOURCES = {name_of(path): path.read_text(encoding="utf-8") for path in MODULES}
EDGES = graph(SOURCES)


def layer_of(module: str) -> int:
    matches = [
        (len(prefix), rank)
        for rank, (_, prefixes) in enumerate(LAYERS)
        for prefix in prefixes
        if module == prefix or module.startswith(prefix + ".")
    ]
    assert matches, f"{module} is in no layer: add it to LAYERS"
    return max(matches)[1]


def third_party_users(library: str) -> list[str]:
    users = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            if any(n == library or n.startswith(library + ".") for n in names):
                users.append(name_of(path))
                break
    return users


def within(names: list[str], *allowed: str) -> list[str]:
    return [n for n in names if not any(n == a or n.startswith(a + ".") for a in allowed)]


def test_no_module_imports_itself_back_through_others() -> None:
    assert cycles(EDGES) == []


def test_a_planted_circle_is_found() -> None:
    """The check above can fail: two modules importing each other inside functions form a circle."""
    planted = {
        **SOURCES,
        "xlbilling._values.money": SOURCES["xlbilling._values.money"]
        + textwrap.dedent("""
            def _planted() -> None:
                from xlbilling._values.period import Period
            """),
        "xlbilling._values.period": SOURCES["xlbilling._values.period"]
        + "\n\ndef _planted() -> None:\n    from xlbilling._values import money\n",
    }
    assert ["xlbilling._values.money", "xlbilling._values.period"] in cycles(graph(planted))


def upward(edges: Mapping[str, set[str]]) -> set[tuple[str, str]]:
    """The imports that run up a layer (the command line building the Excel add-in excepted)."""
    return {
        (module, target)
        for module, targets in edges.items()
        for target in targets
        if layer_of(target) < layer_of(module) and not (module == "xlbilling._cli.excel" and target.startswith(DOORS))
    }


def test_every_import_goes_down_or_across_a_layer() -> None:
    assert upward(EDGES) == set()


def test_a_planted_upward_import_is_found() -> None:
    """The check above can fail: the transport asking for the session, inside a function, runs up layers."""
    client = "xlbilling._apis.transport.client"
    planted = {
        **SOURCES,
        client: SOURCES[client] + "\n\ndef _planted() -> None:\n    from xlbilling._session import session\n",
    }
    assert (client, "xlbilling._session.session") in upward(graph(planted))


def test_invoices_and_e_invoices_share_a_model_and_never_import_each_other_back() -> None:
    einvoice = {t for m, ts in EDGES.items() if m.startswith("xlbilling._einvoice") for t in ts}
    assert not [t for t in einvoice if t.startswith("xlbilling._invoices")]
    assert "xlbilling._invoice" in einvoice
    invoices = {t for m, ts in EDGES.items() if m.startswith("xlbilling._invoices") for t in ts}
    assert "xlbilling._invoice" in invoices


def test_the_errors_import_no_domain_module() -> None:
    assert EDGES["xlbilling._errors"] <= {"xlbilling._values.wording"}


def test_nothing_but_the_doors_imports_a_door() -> None:
    users = {m for m, targets in EDGES.items() for t in targets if t.startswith(DOORS) and not m.startswith(DOORS)}
    assert users == set()
    # the command line builds the add-in (``xlbilling addin build``): the one door-to-door arrow
    crossing = {(m, t) for m, ts in EDGES.items() if m.startswith("xlbilling._cli") for t in ts}
    assert {t for _, t in crossing if t.startswith("xlbilling._excel")} <= {"xlbilling._excel.addin"}


def test_xlwings_is_imported_by_the_excel_door_only() -> None:
    assert within(third_party_users("xlwings"), "xlbilling._excel") == []


def test_openpyxl_is_imported_by_the_xlsx_package_only() -> None:
    assert within(third_party_users("openpyxl"), "xlbilling._xlsx") == []


def test_http_is_spoken_by_the_transport_only() -> None:
    assert within(third_party_users("httpx"), "xlbilling._apis.transport") == []


def test_only_the_public_api_is_public_by_name() -> None:
    public = [name for name in SOURCES if any(part and not part.startswith("_") for part in name.split(".")[1:2])]
    assert public == []


@pytest.mark.parametrize("path", MODULES, ids=name_of)
def test_every_module_is_small_and_says_its_job_first(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 420, "split it: a module should read in one sitting"
    docstring = ast.get_docstring(ast.parse(text))
    assert docstring and docstring.splitlines()[0].strip(), "its first line says what it is for"
