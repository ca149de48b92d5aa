"""The 成本指标 value against the budget (83380元 against 8.39 万元)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from perfxl.numbers import MONEY_UNIT, number, round2, total
from perfxl.rules.base import Context, Finding, level, project_label
from perfxl.rules.catalogue import RuleId
from perfxl.targets import parse_target, to_wan

EMITS: frozenset[RuleId] = frozenset(
    {
        "cost.budget_mismatch",
    }
)

_COST = "成本指标"


def check(ctx: Context) -> Iterator[Finding]:
    """Money-valued cost indicators, summed, against the project's budget."""
    tol = Decimal(repr(ctx.config.cost_tolerance)) + Decimal("1e-9")
    for i, p in enumerate(ctx.targets.projects):
        budget = number(p.budget)
        if budget is None:
            continue
        rows = []
        for j, ind in enumerate(p.indicators):
            l1, l2 = ind.level1, ind.level2
            # 成本指标 (or 成本, white space aside) holds 本: a row whose levels do not is
            # passed over without spelling them.
            if not ((isinstance(l1, str) and "本" in l1) or (isinstance(l2, str) and "本" in l2)):
                continue
            if _COST not in (level(l1), level(l2)):
                continue
            t = parse_target(ind.target)
            w = to_wan(t)
            if w is not None:
                rows.append((j, ind.target, t.text, w))
        if not rows:
            continue
        wan = total(r[3] for r in rows)
        if abs(wan - budget) > tol:
            j, raw, _, _ = rows[0]
            yield Finding(
                "cost.budget_mismatch",
                f"/projects/{i}/indicators/{j}/target",
                raw,
                {
                    "project": project_label(p, i),
                    "text": "、".join(r[2] for r in rows),
                    "wan": wan,
                    "budget": budget,
                    "suggested": f"{round2(budget)}{MONEY_UNIT}",
                },
            )
