"""validate on a self-evaluation workbook: each rule fires at its cell on a planted fault and is
silent on a clean workbook (table-driven). The clean workbook is ``perfxl new evaluation`` of
the Suying example filled by label with openpyxl: every amount executed as budgeted, every
actual at its target, every qualitative row 达成 with its full points typed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import EXAMPLE_XLSX
from openpyxl.worksheet.worksheet import Worksheet

from perfxl import constants as C
from perfxl.evaluation import evaluate
from perfxl.read import read_workbook
from perfxl.scoring import GRADES, QUALITATIVE, formula_target
from perfxl.services import targets_record
from perfxl.validate import validate_file
from perfxl.write.evaluation import build_evaluation, profile_named
from perfxl.write.fill import save

FUNDS_ROWS = (C.L_FUNDS_TOTAL, C.L_FUNDS_THIS_YEAR, C.L_FUNDS_CARRYOVER, C.L_FUNDS_OTHER)


def find(ws: Worksheet, text: str) -> tuple[int, int]:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise AssertionError(f"no label {text!r} on {ws.title}")


def header_row(ws: Worksheet) -> int:
    return find(ws, C.L_LEVEL3)[0]


def column_of(ws: Worksheet, label: str) -> int:
    return next(c.column for c in ws[header_row(ws)] if c.value == label)


def indicator_rows(ws: Worksheet) -> list[int]:
    return list(range(header_row(ws) + 1, find(ws, C.L_TOTAL_SCORE)[0]))


def row_of(ws: Worksheet, level3: str) -> int:
    col = column_of(ws, C.L_LEVEL3)
    return next(r for r in indicator_rows(ws) if ws.cell(row=r, column=col).value == level3)


def funds(ws: Worksheet, row_label: str, column_label: str) -> Any:
    """The cell of a funds row (found by its label) in a column (found by its header)."""
    return ws.cell(row=find(ws, row_label)[0], column=find(ws, column_label)[1])


def cell(ws: Worksheet, level3: str, column_label: str) -> Any:
    return ws.cell(row=row_of(ws, level3), column=column_of(ws, column_label))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("evaluation-rules")
    blank, out = d / "自评.xlsx", d / "自评-干净.xlsx"
    t = read_workbook(EXAMPLE_XLSX).targets
    save(build_evaluation(t, profile_named(None)), blank)
    fill_clean(blank).save(out)
    return out


def fill_clean(blank: Path) -> openpyxl.Workbook:
    """The self-evaluation workbook ``blank`` filled by label as a clean year: every amount
    executed as budgeted, every actual at its target, every qualitative row 达成 with its full
    points typed (not saved: a test may plant a fault first)."""
    points = [[r.points for r in e.rows] for e in evaluate(read_workbook(blank).targets)]
    wb = openpyxl.load_workbook(blank)
    for n, ws in enumerate(w for w in wb.worksheets[2:] if w.sheet_state == "visible"):
        for label in FUNDS_ROWS:
            budget = funds(ws, label, C.L_BUDGET_YEAR).value
            if budget is not None:
                funds(ws, label, C.L_EXECUTED_YEAR).value = budget
        cols = {k: column_of(ws, k) for k in (C.L_ANNUAL_TARGET, C.L_ACTUAL, C.L_GRADE, C.L_SCORE)}
        for k, r in enumerate(indicator_rows(ws)):
            rule, number = formula_target(ws.cell(row=r, column=cols[C.L_ANNUAL_TARGET]).value)
            if rule == QUALITATIVE:
                ws.cell(row=r, column=cols[C.L_GRADE]).value = GRADES[0]
                ws.cell(row=r, column=cols[C.L_SCORE]).value = float(points[n][k])
            else:
                assert number is not None
                actual = ws.cell(row=r, column=cols[C.L_ACTUAL])
                percent = actual.number_format.endswith("%")  # a percent cell holds 0.96
                actual.value = float(number) / 100 if percent else float(number)
    return wb


def test_the_clean_workbook_has_no_evaluation_problem(clean: Path) -> None:
    report = validate_file(clean)
    assert [p for p in report.problems if p.rule.startswith("evaluation.")] == []
    assert report.errors == 0
    assert all(e.total is not None and e.total == 100 for e in evaluate(report.read.targets))  # type: ignore[union-attr]


@dataclass(frozen=True)
class Fault:
    """A fault planted on the first project's sheet; ``where`` gives the cell it is found at."""

    rule: str
    plant: Callable[[Worksheet, openpyxl.Workbook], None]
    where: Callable[[Worksheet], Any]
    severity: str = "error"


