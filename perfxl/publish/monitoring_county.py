"""The county's monitoring view: a summary table of every unit (执行率 against 序时, lights),
the file used for each unit, then every unit's monitoring disclosure in turn (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from perfxl import layout as L
from perfxl import monitoring as M
from perfxl.model import Targets
from perfxl.numbers import cumulative_percent, total
from perfxl.publish import forms as F
from perfxl.publish import labels as T
from perfxl.publish import monitoring as MP
from perfxl.publish import styles as S
from perfxl.publish.blocks import Blocks
from perfxl.publish.county import Source, sources_table
from perfxl.publish.ooxml import Cell, Row, table

SUMMARY_WIDTHS = (500, 900, S.PAGE.text_width - 6650, 600, 1100, 1100, 900, 450, 450, 450)
LIGHTS: tuple[M.Light, ...] = ("green", "yellow", "red")


def summary_table(books: Sequence[Targets], th: MP.Thresholds, month: int | None) -> str:
    """One row per unit (projects, budget, 1-X月执行数, 执行率, lights) and a 合计 row whose
    执行率 is the county's executed total over its budget total (as the county summary's)."""
    head = [L.month_label(h, month) for h in T.MON_COUNTY_HEADERS]
    rows = [Row([Cell([h], S.TABLE_HEAD_SMALL) for h in head], header=True)]
    budgets: list[Decimal] = []
    executed: list[Decimal] = []
    counts: dict[M.Light, int] = dict.fromkeys(LIGHTS, 0)
    projects = 0
    for i, t in enumerate(books, 1):
        fig = MP.unit_figures(t, th)
        budgets.append(fig.budget)
        executed.append(fig.executed)
        projects += len(t.projects)
        for k in LIGHTS:
            counts[k] += fig.lights[k]
        lights = [fig.lights[k] for k in LIGHTS]
        rows.append(F.summary_row(i, t, fig.budget, fig.executed, [F.pct_text(fig.rate)], lights))
    b, e = total(budgets), total(executed)
    right = [F.pct_text(cumulative_percent(e, b))]
    rows.append(F.total_row(projects, b, e, right, [counts[k] for k in LIGHTS]))
    return table(SUMMARY_WIDTHS, rows)


def county(
    b: Blocks,
    books: Sequence[Targets],
    th: MP.Thresholds,
    sources: Sequence[Source] = (),
) -> None:
    """Append the summary table, the files used, then each unit under its own first-level
    heading."""
    month = M.month_of(books[0]) if books else None  # one month: `select_books` checks
    F.county_head(b, T.MON_COUNTY_SUMMARY)
    b.raw(summary_table(books, th, month))
    schedule = F.pct_text(M.schedule_percent(month)) if month else "（监控月份未填）"
    b.para(T.MON_COUNTY_NOTE.format(schedule=schedule), S.TABLE, align="left", line=None)
    if sources:
        b.para(T.SOURCE_TITLE, S.TABLE_HEAD, align="left", before=240, line=None)
        b.raw(sources_table(sources))
    for t in books:
        F.unit_heading(b, t)
        MP.township(b, t, th, level=2)
