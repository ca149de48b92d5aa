"""One answer for every figure of the monitoring (运行监控) and self-evaluation (绩效自评) forms.

Real workbooks: ``perfxl new`` of the Suying example, typed by label with openpyxl as a clerk
would, each with the faults an exploratory round found giving two or three answers:

- an amount typed as text (``8.39万元``), read as 8.39 by perfxl (100 % executed) where the
  sheet's ``N()`` counted 0: no 执行率, score, light or 总分 is made from it, by perfxl or by
  the sheet's formulas, and ``compute`` says so (``compute.amount_text``, exit 1);
- a 分值 typed as text (``十``): the row is not scored and the project gets no 总分
  (``evaluation.points_invalid`` says so);
- the 年度资金总额 分值 (F6, the profile's 10 written by ``perfxl new``) cleared: no funds
  score and no 总分, ``evaluation.points_invalid`` at F6;
- an indicator row's 分值 cleared: scored on the row's share (默认分值), by perfxl and by the
  sheet (the previous formulas counted 0 points);
- a 全年预算数 or 调整后预算数 of white space only: blank, as perfxl reads it;
- a qualitative row with no grade and its full score typed: counted as typed by perfxl and by
  the sheet, so the message says so (not “本行按 0 分计”) and asks for no 偏差原因;
- negative amounts and an amount that is not a number in a monitoring workbook: ``compute``
  reports them (exit 1) as ``validate`` does.

``compute``, ``validate`` and the county summaries give the same answer, and LibreOffice's
recalculation of the sheet's own formulas equals every figure perfxl wrote, blanks included.

The same workbooks as perfxl drew them before its formulas followed those rules (``previous``:
the previous release's formulas) are what clerks hold today: ``compute`` puts the current
formulas in place of perfxl's previous ones (an update, said, not a problem), leaves a formula
the clerk changed alone and says so, and ``validate`` finds in them what it finds in a new one.
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
from previous import new_as_before
from test_evaluation_rules import cell, column_of, fill_clean, funds, indicator_rows
from test_monitoring_form import find

from perfxl import constants as C
from perfxl import layout as L
from perfxl import layout_previous as before
from perfxl.cells import a1, parse_a1
from perfxl.consolidate.columns import MONITOR_SUMMARY
from perfxl.consolidate.eval_columns import EVAL_SUMMARY
from perfxl.grid.calamine_grid import read_grid
from perfxl.scoring import QUALITATIVE, formula_target
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


def _blank(stage: str, out: Path, *, previous: bool) -> Path:
    """``perfxl new`` of the example (7月底 for monitoring), or as the previous release drew it."""
    args = [
        "new",
        stage,
        EXAMPLE_XLSX,
        "-o",
        out,
        *(["--month", "7"] if stage == "monitoring" else []),
    ]
    proc = new_as_before(*args) if previous else run(*args)
    assert proc.returncode == 0, proc.stderr
    return out


def _first_quantitative_row(ws: Worksheet) -> int:
    col = column_of(ws, C.L_ANNUAL_TARGET)
    rows = indicator_rows(ws)
    return next(
        r for r in rows if formula_target(ws.cell(r, col).value)[0] not in (None, QUALITATIVE)
    )


def _evaluation(blank: Path, out: Path) -> Path:
    """The self-evaluation workbook, every project full (executed as budgeted, every actual at
    its target, every qualitative row 达成 with its full points typed), then the faults:

    1. 年度资金总额 and 本年财政拨款 全年执行数 typed as the text ``8.39万元``;
    2. the 满意度 row's 分值 typed as ``十``;
    3. the qualitative row's grade left blank, its full points typed as its 得分;
    4. 全年执行数 −1 (年度资金总额 and 本年财政拨款);
    5. 年度资金总额's 分值 (F6) cleared;
    6. the first quantitative row's 分值 cleared (its share, 默认分值, scores it);
    7. 年度资金总额's 全年预算数 typed as white space (blank: no 执行率, 总分 of the rest).
    """
    wb = fill_clean(blank)
    sheets = projects(wb)
    for label in (C.L_FUNDS_TOTAL, C.L_FUNDS_THIS_YEAR):
        funds(sheets[0], label, C.L_EXECUTED_YEAR).value = TEXT
        funds(sheets[3], label, C.L_EXECUTED_YEAR).value = -1
    cell(sheets[1], "员工满意度", C.L_POINTS).value = "十"
    cell(sheets[2], "资金支付时间", C.L_GRADE).value = None
    sheets[4][FUNDS_POINTS] = None
    sheets[5].cell(
        _first_quantitative_row(sheets[5]), column_of(sheets[5], C.L_POINTS)
    ).value = None
    funds(sheets[6], C.L_FUNDS_TOTAL, C.L_BUDGET_YEAR).value = "  "
    wb.save(out)
    return out


def _monitoring(blank: Path, out: Path) -> Path:
    """The monitoring workbook as of 7月底, every project 60 % executed, then: project 1's
    年度资金总额 and 财政资金 1-7月执行数 typed as the text ``8.39万元``, project 2's −1, project
    3's 年度资金总额 ``八万`` (not a number), project 4's 年度资金总额 调整后预算数 white space
    (blank: its 年初预算数 counts)."""
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
    sheets[3][find(sheets[3], C.L_FUNDS_TOTAL, col_of=C.L_ADJUSTED)] = "  "
    wb.save(out)
    return out


USER_CHANGED = {
    # (stage, sheet position, cell) -> the formula a clerk made of perfxl's previous one there
    ("evaluation", 3, L.STANDARD.evaluation.funds_cell("fiscal", "rate")): "="
    + before.evaluation_rate(L.STANDARD.evaluation, "fiscal").replace(",4))", ",2))"),
    ("monitoring", 6, L.STANDARD.monitoring.funds_cell("fiscal", "rate")): "="
    + before.monitoring_rate(L.STANDARD.monitoring, "fiscal").replace(",4))", ",2))"),
}


def _changed_by_the_user(book: Path, stage: str) -> None:
    wb = openpyxl.load_workbook(book)
    for (s, n, ref), formula in USER_CHANGED.items():
        if s == stage:
            wb.worksheets[n][ref] = formula
    wb.save(book)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Both workbooks typed, computed (``--format json``), and the same as perfxl's previous
    release drew them (one of their formulas changed by the clerk), computed; then
    LibreOffice's recalculation of all of them (one LibreOffice run)."""
    d = tmp_path_factory.mktemp("stage-figures")
    out: dict[str, Any] = {}
    for stage, make in (("evaluation", _evaluation), ("monitoring", _monitoring)):
        for kind in ("", "previous-"):
            blank = _blank(stage, d / f"{kind}{stage}-blank.xlsx", previous=bool(kind))
            typed = make(blank, d / f"{kind}{stage}-typed.xlsx")
            if kind:
                _changed_by_the_user(typed, stage)
            computed = d / f"{kind}{stage}-computed.xlsx"
            proc = run("compute", typed, "-o", computed, "--format", "json")
            out[kind + stage] = {"typed": typed, "computed": computed, "proc": proc}
    recalc = d / "recalculated"
    recalc.mkdir()
    files = [b[k] for b in out.values() for k in ("typed", "computed")]
    convert(
        files, "xlsx", recalc, timeout=480, profile=libreoffice_profile("recalc", RECALC_ALWAYS)
    )
    for b in out.values():
        for k in ("typed", "computed"):
            b[f"{k}_recalculated"] = recalc / b[k].name
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
    # 1: 8.39万元 as text: no 执行率, no funds score, no 总分 (not 100, nor the 90 of an N())
    assert [first[k] for k in ("rate", "funds_score", "total", "level")] == [None] * 4
    # 2: 分值 十: the row has no points and no score; no 总分 (not 100, nor 90)
    assert (second["rows"][-1]["points"], second["rows"][-1]["score"]) == (None, None)
    assert (second["rate"], second["total"], second["level"]) == (100.0, None, None)
    # 3: no grade, its full points typed: counted as typed, as the sheet's 计入总分 does
    assert (third["total"], third["level"]) == (100.0, "优")
    # 4: −1 executed: 执行率 −11.92 %, score 0 (the sheet's MIN/MAX), the rest 90
    assert (fourth["funds_score"], fourth["total"], fourth["level"]) == (0.0, 90.0, "优")
    # 5: F6 blank: a 执行率, no funds score, no 总分 (not the profile's 100, nor 90)
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
    assert (
        "分值未填写：空白不是分值，表内公式和 perfxl 都不按它计分" in messages[FUNDS_POINTS + "5"]
    )


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


