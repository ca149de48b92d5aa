"""One unit's disclosure: part one (texts) and part two (one table pair per project)."""

from __future__ import annotations

from perfxl import constants as C
from perfxl.model import Indicator, Project, Targets
from perfxl.publish import labels as T
from perfxl.publish import styles as S
from perfxl.publish.blocks import Blocks
from perfxl.publish.ooxml import Cell, Row, table
from perfxl.publish.text import (
    amount_text,
    indicator_merges,
    item_prefix,
    plain,
    project_title,
    unit_line,
)

# Grid of the project header table (twips): a label column and eight equal columns.
_G0 = 1500
_G = (S.PAGE.text_width - _G0) // 8
TOP_WIDTHS = (_G0, *([_G] * 7), S.PAGE.text_width - _G0 - 7 * _G)
KEEP_ROWS = 20  # indicator tables up to this many rows are never split from their title
INDICATOR_WIDTHS = (1200, 1500, 1700, 1900, 1300, S.PAGE.text_width - 7600)


def township(b: Blocks, t: Targets, level: int = 1) -> None:
    """Append the whole disclosure of one unit.

    Args:
        b: the blocks to append to.
        t: the unit's targets.
        level: heading level of the two part titles (1 alone, 2 inside a county document).
    """
    part_one(b, t, level)
    part_two(b, t, level)


def _heading_font(level: int) -> S.Font:
    return S.HEADING1 if level == 1 else S.HEADING2


def part_one(b: Blocks, t: Targets, level: int) -> None:
    """第一部分 部门整体绩效目标: summary, sub-areas and measures."""
    o = t.overall
    b.para(T.PART_ONE, S.PART, align="center", keep_next=True, before=600)
    b.para(T.PART_ONE_TITLE, _heading_font(level), align="center", level=level, line=None)
    b.blank()
    # The seed (the county's own published text) repeats this heading as the first line of
    # its body, a slip of its Word file: the heading is written once.
    b.para(T.SECTION_SUMMARY, S.HEADING2, align="left", indent=True, level=level + 1)
    for line in plain(o.summary).split("\n"):
        if line:
            b.para(line, indent=True)
    b.para(T.SECTION_AREAS, S.HEADING2, align="left", indent=True, level=level + 1)
    for i, area in enumerate(o.areas, 1):
        head = item_prefix(i) + plain(area.title)
        runs = [(head, S.HEADING3)]
        if area.description:
            runs.append(("：" + plain(area.description), S.BODY))
        b.para(runs, indent=True)
        if area.targets is not None:
            b.para([(T.AREA_TARGETS, S.BODY_BOLD), (plain(area.targets), S.BODY)], indent=True)
        if area.indicators is not None:
            b.para(
                [(T.AREA_INDICATORS, S.BODY_BOLD), (plain(area.indicators), S.BODY)], indent=True
            )
    b.para(T.SECTION_MEASURES, S.HEADING2, align="left", indent=True, level=level + 1)
    for i, m in enumerate(o.measures, 1):
        b.para(item_prefix(i) + plain(m.title), S.HEADING3, indent=True, keep_next=True)
        for line in plain(m.text).split("\n"):
            if line:
                b.para(line, indent=True)


def part_two(b: Blocks, t: Targets, level: int) -> None:
    """第二部分 预算项目绩效目标: one numbered table pair per project."""
    b.blank()
    b.para(T.PART_TWO, S.PART, align="center", page_break=True, keep_next=True, before=600)
    b.blank()
    b.para(T.PART_TWO_TITLE, _heading_font(level), align="center", level=level, line=None)
    b.blank()
    unit = unit_line(t)
    for i, p in enumerate(t.projects, 1):
        b.para(
            project_title(i, p.name),
            S.TABLE_TITLE,
            align="center",
            level=level + 1,
            page_break=True,
            after=120,
            line=None,
        )
        b.raw(header_table(p, unit, t.money_unit))
        b.spacer()
        b.raw(indicator_table(p.indicators))
        b.blank()


def _label(text: str, span: int = 1, vmerge: str | None = None) -> Cell:
    return Cell([text], S.TABLE_HEAD, span=span, vmerge=vmerge)


def _value(text: str, span: int = 1, align: str = "center") -> Cell:
    return Cell(text.split("\n") if text else [], S.TABLE, span=span, align=align)


def header_table(p: Project, unit: str, money_unit: str | None) -> str:
    """The project's header table: unit line, code and name, amounts, purpose, plan, goals."""
    money = f"单位：{money_unit or C.MONEY_UNIT}"
    plan = [amount_text(v) for v in p.plan.values()]
    rows = [
        Row(
            [
                Cell([unit], S.TABLE, span=6, align="left", borderless=True),
                Cell([money], S.TABLE, span=3, align="right", borderless=True),
            ]
        ),
        Row(
            [
                _label(C.L_CODE),
                _value(plain(p.code), 3),
                _label(C.L_NAME, 2),
                _value(plain(p.name), 3),
            ]
        ),
        Row(
            [
                _label(C.L_BUDGET_GROUP, vmerge="restart"),
                _label(C.L_BUDGET),
                _value(amount_text(p.budget)),
                _label(C.L_FISCAL, 2),
                _value(amount_text(p.fiscal_funds)),
                _label(C.L_OTHER, 2),
                _value(amount_text(p.other_funds)),
            ]
        ),
        Row([_label("", vmerge="continue"), _value(plain(p.purpose), 8, "left")]),
        Row(
            [
                _label(C.L_PLAN_GROUP, vmerge="restart"),
                *(_label(c, 2) for c in C.L_CHECKPOINTS),
            ]
        ),
        Row([_label("", vmerge="continue"), *(_value(v, 2) for v in plan)]),
        Row([_label(C.L_GOALS), Cell(list(p.goals), S.TABLE, span=8, align="left")], height=900),
    ]
    return table(TOP_WIDTHS, rows, keep=True)


def indicator_table(indicators: list[Indicator]) -> str:
    """The indicator table; 一级指标 and 二级指标 merged over runs of equal values."""
    head = [C.L_LEVEL1, C.L_LEVEL2, C.L_LEVEL3, C.L_DESCRIPTION, C.L_TARGET, C.L_BASIS]
    rows = [Row([_label(h) for h in head], header=True)]
    items = [r for r in indicators if not r.is_blank()]
    level1, level2 = indicator_merges(items)
    first: dict[int, tuple[int, int]] = {}  # row -> (level-1 run length, level-2 run length)
    for (start, length), subs in zip(level1, level2, strict=True):
        pos = start
        for n in subs:
            first[pos] = (length if pos == start else 0, n)
            pos += n
    for k, r in enumerate(items):
        n1, n2 = first.get(k, (0, 0))
        if n1:
            c1 = _label(plain(r.level1), vmerge="restart" if n1 > 1 else None)
        else:
            c1 = _label("", vmerge="continue")
        if n2:
            c2 = Cell([plain(r.level2)], S.TABLE, vmerge="restart" if n2 > 1 else None)
        else:
            c2 = Cell([], S.TABLE, vmerge="continue")
        cells = [c1, c2, *(_value(plain(v)) for v in (r.level3, r.description, r.target, r.basis))]
        rows.append(Row(cells))
    return table(INDICATOR_WIDTHS, rows, top=False, keep=len(rows) <= KEEP_ROWS)
