"""The computed percentages as cell writes for the zip-level write-back engine.

Project sheets: the cells under the plan amounts (``ProjectForm.percent_cells``, moved by
the sheet's offsets) hold the template's formula (:func:`perfxl.layout.percent_formula`: the
plan amount over the absolute 预算数 cell, rounded to 4 places) formatted ``0.00%``. perfxl
keeps the formula and writes the computed fraction (0.2503) as its cached value, so Excel,
LibreOffice and value-only readers (python-calamine, pandas) all show 25.03%. A cell whose
formula staff replaced by a number gets the number with the format ``0.00%``; a cell whose
formula was changed to something else is left alone and reported.

Cover sheet: the project rows' reference formulas (:func:`perfxl.layout.link_formula`, or
the bare reference of older workbooks), the total row's ``SUM`` and the 12月底进度 column's
percentage get the cached values those formulas evaluate to, so the cover shows figures
without a recalculation. The formula shapes are the layout's (``layout.*_PATTERN``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from perfxl import constants as C
from perfxl import layout as L
from perfxl.cells import a1, parse_a1, shift
from perfxl.compute import ComputeResult, Totals, compute, text_amounts, unsaved_amounts
from perfxl.errors import NoProjectsError, WriteError
from perfxl.grid import Grid, Sheet
from perfxl.numbers import number, percent, total
from perfxl.problems import Problem
from perfxl.read import ReadResult
from perfxl.rules.catalogue import RuleId, make
from perfxl.write.patch import CellWrite, PatchResult, WorkbookPatch

if TYPE_CHECKING:  # a targets workbook needs neither (nor the scoring they import)
    from perfxl.evaluation import EvaluationResult
    from perfxl.monitoring import MonitoringResult

PERCENT_FORMAT = "0.00%"

# The same few hundred addresses are written for every sheet and every run.
_a1 = lru_cache(maxsize=65536)(a1)
_parse_a1 = lru_cache(maxsize=65536)(parse_a1)

EMITS: frozenset[RuleId] = frozenset(
    {
        "compute.formula_changed",
    }
)


@dataclass
class PercentageWrites:
    """The percentage cells to write into one workbook, and what could not be written.

    Attributes:
        writes: the cell writes.
        problems: the cells left alone, and why.
        updated: (sheet, cell) of each formula that was perfxl's previous standard one
            (`perfxl.layout_previous`) and gets the current one: an update, not a problem.
    """

    writes: list[CellWrite] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    updated: list[tuple[str, str]] = field(default_factory=list)


FormulaMap = dict[tuple[str, str], str | None]
"""(sheet, cell) -> the cell's formula without ``=`` ('' for a shared-formula follower), or
None when the cell holds no formula."""


def cells_to_inspect(read: ReadResult, grid: Grid) -> list[tuple[str, str]]:
    """Every (sheet, cell) whose formula :func:`plan_writes` needs to know."""
    out: list[tuple[str, str]] = []
    for info in read.sheets:
        if info.kind == "project" and info.project_index is not None:
            out += [
                (info.name, shift(ref, info.row_offset, info.col_offset))
                for ref in read.layout.project.percent_cells
            ]
    cover = cover_of(read, grid)
    if cover is not None:
        sheet, dr, dc = cover
        cols = [c + dc for c in _formula_columns(read.layout.cover)]
        for r in _cover_rows(read.layout.cover, sheet, dr, dc):
            out += [(sheet.name, _a1(r, c)) for c in cols]
    return out


def _formula_columns(form: L.CoverForm) -> range:
    """The cover's columns that hold formulas (all but the running number)."""
    return range(form.column("index") + 1, form.width + 1)


def plan_writes(
    read: ReadResult, grid: Grid, computed: ComputeResult, formulas: FormulaMap
) -> PercentageWrites:
    """The cell writes that put ``computed`` into the workbook read as ``read``/``grid``.

    Args:
        read: the model read from the workbook, with its sheets and offsets.
        grid: the cells the model was read from (cached values).
        computed: :func:`perfxl.compute.compute` of ``read.targets``.
        formulas: the formulas of :func:`cells_to_inspect`'s cells.
    """
    plan = PercentageWrites()
    for info in read.sheets:
        if info.kind != "project" or info.project_index is None:
            continue
        result = computed.projects[info.project_index]
        expected = read.layout.project.percent_formulas(info.row_offset, info.col_offset)
        values = result.fractions or (None,) * len(expected)
        for (cell, formula), value in zip(expected, values, strict=True):
            percent_write(plan, read.path, info.name, cell, value, formula, formulas)
    cover = cover_of(read, grid)
    if cover is not None:
        skipped = {
            s.name
            for s in read.sheets
            if s.project_index is not None and computed.projects[s.project_index].percents is None
        }
        cover_writes(plan, grid, read.layout.cover, *cover, formulas, skipped)
    return plan


