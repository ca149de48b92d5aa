"""Amounts that must add up: funds to the budget, the spending plan to the budget."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from perfxl import constants as C
from perfxl.model import PLAN_KEYS
from perfxl.numbers import number
from perfxl.rules.base import Context, Finding, project_label
from perfxl.rules.catalogue import Rule, register

RULES = (
    Rule(
        "amount.funds_sum",
        "error",
        "项目“{project}”：财政资金 {fiscal:万元} + 其他资金 {other:万元} = {total:万元}，与预算数 {budget:万元}不符。请更正使两者之和等于预算数（精确到 0.01 万元）；其他资金为空按 0 计。",
        "资金来源之和不等于预算数",
    ),
    Rule(
        "plan.decreasing",
        "error",
        "项目“{project}”：资金支出计划是累计数，{label} {amount:万元}小于前一时点 {previous_label} {previous:万元}。请填写截至各时点的累计金额（后一时点不小于前一时点；空白按 0 计）。",
        "支出计划累计数下降",
    ),
    Rule(
        "plan.dec_budget",
        "error",
        "项目“{project}”：12月底累计计划 {amount:万元}与预算数 {budget:万元}不符。12月底应等于预算数，请更正其中之一。",
        "12月底计划不等于预算数",
    ),
)
register(*RULES)


def check(ctx: Context) -> Iterator[Finding]:
    """Funds add up to the budget; the plan never decreases and ends at the budget.

    Decimal arithmetic on the amounts as typed (:mod:`perfxl.numbers`), as compute and
    consolidate sum them.
    """
    tol = Decimal(repr(ctx.config.tolerance)) + Decimal("1e-9")
    zero = Decimal(0)
    for i, p in enumerate(ctx.targets.projects):
        base = f"/projects/{i}"
        name = project_label(p, i)
        budget = number(p.budget)
        fiscal, other = number(p.fiscal_funds), number(p.other_funds)
        if budget is not None and (fiscal is not None or other is not None):
            total = (fiscal or zero) + (other or zero)
            if abs(total - budget) > tol:
                yield Finding(
                    "amount.funds_sum",
                    f"{base}/fiscal_funds",
                    p.fiscal_funds,
                    {
                        "project": name,
                        "fiscal": fiscal or zero,
                        "other": other or zero,
                        "total": total,
                        "budget": budget,
                    },
                )
        values = p.plan.values()
        previous: Decimal | None = None
        previous_key = ""
        for key, label, raw in zip(PLAN_KEYS, C.L_CHECKPOINTS, values, strict=True):
            if raw is None and key == PLAN_KEYS[-1]:
                continue  # an empty 12月底 is reported as a required field
            v = zero if raw is None else number(raw)
            if v is None:  # not a number: the schema reports it
                previous = None
                continue
            if previous is not None and v < previous:
                yield Finding(
                    "plan.decreasing",
                    f"{base}/plan/{key}",
                    raw,
                    {
                        "project": name,
                        "label": label,
                        "amount": v,
                        "previous_label": C.L_CHECKPOINTS[PLAN_KEYS.index(previous_key)],
                        "previous": previous,
                    },
                )
            previous, previous_key = v, key
        dec = number(p.plan.dec)
        if dec is not None and budget is not None and abs(dec - budget) > tol:
            yield Finding(
                "plan.dec_budget",
                f"{base}/plan/dec",
                p.plan.dec,
                {"project": name, "amount": dec, "budget": budget},
            )
