"""The built add-in file: its VBA, its ribbon, its formulas and its configuration sheet."""

from __future__ import annotations

import importlib
import inspect
import re
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import olefile
import pytest
from click.testing import CliRunner
from oletools.olevba import VBA_Parser, decompress_stream
from pyopenvba import ExcelFile, check_file

from tests.excel_clean import assert_excel_clean
from xlbilling._cli import main
from xlbilling._errors import ConfigError, InputError
from xlbilling._excel import udfs
from xlbilling._excel.addin import build_addin, decorated_udfs, install_addin, startup_folder, udf_module_source
from xlbilling._excel.failures import NUMBER
from xlbilling._excel.hints import ERROR_CODES

MACROS = Path(__file__).parents[1] / "macros"
RIBBON_NS = "{http://schemas.microsoft.com/office/2006/01/customui}"
FORMULAS = {name: getattr(udfs, name) for name in dir(udfs) if name.startswith("XLB_")}


def excel_arguments(function: Callable[..., Any]) -> list[inspect.Parameter]:
    """The arguments a user types: xlwings fills ``caller`` (the calling cell) itself."""
    return [p for p in inspect.signature(function).parameters.values() if p.name != "caller"]


@pytest.fixture(scope="module")
def addin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_addin(tmp_path_factory.mktemp("dist") / "xlbilling.xlam", interpreter=r"C:\Python311\python.exe")


