"""The summary's long tables, declared once: sheet name, column keys, Chinese headers, kinds.

The summary writer, the reader of a summary (multi-level consolidation) and the CSV/Parquet
export all use these declarations. A table's rows are named tuples (`ProjectRow`, ...), one
field per column key in column order: read by name, written in order, cheap to pickle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from perfxl import constants as C

Money = Any  # an amount as read (a number; text when the cell held text), or None
Value = Any  # a cell as read: text or number


class ProjectRow(NamedTuple):
    """What a worker extracts per project (`PROJECTS`)."""

    unit_code: str | None
    unit_name: str | None
    project_code: str | None
    project_name: str | None
    budget: Money
    fiscal_funds: Money
    other_funds: Money
    plan_mar: Money
    plan_jun: Money
    plan_oct: Money
    plan_dec: Money
    indicators: int | None
    source_file: str | None
    sheet: str | None
    cell: str | None


class SummaryRow(NamedTuple):
    """A 汇总 row (`SUMMARY`): a project, or a unit's subtotal."""

    row_kind: str
    unit_code: str | None
    unit_name: str | None
    project_code: str | None
    project_name: str | None
    budget: Money
    fiscal_funds: Money
    other_funds: Money
    plan_mar: Money
    plan_jun: Money
    plan_oct: Money
    plan_dec: Money
    pct_mar: float | None
    pct_jun: float | None
    pct_oct: float | None
    pct_dec: float | None
    indicators: int | None
    errors: int
    warnings: int
    source_file: str | None
    sheet: str | None
    cell: str | None


class UnitRow(NamedTuple):
    """A 乡镇合计 row (`UNITS`): a unit, or the total (whose amounts are text where no float
    holds them exactly: `numbers.total_cell`)."""

    row_kind: str
    unit_code: str | None
    unit_name: str | None
    projects: int
    budget: float | str
    fiscal_funds: float | str
    other_funds: float | str
    plan_mar: float | str
    plan_jun: float | str
    plan_oct: float | str
    plan_dec: float | str
    pct_mar: float | None
    pct_jun: float | None
    pct_oct: float | None
    pct_dec: float | None
    gap_mar: float | None
    gap_jun: float | None
    gap_oct: float | None
    gap_dec: float | None
    errors: int
    warnings: int
    source_file: str | None


class IndicatorRow(NamedTuple):
    """A 指标明细 row (`INDICATORS`)."""

    unit_code: str | None
    unit_name: str | None
    project_code: str | None
    project_name: str | None
    number: int | None
    level1: str | None
    level2: str | None
    level3: str | None
    description: str | None
    target: Value
    target_kind: str | None
    comparison: str | None
    target_number: Value
    target_unit: str | None
    basis: str | None
    source_file: str | None
    sheet: str | None
    cell: str | None


class ProblemRow(NamedTuple):
    """A 校验问题 row (`PROBLEMS`)."""

    unit_code: str | None
    unit_name: str | None
    severity: str
    rule: str
    message: str
    project_code: str | None
    source_file: str | None
    sheet: str | None
    cell: str | None
    pointer: str | None
    value: Value
    link: str | None


class FileRow(NamedTuple):
    """A 提交情况 row (`FILES`): a file, or an expected unit no file came from."""

    unit_code: str | None
    unit_name: str | None
    submission: str | None
    source_file: str | None
    file_status: str | None
    modified: str | None
    saved: str | None
    basis: str | None
    sha256: str | None
    projects: int | None
    note: str | None
    changes: str | None = None


class VersionChangeRow(NamedTuple):
    """A 版本变化 row (`VERSION_CHANGES`): one change from a superseded version of a unit's
    workbook to the next newer one (`perfxl.diff.Change`, its values as ``perfxl diff``
    shows them)."""

    unit_code: str | None
    unit_name: str | None
    source_file: str | None
    newer_file: str | None
    kind: str
    project_code: str | None
    project_name: str | None
    item: str
    old_value: str | None
    new_value: str | None
    old_sheet: str | None
    old_cell: str | None
    new_sheet: str | None
    new_cell: str | None
    text: str


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
    kind: str = "text"
    width: float = 12