def percent_write(
    plan: PercentageWrites,
    file: str,
    sheet: str,
    cell: str,
    value: Decimal | None,
    expected: str,
    formulas: FormulaMap,
    previous: str | None = None,
) -> None:
    """Plan one percentage cell: its formula kept (cached ``value``) when it is perfxl's
    ``expected`` one, the number itself where staff overwrote the formula, ``expected`` in
    place of perfxl's ``previous`` formula (:func:`formula_write`), a problem (the cell left
    alone) where the formula is another."""
    formula = formulas.get((sheet, cell))
    if formula is None:
        if value is not None:  # staff overwrote the formula: write the number itself
            plan.writes.append(CellWrite(sheet, cell, value, number_format=PERCENT_FORMAT))
        return
    # value None clears a stale cached result (the project could not be computed).
    formula_write(plan, file, sheet, cell, formula, value, expected, previous)


def formula_write(
    plan: PercentageWrites,
    file: str,
    sheet: str,
    cell: str,
    formula: str,
    value: Any,
    expected: str,
    previous: str | None = None,
    number_format: str | None = None,
    *,
    other: Literal["report", "cache", "leave"] = "report",
) -> bool:
    """Plan a cell holding ``formula`` (without ``=``; '' for a shared-formula follower):
    ``value`` cached under perfxl's ``expected`` formula; perfxl's ``previous`` standard
    formula for the cell (`perfxl.layout_previous`) replaced by ``expected``, an update
    (``plan.updated``); any other formula is the user's, and ``other`` says what becomes
    of it, as each cell always had it: ``report`` (left alone, ``compute.formula_changed``),
    ``cache`` (``value`` cached under it: a formula perfxl does not compare) or ``leave``
    (left alone, unsaid). Returns whether ``value`` is written."""
    same = normalized_formula(formula)
    if formula and same != normalized_formula(expected):
        if previous is not None and same == normalized_formula(previous):
            text = expected.lstrip("=")
            write = CellWrite(sheet, cell, value, number_format, formula="set", formula_text=text)
            plan.writes.append(write)
            plan.updated.append((sheet, cell))
            return True
        if other == "report":
            plan.problems.append(formula_changed(file, sheet, cell, formula, expected))
        if other != "cache":
            return False
    plan.writes.append(CellWrite(sheet, cell, value, number_format, formula="keep"))
    return True


def formula_changed(file: str, sheet: str, cell: str, formula: str, expected: str) -> Problem:
    """The problem for a cell whose formula is not perfxl's (``expected``; '' for none), left alone."""
    return make(
        "compute.formula_changed",
        file=file,
        sheet=sheet,
        cell=cell,
        value=formula,
        formula=formula,
        expected=expected,
    )


def normalized_formula(formula: str) -> str:
    """A formula as compared with another: no spaces, no ``$``, upper case, no leading ``=``."""
    return "".join(formula.split()).replace("$", "").upper().lstrip("=")


# --- cover ----------------------------------------------------------------------------------
_REF = L.LINK_PATTERN
_BLANK_REF = L.BLANK_LINK_PATTERN
_SUM = L.SUM_PATTERN
_RATE = L.PERCENT_PATTERN


def cover_of(read: ReadResult, grid: Grid) -> tuple[Sheet, int, int] | None:
    """The workbook's cover sheet and its row and column offsets (where the form was moved),
    or None when it has no cover."""
    info = next((s for s in read.sheets if s.kind == "cover"), None)
    if info is None:
        return None
    sheet = next(s for s in grid.sheets if s.name == info.name)
    return sheet, info.row_offset, info.col_offset


def _cover_rows(form: L.CoverForm, sheet: Sheet, dr: int, dc: int) -> range:
    """The project rows and the total row (the first row whose name cell reads 合计)."""
    first = form.first_project_row + dr
    for r in range(first, sheet.nrows + 1):
        if sheet.get(r, form.total_column + dc) == C.COVER_TOTAL:
            return range(first, r + 1)
    return range(first, sheet.nrows + 1)


