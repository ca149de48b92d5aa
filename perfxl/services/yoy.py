"""Year over year services: roll a workbook into the next year, compare two versions, gather
the indicators of past years into a library (``perfxl rollover``, ``diff``, ``library``).

Each takes paths, reads them through the one reader (or the JSON contract), calls the pure
core (`perfxl.rollover`, `perfxl.diff`, `perfxl.library`) and returns a report; writing
is atomic, and no command writes over one of its inputs (the front end checks that first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook

    from perfxl.diff import DiffResult
    from perfxl.grid import Grid
    from perfxl.library import Library, Use
    from perfxl.model import Targets
    from perfxl.problems import Problem
    from perfxl.read import ReadResult

JSON_SUFFIXES = (".json",)


@dataclass
class Source:
    """One input: a workbook read by `perfxl.read`, or a JSON data file (the contract).

    Attributes:
        path: the file as given.
        targets: its model.
        read: the reader's result (where each value sits); None for JSON.
        problems: what reading noticed (schema problems of a JSON file).
    """

    path: str
    targets: Targets
    read: ReadResult | None = None
    problems: list[Problem] = field(default_factory=list)


def read_source(path: str | Path) -> Source:
    """A workbook (any perfxl reads) or a JSON data file (``export``, ``import --format json``).

    Raises:
        NotAPerfxlWorkbookError: a workbook that is not a performance target workbook.
        DataError: a JSON file that is not shaped like the contract.
        PerfxlError: the file cannot be read, or its tables' labels are broken.
    """
    p = Path(path)
    if p.suffix.lower() in JSON_SUFFIXES:
        from perfxl.io import load_data

        loaded = load_data(p)
        return Source(str(path), loaded.targets, None, list(loaded.problems))
    from perfxl.errors import PerfxlError
    from perfxl.read import read_workbook

    res = read_workbook(p)
    res.require_perfxl()
    if not res.ok:
        raise PerfxlError(
            "工作簿的表格结构有误（标签缺失或移动），无法读取全部内容。"
            "请先按 perfxl validate 的提示修复后重试。",
            path=str(path),
        )
    return Source(str(path), res.targets, res, list(res.problems))


@dataclass
class RolloverReport:
    """What ``rollover`` wrote.

    Attributes:
        written: the new workbook.
        projects: projects carried.
        cleared: projects whose amounts and plan were cleared.
        from_year: the source's year (None when it had none).
        year: the new year.
        library: indicator library entries put into the workbook (0: none given).
        problems: what reading the source noticed (carried as they were, for the clerk).
    """

    written: Path
    projects: int
    cleared: int
    from_year: object
    year: int
    library: int = 0
    problems: list[Problem] = field(default_factory=list)


def rollover_book(
    book: str | Path,
    out: Path,
    year: int,
    *,
    keep_amounts: bool = False,
    library: str | Path | None = None,
) -> RolloverReport:
    """Write next year's workbook ``out`` from ``book`` (a workbook or a JSON data file).

    Args:
        book: last year's workbook or data.
        out: the new workbook (.xlsx).
        year: the new 预算年度.
        keep_amounts: keep amounts and the spending plan.
        library: an indicator library (``perfxl library``) to add as the 指标库 sheet, with
            a dropdown of its 三级指标 on every project sheet.

    Raises:
        PerfxlError: an input cannot be used (nothing written) or ``out`` cannot be written.
    """
    from perfxl.rollover import roll
    from perfxl.write.fill import build_workbook, save

    src = read_source(book)
    rolled = roll(src.targets, year, keep_amounts=keep_amounts)
    wb = build_workbook(rolled.targets)
    entries = _add_library(wb, library)
    save(wb, out)
    return RolloverReport(
        out,
        len(rolled.targets.projects),
        rolled.cleared,
        rolled.from_year,
        year,
        entries,
        src.problems,
    )


def _add_library(wb: Workbook, library: str | Path | None) -> int:
    """Put the library read from ``library`` into an openpyxl workbook; its entry count."""
    if library is None:
        return 0
    from perfxl.write.library_sheet import add_library, read_library

    lib: Library = read_library(library)
    add_library(wb, lib)
    return len(lib.entries)


def diff_books(old: str | Path, new: str | Path) -> DiffResult:
    """What changed from ``old`` to ``new`` (workbooks or JSON data, in any mix).

    Raises:
        PerfxlError: an input cannot be used (not a perfxl workbook, unreadable, broken).
    """
    from perfxl.diff import diff

    a, b = read_source(old), read_source(new)
    result = diff(
        a.targets,
        b.targets,
        old_path=a.path,
        new_path=b.path,
        old_locations=a.read.locations if a.read else None,
        new_locations=b.read.locations if b.read else None,
    )
    if a.targets.stage != b.targets.stage:
        from perfxl.stages import stage_name

        result.notes.append(
            f"两个文件不是同一种表（原：{stage_name(a.targets)}；新：{stage_name(b.targets)}），"
            "一方独有的内容（如目标表的资金用途和支出计划、监控表的执行数）也列为改动。"
            "diff 比较同一种表的两个版本；核对监控表或自评表带入的目标值请用 "
            "perfxl validate 该表 --targets 目标表.xlsx。"
        )
    return result


@dataclass
class LibraryReport:
    """What ``library`` found and wrote.

    Attributes:
        library: the indicators.
        files: the inputs read, in order.
        skipped: inputs that gave nothing, as (path, Chinese reason).
        written: the library workbook (None until written).
    """

    library: Library
    files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    written: Path | None = None


def build_library(inputs: list[str | Path], out: Path | None = None) -> LibraryReport:
    """The indicator library of workbooks, county summaries (their 指标明细 table) and JSON
    data files, given as files or folders (searched for workbooks); written to ``out`` when
    given. Every file counts: give one version of a unit's workbook, not its drafts too.

    Raises:
        DataError: not one input could be used (nothing written).
        PerfxlError: ``out`` cannot be written.
    """
    from perfxl.errors import DataError, PerfxlError
    from perfxl.inputs import discover
    from perfxl.library import build, uses_of

    found = discover(inputs, [out] if out is not None else [])
    uses: list[Use] = []
    report = LibraryReport(library=build([]), skipped=list(found.unusable))
    for f in found.files:
        try:
            got = list(_library_uses(f, uses_of))
        except PerfxlError as exc:
            report.skipped.append((f, exc.message))
            continue
        uses.extend(got)
        report.files.append(f)
    if not report.files:
        detail = "；".join(f"{p}：{r.rstrip('。')}" for p, r in report.skipped)
        raise DataError(f"没有可用的输入（{detail or '未给出输入'}），未生成指标库。")
    report.library = build(uses)
    if out is not None:
        from perfxl.write.library_sheet import write_library

        write_library(report.library, out)
        report.written = out
    return report


def _library_uses(path: str, uses_of: Callable[[Targets], Iterable[Use]]) -> Iterable[Use]:
    """The indicator rows of one input: JSON data, a county summary or a unit's workbook."""
    if Path(path).suffix.lower() in JSON_SUFFIXES:
        return uses_of(read_source(path).targets)
    from perfxl.consolidate.summary_input import is_summary
    from perfxl.grid.calamine_grid import read_grid
    from perfxl.read import read_grid_model

    grid = read_grid(path)
    if is_summary(grid):
        return _summary_uses(grid)
    res = read_grid_model(grid)
    res.require_perfxl("未读入", _NO_INDICATORS)  # a monitoring or self-evaluation summary
    return uses_of(res.targets)


