"""One answer for every number: how perfxl reads, sums, rounds and shows amounts (pure core).

Every command that computes an amount or a percentage goes through these functions, so the
township workbook (``compute``), the county summary (``consolidate``), the checks
(``validate``) and the messages agree to the cent:

- an amount is a number typed in a cell; blanks, text and booleans are not amounts (as
  Excel's ``SUM`` leaves them out), see :func:`number`;
- sums are decimal sums of the amounts as typed (:func:`total`), never float sums rounded;
- a percentage is ``amount / budget × 100`` in decimal arithmetic, rounded to 2 decimals half
  away from zero as Excel's ``ROUND`` does (:func:`percent`): budget 8, amount 1.01 gives
  12.63 everywhere (a binary float would give 12.62);
- floats are made only at the edge, when a cell or a JSON report is written
  (:func:`to_float`);
- a message shows an amount as ``8.00 万元`` (:func:`money`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, localcontext
from functools import lru_cache
from typing import Any, cast

HUNDREDTH = Decimal("0.01")
MONEY_UNIT = "万元"
# The largest amount a workbook keeps to the cent: Excel holds 15 significant digits, so 13
# before the decimal point and 2 after. The schema caps amounts here (``maximum``): a larger
# one would lose its last digits in the workbook, and sums of such amounts overflow a float.
MAX_AMOUNT = Decimal("9999999999999.99")


def as_decimal(value: Any) -> Decimal | None:
    """A model amount as a Decimal; None for a blank; raises ValueError for a non-number.

    Floats go through their shortest repr, so 8.39 is ``Decimal("8.39")``, not its binary
    expansion.
    """
    kind = type(value)  # the usual cells first (bool is not int here)
    if kind is float:
        if math.isfinite(value):
            # 0.0 and -0.0 are equal but not alike: zero is made afresh, not remembered
            return _float_decimal(value) if value else Decimal(repr(value))
        raise ValueError(value)
    if kind is int:
        return Decimal(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(value)
    if isinstance(value, float | Decimal) and not math.isfinite(value):
        raise ValueError(value)
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


@lru_cache(maxsize=4096)  # a workbook's amounts are read by several rules and sums
def _float_decimal(value: float) -> Decimal:
    """A finite nonzero float as the Decimal of its shortest repr (equal nonzero floats are
    one value, so one Decimal serves them all: Decimals never change)."""
    return Decimal(repr(value))


def number(value: Any) -> Decimal | None:
    """A cell value as an amount, or None when it is blank, text, a boolean or not finite.

    This is what ``SUM`` counts and what ``N()`` does not turn into 0.
    """
    try:
        return as_decimal(value)
    except ValueError:
        return None


def round2(value: Decimal) -> Decimal:
    """Two decimals, halves away from zero (Excel's ``ROUND(x, 2)``).

    The precision grows with the number, so an absurd amount (1E+30) rounds instead of raising.
    """
    digits = value.adjusted() + 4
    ctx = _PREC28 if digits <= 28 else Context(prec=digits)
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP, context=ctx)


_PREC28 = Context(prec=28)  # round2's context for every amount of fewer than 25 digits


def percent(amount: Decimal, budget: Decimal) -> Decimal:
    """``amount / budget × 100`` rounded to 2 decimals, halves away from zero."""
    return round2(amount * 100 / budget)


def cumulative_percent(amount: Any, budget: Any) -> Decimal | None:
    """The percent of the budget planned by a checkpoint, from cell values.

    A blank (or non-numeric) amount counts as 0, as the template's ``N()`` does; None when the
    budget is not a number or is 0 (the template's ``IF(N(budget)=0,"",…)``).
    """
    b = number(budget)
    if b is None or b == 0:
        return None
    return percent(number(amount) or Decimal(0), b)


def total(values: Iterable[Any]) -> Decimal:
    """The decimal sum of the amounts among ``values`` (blanks and text left out, like SUM)."""
    s = Decimal(0)
    for v in values:
        d = number(v)
        if d is not None:
            s += d
    return s


def mean(values: Iterable[Any]) -> Decimal | None:
    """The mean of the amounts among ``values`` (blanks and text left out, like AVERAGE), 2
    decimals half up; None when there is none (a county's mean 总分 of a township)."""
    n, s = 0, Decimal(0)
    for v in values:
        d = number(v)
        if d is not None:
            n, s = n + 1, s + d
    return round2(s / n) if n else None


def points(value: float | Decimal) -> Decimal:
    """A percentage known as a float (序时进度 25.0, 83.33…) to 2 decimals, halves up."""
    return round2(Decimal(repr(value)) if isinstance(value, float) else Decimal(value))


def gap(pct: Decimal | None, schedule: float | Decimal) -> Decimal | None:
    """Percentage points ahead of (+) or behind (−) the schedule, both at 2 decimals."""
    return None if pct is None else pct - points(schedule)


def whole(v: Any) -> Any:
    """Whole floats as ints (calamine reads 3 as 3.0; 3.0 -> 3); anything else as it is."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def to_float(value: Decimal | None) -> float | None:
    """The edge: a Decimal as the float a cell or a JSON report holds (None stays None)."""
    return None if value is None else float(value)


def checked_total(values: Iterable[Any]) -> tuple[Decimal, bool]:
    """:func:`total`, and whether it is exact: not when amounts far past `MAX_AMOUNT` (each
    already a ``schema.range`` error) were rounded into it (1.5e308 + 8.39 keeps 28 digits)."""
    with localcontext() as ctx:
        ctx.clear_flags()
        s = total(values)
        # decimal's flags are a SignalDict, which typeshed calls a dict: read untyped (the
        # compiled build checks a dict's type at run time)
        return s, not cast(Any, ctx).flags[Inexact]


# What a report shows for a total that is not exact (`checked_total`).
NO_TOTAL = "无法合计（有金额远超出上限，见“校验问题”）"


def figure(value: Decimal | None) -> str:
    """A total as a report or the 说明 sheet shows it: ``1,271.44``, 2 decimals half up, exactly
    (never through a float: a sum past a float's range, 1.8e308, is the number it is, not
    ``inf``); `NO_TOTAL` for None (not exact, `checked_total`)."""
    return NO_TOTAL if value is None else f"{round2(value):,f}"


def total_cell(value: Decimal | None) -> float | str:
    """A total as a summary's total row (and its ``--tables`` CSV) holds it: the float, a
    number the sheet can sum, when one holds it; else the words a report says (`figure`): the
    decimal sum past a float's range (1.8e308) as text, or `NO_TOTAL` for None (not exact,
    `checked_total`), never an empty cell or ``inf``."""
    if value is not None:
        f = float(value)
        if math.isfinite(f):
            return f
    return figure(value)


def money(value: Any) -> str:
    """An amount in a message: ``8.00 万元``.

    Always at least 2 decimals; an amount with more (8.391, which the schema reports) is shown
    exactly, never rounded into agreement. Text is shown as typed, in quotes.
    """
    d = number(value)
    if d is None:
        return "（空）" if value is None or value == "" else f"“{value}”"
    shown = round2(d)
    if shown != d:  # more than 2 decimals: shown exactly, trailing zeros dropped
        shown = d.normalize()
    return f"{shown:f} {MONEY_UNIT}"
