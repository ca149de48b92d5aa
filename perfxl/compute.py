"""Cumulative spending-plan percentages, computed from the model (pure core).

Each checkpoint's percent is ``amount / 预算数 × 100``, a blank checkpoint counting as 0,
rounded to 2 decimals half away from zero (as Excel's ``ROUND`` does) in decimal arithmetic,
so 8.39 万元 and 2.10 万元 give exactly 25.03. The template's formula
(:func:`perfxl.layout.percent_formula`) computes the same figure as a fraction (0.2503).
The arithmetic is :mod:`perfxl.numbers`, which the county summary uses too.

A project whose budget or plan amounts are not numbers, or whose budget is blank or 0, gets
no percentages and a problem record saying why; every other project is computed.

Amounts the workbook holds as text (``"8.39万元"``, which the reader turns into 8.39 with
``read.amount_text``) are taken as the workbook's formulas take them: ``N()`` gives 0 and
``SUM`` leaves them out. So such a project gets no percentages, and the totals leave the
amount out, exactly as the cover's ``SUM`` row does; the figures perfxl reports are the
figures it writes, and the figures Excel shows after recalculating.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from perfxl.model import PLAN_KEYS, Project, Targets
from perfxl.numbers import HUNDREDTH, as_decimal, percent, total
from perfxl.problems import Problem
from perfxl.rules.catalogue import RuleId, make

__all__ = [
    "HUNDREDTH",
    "TARGETS_FIGURE",
    "AmountRule",
    "ComputeResult",
    "MissingRate",
    "ProjectPercentages",
    "Totals",
    "amount_problem",
    "as_decimal",
    "compute",
    "percent",
    "project_percentages",
    "rate_problems",
    "text_amounts",
    "totals",
    "unsaved_amounts",
]

AmountRule = Literal[
    "compute.not_numbers", "compute.amount_text", "compute.no_budget", "compute.formula_no_value"
]
"""The problems of an amount that leaves a figure uncomputed (:func:`amount_problem`)."""

EMITS: frozenset[RuleId] = frozenset(
    {
        "compute.not_numbers",
        "compute.amount_text",
        "compute.no_budget",
        "compute.formula_no_value",
    }
)


@dataclass(frozen=True)
class ProjectPercentages:
    """The percentages of one project.

    Attributes:
        index: the project's position in ``Targets.projects``.
        percents: one percent per checkpoint (``Decimal("25.03")``), or None when skipped.
    """

    index: int
    percents: tuple[Decimal, ...] | None

    @property
    def fractions(self) -> tuple[Decimal, ...] | None:
        """The percents as the fractions a ``0.00%`` cell holds (``Decimal("0.2503")``)."""
        if self.percents is None:
            return None
        return tuple(p / 100 for p in self.percents)


@dataclass(frozen=True)
class Totals:
    """Column sums over every project, as the cover's ``SUM`` row computes them.

    Like ``SUM``, only numeric amounts count; blanks and text are left out.

    Attributes:
        budget: total 预算数.
        fiscal_funds: total 财政资金.
        other_funds: total 其他资金.
        plan: total per checkpoint.
        percent: the 12月底 total over the budget total, in percent, or None when the budget
            total is 0.
    """

    budget: Decimal
    fiscal_funds: Decimal
    other_funds: Decimal
    plan: tuple[Decimal, ...]
    percent: Decimal | None

    @property
    def fraction(self) -> Decimal | None:
        """``percent`` as a fraction."""
        return None if self.percent is None else self.percent / 100


@dataclass
class ComputeResult:
    """Every project's percentages, the cover totals, and why some were skipped."""

    projects: list[ProjectPercentages]
    totals: Totals
    problems: list[Problem] = field(default_factory=list)


def text_amounts(problems: Iterable[Problem]) -> dict[str, Any]:
    """Pointer -> text typed, for the amounts the reader found typed as text.

    Args:
        problems: the reader's problems (``ReadResult.problems``); ``read.amount_text`` marks
            an amount typed as text that reads as a number.
    """
    return {p.pointer: p.value for p in problems if p.rule == "read.amount_text" and p.pointer}


