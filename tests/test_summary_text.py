"""Text keeps every character on its way from a township through a county into a city summary.

The summary's writer encodes text with the one OOXML string escape (:func:`perfxl.xstring.escape`):
a literal ``_x0041_`` is protected (calamine would read it back as ``A``), a carriage return and
control characters are stored as ``_x000D_``/``_x0001_`` (XML cannot hold them raw).
"""

from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from perfxl import xstring
from perfxl.consolidate import Options, consolidate

ROOT = Path(__file__).resolve().parents[1]
NAME = "道路_x0041_维修\t一期\r二期\x01工程 <&>"
SHEETS = ("汇总", "指标明细")


def _township(folder: Path) -> Path:
    from perfxl.model import Targets
    from perfxl.write.fill import write_new

    spec = importlib.util.spec_from_file_location("demo", ROOT / "tools" / "make_county_demo.py")
    assert spec and spec.loader
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    data = demo.township_data(0, json.loads(demo.SEED.read_text(encoding="utf-8")), n_projects=2)
    data["projects"][0]["name"] = NAME
    folder.mkdir()
    path = folder / "910001-巨鹿镇.xlsx"
    write_new(Targets.from_dict(data), path)
    return path


def _names_calamine(path: Path, sheet: str) -> list[Any]:
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        rows = wb.get_sheet_by_name(sheet).to_python()
    finally:
        wb.close()
    col = list(rows[0]).index("项目名称")
    return [r[col] for r in rows[1:]]


def _names_openpyxl(path: Path, sheet: str) -> list[Any]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        rows = [[c.value for c in row] for row in wb[sheet].iter_rows()]
    finally:
        wb.close()
    col = rows[0].index("项目名称")
    return [r[col] for r in rows[1:]]


def _openpyxl_view(text: str) -> str:
    """What openpyxl gives for an inline string stored as ``xstring.escape(text)`` (the long
    sheets' rows are written inline): the escapes as stored, which `xstring.unescape` turns
    back into the text exactly (a shared string loses every ``x005F_`` in openpyxl's reader,
    so that a stored ``_x005F_x0041_`` and a stored ``_x0041_`` read the same)."""
    return xstring.escape(text)


def test_project_name_survives_township_county_city(tmp_path: Path) -> None:
    _township(tmp_path / "township")
    county, city = tmp_path / "county.xlsx", tmp_path / "city.xlsx"
    consolidate([tmp_path / "township"], county, Options(jobs=1))
    consolidate([county], city, Options(jobs=1))
    stored = xstring.escape(NAME).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for summary in (county, city):
        with zipfile.ZipFile(summary) as z:
            sheet_xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")  # 汇总, inline
            assert f"<t>{stored}</t>" in sheet_xml
        for sheet in SHEETS:
            assert NAME in _names_calamine(summary, sheet), (summary.name, sheet)
            names = _names_openpyxl(summary, sheet)
            assert _openpyxl_view(NAME) in names, (summary.name, sheet)
            assert NAME in [xstring.unescape(n) for n in names if n], (summary.name, sheet)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("_x0041_", "_x005F_x0041_"),
        ("a\tb\nc", "a\tb\nc"),
        ("a\rb", "a_x000D_b"),
        ("\x01\x1f", "_x0001__x001F_"),
        ("_x005F_x0041_", "_x005F_x005F_x005F_x0041_"),
        ("plain 文本", "plain 文本"),
    ],
)
def test_escape_round_trip(text: str, stored: str) -> None:
    assert xstring.escape(text) == stored
    assert xstring.unescape(stored) == text
