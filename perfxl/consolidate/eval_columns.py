"""The county self-evaluation summary's tables (inputs all 绩效自评表), declared once.

As `columns` declares the targets and monitoring summaries' tables: sheet name, column keys,
Chinese headers and kinds, each row a named tuple whose fields are the column keys. The
writer, the ``--tables`` export and the tests use these declarations.
"""

from __future__ import annotations

from typing import NamedTuple

from perfxl.consolidate.columns import Money, Table, _c

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
    """A 乡镇得分 row (`EVAL_UNITS`): a unit, or the county total."""

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
    budget: float
    executed: float
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
        _c("unit_code", "单位编码", "text", 9),
        _c("unit_name", "单位名称", "text", 20),
        _c("project_code", "项目编码", "text", 22),
        _c("project_name", "项目名称", "text", 28),
        _c("budget", "全年预算数", "money", 10),
        _c("executed", "全年执行数", "money", 10),
        _c("rate", "执行率（%）", "pct", 9),
        _c("funds_score", "预算执行得分", "pct", 9),
        _c("total", "总分", "pct", 8),
        _c("level", "自评等级", "text", 6),
        _c("short", "未得满分指标数", "int", 8),
        _c("source_file", "来源文件", "text", 28),
        _c("sheet", "工作表", "text", 12),
        _c("cell", "编码单元格", "text", 8),
    ),
    EvalProjectRow,
)

EVAL_UNITS = Table(
    "乡镇得分",
    (
        _c("row_kind", "行类型", "text", 6),
        _c("unit_code", "单位编码", "text", 9),
        _c("unit_name", "单位名称", "text", 22),
        _c("projects", "项目数", "int", 7),
        _c("scored", "已评分项目数", "int", 8),
        _c("average", "平均总分", "pct", 9),
        _c("highest", "最高分", "pct", 8),
        _c("lowest", "最低分", "pct", 8),
        *(_c(k, f"{n}（个）", "int", 7) for k, n in zip(LEVEL_KEYS, LEVEL_NAMES, strict=True)),
        _c("budget", "全年预算数", "money", 11),
        _c("executed", "全年执行数", "money", 11),
        _c("rate", "执行率（%）", "pct", 9),
        _c("source_file", "来源文件", "text", 30),
    ),
    EvalUnitRow,
)

EVAL_LOWEST = Table(
    "低分项目",
    (
        _c("item", "类别", "text", 6),
        _c("rank", "名次", "int", 5),
        _c("unit_code", "单位编码", "text", 9),
        _c("unit_name", "单位名称", "text", 18),
        _c("project_code", "项目编码", "text", 22),
        _c("project_name", "项目名称", "text", 24),
        _c("total", "总分", "pct", 8),
        _c("level", "自评等级", "text", 6),
        _c("number", "指标序号", "int", 6),
        _c("indicator", "三级指标", "text", 18),
        _c("target", "年度指标值", "value", 12),
        _c("actual", "实际完成值", "value", 12),
        _c("points", "分值", "pct", 7),
        _c("score", "得分", "pct", 7),
        _c("deviation", "偏差原因分析及改进措施", "text", 36),
        _c("source_file", "来源文件", "text", 28),
        _c("sheet", "工作表", "text", 12),
        _c("cell", "单元格", "text", 8),
    ),
    EvalLowRow,
)
