"""The self-evaluation's scores as cell writes for the zip-level write-back engine.

Every figure comes from :func:`perfxl.evaluation.evaluate` (one answer for every number) and
goes where the form's formulas show it, as their cached value, formulas kept: 执行率 of the
four funds rows, 得分 of 年度资金总额, each indicator row's 分值 (the default share) and 得分,
the hidden helpers 默认分值, 实际数值 and 计入总分, the 总分 row's 分值, 总分 and 自评等级,
the sheet's title, and the cover's links to them. A formula changed to something else is left
alone and reported (``compute.formula_changed``), as ``compute`` does for the targets.

Where a score needs perfxl — a quantitative 实际完成值 typed as text with its unit
(``8.2万元`` against ``≥80000元``), which no sheet formula can read — the row's 得分 cell gets
perfxl's score as a plain number in place of its formula, so every app shows it and sums it
into 总分; validate checks such a number against the rule later like any typed score (a
stale one is reported). A quantitative 得分 cell holding a number instead of its formula gets
the rule's score too (as ``compute`` writes a percentage over a typed-over formula).

A qualitative row's 得分 is the clerk's: never written. With none typed, the row counts the
lowest of its grade's band in the hidden 计入总分 (and so in 总分), the visible cell stays
blank, and validate keeps warning (``evaluation.score_defaulted``) until a score is typed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from perfxl import constants as C
from perfxl import layout_previous as previous
from perfxl.cells import a1, parse_a1, shift
from perfxl.compute import MissingRate, rate_problems
from perfxl.evaluation import EvaluationResult, RowResult, evaluate
from perfxl.grid import Grid
from perfxl.held import held_targets, text_amounts
from perfxl.model import EVAL_FUNDS_ROWS, Targets
from perfxl.numbers import round2
from perfxl.problems import Problem
from perfxl.read import ReadResult
from perfxl.rules.catalogue import RuleId, make
from perfxl.scoring import DEFAULT, GRADE_NAMES, QUALITATIVE, Profile, get_profile, lowest_shares
from perfxl.write.patch import CellWrite
from perfxl.write.percentages import (
    FormulaMap,
    PercentageWrites,
    cover_of,
    cover_writes,
    formula_changed,
    formula_write,
    normalized_formula,
)
from perfxl.write.rates import shifted_formula

EMITS: frozenset[RuleId] = frozenset({"compute.score_replaced"})

_SCORE_FORMAT = "0.00"


def _rows(read: ReadResult, index: int, sheet: str) -> list[tuple[int, int]]:
    """(indicator position, sheet row) of project ``index``'s indicator rows on ``sheet``."""
    p = read.targets.projects[index]
    out: list[tuple[int, int]] = []
    for j in range(len(p.indicators)):
        where = read.locations.get(f"/projects/{index}/evaluation/indicators/{j}")
        if where is not None and where[0] == sheet:
            out.append((j, parse_a1(where[1])[0]))
    return out


def _last_row(read: ReadResult, rows: list[tuple[int, int]], dr: int) -> int:
    """The last indicator row in the layout's rows (the 总分 row follows it)."""
    form = read.layout.evaluation
    return rows[-1][1] - dr if rows else form.indicator_first_row


def cells_to_inspect(read: ReadResult, grid: Grid) -> list[tuple[str, str]]:
    """Every (sheet, cell) whose formula :func:`plan_writes` needs to know."""
    form = read.layout.evaluation
    out: list[tuple[str, str]] = []
    for info in read.sheets:
        if info.kind != "evaluation" or info.project_index is None:
            continue
        dr, dc = info.row_offset, info.col_offset
        cells = [shift(form.title.ref, dr, dc)]
        for key in EVAL_FUNDS_ROWS:
            cells.append(shift(form.funds_cell(key, "rate"), dr, dc))
        cells.append(shift(form.funds_cell("total", "score"), dr, dc))
        rows = _rows(read, info.project_index, info.name)
        for _, r in rows:
            for key in ("points", "score", "split", "number", "counted"):
                cells.append(shift(form.indicator_cell(r - dr, key), dr, dc))
        last = _last_row(read, rows, dr)
        for key in ("points", "score", "level"):
            cells.append(shift(form.total_cell(last, key), dr, dc))
        out += [(info.name, c) for c in cells]
    cover = cover_of(read, grid)
    if cover is not None:
        sheet, dr, dc = cover
        form_c = read.layout.cover
        first = form_c.first_project_row + dr
        for r in range(first, sheet.nrows + 1):
            out += [(sheet.name, a1(r, c + dc)) for c in range(2, len(_cover_headers(read)) + 1)]
    return out


