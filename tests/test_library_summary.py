"""``perfxl library`` from a county summary: the uses its 指标明细 table lists, read as the
consolidation reads a summary's tables (columns by their headers, continuation sheets as far
as they run, blank rows left out), every cell as it is in the sheet — what the library listed
before that reading was shared, pinned down cell kind by cell kind."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from perfxl.cli import main
from perfxl.consolidate import columns as K
from perfxl.library import Entry
from perfxl.write.library_sheet import read_library

HEADERS = [c.header for c in K.INDICATORS.columns]


def _row(**values: Any) -> list[Any]:
    """A 指标明细 row in the writer's column order (``values`` by column key)."""
    return [values.get(c.key) for c in K.INDICATORS.columns]


def _summary(path: Path, main_rows: list[list[Any]], more: list[list[Any]] | None = None) -> Path:
    """A county summary as the library reads it: 说明 with the marker, 指标明细 with
    ``main_rows``; ``more`` on 指标明细（续1） with its columns in reverse order and an extra
    one; a 指标明细（续3） that is never read (（续2） is missing)."""
    wb = Workbook()
    readme = wb.active
    assert readme is not None
    readme.title = K.README_SHEET
    readme["A1"] = K.SUMMARY_MARKER
    ws = wb.create_sheet(K.INDICATORS.sheet)
    ws.append(HEADERS)
    for r in main_rows:
        ws.append(r)
    if more is not None:
        cont = wb.create_sheet(K.continued(K.INDICATORS.sheet, 1))
        cont.append([*reversed(HEADERS), "备注"])
        for r in more:
            cont.append([*reversed(r), "多出的列"])
    gap = wb.create_sheet(K.continued(K.INDICATORS.sheet, 3))
    gap.append(HEADERS)
    gap.append(_row(project_name="x", level1="产出指标", level2="数量指标", level3="不该出现"))
    wb.save(path)
    return path


def _library(tmp_path: Path, summary: Path) -> list[Entry]:
    out = tmp_path / "指标库.xlsx"
    res = CliRunner().invoke(main, ["library", str(summary), "-o", str(out)])
    assert res.exit_code == 0, res.output
    return read_library(out).entries


ROAD = "道路维修项目"
AID = "补贴发放"


def test_every_kind_of_cell_on_the_sheet_and_its_continuation(tmp_path: Path) -> None:
    summary = _summary(
        tmp_path / "汇总.xlsx",
        [
            _row(
                project_name=ROAD,
                level1="产出指标",
                level2="数量指标",
                level3="维修道路长度",
                target="≥5公里",
                basis="计划",
            ),
            _row(  # 二级 spelt short, 三级 with spaces and a full stop, a number as 指标值
                project_name=ROAD,
                level1="产出指标",
                level2="数量",
                level3=" 维修道路长度。",
                target=5,
                basis="计划",
            ),
            _row(
                project_name=AID,
                level1="效益指标",
                level2="满意度指标",
                level3="群众满意度",
                target=0.95,
                basis=None,
            ),
            _row(),  # a blank row
            _row(  # numbers where text belongs, a date as 指标值
                project_name=2023,
                level1=1,
                level2=2,
                level3=3,
                target=dt.datetime(2023, 5, 1),
                basis="依据",
            ),
            _row(project_name=AID, level1="", level2="成本指标", level3=4.5, target="", basis=" "),
            _row(project_name=AID, level2="时效指标", level3=None, target="12月底前", basis="x"),
            _row(
                project_name=AID,
                level1="产出指标",
                level2="质量指标",
                level3=True,
                target=False,
                basis="y",
            ),
        ],
        [
            _row(
                project_name=ROAD,
                level1="产出指标",
                level2="数量指标",
                level3="维修道路长度",
                target="≥5公里",
                basis="计划",
            ),
            _row(
                project_name=AID,
                level1="效益指标",
                level2="满意度指标",
                level3="群众满意度",
                target="≥90%",
                basis="往年",
            ),
        ],
    )
    # The row without 三级指标 is not an indicator; a text column's number, TRUE or date as
    # the workbook reader gives it in a unit's workbook (3, not 3.0), a name no framework
    # has as typed (1, not 1指标).
    assert _library(tmp_path, summary) == [
        Entry(
            "产出指标", "数量指标", "维修道路长度", ["≥5公里", "5"], ["计划"], 3, ["维修", "道路"]
        ),
        Entry("产出指标", "质量指标", "TRUE", ["FALSE"], ["y"], 1, ["补贴"]),
        Entry(None, "成本指标", "4.5", [], [], 1, ["补贴"]),
        Entry("1", "2", "3", ["2023-05-01"], ["依据"], 1, ["其他"]),
        Entry("效益指标", "满意度指标", "群众满意度", ["0.95", "≥90%"], ["往年"], 2, ["补贴"]),
    ]


def test_a_summary_whose_indicator_table_has_only_its_header(tmp_path: Path) -> None:
    """No rows: nothing listed from it (the library is written, empty)."""
    summary = _summary(tmp_path / "汇总.xlsx", [])
    assert _library(tmp_path, summary) == []


