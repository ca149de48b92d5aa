"""Two inputs of the later stages that stopped a figure without a word, on real workbooks
(``perfxl new`` of the Suying example, typed with openpyxl as a clerk would):

- the monitoring cover's 监控月份 blank or no month (13, 0, 7.5, 七月, a 7 typed as text): no
  序时进度 and no project light; ``monitoring.month_invalid`` says so at the cell, in
  ``validate`` and ``compute`` (exit 1), and perfxl writes no 序时进度 the sheet's own formula
  does not show (a blank month is not taken from the sheets' 1-7月 labels);
- the self-evaluation's 年度资金总额 分值 (F6, a locked cell) typed as text: no funds score, no
  总分 and no 自评等级, as a text 分值 of an indicator row gives none; a negative one is
  scored as the sheet scores it; both reported (``evaluation.points_invalid``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest
from books import data_of
from conftest import EXAMPLE_XLSX
from test_evaluation_rules import fill_clean

from perfxl import constants as C
from perfxl import layout as L
from perfxl.cells import a1, parse_a1
from perfxl.grid.calamine_grid import read_grid
from perfxl.model import Targets
from perfxl.monitoring import month_of
from perfxl.rules.catalogue import message
from perfxl.schema import load_schema
from perfxl.services import new_monitoring
from perfxl.validate import validate_file
from perfxl.write.evaluation import build_evaluation, profile_named
from perfxl.write.fill import save

PERFXL = [sys.executable, "-m", "perfxl.cli"]
COVER = L.STANDARD.monitoring_cover
MONTH_CELL = COVER.month.ref  # D6
SHARE_CELL = COVER.time_share.ref  # D7


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PERFXL, *map(str, args)], capture_output=True, text=True, check=False)


def compute_json(book: Path, out: Path) -> tuple[int, dict[str, Any], str]:
    """``compute --format json``: exit code, report, and the messages (stderr)."""
    proc = run("compute", book, "-o", out, "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout)
    return proc.returncode, report, proc.stderr


# --- 监控月份 ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def monitoring(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The monitoring workbook of month 7, every project 10 % executed (red against 58.33)."""
    d = tmp_path_factory.mktemp("month")
    blank, typed = d / "监控.xlsx", d / "监控-已填.xlsx"
    new_monitoring(EXAMPLE_XLSX, blank, month=7)
    form = L.STANDARD.monitoring
    wb = openpyxl.load_workbook(blank)
    for ws in wb.worksheets[2:]:
        if ws.sheet_state != "visible":
            continue
        for key in ("total", "fiscal"):
            budget = ws[form.funds_cell(key, "initial")].value
            if isinstance(budget, int | float):
                ws[form.funds_cell(key, "executed")] = round(budget * 0.1, 2)
    wb.save(typed)
    return typed


def with_month(book: Path, folder: Path, value: Any) -> Path:
    wb = openpyxl.load_workbook(book)
    cover = wb.worksheets[0]
    label = next(lab for lab in COVER.labels if lab.text == C.L_MONTH)
    assert cover[label.ref].value == C.L_MONTH  # the cell a clerk types the month into
    cover[MONTH_CELL] = value
    out = folder / f"监控-{value!r}.xlsx"
    wb.save(out)
    return out


BAD_MONTHS: dict[str, tuple[Any, str]] = {
    "blank": (None, "封面的监控月份未填写"),
    "13": (13, "封面的监控月份“13”不是 1 到 12 的整数"),
    "0": (0, "封面的监控月份“0”不是 1 到 12 的整数"),
    "7.5": (7.5, "封面的监控月份“7.5”不是 1 到 12 的整数"),
    "words": ("七月", "封面的监控月份“七月”不是 1 到 12 的整数"),
    "text 7": ("7", "封面的监控月份“7”以文本形式保存"),
}