def unsaved_amounts(problems: Iterable[Problem]) -> dict[str, Any]:
    """Pointer -> the formula's text (``=8+0.39``), for the amounts the reader found to be
    formulas without a saved result (``read.formula_no_value``): they hold no number."""
    return {p.pointer: p.value for p in problems if p.rule == "read.formula_no_value" and p.pointer}


def project_percentages(p: Project) -> tuple[Decimal, ...]:
    """The four cumulative percents of a project.

    Raises:
        ValueError: an amount is not a number.
        ZeroDivisionError: the budget is blank or 0.
    """
    budget = as_decimal(p.budget)
    amounts = [as_decimal(v) or Decimal(0) for v in p.plan.values()]
    if budget is None or budget == 0:
        raise ZeroDivisionError("budget")
    return tuple(percent(a, budget) for a in amounts)


def compute(
    targets: Targets,
    *,
    locations: Mapping[str, tuple[str, str]] | None = None,
    file: str | None = None,
    as_text: Mapping[str, Any] | None = None,
    unsaved: Mapping[str, Any] | None = None,
) -> ComputeResult:
    """Compute every project's percentages and the cover totals.

    Args:
        targets: the model.
        locations: JSON pointer -> (sheet, cell), to place problems (``ReadResult.locations``).
        file: the workbook, for the problem records.
        as_text: pointer -> text typed, for amounts the workbook holds as text although they
            read as a number (rule ``read.amount_text``, see :func:`text_amounts`): the
            template's ``N()`` takes them for 0 and ``SUM`` leaves them out, so such a project
            is skipped and the totals leave them out too, to keep perfxl and the formulas in
            agreement.
        unsaved: pointer -> formula text, for amounts that are formulas without a saved result
            (see :func:`unsaved_amounts`): such a project is skipped, saying so.
    """
    locations = locations or {}
    out: list[ProjectPercentages] = []
    problems: list[Problem] = []
    for i, p in enumerate(targets.projects):
        found = _not_numbers(p, i, locations, file, as_text or {}, unsaved or {})
        if found:
            problems.extend(found)
            out.append(ProjectPercentages(i, None))
            continue
        try:
            out.append(ProjectPercentages(i, project_percentages(p)))
        except ZeroDivisionError:
            problems.append(amount_problem("compute.no_budget", p, i, "budget", locations, file))
            out.append(ProjectPercentages(i, None))
    return ComputeResult(out, totals(targets, as_text=as_text), problems)


def totals(targets: Targets, *, as_text: Mapping[str, Any] | None = None) -> Totals:
    """The cover's total row: numeric amounts summed per column, as ``SUM`` does.

    Args:
        targets: the model.
        as_text: pointer -> text typed (see :func:`compute`); those amounts are text in the
            workbook, which ``SUM`` leaves out, so they are left out here too.
    """
    held = as_text or {}

    def column(key: str) -> Decimal:
        def cell(i: int, p: Project) -> Any:
            pointer = f"/projects/{i}/{key}"
            if pointer in held:
                return held[pointer]
            if key.startswith("plan/"):
                return getattr(p.plan, key.removeprefix("plan/"))
            return getattr(p, key)

        return total(cell(i, p) for i, p in enumerate(targets.projects))

    budget = column("budget")
    plan = tuple(column(f"plan/{k}") for k in PLAN_KEYS)
    return Totals(
        budget=budget,
        fiscal_funds=column("fiscal_funds"),
        other_funds=column("other_funds"),
        plan=plan,
        percent=None if budget == 0 else percent(plan[-1], budget),
    )


def _not_numbers(
    p: Project,
    i: int,
    locations: Mapping[str, tuple[str, str]],
    file: str | None,
    as_text: Mapping[str, Any],
    unsaved: Mapping[str, Any],
) -> list[Problem]:
    out = []
    values = {"budget": p.budget, **{f"plan/{k}": getattr(p.plan, k) for k in PLAN_KEYS}}
    for key, value in values.items():
        if (pointer := f"/projects/{i}/{key}") in as_text:
            text = as_text[pointer]
            out.append(
                amount_problem("compute.amount_text", p, i, key, locations, file, value=text)
            )
            continue
        if pointer in unsaved:  # the formula's text stands in for its value: not a number
            rule: AmountRule = "compute.formula_no_value"
            out.append(amount_problem(rule, p, i, key, locations, file, value=unsaved[pointer]))
            continue
        try:
            as_decimal(value)
        except ValueError:
            out.append(
                amount_problem("compute.not_numbers", p, i, key, locations, file, value=value)
            )
    return out


