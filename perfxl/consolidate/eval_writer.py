"""The county self-evaluation summary workbook (xlsxwriter, its rows streamed in:
`perfxl.consolidate.stage_writer`), drawn as the other summaries are.

Sheets: 自评汇总 (a row per project), 乡镇得分 (a row per township and the county's), 低分项目
(the lowest-scoring projects and their rows short of full points, with the reasons), 校验问题,
提交情况, 等级分布 (each township's projects by 自评等级, a native stacked column chart) and
说明 (which names the scoring profile).
"""

from __future__ import annotations

from typing import Any

from perfxl.consolidate import columns as K
from perfxl.consolidate.combine import Consolidation
from perfxl.consolidate.eval_columns import (
    EVAL_CHART_SHEET,
    EVAL_LOWEST,
    EVAL_MARKER,
    EVAL_SUMMARY,
    EVAL_UNITS,
    LEVEL_KEYS,
    LEVEL_NAMES,
    LOWEST,
)
from perfxl.consolidate.stage_writer import write_streamed_stage
from perfxl.consolidate.writer import (
    CHART_TEXT,
    Formats,
    RunInfo,
    place_units_chart,
    stage_lines,
    units_chart_sheet,
)

LEVEL_COLORS = ("#548235", "#5B9BD5", "#FFC000", "#C00000")  # 优, 良, 中, 差


def write_evaluation_summary(c: Consolidation, out: Any, info: RunInfo) -> None:
    """Write the self-evaluation summary to ``out`` (replaced whole).

    Raises:
        WriteError: the file cannot be written (open in Excel/WPS, read-only folder).
    """
    write_streamed_stage(
        c,
        out,
        info,
        title="绩效自评汇总表",
        marker=EVAL_MARKER,
        tables=((EVAL_SUMMARY, c.evaluation), (EVAL_UNITS, c.eval_units), (EVAL_LOWEST, c.lowest)),
        chart=_chart,
        lines=_lines(c, info),
    )


def _chart(wb: Any, c: Consolidation, fmt: Formats) -> None:
    """Each township's projects by 自评等级: a stacked column per township."""
    ws, n = units_chart_sheet(
        wb,
        fmt,
        EVAL_CHART_SHEET,
        ("单位", *LEVEL_NAMES),
        9,
        c.eval_units,
        "int",
        lambda u: [getattr(u, key) for key in LEVEL_KEYS],
    )
    if not n:
        return
    sheet = EVAL_CHART_SHEET
    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    for i, color in enumerate(LEVEL_COLORS, start=1):
        chart.add_series(
            {
                "name": [sheet, 0, i],
                "categories": [sheet, 1, 0, n, 0],
                "values": [sheet, 1, i, n, i],
                "fill": {"color": color},
                "gap": 80,
            }
        )
    y_axis = {"min": 0, "num_font": CHART_TEXT, "major_gridlines": {"visible": True}}
    place_units_chart(ws, chart, n, 6, "各单位项目自评等级分布（个）", y_axis)


def _lines(c: Consolidation, info: RunInfo) -> list[tuple[str, str]]:
    from perfxl.scoring import get_profile

    profile = get_profile(c.profile or "default")
    county = next((u for u in c.eval_units if u.row_kind == K.ROW_TOTAL), None)
    levels = "，".join(f"{name} ≥ {low}" for name, low in profile.levels)
    average = "—" if county is None or county.average is None else f"{county.average:.2f}"
    return stage_lines(
        c,
        info,
        stage=("评分方案", f"{profile.name}（{profile.title}）"),
        figures=[(f"{K.ALL_UNITS}平均总分", average)],
        note="每个项目的执行率、得分、总分和自评等级均由 perfxl 按评分方案重新计算（与 perfxl "
        "compute 写入各单位自评表的数值相同），不采用工作簿中缓存的公式结果。"
        f"自评等级：{levels}，其余为差。乡镇平均总分 = 该单位已评分项目总分的平均值（两位小数，"
        "四舍五入）；总分无法计算的项目（有无法比较的实际完成值）不计入平均，见“校验问题”。"
        f"低分项目：全部单位中总分最低的 {LOWEST} 个项目，及其未得满分的指标和偏差原因分析及改进措施。",
    )