@dataclass(frozen=True)
class Table:
    """A long table and the sheet it is written to.

    Attributes:
        sheet: the sheet's name.
        columns: the columns in order.
        row: the named tuple of a row, its fields the column keys (a test checks).
    """

    sheet: str
    columns: tuple[Column, ...]
    row: type[tuple[Any, ...]]

    @property
    def keys(self) -> tuple[str, ...]:
        """Column keys in order."""
        return tuple(c.key for c in self.columns)

    def index(self, key: str) -> int:
        """Position of a column."""
        return self.keys.index(key)

    def column(self, key: str) -> Column:
        """The column of this key."""
        return self.columns[self.index(key)]

    def make(self, values: Any) -> Any:
        """A row of this table from values in column order (a row read back)."""
        return self.row._make(values)  # type: ignore[attr-defined]


CHECKPOINTS: tuple[str, ...] = C.L_CHECKPOINTS
PLAN_COLS = tuple(
    Column(f"plan_{k}", cp, "money", 9)
    for k, cp in zip(("mar", "jun", "oct", "dec"), CHECKPOINTS, strict=True)
)
PCT_COLS = tuple(
    Column(f"pct_{k}", f"{cp}进度（%）", "pct", 10)
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
        Column("unit_code", "单位编码", "text", 9),
        Column("unit_name", "单位名称", "text", 22),
        Column("project_code", "项目编码", "text", 24),
        Column("project_name", "项目名称", "text", 30),
        Column("budget", "预算数", "money", 10),
        Column("fiscal_funds", "财政资金", "money", 10),
        Column("other_funds", "其他资金", "money", 10),
        *PLAN_COLS,
        Column("indicators", "指标数", "int", 7),
        Column("source_file", "来源文件", "text", 30),
        Column("sheet", "工作表", "text", 14),
        Column("cell", "编码单元格", "text", 8),
    ),
    ProjectRow,
)

# The 汇总 sheet as written: a row kind first, percentages and problem counts added.
SUMMARY = Table(
    "汇总",
    (
        Column("row_kind", "行类型", "text", 8),
        *(PROJECTS.column(k) for k in ProjectRow._fields[: ProjectRow._fields.index("indicators")]),
        *PCT_COLS,
        PROJECTS.column("indicators"),
        Column("errors", "错误数", "int", 7),
        Column("warnings", "警告数", "int", 7),
        *(PROJECTS.column(k) for k in ("source_file", "sheet", "cell")),
    ),
    SummaryRow,
)

UNITS = Table(
    "乡镇合计",
    (
        Column("row_kind", "行类型", "text", 6),
        Column("unit_code", "单位编码", "text", 9),
        Column("unit_name", "单位名称", "text", 22),
        Column("projects", "项目数", "int", 7),
        Column("budget", "预算数", "money", 11),
        Column("fiscal_funds", "财政资金", "money", 11),
        Column("other_funds", "其他资金", "money", 11),
        *PLAN_COLS,
        *PCT_COLS,
        *(
            Column(f"gap_{k}", f"{cp}较序时进度（百分点）", "pct", 12)
            for k, cp in zip(("mar", "jun", "oct", "dec"), CHECKPOINTS, strict=True)
        ),
        Column("errors", "错误数", "int", 7),
        Column("warnings", "警告数", "int", 7),
        Column("source_file", "来源文件", "text", 30),
    ),
    UnitRow,
)

INDICATORS = Table(
    "指标明细",
    (
        Column("unit_code", "单位编码", "text", 9),
        Column("unit_name", "单位名称", "text", 18),
        Column("project_code", "项目编码", "text", 24),
        Column("project_name", "项目名称", "text", 24),
        Column("number", "序号", "int", 5),
        Column("level1", "一级指标", "text", 11),
        Column("level2", "二级指标", "text", 13),
        Column("level3", "三级指标", "text", 18),
        Column("description", "绩效指标描述", "text", 20),
        Column("target", "指标值", "value", 14),
        Column("target_kind", "指标值类型", "text", 8),
        Column("comparison", "比较", "text", 5),
        Column("target_number", "数值", "value", 9),
        Column("target_unit", "计量单位", "text", 8),
        Column("basis", "指标值确定依据", "text", 14),
        Column("source_file", "来源文件", "text", 30),
        Column("sheet", "工作表", "text", 14),
        Column("cell", "单元格", "text", 7),
    ),
    IndicatorRow,
)