@pytest.mark.parametrize("case", list(BAD_MONTHS))
def test_validate_says_a_bad_month_stops_the_lights(
    case: str, monitoring: Path, tmp_path: Path
) -> None:
    value, said = BAD_MONTHS[case]
    report = validate_file(with_month(monitoring, tmp_path, value))
    found = [p for p in report.problems if p.rule == "monitoring.month_invalid"]
    assert [(p.sheet, p.cell, p.severity) for p in found] == [("封面", MONTH_CELL, "error")]
    text = found[0].message
    assert text.startswith(said), text
    assert "没有序时进度" in text and "预警灯" in text and "1 到 12 的整数" in text
    # no month: no project is behind a 序时进度 nobody gave
    assert not [p for p in report.problems if p.rule == "monitoring.lag_unexplained"]


@pytest.mark.parametrize("month", [1, 7, 12])
def test_a_month_from_1_to_12_is_no_problem(month: int, monitoring: Path, tmp_path: Path) -> None:
    report = validate_file(with_month(monitoring, tmp_path, month))
    assert not [p for p in report.problems if p.rule == "monitoring.month_invalid"]
    assert month_of(report.read.targets) == month  # type: ignore[union-attr]


@pytest.mark.parametrize("case", ["blank", "13", "text 7"])
def test_compute_reports_a_bad_month_and_writes_no_schedule(
    case: str, monitoring: Path, tmp_path: Path
) -> None:
    value, said = BAD_MONTHS[case]
    rc, report, said_too = compute_json(
        with_month(monitoring, tmp_path, value), tmp_path / "out.xlsx"
    )
    assert rc == 1
    assert (
        "已计算 19/19 个项目的执行率（没有有效的监控月份，序时进度和项目的预警灯未计算" in said_too
    )
    assert (report["month"], report["schedule"]) == (None, None)
    assert {p["light"] for p in report["projects"]} == {None}
    assert all(p["rate"] is not None for p in report["projects"])  # 执行率 as before
    first = report["problems"][0]  # the cover's, before any project sheet's
    assert (first["rule"], first["sheet"], first["cell"]) == (
        "monitoring.month_invalid",
        "封面",
        MONTH_CELL,
    )
    assert first["message"].startswith(said)
    # no 序时进度 written where the sheet's formula shows none (13: the formula's 108.33 %,
    # not perfxl's: the cell is left blank, as for an amount typed as text)
    cover = read_grid(tmp_path / "out.xlsx").sheets[0]
    assert cover.get(*parse_a1(SHARE_CELL)) in (None, "")


def test_compute_of_a_good_month_reports_none(monitoring: Path, tmp_path: Path) -> None:
    rc, report, said = compute_json(monitoring, tmp_path / "out.xlsx")
    assert (rc, report["month"], report["schedule"]) == (0, 7, 58.33)
    assert "已计算 19/19 个项目的执行率和预警灯，" in said
    assert not [p for p in report["problems"] if p["rule"] == "monitoring.month_invalid"]
    assert {p["light"] for p in report["projects"]} == {"红"}


@pytest.mark.parametrize("case", ["words", "13", "7.5", "text 7"])
def test_export_gives_null_for_a_bad_month_and_says_so(
    case: str, monitoring: Path, tmp_path: Path
) -> None:
    """The data's month is the schema's integer 1-12 or null: a month typed as 七月 or 13 is
    exported as null (not as typed), said at D6 as validate says it (exit 1, the data
    written); the JSON is the schema's and reads back the same."""
    value, said = BAD_MONTHS[case]
    data = tmp_path / "data.json"
    proc = run("export", with_month(monitoring, tmp_path, value), "-o", data)
    assert proc.returncode == 1, proc.stderr
    assert f"封面 › {MONTH_CELL}: [错误] {said}" in proc.stderr
    assert "(monitoring.month_invalid)" in proc.stderr
    got = json.loads(data.read_text(encoding="utf-8"))  # its output stamp too
    assert (got["stage"], got["month"]) == ("monitoring", None)
    schema = load_schema()
    errors = {e.json_path for e in jsonschema.Draft202012Validator(schema).iter_errors(got)}
    assert not errors, errors  # 12月底 null too: the monitoring form carries no spending plan
    assert Targets.from_dict(got).to_dict() == data_of(data)
    # fill takes the targets form only: refused as the data of a good month is, nothing written
    refused = run("fill", data, tmp_path / "back.xlsx")
    assert refused.returncode == 2 and "绩效运行监控表的数据" in refused.stderr
    assert not (tmp_path / "back.xlsx").exists()


