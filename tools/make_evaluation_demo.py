"""The Suying 2023 self-evaluation workbook, as a clerk would have filled it in (issue 14's demo).

Usage: python tools/make_evaluation_demo.py OUT_EVALUATION

OUT_EVALUATION is ``perfxl new evaluation examples/suying-2023-monitoring.xlsx`` (so the
monitoring's 调整后预算数 carries into 全年预算数) with plausible year-end figures typed with
openpyxl into the cells found by their LABELS, as a clerk reads the form (全年执行数 on the
年度资金总额 row and its parts, 实际完成值 / 得分 / 评价等级 / 偏差原因分析及改进措施 under
their headers, 实际完成情况 under its label): most projects spent their budget and met every
indicator; three spent less and fell short (the projects behind in July's monitoring, one of them to
良), their shortfalls explained; one qualitative indicator only partly met (部分达成年度指标并具有一定效果, with a
score inside its band and the reason). Every figure is derived from the example, so a run gives
the same workbook (the committed examples/suying-2023-evaluation.xlsx; a test compares their
export). The scores are left to the sheet's formulas and ``perfxl compute``.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from perfxl import constants as C

ROOT = Path(__file__).resolve().parent.parent
MONITORING = ROOT / "examples" / "suying-2023-monitoring.xlsx"
CENT = Decimal("0.01")
DEPARTMENT = "巨鹿县苏营镇人民政府"
SHORT: dict[int, tuple[str, str, str]] = {
    # project index -> (执行率, the share of its first count target reached, why it fell short)
    3: (
        "0.85",
        "0.8",
        "县财政资金拨付滞后，部分活动延至次年开展；已与县财政对接，"
        "次年一季度完成剩余支付，今后按季度跟踪资金到位情况。",
    ),
    8: (
        "0.92",
        "1",
        "部分地块权属争议未解决，补偿款暂缓发放；已会同村委会调解，"
        "争议解决后即时发放，今后发放前先完成权属核查。",
    ),
    14: (
        "0.70",
        "0.6",
        "汛期施工队伍延至9月进场，年内未能全部完成；剩余工程量已申请结转下年，"
        "今后汛期前安排主体施工。",
    ),
}
PARTLY = (10, 2)  # (project, indicator): the qualitative row only partly met
PARTLY_WHY = "个别批次资金因报账材料不全延后支付；已完善报账材料清单，今后按月督办。"
COMPLETE = "全年按计划完成各项工作，年度绩效目标全部实现。"
SHORT_ACHIEVED = "年度绩效目标大部分实现，部分工作未按期完成（原因见偏差原因分析）。"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "perfxl.cli", "new", "evaluation", str(MONITORING)]
    subprocess.run([*cmd, "-o", str(out)], check=True)
    type_figures(out)
    print(f"已生成：{out}（绩效自评表，已填入示例数据）", file=sys.stderr)
    return 0


def type_figures(book: Path) -> None:
    """Type the clerk's year-end figures into every project sheet of ``book``."""
    import openpyxl

    from perfxl.evaluation import evaluate
    from perfxl.read import read_workbook

    res = read_workbook(book)
    results = evaluate(res.targets)  # the 分值 of each row (they do not depend on the actuals)
    wb = openpyxl.load_workbook(book)
    for i, p in enumerate(res.targets.projects):
        sheet = res.project_sheet(i)
        if sheet is None or p.evaluation is None:
            continue
        ws = wb[sheet]
        form = _Form(ws)
        short = SHORT.get(i)
        rate = Decimal(short[0]) if short else Decimal(1)
        form.type_right_of(C.L_DEPARTMENT, DEPARTMENT)
        form.type_funds(rate)
        form.type_below(C.L_ACHIEVED, SHORT_ACHIEVED if short else COMPLETE)
        first = next((j for j, ind in enumerate(p.indicators) if _is_count(ind.target)), None)
        for j, ind in enumerate(p.indicators):
            if ind.is_blank():
                continue
            row = form.indicator_rows[j]
            points = results[i].rows[j].points
            if (i, j) == PARTLY:
                _partly(form, row, points)
                continue
            reached = Decimal(short[1]) if short and j == first else None
            actual, met = _actual(ind.target, rate, reached)
            if actual is None:  # qualitative: 达成年度指标 at full points
                form.type(row, C.L_GRADE, "达成年度指标")
                form.type(row, C.L_SCORE, None if points is None else float(points))
                continue
            form.type_actual(row, actual, ind.target)
            if not met and short:
                form.type(row, C.L_DEVIATION_REMEDY, short[2])
    wb.save(book)


