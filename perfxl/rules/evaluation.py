"""The self-evaluation form's rules (绩效自评): funds that add up, every score as the profile's
rules give it, every shortfall explained, and the carried targets left as they were.

Runs only on a self-evaluation workbook (``targets.stage == "evaluation"``). Every score is
:func:`perfxl.evaluation.evaluate`'s (one answer for every number); these rules only say where
it found something wrong. Amounts are compared in decimal arithmetic (:mod:`perfxl.numbers`);
an amount that is text is the reader's to report, so it is left out here. The carried cells
(项目编码 ... 年度指标值) are compared with the workbook's own 目标表带入记录 or the targets
workbook given to ``validate --targets`` (:mod:`perfxl.carried`), as for a monitoring workbook.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any, Final

from perfxl.carried import INITIAL_KEYS, compare
from perfxl.evaluation import EvaluationResult, RowResult, evaluate
from perfxl.held import held_targets
from perfxl.model import EVAL_FUNDS_ROWS, EvaluationFundsRow, IndicatorResult, Project
from perfxl.numbers import number
from perfxl.rules.base import Context, Finding, project_label
from perfxl.rules.catalogue import RuleId, ids_of
from perfxl.scoring import PROFILES, Profile, get_profile

EMITS: frozenset[RuleId] = ids_of("evaluation.")

SCORE_RULES: Final[frozenset[str]] = frozenset(
    {
        "evaluation.amount_negative",
        "evaluation.points_sum",
        "evaluation.points_invalid",
        "evaluation.level1_unknown",
        "evaluation.weight_lost",
        "evaluation.actual_not_quantity",
        "evaluation.units_incomparable",
        "evaluation.actual_negative",
        "evaluation.fraction_for_percent",
        "evaluation.grade_missing",
        "evaluation.outside_band",
        "evaluation.score_defaulted",
        "evaluation.score_text",
        "evaluation.target_unscorable",
        "evaluation.profile_unknown",
    }
)
"""The findings ``compute`` reports with its scores: what changes or prevents a score."""

ROW_LABELS: Final[dict[str, str]] = {
    "total": "年度资金总额",
    "fiscal": "本年财政拨款",
    "carryover": "上年结转资金",
    "other": "其他资金",
}
COLUMN_LABELS: Final[dict[str, str]] = {
    "initial": "年初预算数",
    "budget": "全年预算数",
    "executed": "全年执行数",
}
_PARTS: Final = ("fiscal", "carryover", "other")
# The one problem code of perfxl.scoring each row finding is for (several codes, one rule).
_ROW_RULES: Final[dict[str, RuleId]] = {
    "empty_target": "evaluation.target_unscorable",
    "negative_target": "evaluation.target_unscorable",
    "missing_actual": "evaluation.actual_missing",
    "qualitative_actual": "evaluation.actual_not_quantity",
    "incomparable_units": "evaluation.units_incomparable",
    "negative_actual": "evaluation.actual_negative",
    "fraction_for_percent": "evaluation.fraction_for_percent",
    "missing_grade": "evaluation.grade_missing",
    "unknown_grade": "evaluation.grade_missing",
    "outside_band": "evaluation.outside_band",
    "score_defaulted": "evaluation.score_defaulted",
    "score_not_number": "evaluation.score_text",
    "score_differs": "evaluation.score_differs",
}
# The cell each finding points at (a key of the row's evaluation columns, or of the carried).
_ROW_CELL: Final[dict[str, str]] = {
    "evaluation.target_unscorable": "target",
    "evaluation.actual_missing": "actual",
    "evaluation.actual_not_quantity": "actual",
    "evaluation.units_incomparable": "actual",
    "evaluation.actual_negative": "actual",
    "evaluation.fraction_for_percent": "actual",
    "evaluation.grade_missing": "grade",
    "evaluation.outside_band": "score",
    "evaluation.score_defaulted": "score",
    "evaluation.score_text": "score",
    "evaluation.score_differs": "score",
}
_SCORE_DIFFERS: Final[dict[str, str]] = {
    "state": "为",
    "fix": "核对：得分由公式计算，手工填写的数字删除后恢复公式，公式结果过时的运行 perfxl compute。",
}
"""What a disagreeing score's message says when nobody could tell whether the cell holds a
typed number or a formula (validate, reading the file, says which: `perfxl.validate`)."""
_POINTS_TEXT: Final = (
    "：{held}不是分值，表内公式和 perfxl 都不按它计分，本行没有得分，该项目的总分和自评等级暂不计算"
)
"""What ``evaluation.points_invalid`` adds for a 分值 typed as text or left blank (``held``:
文本 or 空白; `perfxl.evaluation`)."""
_POINTS_FIX: Final = "填写分值（如 12.5），或清空改用平均分配。"
"""How to fix an indicator row's 分值 (``evaluation.points_invalid``)."""
_FUNDS_POINTS_FIX: Final = (
    "改回 {points}：年度资金总额的分值由评分方案给出（本方案为 {points} 分），该单元格已锁定，"
    "须在“审阅 › 撤销工作表保护”后修改，再保护工作表。"
)
"""How to fix the 分值 of 年度资金总额 (a locked cell perfxl wrote from the profile)."""
_CARRIED_IDS: Final[dict[str, RuleId]] = {
    "monitoring.carried_changed": "evaluation.carried_changed",
    "monitoring.carried_added": "evaluation.carried_added",
    "monitoring.carried_missing": "evaluation.carried_missing",
}


