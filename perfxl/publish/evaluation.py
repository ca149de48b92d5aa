"""One unit's self-evaluation disclosure (绩效自评公开文本): a summary, then one form per project.

Pure: blocks of WordprocessingML text. Every score, 总分 and 自评等级 comes from
:func:`perfxl.evaluation.evaluate` (the one scorer ``compute``, ``validate`` and ``consolidate``
use), every sum and percentage from :mod:`perfxl.numbers`, so the document shows what the
workbook and the county evaluation summary show.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from perfxl import constants as C
from perfxl import scoring as SC
from perfxl.evaluation import EvaluationResult, evaluate
from perfxl.model import EvaluationFundsRow, IndicatorResult, Project, Targets
from perfxl.numbers import cumulative_percent, mean, number, round2, total
from perfxl.publish import forms as F
from perfxl.publish import labels as T
from perfxl.publish import styles as S
from perfxl.publish.blocks import Blocks
from perfxl.publish.ooxml import Cell, Row, table
from perfxl.publish.text import amount_text, plain, unit_line

_W = S.PAGE.text_width
# The header and funds block: a group label, the row label and six figures.
FUNDS_WIDTHS = (1000, 1900, 1050, 1050, 1050, 750, 1000, _W - 7800)
# The indicator table: eight columns in 小五, the reasons in the widest.
INDICATOR_WIDTHS = (760, 900, 1400, 1150, 1150, 700, 700, _W - 6760)
ROW_HEIGHT = 340  # twips, at least: the form's rows are compact so a project fits one page
LOWEST_WIDTHS = (450, 2100, 700, 600, 2600, _W - 6450)
KEEP_ROWS = 20  # indicator tables up to this many rows are never split from their title
LOWEST = 5  # the lowest-scoring projects named in the summary
FUNDS_LABELS = {
    "total": C.L_FUNDS_TOTAL,
    "fiscal": C.L_FUNDS_THIS_YEAR,
    "carryover": C.L_FUNDS_CARRYOVER,
    "other": C.L_FUNDS_OTHER,
}


@dataclass(frozen=True)
class UnitFigures:
    """A unit's self-evaluation figures, each computed once.

    Attributes:
        profile: the scoring profile the workbook names (its cover's 评分方案).
        results: every project's result from :func:`perfxl.evaluation.evaluate`.
        budget: the sum of the projects' 全年预算数 (年度资金总额 row).
        executed: the sum of their 全年执行数.
        rate: ``executed`` over ``budget`` (None when the budget is 0).
        scores: the 总分 of every project that has one.
        average: the mean of ``scores`` at 2 decimals (None when no project is scored).
        levels: 自评等级 -> how many projects (None: not scored).
    """

    profile: SC.Profile
    results: list[EvaluationResult]
    budget: Decimal
    executed: Decimal
    rate: Decimal | None
    scores: list[Decimal]
    average: Decimal | None
    levels: Counter[str | None]


def profile_of(t: Targets) -> SC.Profile:
    """The scoring profile a workbook names (none: the default), as `perfxl.evaluation.evaluate`
    takes it.

    Raises:
        perfxl.errors.PerfxlError: the workbook names no shipped profile.
    """
    return SC.get_profile(t.profile) if t.profile else SC.DEFAULT


def evaluation_of(p: Project) -> Any:
    """The project's self-evaluation columns (an empty one when the sheet had none)."""
    from perfxl.model import ProjectEvaluation

    return p.evaluation if p.evaluation is not None else ProjectEvaluation()


def unit_figures(t: Targets) -> UnitFigures:
    """The unit's figures: each project's through `perfxl.evaluation`, the sums through
    `perfxl.numbers`."""
    profile = profile_of(t)
    results = evaluate(t, profile)
    rows = [evaluation_of(p).total for p in t.projects]
    budget = total(r.budget for r in rows)
    executed = total(r.executed for r in rows)
    scores = [r.total for r in results if r.total is not None]
    return UnitFigures(
        profile,
        results,
        budget,
        executed,
        cumulative_percent(executed, budget),
        scores,
        mean(scores),
        Counter(r.level for r in results),
    )


def level_names(profile: SC.Profile) -> list[str]:
    """The profile's 自评等级, best first (优, 良, 中, 差 by default)."""
    return [name for name, _ in profile.levels] + [SC.WORST_LEVEL]


def score_text(value: Any) -> str:
    """A score or 分值 as published: two decimals; empty for none; text as typed."""
    if value is None:
        return ""
    d = number(value)
    return plain(value) if d is None else f"{round2(d):f}"


def document_title(t: Targets) -> str:
    """The cover title: unit name, a line break, the year's self-evaluation."""
    unit = plain(t.unit.name) or plain(t.unit.code)
    template = T.EVAL_DOC_TITLE if t.year else T.EVAL_DOC_TITLE_NO_YEAR
    return template.format(unit=unit, year=plain(t.year))


def profile_line(profile: SC.Profile) -> str:
    """``评分方案：默认方案（default）``."""
    return T.EVAL_PROFILE_LINE.format(title=profile.title, name=profile.name)


def levels_text(levels: Counter[str | None], profile: SC.Profile) -> str:
    """``优8个、良6个、中3个、差2个`` (and the unscored, when any)."""
    text = "、".join(f"{name}{levels[name]}个" for name in level_names(profile))
    if levels[None]:
        text += f"，{T.EVAL_NOT_SCORED}{levels[None]}个"
    return text


def profile_note(profile: SC.Profile) -> str:
    """The scoring scheme in one sentence: the weights and the levels' thresholds."""
    weights = "、".join(f"{k}{F.setting_text(v)}分" for k, v in profile.weights.items())
    levels = "，".join(f"{name}≥{F.setting_text(low)}分" for name, low in profile.levels)
    funds = F.setting_text(profile.funds_points)
    return (
        f"注：{profile_line(profile)}。预算执行率{funds}分，{weights}；"
        f"自评等级{levels}，其余为{SC.WORST_LEVEL}。"
    )


def short_rows(p: Project, res: EvaluationResult) -> list[tuple[str, str]]:
    """The rows short of full points, as (``name（得分/分值）``, 偏差原因分析及改进措施); the
    预算执行率 row first when it is short."""
    out: list[tuple[str, str]] = []
    f = res.funds
    if f.score is not None and not f.full:
        out.append((f"{T.EVAL_FUNDS_ROW}（{score_text(f.score)}/{score_text(f.points)}）", ""))
    for row in res.short_rows:
        ind = p.indicators[row.index]
        name = plain(ind.level3) or plain(ind.level2)
        got = f"{score_text(row.counted)}/{score_text(row.points)}"
        out.append((f"{name}（{got}）", plain(row.deviation)))
    return out


def lowest(t: Targets, fig: UnitFigures, n: int = LOWEST) -> list[tuple[Project, EvaluationResult]]:
    """The ``n`` lowest-scoring projects (scored ones, lowest 总分 first; sheet order on ties),
    leaving out those at full marks."""
    scored = [
        (p, r)
        for p, r in zip(t.projects, fig.results, strict=True)
        if r.total is not None and r.total < r.full_points
    ]
    return sorted(scored, key=lambda pr: pr[1].total or Decimal(0))[:n]


def summary_lines(t: Targets, fig: UnitFigures) -> list[str]:
    """The summary paragraphs: projects, amounts, 执行率, the average 总分 and the levels."""
    n = len(t.projects)
    year = f"{plain(t.year)}年度" if t.year else ""
    line = (
        f"本单位{year}开展绩效自评的项目共{n}个，全年预算数{amount_text(fig.budget)}万元，"
        f"全年执行数{amount_text(fig.executed)}万元，"
    )
    line += (
        "全年预算数为 0，总体执行率无法计算。"
        if fig.rate is None
        else f"总体执行率{F.pct_text(fig.rate)}。"
    )
    scored = len(fig.scores)
    scheme = f"评分方案“{fig.profile.title}”（{fig.profile.name}）"
    if fig.average is None:
        line2 = f"按{scheme}评分，尚无项目完成评分。"
    else:
        line2 = (
            f"按{scheme}评分，{scored}个项目的平均分为{score_text(fig.average)}分；"
            f"自评等级{levels_text(fig.levels, fig.profile)}。"
        )
    out = [line, line2]
    low = lowest(t, fig)
    if low:
        names = "、".join(f"{plain(p.name)}（{score_text(r.total)}分，{r.level}）" for p, r in low)
        out.append(f"得分较低的项目：{names}。未得满分的指标及偏差原因见下表。")
    return out


def lowest_table(t: Targets, fig: UnitFigures) -> str:
    """The lowest-scoring projects, one row per short row with the reason given (the
    project's number, name, 总分 and 自评等级 merged over its rows)."""
    rows = [Row([F.head(h) for h in T.EVAL_LOWEST_HEADERS], header=True)]
    for i, (p, r) in enumerate(lowest(t, fig), 1):
        short = short_rows(p, r)
        merge = "restart" if len(short) > 1 else None
        for k, (what, why) in enumerate(short):
            head = [str(i), plain(p.name), score_text(r.total), plain(r.level)]
            cells = [
                Cell(
                    [text] if k == 0 else [], S.TABLE_SMALL, vmerge=merge if k == 0 else "continue"
                )
                for text in head
            ]
            cells[1] = Cell(cells[1].lines, S.TABLE_SMALL, vmerge=cells[1].vmerge, align="left")
            rows.append(
                Row(
                    [*cells, F.val(what, align="left"), F.val(why or "—", align="left")],
                    height=ROW_HEIGHT,
                )
            )
    return table(LOWEST_WIDTHS, rows)


def township(b: Blocks, t: Targets, level: int = 1, fig: UnitFigures | None = None) -> None:
    """Append one unit's self-evaluation disclosure.

    Args:
        b: the blocks to append to.
        t: the unit's self-evaluation workbook as read.
        level: heading level of the two sections (1 alone, 2 inside a county document).
        fig: the unit's figures when already computed (:func:`unit_figures`).
    """
    fig = fig or unit_figures(t)
    F.section_heading(b, T.EVAL_SECTION_SUMMARY, level)
    for line in summary_lines(t, fig):
        b.para(line, indent=True)
    if lowest(t, fig):
        b.para(T.EVAL_LOWEST_TITLE, S.TABLE_HEAD, align="center", before=120, line=None)
        b.raw(lowest_table(t, fig))
    b.para(profile_note(fig.profile), S.TABLE, align="left", before=120, line=None)
    F.section_heading(b, T.EVAL_SECTION_TABLES, level, page_break=True)
    unit = unit_line(t)
    for i, (p, res) in enumerate(zip(t.projects, fig.results, strict=True), 1):
        suffix, blank = C.EVALUATION_TITLE_SUFFIX, C.EVALUATION_TITLE_BLANK
        F.form_title(b, i, p.name, suffix, blank, level + 1)
        b.raw(funds_table(p, res, unit, t.money_unit))
        b.spacer()
        b.raw(indicator_table(p, res, fig.profile))
    # A hairline after the last table (a body never ends in a table); none between forms,
    # each starting its page: a full-page form is never followed by an empty page.
    b.para("", S.Font(S.SONG, 2), line=20)


def funds_table(p: Project, res: EvaluationResult, unit: str, money_unit: str | None) -> str:
    """The header and funds block as on the official form: unit line, 项目名称, 主管部门 and
    实施单位, the four funds rows (年初预算数 … 得分; only 年度资金总额 is scored), and
    年度总体目标's 预期目标 beside its 实际完成情况."""
    e = evaluation_of(p)
    rows = [
        F.unit_money_row(unit, money_unit, 6),
        Row([F.head(C.L_NAME, 2), F.val(plain(p.name), 6, "left")]),
        Row(
            [
                F.head(C.L_DEPARTMENT, 2),
                F.val(plain(e.department), 2, "left"),
                F.head(C.L_IMPLEMENTER, 2),
                F.val(plain(e.implementer), 2, "left"),
            ]
        ),
        Row(
            [
                F.head(C.L_FUNDS_WAN, vmerge="restart"),
                F.head(""),
                *(
                    F.head(h)
                    for h in (
                        C.L_INITIAL,
                        C.L_BUDGET_YEAR,
                        C.L_EXECUTED_YEAR,
                        C.L_POINTS,
                        C.L_RATE,
                        C.L_SCORE,
                    )
                ),
            ]
        ),
    ]
    for key, label in FUNDS_LABELS.items():
        f: EvaluationFundsRow = getattr(e, key)
        scored = key == "total"
        rate = res.funds.rate if scored else SC.funds_rate(f.budget, f.executed)[0]
        rows.append(
            Row(
                [
                    F.head("", vmerge="continue"),
                    F.head(label),
                    *(F.val(amount_text(a), align="right") for a in (f.initial, f.budget)),
                    F.val(amount_text(f.executed), align="right"),
                    F.val(score_text(res.funds.points) if scored else C.NOT_SCORED),
                    F.val(F.pct_text(rate), align="right"),
                    F.val(score_text(res.funds.score) if scored else C.NOT_SCORED),
                ]
            )
        )
    rows.append(
        Row(
            [
                F.head(C.L_ANNUAL_GOALS, vmerge="restart"),
                F.head(C.L_EXPECTED, 3),
                F.head(C.L_ACHIEVED, 4),
            ]
        )
    )
    rows.append(
        Row(
            [
                F.head("", vmerge="continue"),
                Cell(list(p.goals), S.TABLE_SMALL, 3, align="left"),
                F.val(plain(e.achieved), 4, "left"),
            ],
        )
    )
    for row in rows:
        row.height = ROW_HEIGHT
    return table(FUNDS_WIDTHS, rows, keep=True)


_SHORT_GRADE = {full: short for short, full in SC.GRADE_SHORT.items()}


def actual_text(typed: IndicatorResult) -> str:
    """实际完成值 as published: as typed, with a qualitative row's chosen grade beneath in its
    short form (达成, 部分达成, 未达成)."""
    actual = plain(typed.actual)
    grade = plain(typed.grade)
    grade = _SHORT_GRADE.get(grade, grade)
    if grade and grade != actual:
        return f"{actual}\n（{grade}）" if actual else grade
    return actual


def indicator_table(p: Project, res: EvaluationResult, profile: SC.Profile) -> str:
    """The indicator table: 一级/二级/三级指标, 年度指标值, 实际完成值, 分值, 得分 and
    偏差原因分析及改进措施 (一级 and 二级 merged over runs of equal values, as in the targets
    disclosure), then 总分 and 自评等级, and the profile scored by."""
    head = [
        C.L_LEVEL1,
        C.L_LEVEL2,
        C.L_LEVEL3,
        C.L_ANNUAL_TARGET,
        C.L_ACTUAL,
        C.L_POINTS,
        C.L_SCORE,
        C.L_DEVIATION_REMEDY,
    ]
    rows = [Row([F.head(h) for h in head], header=True)]
    typed = evaluation_of(p).indicators
    merged = F.level_cells(p.indicators)
    for k, (ind, row, (c1, c2)) in enumerate(zip(p.indicators, res.rows, merged, strict=True)):
        got = typed[k] if k < len(typed) else IndicatorResult()
        rows.append(
            Row(
                [
                    c1,
                    c2,
                    F.val(plain(ind.level3)),
                    F.val(plain(ind.target)),
                    F.val(actual_text(got)),
                    F.val(score_text(row.points)),
                    F.val(score_text(row.counted)),
                    F.val(plain(got.deviation), align="left"),
                ],
                height=ROW_HEIGHT,
            )
        )
    rows.append(
        Row(
            [
                F.head(C.L_TOTAL_SCORE, 5),
                F.head(score_text(res.full_points)),
                F.head(score_text(res.total)),
                F.head(f"{C.L_LEVEL}：{plain(res.level)}"),
            ]
        )
    )
    rows.append(Row([F.val(profile_line(profile), 8, "left")]))
    return table(INDICATOR_WIDTHS, rows, top=False, keep=len(rows) <= KEEP_ROWS)
