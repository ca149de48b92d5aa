"""What annotating shows, decided once for every writer (pure: no files, no XML).

Both the zip engine (``perfxl validate --annotate``, :mod:`perfxl.write.patch.annotation_write`) and
the ribbon's live-book writer (:mod:`perfxl.excel.actions`) turn problems into the same plan:
a fill per cell by the worst severity pointing at it, comment lines on the first cell of
each problem's range, and one 校验结果 row per problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from perfxl.cells import parse_range
from perfxl.constants import RESULTS_SHEET
from perfxl.errors import CellRefError
from perfxl.problems import SEVERITY_ORDER, SEVERITY_ZH
from perfxl.write.patch.model import AnnotationLike
from perfxl.write.patch.report import RESULTS_HEADERS, ResultRow, location

# ARGB fill colours by severity: light red, light yellow, light blue.
FILLS = {"error": "FFFFC7CE", "warning": "FFFFEB9C", "info": "FFDDEBF7"}
MAX_RANGE = 10_000

__all__ = [
    "FILLS",
    "MAX_RANGE",
    "RESULTS_HEADERS",
    "AnnotationPlan",
    "ResultRow",
    "cells_of",
    "note_line",
    "plan",
]


def cells_of(ref: str, sheet: str) -> list[tuple[int, int]]:
    """The (row, column) cells of ``"B7"`` or ``"B7:D7"``, row by row.

    Raises:
        CellRefError: not a cell or range, or a range larger than ``MAX_RANGE`` cells.
    """
    try:
        r1, c1, r2, c2 = parse_range(ref)
    except ValueError:
        raise CellRefError(f"“{ref}”不是有效的单元格或区域。", sheet=sheet, cell=ref) from None
    if (r2 - r1 + 1) * (c2 - c1 + 1) > MAX_RANGE:
        raise CellRefError(f"区域 {ref} 超过 {MAX_RANGE} 个单元格。", sheet=sheet, cell=ref)
    return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def note_line(a: AnnotationLike) -> str:
    """One line of a cell's comment: ``【错误】rule.id：message``."""
    rule = getattr(a, "rule", "") or ""
    return f"【{SEVERITY_ZH[a.severity]}】" + (f"{rule}：" if rule else "") + a.message


@dataclass
class AnnotationPlan:
    """Annotations sorted out.

    Attributes:
        fills: sheet -> (row, column) -> worst severity of the problems covering the cell.
        lines: sheet -> (row, column) -> the comment lines of that cell, in problem order.
        rows: the 校验结果 rows, one per problem, in problem order.
    """

    fills: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    lines: dict[str, dict[tuple[int, int], list[str]]] = field(default_factory=dict)
    rows: list[ResultRow] = field(default_factory=list)

    def notes(self, sheet: str) -> list[tuple[int, int, str]]:
        """The comments of one sheet, in row and column order: (row, column, text)."""
        return [(r, c, "\n".join(ls)) for (r, c), ls in sorted(self.lines.get(sheet, {}).items())]


def plan(
    annotations: Iterable[AnnotationLike], resolve: Callable[[str], str | None]
) -> AnnotationPlan:
    """Sort annotations into fills, comment lines and 校验结果 rows.

    Args:
        annotations: problems (anything with sheet, cell, severity, message, rule).
        resolve: a problem's sheet name -> the workbook's own tab name, or None when the
            workbook has no such worksheet (the problem is then listed but not marked).

    Raises:
        ValueError: an unknown severity.
        CellRefError: a cell that is not a cell or range.
    """
    out = AnnotationPlan()
    for a in annotations:
        if a.severity not in FILLS:
            raise ValueError(f"unknown severity {a.severity!r}")
        sheet, cell, loc = a.sheet or "", (a.cell or "").replace("$", "").upper(), None
        real = resolve(sheet) if sheet and sheet != RESULTS_SHEET else None
        if real and cell:
            targets = cells_of(cell, real)
            f = out.fills.setdefault(real, {})
            for rc in targets:
                old = f.get(rc)
                if old is None or SEVERITY_ORDER[a.severity] < SEVERITY_ORDER[old]:
                    f[rc] = a.severity
            out.lines.setdefault(real, {}).setdefault(targets[0], []).append(note_line(a))
            loc = location(real, cell)
        rule = getattr(a, "rule", "") or ""
        out.rows.append(ResultRow(sheet, cell, SEVERITY_ZH[a.severity], rule, a.message, loc))
    return out
