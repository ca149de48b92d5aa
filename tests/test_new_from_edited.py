"""A form made from a monitoring (or self-evaluation) workbook whose carried targets were
edited carries its hidden record (目标表带入记录), not the edited cells, and says so at
each cell (exit 1): ``new evaluation``, ``new monitoring`` and ``publish``. A project sheet
deleted comes back from the record, said; one added, or an indicator row added, is left out,
said; what was typed stays with its project and indicator.

Real workbooks: the Suying example monitoring and self-evaluation workbooks, edited with
openpyxl as a clerk would (the carried cells are locked, but a sheet's protection is easily
lifted).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES
from docxtext import docx_lines

from perfxl import layout as L
from perfxl.carried import restore, restored_read
from perfxl.cli import main
from perfxl.model import IndicatorProgress
from perfxl.read import read_workbook
from perfxl.validate import validate_file

MONITORING = EXAMPLES / "suying-2023-monitoring.xlsx"
EVALUATION = EXAMPLES / "suying-2023-evaluation.xlsx"
SHEET = "1.“凤还巢”大学生村干部工资及保险"
FORM = L.STANDARD.monitoring


def _run(args: list[str | Path]) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _edit(src: Path, out: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    wb = openpyxl.load_workbook(src)
    change(wb)
    wb.save(out)
    return out


def _edited_cells(wb: openpyxl.Workbook) -> None:
    """The brief's edit: 年度资金总额的年初预算数 8.39 -> 9.99, 财政补贴人数 ≥2人 -> ≥5人."""
    wb[SHEET]["C5"].value = 9.99
    wb[SHEET]["D11"].value = "≥5人"


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _edit(MONITORING, tmp_path_factory.mktemp("edited") / "监控-改.xlsx", _edited_cells)


@pytest.fixture(scope="module")
def clean_evaluation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean") / "自评.xlsx"
    r = _run(["new", "evaluation", MONITORING, "-o", out])
    assert r.exit_code == 0, r.output
    return out


def _carried_rules(path: Path) -> list[str]:
    return [p.rule for p in validate_file(path).problems if ".carried_" in p.rule]


def _data(path: Path) -> dict[str, Any]:
    """A workbook's data as exported, its record beside it."""
    res = read_workbook(path)
    return {"targets": res.targets.to_dict(), "carried": res.carried}


# --- new evaluation ---------------------------------------------------------------------------
def test_new_evaluation_carries_the_record_and_says_each_edited_cell(
    edited: Path, clean_evaluation: Path, tmp_path: Path
) -> None:
    out = tmp_path / "自评.xlsx"
    r = _run(["new", "evaluation", edited, "-o", out])
    assert r.exit_code == 1, r.output
    assert (
        f"{edited} › {SHEET} › C5: [错误] 项目““凤还巢”大学生村干部工资及保险”的年度资金总额的"
        "年初预算数由目标表的“8.39 万元”改成了“9.99 万元”。"
    ) in r.output
    assert "新自评表按目标表带入记录取“8.39 万元”，未沿用这一改动。" in r.output
    assert f"{SHEET} › D11: [错误]" in r.output
    assert "新自评表按目标表带入记录取“≥2人”，未沿用这一改动。" in r.output
    assert "19 个项目，114 条指标" in r.output
    p = read_workbook(out).targets.projects[0]
    assert p.budget == 8.39 and p.indicators[0].target == "≥2人"
    assert _carried_rules(out) == []
    # the same workbook, its record too, as the one made from the unedited monitoring workbook
    assert _data(out) == _data(clean_evaluation)


def test_a_deleted_project_sheet_is_said_and_back_from_the_record(
    tmp_path: Path, clean_evaluation: Path
) -> None:
    gone = read_workbook(MONITORING).project_sheet(1)
    assert gone is not None
    book = _edit(MONITORING, tmp_path / "删表.xlsx", lambda wb: wb.remove(wb[gone]))
    out = tmp_path / "自评.xlsx"
    r = _run(["new", "evaluation", book, "-o", out])
    assert r.exit_code == 1, r.output
    assert "项目““综合网格员”补贴”（项目编码 13052923P00584011067C）在监控表中已没有" in r.output
    assert "新自评表按目标表带入记录恢复了该项目（填报内容为空）。" in r.output
    assert "19 个项目" in r.output
    assert _carried_rules(out) == []
    assert _data(out) == _data(clean_evaluation)  # nothing of it was typed in the example


def test_new_evaluation_from_an_edited_evaluation_workbook(tmp_path: Path) -> None:
    sheet = read_workbook(EVALUATION).project_sheet(0)
    assert sheet is not None
    ref = L.STANDARD.evaluation.field("total/initial").ref

    def change(wb: openpyxl.Workbook) -> None:
        wb[sheet][ref].value = 9.99

    book = _edit(EVALUATION, tmp_path / "自评-改.xlsx", change)
    out = tmp_path / "自评-新.xlsx"
    r = _run(["new", "evaluation", book, "-o", out])
    assert r.exit_code == 1, r.output
    assert f"{sheet} › {ref}: [错误]" in r.output and "(evaluation.carried_changed)" in r.output
    assert "带入的目标值不能在自评表中修改" in r.output
    assert read_workbook(out).targets.projects[0].budget == 8.39
    assert _carried_rules(out) == []