@pytest.fixture(scope="module")
def modules(addin: Path) -> dict[str, str]:
    """Every VBA module as olevba reads it back."""
    parser = VBA_Parser(str(addin))
    try:
        return {name.rsplit(".", 1)[0]: code.replace("\r\n", "\n") for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def test_olevba_reads_every_module_and_the_project_is_named_xlbilling(addin: Path, modules: dict[str, str]) -> None:
    assert set(modules) == {
        "ThisWorkbook", "Dictionary", "Sheet2", "xlwings", "xlbilling_ribbon", "xlwings_udfs", "xlbilling_help"
    }  # fmt: skip
    ribbon_source = (MACROS / "xlbilling_ribbon.bas").read_text().replace("\r\n", "\n")
    body = ribbon_source.split("\n", 1)[1].strip()
    assert body in modules["xlbilling_ribbon"].replace("\r\n", "\n")
    assert 'PROJECT_NAME As String = "xlbilling"' in modules["xlwings"]
    assert "RegisterFunctionHelp" in modules["ThisWorkbook"]
    with ExcelFile(addin) as book:
        assert book.vba_project().name == "xlbilling"
    assert check_file(addin).issues == ()


def test_the_addin_package_has_no_excel_repair_trigger(addin: Path) -> None:
    assert_excel_clean(addin)


def test_the_dir_stream_ends_with_the_terminator_ms_ovba_specifies(addin: Path) -> None:
    """[MS-OVBA] 2.3.4.2: the dir stream ends with Terminator (Id 0x0010) and Reserved (u32 0): 6 bytes,
    right after the last module's terminator (Id 0x002B, Size 0)."""
    with zipfile.ZipFile(addin) as package, olefile.OleFileIO(package.read("xl/vbaProject.bin")) as ole:
        stream = decompress_stream(bytearray(ole.openstream("VBA/dir").read()))
    assert stream.endswith(struct.pack("<HI", 0x002B, 0) + struct.pack("<HI", 0x0010, 0)), stream[-16:].hex(" ")


def test_every_ribbon_action_is_a_sub_taking_the_ribbon_control(addin: Path, modules: dict[str, str]) -> None:
    with zipfile.ZipFile(addin) as archive:
        ribbon = archive.read("customUI/customUI.xml")
    assert ribbon == (MACROS / "customUI.xml").read_bytes()
    root = ElementTree.fromstring(ribbon)  # noqa: S314 (our own file)
    tab = root.find(f".//{RIBBON_NS}tab")
    assert tab is not None and tab.get("label") == "Billing"
    groups = {group.get("label"): [b.get("label") for b in group] for group in tab}
    assert groups == {
        "Refresh": ["Periods", "Summary", "Detail", "Invoice lines", "Analysis", "Xarios invoices", "Refresh all"],
        "Invoices": ["Build invoices", "Open output folder"],
        "Margin": ["Reconcile", "Margin"],
        "Settings": ["Clear cache", "Settings"],
    }
    buttons = list(root.iter(f"{RIBBON_NS}button"))
    for button in buttons:
        assert button.get("imageMso") and button.get("screentip") and button.get("supertip")
        module, sub = button.get("onAction", "").split(".")
        pattern = rf"^Sub {sub}\(control As IRibbonControl\)$"
        assert re.search(pattern, modules[module], re.MULTILINE), f"{module}.{sub} is not a ribbon callback"


def test_every_runpython_target_imports_and_is_callable(modules: dict[str, str]) -> None:
    calls = re.findall(r'RunPython "import ([\w.]+) as (\w+); \2\.(\w+)\(\)"', modules["xlbilling_ribbon"])
    assert len(calls) == modules["xlbilling_ribbon"].count("RunPython") == 13
    for module_name, _, function_name in calls:
        function = getattr(importlib.import_module(module_name), function_name)
        assert callable(function) and not inspect.signature(function).parameters


def test_the_udf_module_declares_every_formula_with_its_arguments(modules: dict[str, str]) -> None:
    declared = dict(re.findall(r"^Function (XLB_\w+)\(([^)]*)\)$", modules["xlwings_udfs"], re.MULTILINE))
    assert set(declared) == set(FORMULAS)
    for name, function in FORMULAS.items():
        expected = [
            ("Optional " if parameter.default is not inspect.Parameter.empty else "") + parameter.name
            for parameter in excel_arguments(function)
        ]
        assert (declared[name].split(", ") if declared[name] else []) == expected
        assert f'XLPy.CallUDF("xlbilling._excel.udfs", "{name}"' in modules["xlwings_udfs"]


def test_only_the_number_formulas_turn_a_failure_into_an_excel_error(modules: dict[str, str]) -> None:
    source = modules["xlwings_udfs"]
    assert source.strip() == udf_module_source(decorated_udfs()).strip(), "what the tests of the formulas read"
    wrappers = dict(re.findall(r"^Function (XLB_\w+)\(.*?\n(.*?)^End Function$", source, re.MULTILINE | re.DOTALL))
    numbers = {name for name, function in FORMULAS.items() if getattr(function, NUMBER, False)}
    assert numbers == {"XLB_QUANTITY", "XLB_CHANGE", "XLB_XARIOS_TOTAL"}
    for name, body in wrappers.items():
        calls = re.findall(rf"^\s*{name} = (.*)$", body, re.MULTILINE)
        if name in numbers:
            assert len(calls) == 3 and all(call.startswith("XlbErrorValue(XLPy.CallUDF(") for call in calls[:2])
            assert calls[2] == "CVErr(2042)", "Python unreachable: #N/A, not the error's text"
        else:
            assert len(calls) == 3 and all(call.startswith("XLPy.CallUDF(") for call in calls[:2])
            assert calls[2] == "Err.Description"
    [helper] = re.findall(r"^Private Function XlbErrorValue\(ByVal result As Variant\) As Variant$.*?^End Function$",
                          source, re.MULTILINE | re.DOTALL)  # fmt: skip
    assert "If VarType(result) <> vbString Then\n        XlbErrorValue = result" in helper
    assert 'Select Case Left$(result, InStr(result & " ", " ") - 1)' in helper
    cases = dict(re.findall(r'Case "([^"]+)": XlbErrorValue = CVErr\((\d+)\)', helper))
    assert {name: int(code) for name, code in cases.items()} == ERROR_CODES == {"#N/A": 2042, "#VALUE!": 2015}
    assert "Case Else: XlbErrorValue = CVErr(2042)" in helper


def test_every_formula_and_argument_has_help_for_the_function_wizard(modules: dict[str, str]) -> None:
    help_module = re.sub(r" _\n\s*", " ", modules["xlbilling_help"])
    for name, function in FORMULAS.items():
        [line] = [line for line in help_module.splitlines() if f'Macro:="{name}"' in line]
        assert f'Description:="{" ".join(str(function.__doc__).split())}"' in line
        described = re.search(r"ArgumentDescriptions:=Array\((.*)\)", line)
        docs = re.findall(r'"((?:[^"]|"")+)"', described[1]) if described else []
        assert len(docs) == len(excel_arguments(function))


def test_the_conf_sheet_tells_xlwings_where_the_formulas_are(addin: Path) -> None:
    with zipfile.ZipFile(addin) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert 'name="_xlbilling.conf"' in workbook
    values = dict(re.findall(r'<c r="A\d+"[^>]*><is><t>([^<]*)</t></is></c><c r="B\d+"[^>]*>(.*?)</c>', sheet))
    assert values["UDF Modules"] == "<is><t>xlbilling._excel.udfs</t></is>"
    assert values["Interpreter_Win"] == r"<is><t>C:\Python311\python.exe</t></is>"
    assert values["Use UDF Server"] == "<v>1</v>"


def test_install_copies_to_excels_startup_folder_and_says_linux_has_none(addin: Path, tmp_path: Path) -> None:
    assert install_addin(addin, tmp_path).read_bytes() == addin.read_bytes()
    assert startup_folder("win32", appdata=r"C:\Users\ann\AppData\Roaming").parts[-3:] == (
        "Microsoft", "Excel", "XLSTART"
    )  # fmt: skip
    assert "UBF8T346G9.Office" in str(startup_folder("darwin", home=Path("/Users/ann")))
    with pytest.raises(InputError, match="Excel has no start-up folder on Linux"):
        startup_folder("linux")
    result = CliRunner().invoke(main, ["addin", "install", str(addin)])
    assert result.exit_code == 2 and "Copy the .xlam to a Windows or Mac machine" in result.stderr


def test_the_build_command_writes_the_addin(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["addin", "build", "-o", str(tmp_path / "x.xlam")])
    assert result.exit_code == 0 and result.stdout.strip() == f"built {tmp_path / 'x.xlam'}"
    assert zipfile.is_zipfile(tmp_path / "x.xlam")


def test_building_without_pyopenvba_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyopenvba", None)  # what an install without the [addin] extra sees
    result = CliRunner().invoke(main, ["addin", "build", "-o", str(tmp_path / "x.xlam")])
    assert result.exit_code == 2 and "pip install pyopenvba" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "x.xlam").exists()
    with pytest.raises(ConfigError, match="needs pyopenvba"):
        build_addin(tmp_path / "y.xlam")
