"""The core calls the buttons make, in one place so they follow the CLI's modules.

Validation (``perfxl.validate``) and the percentage computation (``perfxl.compute``) are
written by colleagues; until they are installed, 校验 reports the problems found while reading
and 计算进度 uses the formula of the domain (amount ÷ 预算数 × 100, blank counts as 0).
"""

from __future__ import annotations

import importlib
from typing import Any

from perfxl.model import Project
from perfxl.problems import Problem
from perfxl.read import ReadResult


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None


def all_problems(res: ReadResult) -> list[Problem]:
    """Every problem ``perfxl validate`` reports (reading's and the rules'), shipped settings.

    Falls back to reading's own problems while ``perfxl.validate`` is not installed.
    """
    validate = _optional("perfxl.validate")
    if validate is None:
        return list(res.problems)
    problems: list[Problem] = validate.check(res, None)
    return problems


def percent_fractions(project: Project) -> list[float | None]:
    """Cumulative progress per checkpoint as a fraction (0.2503 shows as 25.03%); None if no budget."""
    budget = project.budget
    if not isinstance(budget, int | float) or isinstance(budget, bool) or budget == 0:
        return [None] * 4
    out: list[float | None] = []
    for amount in project.plan.values():
        value = amount if isinstance(amount, int | float) and not isinstance(amount, bool) else 0
        out.append(round(round(value / budget * 100, 2) / 100, 4))
    return out