def _partly(form: _Form, row: int, points: Decimal | None) -> None:
    """The one qualitative row partly met: the grade, a score in the middle of its band."""
    from perfxl.scoring import DEFAULT, GRADES, band_points

    grade = GRADES[1]
    form.type(row, C.L_GRADE, grade)
    if points is not None:
        low, high = band_points(grade, points, DEFAULT)
        form.type(row, C.L_SCORE, float(((low + high) / 2).quantize(CENT, ROUND_HALF_UP)))
    form.type(row, C.L_DEVIATION_REMEDY, PARTLY_WHY)


def _is_count(target: Any) -> bool:
    """A quantitative target that is neither money nor a percent (``≥5台``, ``26人``)."""
    from perfxl.scoring import QUALITATIVE, formula_target
    from perfxl.targets import parse_target

    rule, n = formula_target(target)
    t = parse_target(target)
    return (
        rule not in (None, QUALITATIVE)
        and n is not None
        and not t.is_percent
        and (t.unit not in ("元", "万元"))
    )


def _actual(target: Any, rate: Decimal, reached: Decimal | None) -> tuple[Decimal | None, bool]:
    """(实际完成值 in the target's unit, whether it meets the target); None for a qualitative
    target. Money rows follow the year's 执行率; on a project that fell short its first count
    row reached the share ``reached`` of its target (whole units); every other row meets its
    target (a percent ≥ target at 98)."""
    from perfxl.scoring import QUALITATIVE, UP, formula_target
    from perfxl.targets import parse_target

    rule, n = formula_target(target)
    if rule is None or rule == QUALITATIVE or n is None:
        return None, True
    t = parse_target(target)
    if t.unit in ("元", "万元"):
        return (n * rate).quantize(CENT, ROUND_HALF_UP).normalize(), rate >= 1
    if reached is not None and not t.is_percent:
        done = (n * reached).quantize(Decimal(1), ROUND_HALF_UP)
        return done, done >= n
    if t.is_percent and rule == UP:
        return max(n, Decimal(98)), True
    return n, True  # 反向 and 等于 rows meet their target exactly


class _Form:
    """The cells of one self-evaluation sheet, found by their labels as a clerk finds them."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.cells: dict[str, tuple[int, int]] = {}
        for row in ws.iter_rows(max_col=ws.max_column):
            for c in row:
                if isinstance(c.value, str) and c.value not in self.cells:
                    self.cells[c.value] = (c.row, c.column)
        head, _ = self.cells[C.L_ACTUAL]  # the indicator table's header row
        self.columns = {
            c.value: c.column for c in ws[head] if isinstance(c.value, str)
        }  # 得分 here is the indicators' (the funds block above has one too)
        end, _ = self.cells[C.L_TOTAL_SCORE]
        self.indicator_rows = list(range(head + 1, end))

    def type(self, row: int, header: str, value: Any) -> None:
        self.ws.cell(row, self.columns[header]).value = value

    def type_actual(self, row: int, actual: Decimal, target: Any) -> None:
        """A number as Excel stores what the clerk typed: a percent cell holds the fraction."""
        from perfxl.targets import parse_target

        cell = self.ws.cell(row, self.columns[C.L_ACTUAL])
        percent = parse_target(target).is_percent and "%" in str(cell.number_format)
        value = actual / 100 if percent else actual
        cell.value = int(value) if value == value.to_integral_value() else float(value)

    def type_right_of(self, label: str, value: Any) -> None:
        r, c = self.cells[label]
        self.ws.cell(r, c + 1).value = value

    def type_below(self, label: str, value: Any) -> None:
        r, c = self.cells[label]
        self.ws.cell(r + 1, c).value = value

    def type_funds(self, rate: Decimal) -> None:
        """全年执行数 of each funds row with a 全年预算数: the parts at ``rate`` of their budget,
        年度资金总额 their sum (the parts add up, as the form requires)."""
        _, budget_col = self.cells[C.L_BUDGET_YEAR]
        _, executed_col = self.cells[C.L_EXECUTED_YEAR]
        parts = (C.L_FUNDS_THIS_YEAR, C.L_FUNDS_CARRYOVER, C.L_FUNDS_OTHER)
        total = Decimal(0)
        any_part = False
        for label in parts:
            r, _ = self.cells[label]
            budget = self.ws.cell(r, budget_col).value
            if isinstance(budget, int | float) and not isinstance(budget, bool) and budget:
                done = (Decimal(repr(budget)) * rate).quantize(CENT, ROUND_HALF_UP)
                self.ws.cell(r, executed_col).value = float(done)
                total += done
                any_part = True
        r, _ = self.cells[C.L_FUNDS_TOTAL]
        if not any_part:
            budget = self.ws.cell(r, budget_col).value
            total = (Decimal(repr(budget or 0)) * rate).quantize(CENT, ROUND_HALF_UP)
        self.ws.cell(r, executed_col).value = float(total)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
