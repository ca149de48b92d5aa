"""The county's self-evaluation view: a summary table of every unit (执行率, average 总分,
自评等级 counts), the file used for each unit, then every unit's self-evaluation disclosure in
turn (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from perfxl import scoring as SC
from perfxl.model import Targets
from perfxl.numbers import cumulative_percent, mean, total
from perfxl.publish import evaluation as EP
from perfxl.publish import forms as F
from perfxl.publish import labels as T
from perfxl.publish import styles as S
from perfxl.publish.blocks import Blocks
from perfxl.publish.county import Source, sources_table
from perfxl.publish.ooxml import Cell, Row, table

_FIXED = 450 + 850 + 550 + 1000 + 1000 + 850 + 700


def summary_widths(levels: int) -> tuple[int, ...]:
    """The summary's columns: the unit's name takes what the figures and levels leave."""
    name = S.PAGE.text_width - _FIXED - 400 * levels
    return (450, 850, name, 550, 1000, 1000, 850, 700, *([400] * levels))


def levels_of(books: Sequence[Targets]) -> list[str]:
    """The 自评等级 columns: the levels of the profiles the books name, best first."""
    names: list[str] = []
    for t in books:
        for name in EP.level_names(EP.profile_of(t)):
            if name not in names:
                names.append(name)
    return names


def summary_table(books: Sequence[Targets], figures: Sequence[EP.UnitFigures]) -> str:
    """One row per unit (projects, 全年预算数, 全年执行数, 执行率, average 总分, projects per
    自评等级) and a 合计 row: the county's executed total over its budget total, and the mean
    of every scored project's 总分 (not the mean of the units' averages)."""
    levels = levels_of(books)
    head = [*T.EVAL_COUNTY_HEADERS, *levels]
    rows = [Row([Cell([h], S.TABLE_HEAD_SMALL) for h in head], header=True)]
    budgets: list[Decimal] = []
    executed: list[Decimal] = []
    scores: list[Decimal] = []
    counts: Counter[str | None] = Counter()
    projects = 0
    for i, (t, fig) in enumerate(zip(books, figures, strict=True), 1):
        budgets.append(fig.budget)
        executed.append(fig.executed)
        scores.extend(fig.scores)
        counts.update(fig.levels)
        projects += len(t.projects)
        right = [F.pct_text(fig.rate), EP.score_text(fig.average)]
        row = F.summary_row(i, t, fig.budget, fig.executed, right, [fig.levels[k] for k in levels])
        rows.append(row)
    b, e = total(budgets), total(executed)
    right = [F.pct_text(cumulative_percent(e, b)), EP.score_text(mean(scores))]
    rows.append(F.total_row(projects, b, e, right, [counts[k] for k in levels]))
    return table(summary_widths(len(levels)), rows)


def profiles_note(figures: Sequence[EP.UnitFigures]) -> str:
    """The scoring profiles the units were scored by (one line; several when they differ)."""
    seen: dict[str, SC.Profile] = {}
    for fig in figures:
        seen.setdefault(fig.profile.name, fig.profile)
    return "；".join(EP.profile_line(p) for p in seen.values())


def county(b: Blocks, books: Sequence[Targets], sources: Sequence[Source] = ()) -> None:
    """Append the summary table, the files used, then each unit under its own first-level
    heading."""
    figures = [EP.unit_figures(t) for t in books]
    F.county_head(b, T.EVAL_COUNTY_SUMMARY)
    b.raw(summary_table(books, figures))
    note = f"{T.EVAL_COUNTY_NOTE}{profiles_note(figures)}。"
    b.para(note, S.TABLE, align="left", line=None)
    unscored = sum(fig.levels[None] for fig in figures)
    if unscored:
        b.para(f"另有{unscored}个项目{T.EVAL_NOT_SCORED}。", S.TABLE, align="left", line=None)
    if sources:
        b.para(T.SOURCE_TITLE, S.TABLE_HEAD, align="left", before=240, line=None, keep_next=True)
        b.raw(sources_table(sources))
    for t, fig in zip(books, figures, strict=True):
        F.unit_heading(b, t)
        EP.township(b, t, level=2, fig=fig)
