"""``perfxl compute`` on a self-evaluation workbook (issue 14's acceptance): from the Suying
example, ``perfxl new evaluation``, actuals typed with openpyxl into cells found by their
labels (as a clerk would), ``perfxl compute`` — every score, 总分 and 自评等级 as
`perfxl.scoring`'s rules give (a few worked by hand here), every cached value perfxl wrote
equal to LibreOffice's recalculation of the workbook's own formulas."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import EXAMPLE_XLSX, convert, libreoffice_profile
from openpyxl.worksheet.worksheet import Worksheet
from patchfixtures import RECALC_ALWAYS

from perfxl import constants as C
from perfxl.evaluation import evaluate
from perfxl.read import read_workbook
from perfxl.scoring import GRADES, QUALITATIVE, formula_target
from perfxl.validate import validate_file

PERFXL = [sys.executable, "-m", "perfxl.cli"]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PERFXL, *map(str, args)], capture_output=True, text=True, check=False)


def find(ws: Worksheet, text: str) -> tuple[int, int]:
    """The (row, column) of the first cell showing ``text``."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise AssertionError(f"no label {text!r} on {ws.title}")


def header_row(ws: Worksheet) -> int:
    return find(ws, C.L_LEVEL3)[0]


def column_of(ws: Worksheet, label: str) -> int:
    """The indicator table's column headed ``label`` (得分 heads a funds column too)."""
    return next(c.column for c in ws[header_row(ws)] if c.value == label)


def indicator_rows(ws: Worksheet) -> list[int]:
    """The indicator rows: below the header down to the 总分 row."""
    first, end = header_row(ws) + 1, find(ws, C.L_TOTAL_SCORE)[0]
    return list(range(first, end))


def row_of(ws: Worksheet, level3: str) -> int:
    col = column_of(ws, C.L_LEVEL3)
    return next(r for r in indicator_rows(ws) if ws.cell(row=r, column=col).value == level3)


def type_into(ws: Worksheet, row: int, col: int, value: Any) -> None:
    cell = ws.cell(row=row, column=col)
    assert cell.protection.locked is False, (ws.title, cell.coordinate)  # an input cell
    cell.value = value


def funds_cell(ws: Worksheet, row_label: str, column_label: str) -> tuple[int, int]:
    return find(ws, row_label)[0], find(ws, column_label)[1]


# Project 1 (“凤还巢”大学生村干部工资及保险, budget 8.39), worked by hand under the default
# profile. 产出指标 50 over its 4 rows: 12.50 each; 效益 30; 满意度 10.
#   funds: 7 of 8.39 → 执行率 ROUND(0.834326, 4) = 0.8343 → 8.343 → 8.34
#   财政补贴人数 ≥2人, 2 → 12.50 (full)
#   资金发放覆盖率 95% (a bare number: 正向 in effect), 90% → 90/95 × 12.5 = 11.842 → 11.84
#   资金发放时间 (qualitative), 部分达成…, no score typed → lowest of 60–80 %: 7.50
#   财政补贴下发金额 83380元, "8万元" typed as text (needs perfxl): 80000/83380 × 12.5 = 11.99
#   提升员工家属认同感 ≥95%, 96% → 30.00 (full)
#   员工满意度 ≥95%, 93% → 93/95 × 10 = 9.789 → 9.79
# A percent row's 实际完成值 is a percent cell: Excel stores 96% typed there as 0.96.
#   总分 = 8.34 + 12.50 + 11.84 + 7.50 + 11.99 + 30.00 + 9.79 = 91.96 → 优
FIRST: tuple[tuple[str, Any, str | None, str], ...] = (
    ("财政补贴人数", 2, None, "12.50"),
    ("资金发放覆盖率", 0.9, "个别人员年中调动，次年按时发放。", "11.84"),
    ("资金发放时间", "按月足额缴纳", "个别月份延后几天。", "7.50"),
    ("财政补贴下发金额", "8万元", "两人年中离岗。", "11.99"),
    ("提升员工家属认同感", 0.96, None, "30.00"),
    ("员工满意度", 0.93, "个别家属不满意。", "9.79"),
)


