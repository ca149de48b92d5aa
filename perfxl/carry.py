"""Carry what was typed into an earlier monitoring (or self-evaluation) workbook onto the
current targets (pure).

``perfxl new monitoring TARGETS --from OLD`` rebuilds the monitoring workbook from targets
that changed since (a project added, an indicator removed): each project of the targets is
matched to the old workbook's by 项目编码, then by 项目名称; each indicator by its 一级 /
二级 / 三级指标. What matched keeps its typed figures and text; what is new is blank; what
disappeared is listed in the notes. ``perfxl new evaluation --from OLD`` does the same
for a self-evaluation workbook (:func:`carry_evaluation`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from perfxl.carried import match
from perfxl.model import (
    FundsRow,
    Indicator,
    IndicatorProgress,
    IndicatorResult,
    Project,
    ProjectEvaluation,
    ProjectMonitoring,
    Targets,
)


@dataclass
class Carried:
    """The targets with the old monitoring carried, and what the clerk should know."""

    targets: Targets
    notes: list[str] = field(default_factory=list)
    kept: int = 0  # projects whose monitoring was carried


def key_text(value: Any) -> str | None:
    """A code, name or indicator label as compared: text, trimmed; None when empty."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _indicator_key(ind: Indicator) -> tuple[str | None, ...] | None:
    key = (key_text(ind.level1), key_text(ind.level2), key_text(ind.level3))
    return None if key == (None, None, None) else key


def _label(p: Project) -> str:
    name = key_text(p.name) or "（未命名）"
    code = key_text(p.code)
    return f"“{name}”（项目编码 {code}）" if code else f"“{name}”"


def _funds(initial: Any, old: FundsRow) -> FundsRow:
    return FundsRow(initial, old.adjusted, old.executed, old.forecast)


def _carry_results(
    new: Project,
    old: Project,
    typed: list[Any],
    blank: Callable[[], Any],
    form: str,
    notes: list[str],
) -> list[Any]:
    """The typed rows of ``new``'s indicators: ``typed`` (the old project's rows, padded with
    ``blank()`` to its indicators) where the indicator still exists, else ``blank()``; a note
    per old indicator that is gone (``form``: 监控表 or 自评表)."""
    old_inds = old.indicators
    rows = list(typed) + [blank()] * (len(old_inds) - len(typed))
    pairs = match(new.indicators, old_inds, [_indicator_key])
    inds = [
        copy.deepcopy(rows[pairs[i]]) if i in pairs else blank() for i in range(len(new.indicators))
    ]
    for j in sorted(set(range(len(old_inds))) - set(pairs.values())):
        key = _indicator_key(old_inds[j])
        if key is None:
            continue
        what = "/".join(k or "" for k in key)
        notes.append(
            f"项目{_label(new)}的指标“{what}”在当前目标表中已没有，"
            f"原{form}中该指标的填报内容未带入。"
        )
    return inds


def _project(new: Project, old: Project, notes: list[str]) -> ProjectMonitoring:
    """``new``'s monitoring: the old typed values where the indicator still exists."""
    m = old.monitoring or ProjectMonitoring()
    inds = _carry_results(new, old, m.indicators, IndicatorProgress, "监控表", notes)
    return ProjectMonitoring(
        total=_funds(new.budget, m.total),
        fiscal=_funds(new.fiscal_funds, m.fiscal),
        other=_funds(new.other_funds, m.other),
        progress=m.progress,
        indicators=inds,
    )


def _carry(
    targets: Targets,
    old: Targets,
    stage: str,
    form: str,
    carry_project: Callable[[Project, Project, list[str]], Any],
) -> Carried:
    """``targets`` (a copy) with ``carry_project`` setting attribute ``stage`` (monitoring or
    evaluation) of each project matched in ``old`` (by 项目编码, then 项目名称); None on a new
    project. ``form`` (监控表 or 自评表) names the workbook in the notes."""
    t = copy.deepcopy(targets)
    notes: list[str] = []
    pairs = match(
        t.projects,
        old.projects,
        [lambda p: key_text(p.code), lambda p: key_text(p.name)],
    )
    column = form.removesuffix("表")
    for i, p in enumerate(t.projects):
        if i in pairs:
            setattr(p, stage, carry_project(p, old.projects[pairs[i]], notes))
        else:
            setattr(p, stage, None)
            notes.append(f"新增项目{_label(p)}：原{form}中没有，{column}栏为空，请填报。")
    for j in sorted(set(range(len(old.projects))) - set(pairs.values())):
        notes.append(
            f"原{form}中的项目{_label(old.projects[j])}在当前目标表中已没有，"
            f"其填报内容未带入新{form}。"
        )
    return Carried(t, notes, len(pairs))


def carry_monitoring(targets: Targets, old: Targets) -> Carried:
    """``targets`` (a copy) with ``old``'s monitoring carried onto its matching projects."""
    return _carry(targets, old, "monitoring", "监控表", _project)


def _evaluation(new: Project, old: Project, notes: list[str]) -> ProjectEvaluation:
    """``new``'s evaluation: the old typed values where the indicator still exists; the
    年初预算数 are the current targets'."""
    e = old.evaluation or ProjectEvaluation()
    inds = _carry_results(new, old, e.indicators, IndicatorResult, "自评表", notes)
    out = copy.deepcopy(e)
    out.indicators = inds
    out.total.initial = new.budget
    out.fiscal.initial = new.fiscal_funds
    out.other.initial = new.other_funds
    return out


def carry_evaluation(targets: Targets, old: Targets) -> Carried:
    """``targets`` (a copy) with ``old``'s self-evaluation carried onto its matching projects
    (matched as :func:`carry_monitoring` matches them); a new project gets the defaults."""
    return _carry(targets, old, "evaluation", "自评表", _evaluation)
