"""The monitoring stage's figures as cell writes for the zip-level write-back engine.

Monitoring sheets: the 执行率 cells (``MonitoringForm.funds_columns["rate"]`` of each funds
row) keep the template's formula (:meth:`perfxl.layout.MonitoringForm.rate_formula`) and get
the fraction of :func:`perfxl.monitoring.execution_rate` (0.5833) as its cached value, formatted
``0.00%``; a formula typed over by a number gets perfxl's figure as a number, and a formula
changed to something else is left alone and reported (as ``compute`` does for the targets'
percentages). The project's light (``light_cell``) and each indicator's light (the ``light``
column) get their text 绿 / 黄 / 红, or are emptied when there is no light; the fill follows
the text through the conditional formatting the form draws (:mod:`perfxl.write.monitoring`).

Cover: 序时进度 (a formula of 监控月份) gets its cached value, and the project rows' links
get the values the linked cells now hold (perfxl's 执行率 and light included).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from perfxl import layout as L
from perfxl import layout_previous as previous
from perfxl.cells import a1, parse_a1, shift
from perfxl.compute import MissingRate, rate_problems
from perfxl.grid import Grid
from perfxl.held import held_targets, text_amounts
from perfxl.model import FUNDS_ROWS, Targets
from perfxl.monitoring import (
    DEFAULT_RED_GAP,
    DEFAULT_YELLOW_GAP,
    LIGHT_TEXT,
    Light,
    MonitoringResult,
    budget_of,
    is_blank,
    monitor,
    month_of,
    schedule_percent,
)
from perfxl.problems import Problem
from perfxl.read import ReadResult
from perfxl.write.patch import CellWrite
from perfxl.write.percentages import (
    FormulaMap,
    PercentageWrites,
    cover_of,
    cover_writes,
    formula_changed,
    formula_write,
    percent_write,
)
from perfxl.write.percentages import (
    cells_to_inspect as cover_cells,
)

_REF = re.compile(r"\b([A-Z]{1,3})([0-9]+)\b")


def shifted_formula(formula: str, rows: int, cols: int) -> str:
    """A formula of plain A1 references with every reference moved by rows/cols."""
    if not rows and not cols:
        return formula
    return _REF.sub(lambda m: shift(m.group(0), rows, cols), formula)


def _rate_cells(form: L.MonitoringForm, dr: int, dc: int) -> list[tuple[str, str, str, str]]:
    """(funds row key, cell, expected formula, perfxl's previous one) of each 执行率 cell,
    the table moved."""
    return [
        (
            key,
            shift(form.funds_cell(key, "rate"), dr, dc),
            shifted_formula(form.rate_formula(key), dr, dc),
            shifted_formula(previous.monitoring_rate(form, key), dr, dc),
        )
        for key in FUNDS_ROWS
    ]


def _light_cells(read: ReadResult, index: int, sheet: str, dc: int) -> list[str]:
    """The indicator light cells of project ``index``, one per indicator row read."""
    col = read.layout.monitoring.indicator_columns["light"][0] + dc
    p = read.targets.projects[index]
    m = p.monitoring
    out: list[str] = []
    for j in range(len(m.indicators) if m is not None else 0):
        where = read.locations.get(f"/projects/{index}/monitoring/indicators/{j}")
        if where is None or where[0] != sheet:
            continue
        out.append(a1(parse_a1(where[1])[0], col))
    return out


def cells_to_inspect(read: ReadResult, grid: Grid) -> list[tuple[str, str]]:
    """Every (sheet, cell) whose formula :func:`plan_writes` needs to know."""
    form = read.layout.monitoring
    out: list[tuple[str, str]] = []
    for info in read.sheets:
        if info.kind != "monitoring" or info.project_index is None:
            continue
        dr, dc = info.row_offset, info.col_offset
        out += [(info.name, cell) for _, cell, _, _ in _rate_cells(form, dr, dc)]
        out.append((info.name, shift(form.light_cell, dr, dc)))
        out += [(info.name, c) for c in _light_cells(read, info.project_index, info.name, dc)]
    cover = cover_of(read, grid)
    if cover is not None:
        sheet, dr, dc = cover
        out.append((sheet.name, shift(read.layout.monitoring_cover.time_share.ref, dr, dc)))
    return out + cover_cells(read, grid)


def _light_write(
    plan: PercentageWrites,
    file: str,
    sheet: str,
    cell: str,
    light: Light | None,
    formulas: FormulaMap,
) -> None:
    """The light's text (None empties the cell); a cell holding a formula is left alone."""
    formula = formulas.get((sheet, cell))
    if formula is not None:
        plan.problems.append(formula_changed(file, sheet, cell, formula, ""))
        return
    plan.writes.append(CellWrite(sheet, cell, None if light is None else LIGHT_TEXT[light]))


def plan_writes(
    read: ReadResult, grid: Grid, results: list[MonitoringResult], formulas: FormulaMap
) -> PercentageWrites:
    """The cell writes that put ``results`` into the monitoring workbook read as ``read``.

    Args:
        read: the monitoring workbook as read, with its sheets and offsets.
        grid: the cells it was read from (cached values).
        results: :func:`perfxl.monitoring.monitor` of ``read.targets``.
        formulas: the formulas of :func:`cells_to_inspect`'s cells.
    """
    plan = PercentageWrites()
    form = read.layout.monitoring
    written: dict[tuple[str, str], Any] = {}
    for info in read.sheets:
        if info.kind != "monitoring" or info.project_index is None:
            continue
        result = results[info.project_index]
        dr, dc = info.row_offset, info.col_offset
        for key, cell, expected, before in _rate_cells(form, dr, dc):
            rate = result.rates.get(key)
            value = None if rate is None or rate.value is None else rate.value / 100
            percent_write(plan, read.path, info.name, cell, value, expected, formulas, before)
            written[(info.name, cell)] = "" if value is None else value
        cell = shift(form.light_cell, dr, dc)
        _light_write(plan, read.path, info.name, cell, result.light, formulas)
        written[(info.name, cell)] = LIGHT_TEXT[result.light] if result.light else None
        cells = _light_cells(read, info.project_index, info.name, dc)
        for cell, light in zip(cells, result.indicator_lights, strict=False):
            _light_write(plan, read.path, info.name, cell, light, formulas)
    cover = cover_of(read, grid)
    if cover is not None:
        sheet, dr, dc = cover
        mc = read.layout.monitoring_cover
        cell = shift(mc.time_share.ref, dr, dc)
        f = formulas.get((sheet.name, cell))
        if f:  # a number typed there, or another formula, is left alone
            month = month_of(read.targets)
            share = None if month is None else schedule_percent(month) / 100
            expected = shifted_formula(mc.time_share_formula(), dr, dc)
            before = shifted_formula(previous.time_share(mc), dr, dc)
            formula_write(
                plan, read.path, sheet.name, cell, f, share, expected, before, other="leave"
            )
        cover_writes(plan, grid, read.layout.cover, *cover, formulas, set(), written)
    return plan


def plan_monitoring(
    read: ReadResult,
    grid: Grid,
    formulas: Callable[[list[tuple[str, str]]], FormulaMap],
    *,
    yellow_gap: Decimal = DEFAULT_YELLOW_GAP,
    red_gap: Decimal = DEFAULT_RED_GAP,
) -> tuple[list[MonitoringResult], PercentageWrites]:
    """The figures of a read monitoring workbook and the cells to write: computed from the
    amounts as the cells hold them (`perfxl.held`), so an amount typed as text gives no
    执行率 and no light, as the sheet's formulas give none from it."""
    held = held_targets(read.targets, text_amounts(read.problems))
    results = monitor(held, yellow_gap, red_gap)
    return results, plan_writes(read, grid, results, formulas(cells_to_inspect(read, grid)))


def monitoring_problems(
    read: ReadResult, results: list[MonitoringResult], plan: PercentageWrites
) -> list[Problem]:
    """What a compute run on a monitoring workbook reports, as on a self-evaluation workbook
    (`perfxl.write.scores.evaluation_problems`): sheets whose labels moved (not read), each
    执行率 not computed and why (an amount typed as text, not a number, a blank or 0 budget of
    年度资金总额), validate's findings that change a figure written
    (:data:`perfxl.rules.monitoring.RATE_RULES`: a negative amount), and the cells left alone."""
    from perfxl.rules.monitoring import RATE_RULES
    from perfxl.validate import check, in_sheet_order

    broken = [p for p in read.problems if p.rule == "read.label_missing"]
    found = [p for p in check(read) if p.rule in RATE_RULES]
    return [
        *broken,
        *in_sheet_order(read, [*_missing_rates(read, results), *found]),
        *plan.problems,
    ]


def _missing_rates(read: ReadResult, results: list[MonitoringResult]) -> list[Problem]:
    """Each funds row's missing 执行率 as the problem at the amount that stops it
    (`perfxl.compute.rate_problems`)."""
    as_text = text_amounts(read.problems)
    held = held_targets(read.targets, as_text)
    rows = _missing(held, results, month_of(read.targets))
    return rate_problems(rows, as_text=as_text, locations=read.locations, file=read.path)


def _missing(
    held: Targets, results: list[MonitoringResult], month: int | None
) -> Iterator[MissingRate]:
    from perfxl.carried import INITIAL_KEYS
    from perfxl.rules.monitoring import COLUMN_LABELS, ROW_LABELS

    for r in results:
        p = held.projects[r.index]
        if p.monitoring is None:
            continue
        for key, rate in r.rates.items():
            row = getattr(p.monitoring, key)
            col = "initial" if is_blank(row.adjusted) else "adjusted"
            budget = (
                INITIAL_KEYS[f"{key}/initial"] if col == "initial" else f"monitoring/{key}/adjusted"
            )
            label = ROW_LABELS[key] + "的"
            cells = {
                "budget": (budget, budget_of(row), label + COLUMN_LABELS[col]),
                "executed": (
                    f"monitoring/{key}/executed",
                    row.executed,
                    label + COLUMN_LABELS["executed"].format(month=month or "X"),
                ),
            }
            figure = "该项目的执行率和预警灯" if key == "total" else f"{ROW_LABELS[key]}的执行率"
            yield MissingRate(rate.reason, p, r.index, key, cells, figure)


__all__ = [
    "cells_to_inspect",
    "monitoring_problems",
    "plan_monitoring",
    "plan_writes",
    "shifted_formula",
]