def test_export_of_a_good_month_is_as_before(monitoring: Path, tmp_path: Path) -> None:
    proc = run("export", monitoring, "-o", tmp_path / "data.json")
    assert proc.returncode == 0 and "month_invalid" not in proc.stderr, proc.stderr
    assert json.loads((tmp_path / "data.json").read_text(encoding="utf-8"))["month"] == 7


# --- 监控月份 against the sheets' 1-X月 labels ----------------------------------------------------


def test_a_cover_month_the_sheets_do_not_show_is_said_at_the_cover(
    monitoring: Path, tmp_path: Path
) -> None:
    """D6 = 8 while every sheet says 1-7月执行数: 序时进度 is the cover's (66.67, what the
    sheet's formula shows) against amounts that run to 7月底; a warning at D6 names a sheet's
    label cell, in validate and compute (which computes as before)."""
    book = with_month(monitoring, tmp_path, 8)
    first = next(s for s in read_grid(book).sheets[2:] if s.name.startswith("1."))
    label = L.month_label(C.L_EXECUTED, 7)
    (cell,) = [a1(r, c) for r in range(1, 8) for c in range(1, 12) if first.get(r, c) == label]
    found = [p for p in validate_file(book).problems if p.rule == "monitoring.month_labels"]
    assert [(p.sheet, p.cell, p.severity, p.value) for p in found] == [
        ("封面", MONTH_CELL, "warning", 8)
    ]
    text = found[0].message
    assert f"“{first.name}”表 {cell} 为“{label}”" in text, text
    assert "19 张项目表" in text and "8/12 = 66.67%" in text and "截至 7月底" in text
    assert "改回 7" in text and "--month 8" in text
    rc, report, said = compute_json(book, tmp_path / "out.xlsx")
    assert rc == 1 and (report["month"], report["schedule"]) == (8, 66.67)
    assert "已计算 19/19 个项目的执行率和预警灯" in said
    assert [(p["rule"], p["sheet"], p["cell"]) for p in report["problems"]] == [
        ("monitoring.month_labels", "封面", MONTH_CELL)
    ]


def test_a_cover_month_the_sheets_show_is_no_problem(monitoring: Path, tmp_path: Path) -> None:
    problems = validate_file(with_month(monitoring, tmp_path, 7)).problems
    assert not [p for p in problems if p.rule.startswith("monitoring.month")]


def test_the_message_names_what_is_missing_and_what_it_stops() -> None:
    text = message("monitoring.month_invalid", {"what": "未填写"})
    assert text.startswith("封面的监控月份未填写：")
    assert "perfxl compute 不写入" in text and "执行率" in text


# --- 年度资金总额的分值 --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The self-evaluation workbook, every project full (100 优)."""
    d = tmp_path_factory.mktemp("funds-points")
    blank = d / "自评.xlsx"
    from perfxl.read import read_workbook

    save(build_evaluation(read_workbook(EXAMPLE_XLSX).targets, profile_named(None)), blank)
    return blank


def with_funds_points(blank: Path, folder: Path, value: Any) -> Path:
    wb = fill_clean(blank)
    ws = next(w for w in wb.worksheets[2:] if w.sheet_state == "visible")
    form = L.STANDARD.evaluation
    cell = form.funds_cell("total", "points")
    assert ws[cell].protection.locked and ws[cell].value == 10
    ws[cell] = value
    out = folder / f"自评-{value!r}.xlsx"
    wb.save(out)
    return out


FUNDS_POINTS = L.STANDARD.evaluation.funds_cell("total", "points")  # F6


