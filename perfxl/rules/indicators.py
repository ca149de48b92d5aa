"""The indicator table of each project: coverage, rates, descriptions, names and bases."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from perfxl.framework import canonical, level1_names, level2_names
from perfxl.model import Indicator
from perfxl.rules.base import Context, Finding, level, new_finding, project_label, squash
from perfxl.rules.catalogue import PLACE_FREE, RuleId, message
from perfxl.targets import parse_target

EMITS: frozenset[RuleId] = frozenset(
    {
        "indicators.missing_level1",
        "indicator.rate_over_100",
        "indicator.description_repeats",
        "indicator.level3_generic",
        "indicator.misplaced",
        "basis.unlisted",
    }
)

_REQUIRED_LEVEL1 = ("产出指标", "效益指标", "满意度指标")
_GENERIC_LEVEL3 = frozenset({"其他", "其它", "无", "指标", "绩效指标", "三级指标", "/", "-"})
_SATISFACTION_WORDS = ("满意",)
_OUTPUT_WORDS = ("人数", "台数", "个数", "次数", "数量", "完成率", "发放金额", "支付时间")


def is_rate(ind: Indicator) -> bool:
    """Whether the indicator measures a rate (覆盖率, 满意度, …) and so is at most 100%."""
    text = f"{ind.level3 or ''}{ind.description or ''}"
    return "率" in text or "满意度" in text


def rate_percent(value: Any) -> float | None:
    """The percent a rate's 指标值 states (upper bound of a range), or None when none is.

    A number cell without a unit is a fraction when at most 1 (0.95 shown as 95%), else a
    percent; a text number without a unit in a rate row is read as a percent.
    """
    t = parse_target(value)
    if t.kind != "quantitative" or t.number is None:
        return None
    top = max(t.number, t.upper if t.upper is not None else t.number)
    if t.is_percent:
        return top
    if t.unit is None:
        if isinstance(value, int | float) and not isinstance(value, bool) and top <= 1:
            return top * 100
        return top
    return None


def check(ctx: Context) -> Iterator[Finding]:
    """Every indicator rule that looks at one project's table."""
    cfg = ctx.config
    generic = _GENERIC_LEVEL3 | set(level1_names(ctx.framework)) | set(level2_names(ctx.framework))
    accepted = cfg.accepted_basis
    listed = _any_of(tuple(accepted)).search if accepted else None
    accepted_text = "、".join(accepted)  # the same in every basis.unlisted message
    known = _KNOWN.setdefault((ctx.framework, tuple(accepted)), {})
    for i, p in enumerate(ctx.targets.projects):
        base = f"/projects/{i}/indicators"
        # Each row's 一级指标 in framework spelling, found once (the coverage and the
        # misplaced-row rules both ask).
        level1s = [level(ind.level1) for ind in p.indicators]
        if p.indicators:
            present = set(level1s)
            missing = [n for n in _REQUIRED_LEVEL1 if n not in present]
            if missing:
                yield Finding(
                    "indicators.missing_level1",
                    base,
                    None,
                    {"project": project_label(p, i), "missing": "、".join(missing)},
                )
        for j, ind in enumerate(p.indicators):
            row = (ind.level1, ind.level2, ind.level3, ind.description, ind.target, ind.basis)
            if _TEXTS.issuperset(map(type, row)):  # text cells: the row's findings kept
                found = known.get(row)
                if found is None:
                    found = _row_findings(ind, level1s[j], generic, listed, accepted_text)
                    if len(known) < _KNOWN_ROWS:
                        known[row] = found
            else:  # a number (1 == 1.0 == True) or a value that is no key: found afresh
                found = _row_findings(ind, level1s[j], generic, listed, accepted_text)
            for rule, suffix, value, fields, text in found:
                yield new_finding(rule, f"{base}/{j}{suffix}", value, fields, text)


# An indicator row's findings (rule, pointer below the row, value, message fields read-only,
# message), by the row's six texts, per framework and accepted bases: the same rows recur in
# a county's workbooks (copied between projects and units), and a row's findings depend on it
# alone, their messages too (the rules are place-free: no cell or file in them).
_Found = tuple[tuple[RuleId, str, Any, Mapping[str, Any], str | None], ...]
_KNOWN: dict[tuple[str, tuple[str, ...]], dict[tuple[Any, ...], _Found]] = {}
_KNOWN_ROWS = 8192
_TEXTS = frozenset({str, type(None)})


def forget_rows() -> None:
    """Empty the memory of rows' findings: the next rows are checked afresh (what a workbook
    costs when none of its rows recurs from another, `benchmarks/bench_validate.py`)."""
    _KNOWN.clear()


def _row_findings(
    ind: Indicator,
    level1: str | None,
    generic: AbstractSet[str],
    listed: Callable[[str], Any] | None,
    accepted_text: str,
) -> _Found:
    """The findings of one indicator row, in the order the rules report them."""
    out: list[tuple[RuleId, str, Any, dict[str, Any]]] = []
    fields: dict[str, Any]
    level3 = ind.level3
    if is_rate(ind):
        pct = rate_percent(ind.target)
        if pct is not None and pct > 100 + 1e-9:
            fields = {"level3": level3 or "", "text": parse_target(ind.target).text}
            out.append(("indicator.rate_over_100", "/target", ind.target, fields))
    l3 = squash(level3)
    if l3 and squash(ind.description) == l3:
        fields = {"text": ind.description}
        out.append(("indicator.description_repeats", "/description", ind.description, fields))
    if l3 and (l3 in generic or canonical(l3) in generic):
        out.append(("indicator.level3_generic", "/level3", level3, {"text": level3}))
    elif l3 and level1 == "效益指标":
        looks = (
            "满意度"
            if any(w in l3 for w in _SATISFACTION_WORDS)
            else "产出"
            if any(w in l3 for w in _OUTPUT_WORDS)
            else None
        )
        if looks:
            fields = {"text": level3, "level2": ind.level2 or "", "looks_like": looks}
            out.append(("indicator.misplaced", "/level3", level3, fields))
    if listed is not None:
        basis = squash(ind.basis)
        if basis and listed(basis) is None:
            fields = {"text": ind.basis, "accepted": accepted_text}
            out.append(("basis.unlisted", "/basis", ind.basis, fields))
    return tuple(
        (rule, suffix, value, MappingProxyType(fields), _text(rule, fields))
        for rule, suffix, value, fields in out
    )


def _text(rule: RuleId, fields: dict[str, Any]) -> str | None:
    """The finding's message, made once with its row's findings (None: a rule whose message
    names the cell, made where the finding is located)."""
    return message(rule, fields) if rule in PLACE_FREE else None


@lru_cache(maxsize=64)
def _any_of(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern finding any of the words (a search in C instead of a loop per text)."""
    return re.compile("|".join(map(re.escape, words)))


def _contains_any(words: Iterable[str], text: str) -> bool:
    """``any(w in text for w in words)``."""
    return _any_of(tuple(words)).search(text) is not None
