"""Pieces the monitoring and self-evaluation disclosures share (pure): figures as published,
the small-table cells, 一级/二级指标 merged over runs, the forms section's headings, and the
county summary's unit rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from perfxl import constants as C
from perfxl.model import Indicator, Targets
from perfxl.publish import labels as T
from perfxl.publish import styles as S
from perfxl.publish.blocks import Blocks
from perfxl.publish.ooxml import Cell, Row
from perfxl.publish.text import amount_text, indicator_merges, plain


def pct_text(value: Decimal | None) -> str:
    """A percentage as published: ``98.50%`` (already at 2 decimals); empty for none."""
    return "" if value is None else f"{value:f}%"


def setting_text(value: Decimal) -> str:
    """A setting as written in a note (a weight, a threshold): ``50``, ``7.5`` (no trailing
    zeros)."""
    return f"{value.normalize():f}"


def head(text: str, span: int = 1, vmerge: str | None = None) -> Cell:
    """A heading cell of a form (小五, bold)."""
    return Cell([text], S.TABLE_HEAD_SMALL, span=span, vmerge=vmerge)


def val(text: str, span: int = 1, align: str = "center", fill: str | None = None) -> Cell:
    """A value cell of a form (小五), one paragraph per line of ``text``."""
    return Cell(text.split("\n") if text else [], S.TABLE_SMALL, span=span, align=align, fill=fill)


def unit_money_row(unit: str, money_unit: str | None, span: int) -> Row:
    """The borderless line above a form: the unit on the left (over ``span`` columns), the
    money unit over the last two."""
    money = f"单位：{money_unit or C.MONEY_UNIT}"
    return Row(
        [
            Cell([unit], S.TABLE_SMALL, span=span, align="left", borderless=True),
            Cell([money], S.TABLE_SMALL, span=2, align="right", borderless=True),
        ]
    )


def level_cells(indicators: Sequence[Indicator]) -> list[tuple[Cell, Cell]]:
    """The 一级指标 and 二级指标 cells of each row, merged over runs of equal values (as in
    the targets disclosure)."""
    level1, level2 = indicator_merges(indicators)
    first: dict[int, tuple[int, int]] = {}  # row -> (level-1 run length, level-2 run length)
    for (start, length), subs in zip(level1, level2, strict=True):
        pos = start
        for n in subs:
            first[pos] = (length if pos == start else 0, n)
            pos += n
    out = []
    for k, ind in enumerate(indicators):
        n1, n2 = first.get(k, (0, 0))
        if n1:
            c1 = Cell([plain(ind.level1)], S.TABLE_HEAD_SMALL, vmerge="restart" if n1 > 1 else None)
        else:
            c1 = Cell([], S.TABLE_HEAD_SMALL, vmerge="continue")
        if n2:
            c2 = Cell([plain(ind.level2)], S.TABLE_SMALL, vmerge="restart" if n2 > 1 else None)
        else:
            c2 = Cell([], S.TABLE_SMALL, vmerge="continue")
        out.append((c1, c2))
    return out


def section_heading(b: Blocks, text: str, level: int, page_break: bool = False) -> None:
    """A section's heading (一、总体情况, 二、… 表) at ``level``."""
    b.para(text, S.HEADING2, align="left", indent=True, level=level, page_break=page_break)


def form_title(b: Blocks, i: int, name: object, suffix: str, blank: str, level: int) -> None:
    """The ``i``-th form's title (``1.某项目…表``; ``blank`` without a name), each form after
    the first on a new page."""
    title = f"{i}.{plain(name)}{suffix}" if name else f"{i}.{blank}"
    b.para(
        title,
        S.TABLE_TITLE,
        align="center",
        level=level,
        page_break=i > 1,
        after=120,
        line=None,
    )


def county_head(b: Blocks, title: str) -> None:
    """The county view's summary title and money unit."""
    b.para(title, S.HEADING1, align="center", level=1, line=None, after=240)
    b.para("单位：万元", S.TABLE, align="right", line=None)


def unit_heading(b: Blocks, t: Targets) -> None:
    """A unit's first-level heading in the county view, on a new page."""
    name = plain(t.unit.code) + plain(t.unit.name)
    b.para(name, S.HEADING1, align="center", level=1, page_break=True, line=None, after=240)


def summary_row(
    i: int,
    t: Targets,
    budget: Decimal,
    executed: Decimal,
    right: Sequence[str],
    counts: Sequence[int],
) -> Row:
    """A unit's row of the county summary: 序号, code, name, projects, budget and executed,
    the ``right``-aligned figures (执行率, …), then the ``counts``."""
    return Row(
        [
            Cell([str(i)], S.TABLE_SMALL),
            Cell([plain(t.unit.code)], S.TABLE_SMALL),
            Cell([plain(t.unit.name)], S.TABLE_SMALL, align="left"),
            Cell([str(len(t.projects))], S.TABLE_SMALL),
            Cell([amount_text(budget)], S.TABLE_SMALL, align="right"),
            Cell([amount_text(executed)], S.TABLE_SMALL, align="right"),
            *(Cell([text], S.TABLE_SMALL, align="right") for text in right),
            *(Cell([str(n)], S.TABLE_SMALL) for n in counts),
        ]
    )


def total_row(
    projects: int, budget: Decimal, executed: Decimal, right: Sequence[str], counts: Sequence[int]
) -> Row:
    """The county summary's 合计 row, laid out as :func:`summary_row`."""
    return Row(
        [
            Cell([T.COUNTY_TOTAL], S.TABLE_HEAD_SMALL, span=3),
            Cell([str(projects)], S.TABLE_HEAD_SMALL),
            Cell([amount_text(budget)], S.TABLE_HEAD_SMALL, align="right"),
            Cell([amount_text(executed)], S.TABLE_HEAD_SMALL, align="right"),
            *(Cell([text], S.TABLE_HEAD_SMALL, align="right") for text in right),
            *(Cell([str(n)], S.TABLE_HEAD_SMALL) for n in counts),
        ]
    )
