"""The summary's long tables, declared once: sheet name, column keys, Chinese headers, kinds.

The summary writer, the reader of a summary (multi-level consolidation) and the CSV/Parquet
export all use these declarations; rows are tuples in column order.
"""

from __future__ import annotations

from dataclasses import dataclass

from perfxl import constants as C


@dataclass(frozen=True)
class Column:
    """One column of a long table.

    Attributes:
        key: identifier (CSV header, Parquet column).
        header: the Chinese header shown in the workbook.
        kind: ``text``, ``money`` (万元, 2 decimals), ``pct`` (percent points, 2 decimals),
            ``int`` or ``value`` (as read: text or number).
        width: column width in characters.
    """

    key: str
    header: str
    kind: str
    width: float


@dataclass(frozen=True)
class Table:
    """A long table and the sheet it is written to."""

    sheet: str
    columns: tuple[Column, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """Column keys in order."""
        return tuple(c.key for c in self.columns)

    def index(self, key: str) -> int:
        """Position of a column."""
        return self.keys.index(key)


def _c(key: str, header: str, kind: str = "text", width: float = 12) -> Column:
    return Column(key, header, kind, width)


CHECKPOINTS: tuple[str, ...] = C.L_CHECKPOINTS
PLAN_COLS = tuple(
    _c(f"plan_{k}", cp, "money", 9)
    for k, cp in zip(("mar", "jun", "oct", "dec"), CHECKPOINTS, strict=True)
)
PCT_COLS = tuple(
    _c(f"pct_{k}", f"{cp}进度（%）", "pct", 10)
    for k, cp in zip(("mar", "jun", "oct", "dec"), CHECKPOINTS, strict=True)
)

ROW_PROJECT = "项目"
ROW_SUBTOTAL = "单位小计"
ROW_UNIT = "单位"
ROW_TOTAL = "合计"

# What a worker extracts per project (the stored part of a 汇总 row).
PROJECTS = Table(
    "汇总",
    (
        _c("unit_code", "单位编码", "text", 9),
        _c("unit_name", "单位名称", "text", 22),
        _c("project_code", "项目编码", "text", 24),
        _c("project_name", "项目名称", "text", 30),
        _c("budget", "预算数", "money", 10),
        _c("fiscal_funds", "财政资金", "money", 10),
        _c("other_funds", "其他资金", "money", 10),
        *PLAN_COLS,
        _c("indicators", "指标数", "int", 7),
        _c("source_file", "来源文件", "text", 30),
        _c("sheet", "工作表", "text", 14),
        _c("cell", "编码单元格", "text", 8),
    ),
)

# The 汇总 sheet as written: a row kind first, percentages and problem counts added.
SUMMARY = Table(
    "汇总",
    (
        _c("row_kind", "行类型", "text", 8),
        *PROJECTS.columns[:11],
        *PCT_COLS,
        PROJECTS.columns[11],
        _c("errors", "错误数", "int", 7),
        _c("warnings", "警告数", "int", 7),
        *PROJECTS.columns[12:],
    ),
)

UNITS = Table(
    "乡镇合计",
    (
        _c("row_kind", "行类型", "text", 6),
        _c("unit_code", "单位编码", "text", 9),
        _c("unit_name", "单位名称", "text", 22),
        _c("projects", "项目数", "int", 7),
        _c("budget", "预算数", "money", 11),
        _c("fiscal_funds", "财政资金", "money", 11),
        _c("other_funds", "其他资金", "money", 11),
        *PLAN_COLS,
        *PCT_COLS,
        *(
            _c(f"gap_{k}", f"{cp}较序时进度（百分点）", "pct", 12)
            for k, cp in zip(("mar", "jun", "oct", "dec"), CHECKPOINTS, strict=True)
        ),
        _c("errors", "错误数", "int", 7),
        _c("warnings", "警告数", "int", 7),
        _c("source_file", "来源文件", "text", 30),
    ),
)

INDICATORS = Table(
    "指标明细",
    (
        _c("unit_code", "单位编码", "text", 9),
        _c("unit_name", "单位名称", "text", 18),
        _c("project_code", "项目编码", "text", 24),
        _c("project_name", "项目名称", "text", 24),
        _c("number", "序号", "int", 5),
        _c("level1", "一级指标", "text", 11),
        _c("level2", "二级指标", "text", 13),
        _c("level3", "三级指标", "text", 18),
        _c("description", "绩效指标描述", "text", 20),
        _c("target", "指标值", "value", 14),
        _c("target_kind", "指标值类型", "text", 8),
        _c("comparison", "比较", "text", 5),
        _c("target_number", "数值", "value", 9),
        _c("target_unit", "计量单位", "text", 8),
        _c("basis", "指标值确定依据", "text", 14),
        _c("source_file", "来源文件", "text", 30),
        _c("sheet", "工作表", "text", 14),
        _c("cell", "单元格", "text", 7),
    ),
)

PROBLEMS = Table(
    "校验问题",
    (
        _c("unit_code", "单位编码", "text", 9),
        _c("unit_name", "单位名称", "text", 18),
        _c("severity", "级别", "text", 6),
        _c("rule", "规则", "text", 22),
        _c("message", "问题说明", "text", 60),
        _c("project_code", "项目编码", "text", 24),
        _c("source_file", "来源文件", "text", 30),
        _c("sheet", "工作表", "text", 14),
        _c("cell", "单元格", "text", 7),
        _c("pointer", "数据位置", "text", 24),
        _c("value", "值", "value", 14),
        _c("link", "链接地址", "text", 40),
    ),
)

FILES = Table(
    "提交情况",
    (
        _c("unit_code", "单位编码", "text", 9),
        _c("unit_name", "单位名称", "text", 22),
        _c("submission", "提交状态", "text", 10),
        _c("source_file", "来源文件", "text", 36),
        _c("file_status", "文件状态", "text", 10),
        _c("modified", "修改时间", "text", 19),
        _c("saved", "保存时间", "text", 19),
        _c("basis", "版本依据", "text", 14),
        _c("sha256", "SHA-256", "text", 20),
        _c("projects", "项目数", "int", 7),
        _c("note", "说明", "text", 50),
    ),
)

# 提交状态 (per expected unit) and 文件状态 (per file).
SUBMITTED, MISSING, UNLISTED = "已提交", "未提交", "未列入名单"
USED, SUPERSEDED, UNREADABLE, NOT_PERFXL, EXPANDED, SUMMARY_SKIPPED = (
    "采用",
    "被替代",
    "无法读取",
    "非绩效目标工作簿",
    "汇总表（已展开）",
    "汇总表（未读入）",
)
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}

README_SHEET = "说明"
# The 说明 row naming the folder the summary's file names are relative to (read back by
# `summary_input`, which joins them to it again).
README_FOLDER = "来源文件夹"
CHART_SHEET = "图表"
# The marker in 说明!A1 by which a summary is recognised as an input.
SUMMARY_MARKER = "perfxl 预算绩效目标汇总表"