def test_evaluation_libreoffice_agrees_with_every_figure_perfxl_wrote(
    books: dict[str, Any],
) -> None:
    """Every figure perfxl wrote is the sheet's, and where perfxl wrote none (a text amount or
    分值, a cleared F6) the sheet's own formulas make none either: no 0 % executed, no 0-point
    row, no 90 优 built on a 0 nobody typed."""
    b = books["evaluation"]
    assert _differences(b["computed"], b["computed_recalculated"]) == {}
    report = _report(books, "evaluation")
    sixth, seventh = report["projects"][5:7]
    # 6: the cleared 分值 scores the row's share: 100 优 (the previous formulas counted 0)
    assert (sixth["total"], sixth["level"]) == (100.0, "优")
    # 7: a white-space 全年预算数 is blank: no 执行率 nor funds score, 总分 of the rest
    assert [seventh[k] for k in ("rate", "funds_score", "total", "level")] == [
        None,
        None,
        90.0,
        "优",
    ]


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


def _monitoring_figures(s: int, r: int, c: int) -> bool:
    """What compute writes in a monitoring workbook: rates, lights, the cover's links."""
    form, first = L.STANDARD.monitoring, L.STANDARD.cover.first_project_row
    figures = {parse_a1(form.funds_cell(k, "rate")) for k in form.funds_rows}
    figures.add(parse_a1(form.light_cell))
    return (r, c) in figures if s >= 2 else s == 0 and r >= first and c >= 4


