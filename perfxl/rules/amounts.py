"""Amounts that must add up: funds to the budget, the spending plan to the budget."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from perfxl import constants as C
from perfxl.model import PLAN_KEYS
from perfxl.numbers import number
from perfxl.rules.base import Context, Finding, project_label
from perfxl.rules.catalogue import RuleId

EMITS: frozenset[RuleId] = frozenset(
    {
        "amount.funds_sum",
        "plan.decreasing",
        "plan.dec_budget",
    }
)


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