def _cover_headers(read: ReadResult) -> tuple[str, ...]:
    return read.layout.evaluation_cover.headers


def _cell_value(v: Decimal | str | None) -> Any:
    """What a formula cell caches: a number, a text, or "" for a formula that shows blank."""
    return "" if v is None else v


class _Plan:
    """Collects the writes of one sheet, checking each formula against the form's."""

    def __init__(self, read: ReadResult, sheet: str, formulas: FormulaMap, dr: int, dc: int):
        self.read, self.sheet, self.formulas, self.dr, self.dc = read, sheet, formulas, dr, dc
        self.plan = PercentageWrites()
        self.written: dict[tuple[str, str], Any] = {}

    def cell(self, ref: str) -> str:
        return shift(ref, self.dr, self.dc)

    def formula(
        self,
        ref: str,
        expected: str | None,
        value: Any,
        fmt: str | None = None,
        previous: str | None = None,
        *,
        compared: bool = True,
    ) -> bool:
        """Cache ``value`` in the form's formula at ``ref`` (layout rows); False when the cell
        holds no formula (nothing written), True otherwise: perfxl's ``previous`` formula
        there gets ``expected`` in its place (`perfxl.write.percentages.formula_write`); any
        other formula than ``expected`` is reported and left alone, unless ``compared`` is
        False (or ``expected`` None) — the 计入总分 and 自评等级 formulas spell the profile's
        bands and levels, and keep whatever formula the cell holds."""
        cell = self.cell(ref)
        f = self.formulas.get((self.sheet, cell))
        if f is None:
            return False
        want = f if expected is None else self.shifted(expected)  # None: whatever it holds
        written = formula_write(
            self.plan,
            self.read.path,
            self.sheet,
            cell,
            f,
            value,
            want,
            None if previous is None else self.shifted(previous),
            fmt,
            other="report" if compared else "cache",
        )
        if written:
            self.written[(self.sheet, cell)] = value
        return True

    def shifted(self, formula: str) -> str:
        """A formula of the form's cells moved where this sheet has them."""
        return shifted_formula(formula.lstrip("="), self.dr, self.dc)

    def value(self, ref: str, value: Any, *, replace: bool = False) -> None:
        """Write ``value`` as a plain value (``replace``: in place of the cell's formula)."""
        cell = self.cell(ref)
        self.plan.writes.append(
            CellWrite(
                self.sheet, cell, value, _SCORE_FORMAT, formula="replace" if replace else "refuse"
            )
        )
        self.written[(self.sheet, cell)] = value


def _number_helper(actual: Any) -> Any:
    """实际数值 as the sheet's formula gives it: a number typed, negatives as 0; else blank."""
    if isinstance(actual, bool) or not isinstance(actual, int | float | Decimal):
        return ""
    return max(Decimal(repr(actual)) if isinstance(actual, float) else Decimal(actual), 0)


