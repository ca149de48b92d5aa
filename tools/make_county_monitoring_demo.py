"""The county demo's monitoring round: each township's July 绩效运行监控表, deterministically.

From the county demo's township targets workbooks (tools/make_county_demo.py), every unit's
chosen version (the one ``perfxl consolidate`` uses: perfxl.versions, saved time first) becomes
a July monitoring workbook through the same library call as ``perfxl new monitoring``; then a
clerk's figures are typed into the cells perfxl.layout's MonitoringForm declares, by fixed
rules:

* most projects near the 58.33 % 序时进度 (green);
* every few projects one behind: 35-45 % (yellow) or 12-24 % (red), its first indicator
  有可能 (a red one's 完全不可能) with 偏差原因分析 and 整改措施, forecasts below the budget;
* a few on-track projects with one indicator 有可能 and its reason;
* a few projects with a 调整后预算数 (budget raised by a tenth mid-year), 执行率 against it.

The targets' planted mistakes travel with them (王虎寨镇's funds that do not add up, 西郭城镇's
amounts typed as text: no 执行数 can be typed against a budget that is not a number), as they
would in a real county. Each workbook's saved time is set to its own day in early August.

Usage:
    .venv/bin/python tools/make_county_monitoring_demo.py TARGETS_DIR OUT_DIR [MONTH]

TARGETS_DIR holds the targets workbooks (make_county_demo.py's output); OUT_DIR receives
<code>-<township>-<MONTH>月监控.xlsx per unit (MONTH defaults to 7).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import random
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MONTH = 7
CENT = Decimal("0.01")
# Every project takes its status from this cycle, at an offset per township (12 projects:
# 9 on track, 2 yellow, 1 red), so each county has several of each light.
CYCLE: tuple[str, ...] = ("on", "on", "yellow", "on", "on", "red", "on", "on", "on", "yellow")
CYCLE += ("on", "on")
RATES: dict[str, tuple[str, ...]] = {
    "on": ("0.55", "0.57", "0.58", "0.60", "0.62", "0.64", "0.66"),
    "yellow": ("0.35", "0.38", "0.41", "0.44"),
    "red": ("0.12", "0.16", "0.20", "0.24"),
}
FORECAST = {"on": Decimal(1), "yellow": Decimal("0.9"), "red": Decimal("0.75")}
REASONS: tuple[tuple[str, str], ...] = (  # (偏差原因分析, 整改措施)
    ("经费保障", "已向县财政申请加快资金拨付，9月底前完成支付。"),
    ("制度保障", "完善项目验收制度，8月完成阶段验收后支付进度款。"),
    ("人员保障", "抽调业务骨干专班推进，每周调度进度。"),
    ("硬件保障", "设备采购已完成招标，9月中旬到货后集中实施。"),
    ("其他：受汛期影响施工推迟", "调整实施计划，汛期后集中施工，倒排工期。"),
)
IMPOSSIBLE_WHY = "其他：上级资金下达推迟，年内无法全部完成"
IMPOSSIBLE_REMEDY = "剩余任务申请结转下年，年底前完成主体部分。"
CHINA = dt.timezone(dt.timedelta(hours=8))
SAVED_FROM = dt.datetime(2023, 8, 2, 9, 0, 0, tzinfo=CHINA)


def _tool(name: str) -> ModuleType:
    """A sibling script of tools/ as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def status(i: int, k: int) -> str:
    """Project k of the i-th township: ``on`` (track), ``yellow`` or ``red`` (behind)."""
    return CYCLE[(5 * i + k) % len(CYCLE)]


def adjusted(i: int, k: int) -> bool:
    """Whether project k of the i-th township had its budget raised mid-year."""
    return (i + 2 * k) % 13 == 6


def unsure(i: int, k: int) -> bool:
    """Whether an on-track project k of the i-th township has an indicator 有可能."""
    return (3 * i + k) % 9 == 4


def chosen_targets(folder: Path) -> list[Path]:
    """The targets workbook each unit's consolidation would use (perfxl.versions), by name."""
    from perfxl.read import read_workbook
    from perfxl.savedtime import saved_time
    from perfxl.versions import Candidate, choose

    candidates = []
    for path in sorted(folder.glob("*.xlsx")):
        code = read_workbook(path).targets.unit.code
        key = str(code) if code else str(path)
        candidates.append(Candidate(key, str(path), path.stat().st_mtime, saved_time(path)))
    return sorted(Path(c.chosen.path) for c in choose(candidates))


