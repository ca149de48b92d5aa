"""One answer for every figure of the monitoring (运行监控) and self-evaluation (绩效自评) forms.

Real workbooks: ``perfxl new`` of the Suying example, typed by label with openpyxl as a clerk
would, each with the faults an exploratory round found giving two or three answers:

- an amount typed as text (``8.39万元``), read as 8.39 by perfxl (100 % executed) while the
  sheet's ``N()`` counts 0: no 执行率, score, light or 总分 is made from it, and ``compute``
  says so (``compute.amount_text``, exit 1);
- a 分值 typed as text (``十``), counted by perfxl at the row's share while the sheet's
  ``N()`` counts 0: the row is not scored and the project gets no 总分 (``evaluation.
  points_invalid`` says so);
- the 年度资金总额 分值 (F6, the profile's 10 written by ``perfxl new``) cleared: scored at 10
  by perfxl while the sheet's ``N(F6)`` counts 0 (H6 = 0, 总分 90): no funds score and no 总分,
  ``evaluation.points_invalid`` at F6;
- a qualitative row with no grade and its full score typed: counted as typed by perfxl and by
  the sheet, so the message says so (not “本行按 0 分计”) and asks for no 偏差原因;
- negative amounts and an amount that is not a number in a monitoring workbook: ``compute``
  reports them (exit 1) as ``validate`` does.

``compute``, ``validate`` and the county summaries give the same answer, and LibreOffice's
recalculation of the sheet's own formulas equals every figure perfxl wrote: the only cells
where they differ are those perfxl leaves blank because no figure can be made from what was
typed, and the problem reported says why.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from books import table_rows
from conftest import EXAMPLE_XLSX, convert, libreoffice_profile
from openpyxl.worksheet.worksheet import Worksheet
from patchfixtures import RECALC_ALWAYS
from test_evaluation_rules import cell, fill_clean, funds
from test_monitoring_form import find

from perfxl import constants as C
from perfxl import layout as L
from perfxl.cells import a1, parse_a1
from perfxl.consolidate.columns import MONITOR_SUMMARY
from perfxl.consolidate.eval_columns import EVAL_SUMMARY
from perfxl.grid.calamine_grid import read_grid
from perfxl.validate import validate_file

PERFXL = [sys.executable, "-m", "perfxl.cli"]
EXECUTED = "1-7月执行数"
TEXT = "8.39万元"
FUNDS_POINTS = L.STANDARD.evaluation.funds_cell("total", "points")  # F6


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PERFXL, *map(str, args)], capture_output=True, text=True, check=False)


def projects(wb: openpyxl.Workbook) -> list[Worksheet]:
    """The project sheets a person sees (the very hidden 目标表带入记录 is perfxl's)."""
    return [w for w in wb.worksheets[2:] if w.sheet_state == "visible"]


def _evaluation(folder: Path) -> Path:
    """The self-evaluation workbook, every project full (executed as budgeted, every actual at
    its target, every qualitative row 达成 with its full points typed), then the faults:

    1. 年度资金总额 and 本年财政拨款 全年执行数 typed as the text ``8.39万元``;
    2. the 满意度 row's 分值 typed as ``十``;
    3. the qualitative row's grade left blank, its full points typed as its 得分;
    4. 全年执行数 −1 (年度资金总额 and 本年财政拨款);
    5. 年度资金总额's 分值 (F6) cleared.
    """
    blank = folder / "自评.xlsx"
    proc = run("new", "evaluation", EXAMPLE_XLSX, "-o", blank)
    assert proc.returncode == 0, proc.stderr
    wb = fill_clean(blank)
    sheets = projects(wb)
    for label in (C.L_FUNDS_TOTAL, C.L_FUNDS_THIS_YEAR):
        funds(sheets[0], label, C.L_EXECUTED_YEAR).value = TEXT
        funds(sheets[3], label, C.L_EXECUTED_YEAR).value = -1
    cell(sheets[1], "员工满意度", C.L_POINTS).value = "十"
    cell(sheets[2], "资金支付时间", C.L_GRADE).value = None
    sheets[4][FUNDS_POINTS] = None
    out = folder / "自评-已填.xlsx"
    wb.save(out)
    return out


def _monitoring(folder: Path) -> Path:
    """The monitoring workbook as of 7月底, every project 60 % executed, then: project 1's
    年度资金总额 and 财政资金 1-7月执行数 typed as the text ``8.39万元``, project 2's −1, project
    3's 年度资金总额 ``八万`` (not a number)."""
    blank = folder / "监控.xlsx"
    proc = run("new", "monitoring", EXAMPLE_XLSX, "-o", blank, "--month", "7")
    assert proc.returncode == 0, proc.stderr
    wb = openpyxl.load_workbook(blank)
    sheets = projects(wb)
    for ws in sheets:
        for label in (C.L_FUNDS_TOTAL, C.L_FUNDS_FISCAL):
            initial = ws[find(ws, label, col_of=C.L_INITIAL)].value
            if initial is not None:
                ws[find(ws, label, col_of=EXECUTED)] = round(initial * 0.6, 2)
    for label in (C.L_FUNDS_TOTAL, C.L_FUNDS_FISCAL):
        sheets[0][find(sheets[0], label, col_of=EXECUTED)] = TEXT
        sheets[1][find(sheets[1], label, col_of=EXECUTED)] = -1
    sheets[2][find(sheets[2], C.L_FUNDS_TOTAL, col_of=EXECUTED)] = "八万"
    out = folder / "监控-已填.xlsx"
    wb.save(out)
    return out


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Both workbooks typed, computed (``--format json``), and LibreOffice's recalculation of
    the computed ones (one LibreOffice run)."""
    d = tmp_path_factory.mktemp("stage-figures")
    out: dict[str, Any] = {}
    for stage, make in (("evaluation", _evaluation), ("monitoring", _monitoring)):
        typed = make(d)
        computed = d / f"{stage}-computed.xlsx"
        proc = run("compute", typed, "-o", computed, "--format", "json")
        out[stage] = {"typed": typed, "computed": computed, "proc": proc}
    recalc = d / "recalculated"
    recalc.mkdir()
    done = convert(
        [out[s]["computed"] for s in ("evaluation", "monitoring")],
        "xlsx",
        recalc,
        timeout=240,
        profile=libreoffice_profile("recalc", RECALC_ALWAYS),
    )
    for stage in ("evaluation", "monitoring"):
        out[stage]["recalculated"] = next(p for p in done if p.stem.startswith(stage))
    return out


def _report(books: dict[str, Any], stage: str) -> dict[str, Any]:
    proc = books[stage]["proc"]
    assert proc.returncode == 1, proc.stderr  # problems reported, the rest written
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def _found(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(rule, sheet's number, cell) of the problems of the first five projects."""
    return [
        (p["rule"], p["sheet"].split(".")[0], p["cell"])
        for p in report["problems"]
        if p["sheet"] and p["sheet"].split(".")[0] in ("1", "2", "3", "4", "5")
    ]


# --- self-evaluation ------------------------------------------------------------------------


def test_evaluation_compute_makes_no_figure_from_text_and_says_why(books: dict[str, Any]) -> None:
    report = _report(books, "evaluation")
    first, second, third, fourth, fifth = report["projects"][:5]
    # 1: 8.39万元 as text: no 执行率, no funds score, no 总分 (not 100, not the sheet's 90)
    assert [first[k] for k in ("rate", "funds_score", "total", "level")] == [None] * 4
    # 2: 分值 十: the row has no points and no score; no 总分 (not 100, not the sheet's 90)
    assert (second["rows"][-1]["points"], second["rows"][-1]["score"]) == (None, None)
    assert (second["rate"], second["total"], second["level"]) == (100.0, None, None)
    # 3: no grade, its full points typed: counted as typed, as the sheet's 计入总分 does
    assert (third["total"], third["level"]) == (100.0, "优")
    # 4: −1 executed: 执行率 −11.92 %, score 0 (the sheet's MIN/MAX), the rest 90
    assert (fourth["funds_score"], fourth["total"], fourth["level"]) == (0.0, 90.0, "优")
    # 5: F6 blank: a 执行率, no funds score, no 总分 (not the profile's 100, not the sheet's 90)
    assert [fifth[k] for k in ("rate", "funds_score", "total", "level")] == [
        100.0,
        None,
        None,
        None,
    ]
    assert _found(report) == [
        ("compute.amount_text", "1", "E6"),
        ("compute.amount_text", "1", "E7"),
        ("evaluation.points_invalid", "2", "F18"),
        ("evaluation.grade_missing", "3", "H15"),
        ("evaluation.amount_negative", "4", "E6"),
        ("evaluation.amount_negative", "4", "E7"),
        ("evaluation.points_invalid", "5", FUNDS_POINTS),
    ]
    messages = {p["cell"] + p["sheet"][0]: p["message"] for p in report["problems"]}
    assert "执行率、资金得分、总分和自评等级不计算" in messages["E61"]
    assert "本年财政拨款的执行率不计算" in messages["E71"]
    assert "总分和自评等级暂不计算" in messages["F182"]
    assert "本行按填写的得分 12.50 分计入总分" in messages["H153"]
    assert "分值未填写：表内公式把空白当作 0 分" in messages[FUNDS_POINTS + "5"]


def test_evaluation_validate_says_what_compute_says(books: dict[str, Any]) -> None:
    problems = validate_file(books["evaluation"]["typed"]).problems
    found = [
        (p.rule, p.sheet.split(".")[0], p.cell)
        for p in problems
        if p.sheet and p.sheet.split(".")[0] in ("1", "2", "3", "5")
    ]
    # the text amounts at their cells (no funds_sum from a text read as 8.39), the text
    # 分值, the missing grade with no 偏差原因 asked for a row at its full points
    assert found == [
        ("read.amount_text", "1", "E6"),
        ("read.amount_text", "1", "E7"),
        ("evaluation.points_invalid", "2", "F18"),
        ("evaluation.grade_missing", "3", "H15"),
        ("evaluation.points_invalid", "5", FUNDS_POINTS),
    ]
    text = next(p for p in problems if p.rule == "read.amount_text")
    assert "该项目没有总分和自评等级" in text.message and "累计进度" not in text.message
    grade = next(p for p in problems if p.rule == "evaluation.grade_missing")
    assert "本行按 0 分计" not in grade.message and "12.50" in grade.message


def _differences(
    mine: Path, theirs: Path, only: Callable[[int, int, int], bool] = lambda s, r, c: True
) -> dict[tuple[int, str], tuple[Any, Any]]:
    """(sheet position, cell) -> (perfxl's cached value, LibreOffice's), where they differ
    (among the cells ``only`` takes, by sheet position, row and column)."""
    out: dict[tuple[int, str], tuple[Any, Any]] = {}
    pairs = zip(read_grid(mine).sheets, read_grid(theirs).sheets, strict=True)
    for s, (a_sheet, b_sheet) in enumerate(pairs):
        for r in range(1, max(a_sheet.nrows, b_sheet.nrows) + 1):
            for c in range(1, 40):
                if not only(s, r, c):
                    continue
                a, b = a_sheet.get(r, c), b_sheet.get(r, c)
                a = None if a == "" else a
                b = None if b == "" else b
                if isinstance(a, int | float) and isinstance(b, int | float):
                    if abs(a - b) <= 0.005:
                        continue
                elif a == b:
                    continue
                out[(s, a1(r, c))] = (a, b)
    return out


def test_evaluation_libreoffice_agrees_or_perfxl_left_the_cell_blank(
    books: dict[str, Any],
) -> None:
    """Every figure perfxl wrote is the sheet's; where the sheet's ``N()`` makes one from a
    text (0 % executed, a 0-point row, 90 优), perfxl wrote none (and said why above)."""
    b = books["evaluation"]
    diffs = _differences(b["computed"], b["recalculated"])
    assert all(mine is None for mine, _ in diffs.values()), diffs
    row = L.STANDARD.cover.first_project_row  # project 1's cover row
    assert {k: v[1] for k, v in diffs.items()} == {
        # project 1: 执行率 0.00 % of 年度资金总额 and 本年财政拨款, score 0, 总分 90 优
        (2, "G6"): 0,
        (2, "G7"): 0,
        (2, "H6"): 0,
        (2, "G19"): 90,
        (2, "I19"): "优",
        (0, f"F{row}"): 0,
        (0, f"G{row}"): 90,
        (0, f"H{row}"): "优",
        # project 2: the 十-point row scores 0 and counts 0, 总分 90 优
        (3, "G18"): 0,
        (3, "Q18"): 0,
        (3, "G19"): 90,
        (3, "I19"): "优",
        (0, f"G{row + 1}"): 90,
        (0, f"H{row + 1}"): "优",
        # project 5: F6 blank, N(F6) = 0: funds score 0, 总分 90 优
        (6, "H6"): 0,
        (6, "G19"): 90,
        (6, "I19"): "优",
        (0, f"G{row + 4}"): 90,
        (0, f"H{row + 4}"): "优",
    }


def test_the_county_evaluation_summary_gives_compute_s_figures(
    books: dict[str, Any], tmp_path: Path
) -> None:
    summary = tmp_path / "县自评汇总.xlsx"
    proc = run("consolidate", books["evaluation"]["typed"], "-o", summary)
    assert proc.returncode in (0, 1), proc.stderr
    rows = table_rows(summary, EVAL_SUMMARY)[:5]
    report = json.loads(books["evaluation"]["proc"].stdout)
    for row, computed in zip(rows, report["projects"][:5], strict=True):
        got = (row["rate"], row["funds_score"], row["total"], row["level"])
        assert got == tuple(computed[k] for k in ("rate", "funds_score", "total", "level"))
    assert rows[0]["executed"] == TEXT  # shown as typed, not as 8.39


# --- monitoring -----------------------------------------------------------------------------


def test_monitoring_compute_reports_what_stops_or_changes_a_rate(books: dict[str, Any]) -> None:
    report = _report(books, "monitoring")
    first, second, third = report["projects"][:3]
    assert (first["rate"], first["rates"]["fiscal"], first["light"]) == (None, None, None)
    assert (second["rate"], second["light"]) == (-0.97, "红")  # the sheet's figure, reported
    assert (third["rate"], third["rates"]["fiscal"], third["light"]) == (None, 60.0, None)
    assert _found(report) == [
        ("compute.amount_text", "1", "E5"),
        ("compute.amount_text", "1", "E6"),
        ("monitoring.amount_negative", "2", "E5"),
        ("monitoring.amount_negative", "2", "E6"),
        ("compute.not_numbers", "3", "E5"),
    ]
    (text,) = [p for p in report["problems"] if p["cell"] == "E5" and p["sheet"][0] == "1"]
    assert text["value"] == TEXT and "执行率和预警灯不计算" in text["message"]
    assert "已计算 17/19 个项目的执行率和预警灯" in books["monitoring"]["proc"].stderr


def test_monitoring_validate_finds_the_same_cells(books: dict[str, Any]) -> None:
    problems = validate_file(books["monitoring"]["typed"]).problems
    found = {(p.rule, p.sheet.split(".")[0], p.cell) for p in problems if p.sheet}
    assert {
        ("read.amount_text", "1", "E5"),
        ("read.amount_text", "1", "E6"),
        ("monitoring.amount_negative", "2", "E5"),
        ("read.amount_unreadable", "3", "E5"),
    } <= found
    text = next(p for p in problems if p.rule == "read.amount_text")
    assert "没有执行率" in text.message and "累计进度" not in text.message
    # a text read as 8.39 is not 100 % executed: no rule compares it with the budget
    assert not [p for p in problems if p.sheet and p.sheet[0] == "1" and "monitoring." in p.rule]


def test_monitoring_libreoffice_agrees_or_perfxl_left_the_cell_blank(
    books: dict[str, Any],
) -> None:
    b = books["monitoring"]
    form, first = L.STANDARD.monitoring, L.STANDARD.cover.first_project_row
    figures = {parse_a1(form.funds_cell(k, "rate")) for k in form.funds_rows}
    figures.add(parse_a1(form.light_cell))

    def computed(s: int, r: int, c: int) -> bool:  # what compute writes: rates, lights, links
        return (r, c) in figures if s >= 2 else s == 0 and r >= first and c >= 4

    diffs = _differences(b["computed"], b["recalculated"], computed)
    assert all(mine is None for mine, _ in diffs.values()), diffs
    assert {k: v[1] for k, v in diffs.items()} == {
        (2, "F5"): 0,  # project 1: 0.00 % from N("8.39万元")
        (2, "F6"): 0,
        (4, "F5"): 0,  # project 3: 0.00 % from N("八万")
        (0, a1(first, 7)): 0,  # the cover's links to them
        (0, a1(first + 2, 7)): 0,
    }


def test_the_county_monitoring_summary_gives_compute_s_figures(
    books: dict[str, Any], tmp_path: Path
) -> None:
    summary = tmp_path / "县监控汇总.xlsx"
    proc = run("consolidate", books["monitoring"]["typed"], "-o", summary)
    assert proc.returncode in (0, 1), proc.stderr
    rows = [r for r in table_rows(summary, MONITOR_SUMMARY) if r["project_code"]][:3]
    report = json.loads(books["monitoring"]["proc"].stdout)
    for row, computed in zip(rows, report["projects"][:3], strict=True):
        assert (row["rate"], row["light"]) == (computed["rate"], computed["light"])
    assert rows[0]["executed"] == TEXT


def test_held_project_holds_the_text_and_leaves_the_model_alone() -> None:
    """The model as the cells hold it: each text in its place (年初预算数, the targets'
    amount, in the stage's row too), the project read left as it was."""
    from perfxl.held import held_project
    from perfxl.model import FundsRow, Project, ProjectMonitoring

    p = Project(budget=8.39, monitoring=ProjectMonitoring(total=FundsRow(initial=8.39, executed=5)))
    texts = {
        "/projects/0/budget": TEXT,
        "/projects/0/monitoring/total/executed": "5万元",
        "/projects/1/monitoring/total/executed": "6万元",
    }
    q = held_project(p, 0, texts)
    assert q.monitoring is not None and p.monitoring is not None
    assert (q.budget, q.monitoring.total.initial, q.monitoring.total.executed) == (
        TEXT,
        TEXT,
        "5万元",
    )
    assert p.monitoring.total == FundsRow(initial=8.39, executed=5) and p.budget == 8.39
    assert held_project(p, 2, texts) is p