def _row_writes(
    w: _Plan,
    r: int,
    row: RowResult,
    raw: Any,
    profile: Profile,
    lo: int,
    hi: int,
    typed: Any = None,
) -> None:
    """The writes of one indicator row at layout row ``r`` (``lo``..``hi``: the table);
    ``raw`` is the 实际完成值 cell's value as stored (a percent row's 96% is 0.96), ``typed``
    the 得分 cell's (a number there stands in place of the formula)."""
    form = w.read.layout.evaluation
    w.formula(form.indicator_cell(r, "split"), form.split_formula(r, lo, hi), row.share)
    if row.points is not None and not row.typed_points:
        w.formula(form.indicator_cell(r, "points"), form.points_formula(r), row.points)
    w.formula(form.indicator_cell(r, "number"), form.actual_formula(r), _number_helper(raw))
    if row.rule is not None and row.rule != QUALITATIVE:
        ref = form.indicator_cell(r, "score")
        f = w.formulas.get((w.sheet, w.cell(ref)))
        needs_perfxl = row.score is not None and _number_helper(raw) == ""
        reverse = profile.reverse
        want, before = form.score_formula(r, reverse), previous.score(form, r, reverse)
        if f is None:  # a number typed over the formula (or perfxl's from an earlier run)
            if row.score is not None:
                _said_if_replaced(w, ref, row.score, typed)
                w.value(ref, row.score)
        elif needs_perfxl:  # a text 实际完成值: no formula can score it
            if f and normalized_formula(f) not in (
                normalized_formula(w.shifted(want)),
                normalized_formula(w.shifted(before)),
            ):
                w.plan.problems.append(
                    formula_changed(w.read.path, w.sheet, w.cell(ref), f, w.shifted(want))
                )
            else:
                w.value(ref, row.score, replace=True)
        else:
            w.formula(ref, want, _cell_value(row.score), _SCORE_FORMAT, before)
    lowest = lowest_shares(profile)
    w.formula(
        form.indicator_cell(r, "counted"),
        form.counted_formula(r, lowest, GRADE_NAMES),
        _cell_value(row.counted),
        previous=previous.counted(form, r, lowest, GRADE_NAMES),
        compared=False,
    )


def _stored(read: ReadResult, sheets: dict[str, Any], pointer: str) -> Any:
    """The value stored in the cell read for ``pointer`` (None: no such cell)."""
    where = read.locations.get(pointer)
    return None if where is None else sheets[where[0]].get(*parse_a1(where[1]))


def _said_if_replaced(w: _Plan, ref: str, score: Decimal, typed: Any) -> None:
    """A 得分 typed over the rule's formula that the rule's score replaces: said, with the
    number typed (the clerk's disagreement is not dropped without a word; exit 1)."""
    if isinstance(typed, bool) or not isinstance(typed, int | float | Decimal):
        return  # blank, or text (said by validate's evaluation.score_text)
    number = Decimal(repr(typed)) if isinstance(typed, float) else Decimal(typed)
    if round2(number) == score:
        return  # the rule's score already (perfxl's own from an earlier run)
    w.plan.problems.append(
        make(
            "compute.score_replaced",
            file=w.read.path,
            sheet=w.sheet,
            cell=w.cell(ref),
            value=typed,
            typed=f"{number.normalize():f}",
            score=f"{score:.2f}",
        )
    )


def plan_writes(
    read: ReadResult, grid: Grid, results: list[EvaluationResult], formulas: FormulaMap
) -> PercentageWrites:
    """The cell writes that put ``results`` into the self-evaluation workbook read as ``read``.

    Args:
        read: the workbook as read, with its sheets and offsets.
        grid: the cells it was read from (cached values).
        results: :func:`perfxl.evaluation.evaluate` of ``read.targets``.
        formulas: the formulas of :func:`cells_to_inspect`'s cells.
    """
    plan = PercentageWrites()
    form = read.layout.evaluation
    written: dict[tuple[str, str], Any] = {}
    profile = get_profile(results[0].profile) if results else DEFAULT
    sheets = {s.name: s for s in grid.sheets}
    for info in read.sheets:
        if info.kind != "evaluation" or info.project_index is None:
            continue
        i = info.project_index
        p, result = read.targets.projects[i], results[i]
        dr, dc = info.row_offset, info.col_offset
        w = _Plan(read, info.name, formulas, dr, dc)
        name = p.name if isinstance(p.name, str) and p.name.strip() else None
        title = C.EVALUATION_TITLE_BLANK if name is None else name + C.EVALUATION_TITLE_SUFFIX
        w.formula(form.title.ref, form.title_formula(), title)
        for key in EVAL_FUNDS_ROWS:
            rate = result.rates.get(key)
            w.formula(
                form.funds_cell(key, "rate"),
                form.rate_formula(key),
                _cell_value(None if rate is None else rate / 100),
                previous=previous.evaluation_rate(form, key),
            )
        w.formula(
            form.funds_cell("total", "score"),
            form.funds_score_formula(),
            _cell_value(result.funds.score),
            previous=previous.funds_score(form),
        )
        rows = _rows(read, i, info.name)
        lo = form.indicator_first_row
        hi = _last_row(read, rows, dr)
        for j, r in rows:
            at = f"/projects/{i}/evaluation/indicators/{j}"
            raw, typed = (_stored(read, sheets, f"{at}/{k}") for k in ("actual", "score"))
            _row_writes(w, r - dr, result.rows[j], raw, profile, lo, hi, typed)
        w.formula(
            form.total_cell(hi, "points"),
            form.points_total_formula(lo, hi),
            result.full_points,
            previous=previous.points_total(form, lo, hi),
        )
        w.formula(
            form.total_cell(hi, "score"),
            form.total_formula(lo, hi),
            _cell_value(result.total),
            previous=previous.total(form, lo, hi),
        )
        w.formula(form.total_cell(hi, "level"), None, _cell_value(result.level))
        plan.writes += w.plan.writes
        plan.problems += w.plan.problems
        plan.updated += w.plan.updated
        written.update(w.written)
    cover = cover_of(read, grid)
    if cover is not None:
        cover_writes(plan, grid, read.layout.cover, *cover, formulas, set(), written)
    return plan


