"""The county demo's self-evaluation round: each township's 绩效自评表, deterministically.

From the county demo's township targets workbooks (tools/make_county_demo.py), every unit's
chosen version (the one ``perfxl consolidate`` uses: perfxl.versions, saved time first, as
tools/make_county_monitoring_demo.py chooses) becomes a self-evaluation workbook through the
same library call as ``perfxl new evaluation``; then a clerk's year-end figures are typed into
the cells perfxl.layout's EvaluationForm declares, by fixed rules:

* most projects complete: 全年执行数 equal to 全年预算数, every indicator met (a percent
  target ≥ at 98 or its own figure, a 反向 or 等于 target exactly, a qualitative one
  达成年度指标 at full points);
* three in ten a little short: 执行率 85-95 %, its money indicators following the 执行率 and
  its first 正向 indicator at 80 % of the target; one in ten well short: 执行率 50-80 % and
  every 正向 indicator at that share of its target (the county's 良, 中 and 差); each row
  short of its target with its 偏差原因分析及改进措施;
* in each township the first complete project with a qualitative indicator has it only partly met
  (部分达成年度指标并具有一定效果, a score in the middle of its band, and its reason).

The targets' planted mistakes travel with them (王虎寨镇's funds that do not add up, 西郭城镇's
amounts typed as text: no 执行数 is typed against a budget that is not a number). Each workbook's
saved time is set to its own day in mid-January of the next year.

Usage:
    .venv/bin/python tools/make_county_evaluation_demo.py TARGETS_DIR OUT_DIR

TARGETS_DIR holds the targets workbooks (make_county_demo.py's output); OUT_DIR receives
<code>-<township>-自评.xlsx per unit.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CENT = Decimal("0.01")
# Every project takes its status from this cycle, at an offset per township: in ten projects
# six complete, three a little short, one well short.
CYCLE: tuple[str, ...] = ("full", "full", "short", "full", "full", "weak", "full", "short")
CYCLE += ("full", "short")
RATES: tuple[str, ...] = ("0.85", "0.88", "0.92", "0.95")  # 执行率 of a project a little short
# A project well short: its 执行率 and the share of its target every 正向 row reached, so that
# the county has projects graded 良, 中 and 差 besides the many 优.
WEAK: tuple[str, ...] = ("0.80", "0.65", "0.40")
REASONS: tuple[str, ...] = (
    "县财政资金拨付滞后，部分活动延至次年开展；已与县财政对接，次年一季度完成剩余支付。",
    "部分地块权属争议未解决，补偿款暂缓发放；已会同村委会调解，争议解决后即时发放。",
    "汛期施工队伍延至9月进场，年内未能全部完成；剩余工程量已申请结转下年。",
    "设备采购招标流标一次，到货推迟；已重新招标，次年3月前完成安装验收。",
)
PARTLY_WHY = "个别批次资金因报账材料不全延后支付；已完善报账材料清单，今后按月督办。"
COMPLETE = "全年按计划完成各项工作，年度绩效目标全部实现。"
SHORT_ACHIEVED = "年度绩效目标大部分实现，部分工作未按期完成（原因见偏差原因分析）。"
CHINA = dt.timezone(dt.timedelta(hours=8))
SAVED_FROM = dt.datetime(2024, 1, 10, 9, 0, 0, tzinfo=CHINA)


def _tool(name: str) -> ModuleType:
    """A sibling script of tools/ as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def status(i: int, k: int) -> str:
    """Project k of the i-th township: ``full`` (complete), ``short`` or ``weak``."""
    return CYCLE[(3 * i + k) % len(CYCLE)]


def generate(targets: Path, out: Path) -> list[Path]:
    """Write every unit's self-evaluation workbook into ``out``; returns them."""
    from perfxl.services import new_evaluation

    county = _tool("make_county_demo")
    chosen = _tool("make_county_monitoring_demo").chosen_targets(targets)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.xlsx"):
        old.unlink()
    written = []
    for path in chosen:
        from perfxl.read import read_workbook

        code = str(read_workbook(path).targets.unit.code)
        i = int(code) - int(county.unit_code(0))
        town = county.TOWNSHIPS[i] if 0 <= i < len(county.TOWNSHIPS) else code
        book = out / f"{code}-{town}-自评.xlsx"
        new_evaluation(path, book)
        type_figures(book, i)
        saved = SAVED_FROM + dt.timedelta(days=i % 6, hours=i % 5, minutes=7 * i % 60)
        county.stamp(book, saved, f"{town}财政所")
        written.append(book)
    return written