def profile_of(name: str | None) -> Profile | None:
    """The profile a workbook names (the default when it names none); None for an unknown."""
    if not name:
        return get_profile("default")
    return PROFILES.get(name)


def check(ctx: Context) -> Iterator[Finding]:
    """Every self-evaluation rule over every project with a self-evaluation section."""
    t = ctx.targets
    if t.stage != "evaluation":
        return
    profile = profile_of(t.profile)
    if profile is None:
        names = "、".join(PROFILES)
        yield Finding(
            "evaluation.profile_unknown", "/profile", t.profile, {"name": t.profile, "names": names}
        )
        profile = get_profile("default")
    tol = Decimal(repr(ctx.config.tolerance)) + Decimal("1e-9")
    held = held_targets(t, ctx.as_text)  # the amounts as the sheet's formulas take them
    for i, (p, result) in enumerate(zip(held.projects, evaluate(held, profile), strict=True)):
        e = p.evaluation
        if e is None:
            continue
        base = f"/projects/{i}"
        name = project_label(p, i)
        yield from _funds_sum(e.total, [getattr(e, k) for k in _PARTS], base, name, tol)
        yield from _over_budget(p, base, name)
        yield from _negative(p, base, name)
        yield from _funds_points(e.total.points, base, name, profile)
        yield from _points(p, result, base, name)
        for row in result.rows:
            x = e.indicators[row.index] if row.index < len(e.indicators) else IndicatorResult()
            yield from _row(p, row, x, f"{base}/evaluation/indicators/{row.index}", profile)
    if ctx.carried is not None:
        from perfxl.rules.monitoring import carried_finding

        for d in compare(t, ctx.carried, ctx.project_sheets):
            yield for_evaluation(carried_finding(d, t, ctx.project_sheets))


def for_evaluation(f: Finding) -> Finding:
    """A carried-value finding of the monitoring rules (`perfxl.rules.monitoring.
    carried_finding`) as a self-evaluation workbook's: its own rule id, and its advice naming
    the 自评表."""
    fields = dict(f.fields)
    if "fix" in fields:
        fields["fix"] = str(fields["fix"]).replace("监控表", "自评表")
    return replace(f, rule=_CARRIED_IDS[f.rule], fields=fields)


def _pointer(base: str, row: str, col: str) -> str:
    """Where a funds cell is: 年初预算数 is the targets' amount (the carried fields)."""
    if col == "initial":
        return f"{base}/{INITIAL_KEYS.get(f'{row}/initial', f'{row}/initial')}"
    return f"{base}/evaluation/{row}/{col}"


