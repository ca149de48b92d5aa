"""Roll a unit's targets into the next year (pure core: model in, model out).

The unit, part one, every project with its purpose, goals and indicators are carried. The
amounts (预算数, 财政资金, 其他资金) and the spending plan are cleared, since next year's are
not known yet, unless they are kept for recurring projects. Project codes are kept as they
are; validation's ``code.year_mismatch`` marks each one whose year digits are last year's,
for the clerk to replace with the new year's code or confirm. Only a targets document is
rolled, into a later year (`refusal`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from perfxl.errors import PerfxlError
from perfxl.model import AMOUNT_KEYS, SpendingPlan, Targets
from perfxl.stages import TARGETS, stage_name


class RolloverError(PerfxlError):
    """The source cannot be rolled over (nothing is written): it is not a targets document,
    or the new year is not after its own (`refusal`)."""


@dataclass(frozen=True)
class Rollover:
    """A rolled model and what was done to it.

    Attributes:
        targets: next year's model.
        from_year: the year rolled from (as it was in the source, None when unknown).
        cleared: how many projects had an amount or a plan figure cleared.
    """

    targets: Targets
    from_year: object
    cleared: int


def roll(t: Targets, year: int, *, keep_amounts: bool = False) -> Rollover:
    """Next year's targets from this year's.

    Args:
        t: the source model (left unchanged).
        year: the new 预算年度.
        keep_amounts: keep the amounts and the spending plan (recurring projects).

    Returns:
        The new model: a targets document, its year ``year``.

    Raises:
        RolloverError: ``t`` is not a targets document, or ``year`` is not after its year.
    """
    why = refusal(t, year)
    if why is not None:
        raise RolloverError(why)
    new = copy.deepcopy(t)
    new.year = year
    new.stage, new.month = "targets", None
    cleared = 0
    for p in new.projects:
        p.monitoring = None
        if keep_amounts:
            continue
        had = any(getattr(p, k) not in (None, "") for k in AMOUNT_KEYS) or any(
            v not in (None, "") for v in p.plan.values()
        )
        cleared += had
        for k in AMOUNT_KEYS:
            setattr(p, k, None)
        p.plan = SpendingPlan()
    return Rollover(new, t.year, cleared)


def refusal(t: Targets, year: int) -> str | None:
    """Why ``t`` cannot be rolled into ``year`` (None: it can).

    A monitoring or self-evaluation workbook repeats only part of the targets (no 资金用途,
    资金支出计划, 绩效指标描述 or 指标值确定依据): rolled over, next year's workbook would
    lose them without a word (``--keep-amounts`` would keep an empty plan), so the clerk is
    sent to the targets workbook.
    A year not after the source's is a mistyped ``--year``: the codes' year check and the
    new workbook's title would be wrong.
    """
    if t.stage != TARGETS:
        return (
            f"这是{stage_name(t)}，不是绩效目标表：其中没有资金用途、资金支出计划、绩效指标描述"
            "和指标值确定依据，由它生成的新年度工作簿会缺少这些内容。"
            "请对该单位的绩效目标表（目标表）执行 perfxl rollover。"
        )
    old = _year(t.year)
    if old is not None and year <= old:
        how = "与工作簿的预算年度相同" if year == old else f"早于工作簿的预算年度 {old}"
        return (
            f"--year {year} {how}：rollover 由上一年度的工作簿生成新年度的工作簿，"
            f"--year 应晚于 {old}（如 {old + 1}）。"
        )
    return None


def _year(value: object) -> int | None:
    """The source's 预算年度 as a number (a workbook may hold it as text); None if unknown."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    return None