def _clerk(book: Path, out: Path) -> None:
    """Type a plausible year: every project's 全年执行数, every row's 实际完成值 (a few
    short with a reason, one money actual in 元 typed as 万元 text), the qualitative grades
    (scores typed, but one left blank)."""
    wb = openpyxl.load_workbook(book)
    for n, ws in enumerate(wb.worksheets[2:]):
        if ws.sheet_state != "visible":
            continue
        budget_cell = funds_cell(ws, C.L_FUNDS_TOTAL, C.L_BUDGET_YEAR)
        fiscal_cell = funds_cell(ws, C.L_FUNDS_THIS_YEAR, C.L_BUDGET_YEAR)
        budget = ws.cell(*budget_cell).value
        fiscal = ws.cell(*fiscal_cell).value
        executed = 7 if n == 0 else round(budget * (0.95 if n % 3 else 1), 2)
        type_into(ws, *funds_cell(ws, C.L_FUNDS_TOTAL, C.L_EXECUTED_YEAR), executed)
        if fiscal == budget:
            type_into(ws, *funds_cell(ws, C.L_FUNDS_THIS_YEAR, C.L_EXECUTED_YEAR), executed)
        cols = {k: column_of(ws, k) for k in (C.L_ACTUAL, C.L_GRADE, C.L_SCORE, C.L_ANNUAL_TARGET)}
        deviation = column_of(ws, C.L_DEVIATION_REMEDY)
        if n == 0:
            for level3, actual, reason, _ in FIRST:
                r = row_of(ws, level3)
                type_into(ws, r, cols[C.L_ACTUAL], actual)
                if reason:
                    type_into(ws, r, deviation, reason)
            type_into(ws, row_of(ws, "资金发放时间"), cols[C.L_GRADE], GRADES[1])
            continue
        for k, r in enumerate(indicator_rows(ws)):
            target = ws.cell(row=r, column=cols[C.L_ANNUAL_TARGET]).value
            rule, number = formula_target(target)
            if rule == QUALITATIVE:
                type_into(ws, r, cols[C.L_GRADE], GRADES[0])
                if n % 4:  # the others leave the score to the band's lowest
                    type_into(ws, r, cols[C.L_SCORE], 9 if n % 2 else 8)
                continue
            if number is None:
                continue
            short = (n + k) % 5 == 0 and rule != "反向" and number > 0
            value = float(number) * (0.8 if short else 1)
            percent = ws.cell(row=r, column=cols[C.L_ACTUAL]).number_format.endswith("%")
            type_into(
                ws, r, cols[C.L_ACTUAL], round(value / 100, 4) if percent else round(value, 2)
            )
            if short:
                type_into(ws, r, deviation, "受天气影响，进度滞后。")
    wb.save(out)


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    d = tmp_path_factory.mktemp("evaluation-compute")
    blank, typed, out = d / "自评.xlsx", d / "自评-已填.xlsx", d / "自评-已计算.xlsx"
    proc = run("new", "evaluation", EXAMPLE_XLSX, "-o", blank)
    assert proc.returncode == 0, proc.stderr
    _clerk(blank, typed)
    proc = run("compute", typed, "-o", out, "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    return typed, out, proc.stdout


def _values(book: Path) -> list[Any]:
    return [
        [[c.value for c in row] for row in ws.iter_rows()]
        for ws in openpyxl.load_workbook(book, data_only=True).worksheets
    ]


def test_compute_scores_project_one_as_worked_by_hand(computed: tuple[Path, Path, str]) -> None:
    _, out, _ = computed
    ws = openpyxl.load_workbook(out, data_only=True).worksheets[2]
    r = find(ws, C.L_FUNDS_TOTAL)[0]
    assert ws.cell(row=r, column=find(ws, C.L_RATE)[1]).value == pytest.approx(0.8343)
    assert ws.cell(row=r, column=find(ws, C.L_SCORE)[1]).value == pytest.approx(8.34)
    col = column_of(ws, C.L_SCORE)
    for level3, _, _, want in FIRST:
        got = ws.cell(row=row_of(ws, level3), column=col).value
        if level3 == "资金发放时间":  # no score typed: the visible cell stays the clerk's
            assert got is None
            continue
        assert got == pytest.approx(float(want)), level3
    total_row = find(ws, C.L_TOTAL_SCORE)[0]
    assert ws.cell(row=total_row, column=col).value == pytest.approx(91.96)
    assert ws.cell(row=total_row, column=find(ws, C.L_LEVEL)[1] + 1).value == "优"
    assert ws.cell(row=total_row, column=col - 1).value == pytest.approx(100)
    cover = openpyxl.load_workbook(out, data_only=True).worksheets[0]
    hr = find(cover, C.EVALUATION_COVER_HEADERS[6])[0]
    assert cover.cell(row=hr + 1, column=7).value == pytest.approx(91.96)
    assert cover.cell(row=hr + 1, column=8).value == "优"


def test_compute_writes_what_perfxl_scoring_gives(computed: tuple[Path, Path, str]) -> None:
    """Every project's 总分 and 等级, and every row's score as read back, are
    `perfxl.evaluation.evaluate`'s, and the JSON report says the same."""
    typed, out, stdout = computed
    report = json.loads(stdout)
    assert report["stage"] == "evaluation" and report["profile"] == "default"
    want = evaluate(read_workbook(typed).targets)
    res = read_workbook(out)
    got = res.targets
    assert len(want) == len(got.projects) == len(report["projects"]) == 19
    levels = set()
    for w, p, rp in zip(want, got.projects, report["projects"], strict=True):
        e = p.evaluation
        assert e is not None and w.total is not None
        assert Decimal(repr(e.score)) == w.total == Decimal(repr(rp["total"])), p.name
        assert e.level == w.level == rp["level"], p.name
        levels.add(w.level)
        for row, x in zip(w.rows, e.indicators, strict=True):
            if row.rule == QUALITATIVE:
                continue
            assert row.score is not None and Decimal(repr(x.score)) == row.score, (p.name, row)
    assert len(levels) >= 2  # the typing makes some projects short of 优
    assert [r["score"] for r in report["projects"][0]["rows"]][3] == pytest.approx(11.99)


def test_compute_changes_nothing_but_the_computed_cells(computed: tuple[Path, Path, str]) -> None:
    """What the clerk typed reads back the same; the package keeps every part."""
    typed, out, _ = computed
    before, after = read_workbook(typed).targets, read_workbook(out).targets
    for a, b in zip(before.projects, after.projects, strict=True):
        assert a.evaluation is not None and b.evaluation is not None
        for x, y in zip(a.evaluation.indicators, b.evaluation.indicators, strict=True):
            assert (x.actual, x.grade, x.deviation, x.points) == (
                y.actual,
                y.grade,
                y.deviation,
                y.points,
            )
    with zipfile.ZipFile(typed) as z1, zipfile.ZipFile(out) as z2:
        assert sorted(z1.namelist()) == sorted(z2.namelist())


@pytest.fixture(scope="module")
def recalculated(
    computed: tuple[Path, Path, str], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    _, out, _ = computed
    outdir = tmp_path_factory.mktemp("evaluation-recalc")
    [done] = convert(
        [out], "xlsx", outdir, timeout=240, profile=libreoffice_profile("recalc", RECALC_ALWAYS)
    )
    return done


def test_libreoffice_recalculation_agrees_with_perfxl(
    computed: tuple[Path, Path, str], recalculated: Path
) -> None:
    """Every cell of every sheet: LibreOffice's recalculation of the workbook's own formulas
    equals what perfxl cached (numbers to the cent), so the text actual's score perfxl wrote
    and the band's lowest counted for a blank qualitative score are the sheet's own figures."""
    _, out, _ = computed
    mine, theirs = _values(out), _values(recalculated)
    diffs = []
    compared = 0
    for s, (a_rows, b_rows) in enumerate(zip(mine, theirs, strict=True)):
        for r, (a_row, b_row) in enumerate(zip(a_rows, b_rows, strict=False)):
            for c, (a, b) in enumerate(zip(a_row, b_row, strict=False)):
                a = None if a == "" else a
                b = None if b == "" else b
                if isinstance(a, int | float) and isinstance(b, int | float):
                    compared += 1
                    if abs(a - b) > 0.005:
                        diffs.append((s, r + 1, c + 1, a, b))
                elif a != b:
                    diffs.append((s, r + 1, c + 1, a, b))
    assert diffs == []
    assert compared > 500


def test_a_percent_row_takes_96_percent_as_typed(computed: tuple[Path, Path, str]) -> None:
    """A percent row's 实际完成值 is a percent cell; the 0.96 Excel stores for 96% reads back
    as 96% (no warning that it looks like a fraction) and scores full against ≥95%."""
    typed, _, _ = computed
    ws = openpyxl.load_workbook(typed).worksheets[2]
    actual = ws.cell(row=row_of(ws, "提升员工家属认同感"), column=column_of(ws, C.L_ACTUAL))
    assert actual.value == 0.96 and actual.number_format == "0.00%"
    money = ws.cell(row=row_of(ws, "财政补贴人数"), column=column_of(ws, C.L_ACTUAL))
    assert "%" not in money.number_format
    p = read_workbook(typed).targets.projects[0]
    assert p.evaluation is not None
    assert [x.actual for x in p.evaluation.indicators] == [
        2,
        "90%",
        "按月足额缴纳",
        "8万元",
        "96%",
        "93%",
    ]
    problems = validate_file(typed).problems
    assert [p for p in problems if p.rule == "evaluation.fraction_for_percent"] == []


# --- the one scorer, on a made-up project ------------------------------------------------------
def _project(actuals: list[Any], grade: str | None = None, score: Any = None) -> Any:
    from perfxl.model import Indicator, IndicatorResult, Project, ProjectEvaluation

    rows = [
        ("产出指标", "数量指标", "人数", "≥10人"),
        ("产出指标", "成本指标", "金额", "≤10万元"),
        ("效益指标", "社会效益指标", "按时", "规定期限内支付"),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%"),
    ]
    e = ProjectEvaluation(
        indicators=[IndicatorResult(actual=a) for a in actuals],
    )
    e.total.budget, e.total.executed, e.total.points = 100, 90, 10  # F6 as perfxl new writes it
    e.indicators[2].grade, e.indicators[2].score = grade, score
    return Project(
        name="测试",
        indicators=[Indicator(a, b, c, None, t, None) for a, b, c, t in rows],
        evaluation=e,
    )


def test_evaluate_project_counts_what_the_sheet_counts() -> None:
    from perfxl.evaluation import evaluate_project

    # funds 90 % of 10 = 9; 人数 8/10 × 25 = 20; 金额 120000元 = 12万元 → (1 − 0.2) × 25 = 20;
    # 按时 部分达成 with no score: 60 % of 30 = 18 (warning); 满意度 95% ≥ 90% → 10. 总分 77 → 中
    r = evaluate_project(_project([8, "120000元", None, "95%"], GRADES[1]))
    assert (r.funds.score, r.total, r.level) == (Decimal(9), Decimal(77), "中")
    assert [x.counted for x in r.rows] == [20, 20, 18, 10]
    assert "score_defaulted" in r.rows[2].problems and r.rows[2].score == 18
    assert [x.index for x in r.short_rows] == [2, 0, 1]  # lowest share of the points first
    assert r.full_points == 100
    assert r.rates["total"] == Decimal(90) and r.rates["other"] is None


def test_an_unscorable_row_leaves_the_total_blank() -> None:
    from perfxl.evaluation import evaluate_project

    r = evaluate_project(_project([8, "12人", None, "95%"], GRADES[0], 30))
    assert r.rows[1].counted is None and "incomparable_units" in r.rows[1].problems
    assert (r.total, r.level) == (None, None)
    r = evaluate_project(_project([None, 10, None, "95%"]))  # nothing typed, no grade: 0
    assert [x.counted for x in r.rows] == [0, 25, 0, 10] and r.total == Decimal(44)
