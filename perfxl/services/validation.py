"""Services that find, validate and annotate workbooks, and choose a unit's version."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from perfxl.inputs import Found, discover

if TYPE_CHECKING:
    from perfxl.carried import CarriedRecord
    from perfxl.config import Config
    from perfxl.grid import Grid
    from perfxl.validate import ValidationBatch, ValidationReport
    from perfxl.write.patch import PatchResult


def find_inputs(inputs: Iterable[str | Path], exclude: Iterable[str | Path] = ()) -> Found:
    """Every workbook among files and folders (`perfxl.inputs.discover`)."""
    return discover(inputs, exclude)


def choose_versions(reports: Sequence[ValidationReport]) -> dict[str, tuple[str, str]]:
    """Files that are an older version of a unit another file in the batch holds, as
    path -> (the version consolidate and publish use, what decided): the rule they share
    (`perfxl.versions.choose`)."""
    if sum(r.read is not None for r in reports) < 2:  # one workbook is no unit's older version
        return {}
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
        backups: what to tell of perfxl's own backups found in a folder and left out
            (`perfxl.inputs.Found.backups_note`; None: there were none).
    """

    paths: list[Path]
    unusable: list[tuple[str, str]]
    summaries: list[Path]
    backups: str | None = None


def find_workbooks(inputs: Iterable[str | Path], exclude: Iterable[str | Path] = ()) -> Workbooks:
    """The units' workbooks among ``inputs``; a summary named as a file is kept (it is read
    as the workbook it is), one found in a folder is set apart."""
    found = discover(inputs, exclude=exclude)
    paths = [Path(p) for p in found.files]  # folders: every workbook below them
    in_folders = [p for p in paths if str(p) not in found.explicit]
    summaries: list[Path] = []
    if in_folders:  # a file named on the command line is never set apart
        from perfxl.outputs import is_summary_file

        summaries = [p for p in in_folders if is_summary_file(p)]
    kept = [p for p in paths if p not in summaries]
    return Workbooks(kept, list(found.unusable), summaries, found.backups_note())


def validate_workbooks(
    found: Workbooks, config: Config | None = None, carried: CarriedRecord | None = None
) -> ValidationBatch:
    """Validate every workbook found; a missing input or an empty folder becomes a
    one-problem report like an unreadable file, and the batch goes on.

    Args:
        found: what :func:`find_workbooks` found.
        config: the county settings; None for the shipped defaults.
        carried: what a monitoring workbook's carried cells must equal
            (:func:`targets_record`); None for each workbook's own record.
    """
    from perfxl.validate import ValidationBatch, unusable_report, validate_file

    reports = [validate_file(p, config, carried) for p in found.paths]
    reports.extend(unusable_report(p, why) for p, why in found.unusable)
    return ValidationBatch(
        reports=reports,
        superseded=choose_versions(reports),
        summaries=[str(p) for p in found.summaries],
    )


def targets_record(path: str | Path) -> CarriedRecord:
    """What a monitoring workbook drawn from the targets workbook ``path`` carries
    (``validate --targets``): its carried cells are checked against it, whether or not the
    monitoring workbook keeps its own record.

    Raises:
        PerfxlError: ``path`` cannot be read, is not a perfxl workbook, its labels are
            broken, or it is a monitoring workbook.
    """
    from perfxl.carried import record_of
    from perfxl.errors import PerfxlError
    from perfxl.read import read_workbook

    res = read_workbook(path)
    res.require_perfxl()
    if not res.ok:
        raise PerfxlError(
            "--targets 指定的目标表结构有误（标签缺失或移动），无法据以核对带入的目标值。"
            "请先按 perfxl validate 的提示修复目标表。",
            path=str(path),
        )
    if res.targets.stage in ("monitoring", "evaluation"):
        what = "绩效运行监控表" if res.targets.stage == "monitoring" else "绩效自评表"
        raise PerfxlError(
            f"--targets 指定的是{what}，不是目标表。"
            "请指定生成被校验工作簿所用的预算绩效目标工作簿。",
            path=str(path),
        )
    return record_of(res.targets, source="targets")


def validate_files(
    inputs: Sequence[str | Path],
    config: Config | None = None,
    *,
    exclude: Sequence[str | Path] = (),
) -> ValidationBatch:
    """Validate every workbook among files and folders (:func:`find_workbooks`, then
    :func:`validate_workbooks`); ``exclude``: outputs never read as inputs."""
    return validate_workbooks(find_workbooks(inputs, exclude), config)


def validate_open_book(grid: Grid, config: Config | None = None) -> ValidationReport:
    """Validate an open book's cells (the ribbon's 校验): read as ``validate`` reads a file,
    the same checks; the caller marks the problems in the book.

    Args:
        grid: the book's cells.
        config: the county settings; None for the shipped defaults.
    """
    from perfxl.read import read_grid_model
    from perfxl.validate import ValidationReport, check

    res = read_grid_model(grid)
    return ValidationReport(path=res.path, read=res, problems=check(res, config))


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
