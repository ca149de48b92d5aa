"""指标值 that say too little: not applicable, vague, qualitative, unitless, placeholders."""

from __future__ import annotations

from collections.abc import Iterator

from perfxl.rules.base import Context, Finding, level, project_label, squash
from perfxl.rules.catalogue import RuleId
from perfxl.rules.indicators import is_rate
from perfxl.targets import parse_target

EMITS: frozenset[RuleId] = frozenset(
    {
        "target.not_applicable",
        "target.vague",
        "target.qualitative",
        "target.no_unit",
        "target.placeholder",
    }
)

_TIMELINESS = "时效指标"


def check(ctx: Context) -> Iterator[Finding]:
    """One finding at most per 指标值 cell, plus one per project for placeholders."""
    cfg = ctx.config
    vague = tuple(cfg.vague_words)
    nothing = {squash(w) for w in cfg.not_applicable}
    for i, p in enumerate(ctx.targets.projects):
        base = f"/projects/{i}/indicators"
        texts = []
        for j, ind in enumerate(p.indicators):
            t = parse_target(ind.target)
            text = squash(t.text)
            texts.append(text)
            if t.kind == "empty":
                continue  # the schema reports an empty 指标值
            rule: RuleId | None = None
            if text in nothing:
                rule = "target.not_applicable"
            elif t.kind == "qualitative" and any(w in t.text for w in vague):
                rule = "target.vague"
            elif t.kind == "qualitative" and level(ind.level2) != _TIMELINESS:
                rule = "target.qualitative"
            elif t.kind == "quantitative" and t.unit is None:
                numeric = isinstance(ind.target, int | float) and not isinstance(ind.target, bool)
                if not (numeric and is_rate(ind) and 0 <= (t.number or 0) <= 1):
                    rule = "target.no_unit"
            if rule is not None:  # the message's fields, for a row that has a finding only
                fields = {"text": t.text, "level2": ind.level2 or ""}
                yield Finding(rule, f"{base}/{j}/target", ind.target, fields)
        if len(texts) >= cfg.placeholder_min_rows and texts[0] and len(set(texts)) == 1:
            first = p.indicators[0].target
            yield Finding(
                "target.placeholder",
                f"{base}/0/target",
                first,
                {
                    "project": project_label(p, i),
                    "count": len(texts),
                    "text": parse_target(first).text,
                },
            )
