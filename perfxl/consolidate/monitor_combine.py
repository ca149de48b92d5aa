"""The county monitoring summary's tables, from the chosen monitoring submissions (pure).

Sums and percentages go through `perfxl.numbers`; a project's 执行率 and light are the ones
the worker took from `perfxl.monitoring`. A unit's 执行率 is its executed total over its
budget total (调整后预算数, else 年初预算数, per project).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from perfxl import monitoring as M
from perfxl.consolidate import columns as K
from perfxl.consolidate.columns import MonitorProjectRow, MonitorUnitRow
from perfxl.consolidate.combine import Consolidation
from perfxl.consolidate.records import Extracted, Submission
from perfxl.errors import DataError
from perfxl.numbers import checked_total, cumulative_percent, gap, to_float, total, total_cell


def monitoring_run(extracted: Sequence[Extracted]) -> bool:
    """Whether the inputs are monitoring workbooks: at least one, and no targets workbook.

    Raises:
        DataError: the monitoring workbooks are of different months (one summary, one month).
    """
    subs = [s for e in extracted for s in e.submissions]
    if not subs or any(s.stage != "monitoring" for s in subs):
        return False
    months = sorted({s.month for s in subs}, key=lambda m: (m is None, m or 0))
    if len(months) > 1:
        shown = "、".join(f"{m}月" if m else "未填月份" for m in months)
        raise DataError(
            f"监控表的月份不一致（{shown}）：县级监控汇总只汇总同一月份的监控表，"
            "请只给出同一月份的文件。",
            path=subs[0].file.path,
        )
    mark_used(subs)
    return True


def mark_used(subs: Sequence[Submission]) -> None:
    """The submissions of a stage run are summed now: used, not listed as 无法汇总."""
    for s in subs:
        s.file.status, s.file.note = K.USED, ""


def without_monitoring(extracted: Sequence[Extracted]) -> None:
    """A mix of targets and monitoring workbooks: the monitoring ones stay listed only."""
    without_stage(extracted, "monitoring")


def without_stage(extracted: Sequence[Extracted], stage: str) -> None:
    """The workbooks of a later ``stage`` among other inputs stay listed only: their
    submissions are dropped and their files count no project."""
    for e in extracted:
        for s in e.submissions:
            if s.stage == stage:
                s.file.projects = 0
        e.submissions = [s for s in e.submissions if s.stage != stage]


def monitor_tables(out: Consolidation) -> None:
    """Fill ``out``'s 监控汇总, 乡镇执行 and 需整改 from its chosen submissions."""
    out.stage = "monitoring"
    out.month = next((s.month for s in out.chosen), None)
    schedule = M.schedule_percent(out.month) if out.month else None
    budgets: list[Decimal] = []
    executed: list[Decimal] = []
    counts = dict.fromkeys(("red", "yellow", "green", "indicators_red", "indicators_yellow"), 0)
    for s in out.chosen:
        out.monitor.extend(s.monitor)
        out.rectify.extend(s.rectify)
        row = _unit_row(s, schedule)
        out.monitor_units.append(row)
        budgets.append(Decimal(repr(row.budget)))
        executed.append(Decimal(repr(row.executed)))
        for k in counts:
            counts[k] += getattr(row, k)
        out.monitor.append(_subtotal(s, row, schedule))
    (b, exact), (e, e_exact) = checked_total(budgets), checked_total(executed)
    # a unit's amount past a float's range (inf) is no amount: no exact total then
    out.budget = b if exact and all(d.is_finite() for d in budgets) else None
    e_cell = total_cell(e if e_exact and all(d.is_finite() for d in executed) else None)
    out.monitor_units.append(
        MonitorUnitRow(
            K.ROW_TOTAL,
            None,
            K.TOTAL_OF.format(n=len(out.chosen)),
            sum(r.projects for r in out.monitor_units),
            total_cell(out.budget),  # as the report says it, never empty or inf
            e_cell,
            to_float(cumulative_percent(e, b)),
            to_float(schedule),
            **counts,
            source_file=None,
        )
    )
    out.totals = {"projects": sum(len(s.monitor) for s in out.chosen), "budget": float(b)}


def budget_of(row: MonitorProjectRow) -> Any:
    """What a project's 执行率 divides by: 调整后预算数, else 年初预算数."""
    return row.initial if M.is_blank(row.adjusted) else row.adjusted


def _unit_row(s: Submission, schedule: Decimal | None) -> MonitorUnitRow:
    f = s.file
    b = total(budget_of(r) for r in s.monitor)
    e = total(r.executed for r in s.monitor)
    lights = [r.light for r in s.monitor]
    ind = [r.light for r in s.rectify if r.item == K.ITEM_INDICATOR]
    return MonitorUnitRow(
        K.ROW_UNIT,
        f.unit_code,
        f.unit_name,
        len(s.monitor),
        float(b),
        float(e),
        to_float(cumulative_percent(e, b)),
        to_float(schedule),
        lights.count(M.LIGHT_TEXT["red"]),
        lights.count(M.LIGHT_TEXT["yellow"]),
        lights.count(M.LIGHT_TEXT["green"]),
        ind.count(M.LIGHT_TEXT["red"]),
        ind.count(M.LIGHT_TEXT["yellow"]),
        f.path,
    )


def _subtotal(s: Submission, u: MonitorUnitRow, schedule: Decimal | None) -> MonitorProjectRow:
    rate = cumulative_percent(Decimal(repr(u.executed)), Decimal(repr(u.budget)))
    return MonitorProjectRow(
        K.ROW_SUBTOTAL,
        u.unit_code,
        u.unit_name,
        None,
        f"{u.unit_name or u.unit_code or ''} 小计（{u.projects} 个项目）",
        float(total(r.initial for r in s.monitor)),
        u.budget,
        u.executed,
        u.rate,
        to_float(schedule),
        to_float(gap(rate, schedule)) if schedule is not None else None,
        None,
        float(total(r.forecast for r in s.monitor)),
        None,
        None,
        None,
    )
