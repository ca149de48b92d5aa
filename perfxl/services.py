"""The services every front end calls: the command line, the Excel ribbon, a future web app.

Each service takes paths (or an open book's cells) and options, does the work through the
core and the edges (readers, writers), and returns a report object; a front end only turns
its input into these calls and shows the report (``to_dict()`` is what ``--format json``
prints). Nothing here prints, exits or imports a front end's library.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfxl.inputs import Found, discover

if TYPE_CHECKING:
    from perfxl.compute import ComputeResult
    from perfxl.config import Config
    from perfxl.consolidate.combine import Consolidation
    from perfxl.consolidate.run import Options, ReadPlan
    from perfxl.grid import Grid
    from perfxl.problems import Problem
    from perfxl.publish.api import PublishResult
    from perfxl.read import ReadResult
    from perfxl.validate import ValidationBatch, ValidationReport
    from perfxl.write.patch import PatchResult
    from perfxl.write.percentages import ComputeOutcome, FormulaMap, Plan


def find_inputs(inputs: Iterable[str | Path], exclude: Iterable[str | Path] = ()) -> Found:
    """Every workbook among files and folders (`perfxl.inputs.discover`)."""
    return discover(inputs, exclude)


def choose_versions(reports: Sequence[ValidationReport]) -> dict[str, tuple[str, str]]:
    """Files that are an older version of a unit another file in the batch holds, as
    path -> (the version consolidate and publish use, what decided): the rule they share
    (`perfxl.versions.choose`)."""
    from perfxl.savedtime import saved_time
    from perfxl.versions import BASIS_ZH, Candidate, choose

    candidates: list[Candidate[None]] = [
        Candidate(
            r.read.targets.unit.code or f"?{r.path}",
            r.path,
            os.stat(r.path).st_mtime,
            saved_time(r.path),
        )
        for r in reports
        if r.read is not None
    ]
    out: dict[str, tuple[str, str]] = {}
    for choice in choose(candidates):
        for c in choice.superseded:
            out[c.path] = (choice.chosen.path, BASIS_ZH[choice.basis_against(c)])
    return out


@dataclass
class Workbooks:
    """The workbooks among files and folders, as validate and publish take them.

    Attributes:
        paths: every workbook to read, in the order found.
        unusable: inputs that gave nothing, as (path, Chinese reason).
        summaries: perfxl summaries found in a folder (not a unit's submission): left out.
    """

    paths: list[Path]
    unusable: list[tuple[str, str]]
    summaries: list[Path]


def find_workbooks(inputs: Iterable[str | Path], exclude: Iterable[str | Path] = ()) -> Workbooks:
    """The units' workbooks among ``inputs``; a summary named as a file is kept (it is read
    as the workbook it is), one found in a folder is set apart."""
    from perfxl.outputs import is_summary_file

    found = discover(inputs, exclude=exclude)
    paths = [Path(p) for p in found.files]  # folders: every workbook below them
    summaries = [p for p in paths if str(p) not in found.explicit and is_summary_file(p)]
    kept = [p for p in paths if p not in summaries]
    return Workbooks(kept, list(found.unusable), summaries)


def validate_workbooks(found: Workbooks, config: Config | None = None) -> ValidationBatch:
    """Validate every workbook found; a missing input or an empty folder becomes a
    one-problem report like an unreadable file, and the batch goes on.

    Args:
        found: what :func:`find_workbooks` found.
        config: the county settings; None for the shipped defaults.
    """
    from perfxl.validate import ValidationBatch, unusable_report, validate_file

    reports = [validate_file(p, config) for p in found.paths]
    reports.extend(unusable_report(p, why) for p, why in found.unusable)
    return ValidationBatch(
        reports=reports,
        superseded=choose_versions(reports),
        summaries=[str(p) for p in found.summaries],
    )


def validate_files(
    inputs: Sequence[str | Path],
    config: Config | None = None,
    *,
    exclude: Sequence[str | Path] = (),
) -> ValidationBatch:
    """Validate every workbook among files and folders (:func:`find_workbooks`, then
    :func:`validate_workbooks`); ``exclude``: outputs never read as inputs."""
    return validate_workbooks(find_workbooks(inputs, exclude), config)


def annotate(report: ValidationReport, out: str | Path | None = None) -> PatchResult:
    """Mark the report's problems in its workbook, through the zip-level write-back engine.

    Each problem cell gets a fill by severity and a comment; a 校验结果 sheet lists every
    problem with a link to its cell. Earlier annotations are replaced (annotating twice gives
    the same file) and values are never changed.

    Args:
        report: a report of a readable workbook.
        out: where to write; None writes in place (the engine keeps ``BOOK.bak.xlsx``).

    Raises:
        PerfxlError: the workbook cannot be annotated (unreadable, locked, not writable).
    """
    from perfxl.errors import PerfxlError
    from perfxl.write import patch

    if report.read is None:
        raise PerfxlError("文件无法读取，不能标注。", path=report.path)
    same = out is None or Path(out).resolve() == Path(report.path).resolve()
    return patch.annotate(report.path, report.problems, out=None if same else out)


def compute_open_book(
    grid: Grid, formulas: Callable[[list[tuple[str, str]]], FormulaMap]
) -> tuple[ReadResult, ComputeResult, Plan, list[Problem]]:
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


def consolidate(
    inputs: Sequence[str | Path],
    out: Path,
    options: Options | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    on_found: Callable[[ReadPlan], None] | None = None,
) -> ConsolidationReport:
    """Consolidate the workbooks (and summaries) among ``inputs`` into the summary ``out``,
    and the long tables into ``options.tables`` when given (`perfxl.consolidate.consolidate`).
    """
    from perfxl.consolidate import consolidate as run

    opts = options
    result = run(inputs, out, opts, progress=progress, on_found=on_found)
    return ConsolidationReport(result, out, opts.tables if opts else None)


@dataclass
class ConsolidationReport:
    """What a consolidation run made.

    Attributes:
        result: the county's tables.
        summary: the summary workbook written.
        tables: the folder of CSV/Parquet tables, if any.
    """

    result: Consolidation
    summary: Path
    tables: Path | None = None

    @property
    def exit_code(self) -> int:
        """2 some file unusable; 1 errors or missing units; 0 all good."""
        return self.result.exit_code

    def to_dict(self) -> dict[str, Any]:
        """The run summary (what ``--format json`` prints)."""
        from perfxl.consolidate import columns as K

        r = self.result
        return {
            "summary": str(self.summary),
            "tables": str(self.tables) if self.tables else None,
            "units": sum(1 for u in r.units if u.row_kind == K.ROW_UNIT),
            "projects": r.totals.get("projects", 0),
            "budget": r.totals.get("budget", 0.0),
            "plan_percent": {
                cp: r.totals.get(k)
                for cp, k in zip(
                    K.CHECKPOINTS, ("pct_mar", "pct_jun", "pct_oct", "pct_dec"), strict=True
                )
            },
            "errors": r.error_count,
            "warnings": r.warning_count,
            "missing_units": [{"unit_code": c, "unit_name": n} for c, n in r.missing],
            "superseded_files": [f.path for f in r.superseded],
            "summaries_not_read": [
                f.source_file for f in r.files if f.file_status == K.SUMMARY_SKIPPED
            ],
            "unusable_files": [
                {"file": f.path, "status": f.status, "reason": f.note} for f in r.unreadable
            ],
            "notes": list(r.notes),
            "exit_code": r.exit_code,
        }


def publish(
    books: Sequence[Path], out: Path, *, pdf: bool = False, title: str | None = None
) -> PublishResult:
    """The disclosure document of one unit or a whole county (`perfxl.publish.publish`)."""
    from perfxl.publish import publish as run

    return run(list(books), out, pdf=pdf, title=title)


__all__ = [
    "ComputeReport",
    "ConsolidationReport",
    "Workbooks",
    "annotate",
    "choose_versions",
    "compute_open_book",
    "compute_workbook",
    "consolidate",
    "find_inputs",
    "find_workbooks",
    "publish",
    "validate_files",
    "validate_workbooks",
]
