"""The county self-evaluation summary's tables (inputs all 绩效自评表), declared once.

As `columns` declares the targets and monitoring summaries' tables: sheet name, column keys,
Chinese headers and kinds, each row a named tuple whose fields are the column keys. The
writer, the ``--tables`` export and the tests use these declarations.
"""

from __future__ import annotations

from typing import NamedTuple

from perfxl.consolidate.columns import Column, Money, Table

# 自评等级 columns, best first: the profile's levels in order, then the worst (差).
LEVEL_KEYS: tuple[str, ...] = ("excellent", "good", "fair", "poor")
LEVEL_NAMES: tuple[str, ...] = ("优", "良", "中", "差")
LOWEST = 10  # the lowest-scoring projects listed with their reasons
EVAL_MARKER = "perfxl 绩效自评汇总表"
EVAL_CHART_SHEET = "等级分布"


class EvalProjectRow(NamedTuple):
    """A 自评汇总 row (`EVAL_SUMMARY`): one project's scores, as `perfxl.evaluation` gives them."""

    unit_code: str | None
    unit_name: str | None
    project_code: str | None
    project_name: str | None
    budget: Money
    executed: Money
    rate: float | None
    funds_score: float | None
    total: float | None
    level: str | None
    short: int
    source_file: str | None
    sheet: str | None
    cell: str | None


class EvalUnitRow(NamedTuple):
    """A 乡镇得分 row (`EVAL_UNITS`): a unit, or the county total (whose amounts are text
    where no float holds them exactly: `numbers.total_cell`)."""

    row_kind: str
    unit_code: str | None
    unit_name: str | None
    projects: int
    scored: int
    average: float | None
    highest: float | None
    lowest: float | None
    excellent: int
    good: int
    fair: int
    poor: int
    budget: float | str
    executed: float | str
    rate: float | None
    source_file: str | None


class EvalLowRow(NamedTuple):
    """A 低分项目 row (`EVAL_LOWEST`): a low-scoring project, or one of its rows short of
    full points with its 偏差原因分析及改进措施."""

    item: str
    rank: int | None
    unit_code: str | None
    unit_name: str | None
    project_code: str | None
    project_name: str | None
    total: float | None
    level: str | None
    number: int | None
    indicator: str | None
    target: Money
    actual: Money
    points: float | None
    score: float | None
    deviation: str | None
    source_file: str | None
    sheet: str | None
    cell: str | None


EVAL_SUMMARY = Table(
    "自评汇总",
    (
        Column("unit_code", "单位编码", "text", 9),
        Column("unit_name", "单位名称", "text", 20),
        Column("project_code", "项目编码", "text", 22),
        Column("project_name", "项目名称", "text", 28),
        Column("budget", "全年预算数", "money", 10),
        Column("executed", "全年执行数", "money", 10),
        Column("rate", "执行率（%）", "pct", 9),
        Column("funds_score", "预算执行得分", "pct", 9),
        Column("total", "总分", "pct", 8),
        Column("level", "自评等级", "text", 6),
        Column("short", "未得满分指标数", "int", 8),
        Column("source_file", "来源文件", "text", 28),
        Column("sheet", "工作表", "text", 12),
        Column("cell", "编码单元格", "text", 8),
    ),
    EvalProjectRow,
)

EVAL_UNITS = Table(
    "乡镇得分",
    (
        Column("row_kind", "行类型", "text", 6),
        Column("unit_code", "单位编码", "text", 9),
        Column("unit_name", "单位名称", "text", 22),
        Column("projects", "项目数", "int", 7),
        Column("scored", "已评分项目数", "int", 8),
        Column("average", "平均总分", "pct", 9),
        Column("highest", "最高分", "pct", 8),
        Column("lowest", "最低分", "pct", 8),
        *(Column(k, f"{n}（个）", "int", 7) for k, n in zip(LEVEL_KEYS, LEVEL_NAMES, strict=True)),
        Column("budget", "全年预算数", "money", 11),
        Column("executed", "全年执行数", "money", 11),
        Column("rate", "执行率（%）", "pct", 9),
        Column("source_file", "来源文件", "text", 30),
    ),
    EvalUnitRow,
)

EVAL_LOWEST = Table(
    "低分项目",
    (
        Column("item", "类别", "text", 6),
        Column("rank", "名次", "int", 5),
        Column("unit_code", "单位编码", "text", 9),
        Column("unit_name", "单位名称", "text", 18),
        Column("project_code", "项目编码", "text", 22),
        Column("project_name", "项目名称", "text", 24),
        Column("total", "总分", "pct", 8),
        Column("level", "自评等级", "text", 6),
        Column("number", "指标序号", "int", 6),
        Column("indicator", "三级指标", "text", 18),
        Column("target", "年度指标值", "value", 12),
        Column("actual", "实际完成值", "value", 12),
        Column("points", "分值", "pct", 7),
        Column("score", "得分", "pct", 7),
        Column("deviation", "偏差原因分析及改进措施", "text", 36),
        Column("source_file", "来源文件", "text", 28),
        Column("sheet", "工作表", "text", 12),
        Column("cell", "单元格", "text", 8),
    ),
    EvalLowRow,
)