def _funds_sum(
    total: EvaluationFundsRow,
    parts: list[EvaluationFundsRow],
    base: str,
    project: str,
    tol: Decimal,
) -> Iterator[Finding]:
    """本年财政拨款 + 上年结转资金 + 其他资金 = 年度资金总额 in each amount column (blank
    counts as 0; a column with an amount typed as text, or with every cell blank, is skipped)."""
    zero = Decimal(0)
    for col, label in COLUMN_LABELS.items():
        raw = [getattr(total, col), *(getattr(r, col) for r in parts)]
        if any(number(v) is None and not _blank(v) for v in raw):
            continue
        if all(_blank(v) for v in raw):
            continue
        t, f, c, o = (number(v) or zero for v in raw)
        s = f + c + o
        if abs(s - t) > tol:
            yield Finding(
                "evaluation.funds_sum",
                _pointer(base, "total", col),
                raw[0],
                {
                    "project": project,
                    "column": label,
                    "fiscal": f,
                    "carryover": c,
                    "other": o,
                    "sum": s,
                    "total": t,
                },
            )


def _explained(p: Project) -> bool:
    """Whether the sheet gives a reason anywhere (some 偏差原因分析及改进措施 is filled)."""
    e = p.evaluation
    return e is not None and any(not _blank(x.deviation) for x in e.indicators)


_EVAL_COLUMNS = {"initial": "年初预算数", "budget": "全年预算数", "executed": "全年执行数"}


def _negative(p: Project, base: str, project: str) -> Iterator[Finding]:
    """A negative amount in the funds rows (the schema's family does not run here)."""
    e = p.evaluation
    assert e is not None
    for key in EVAL_FUNDS_ROWS:
        row: EvaluationFundsRow = getattr(e, key)
        for col, label in _EVAL_COLUMNS.items():
            value = number(getattr(row, col, None))
            if value is not None and value < 0:
                yield Finding(
                    "evaluation.amount_negative",
                    _pointer(base, key, col),
                    getattr(row, col),
                    {"project": project, "row": ROW_LABELS[key], "column": label, "amount": value},
                )


def _over_budget(p: Project, base: str, project: str) -> Iterator[Finding]:
    """全年执行数 not above 全年预算数 unless a reason is given."""
    e = p.evaluation
    assert e is not None
    if _explained(p):
        return
    for key in EVAL_FUNDS_ROWS:
        row: EvaluationFundsRow = getattr(e, key)
        budget, executed = number(row.budget), number(row.executed)
        if budget is not None and executed is not None and executed > budget:
            yield Finding(
                "evaluation.executed_over_budget",
                _pointer(base, key, "executed"),
                row.executed,
                {
                    "project": project,
                    "row": ROW_LABELS[key],
                    "executed": executed,
                    "budget": budget,
                },
            )


def _funds_points(points: Any, base: str, project: str, profile: Profile) -> Iterator[Finding]:
    """The 分值 of 年度资金总额: text or blank gives the row no 得分 and the project no 总分
    (`perfxl.scoring.funds_score`, ``points_text``, ``points_blank``); a negative one is
    scored as the sheet scores it."""
    blank = _blank(points)
    value = None if blank else number(points)
    if value is not None and value >= 0:
        return
    fields = {
        "project": project,
        "row": "年度资金总额（预算执行率）",
        "what": "未填写" if blank else _not_points(points),
        "effect": ""
        if value is not None
        else _POINTS_TEXT.format(held="空白" if blank else "文本"),
        "fix": _FUNDS_POINTS_FIX.format(points=f"{profile.funds_points:g}"),
    }
    yield Finding("evaluation.points_invalid", f"{base}/evaluation/total/points", points, fields)


def _not_points(value: Any) -> str:
    """``evaluation.points_invalid``'s words for a 分值 that is there but no 分值."""
    return f"“{value}”不是非负数字"