def _real_fault(ws: Worksheet, wb: openpyxl.Workbook) -> None:
    """The 2022 township form: 年度资金总额 0 / 0 / 0 while 本年财政拨款 90 / 89.974 / 89.974."""
    for col, total, fiscal in (
        (C.L_INITIAL, 0, 90),
        (C.L_BUDGET_YEAR, 0, 89.974),
        (C.L_EXECUTED_YEAR, 0, 89.974),
    ):
        funds(ws, C.L_FUNDS_TOTAL, col).value = total
        funds(ws, C.L_FUNDS_THIS_YEAR, col).value = fiscal
        for other in (C.L_FUNDS_CARRYOVER, C.L_FUNDS_OTHER):
            funds(ws, other, col).value = None


def _set(level3: str, label: str, value: Any) -> Callable[[Worksheet, openpyxl.Workbook], None]:
    def plant(ws: Worksheet, wb: openpyxl.Workbook) -> None:
        cell(ws, level3, label).value = value

    return plant


def _over_budget(ws: Worksheet, wb: openpyxl.Workbook) -> None:
    for label in (C.L_FUNDS_TOTAL, C.L_FUNDS_THIS_YEAR):
        funds(ws, label, C.L_EXECUTED_YEAR).value = 9.5  # budget 8.39


def _negative_executed(ws: Worksheet, wb: openpyxl.Workbook) -> None:
    for label in (C.L_FUNDS_TOTAL, C.L_FUNDS_THIS_YEAR):  # the rows still add up
        funds(ws, label, C.L_EXECUTED_YEAR).value = -1


def _ratio_reverse_over(ws: Worksheet, wb: openpyxl.Workbook) -> None:
    cover = wb.worksheets[0]
    r, c = find(cover, C.L_PROFILE)
    cover.cell(row=r, column=c + 1).value = "ratio-reverse（反向指标按比值计分、超额30%需说明）"
    cell(ws, "财政补贴人数", C.L_ACTUAL).value = 3  # ≥2人: 50 % over


def _typed_points(ws: Worksheet, wb: openpyxl.Workbook) -> None:
    cell(ws, "财政补贴人数", C.L_POINTS).value = 20  # 产出 rows then add up to 57.5, not 50


