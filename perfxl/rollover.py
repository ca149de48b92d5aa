"""Roll a unit's targets into the next year (pure core: model in, model out).

The unit, part one, every project with its purpose, goals and indicators are carried. The
amounts (预算数, 财政资金, 其他资金) and the spending plan are cleared, since next year's are
not known yet, unless they are kept for recurring projects. Project codes are kept as they
are; validation's ``code.year_mismatch`` marks each one whose year digits are last year's,
for the clerk to replace with the new year's code or confirm.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from perfxl.model import AMOUNT_KEYS, SpendingPlan, Targets


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
        The new model: a targets document (a monitoring workbook's execution columns are not
        carried), its year ``year``.
    """
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
