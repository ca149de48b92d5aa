"""Every rule id perfxl can emit, with its default severity and Chinese message template.

A message says where, what is wrong and how to fix it. Templates are ``str.format`` strings;
the fields each one uses are given by the code that emits it. An amount is written
``{budget:万元}`` in a template: the field is given as a number and shown by
:func:`perfxl.numbers.money` (``8.00 万元``), the one way every message shows money.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from perfxl.numbers import MONEY_UNIT, money
from perfxl.problems import Problem, Severity


@dataclass(frozen=True)
class Rule:
    """A catalogue entry."""

    id: str
    severity: Severity
    template: str
    title: str


_RULES: list[Rule] = [
    # --- reading the workbook -------------------------------------------------------------
    Rule(
        "read.label_missing",
        "error",
        "单元格 {cell} 应为标签“{expected}”，实际为“{actual}”：表格结构被移动或删除。请从模板恢复该表的标签与行列位置，或将数据复制到新生成的模板中。",
        "标签缺失或被移动",
    ),
    Rule(
        "read.sheet_skipped",
        "info",
        "工作表“{sheet}”不是项目绩效目标表、封面或部门整体绩效目标表，已跳过。如果它应是项目表，请确认 A3 单元格为“项目编码”。",
        "非项目工作表已跳过",
    ),
    Rule(
        "read.no_cover",
        "warning",
        "未找到封面工作表（A3 为“单位编码”）：单位编码和名称取自第一张项目表的表头，年度未知。请使用 perfxl template 生成的工作簿。",
        "缺少封面",
    ),
    Rule(
        "read.amount_text",
        "error",
        "金额“{value}”以文本形式保存。perfxl 读取数据时按 {number:万元} 计，但工作簿自己的公式不把文本当数字（N() 按 0 计，SUM 略去）：封面合计和累计进度都不含此金额；预算数或计划金额为文本时，perfxl compute 也不计算该项目的累计进度。请把该单元格改为数字格式并重新输入（或在 Excel 中选“转换为数字”）。",
        "金额以文本保存，公式按 0 计",
    ),
    Rule(
        "read.amount_unreadable",
        "error",
        "金额“{value}”不是数字，无法读取。请只填写以万元为单位的数字（最多两位小数），例如 8.39。",
        "金额无法识别",
    ),
    Rule(
        "read.number_as_text_field",
        "warning",
        "“{label}”以数字形式保存（{value}），已读作“{text}”。编码类内容请设置为文本格式后重新录入，以免丢失前导零或位数。",
        "编码以数字保存",
    ),
    Rule(
        "read.blank_indicator",
        "info",
        "第 {index} 个指标的六项内容全部为空，不是有效指标，未写入工作表。",
        "空指标行",
    ),
    Rule(
        "fill.schema",
        "warning",
        "数据不符合规范（{pointer}）：{detail}。已按原样写入工作簿，请在工作簿中更正后运行校验。",
        "数据不符合规范",
    ),
]

CATALOGUE: dict[str, Rule] = {r.id: r for r in _RULES}


def register(*rules: Rule) -> None:
    """Add rule families' entries (each rule module registers the ids it emits)."""
    for r in rules:
        if r.id in CATALOGUE and CATALOGUE[r.id] != r:
            raise ValueError(f"rule id registered twice with different entries: {r.id}")
        CATALOGUE[r.id] = r


class _Formatter(string.Formatter):
    """``str.format`` with one extra spec: ``{x:万元}`` shows an amount as ``8.00 万元``."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == MONEY_UNIT:
            return money(value)
        return super().format_field(value, format_spec)


_FORMAT = _Formatter()
_MONEY_SPEC = f":{MONEY_UNIT}}}"


def make(rule_id: str, *, severity: Severity | None = None, **fields: Any) -> Problem:
    """A problem record from the catalogue entry; location fields go through, the rest format.

    Location keys (file, sheet, cell, pointer, value, project_code) fill the record; every key
    is available to the message template.
    """
    rule = CATALOGUE[rule_id]
    loc_keys = ("file", "sheet", "cell", "pointer", "value", "project_code")
    loc = {k: fields.get(k) for k in loc_keys}
    values = {k: ("" if v is None else v) for k, v in fields.items()}
    if _MONEY_SPEC in rule.template:
        message = _FORMAT.vformat(rule.template, (), values)
    else:  # the fast path: most templates show no amount
        message = rule.template.format(**values)
    return Problem(
        rule=rule_id,
        severity=severity or rule.severity,
        message=message,
        **loc,
    )
