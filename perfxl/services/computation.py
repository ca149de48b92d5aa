"""Services that compute a workbook's cumulative percentages: a file, or an open book."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from perfxl.compute import ComputeResult
    from perfxl.grid import Grid
    from perfxl.problems import Problem
    from perfxl.read import ReadResult
    from perfxl.write.percentages import ComputeOutcome, FormulaMap, PercentageWrites


def compute_open_book(
    grid: Grid, formulas: Callable[[list[tuple[str, str]]], FormulaMap]
) -> tuple[ReadResult, ComputeResult, PercentageWrites, list[Problem]]:
    """The percentages of an open book's cells and the cells to write, as ``compute`` decides
    them for a file (`perfxl.write.percentages.plan_percentages`); the caller writes them.

    Args:
        grid: the book's cells.
        formulas: reads the formulas of (sheet, cell)s from the book.

    Raises:
        NotAPerfxlWorkbookError: the book has neither a project sheet nor a cover.
    """
    from perfxl import layout as L
    from perfxl.errors import NotAPerfxlWorkbookError
    from perfxl.read import read_grid_model
    from perfxl.write.percentages import outcome_problems, plan_percentages

    read = read_grid_model(grid)
    if not any(s.kind in ("project", "cover") for s in read.sheets):
        anchor = L.PROJECT_ANCHOR
        raise NotAPerfxlWorkbookError(
            f"工作簿中没有项目绩效目标表（{anchor.ref} 为“{anchor.text}”）或封面，无法计算。",
            path=read.path,
        )
    computed, plan = plan_percentages(read, grid, formulas)
    return read, computed, plan, outcome_problems(read, computed, plan)


@dataclass
class ComputeReport:
    """What ``compute`` did to a workbook file.

    Attributes:
        outcome: the engine's outcome (read, computed, problems, what was written).
        target: the file written.
    """

    outcome: ComputeOutcome
    target: Path

    @property
    def problems(self) -> list[Problem]:
        """Why projects or cells got no percentage."""
        return self.outcome.problems

    @property
    def done(self) -> int:
        """Projects whose percentages were computed."""
        return sum(p.percents is not None for p in self.outcome.computed.projects)

    @property
    def total(self) -> int:
        """Projects in the workbook."""
        return len(self.outcome.computed.projects)

    @property
    def backup(self) -> Path | None:
        """The backup an in-place write kept."""
        return self.outcome.result.backup

    def to_dict(self) -> dict[str, Any]:
        """The JSON report: percentages per project (numbers, 2 decimals) and the problems."""
        read, computed = self.outcome.read, self.outcome.computed
        projects = []
        for pp in computed.projects:
            p = read.targets.projects[pp.index]
            projects.append(
                {
                    "index": pp.index,
                    "sheet": read.project_sheet(pp.index),
                    "code": p.code,
                    "name": p.name,
                    "percents": None if pp.percents is None else [float(x) for x in pp.percents],
                }
            )
        t = computed.totals
        return {
            "file": read.path,
            "output": str(self.target),
            "backup": str(self.backup) if self.backup else None,
            "projects": projects,
            "totals": {
                "budget": float(t.budget),
                "plan": [float(x) for x in t.plan],
                "percent": None if t.percent is None else float(t.percent),
            },
            "problems": [p.to_dict() for p in self.problems],
        }


def compute_workbook(book: str | Path, out: str | Path | None = None) -> ComputeReport:
    """Compute a workbook's percentages and write them back (``out`` None: in place, with
    ``BOOK.bak.xlsx``), changing nothing else (`perfxl.write.percentages.compute_workbook`)."""
    from perfxl.write.percentages import compute_workbook as write_percentages

    outcome = write_percentages(book, out)
    return ComputeReport(outcome, Path(out or book))
