"""One read 绩效运行监控表 -> the monitoring summary's rows (runs in a worker process).

执行率, 序时进度 and the lights come from `perfxl.monitoring`, so the summary shows the very
numbers ``compute`` writes into the township's workbook. Amounts are taken as the cells hold
them (`perfxl.held`): one typed as text shows as typed, gives no 执行率 and no light, and a
unit's sums leave it out, as ``SUM`` would.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from perfxl import monitoring as M
from perfxl.consolidate import columns as K
from perfxl.consolidate.columns import MonitorIndicatorRow, MonitorProjectRow
from perfxl.consolidate.records import FileRecord, Submission
from perfxl.consolidate.rows import problem_row, text_or_none
from perfxl.held import held_targets, text_amounts
from perfxl.numbers import gap, to_float
from perfxl.problems import Problem
from perfxl.read import ReadResult


def monitoring_submission(
    res: ReadResult,
    problems: Iterable[Problem],
    record: FileRecord,
    yellow_gap: Decimal = M.DEFAULT_YELLOW_GAP,
    red_gap: Decimal = M.DEFAULT_RED_GAP,
) -> Submission:
    """Every project's 执行率 and light, and what needs 整改 (red/yellow projects, indicators
    not 确定能), of one monitoring workbook."""
    t = held_targets(res.targets, text_amounts(res.problems))  # as the sheet's formulas take it
    unit_code, unit_name = text_or_none(t.unit.code), text_or_none(t.unit.name)
    record.unit_code, record.unit_name = unit_code, unit_name
    record.projects = len(t.projects)
    file = record.path
    sub = Submission(file=record, month=M.month_of(t), stage="monitoring")
    codes: list[str | None] = []
    for result, p in zip(M.monitor(t, yellow_gap, red_gap), t.projects, strict=True):
        i = result.index
        code, name = text_or_none(p.code), text_or_none(p.name)
        codes.append(code)
        sheet, cell = res.locations.get(f"/projects/{i}/code", (res.project_sheet(i), None))
        m = p.monitoring
        total = m.total if m is not None else None
        rate = to_float(result.rate)
        light = M.LIGHT_TEXT[result.light] if result.light else None
        sub.monitor.append(
            MonitorProjectRow(
                K.ROW_PROJECT,
                unit_code,
                unit_name,
                code,
                name,
                _amount(total.initial if total else None),
                _amount(total.adjusted if total else None),
                _amount(total.executed if total else None),
                rate,
                to_float(result.schedule),
                to_float(gap(result.rate, result.schedule))
                if result.schedule is not None
                else None,
                light,
                _amount(total.forecast if total else None),
                file,
                sheet,
                cell,
            )
        )
        if m is None:
            continue
        if result.light in ("red", "yellow"):
            sub.rectify.append(
                MonitorIndicatorRow(
                    K.ITEM_PROJECT,
                    unit_code,
                    unit_name,
                    code,
                    name,
                    None,
                    None,
                    rate,
                    None,
                    light,
                    _joined(x.deviation for x in m.indicators),
                    _joined(x.remedy for x in m.indicators),
                    file,
                    sheet,
                    cell,
                )
            )
        for j, (x, ilight) in enumerate(zip(m.indicators, result.indicator_lights, strict=False)):
            if ilight == "green":
                continue
            ind = p.indicators[j] if j < len(p.indicators) else None
            isheet, icell = res.locations.get(
                f"/projects/{i}/monitoring/indicators/{j}/likelihood", (sheet, None)
            )
            sub.rectify.append(
                MonitorIndicatorRow(
                    K.ITEM_INDICATOR,
                    unit_code,
                    unit_name,
                    code,
                    name,
                    j + 1,
                    text_or_none(ind.level3) if ind else None,
                    None,
                    text_or_none(x.likelihood),
                    M.LIGHT_TEXT[ilight] if ilight else None,
                    text_or_none(x.deviation),
                    text_or_none(x.remedy),
                    file,
                    isheet,
                    icell,
                )
            )
    for prob in problems:
        sub.problems.append(problem_row(prob, unit_code, unit_name, None, file))
    return sub


def _amount(v: Any) -> Any:
    """An amount as the cell holds it (a blank string is no amount)."""
    return None if M.is_blank(v) else v


def _joined(texts: Iterable[Any]) -> str | None:
    """The distinct non-blank texts, in order, one per line."""
    seen: list[str] = []
    for t in texts:
        if not M.is_blank(t) and str(t).strip() not in seen:
            seen.append(str(t).strip())
    return "\n".join(seen) or None