def test_a_clean_monitoring_workbook_gives_no_problem(clean_evaluation: Path) -> None:
    r = _run(["new", "evaluation", MONITORING, "-o", clean_evaluation.with_name("再.xlsx")])
    assert r.exit_code == 0 and "[错误]" not in r.output, r.output


# --- new monitoring ---------------------------------------------------------------------------
def test_new_monitoring_carries_the_record_and_what_was_typed(edited: Path, tmp_path: Path) -> None:
    out = tmp_path / "监控.xlsx"
    r = _run(["new", "monitoring", edited, "-o", out])
    assert r.exit_code == 1, r.output
    assert "新监控表按目标表带入记录取“8.39 万元”，未沿用这一改动。" in r.output
    assert "新监控表按目标表带入记录取“≥2人”，未沿用这一改动。" in r.output
    assert _carried_rules(out) == []
    made, example = read_workbook(out).targets, read_workbook(MONITORING).targets
    assert made.to_dict()["projects"] == example.to_dict()["projects"]


# --- rows added and deleted -------------------------------------------------------------------
def _table_rows(wb: openpyxl.Workbook, sheet: str) -> list[list[Any]]:
    """Every column of the indicator table's rows (一级指标 filled down its merged group)."""
    ws = wb[sheet]
    first, last = FORM.indicator_first_row, ws.max_row
    for m in list(ws.merged_cells.ranges):
        if m.min_row >= first:
            value = ws.cell(m.min_row, m.min_col).value
            ws.unmerge_cells(str(m))
            for row in range(m.min_row, m.max_row + 1):
                ws.cell(row, m.min_col).value = value
    return [[c.value for c in row] for row in ws.iter_rows(min_row=first, max_row=last)]


def _put_rows(wb: openpyxl.Workbook, sheet: str, rows: list[list[Any]]) -> None:
    ws = wb[sheet]
    first = FORM.indicator_first_row
    for r in range(first, ws.max_row + 2):
        for c in range(1, ws.max_column + 1):
            ws.cell(r, c).value = None
    for i, row in enumerate(rows):
        for c, v in enumerate(row, start=1):
            ws.cell(first + i, c).value = v


def test_rows_added_and_deleted_keep_what_was_typed_with_its_indicator(tmp_path: Path) -> None:
    sheet = read_workbook(MONITORING).project_sheet(2)
    assert sheet is not None

    def change(wb: openpyxl.Workbook) -> None:
        rows = _table_rows(wb, sheet)
        added = ["产出指标", "数量指标", "宣传次数", "≥3次", "1次", "3次", "确定能", None, None]
        _put_rows(wb, sheet, [rows[0], *rows[2:4], added, *rows[4:]])  # the 2nd row deleted

    book = _edit(MONITORING, tmp_path / "增删行.xlsx", change)
    res = read_workbook(book)
    t, problems = restored_read(res, "新监控表")
    assert sorted(p.rule for p in problems) == [
        "monitoring.carried_added",
        "monitoring.carried_missing",
    ]
    added = next(p for p in problems if p.rule.endswith("added"))
    assert (added.sheet, added.cell) == (sheet, f"C{FORM.indicator_first_row + 3}")
    assert added.message.endswith("新监控表未收入这一行。")
    example = read_workbook(MONITORING).targets.projects[2]
    p = t.projects[2]
    assert p.indicators == example.indicators
    assert p.monitoring is not None and example.monitoring is not None
    typed = example.monitoring.indicators
    assert p.monitoring.indicators == [typed[0], IndicatorProgress(), *typed[2:]]
    assert res.targets.projects[2].indicators[3].level3 == "宣传次数"  # as read, unchanged


def test_restore_without_a_difference_is_the_targets_as_read() -> None:
    res = read_workbook(MONITORING)
    assert res.carried is not None
    t, diffs = restore(res.targets, res.carried)
    assert t is res.targets and diffs == []


# --- publish ----------------------------------------------------------------------------------
def test_publish_shows_the_record_and_says_each_edited_cell(edited: Path, tmp_path: Path) -> None:
    clean = tmp_path / "原.docx"
    assert _run(["publish", MONITORING, "-o", clean]).exit_code == 0
    out = tmp_path / "改.docx"
    r = _run(["publish", edited, "-o", out])
    assert r.exit_code == 1, r.output
    assert "公开文本按目标表带入记录取“8.39 万元”，未沿用这一改动。" in r.output
    assert f"{SHEET} › D11: [错误]" in r.output
    assert docx_lines(out) == docx_lines(clean)


# --- an empty profile name --------------------------------------------------------------------
@pytest.mark.parametrize("name", ["", "  "])
def test_an_empty_profile_name_is_refused(name: str, tmp_path: Path) -> None:
    out = tmp_path / "自评.xlsx"
    r = _run(["new", "evaluation", MONITORING, "-o", out, "--profile", name])
    assert r.exit_code == 2
    assert "评分方案名称不能为空。可用的评分方案：default" in r.output
    assert not out.exists()