PROBLEMS = Table(
    "校验问题",
    (
        Column("unit_code", "单位编码", "text", 9),
        Column("unit_name", "单位名称", "text", 18),
        Column("severity", "级别", "text", 6),
        Column("rule", "规则", "text", 22),
        Column("message", "问题说明", "text", 60),
        Column("project_code", "项目编码", "text", 24),
        Column("source_file", "来源文件", "text", 30),
        Column("sheet", "工作表", "text", 14),
        Column("cell", "单元格", "text", 7),
        Column("pointer", "数据位置", "text", 24),
        Column("value", "值", "value", 14),
        Column("link", "链接地址", "text", 40),
    ),
    ProblemRow,
)

FILES = Table(
    "提交情况",
    (
        Column("unit_code", "单位编码", "text", 9),
        Column("unit_name", "单位名称", "text", 22),
        Column("submission", "提交状态", "text", 10),
        Column("source_file", "来源文件", "text", 36),
        Column("file_status", "文件状态", "text", 10),
        Column("modified", "修改时间", "text", 19),
        Column("saved", "保存时间", "text", 19),
        Column("basis", "版本依据", "text", 14),
        Column("sha256", "SHA-256", "text", 20),
        Column("projects", "项目数", "int", 7),
        Column("note", "说明", "text", 50),
        Column("changes", "较新版本的改动", "text", 50),
    ),
    FileRow,
)

