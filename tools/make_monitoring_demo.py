"""The Suying 2023 July monitoring workbook, as a clerk would have typed it (issue 13's demo).

Usage: python tools/make_monitoring_demo.py OUT_TARGETS OUT_MONITORING

OUT_TARGETS is a copy of examples/suying-2023.xlsx (the targets the monitoring carries);
OUT_MONITORING is ``perfxl new monitoring OUT_TARGETS --month 7`` with plausible figures typed
with openpyxl into the cells perfxl.layout's MonitoringForm declares: most projects near the
58.33 % 序时进度, three behind (偏差原因 and 整改措施 filled), one indicator 完全不可能 with
its reason. Everything is derived from the example, so a run gives the same workbook (the
committed examples/suying-2023-monitoring.xlsx; a test compares their export).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "suying-2023.xlsx"
MONTH = 7
ON_TRACK = ("0.56", "0.58", "0.60", "0.62", "0.57", "0.59")  # 执行率 of the projects on track
BEHIND: dict[int, tuple[str, str, str]] = {  # project index -> (执行率, 偏差原因, 整改措施)
    3: ("0.40", "经费保障", "已向县财政申请加快资金拨付，9月底前完成支付。"),
    8: ("0.35", "制度保障", "完善项目验收制度，8月完成阶段验收后支付进度款。"),
    14: ("0.20", "其他：受汛期影响施工推迟", "调整实施计划，汛期后集中施工，倒排工期。"),
}
IMPOSSIBLE = (14, 0)  # (project, indicator): 完全不可能
IMPOSSIBLE_WHY = "其他：汛期施工队伍延至9月进场，年内无法全部完工"
IMPOSSIBLE_REMEDY = "剩余工程量申请结转下年，年底前完成主体部分。"
CENT = Decimal("0.01")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    targets, out = Path(argv[0]), Path(argv[1])
    targets.parent.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(EXAMPLE, targets)
    cmd = [sys.executable, "-m", "perfxl.cli", "new", "monitoring", str(targets)]
    subprocess.run([*cmd, "-o", str(out), "--month", str(MONTH)], check=True)
    type_figures(out)
    print(f"已生成：{targets}（目标表）、{out}（{MONTH}月监控表，已填入示例数据）", file=sys.stderr)
    return 0


def type_figures(book: Path) -> None:
    """Type the clerk's figures into every project sheet of ``book`` (cells from the layout)."""
    import openpyxl

    from perfxl import layout as L
    from perfxl.read import read_workbook

    res = read_workbook(book)
    form = L.STANDARD.monitoring
    wb = openpyxl.load_workbook(book)
    for i, p in enumerate(res.targets.projects):
        sheet = res.project_sheet(i)
        if sheet is None or p.monitoring is None:
            continue
        ws = wb[sheet]
        behind = BEHIND.get(i)
        rate = Decimal(behind[0] if behind else ON_TRACK[i % len(ON_TRACK)])
        for row in ("total", "fiscal", "other"):
            initial = _amount(getattr(p.monitoring, row).initial)
            if initial is None:
                continue
            ws[form.funds_cell(row, "executed")] = float((initial * rate).quantize(CENT))
            full = Decimal("0.9") if behind else Decimal(1)
            ws[form.funds_cell(row, "forecast")] = float((initial * full).quantize(CENT))
        ws[form.field("progress").ref] = (
            f"1-{MONTH}月按计划推进，阶段目标基本完成。"
            if not behind
            else f"1-{MONTH}月进度滞后于序时进度，部分工作尚未完成。"
        )
        for j, ind in enumerate(p.indicators):
            if ind.is_blank():
                continue
            r = form.indicator_first_row + j
            current, forecast = _answers(ind.target)
            ws[_first(form.indicator_span(r, "current"))] = current
            ws[_first(form.indicator_span(r, "forecast"))] = forecast
            likelihood, why, remedy = "确定能", None, None
            if (i, j) == IMPOSSIBLE:
                likelihood, why, remedy = "完全不可能", IMPOSSIBLE_WHY, IMPOSSIBLE_REMEDY
            elif behind and j == 0:
                likelihood, why, remedy = "有可能", behind[1], behind[2]
            ws[_first(form.indicator_span(r, "likelihood"))] = likelihood
            ws[_first(form.indicator_span(r, "deviation"))] = why
            ws[_first(form.indicator_span(r, "remedy"))] = remedy
    wb.save(book)


def _first(span: str) -> str:
    return span.split(":")[0]


def _amount(v: Any) -> Decimal | None:
    """A carried amount as a decimal; None for a blank, zero or text amount."""
    if isinstance(v, bool) or not isinstance(v, int | float) or not v:
        return None
    return Decimal(repr(v))


def _answers(target: Any) -> tuple[Any, Any]:
    """(1-7月执行情况, 全年预计完成情况) of the kind and unit of the 指标值."""
    from perfxl.targets import parse_target

    t = parse_target(target)
    if t.kind != "quantitative" or t.number is None:
        return "按计划推进", "能够达到年度目标"
    n, unit = Decimal(repr(t.number)), t.unit or ""
    if t.is_percent or unit in ("月", "年", "日", "天"):
        done = n  # a rate or a deadline is met as it is, not by a share of the year
    else:
        done = (n * MONTH / 12).quantize(Decimal(1), ROUND_HALF_UP)
    return f"{_num(done)}{unit}", f"{_num(n)}{unit}"


def _num(d: Decimal) -> str:
    return format(d.normalize(), "f")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
