"""The ribbon add-in built on Linux: parts, ribbon, VBA callbacks and their Python targets."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from oletools.olevba import VBA_Parser

from perfxl.excel.addin import ADDIN_CT, UI_REL_2006, build_addin

ROOT = Path(__file__).resolve().parents[1]
CUI = "{http://schemas.microsoft.com/office/2006/01/customui}"
LABELS = ["校验", "计算进度", "新增项目", "导出 JSON", "帮助"]


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


def test_ribbon_has_five_buttons_each_bound_to_a_sub_calling_an_importable_entry(
    addin: Path,
) -> None:
    with zipfile.ZipFile(addin) as z:
        ui = ET.fromstring(z.read("customUI/customUI.xml"))
    assert ui.tag == f"{CUI}customUI"
    tabs = ui.findall(f"{CUI}ribbon/{CUI}tabs/{CUI}tab")
    assert [t.get("label") for t in tabs] == ["绩效目标"]
    buttons = tabs[0].findall(f".//{CUI}button")
    assert [b.get("label") for b in buttons] == LABELS
    modules = _vba(addin)
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
    """The rules of customUI.xsd that apply here (the XSD itself is not shipped offline)."""
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
            assert re.fullmatch(r"[A-Za-z_][\w.]*", el.get("onAction", ""))
    assert len(ids) == len(set(ids))


def test_build_is_reproducible(addin: Path, tmp_path: Path) -> None:
    again = build_addin(tmp_path / "again.xlam", interpreter=r"C:\Python311\pythonw.exe")
    assert again.read_bytes() == addin.read_bytes()