# Each superseded version against the next newer one (written when a unit has several).
VERSION_CHANGES = Table(
    "版本变化",
    (
        Column("unit_code", "单位编码", "text", 9),
        Column("unit_name", "单位名称", "text", 18),
        Column("source_file", "被替代的版本", "text", 28),
        Column("newer_file", "较新的版本", "text", 28),
        Column("kind", "变化", "text", 6),
        Column("project_code", "项目编码", "text", 22),
        Column("project_name", "项目名称", "text", 24),
        Column("item", "内容", "text", 14),
        Column("old_value", "原值", "text", 24),
        Column("new_value", "新值", "text", 24),
        Column("old_sheet", "原工作表", "text", 14),
        Column("old_cell", "原单元格", "text", 7),
        Column("new_sheet", "新工作表", "text", 14),
        Column("new_cell", "新单元格", "text", 7),
        Column("text", "说明", "text", 50),
    ),
    VersionChangeRow,
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
# A 绩效运行监控表: a perfxl workbook of another stage, not summed with the targets.
MONITORING_SKIPPED = "监控表（无法汇总）"
# A 绩效自评表: listed, not summed (the county evaluation summary is not built yet).
EVALUATION_SKIPPED = "自评表（无法汇总）"
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def continued(sheet: str, i: int) -> str:
    """The name of the ``i``-th sheet of a table (0: the table's own sheet; then the
    sheets its rows go on in when they pass Excel's rows per sheet, ``校验问题（续1）``,
    ``校验问题（续2）`` …: within Excel's 31 characters for every table)."""
    return sheet if i == 0 else f"{sheet}（续{i}）"


README_SHEET = "说明"
# The 说明 row naming the folder the summary's file names are relative to (read back by
# `summary_input`, which joins them to it again).
README_FOLDER = "来源文件夹"
CHART_SHEET = "图表"
# What the totals over every unit summed are called. A summary cannot know its level: a
# county sums its townships, a city or province the same townships from the counties'
# summaries (multi-level), or a province its townships directly; so never 全县.
ALL_UNITS = "全部单位"
TOTAL_OF = "合计（{n} 个单位）"  # the total row of 乡镇执行 and 乡镇得分
PLAN_PROGRESS = f"{ALL_UNITS}累计计划进度"  # the 图表 sheet's column and the report's line
PROGRESS_CHART_TITLE = f"累计支出计划进度与序时进度（{ALL_UNITS}，%）"
# The marker in 说明!A1 by which a summary is recognised as an input.
SUMMARY_MARKER = "perfxl 预算绩效目标汇总表"

# --- The county monitoring summary (inputs all 绩效运行监控表 of one month) ---------------


class MonitorProjectRow(NamedTuple):
    """A 监控汇总 row (`MONITOR_SUMMARY`): a project, or a unit's 小计.

    The worker extracts the project rows with 执行率 and lights from `perfxl.monitoring`
    (the numbers ``compute`` writes); the subtotals are added by `monitor_combine`.
    """

    row_kind: str
    unit_code: str | None
    unit_name: str | None
    project_code: str | None
    project_name: str | None
    initial: Money
    adjusted: Money
    executed: Money
    rate: float | None
    schedule: float | None
    gap: float | None
    light: str | None
    forecast: Money
    source_file: str | None
    sheet: str | None
    cell: str | None


class MonitorIndicatorRow(NamedTuple):
    """A 需整改 row (`RECTIFY`): a red/yellow project, or an indicator not 确定能."""

    item: str
    unit_code: str | None
    unit_name: str | None
    project_code: str | None
    project_name: str | None
    number: int | None
    indicator: str | None
    rate: float | None
    likelihood: str | None
    light: str | None
    deviation: str | None
    remedy: str | None
    source_file: str | None
    sheet: str | None
    cell: str | None


class MonitorUnitRow(NamedTuple):
    """A 乡镇执行 row (`MONITOR_UNITS`): a unit, or the county total (whose amounts are text
    where no float holds them exactly: `numbers.total_cell`)."""

    row_kind: str
    unit_code: str | None
    unit_name: str | None
    projects: int
    budget: float | str
    executed: float | str
    rate: float | None
    schedule: float | None
    red: int
    yellow: int
    green: int
    indicators_red: int
    indicators_yellow: int
    source_file: str | None


MONITOR_SUMMARY = Table(
    "监控汇总",
    (
        Column("row_kind", "行类型", "text", 6),
        Column("unit_code", "单位编码", "text", 9),
        Column("unit_name", "单位名称", "text", 20),
        Column("project_code", "项目编码", "text", 22),
        Column("project_name", "项目名称", "text", 28),
        Column("initial", "年初预算数", "money", 10),
        Column("adjusted", "调整后预算数", "money", 10),
        Column("executed", "1-X月执行数", "money", 10),
        Column("rate", "执行率（%）", "pct", 9),
        Column("schedule", "序时进度（%）", "pct", 9),
        Column("gap", "差距（百分点）", "pct", 9),
        Column("light", "预警", "text", 6),
        Column("forecast", "全年预计执行数", "money", 10),
        Column("source_file", "来源文件", "text", 28),
        Column("sheet", "工作表", "text", 12),
        Column("cell", "编码单元格", "text", 8),
    ),
    MonitorProjectRow,
)

MONITOR_UNITS = Table(
    "乡镇执行",
    (
        Column("row_kind", "行类型", "text", 6),
        Column("unit_code", "单位编码", "text", 9),
        Column("unit_name", "单位名称", "text", 22),
        Column("projects", "项目数", "int", 7),
        Column("budget", "预算数", "money", 11),
        Column("executed", "执行数", "money", 11),
        Column("rate", "执行率（%）", "pct", 9),
        Column("schedule", "序时进度（%）", "pct", 9),
        Column("red", "红色项目数", "int", 7),
        Column("yellow", "黄色项目数", "int", 7),
        Column("green", "绿色项目数", "int", 7),
        Column("indicators_red", "红色指标数", "int", 7),
        Column("indicators_yellow", "黄色指标数", "int", 7),
        Column("source_file", "来源文件", "text", 30),
    ),
    MonitorUnitRow,
)

RECTIFY = Table(
    "需整改",
    (
        Column("item", "类别", "text", 6),
        Column("unit_code", "单位编码", "text", 9),
        Column("unit_name", "单位名称", "text", 18),
        Column("project_code", "项目编码", "text", 22),
        Column("project_name", "项目名称", "text", 24),
        Column("number", "指标序号", "int", 6),
        Column("indicator", "三级指标", "text", 18),
        Column("rate", "执行率（%）", "pct", 9),
        Column("likelihood", "完成目标可能性", "text", 10),
        Column("light", "预警", "text", 6),
        Column("deviation", "偏差原因分析", "text", 22),
        Column("remedy", "整改措施", "text", 28),
        Column("source_file", "来源文件", "text", 28),
        Column("sheet", "工作表", "text", 12),
        Column("cell", "单元格", "text", 8),
    ),
    MonitorIndicatorRow,
)

ITEM_PROJECT, ITEM_INDICATOR = "项目", "指标"
MONITOR_CHART_SHEET = "执行率图表"
MONITOR_MARKER = "perfxl 绩效运行监控汇总表"
