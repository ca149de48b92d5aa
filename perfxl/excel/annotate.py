"""What 校验 shows in a workbook: a plan of cell marks and the 校验结果 table (pure).

The plan is the same for a file (written through the zip engine by ``perfxl validate
--annotate``) and a live book (written through xlwings): fill colour by the worst severity
in the cell, a note holding every message for that cell, and one row per problem in the
results sheet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from perfxl.problems import SEVERITY_ORDER, SEVERITY_ZH, Problem

# Fill colours by severity (Excel's own "bad" and "neutral" styles); info leaves no colour.
FILL: dict[str, str | None] = {"error": "#FFC7CE", "warning": "#FFEB9C", "info": None}
RESULT_HEADERS: tuple[str, ...] = ("序号", "工作表", "单元格", "级别", "规则", "说明")


@dataclass(frozen=True)
class Mark:
    """One annotated cell: its colour (None: leave as is) and its note."""

    sheet: str
    cell: str
    color: str | None
    note: str


def marks(problems: Iterable[Problem]) -> list[Mark]:
    """One mark per (sheet, cell) that problems point at, in order of first appearance."""
    by_cell: dict[tuple[str, str], list[Problem]] = {}
    for p in problems:
        if p.sheet and p.cell:
            by_cell.setdefault((p.sheet, p.cell), []).append(p)
    out = []
    for (sheet, cell), ps in by_cell.items():
        worst = min(ps, key=lambda p: SEVERITY_ORDER[p.severity]).severity
        note = "\n".join(f"[{SEVERITY_ZH[p.severity]}] {p.message}" for p in ps)
        out.append(Mark(sheet, cell, FILL[worst], note))
    return out


def result_rows(problems: Iterable[Problem]) -> list[list[object]]:
    """The 校验结果 table: header row, then one row per problem."""
    rows: list[list[object]] = [list(RESULT_HEADERS)]
    for i, p in enumerate(problems, start=1):
        rows.append([i, p.sheet or "", p.cell or "", SEVERITY_ZH[p.severity], p.rule, p.message])
    return rows
