"""The ribbon add-in built on Linux: parts, ribbon, VBA callbacks and their Python targets."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from books import parts as _parts
from oletools.olevba import VBA_Parser

from perfxl.excel.addin import ADDIN_CT, UI_REL_2006, VBA_CT, VBA_REL, XLSM_CT, build_addin

ROOT = Path(__file__).resolve().parents[1]
CUI = "{http://schemas.microsoft.com/office/2006/01/customui}"
LABELS = ["校验", "计算进度", "新增项目", "新建监控表", "新建自评表", "导出 JSON", "帮助"]


@pytest.fixture(scope="module")
def addin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The add-in as ``perfxl addin build`` writes it."""
    out = tmp_path_factory.mktemp("addin") / "perfxl.xlam"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "perfxl.cli",
            "addin",
            "build",
            "-o",
            str(out),
            "--interpreter",
            r"C:\Python311\pythonw.exe",
        ],
        check=True,
        capture_output=True,
    )
    return out


def _vba(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def test_package_is_an_addin_with_the_ribbon_part(addin: Path) -> None:
    with zipfile.ZipFile(addin) as z:
        types = ET.fromstring(z.read("[Content_Types].xml"))
        rels = ET.fromstring(z.read("_rels/.rels"))
        workbook = z.read("xl/workbook.xml").decode()
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    over = {o.get("PartName"): o.get("ContentType") for o in types}
    assert over["/xl/workbook.xml"] == ADDIN_CT
    ui = [r for r in rels if r.get("Target") == "customUI/customUI.xml"]
    assert [r.get("Type") for r in ui] == [UI_REL_2006]
    assert 'name="perfxl.conf"' in workbook and "felix" not in workbook
    assert r"C:\Python311\pythonw.exe" in sheet


@pytest.fixture(scope="module")
def xlsm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The macro-enabled workbook as ``perfxl addin build --xlsm`` writes it."""
    out = tmp_path_factory.mktemp("xlsm") / "perfxl-模板.xlsm"
    run = subprocess.run(
        [sys.executable, "-m", "perfxl.cli", "addin", "build", "--xlsm", "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return out


def test_ribbon_has_seven_buttons_each_bound_to_a_sub_calling_an_importable_entry(
    addin: Path,
) -> None:
    _check_ribbon_and_vba(addin)


def _check_ribbon_and_vba(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        ui = ET.fromstring(z.read("customUI/customUI.xml"))
    assert ui.tag == f"{CUI}customUI"
    tabs = ui.findall(f"{CUI}ribbon/{CUI}tabs/{CUI}tab")
    assert [t.get("label") for t in tabs] == ["绩效目标"]
    buttons = tabs[0].findall(f".//{CUI}button")
    assert [b.get("label") for b in buttons] == LABELS
    modules = _vba(path)
    ribbon = modules["PerfxlRibbon"]
    subs = dict(re.findall(r'Sub (\w+)\(control As IRibbonControl\)\s+RunPython "([^"]+)"', ribbon))
    for b in buttons:
        assert b.get("imageMso"), "built-in icon"
        target = subs[b.get("onAction", "").split(".")[-1]]
        mod, call = re.fullmatch(r"import ([\w.]+) as e; e\.(\w+)\(\)", target).groups()  # type: ignore[union-attr]
        assert callable(getattr(importlib.import_module(mod), call))
    assert len(subs) == len(buttons)
    assert 'PROJECT_NAME As String = "perfxl"' in modules["xlwings"]
    assert "RibbonMyAddin" not in modules


def test_custom_ui_follows_the_schema_rules(addin: Path) -> None:
    """The rules of Microsoft's customUI.xsd (2006/01) for the elements used here.

    The XSD is not vendored: the copies found in public repositories carry "Copyright (c)
    Microsoft Corporation. All rights reserved." and no licence grant, so the rules are
    restated: children per element, id = xsd:ID (NCName, unique), label/screentip = ST_String
    (1-1024 chars), size = normal|large, imageMso = ST_ID (NCName), onAction = ST_Delegate.
    """
    with zipfile.ZipFile(addin) as z:
        ui = ET.fromstring(z.read("customUI/customUI.xml"))
    allowed = {
        "customUI": {"ribbon"},
        "ribbon": {"tabs"},
        "tabs": {"tab"},
        "tab": {"group"},
        "group": {"button"},
        "button": set(),
    }
    ids = []
    for el in ui.iter():
        name = el.tag.removeprefix(CUI)
        assert el.tag.startswith(CUI) and name in allowed
        assert {c.tag.removeprefix(CUI) for c in el} <= allowed[name]
        if name in ("tab", "group", "button"):
            assert re.fullmatch(r"[A-Za-z_][\w]*", el.get("id", "")), el.attrib
            ids.append(el.get("id"))
            assert 1 <= len(el.get("label", "")) <= 1024
        if name == "button":
            assert el.get("size") in ("normal", "large")
            assert re.fullmatch(r"[A-Za-z_][\w.-]*", el.get("imageMso", "")), el.attrib
            assert 1 <= len(el.get("screentip", "")) <= 1024
            assert re.fullmatch(r"[A-Za-z_][\w.]*", el.get("onAction", ""))
    assert len(ids) == len(set(ids))


def test_build_is_reproducible(addin: Path, tmp_path: Path) -> None:
    again = build_addin(tmp_path / "again.xlam", interpreter=r"C:\Python311\pythonw.exe")
    assert again.read_bytes() == addin.read_bytes()


# --- the macro-enabled workbook (.xlsm) -------------------------------------------------------
def test_xlsm_is_a_macro_workbook_with_the_ribbon_and_vba(xlsm: Path) -> None:
    with zipfile.ZipFile(xlsm) as z:
        types = ET.fromstring(z.read("[Content_Types].xml"))
        rels = ET.fromstring(z.read("_rels/.rels"))
        wb_rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        names = set(z.namelist())
    over = {o.get("PartName"): o.get("ContentType") for o in types if o.get("PartName")}
    default = {d.get("Extension"): d.get("ContentType") for d in types if d.get("Extension")}
    assert over["/xl/workbook.xml"] == XLSM_CT
    assert default["bin"] == VBA_CT
    assert [r.get("Target") for r in wb_rels if r.get("Type") == VBA_REL] == ["vbaProject.bin"]
    assert [r.get("Type") for r in rels if r.get("Target") == "customUI/customUI.xml"] == [
        UI_REL_2006
    ]
    assert {"xl/vbaProject.bin", "customUI/customUI.xml"} <= names
    _check_ribbon_and_vba(xlsm)


def test_export_reads_the_xlsm_as_the_standard_workbook(xlsm: Path, tmp_path: Path) -> None:
    from perfxl.write.fill import template

    plain = tmp_path / "plain.xlsx"
    template(plain)
    outs = []
    for book in (xlsm, plain):
        out = tmp_path / f"{book.stem}.json"
        run = subprocess.run(
            [sys.executable, "-m", "perfxl.cli", "export", str(book), "-o", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        outs.append(json.loads(out.read_text(encoding="utf-8")))
    assert outs[0] == outs[1]
    assert len(outs[0]["projects"]) == 1


def _xlwings_release(book: Path) -> str:
    """The xlwings release whose VBA ``book`` holds (its module's ``'Version:`` line)."""
    found = re.search(r"^'Version: (\S+)", _vba(book)["xlwings"], re.MULTILINE)
    assert found, "no 'Version: line in the xlwings module"
    return found.group(1)


def test_committed_xlsm_is_what_the_build_produces_today(xlsm: Path) -> None:
    from importlib.metadata import version

    committed = ROOT / "templates" / "perfxl-模板.xlsm"
    assert committed.is_file(), "run: python tools/build_templates.py"
    built_with, installed = _xlwings_release(committed), version("xlwings")
    assert _xlwings_release(xlsm) == installed  # the build names the release it starts from
    assert built_with == installed, (
        f"templates/perfxl-模板.xlsm holds the VBA of xlwings {built_with}, this environment "
        f"has {installed}: install the release pyproject's dev extra pins, or bump the pin and "
        "rebuild the file (python tools/build_templates.py)"
    )
    # the command stamps its output (so that it may replace it again); the committed file is
    # the build itself (tools/build_templates.py), as the other committed workbooks
    assert _parts(committed) == _parts(xlsm, unstamp=True), (
        "templates/perfxl-模板.xlsm is stale: rebuild it with python tools/build_templates.py"
    )


def test_build_works_from_an_installed_package_without_the_checkout(tmp_path: Path) -> None:
    """The macros are package data: a copy of the package alone (no repository) builds."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "perfxl", site / "perfxl", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "x.xlam"
    code = (
        "import sys, pathlib; sys.path.insert(0, sys.argv[1]);"
        "import perfxl.excel.addin as a; assert a.__file__.startswith(sys.argv[1]);"
        "a.build_addin(pathlib.Path(sys.argv[2]))"
    )
    run = subprocess.run(
        [sys.executable, "-I", "-c", code, str(site), str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "PerfxlValidate" in _vba(out)["PerfxlRibbon"]


def test_build_without_pyopenvba_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyopenvba missing (an install without the xlwings extra): a Chinese install hint and
    exit code 2, no traceback, no file."""
    from click.testing import CliRunner

    from perfxl.cli import main
    from perfxl.excel.addin import VBA_HINT

    monkeypatch.setitem(sys.modules, "pyopenvba", None)  # `import pyopenvba` raises ImportError
    out = tmp_path / "perfxl.xlam"
    res = CliRunner().invoke(main, ["addin", "build", "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert VBA_HINT in res.output
    assert 'pip install "perfxl[xlwings]"' in VBA_HINT
    assert "Traceback" not in res.output
    assert not out.exists()
