"""``perfxl diff`` words every change in Chinese with its cell: a whole 分项绩效目标 or
工作保障措施 added or removed is named field by field (no Python dict, no English key, no
None); one edit of a carried 年初预算数 in a monitoring or self-evaluation workbook is one
change, not two (the project's amount and the stage's copy of the same cell).

Real workbooks: the Suying example targets, monitoring and self-evaluation workbooks, edited
with openpyxl.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import EXAMPLE_XLSX, EXAMPLES
from openpyxl.cell.cell import MergedCell

from perfxl import constants as C
from perfxl import layout as L
from perfxl.cli import main
from perfxl.read import read_workbook
from perfxl.services.yoy import diff_books

MONITORING = EXAMPLES / "suying-2023-monitoring.xlsx"
EVALUATION = EXAMPLES / "suying-2023-evaluation.xlsx"
SHEET = "1.“凤还巢”大学生村干部工资及保险"


def _edit(src: Path, out: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    wb = openpyxl.load_workbook(src)
    change(wb)
    wb.save(out)
    return out


def _run(args: list[str | Path]) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _clear(*cells: str) -> Callable[[openpyxl.Workbook], None]:
    def change(wb: openpyxl.Workbook) -> None:
        for ref in cells:
            for row in wb[C.OVERALL_SHEET][ref]:
                for cell in row:
                    if not isinstance(cell, MergedCell):
                        cell.value = None

    return change


@pytest.fixture(scope="module")
def without_area(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example targets with the last 分项绩效目标 (row 11) cleared."""
    out = tmp_path_factory.mktemp("area") / "目标-删分项.xlsx"
    return _edit(EXAMPLE_XLSX, out, _clear("A11:E11"))


def _area_text(area: Any) -> str:
    return f"分项名称“{area.title}”，绩效目标“{area.targets}”，绩效指标“{area.indicators}”"


def test_an_area_removed_is_named_field_by_field_at_its_cell(without_area: Path) -> None:
    area = read_workbook(EXAMPLE_XLSX).targets.overall.areas[4]
    assert area.description is None  # a blank field is left out, never "None"
    r = _run(["diff", EXAMPLE_XLSX, without_area])
    assert r.exit_code == 1
    line = f"[删除] 删除分项绩效目标第 5 项：{_area_text(area)}（原：{C.OVERALL_SHEET} › B11）"
    assert line in r.output.splitlines()
    for word in ("{", "'title'", "None", "description"):
        assert word not in r.output
    result = diff_books(EXAMPLE_XLSX, without_area)
    assert result.summary() == f"1 处改动：删除分项绩效目标第 5 项：{_area_text(area)}。"
    (change,) = result.changes
    assert change.old == {  # the JSON record keeps the fields
        "title": area.title,
        "description": None,
        "targets": area.targets,
        "indicators": area.indicators,
    }


def test_an_area_added_is_named_at_its_cell_in_the_newer_version(without_area: Path) -> None:
    area = read_workbook(EXAMPLE_XLSX).targets.overall.areas[4]
    (change,) = diff_books(without_area, EXAMPLE_XLSX).changes
    assert change.text() == f"新增分项绩效目标第 5 项：{_area_text(area)}"
    assert (change.new_sheet, change.new_cell) == (C.OVERALL_SHEET, "B11")


def test_a_measure_removed_is_named_field_by_field(tmp_path: Path) -> None:
    measures = read_workbook(EXAMPLE_XLSX).targets.overall.measures
    book = _edit(EXAMPLE_XLSX, tmp_path / "目标-删措施.xlsx", _clear("A18:E18"))
    (change,) = diff_books(EXAMPLE_XLSX, book).changes
    last = measures[-1]
    assert change.text() == (
        f"删除工作保障措施第 {len(measures)} 项：措施名称“{last.title}”，措施内容“{last.text}”"
    )
    assert (change.old_sheet, change.old_cell) == (C.OVERALL_SHEET, "B18")


@pytest.mark.parametrize(
    ("source", "form"),
    [(MONITORING, L.STANDARD.monitoring), (EVALUATION, L.STANDARD.evaluation)],
    ids=["monitoring", "evaluation"],
)
def test_one_initial_amount_edited_is_one_change_with_its_cell(
    source: Path, form: L.MonitoringForm | L.EvaluationForm, tmp_path: Path
) -> None:
    ref = form.field("total/initial").ref

    def change(wb: openpyxl.Workbook) -> None:
        wb[SHEET][ref].value = 9.99

    book = _edit(source, tmp_path / "改预算.xlsx", change)
    r = _run(["diff", source, book])
    assert r.exit_code == 1
    lines = [x for x in r.output.splitlines() if x.startswith("[")]
    assert lines == [
        f"[改动] 项目““凤还巢”大学生村干部工资及保险”年度资金总额年初预算数：8.39 万元 → "
        f"9.99 万元（原：{SHEET} › {ref}；新：{SHEET} › {ref}）"
    ]
    assert "1 个项目共 1 处改动" in r.output


def test_the_carryover_initial_amount_typed_in_a_self_evaluation_is_still_listed(
    tmp_path: Path,
) -> None:
    ref = L.STANDARD.evaluation.field("carryover/initial").ref

    def change(wb: openpyxl.Workbook) -> None:
        wb[SHEET][ref].value = 1.5

    book = _edit(EVALUATION, tmp_path / "改结转.xlsx", change)
    (c,) = diff_books(EVALUATION, book).changes
    assert c.text().endswith(f"{C.L_FUNDS_CARRYOVER}{C.L_INITIAL}：（空） → 1.50 万元")
    assert c.new_cell == ref
