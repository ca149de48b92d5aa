"""The labels the importer finds tables by, squeezed (no white space), and what they mean.

Labels, never positions: a table is read by the labels in its cells, so a document whose
columns are merged, padded or ordered differently still reads. Spellings seen in published
documents are listed beside the form's own (from :mod:`perfxl.constants`).
"""

from __future__ import annotations

import re

from perfxl import constants as C
from perfxl.importer.blocks import squeeze

CODE, NAME, BUDGET, FISCAL, OTHER = "code", "name", "budget", "fiscal_funds", "other_funds"
BUDGET_GROUP, PURPOSE, PLAN_GROUP, GOALS = "budget_group", "purpose", "plan_group", "goals"
PLAN_KEYS: dict[str, str] = dict(zip(C.L_CHECKPOINTS, ("mar", "jun", "oct", "dec"), strict=True))

# Project header labels (squeezed) -> field.
HEADER: dict[str, str] = {
    C.L_CODE: CODE,
    C.L_NAME: NAME,
    C.L_BUDGET: BUDGET,
    "预算数（万元）": BUDGET,
    "年度预算数": BUDGET,
    squeeze(C.L_FISCAL): FISCAL,
    "财政资金": FISCAL,
    "其中财政资金": FISCAL,
    C.L_OTHER: OTHER,
    C.L_BUDGET_GROUP: BUDGET_GROUP,
    "资金用途": PURPOSE,
    C.L_GOALS: GOALS,
    "年度绩效目标": GOALS,
    "项目绩效目标": GOALS,
    **{squeeze(k): v for k, v in PLAN_KEYS.items()},
}
PLAN_GROUP_PREFIX = "资金支出计划"

# Indicator table header labels (squeezed) -> model field.
INDICATOR: dict[str, str] = {
    C.L_LEVEL1: "level1",
    C.L_LEVEL2: "level2",
    C.L_LEVEL3: "level3",
    C.L_DESCRIPTION: "description",
    "指标描述": "description",
    "绩效指标内容": "description",
    C.L_TARGET: "target",
    "指标值（目标值）": "target",
    "目标值": "target",
    C.L_BASIS: "basis",
    "指标值设定依据": "basis",
    "确定依据": "basis",
}

UNIT_LINE = re.compile(r"^\s*(\d{6})\s*([^\s\d].*?)\s*(?:单位\s*[：:]\s*(\S+))?\s*$")
MONEY_UNIT = re.compile(r"^\s*单位\s*[：:]\s*(\S+)\s*$")


def header_field(text: str) -> str | None:
    """The project header field a cell's text labels, or None when it is no label."""
    s = squeeze(text)
    if s.startswith(PLAN_GROUP_PREFIX):
        return PLAN_GROUP
    return HEADER.get(s)


def indicator_field(text: str) -> str | None:
    """The indicator column a header cell's text names, or None."""
    return INDICATOR.get(squeeze(text))
