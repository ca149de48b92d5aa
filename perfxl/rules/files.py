"""Whole-file findings (no check of their own: validation emits them)."""

from __future__ import annotations

from perfxl.errors import NotAPerfxlWorkbookError
from perfxl.rules.catalogue import Rule, register

RULES = (
    Rule(
        "file.unreadable",
        "error",
        "无法读取该文件：{detail} 请确认它是 .xlsx/.xlsm/.xls 工作簿、未加密且未损坏，必要时用 Excel/WPS 另存为 .xlsx 后重试。",
        "文件无法读取",
    ),
    Rule("file.not_perfxl", "error", NotAPerfxlWorkbookError.MESSAGE, "非绩效目标工作簿"),
)
register(*RULES)
