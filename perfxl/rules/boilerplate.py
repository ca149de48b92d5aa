"""Rows and goals copied across unrelated projects of one workbook."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from perfxl.kinds import unrelated_kinds
from perfxl.rules.base import Context, Finding, level, project_label, squash
from perfxl.rules.catalogue import RuleId
from perfxl.targets import parse_target

EMITS: frozenset[RuleId] = frozenset(
    {
        "boilerplate.indicator",
        "boilerplate.goals",
    }
)

_MAX_NAMED = 5
# The message's part naming the kinds of project a shared row spans, when they are unrelated.
_UNRELATED = "，涉及{kinds} {n} 类不相关的项目，多为复制粘贴"


def check(ctx: Context) -> Iterator[Finding]:
    """Indicator rows of the configured 二级指标, and whole goal lists, shared by many projects.

    A shared row's message names the kinds of project it spans when they are unrelated
    (:func:`perfxl.kinds.unrelated_kinds` of the projects' names).
    """
    cfg = ctx.config
    projects = ctx.targets.projects
    watched = {level(x) for x in cfg.boilerplate_level2}
    rows: dict[tuple[str, str, str], list[tuple[int, int]]] = defaultdict(list)
    for i, p in enumerate(projects):
        seen: set[tuple[str, str, str]] = set()
        for j, ind in enumerate(p.indicators):
            l2 = level(ind.level2)
            if l2 not in watched or not squash(ind.level3):
                continue
            key = (l2 or "", squash(ind.level3), squash(parse_target(ind.target).text))
            if key not in seen:
                seen.add(key)
                rows[key].append((i, j))
    for places in rows.values():
        if len(places) < cfg.boilerplate_min_projects:
            continue
        names = tuple(projects[k].name for k, _ in places)
        try:
            kinds = _unrelated(names)
        except TypeError:  # a name that cannot be a key (a list in a data file): not kept
            kinds = unrelated_kinds(names)
        spans = _UNRELATED.format(kinds="、".join(kinds), n=len(kinds)) if kinds else ""
        for i, j in places:
            ind = projects[i].indicators[j]
            yield Finding(
                "boilerplate.indicator",
                f"/projects/{i}/indicators/{j}/level3",
                ind.level3,
                {
                    "project": project_label(projects[i], i),
                    "level3": ind.level3,
                    "level2": ind.level2,
                    "text": parse_target(ind.target).text,
                    "count": len(places),
                    "total": len(projects),
                    "others": _names(ctx, [k for k, _ in places if k != i]),
                    "kinds": spans,
                },
            )
    goals: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, p in enumerate(projects):
        lines = tuple(squash(g) for g in p.goals if squash(g))
        if lines:
            goals[lines].append(i)
    for same in goals.values():
        if len(same) < cfg.goals_min_projects:
            continue
        for i in same:
            others = [k for k in same if k != i]
            yield Finding(
                "boilerplate.goals",
                f"/projects/{i}/goals",
                "\n".join(projects[i].goals),
                {
                    "project": project_label(projects[i], i),
                    "others_count": len(others),
                    "others": _names(ctx, others),
                },
            )


@lru_cache(maxsize=1024)  # the same projects share many rows (and a county, its names)
def _unrelated(names: tuple[Any, ...]) -> tuple[str, ...]:
    return unrelated_kinds(names)


def _names(ctx: Context, indexes: list[int]) -> str:
    names = [project_label(ctx.targets.projects[k], k) for k in indexes[:_MAX_NAMED]]
    more = len(indexes) - len(names)
    return "、".join(names) + (f" 等 {len(indexes)} 个" if more > 0 else "")