@dataclass(frozen=True)
class MissingRate:
    """A later stage's funds row and why it has no 执行率 (the input of :func:`rate_problems`).

    Attributes:
        reason: ``no_budget``, ``budget_text``, ``executed_text``; None: it has one.
        project: the project, its amounts as the cells hold them (`perfxl.held`).
        index: its position.
        row: the funds row (``total`` for 年度资金总额).
        cells: ``budget`` and ``executed`` -> (pointer below the project, value as the cell
            holds it, how the message names it).
        figure: what is not computed (``该项目的执行率和预警灯``).
    """

    reason: str | None
    project: Project
    index: int
    row: str
    cells: Mapping[str, tuple[str, Any, str]]
    figure: str


def rate_problems(
    rows: Iterable[MissingRate],
    *,
    as_text: Mapping[str, Any],
    locations: Mapping[str, tuple[str, str]],
    file: str | None,
) -> list[Problem]:
    """Why later stages' funds rows have no 执行率, each as the problem at the amount's cell:
    text that reads as a number ``compute.amount_text`` (``as_text``, :func:`text_amounts`),
    other text ``compute.not_numbers``, a blank or 0 budget ``compute.no_budget`` (of
    年度资金总额 only: the other sources are often blank)."""
    which = {"no_budget": "budget", "budget_text": "budget", "executed_text": "executed"}
    out: list[Problem] = []
    for m in rows:
        if m.reason not in which or (m.reason == "no_budget" and m.row != "total"):
            continue
        key, value, label = m.cells[which[m.reason]]
        rule: AmountRule = "compute.no_budget"
        if m.reason != "no_budget":
            text = f"/projects/{m.index}/{key}" in as_text
            rule = "compute.amount_text" if text else "compute.not_numbers"
        shown = None if rule == "compute.no_budget" else value
        out.append(
            amount_problem(
                rule,
                m.project,
                m.index,
                key,
                locations,
                file,
                value=shown,
                label=label,
                figure=m.figure,
            )
        )
    return out


TARGETS_FIGURE = "该项目的累计进度"
"""What a targets project's problem says is not computed (``{figure}`` of the messages)."""


def amount_problem(
    rule: AmountRule,
    p: Project,
    i: int,
    key: str,
    locations: Mapping[str, tuple[str, str]],
    file: str | None,
    *,
    value: Any = None,
    label: str | None = None,
    figure: str = TARGETS_FIGURE,
) -> Problem:
    """The problem of an amount that leaves a figure uncomputed, at its cell.

    The one maker of these records, for the targets' percentages and for the later stages'
    执行率 and scores (`perfxl.write.rates`, `perfxl.write.scores`).

    Args:
        rule: why (``compute.not_numbers``, ``compute.amount_text``, ``compute.no_budget``).
        p: the project.
        i: its position.
        key: the amount's pointer below the project (``budget``, ``evaluation/total/executed``).
        locations: pointer -> (sheet, cell).
        file: the workbook.
        value: the value typed (the text, for an amount held as text).
        label: how the message names the amount; None: the schema's label of the pointer.
        figure: what is not computed (``该项目的累计进度``, ``年度资金总额的执行率``).
    """
    from perfxl.rules.schema_rules import label_of  # only a problem needs the schema's labels

    pointer = f"/projects/{i}/{key}"
    sheet, cell = locations.get(pointer, (None, None))
    name = str(p.name) if p.name not in (None, "") else f"第 {i + 1} 个项目"
    shown = value if value is None or isinstance(value, int | float | str) else str(value)
    extra: dict[str, Any] = {"formula": f"“{shown}”"} if rule == "compute.formula_no_value" else {}
    return make(
        rule,
        file=file,
        sheet=sheet,
        cell=cell,
        pointer=pointer,
        value=shown,
        project_code=p.code if isinstance(p.code, str) else None,
        project=name,
        label=label_of(pointer) if label is None else label,
        figure=figure,
        **extra,
    )