def generate(targets: Path, out: Path, month: int = MONTH) -> list[Path]:
    """Write every unit's monitoring workbook of ``month`` into ``out``; returns them."""
    from perfxl.services import new_monitoring

    county = _tool("make_county_demo")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.xlsx"):
        old.unlink()
    written = []
    for path in chosen_targets(targets):
        res = _read(path)
        code = str(res.targets.unit.code)
        i = int(code) - int(county.unit_code(0))
        town = county.TOWNSHIPS[i] if 0 <= i < len(county.TOWNSHIPS) else code
        book = out / f"{code}-{town}-{month}月监控.xlsx"
        new_monitoring(path, book, month=month)
        type_figures(book, i, month)
        saved = SAVED_FROM + dt.timedelta(days=i % 6, hours=i % 5, minutes=7 * i % 60)
        county.stamp(book, saved, f"{town}财政所")
        written.append(book)
    return written


def _read(path: Path) -> Any:
    from perfxl.read import read_workbook

    return read_workbook(path)


def type_figures(book: Path, i: int, month: int) -> None:
    """Type the i-th township's figures into every project sheet of ``book``."""
    import openpyxl

    from perfxl import layout as L

    demo = _tool("make_monitoring_demo")
    res = _read(book)
    form = L.STANDARD.monitoring
    wb = openpyxl.load_workbook(book)
    for k, p in enumerate(res.targets.projects):
        sheet = res.project_sheet(k)
        if sheet is None or p.monitoring is None:
            continue
        ws = wb[sheet]
        rng = random.Random(7000 + 100 * i + k)
        how = status(i, k)
        rate = Decimal(rng.choice(RATES[how]))
        initial = {row: demo._amount(getattr(p.monitoring, row).initial) for row in _ROWS}
        raise_by = Decimal("1.1") if adjusted(i, k) else Decimal(1)
        budget = {
            r: None if v is None else (v * raise_by).quantize(CENT) for r, v in initial.items()
        }
        if raise_by != 1:
            _write_funds(ws, form, "adjusted", _split(budget, budget["total"]))
        if budget["total"] is not None:
            executed = (budget["total"] * rate).quantize(CENT)
            forecast = (budget["total"] * FORECAST[how]).quantize(CENT)
            _write_funds(ws, form, "executed", _split(budget, executed))
            _write_funds(ws, form, "forecast", _split(budget, forecast))
        ws[form.field("progress").ref] = (
            f"1-{month}月按计划推进，阶段目标基本完成。"
            if how == "on"
            else f"1-{month}月进度滞后于序时进度，部分工作尚未完成。"
        )
        why, remedy = REASONS[(i + k) % len(REASONS)]
        for j, ind in enumerate(p.indicators):
            if ind.is_blank():
                continue
            r = form.indicator_first_row + j
            current, full = demo._answers(ind.target)
            answer: dict[str, Any] = {"current": current, "forecast": full}
            answer["likelihood"], answer["deviation"], answer["remedy"] = "确定能", None, None
            if j == 0 and how == "red":
                answer.update(likelihood="完全不可能", deviation=IMPOSSIBLE_WHY)
                answer["remedy"] = IMPOSSIBLE_REMEDY
            elif (j == 0 and how == "yellow") or (j == 1 and how == "on" and unsure(i, k)):
                answer.update(likelihood="有可能", deviation=why, remedy=remedy)
            for key, value in answer.items():
                ws[demo._first(form.indicator_span(r, key))] = value
    wb.save(book)


_ROWS = ("total", "fiscal", "other")


def _split(budget: dict[str, Decimal | None], amount: Decimal) -> dict[str, Decimal | None]:
    """``amount`` of the 年度资金总额 spread over the funds rows as ``budget`` is: 其他资金 in
    proportion, 财政资金 the rest (so the rows add up to the cent)."""
    total, other = budget["total"], budget["other"]
    share = None
    if other is not None and total:
        share = (other * amount / total).quantize(CENT, ROUND_HALF_UP)
    fiscal = None if budget["fiscal"] is None else amount - (share or 0)
    return {"total": amount, "fiscal": fiscal, "other": share}


def _write_funds(ws: Any, form: Any, column: str, amounts: dict[str, Decimal | None]) -> None:
    for row, v in amounts.items():
        if v is not None:
            ws[form.funds_cell(row, column)] = float(v)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.split("Usage:")[1], file=sys.stderr)
        return 2
    targets, out = Path(argv[0]), Path(argv[1])
    month = int(argv[2]) if len(argv) == 3 else MONTH
    if not any(targets.glob("*.xlsx")):
        print(
            f"{targets} 中没有绩效目标工作簿：请先运行 tools/make_county_demo.py。", file=sys.stderr
        )
        return 2
    files = generate(targets, out, month)
    size = sum(f.stat().st_size for f in files)
    print(
        f"已生成 {len(files)} 个 {month}月监控表（{size / 1024:.0f} KB）：{out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
