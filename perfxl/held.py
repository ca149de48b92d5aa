"""Amounts as the workbook's cells hold them: text stays text (pure core).

The reader takes an amount typed as text that is plainly a number (``"8.39万元"``, ``"８．３９"``)
for that number and says so (``read.amount_text``): the data, ``export`` and the targets'
county summary use it. The workbook's own formulas do not: the later stages' formulas make
no figure from text (`perfxl.layout.stage_rate_formula`), the targets' ``N()`` counts it as 0
and ``SUM`` leaves it out. A figure perfxl computes for a cell whose formula shows it (a
monitoring 执行率 and its light, a self-evaluation 执行率, 得分, 总分 and 自评等级) is computed
from the cells as held, so that ``compute``, ``validate``, the county summaries and the sheet
never give two answers: no figure is made from such a text (:func:`held_targets`), and
``compute`` says why (``compute.amount_text``). The targets' percentages keep their own
pointer map (`perfxl.compute.compute`'s ``as_text``).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from typing import Any

from perfxl.carried import INITIAL_KEYS
from perfxl.compute import text_amounts
from perfxl.model import Project, Targets

STAGE_SECTIONS = ("monitoring", "evaluation")
"""The later stages' parts of a project, whose funds rows feed computed figures."""


def held_project(p: Project, index: int, as_text: Mapping[str, Any]) -> Project:
    """Project ``index`` with its later stage's funds amounts as the cells hold them
    (a targets project, with no later stage, is ``p`` itself).

    Each amount of the stage's funds rows (and each 年初预算数 they carry from the targets)
    that ``as_text`` names holds its text instead of the number the reader made of it; ``p``
    itself is not changed (a changed project is a copy, an unchanged one ``p``).

    Args:
        p: the project as read.
        index: its position (the pointers' ``/projects/{index}``).
        as_text: pointer -> text typed (`perfxl.compute.text_amounts`).
    """
    if all(getattr(p, section) is None for section in STAGE_SECTIONS):
        return p  # a targets project: its amounts stay as read (`compute`'s own as_text)
    base = f"/projects/{index}/"
    mine = {k.removeprefix(base): v for k, v in as_text.items() if k.startswith(base)}
    if not mine:
        return p
    q = copy.copy(p)
    for attr in set(INITIAL_KEYS.values()) & mine.keys():  # 年初预算数 as its cell holds it
        setattr(q, attr, mine[attr])
    for section in STAGE_SECTIONS:
        stage = getattr(p, section)
        if stage is None:
            continue
        rows: dict[str, Any] = {}
        for row_col, attr in INITIAL_KEYS.items():  # 年初预算数: the targets' amount
            if attr in mine:
                row, col = row_col.split("/")
                rows.setdefault(row, {})[col] = mine[attr]
        for key, text in mine.items():
            parts = key.split("/")
            if len(parts) == 3 and parts[0] == section:
                rows.setdefault(parts[1], {})[parts[2]] = text
        if rows:
            fields = {r: dataclasses.replace(getattr(stage, r), **cols) for r, cols in rows.items()}
            setattr(q, section, dataclasses.replace(stage, **fields))
    return q


def held_targets(t: Targets, as_text: Mapping[str, Any]) -> Targets:
    """``t`` with every project as :func:`held_project` gives it (``t`` itself unchanged;
    ``t`` when nothing is held as text)."""
    if not as_text:
        return t
    projects = [held_project(p, i, as_text) for i, p in enumerate(t.projects)]
    return dataclasses.replace(t, projects=projects)


__all__ = ["STAGE_SECTIONS", "held_project", "held_targets", "text_amounts"]
