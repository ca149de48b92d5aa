"""One unit's monitoring disclosure (运行监控公开文本): a summary, then one table pair per project.

Pure: blocks of WordprocessingML text. Every figure comes from :mod:`perfxl.monitoring`
(执行率, 序时进度, lights) and :mod:`perfxl.numbers` (sums, the unit's 执行率), so the document
shows what ``compute`` writes into the workbook and what ``consolidate`` puts in the county
monitoring summary.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from perfxl import constants as C
from perfxl import layout as L
from perfxl import monitoring as M
from perfxl.model import (
    FUNDS_ROWS,
    PROGRESS_KEYS,
    Indicator,
    IndicatorProgress,
    Project,
    Targets,
)
from perfxl.numbers import cumulative_percent, gap, total
from perfxl.publish import forms as F
from perfxl.publish import labels as T
from perfxl.publish import styles as S
from perfxl.publish.blocks import Blocks
from perfxl.publish.ooxml import Cell, Row, table
from perfxl.publish.text import amount_text, plain, unit_line

if TYPE_CHECKING:
    from perfxl.config import Config

# The funds table: a label column, five figures and the light.
_W = S.PAGE.text_width
FUNDS_WIDTHS = (1600, 1250, 1250, 1250, 1300, 1250, _W - 7900)
# The indicator table: ten columns in 小五 fit the portrait page.
PROGRESS_WIDTHS = (840, 900, 1000, 900, 900, 900, 820, 1000, _W - 7820, 560)
KEEP_ROWS = 20  # indicator tables up to this many rows are never split from their title
FUNDS_LABELS = {"total": C.L_FUNDS_TOTAL, "fiscal": C.L_FUNDS_FISCAL, "other": C.L_FUNDS_OTHER}


@dataclass(frozen=True)
class Thresholds:
    """The project light's gaps below 序时进度 (points), as the county config sets them."""

    yellow_gap: Decimal = M.DEFAULT_YELLOW_GAP
    red_gap: Decimal = M.DEFAULT_RED_GAP


def thresholds_of(cfg: Config) -> Thresholds:
    """The thresholds of the county config (as ``compute`` and ``consolidate`` take them)."""
    return Thresholds(Decimal(repr(cfg.yellow_gap)), Decimal(repr(cfg.red_gap)))


@dataclass(frozen=True)
class UnitFigures:
    """A unit's monitoring figures, each computed once.

    Attributes:
        month: the monitoring month X (None when the workbook has no usable month).
        schedule: 序时进度 of the month (None without a month).
        results: every project's figures from :func:`perfxl.monitoring.monitor`.
        budget: the sum of the projects' budgets (调整后预算数, else 年初预算数).
        executed: the sum of their 1-X月执行数.
        rate: ``executed`` over ``budget`` (None when the budget is 0), as the county
            summary's 乡镇执行 computes a unit's 执行率.
        lights: project light -> how many (None: no light, 执行数 not typed).
        indicator_lights: indicator light -> how many (None: 完成目标可能性 not chosen).
    """

    month: int | None
    schedule: Decimal | None
    results: list[M.MonitoringResult]
    budget: Decimal
    executed: Decimal
    rate: Decimal | None
    lights: Counter[M.Light | None] = field(default_factory=Counter)
    indicator_lights: Counter[M.Light | None] = field(default_factory=Counter)


def unit_figures(t: Targets, th: Thresholds = Thresholds()) -> UnitFigures:
    """The unit's figures: each project's through `perfxl.monitoring`, the unit's sums through
    `perfxl.numbers`."""
    results = M.monitor(t, th.yellow_gap, th.red_gap)
    funds = [p.monitoring.total for p in t.projects if p.monitoring is not None]
    budget = total(M.budget_of(r) for r in funds)
    executed = total(r.executed for r in funds)
    ind: Counter[M.Light | None] = Counter()
    for res, p in zip(results, t.projects, strict=True):
        for _ind, _prog, light in progress_rows(p, res):
            ind[light] += 1
    month = M.month_of(t)
    return UnitFigures(
        month,
        None if month is None else M.schedule_percent(month),
        results,
        budget,
        executed,
        cumulative_percent(executed, budget),
        Counter(r.light for r in results),
        ind,
    )