def test_monitoring_libreoffice_agrees_with_every_figure_perfxl_wrote(
    books: dict[str, Any],
) -> None:
    b = books["monitoring"]
    assert _differences(b["computed"], b["computed_recalculated"], _monitoring_figures) == {}
    # project 4: a white-space 调整后预算数 is blank, its 年初预算数 counts: 60 %
    assert _report(books, "monitoring")["projects"][3]["rate"] == 60.0


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


# --- workbooks perfxl's previous release drew -------------------------------------------------


def _formulas(book: Path) -> dict[tuple[int, str], str]:
    """(sheet position, cell) -> formula, of every formula in ``book``."""
    wb = openpyxl.load_workbook(book)
    return {
        (n, c.coordinate): c.value
        for n, ws in enumerate(wb.worksheets)
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    }


def _user_cell(stage: str) -> tuple[int, str]:
    (cell,) = [(n, ref) for (s, n, ref) in USER_CHANGED if s == stage]
    return cell


def _rule_cells(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(p["rule"], p["sheet"], p["cell"]) for p in report["problems"]]


@pytest.mark.parametrize("stage", ["evaluation", "monitoring"])
def test_compute_puts_the_current_formulas_in_place_of_perfxl_s_previous_ones(
    books: dict[str, Any], stage: str
) -> None:
    new, old = books[stage], books["previous-" + stage]
    user = _user_cell(stage)
    drawn_before, drawn_now = _formulas(old["typed"]), _formulas(new["typed"])
    assert drawn_before.keys() == drawn_now.keys()
    previous = {k for k in drawn_now if drawn_before[k] != drawn_now[k]} - {user}
    assert len(previous) >= 19 * 3  # each project's rates at least
    names = openpyxl.load_workbook(old["typed"], read_only=True).sheetnames
    report, fresh = json.loads(old["proc"].stdout), json.loads(new["proc"].stdout)
    updated = {(names.index(u["sheet"]), u["cell"]) for u in report["formulas_updated"]}
    assert updated == previous and fresh["formulas_updated"] == []
    # after compute: the current formulas, but the clerk's own formula, left as it was
    after, current = _formulas(old["computed"]), _formulas(new["computed"])
    assert after[user] == drawn_before[user] != current[user]
    assert {k: v for k, v in after.items() if k != user} == {
        k: v for k, v in current.items() if k != user
    }
    # the same figures and problems, the clerk's formula said as left alone (exit 1 anyway)
    assert old["proc"].returncode == new["proc"].returncode == 1
    assert report["projects"] == fresh["projects"]
    changed = ("compute.formula_changed", names[user[0]], user[1])
    assert _rule_cells(report) == [*_rule_cells(fresh), changed]
    said = f"已将 {len({s for s, _ in updated})} 个工作表中 {len(updated)} 个单元格的旧版公式更新为当前公式"
    assert said in old["proc"].stderr and "旧版公式" not in new["proc"].stderr


@pytest.mark.parametrize("stage", ["evaluation", "monitoring"])
def test_libreoffice_agrees_with_a_workbook_compute_brought_up_to_date(
    books: dict[str, Any], stage: str
) -> None:
    """Only the clerk's own formula, which compute left alone (no figure cached), differs."""
    b = books["previous-" + stage]
    only = _monitoring_figures if stage == "monitoring" else (lambda s, r, c: True)
    diffs = _differences(b["computed"], b["computed_recalculated"], only)
    assert set(diffs) <= {_user_cell(stage)} and all(mine is None for mine, _ in diffs.values())


@pytest.mark.parametrize("stage", ["evaluation", "monitoring"])
def test_validate_finds_in_a_previous_workbook_what_it_finds_in_a_new_one(
    books: dict[str, Any], stage: str
) -> None:
    """Both workbooks as Excel would save them (recalculated by their own formulas): a 得分
    the previous formula gave a cleared 分值 (0) is not the clerk's doing, nor an error."""
    new = books[stage]["typed_recalculated"]
    old = books["previous-" + stage]["typed_recalculated"]

    def found(book: Path) -> list[tuple[str, str, str | None, str | None]]:
        return [(p.rule, p.severity, p.sheet, p.cell) for p in validate_file(book).problems]

    assert found(old) == found(new)
    if stage == "evaluation":  # project 6's cleared 分值: 0 by the previous formula, its share now
        wb = openpyxl.load_workbook(books[stage]["typed"])
        ref = a1(_first_quantitative_row(wb.worksheets[7]), column_of(wb.worksheets[7], C.L_SCORE))
        scores = [read_grid(b).sheets[7].get(*parse_a1(ref)) for b in (old, new)]
        assert scores[0] == 0 and scores[1] > 0