_NO_INDICATORS = (
    "其中没有指标明细；指标库请由各单位的工作簿或县级绩效目标汇总表（其“指标明细”）生成。"
)


def _summary_uses(grid: Grid) -> list[Use]:
    """The 指标明细 rows of a county summary, read as the consolidation reads a summary's
    tables (`perfxl.consolidate.summary_input.table_rows`: columns by their headers, the
    sheets it goes on in, ``指标明细（续1）`` …, included) with each cell's value as the
    workbook reader gives the same cell of a unit's workbook (`_as_read`). The grid's sheets
    are emptied as they are read."""
    from perfxl.consolidate.columns import INDICATORS
    from perfxl.consolidate.summary_input import table_rows
    from perfxl.library import Use

    rows = table_rows({s.name: s for s in grid.sheets}, INDICATORS, _as_read)
    return [Use(r.level1, r.level2, r.level3, r.target, r.basis, r.project_name) for r in rows]


def _as_read(value: object, kind: str) -> object:
    """A summary cell as `perfxl.read` gives the same cell of a unit's workbook, so the
    library lists an indicator alike from either: a text column as the text Excel shows
    (``3`` typed there is ``3``, not ``3.0``; TRUE; a date in ISO form), 指标值 a number as
    a number (whole ones as ints) or the text typed."""
    from perfxl.read import as_target, as_text  # the reader's own conversion, not a copy

    return as_text(value) if kind == "text" else as_target(value)


def template_with_library(
    out: Path,
    library: str | Path,
    projects: int = 1,
    unit_code: str | None = None,
    unit_name: str | None = None,
    year: int | None = None,
    framework: str = "2015",
) -> int:
    """The empty standard workbook with the 指标库 sheet and its dropdown; the entry count.

    Raises:
        PerfxlError: ``library`` is not a library, or ``out`` cannot be written.
    """
    from perfxl.model import Project
    from perfxl.model import Targets as Model
    from perfxl.write.fill import build_workbook, save

    t = Model(year=year, framework=framework, projects=[Project() for _ in range(projects)])
    t.unit.code, t.unit.name = unit_code, unit_name
    wb = build_workbook(t)
    entries = _add_library(wb, library)
    save(wb, out)
    return entries