def progress_rows(
    p: Project, res: M.MonitoringResult
) -> list[tuple[Indicator, IndicatorProgress, M.Light | None]]:
    """The indicator rows as published: each indicator with its monitoring columns and light
    (rows blank in both left out, as the targets disclosure leaves out blank indicators)."""
    progress = p.monitoring.indicators if p.monitoring is not None else []
    rows = []
    for j, ind in enumerate(p.indicators):
        prog = progress[j] if j < len(progress) else IndicatorProgress()
        light = res.indicator_lights[j] if j < len(res.indicator_lights) else None
        if ind.is_blank() and all(M.is_blank(getattr(prog, k)) for k in PROGRESS_KEYS):
            continue
        rows.append((ind, prog, light))
    return rows


def light_text(light: M.Light | None) -> str:
    """A light as text (绿/黄/红), so it survives a black-and-white print; ``—`` for none."""
    return T.MON_NO_LIGHT if light is None else M.LIGHT_TEXT[light]


def document_title(t: Targets) -> str:
    """The cover title: unit name, a line break, the year and months monitored."""
    unit = plain(t.unit.name) or plain(t.unit.code)
    template = T.MON_DOC_TITLE if t.year else T.MON_DOC_TITLE_NO_YEAR
    return L.month_label(template.format(unit=unit, year=plain(t.year), X="{X}"), M.month_of(t))


def summary_lines(t: Targets, fig: UnitFigures, th: Thresholds) -> list[str]:
    """The summary paragraphs: projects, amounts, 执行率 against 序时, the lights."""
    x = fig.month
    when = f"截至{x}月底" if x else "截至监控时点"
    months = f"1-{x}月" if x else "1-X月"
    n = len(t.projects)
    line = (
        f"{when}，本单位纳入绩效运行监控的项目共{n}个，年度预算（调整后）{amount_text(fig.budget)}"
        f"万元，{months}执行{amount_text(fig.executed)}万元，"
    )
    if fig.rate is None:
        line += "预算数为 0，总体执行率无法计算。"
    else:
        line += f"总体执行率{F.pct_text(fig.rate)}"
        if fig.schedule is None:
            line += "（监控月份未填，无序时进度）。"
        else:
            diff = gap(fig.rate, fig.schedule)
            assert diff is not None
            if diff > 0:
                rel = f"高于序时进度{diff:f}个百分点"
            elif diff < 0:
                rel = f"低于序时进度{-diff:f}个百分点"
            else:
                rel = "与序时进度持平"
            line += f"，序时进度{F.pct_text(fig.schedule)}，{rel}。"
    lights = fig.lights
    line += (
        f"按执行率与序时进度的差距预警：绿灯{lights['green']}个、黄灯{lights['yellow']}个、"
        f"红灯{lights['red']}个"
    )
    line += f"，未填报执行数{lights[None]}个。" if lights[None] else "。"
    ind = fig.indicator_lights
    line2 = (
        f"绩效指标共{sum(ind.values())}条，完成目标可能性为确定能的{ind['green']}条（绿）、"
        f"有可能的{ind['yellow']}条（黄）、完全不可能的{ind['red']}条（红）"
    )
    line2 += f"，未填写的{ind[None]}条。" if ind[None] else "。"
    out = [line, line2]
    behind = [
        f"{plain(p.name)}（执行率{F.pct_text(r.rate)}，{light_text(r.light)}灯）"
        for r, p in zip(fig.results, t.projects, strict=True)
        if r.light in ("yellow", "red")
    ]
    if behind:
        out.append(f"执行进度滞后于序时进度的项目：{'、'.join(behind)}。")
    out.append(
        T.MON_LIGHTS_NOTE.format(
            yellow=F.setting_text(th.yellow_gap), red=F.setting_text(th.red_gap)
        )
    )
    return out