def type_figures(book: Path, i: int) -> None:
    """Type the i-th township's year-end figures into every project sheet of ``book``."""
    import openpyxl

    from perfxl import layout as L
    from perfxl.evaluation import evaluate
    from perfxl.read import read_workbook

    res = read_workbook(book)
    results = evaluate(res.targets)  # the 分值 of each row (they do not depend on the actuals)
    form = L.STANDARD.evaluation
    wb = openpyxl.load_workbook(book)
    partly_done = False
    for k, p in enumerate(res.targets.projects):
        sheet = res.project_sheet(k)
        if sheet is None or p.evaluation is None:
            continue
        ws = wb[sheet]
        how = status(i, k)
        short = how != "full"
        rate = Decimal(1)
        if how == "short":
            rate = Decimal(RATES[(i + k) % len(RATES)])
        elif how == "weak":
            rate = Decimal(WEAK[(i + k) % len(WEAK)])
        why = REASONS[(i + k) % len(REASONS)]
        _type_funds(ws, form, p.evaluation, rate)
        ws[form.field("achieved").ref] = SHORT_ACHIEVED if short else COMPLETE
        explained = False
        for j, ind in enumerate(p.indicators):
            if ind.is_blank():
                continue
            r = form.indicator_first_row + j
            points = results[k].rows[j].points
            first = how == "weak" or (how == "short" and not explained)
            actual, met = _actual(ind.target, rate, first=first)
            if actual is _EMPTY:  # no 年度指标值 (a planted mistake): nothing to measure
                continue
            if actual is None:  # qualitative
                if not short and not partly_done:
                    _partly(ws, form, r, points)
                    partly_done = True
                    continue
                ws[form.indicator_cell(r, "grade")] = "达成年度指标"
                ws[form.indicator_cell(r, "score")] = None if points is None else float(points)
                continue
            cell = ws[form.indicator_cell(r, "actual")]
            # a percent row's 实际完成值 is a percent cell: Excel stores 96% typed there as 0.96
            cell.value = _cell_number(actual / 100 if "%" in cell.number_format else actual)
            if not met:
                ws[form.indicator_cell(r, "deviation")] = why
                explained = True
    wb.save(book)


def _partly(ws: Any, form: Any, r: int, points: Decimal | None) -> None:
    """The township's qualitative row partly met: the grade, a score mid-band, the reason."""
    from perfxl.scoring import DEFAULT, GRADES, band_points

    grade = GRADES[1]
    ws[form.indicator_cell(r, "grade")] = grade
    if points is not None:
        low, high = band_points(grade, points, DEFAULT)
        ws[form.indicator_cell(r, "score")] = float(
            ((low + high) / 2).quantize(CENT, ROUND_HALF_UP)
        )
    ws[form.indicator_cell(r, "deviation")] = PARTLY_WHY


_EMPTY = Decimal(-1)


def _actual(target: Any, rate: Decimal, *, first: bool) -> tuple[Decimal | None, bool]:
    """(实际完成值 in the target's unit, whether it meets the target); None for a qualitative
    target, ``_EMPTY`` for none. Money rows follow the year's 执行率; a 正向 row asked to fall
    short (``first``) reached its target at the 执行率 of a weak project, 80 % on a project a
    little short; every other row meets its target."""
    from perfxl.scoring import QUALITATIVE, UP, formula_target
    from perfxl.targets import parse_target

    rule, n = formula_target(target)
    if rule is None:
        return _EMPTY, True
    if rule == QUALITATIVE or n is None:
        return None, True
    t = parse_target(target)
    if t.unit in ("元", "万元") and rule == UP:
        return (n * rate).quantize(CENT, ROUND_HALF_UP), rate >= 1
    if first and rule == UP and n > 0:
        share = rate if rate < Decimal("0.85") else Decimal("0.8")
        return (n * share).quantize(Decimal(1), ROUND_HALF_UP), False
    if t.is_percent and rule == UP:
        return max(n, Decimal(98)), True
    return n, True  # 反向 and 等于 rows meet their target exactly


def _type_funds(ws: Any, form: Any, e: Any, rate: Decimal) -> None:
    """全年执行数 of each funds row whose 全年预算数 is a number: ``rate`` of it."""
    for row in ("total", "fiscal", "carryover", "other"):
        budget = getattr(e, row).budget
        if isinstance(budget, int | float) and not isinstance(budget, bool) and budget:
            done = (Decimal(repr(budget)) * rate).quantize(CENT, ROUND_HALF_UP)
            ws[form.funds_cell(row, "executed")] = float(done)


def _cell_number(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("Usage:")[1], file=sys.stderr)
        return 2
    targets, out = Path(argv[0]), Path(argv[1])
    if not any(targets.glob("*.xlsx")):
        print(
            f"{targets} 中没有绩效目标工作簿：请先运行 tools/make_county_demo.py。", file=sys.stderr
        )
        return 2
    files = generate(targets, out)
    size = sum(f.stat().st_size for f in files)
    print(f"已生成 {len(files)} 个自评表（{size / 1024:.0f} KB）：{out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