def plan_evaluation(
    read: ReadResult,
    grid: Grid,
    formulas: Callable[[list[tuple[str, str]]], FormulaMap],
) -> tuple[list[EvaluationResult], PercentageWrites]:
    """The scores of a read self-evaluation workbook and the cells to write: scored from the
    amounts as the cells hold them (`perfxl.held`), so an amount typed as text gives no
    执行率 and no score, as the sheet's formulas give none from it."""
    results = evaluate(held_targets(read.targets, text_amounts(read.problems)))
    return results, plan_writes(read, grid, results, formulas(cells_to_inspect(read, grid)))


__all__ = ["cells_to_inspect", "evaluation_problems", "plan_evaluation", "plan_writes"]


def evaluation_problems(
    read: ReadResult, results: list[EvaluationResult], plan: PercentageWrites
) -> list[Problem]:
    """What a compute run on a self-evaluation workbook reports: sheets whose labels moved
    (not read, not scored), each 执行率 not computed and why (an amount typed as text or not a
    number, a blank or 0 全年预算数 of 年度资金总额), the cells it could not write, and
    validate's findings about the scores themselves (:data:`perfxl.rules.evaluation.
    SCORE_RULES`: rows no rule can score, scores outside their band, scores defaulted to the
    band's lowest, a 分值 typed as text, a negative amount, …)."""
    from perfxl.rules.evaluation import SCORE_RULES
    from perfxl.validate import check, in_sheet_order

    broken = [p for p in read.problems if p.rule == "read.label_missing"]
    scores = [p for p in check(read) if p.rule in SCORE_RULES]
    found = in_sheet_order(read, [*_missing_rates(read, results), *scores])
    return [*broken, *found, *plan.problems]


def _missing_rates(read: ReadResult, results: list[EvaluationResult]) -> list[Problem]:
    """Each funds row's missing 执行率 as the problem at the amount that stops it
    (`perfxl.compute.rate_problems`)."""
    as_text = text_amounts(read.problems)
    held = held_targets(read.targets, as_text)
    rows = _missing(held, results)
    return rate_problems(rows, as_text=as_text, locations=read.locations, file=read.path)


def _missing(held: Targets, results: list[EvaluationResult]) -> Iterator[MissingRate]:
    from perfxl.evaluation import FUNDS_TEXT
    from perfxl.rules.evaluation import COLUMN_LABELS, ROW_LABELS

    for i, (p, result) in enumerate(zip(held.projects, results, strict=True)):
        if p.evaluation is None:
            continue
        for key, reason in result.rate_reasons.items():
            row = getattr(p.evaluation, key)
            cells = {
                col: (f"evaluation/{key}/{col}", getattr(row, col), ROW_LABELS[key] + "的" + label)
                for col, label in COLUMN_LABELS.items()
                if col != "initial"
            }
            if key != "total":
                figure = f"{ROW_LABELS[key]}的执行率"
            elif reason in FUNDS_TEXT:
                figure = "该项目的执行率、资金得分、总分和自评等级"
            else:
                figure = "该项目的执行率和资金得分"
            yield MissingRate(reason, p, i, key, cells, figure)