def test_a_number_typed_as_the_basis_is_listed_as_text(tmp_path: Path) -> None:
    """A 指标值确定依据 that is a number (typed into the summary in Excel) is listed as its
    text; it used to end the command with a traceback (AttributeError)."""
    summary = _summary(
        tmp_path / "汇总.xlsx",
        [
            _row(project_name=AID, level2="数量指标", level3="发放人数", target="≥2人", basis=7),
            _row(project_name=AID, level2="数量指标", level3="发放人数", target="≥2人", basis=7.5),
            _row(project_name=AID, level2="数量指标", level3="发放人数", target="≥2人", basis=True),
        ],
    )
    (entry,) = _library(tmp_path, summary)
    assert (entry.level3, entry.count) == ("发放人数", 3)
    assert sorted(entry.bases) == ["7", "7.5", "TRUE"]


def test_numbers_typed_as_indicator_names_are_listed_alike_from_a_workbook_and_a_summary(
    tmp_path: Path,
) -> None:
    """一级指标 ``1`` and 三级指标 ``3`` typed as numbers are listed as ``1`` and ``3`` — as
    Excel shows them — whether read from a unit's workbook or from a county summary (they
    were ``1指标``/``3`` from the one and ``1.0指标``/``3.0`` from the other)."""
    book = tmp_path / "乡镇.xlsx"
    wb = load_workbook(Path(__file__).resolve().parents[1] / "examples/suying-2023.xlsx")
    ws = wb.worksheets[2]  # the first project sheet: 产出指标/数量指标 on row 11
    assert (ws["A11"].value, ws["B11"].value) == ("产出指标", "数量指标")
    ws["A11"], ws["C11"] = 1, 3
    wb.save(book)
    out = tmp_path / "乡镇指标库.xlsx"
    res = CliRunner().invoke(main, ["library", str(book), "-o", str(out)])
    assert res.exit_code == 0, res.output
    from_book = [e for e in read_library(out).entries if e.level3 == "3"]
    summary = _summary(
        tmp_path / "汇总.xlsx",
        [_row(project_name=AID, level1=1, level2="数量指标", level3=3, target=2, basis="计划")],
    )
    from_summary = _library(tmp_path, summary)
    assert [(e.level1, e.level2, e.level3) for e in from_book] == [("1", "数量指标", "3")]
    assert [(e.level1, e.level2, e.level3) for e in from_summary] == [("1", "数量指标", "3")]


def test_a_library_edited_in_excel_keeps_numbers_typed_as_names_whole(tmp_path: Path) -> None:
    """A library whose 一级/二级/三级 cells were retyped as numbers in Excel is read back with
    them as Excel shows them (``3``, not ``3.0``): what template and rollover --library put
    into the 指标库 sheet and its dropdown."""
    summary = _summary(
        tmp_path / "汇总.xlsx",
        [_row(project_name=AID, level2="数量指标", level3="发放人数", target="≥2人", basis="x")],
    )
    _library(tmp_path, summary)
    lib = tmp_path / "指标库.xlsx"
    wb = load_workbook(lib)
    ws = wb.active
    assert ws is not None and ws["C2"].value == "发放人数"
    ws["A2"], ws["B2"], ws["C2"] = 1, 2, 3
    wb.save(lib)
    (entry,) = read_library(lib).entries
    assert (entry.level1, entry.level2, entry.level3) == ("1", "2", "3")


def test_a_monitoring_or_self_evaluation_summary_is_named_as_such(tmp_path: Path) -> None:
    """A county monitoring or self-evaluation summary has no 指标明细: it is left out as what
    it is, not as 不是绩效目标工作簿; with a unit's workbook beside it the library is made
    from that one (exit 1: an input was not used)."""
    examples = Path(__file__).resolve().parents[1] / "examples"
    kinds = {
        "suying-2023-monitoring.xlsx": "绩效运行监控",
        "suying-2023-evaluation.xlsx": "绩效自评",
    }
    for name, kind in kinds.items():
        summary = tmp_path / f"汇总-{name}"
        res = CliRunner().invoke(
            main, ["consolidate", str(examples / name), "-o", str(summary), "-j", "1"]
        )
        assert summary.is_file(), res.output
        alone = CliRunner().invoke(main, ["library", str(summary), "-o", str(tmp_path / "a.xlsx")])
        assert alone.exit_code == 2, alone.output
        said = f"这是 perfxl consolidate 生成的{kind}汇总表，不是单位报送的工作簿，未读入。其中没有指标明细"
        assert f"{summary}：{said}" in alone.output
        assert "不是绩效目标工作簿" not in alone.output
        out = tmp_path / "b.xlsx"
        both = CliRunner().invoke(
            main, ["library", str(summary), str(examples / "suying-2023.xlsx"), "-o", str(out)]
        )
        assert both.exit_code == 1, both.output
        assert f"{summary}: [未使用] {said}" in both.output
        assert len(read_library(out).entries) == 13