def cover_writes(
    plan: PercentageWrites,
    grid: Grid,
    form: L.CoverForm,
    sheet: Sheet,
    dr: int,
    dc: int,
    formulas: FormulaMap,
    skipped: set[str],
    written: dict[tuple[str, str], Any] | None = None,
) -> None:
    """Evaluate the cover's own formula shapes; any other formula is left alone.

    A row that refers to a project perfxl could not compute gets no 12月底 percentage.
    ``written``: (sheet, cell) -> the value this run writes there, which a link shows
    instead of the cell's old cached value.
    """
    sheets = {s.name: s for s in grid.sheets}
    values: dict[tuple[int, int], Any] = {}
    row_skipped: set[int] = set()
    later: list[tuple[int, int, re.Match[str]]] = []
    rows = _cover_rows(form, sheet, dr, dc)
    cols = [col + dc for col in _formula_columns(form)]
    for r in rows:  # references first: SUM and the rate read them
        for c in cols:
            ref = _a1(r, c)
            f = (formulas.get((sheet.name, ref)) or "").strip()
            if not f:
                continue
            source = f
            blank = _BLANK_REF.match(f)
            if blank and blank.group(1) == blank.group(2):
                f = blank.group(1)  # IF(ref="","",ref): a blank shows blank, not 0
            else:
                blank = None
            if m := _REF.match(f):
                name = (m.group(1) or "").replace("''", "'") or m.group(2)
                target = sheets.get(name)
                if target is None:
                    continue
                if name in skipped:
                    row_skipped.add(r)
                row, col = int(m.group(4)), _parse_a1(m.group(3) + "1")[1]
                if written is not None and (name, _a1(row, col)) in written:
                    v = written[(name, _a1(row, col))]
                else:
                    v = target.get(row, col)
                if blank:
                    values[(r, c)] = "" if v is None else v
                else:
                    values[(r, c)] = 0 if v is None else v
                plan.writes.append(CellWrite(sheet.name, ref, values[(r, c)], formula="keep"))
            elif (m := _SUM.match(compact := "".join(source.split()).upper())) or (
                m := _RATE.match(compact)
            ):
                later.append((r, c, m))
    for r, c, m in sorted(later, key=lambda x: x[2].re is _RATE):
        if m.re is _SUM:
            value: Any = _sum(m, sheet, values)
        else:
            value = None if r in row_skipped else _rate(m, sheet, values)
        values[(r, c)] = value
        plan.writes.append(CellWrite(sheet.name, _a1(r, c), value, formula="keep"))


def _value(sheet: Sheet, values: dict[tuple[int, int], Any], r: int, c: int) -> Any:
    return values[(r, c)] if (r, c) in values else sheet.get(r, c)


def _sum(m: re.Match[str], sheet: Sheet, values: dict[tuple[int, int], Any]) -> Decimal:
    """``SUM`` over the range: the one summing rule (:func:`perfxl.numbers.total`)."""
    (r1, c1), (r2, c2) = _parse_a1(m.group(1) + m.group(2)), _parse_a1(m.group(3) + m.group(4))
    return total(
        _value(sheet, values, r, c)
        for r in range(min(r1, r2), max(r1, r2) + 1)
        for c in range(min(c1, c2), max(c1, c2) + 1)
    )


def _rate(m: re.Match[str], sheet: Sheet, values: dict[tuple[int, int], Any]) -> Decimal | None:
    """The percentage formula's value; None (no cached value) for "" or a text amount."""
    d = _value(sheet, values, *_parse_a1(m.group(1) + m.group(2)))
    j = _value(sheet, values, *_parse_a1(m.group(3) + m.group(4)))
    budget, dec = number(d), number(j)
    if budget is None or budget == 0:
        return None
    if dec is None and j not in (None, "", 0):
        return None  # not a number: perfxl gives no percentage (the formula would say 0)
    return percent(dec or Decimal(0), budget) / 100