def _points(p: Project, result: EvaluationResult, base: str, project: str) -> Iterator[Finding]:
    """The 分值 of the indicator rows: typed ones adding up, every row in a weight group."""
    for pp in result.points_problems:
        rows = pp.rows
        where = f"{base}/evaluation/indicators/{rows[0]}/points" if rows else f"{base}/indicators"
        fields: dict[str, Any] = {"project": project, "level1": pp.level1 or "（空白）"}
        if pp.code == "points_sum":
            fields.update(expected=pp.expected, found=pp.found, count=len(rows))
            yield Finding("evaluation.points_sum", where, pp.found, fields)
        elif pp.code in ("points_not_number", "negative_points"):
            e = p.evaluation
            assert e is not None
            value = e.indicators[rows[0]].points if rows and rows[0] < len(e.indicators) else None
            effect = _POINTS_TEXT.format(held="文本") if pp.code == "points_not_number" else ""
            fields.update(
                row=f"{fields['level1']}中", what=_not_points(value), effect=effect, fix=_POINTS_FIX
            )
            yield Finding("evaluation.points_invalid", where, value, fields)
        elif pp.code == "unknown_level1":
            where = f"{base}/indicators/{rows[0]}/level1" if rows else where
            yield Finding("evaluation.level1_unknown", where, pp.level1, fields)
        else:  # no_rows
            yield Finding("evaluation.weight_lost", where, None, {**fields, "weight": pp.expected})


def _row(
    p: Project, row: RowResult, x: IndicatorResult, where: str, profile: Profile
) -> Iterator[Finding]:
    """One indicator row: what scoring found, and a shortfall (or an excess) explained."""
    ind = p.indicators[row.index]
    level3 = "" if ind.level3 is None else str(ind.level3)
    fields: dict[str, Any] = {
        "level3": level3,
        "target": "" if ind.target is None else str(ind.target),
        "actual": "" if x.actual is None else str(x.actual),
        "score": _shown(row.score),
        "typed": "" if x.score is None else str(x.score),
        "points": _shown(row.points),
        "counted": _shown(row.counted),
    }
    band = row.scored.band
    if band is not None:
        fields.update(low=_shown(band[0]), high=_shown(band[1]), grade=row.scored.grade or "")
    fields["counted_as"] = _counted_as(row)
    seen: set[str] = set()
    for code in row.problems:
        rule = _ROW_RULES.get(code)
        if rule is None or rule in seen:
            continue
        seen.add(rule)
        cell = _ROW_CELL[rule]
        at = f"/projects/{where.split('/')[2]}/indicators/{row.index}/{cell}"
        if cell != "target":
            at = f"{where}/{cell}"
        extra = _SCORE_DIFFERS if rule == "evaluation.score_differs" else {}
        yield Finding(rule, at, _value(x, ind.target, cell), {**fields, **extra})
    if _blank(x.deviation) and row.counted is not None and row.points is not None:
        if row.score is not None and not row.full:
            yield Finding("evaluation.reason_missing", f"{where}/deviation", None, fields)
        elif row.scored.over:
            over = {**fields, "over": _shown(profile.explain_over)}
            yield Finding("evaluation.over_unexplained", f"{where}/deviation", None, over)


def _counted_as(row: RowResult) -> str:
    """What a row without a grade adds to 总分, as ``evaluation.grade_missing`` says it: the
    typed 得分 (the sheet's 计入总分 counts it too), else 0, or nothing (no 总分)."""
    if row.counted is None:
        return "本行不计分"
    if row.score is None:
        return f"本行按 {_shown(row.counted)} 分计"
    return f"本行按填写的得分 {_shown(row.counted)} 分计入总分（无法核对是否在等级的分数段内）"


def _value(x: IndicatorResult, target: Any, cell: str) -> Any:
    return target if cell == "target" else getattr(x, cell)


def _shown(v: Decimal | None) -> str:
    """A score as a message shows it (2 decimals), or — for none."""
    return "—" if v is None else f"{v:.2f}"


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())
