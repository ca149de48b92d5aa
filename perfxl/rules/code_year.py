"""Project codes whose year digits are not the workbook's year (a project carried over)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from perfxl.rules.base import Context, Finding, project_label
from perfxl.rules.catalogue import RuleId

EMITS: frozenset[RuleId] = frozenset({"code.year_mismatch"})


@cache
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


@cache
def _year_range() -> tuple[int, int]:
    from perfxl.schema import load_schema

    spec = load_schema()["properties"]["year"]
    return int(spec["minimum"]), int(spec["maximum"])


def _in_range(year: int) -> bool:
    low, high = _year_range()
    return low <= year <= high


def code_year(code: object, shape: str) -> str | None:
    """The year digits of a 项目编码 by the configured shape (``codes.project_year``), or
    None when the code is not text, the shape is off (empty) or does not find them."""
    if not shape or not isinstance(code, str):
        return None
    m = _pattern(shape).search(code.strip())
    return m.group("year") if m and m.group("year") else None


def year_matches(digits: str, year: int) -> bool:
    """Whether two or four year digits name ``year`` (23 and 2023 both name 2023)."""
    return int(digits) == (year % 10 ** len(digits))


def check(ctx: Context) -> Iterator[Finding]:
    """Each project whose code's year digits differ from the workbook's 预算年度.

    Nothing is said when the year is missing, not a number or out of the schema's range (the
    schema reports those) or a code has no year digits where the shape expects them
    (``schema.code_shape`` reports it).
    """
    year = ctx.targets.year
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year.strip())
    if not isinstance(year, int) or isinstance(year, bool) or not _in_range(year):
        return
    for i, p in enumerate(ctx.targets.projects):
        digits = code_year(p.code, ctx.config.project_year)
        if digits is None or year_matches(digits, year):
            continue
        yield Finding(
            "code.year_mismatch",
            f"/projects/{i}/code",
            p.code,
            {"project": project_label(p, i), "code_year": digits, "year": year},
        )
