"""The spending plan against the calendar (序时进度)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache

from perfxl import constants as C
from perfxl.model import PLAN_KEYS
from perfxl.numbers import number, percent, points
from perfxl.rules.base import Context, Finding, project_label
from perfxl.rules.catalogue import RuleId

EMITS: frozenset[RuleId] = frozenset(
    {
        "plan.behind_schedule",
    }
)


@lru_cache(maxsize=256)  # the same few checkpoints for every project
def elapsed_percent(month: int, how: str, year: int | None) -> float:
    """Share of the year elapsed at the end of ``month``, in percent.

    Args:
        month: 1..12.
        how: ``months`` (month / 12) or ``days`` (days to the month's end / days in the year).
        year: the budget year (leap years count 366 days); None counts 365.
    """
    if how == "months":
        return month / 12 * 100
    y = year if isinstance(year, int) and 1 <= year <= 9999 else 2023
    end = dt.date(y, month, calendar.monthrange(y, month)[1])
    return end.timetuple().tm_yday / (366 if calendar.isleap(y) else 365) * 100


def check(ctx: Context) -> Iterator[Finding]:
    """Each checkpoint before the last against the share of the year elapsed."""
    cfg = ctx.config
    year = ctx.targets.year if isinstance(ctx.targets.year, int) else None
    max_lag = Decimal(repr(cfg.max_lag))  # the threshold as configured
    schedule: list[tuple[str, str, float, Decimal]] | None = None  # found at the first budget
    for i, p in enumerate(ctx.targets.projects):
        budget = number(p.budget)
        if budget is None or budget <= 0:
            continue
        if schedule is None:
            schedule = []
            for key, label in zip(PLAN_KEYS[:-1], C.L_CHECKPOINTS, strict=False):
                expected = elapsed_percent(cfg.checkpoints[key], cfg.calendar, year)
                schedule.append((key, label, expected, points(expected)))
        for key, label, expected, due in schedule:
            raw = getattr(p.plan, key)
            amount = number(raw)
            if raw is not None and amount is None:
                continue  # not a number: the schema reports it
            # The percent the workbook and the county summary show (`cumulative_percent`: a
            # blank counts 0), against 序时 at 2 decimals (`gap`).
            pct = percent(amount or Decimal(0), budget)
            lag = -(pct - due)
            if lag > max_lag:
                yield Finding(
                    "plan.behind_schedule",
                    f"/projects/{i}/plan/{key}",
                    raw,
                    {
                        "project": project_label(p, i),
                        "label": label,
                        "percent": pct,
                        "expected": points(expected),
                        "lag": lag,
                        "max_lag": f"{cfg.max_lag:g}",
                    },
                )
