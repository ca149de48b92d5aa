"""The county monitoring summary workbook (xlsxwriter, its rows streamed in:
`perfxl.consolidate.stage_writer`), drawn as the targets summary is.

Sheets: 监控汇总, 乡镇执行, 需整改, 校验问题, 提交情况, a native chart of each unit's 执行率
against 序时进度, and 说明. The 预警 cells carry the light's text and its fill.
"""

from __future__ import annotations

from typing import Any

from perfxl import monitoring as M
from perfxl.consolidate import columns as K
from perfxl.consolidate.combine import Consolidation
from perfxl.consolidate.stage_writer import CellStyles, write_streamed_stage
from perfxl.consolidate.writer import (
    CHART_TEXT,
    Formats,
    RunInfo,
    place_units_chart,
    stage_lines,
    units_chart_sheet,
)

# The 预警 cells: the light's text on its fill.
_LIGHTS = {
    text: {
        "border": 1,
        "border_color": "#BFBFBF",
        "bg_color": f"#{M.LIGHT_FILL[light]}",
        "align": "center",
    }
    for light, text in M.LIGHT_TEXT.items()
}


def write_monitoring_summary(c: Consolidation, out: Any, info: RunInfo) -> None:
    """Write the monitoring summary to ``out`` (replaced whole).

    Raises:
        WriteError: the file cannot be written (open in Excel/WPS, read-only folder).
    """
    write_streamed_stage(
        c,
        out,
        info,
        title="绩效运行监控汇总表",
        marker=K.MONITOR_MARKER,
        tables=(
            (K.MONITOR_SUMMARY, c.monitor),
            (K.MONITOR_UNITS, c.monitor_units),
            (K.RECTIFY, c.rectify),
        ),
        chart=_chart,
        lines=_lines(c, info),
        cells=CellStyles("light", _LIGHTS),
    )


def _chart(wb: Any, c: Consolidation, fmt: Formats) -> None:
    """Each unit's 执行率 (columns) with the 序时进度 line."""
    heads = ("单位", "执行率（%）", "序时进度（%）")
    ws, n = units_chart_sheet(
        wb,
        fmt,
        K.MONITOR_CHART_SHEET,
        heads,
        14,
        c.monitor_units,
        "pct",
        lambda u: (u.rate or 0, u.schedule or 0),
    )
    if not n:
        return
    sheet = K.MONITOR_CHART_SHEET
    bars = wb.add_chart({"type": "column"})
    bars.add_series(
        {
            "name": [sheet, 0, 1],
            "categories": [sheet, 1, 0, n, 0],
            "values": [sheet, 1, 1, n, 1],
            "fill": {"color": "#5B9BD5"},
            "data_labels": {"value": True, "font": CHART_TEXT},
        }
    )
    line = wb.add_chart({"type": "line"})
    line.add_series(
        {
            "name": [sheet, 0, 2],
            "categories": [sheet, 1, 0, n, 0],
            "values": [sheet, 1, 2, n, 2],
            "line": {"color": "#C00000", "dash_type": "dash"},
            "marker": {"type": "none"},
        }
    )
    bars.combine(line)
    month = f"1-{c.month}月" if c.month else ""
    title = f"各单位{month}执行率与序时进度（%）"
    place_units_chart(ws, bars, n, 4, title, {"min": 0, "max": 100, "num_font": CHART_TEXT})


def _lines(c: Consolidation, info: RunInfo) -> list[tuple[str, str]]:
    return stage_lines(
        c,
        info,
        stage=("监控月份", f"{c.month}月" if c.month else "未填写"),
        figures=(),
        note="执行率 = 1-X月执行数 ÷ 调整后预算数（未填写时为年初预算数）× 100，与 perfxl compute "
        "写入各单位监控表的数值相同；序时进度 = X ÷ 12 × 100；预警按执行率与序时进度的差距"
        "判定绿/黄/红。需整改：红、黄项目及完成目标可能性不是“确定能”的指标。",
    )