def test_validate_reports_a_text_funds_points(evaluation: Path, tmp_path: Path) -> None:
    report = validate_file(with_funds_points(evaluation, tmp_path, "十"))
    found = [p for p in report.problems if p.rule == "evaluation.points_invalid"]
    assert [(p.sheet and p.sheet.split(".")[0], p.cell, p.value) for p in found] == [
        ("1", FUNDS_POINTS, "十")
    ]
    text = found[0].message
    assert "年度资金总额" in text and "“十”" in text
    assert "该项目的总分和自评等级暂不计算" in text
    assert "平均分配" not in text  # the funds row has no share to fall back on
    assert "10" in text  # the profile's points, what to type back


def test_compute_makes_no_total_from_a_text_funds_points(evaluation: Path, tmp_path: Path) -> None:
    book = with_funds_points(evaluation, tmp_path, "十")
    rc, report, said = compute_json(book, tmp_path / "o.xlsx")
    assert "已计算 18/19 个项目的得分、总分和自评等级" in said
    assert rc == 1
    first = report["projects"][0]
    assert (first["rate"], first["funds_score"], first["total"], first["level"]) == (
        100.0,
        None,
        None,
        None,
    )
    assert report["projects"][1]["total"] == 100.0
    found = [(p["rule"], p["sheet"].split(".")[0], p["cell"]) for p in report["problems"]]
    assert found == [("evaluation.points_invalid", "1", FUNDS_POINTS)]
    sheet = read_grid(tmp_path / "o.xlsx").sheets[2]
    form = L.STANDARD.evaluation
    total_row = next(r for r in range(1, sheet.nrows + 1) if sheet.get(r, 1) == C.L_TOTAL_SCORE)
    assert [sheet.get(total_row, c) for c in (7, 9)] in ([None, None], ["", ""])
    assert sheet.get(*parse_a1(form.funds_cell("total", "score"))) in (None, "")


def test_a_blank_funds_points_is_no_points(evaluation: Path, tmp_path: Path) -> None:
    """F6 cleared: perfxl does not score it at the profile's 10 (H6 = 10, 总分 100), nor as 0
    (总分 90 优): no funds score, no 总分, as the sheet's own formulas give none; said at F6
    in validate and compute."""
    book = with_funds_points(evaluation, tmp_path, None)
    found = [p for p in validate_file(book).problems if p.rule == "evaluation.points_invalid"]
    assert [(p.sheet and p.sheet.split(".")[0], p.cell, p.value) for p in found] == [
        ("1", FUNDS_POINTS, None)
    ]
    text = found[0].message
    assert (
        "年度资金总额（预算执行率）的分值未填写：空白不是分值，表内公式和 perfxl 都不按它计分"
        in text
    ), text
    assert "该项目的总分和自评等级暂不计算" in text and "改回 10" in text
    rc, report, said = compute_json(book, tmp_path / "o.xlsx")
    assert rc == 1 and "已计算 18/19 个项目的得分、总分和自评等级" in said
    first = report["projects"][0]
    assert [first[k] for k in ("rate", "funds_score", "total", "level")] == [100.0] + [None] * 3
    found_json = [(p["rule"], p["sheet"].split(".")[0], p["cell"]) for p in report["problems"]]
    assert found_json == [("evaluation.points_invalid", "1", FUNDS_POINTS)]
    sheet = read_grid(tmp_path / "o.xlsx").sheets[2]
    assert sheet.get(*parse_a1(L.STANDARD.evaluation.funds_cell("total", "score"))) in (None, "")


def test_a_negative_funds_points_is_reported_and_scored_as_the_sheet_does(
    evaluation: Path, tmp_path: Path
) -> None:
    book = with_funds_points(evaluation, tmp_path, -10)
    found = [p for p in validate_file(book).problems if p.rule == "evaluation.points_invalid"]
    assert [(p.cell, p.value) for p in found] == [(FUNDS_POINTS, -10)]
    assert "暂不计算" not in found[0].message
    rc, report, _ = compute_json(book, tmp_path / "o.xlsx")
    assert rc == 1
    assert (report["projects"][0]["funds_score"], report["projects"][0]["total"]) == (-10.0, 80.0)