def read_formulas(patch: WorkbookPatch, cells: Iterable[tuple[str, str]]) -> FormulaMap:
    """The formulas of ``cells`` in an opened workbook (as the source file holds them)."""
    from perfxl.write.patch import xmltext as xt
    from perfxl.write.patch.sheet_edit import SheetXml, cell_parts

    by_sheet: dict[str, list[str]] = {}
    for sheet, cell in cells:
        by_sheet.setdefault(sheet, []).append(cell)
    out: FormulaMap = {}
    parts = {s.name: s.part for s in patch.book.sheets() if s.is_worksheet}  # one parse
    for sheet, refs in by_sheet.items():
        part = parts.get(sheet) or patch.book.sheet(sheet).part  # raises for a missing sheet
        sx = SheetXml(patch.pkg.text(part), part)
        original, p = sx.original, sx.p
        for cell in refs:
            xml = original(*_parse_a1(cell))
            f = cell_parts(xml, p).formula if xml is not None else None
            if f is None or (f.endswith("/>") and f.count("<") == 1):
                out[(sheet, cell)] = None if f is None else ""
                continue
            out[(sheet, cell)] = xt.unescape(f[f.index(">") + 1 : f.rindex("</")])
    return out


@dataclass
class ComputeOutcome:
    """What :func:`compute_workbook` did.

    Attributes:
        read: the workbook as read (its problems included).
        computed: the percentages.
        problems: why projects or cells got no percentage (sheets whose labels moved, amounts
            that are not numbers, blank budgets, changed formulas).
        result: what the engine wrote.
        monitoring: a monitoring workbook's figures per project (None for targets).
        evaluation: a self-evaluation workbook's scores per project (None otherwise).
        updated: (sheet, cell) of the formulas brought up to date (`PercentageWrites.updated`).
    """

    read: ReadResult
    computed: ComputeResult
    problems: list[Problem]
    result: PatchResult
    monitoring: list[MonitoringResult] | None = None
    evaluation: list[EvaluationResult] | None = None
    updated: list[tuple[str, str]] = field(default_factory=list)


def compute_workbook(
    book: str | Path,
    out: str | Path | None = None,
    *,
    backup: bool = True,
    layout: L.Layout = L.STANDARD,
    yellow_gap: Decimal | None = None,
    red_gap: Decimal | None = None,
    gaps: Callable[[], tuple[Decimal, Decimal]] | None = None,
    require_projects: bool = False,
    overwrite: bool = False,
) -> ComputeOutcome:
    """Compute the percentages of a workbook and write them back, changing nothing else.

    Args:
        book: the .xlsx/.xlsm to read.
        out: where to write; None writes in place and keeps ``BOOK.bak.xlsx``. An existing
            file there (another than ``book``) is replaced only when it is an earlier output
            of ``compute``, untouched since (its stamp), or with ``overwrite``, which keeps it
            as ``OUT.bak.xlsx`` first: the command's rule (`perfxl.outputs.replacing`).
        backup: False to skip the backup of an in-place write.
        layout: the form of the workbook.
        yellow_gap, red_gap: a monitoring workbook's light thresholds (points below 序时);
            None for ``perfxl.monitoring``'s defaults.
        gaps: gives (yellow_gap, red_gap) instead, called only for a monitoring workbook (so
            a targets workbook loads no county config).
        require_projects: refuse a workbook without a project (``compute``'s promise: exit 2,
            nothing written); ``fill`` recomputes a book filled with no project all the same.
        overwrite: replace an existing ``out`` that is not an earlier output of ``compute``.

    A monitoring workbook (``stage`` monitoring) gets its 执行率, lights and 序时进度
    instead (:mod:`perfxl.write.rates`), a self-evaluation workbook its scores, 总分 and
    自评等级 (:mod:`perfxl.write.scores`).

    Raises:
        OutputExistsError: ``out`` is another existing file (nothing read or written).
        NotAWorkbookError, NotAPerfxlWorkbookError, NoProjectsError, WorkbookLockedError,
        TargetNotWritableError, WriteError: nothing was written.
    """
    from perfxl.outputs import BY_API, replacing, same_file

    replaced = None if out is None or same_file(Path(book), Path(out)) else Path(out)
    with replacing([replaced], "compute", overwrite, words=BY_API):
        return _compute_workbook(
            book, out, backup, layout, yellow_gap, red_gap, gaps, require_projects
        )


