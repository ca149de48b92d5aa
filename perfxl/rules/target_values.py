"""指标值 that say too little: not applicable, vague, qualitative, unitless, placeholders."""

from __future__ import annotations

from collections.abc import Iterator

from perfxl.rules.base import Context, Finding, level, project_label, squash
from perfxl.rules.catalogue import Rule, register
from perfxl.rules.indicators import is_rate
from perfxl.targets import parse_target

RULES = (
    Rule(
        "target.not_applicable",
        "warning",
        "指标值写作“{text}”，没有给出目标。请填写可衡量的目标值（如“≥95%”“26人”）；确实不适用的指标请删除该行。",
        "指标值为不涉及或无",
    ),
    Rule(
        "target.vague",
        "warning",
        "指标值“{text}”含糊（没有数字）。请写明可衡量的目标，例如把“明显提升”改为“≥90%”或具体数量。",
        "指标值含糊",
    ),
    Rule(
        "target.qualitative",
        "warning",
        "“{level2}”的指标值“{text}”是定性描述。该类指标通常可以量化，请填写比较符、数字和单位（如“≥95%”“≥5台”）。",
        "可量化的指标用了定性值",
    ),
    Rule(
        "target.no_unit",
        "warning",
        "指标值“{text}”只有数字没有单位。请补上单位（如 %、人、个、万元）。",
        "指标值缺少单位",
    ),
    Rule(
        "target.placeholder",
        "warning",
        "项目“{project}”的 {count} 个指标值都是“{text}”，像是占位数字。请按每个指标分别填写目标值。",
        "所有指标值相同",
    ),
)
register(*RULES)

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
            at = f"{base}/{j}/target"
            t = parse_target(ind.target)
            texts.append(squash(t.text))
            fields = {"text": t.text, "level2": ind.level2 or ""}
            if t.kind == "empty":
                continue  # the schema reports an empty 指标值
            if squash(t.text) in nothing:
                yield Finding("target.not_applicable", at, ind.target, fields)
            elif t.kind == "qualitative" and any(w in t.text for w in vague):
                yield Finding("target.vague", at, ind.target, fields)
            elif t.kind == "qualitative" and level(ind.level2) != _TIMELINESS:
                yield Finding("target.qualitative", at, ind.target, fields)
            elif t.kind == "quantitative" and t.unit is None:
                numeric = isinstance(ind.target, int | float) and not isinstance(ind.target, bool)
                if not (numeric and is_rate(ind) and 0 <= (t.number or 0) <= 1):
                    yield Finding("target.no_unit", at, ind.target, fields)
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