def township(b: Blocks, t: Targets, th: Thresholds = Thresholds(), level: int = 1) -> None:
    """Append one unit's monitoring disclosure.

    Args:
        b: the blocks to append to.
        t: the unit's monitoring workbook as read.
        th: the light thresholds (the county config's).
        level: heading level of the two sections (1 alone, 2 inside a county document).
    """
    fig = unit_figures(t, th)
    F.section_heading(b, T.MON_SECTION_SUMMARY, level)
    for line in summary_lines(t, fig, th):
        b.para(line, indent=True)
    F.section_heading(b, T.MON_SECTION_TABLES, level, page_break=True)
    unit = unit_line(t)
    for i, (p, res) in enumerate(zip(t.projects, fig.results, strict=True), 1):
        suffix, blank = C.MONITORING_TITLE_SUFFIX, C.MONITORING_TITLE_BLANK
        F.form_title(b, i, p.name, suffix, blank, level + 1)
        b.raw(funds_table(p, res, unit, t.money_unit, fig.month))
        b.spacer()
        b.raw(progress_table(p, res, fig.month))
        b.blank()


def _light_cell(light: M.Light | None) -> Cell:
    fill = None if light is None else M.LIGHT_FILL[light]
    return F.val("" if light is None else M.LIGHT_TEXT[light], fill=fill)


def funds_table(
    p: Project, res: M.MonitoringResult, unit: str, money_unit: str | None, month: int | None
) -> str:
    """The header and funds block: unit line, code and name, the three funds rows with their
    执行率 and the project's light, 年度总体目标 and 1-X月目标完成情况."""
    m = p.monitoring
    rows = [
        F.unit_money_row(unit, money_unit, 5),
        Row(
            [
                F.head(C.L_CODE),
                F.val(plain(p.code), 2),
                F.head(C.L_NAME),
                F.val(plain(p.name), 3, "left"),
            ]
        ),
        Row(
            [
                F.head(T.MON_FUNDS_GROUP),
                *(
                    F.head(L.month_label(h, month))
                    for h in (C.L_INITIAL, C.L_ADJUSTED, C.L_EXECUTED, C.L_RATE, C.L_FORECAST)
                ),
                F.head(C.L_LIGHT),
            ]
        ),
    ]
    for key in FUNDS_ROWS:
        f = getattr(m, key) if m is not None else None
        amounts = [getattr(f, k) if f is not None else None for k in ("initial", "adjusted")]
        rate = res.rates.get(key)
        rows.append(
            Row(
                [
                    F.head(FUNDS_LABELS[key]),
                    *(F.val(amount_text(a), align="right") for a in amounts),
                    F.val(amount_text(f.executed if f else None), align="right"),
                    F.val(F.pct_text(rate.value if rate else None), align="right"),
                    F.val(amount_text(f.forecast if f else None), align="right"),
                    _light_cell(res.light) if key == "total" else F.val(""),
                ]
            )
        )
    rows.append(
        Row([F.head(C.L_ANNUAL_GOALS), Cell(list(p.goals), S.TABLE_SMALL, 6, align="left")])
    )
    progress = plain(m.progress) if m is not None else ""
    rows.append(
        Row([F.head(L.month_label(C.L_PROGRESS, month)), F.val(progress, 6, "left")], height=700)
    )
    return table(FUNDS_WIDTHS, rows, keep=True)


def progress_table(p: Project, res: M.MonitoringResult, month: int | None) -> str:
    """The indicator table: the targets' columns, the monitoring columns and each light;
    一级指标 and 二级指标 merged over runs of equal values, as in the targets disclosure."""
    head = [
        C.L_LEVEL1,
        C.L_LEVEL2,
        C.L_LEVEL3,
        C.L_ANNUAL_TARGET,
        L.month_label(C.L_CURRENT, month),
        C.L_FORECAST_DONE,
        C.L_LIKELIHOOD,
        C.L_DEVIATION,
        C.L_REMEDY,
        C.L_LIGHT,
    ]
    rows = [Row([F.head(h) for h in head], header=True)]
    items = progress_rows(p, res)
    merged = F.level_cells([ind for ind, _, _ in items])
    for (ind, prog, light), (c1, c2) in zip(items, merged, strict=True):
        texts = (ind.level3, ind.target, prog.current, prog.forecast, prog.likelihood)
        notes = (prog.deviation, prog.remedy)
        rows.append(
            Row(
                [
                    c1,
                    c2,
                    *(F.val(plain(v)) for v in texts),
                    *(F.val(plain(v), align="left") for v in notes),
                    _light_cell(light),
                ]
            )
        )
    return table(PROGRESS_WIDTHS, rows, top=False, keep=len(rows) <= KEEP_ROWS)