def _compute_workbook(
    book: str | Path,
    out: str | Path | None,
    backup: bool,
    layout: L.Layout,
    yellow_gap: Decimal | None,
    red_gap: Decimal | None,
    gaps: Callable[[], tuple[Decimal, Decimal]] | None,
    require_projects: bool,
) -> ComputeOutcome:
    """`compute_workbook` once ``out`` may be written."""
    from perfxl.grid.calamine_grid import read_grid
    from perfxl.read import read_grid_model

    book = Path(book)
    if out is not None and Path(out).suffix.lower() != book.suffix.lower():
        raise WriteError(
            f"输出文件的扩展名应与原工作簿相同（{book.suffix}），否则宏或文件类型会不一致。",
            path=str(out),
        )
    grid = read_grid(book, keep_sheets=True)  # the preflight first: a damaged or hostile
    # file is refused with its Chinese reason before anything else opens it
    patch = WorkbookPatch.open(book)  # refuses what is not an .xlsx/.xlsm package
    if grid.sheet_xml:  # the worksheets the preflight inflated: not inflated twice
        patch.pkg.adopt(grid.sheet_xml)
        grid.sheet_xml = None
    read = read_grid_model(grid, layout=layout)
    read.require_perfxl("未计算")
    if require_projects and not read.targets.projects:
        raise NoProjectsError(
            "工作簿中没有项目表，没有可计算的项目，未写出任何文件。"
            "请先用 perfxl fill 填入项目，或用 perfxl template -n 项目数 生成带项目表的工作簿。",
            path=str(book),
        )
    if read.targets.stage == "monitoring":
        from perfxl.monitoring import DEFAULT_RED_GAP, DEFAULT_YELLOW_GAP
        from perfxl.write.rates import monitoring_problems, plan_monitoring

        if gaps is not None:
            yellow_gap, red_gap = gaps()
        results, plan = plan_monitoring(
            read,
            grid,
            lambda cells: read_formulas(patch, cells),
            yellow_gap=DEFAULT_YELLOW_GAP if yellow_gap is None else yellow_gap,
            red_gap=DEFAULT_RED_GAP if red_gap is None else red_gap,
        )
        patch.write_cells(plan.writes)
        result = patch.save(out, backup=backup)
        computed = ComputeResult([], Totals(Decimal(0), Decimal(0), Decimal(0), (), None))
        problems = monitoring_problems(read, results, plan)
        return ComputeOutcome(read, computed, problems, result, results, updated=plan.updated)
    if read.targets.stage == "evaluation":
        from perfxl.write.scores import evaluation_problems, plan_evaluation

        scores, plan = plan_evaluation(read, grid, lambda cells: read_formulas(patch, cells))
        patch.write_cells(plan.writes)
        result = patch.save(out, backup=backup)
        computed = ComputeResult([], Totals(Decimal(0), Decimal(0), Decimal(0), (), None))
        problems = evaluation_problems(read, scores, plan)
        return ComputeOutcome(
            read, computed, problems, result, evaluation=scores, updated=plan.updated
        )
    computed, plan = plan_percentages(read, grid, lambda cells: read_formulas(patch, cells))
    patch.write_cells(plan.writes)
    result = patch.save(out, backup=backup)
    return ComputeOutcome(read, computed, outcome_problems(read, computed, plan), result)


def plan_percentages(
    read: ReadResult,
    grid: Grid,
    formulas: Callable[[list[tuple[str, str]]], FormulaMap],
) -> tuple[ComputeResult, PercentageWrites]:
    """The percentages of a read workbook and the cells to write: the one computation a
    file (:func:`compute_workbook`) and an open book (the ribbon's 计算进度) share.

    Args:
        read: the workbook as read from ``grid``.
        grid: its cells.
        formulas: reads the formulas of (sheet, cell)s, from the file's XML or the live book.
    """
    as_text = text_amounts(read.problems)
    computed = compute(
        read.targets,
        locations=read.locations,
        file=read.path,
        as_text=as_text,
        unsaved=unsaved_amounts(read.problems),
    )
    return computed, plan_writes(read, grid, computed, formulas(cells_to_inspect(read, grid)))


def outcome_problems(
    read: ReadResult, computed: ComputeResult, plan: PercentageWrites
) -> list[Problem]:
    """What a compute run reports (the CLI and the ribbon button alike).

    Sheets whose labels moved (not read, so not computed), the projects compute skipped, the
    cells it could not write, and any other amount typed as text (财政资金, 其他资金): the
    cover's ``SUM`` leaves those out, so the totals written leave them out too, and the
    reader's record says so with the same severity as ``compute.amount_text``.
    """
    broken = [p for p in read.problems if p.rule == "read.label_missing"]
    reported = {p.pointer for p in computed.problems}
    texts = [p for p in read.problems if p.rule == "read.amount_text" and p.pointer not in reported]
    return [*broken, *computed.problems, *texts, *plan.problems]