FAULTS: dict[str, Fault] = {
    "funds_sum_budget": Fault(
        "evaluation.funds_sum", _real_fault, lambda ws: funds(ws, C.L_FUNDS_TOTAL, C.L_BUDGET_YEAR)
    ),
    "funds_sum_executed": Fault(
        "evaluation.funds_sum",
        _real_fault,
        lambda ws: funds(ws, C.L_FUNDS_TOTAL, C.L_EXECUTED_YEAR),
    ),
    "funds_sum_initial": Fault(
        "evaluation.funds_sum", _real_fault, lambda ws: funds(ws, C.L_FUNDS_TOTAL, C.L_INITIAL)
    ),
    "executed_over_budget": Fault(
        "evaluation.executed_over_budget",
        _over_budget,
        lambda ws: funds(ws, C.L_FUNDS_TOTAL, C.L_EXECUTED_YEAR),
    ),
    "amount_negative": Fault(
        "evaluation.amount_negative",
        _negative_executed,
        lambda ws: funds(ws, C.L_FUNDS_TOTAL, C.L_EXECUTED_YEAR),
    ),
    "reason_missing": Fault(
        "evaluation.reason_missing",
        _set("员工满意度", C.L_ACTUAL, 0.8),  # 80 % of ≥95%
        lambda ws: cell(ws, "员工满意度", C.L_DEVIATION_REMEDY),
    ),
    "over_unexplained": Fault(
        "evaluation.over_unexplained",
        _ratio_reverse_over,
        lambda ws: cell(ws, "财政补贴人数", C.L_DEVIATION_REMEDY),
    ),
    "points_sum": Fault(
        "evaluation.points_sum", _typed_points, lambda ws: cell(ws, "财政补贴人数", C.L_POINTS)
    ),
    "outside_band": Fault(
        "evaluation.outside_band",
        _set("资金发放时间", C.L_SCORE, 13),  # 达成: 10.00–12.50 of 12.5
        lambda ws: cell(ws, "资金发放时间", C.L_SCORE),
    ),
    "score_defaulted": Fault(
        "evaluation.score_defaulted",
        _set("资金发放时间", C.L_SCORE, None),
        lambda ws: cell(ws, "资金发放时间", C.L_SCORE),
        "warning",
    ),
    "grade_missing": Fault(
        "evaluation.grade_missing",
        _set("资金发放时间", C.L_GRADE, None),
        lambda ws: cell(ws, "资金发放时间", C.L_GRADE),
    ),
    "units_incomparable": Fault(
        "evaluation.units_incomparable",
        _set("员工满意度", C.L_ACTUAL, "96人"),
        lambda ws: cell(ws, "员工满意度", C.L_ACTUAL),
    ),
    "actual_not_quantity": Fault(
        "evaluation.actual_not_quantity",
        _set("员工满意度", C.L_ACTUAL, "大部分满意"),
        lambda ws: cell(ws, "员工满意度", C.L_ACTUAL),
    ),
    "actual_missing": Fault(
        "evaluation.actual_missing",
        _set("员工满意度", C.L_ACTUAL, None),
        lambda ws: cell(ws, "员工满意度", C.L_ACTUAL),
    ),
    "score_differs": Fault(
        "evaluation.score_differs",
        _set("员工满意度", C.L_SCORE, 8),  # typed over the formula; the rule gives 10
        lambda ws: cell(ws, "员工满意度", C.L_SCORE),
    ),
    "money_as_text_is_fine_but_short": Fault(
        "evaluation.reason_missing",
        _set("财政补贴下发金额", C.L_ACTUAL, "8万元"),  # 80000 of 83380元: short
        lambda ws: cell(ws, "财政补贴下发金额", C.L_DEVIATION_REMEDY),
    ),
    "carried_changed": Fault(
        "evaluation.carried_changed",
        _set("员工满意度", C.L_ANNUAL_TARGET, "≥90%"),
        lambda ws: cell(ws, "员工满意度", C.L_ANNUAL_TARGET),
    ),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_each_rule_fires_at_its_cell(name: str, clean: Path, tmp_path: Path) -> None:
    fault = FAULTS[name]
    book = tmp_path / "有问题.xlsx"
    shutil.copy(clean, book)
    wb = openpyxl.load_workbook(book)
    ws = wb.worksheets[2]
    fault.plant(ws, wb)
    want = fault.where(ws).coordinate
    wb.save(book)
    found = [p for p in validate_file(book).problems if p.rule == fault.rule]
    assert [(p.sheet, p.cell) for p in found if p.cell == want] == [(ws.title, want)], found
    hit = next(p for p in found if p.cell == want)
    assert hit.severity == fault.severity
    assert ws.title in hit.message or "“" in hit.message  # names the project or the indicator
    assert {p.sheet for p in found} == {ws.title}  # only the sheet planted


def test_the_carried_record_is_checked_against_targets_too(clean: Path, tmp_path: Path) -> None:
    """``validate --targets`` on a self-evaluation workbook: its carried cells against the
    targets workbook itself (here with the record removed)."""
    book = tmp_path / "无记录.xlsx"
    wb = openpyxl.load_workbook(clean)
    del wb[wb.sheetnames[-1]]
    ws = wb.worksheets[2]
    cell(ws, "员工满意度", C.L_ANNUAL_TARGET).value = "≥90%"
    wb.save(book)
    assert not [p for p in validate_file(book).problems if p.rule.startswith("evaluation.carr")]
    found = validate_file(book, carried=targets_record(EXAMPLE_XLSX)).problems
    assert [p.cell for p in found if p.rule == "evaluation.carried_changed"] == [
        cell(ws, "员工满意度", C.L_ANNUAL_TARGET).coordinate
    ]


def test_a_disagreeing_score_says_whether_it_was_typed_or_is_a_stale_formula(
    clean: Path, tmp_path: Path
) -> None:
    """validate tells a number typed over the score's formula from the formula's stale
    cached result (the file's XML says which)."""
    from perfxl.services import compute_workbook
    from perfxl.write.patch import CellWrite, WorkbookPatch

    ws = openpyxl.load_workbook(clean).worksheets[2]
    score = cell(ws, "员工满意度", C.L_SCORE).coordinate
    actual = cell(ws, "员工满意度", C.L_ACTUAL).coordinate
    done = tmp_path / "已计算.xlsx"
    compute_workbook(clean, done)
    assert not [p for p in validate_file(done).problems if p.rule == "evaluation.score_differs"]
    stale = tmp_path / "改了实际值.xlsx"
    patch = WorkbookPatch.open(done)  # as Excel would without recalculating: the cache stays
    patch.write_cells([CellWrite(ws.title, actual, 0.5)])
    patch.save(stale, backup=False)
    [p] = [p for p in validate_file(stale).problems if p.rule == "evaluation.score_differs"]
    assert (p.cell, p.severity) == (score, "error")
    assert "公式结果为 10" in p.message and "perfxl compute" in p.message
    typed = tmp_path / "手填.xlsx"
    shutil.copy(clean, typed)
    wb = openpyxl.load_workbook(typed)
    cell(wb.worksheets[2], "员工满意度", C.L_SCORE).value = 8
    wb.save(typed)
    [p] = [p for p in validate_file(typed).problems if p.rule == "evaluation.score_differs"]
    assert p.cell == score and "填写的是数字 8" in p.message and "恢复公式" in p.message


def test_compute_says_which_typed_score_it_replaced_with_the_rules(
    clean: Path, tmp_path: Path
) -> None:
    """A score typed over the formula is replaced by the rule's (one answer), and said, with
    the number typed (compute.score_replaced, exit 1); its own number from an earlier run is
    not said again."""
    from perfxl.services import compute_workbook

    typed = tmp_path / "手填.xlsx"
    shutil.copy(clean, typed)
    wb = openpyxl.load_workbook(typed)
    score = cell(wb.worksheets[2], "员工满意度", C.L_SCORE)
    score.value = 8
    wb.save(typed)
    done = tmp_path / "已计算.xlsx"
    report = compute_workbook(typed, done)
    [p] = [p for p in report.problems if p.rule == "compute.score_replaced"]
    assert (p.sheet, p.cell, p.value, p.severity) == (
        wb.worksheets[2].title,
        score.coordinate,
        8,
        "warning",
    )
    assert "原先填写的是数字 8（" in p.message and "得分 10.00" in p.message
    again = compute_workbook(done, tmp_path / "再算.xlsx")
    assert not [p for p in again.problems if p.rule == "compute.score_replaced"]
    assert not [p for p in validate_file(done).problems if p.rule == "evaluation.score_differs"]


# --- the rules a workbook rarely shows, on a model built inline ---------------------------------
def _model() -> Any:
    from perfxl.model import (
        Indicator,
        IndicatorResult,
        Project,
        ProjectEvaluation,
        Targets,
        Unit,
    )

    rows = [
        ("产出指标", "数量指标", "人数", "≥10人", 10),
        ("效益指标", "社会效益指标", "按时", "规定期限内支付", None),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%"),
    ]
    e = ProjectEvaluation(indicators=[IndicatorResult(actual=a) for *_, a in rows])
    e.total.budget = e.total.executed = e.fiscal.budget = e.fiscal.executed = 10
    e.total.points = 10  # the profile's, as perfxl new writes it
    e.indicators[1].grade, e.indicators[1].score = GRADES[0], 30
    p = Project(
        code="P1",
        name="测试",
        indicators=[Indicator(a, b, c, None, t, None) for a, b, c, t, _ in rows],
        evaluation=e,
    )
    return Targets(unit=Unit("910001", "测试单位"), projects=[p], stage="evaluation")


def _findings(t: Any, carried: Any = None) -> list[tuple[str, str]]:
    from perfxl.config import load_config
    from perfxl.rules.base import Context
    from perfxl.rules.evaluation import check

    ctx = Context(t, t.to_dict(), load_config(None), "2015", carried, ("测试",))
    return [(f.rule, f.pointer) for f in check(ctx)]


def _edit(**changes: Any) -> Callable[[Any], None]:
    def plant(t: Any) -> None:
        p = t.projects[0]
        for path, value in changes.items():
            obj: Any = p
            *parts, last = path.split("__")
            for part in parts:
                obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
            setattr(obj, last, value)

    return plant


ROW = "/projects/0/evaluation/indicators"
MODEL_CASES: list[tuple[str, Callable[[Any], None], tuple[str, str]]] = [
    (
        "funds points blank",
        _edit(evaluation__total__points=None),
        ("evaluation.points_invalid", "/projects/0/evaluation/total/points"),
    ),
    (
        "points text",
        _edit(evaluation__indicators__0__points="十分"),
        ("evaluation.points_invalid", f"{ROW}/0/points"),
    ),
    (
        "level1",
        _edit(indicators__0__level1="其他指标"),
        ("evaluation.level1_unknown", "/projects/0/indicators/0/level1"),
    ),
    (
        "no 产出 rows",
        _edit(indicators__0__level1="效益指标"),
        ("evaluation.weight_lost", "/projects/0/indicators"),
    ),
    (
        "negative",
        _edit(evaluation__indicators__0__actual=-3),
        ("evaluation.actual_negative", f"{ROW}/0/actual"),
    ),
    (
        "fraction",
        _edit(evaluation__indicators__2__actual=0.95),
        ("evaluation.fraction_for_percent", f"{ROW}/2/actual"),
    ),
    (
        "score text",
        _edit(evaluation__indicators__1__score="满分"),
        ("evaluation.score_text", f"{ROW}/1/score"),
    ),
    (
        "no target",
        _edit(indicators__0__target=None),
        ("evaluation.target_unscorable", "/projects/0/indicators/0/target"),
    ),
]


def test_the_model_is_clean() -> None:
    assert _findings(_model()) == []


@pytest.mark.parametrize("name", [c[0] for c in MODEL_CASES])
def test_each_model_rule_fires_where_it_should(name: str) -> None:
    _, plant, want = next(c for c in MODEL_CASES if c[0] == name)
    t = _model()
    plant(t)
    assert want in _findings(t)


def test_an_unknown_profile_and_carried_rows_added_or_missing() -> None:
    from perfxl.carried import record_of
    from perfxl.model import Indicator

    t = _model()
    t.profile = "strict"
    assert ("evaluation.profile_unknown", "/profile") in _findings(t)
    t = _model()
    record = record_of(t, ["测试"])
    t.projects[0].indicators.append(
        Indicator("满意度指标", "服务对象满意度指标", "新增", None, "≥80%", None)
    )
    assert ("evaluation.carried_added", "/projects/0/indicators/3/level3") in _findings(t, record)
    t = _model()
    del t.projects[0].indicators[2]
    rules = [r for r, _ in _findings(t, record)]
    assert "evaluation.carried_missing" in rules


EVALUATION_RULE_CASES: frozenset[str] = frozenset(
    {f.rule for f in FAULTS.values()}
    | {c[2][0] for c in MODEL_CASES}
    | {"evaluation.profile_unknown", "evaluation.carried_added", "evaluation.carried_missing"}
)
"""Every evaluation rule with a firing case here (tests/test_rules.py checks all are)."""


def test_every_evaluation_rule_has_a_firing_case() -> None:
    from perfxl.rules.evaluation import EMITS

    assert set(EMITS) == EVALUATION_RULE_CASES
