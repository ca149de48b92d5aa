"""Draw the monitoring workbook (绩效运行监控) from a targets model, with openpyxl.

Everything carried from the targets (the project, its 年初预算数, 绩效目标, every indicator
and its 指标值 as 年度指标值, part one) is locked; what happened is typed into the shaded,
unlocked cells. 执行率 is a formula each spreadsheet app computes itself.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from perfxl import constants as C
from perfxl import layout as L
from perfxl.carried import carried_value
from perfxl.cells import a1
from perfxl.model import Project, Targets
from perfxl.monitoring import LIGHT_FILL, LIGHT_TEXT
from perfxl.textfit import row_height
from perfxl.write import sheets as W
from perfxl.write import stage_sheets as X
from perfxl.write import styles as S
from perfxl.write.fill import unit_line


def build_monitoring(t: Targets, month: int, *, layout: L.Layout = L.STANDARD) -> Workbook:
    """The monitoring workbook of ``t`` as of the end of ``month``: cover, part one, one
    monitoring sheet per project (what ``t`` already holds of monitoring is kept), and the
    very hidden record of what was carried (`perfxl.carried`), which validate checks the
    carried cells against."""

    def draw(ws: Worksheet, p: Project) -> None:
        draw_monitoring(ws, p, unit_line(t), month, layout=layout)

    wb, cover, names, _ = X.stage_workbook(t, draw, layout=layout)
    draw_monitoring_cover(cover, t, names, month, layout=layout)
    return wb


def light_colours(ws: Worksheet, ranges: str) -> None:
    """Conditional formatting of light cells: the text 绿 / 黄 / 红 gets its fill
    (``perfxl.monitoring.LIGHT_FILL``), so the colour follows the text in Excel, WPS and
    LibreOffice whoever writes it (``perfxl compute`` writes text only)."""
    for light, text in LIGHT_TEXT.items():
        colour = LIGHT_FILL[light]
        fill = PatternFill(fill_type="solid", start_color=colour, end_color=colour)
        ws.conditional_formatting.add(
            ranges, CellIsRule(operator="equal", formula=[f'"{text}"'], fill=fill)
        )


def draw_monitoring(
    ws: Worksheet,
    p: Project,
    unit: str | None,
    month: int,
    *,
    layout: L.Layout = L.STANDARD,
) -> None:
    """Draw one project's monitoring sheet (项目支出绩效目标执行监控表)."""
    form = layout.monitoring
    X.draw_head(
        ws,
        form,
        unit,
        [
            L.Label(lab.ref, L.month_label(lab.text, month), lab.span, lab.required)
            for lab in form.labels
        ],
        lambda key: carried_value(p, key),
        lambda key: X.typed_value(p.monitoring, key),
        "progress",
    )
    for row_key in form.funds_rows:
        ref = form.funds_cell(row_key, "rate")
        ws[ref].value = "=" + form.rate_formula(row_key)
        W.style_range(
            ws,
            ref,
            font=S.BODY,
            fill=S.DERIVED_FILL,
            alignment=S.RIGHT,
            protection=S.LOCKED,
            number_format=S.PERCENT_FORMAT,
        )
    W.style_range(
        ws,
        form.light_cell,
        font=S.LABEL,
        fill=S.DERIVED_FILL,
        alignment=S.CENTER,
        protection=S.LOCKED,
    )
    for r in form.funds_rows.values():  # the light column beside 其中 rows: part of the box
        if a1(r, form.width) != form.light_cell:
            W.style_range(ws, a1(r, form.width), fill=S.DERIVED_FILL, protection=S.LOCKED)
    _fit_rows(ws, p, unit, month, form)
    last = _indicators(ws, p, form)
    _validations(ws, form, last)
    light = form.indicator_columns["light"][0]
    light_colours(ws, f"{form.light_cell} {a1(form.indicator_first_row, light)}:{a1(last, light)}")
    ws.freeze_panes = None
    W.page_setup(ws, landscape=True)
    ws.print_area = f"{a1(1, 1)}:{a1(last, form.width)}"
    W.protect(ws)


def _fit_rows(
    ws: Worksheet, p: Project, unit: str | None, month: int, form: L.MonitoringForm
) -> None:
    """Rows tall enough for their wrapped text (spreadsheet apps do not grow them)."""
    X.fit_rows(
        ws,
        form,
        title=f"{p.name}{C.MONITORING_TITLE_SUFFIX}" if p.name else C.MONITORING_TITLE_BLANK,
        unit=unit,
        carried=lambda key: carried_value(p, key),
        typed=lambda key: X.typed_value(p.monitoring, key),
        label_text=lambda text: L.month_label(text, month),
        minimum={form.field("goals").row: 48.0, form.field("progress").row: 48.0},
        one_row_labels=False,
    )


def _indicators(ws: Worksheet, p: Project, form: L.MonitoringForm) -> int:
    """The indicator rows, one per indicator of the targets; returns the last row."""
    first = form.indicator_first_row
    rows = [ind for ind in p.indicators if not ind.is_blank()]
    progress = p.monitoring.indicators if p.monitoring is not None else []
    for i in range(max(1, len(rows))):
        r = first + i
        ind = rows[i] if i < len(rows) else None
        prog = progress[i] if i < len(progress) else None
        texts: list[tuple[Any, float]] = []
        for key, (c0, c1) in form.indicator_columns.items():
            span = form.indicator_span(r, key)
            W.merge(ws, span if c1 > c0 else None)
            width = float(sum(form.column_widths[c0 - 1 : c1]))
            if key in L.MONITORING_CARRIED_INDICATOR_KEYS:
                value = getattr(ind, key) if ind else None
                X.carried_indicator(ws, span, key)
            elif key == "light":
                value = None
                W.style_range(
                    ws,
                    span,
                    font=S.LABEL,
                    fill=S.DERIVED_FILL,
                    alignment=S.CENTER,
                    protection=S.LOCKED,
                )
            else:
                value = getattr(prog, key) if prog else None
                W.style_range(
                    ws,
                    span,
                    font=S.BODY,
                    fill=S.INPUT_FILL,
                    protection=S.UNLOCKED,
                    alignment=S.CENTER if key == "likelihood" else S.LEFT,
                )
            W.set_value(ws, a1(r, c0), value)
            if key != "level1":
                texts.append((value, width))
        ws.row_dimensions[r].height = row_height(texts, minimum=28)
    W.merge_level1_groups(ws, rows, first, X.level1_layout(form))
    return first + max(1, len(rows)) - 1


def _validations(ws: Worksheet, form: L.MonitoringForm, last: int) -> None:
    first = form.indicator_first_row
    W.amount_validation(ws, form.fields)
    for key, choices, strict in (
        ("likelihood", C.LIKELIHOODS, True),
        ("deviation", C.DEVIATIONS, False),  # a reason may be explained in words
    ):
        col = form.indicator_columns[key][0]
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(choices) + '"',
            allow_blank=True,
            showErrorMessage=strict,
            errorTitle=C.L_LIKELIHOOD if strict else None,
            error=("请从下拉列表中选择：" + "、".join(choices) + "。") if strict else None,
        )
        dv.add(f"{a1(first, col)}:{a1(last, col)}")
        ws.add_data_validation(dv)


# --- cover ------------------------------------------------------------------------------------
def draw_monitoring_cover(
    ws: Worksheet, t: Targets, sheets: list[str], month: int, *, layout: L.Layout = L.STANDARD
) -> None:
    """The cover: the targets' unit fields (locked), 填报阶段, 监控月份, 序时进度, and a row
    per project linking its 年初预算数, 调整后预算数, 1-X月执行数, 执行率 and light."""
    form, mc, mon = layout.cover, layout.monitoring_cover, layout.monitoring
    widths = X.cover_top(ws, t, mc, C.MONITORING_COVER_TITLE, layout=layout)
    X.carried_cell(ws, mc.stage, C.STAGE_MONITORING)
    W.input_cell(ws, mc.month, month)
    months = DataValidation(
        type="whole",
        operator="between",
        formula1="1",
        formula2="12",
        showErrorMessage=True,
        errorTitle=C.L_MONTH,
        error="监控月份为 1 到 12 的整数（7 即截至 7月底）。",
    )
    months.add(mc.month.ref)
    ws.add_data_validation(months)
    ws[mc.time_share.ref].value = "=" + mc.time_share_formula()
    W.style_range(
        ws,
        mc.time_share.ref,
        font=S.BODY,
        fill=S.DERIVED_FILL,
        alignment=S.RIGHT,
        protection=S.LOCKED,
        number_format=S.PERCENT_FORMAT,
    )
    X.cover_table_head(
        ws, C.MONITORING_COVER_NOTE, [L.month_label(h, month) for h in mc.headers], layout=layout
    )
    first = form.first_project_row
    links: tuple[X.Link, ...] = (
        None,
        (mon.field("name").ref, True, None),
        (mon.field("code").ref, True, None),
        (mon.funds_cell("total", "initial"), False, S.AMOUNT_FORMAT),
        (mon.funds_cell("total", "adjusted"), True, S.AMOUNT_FORMAT),
        (mon.funds_cell("total", "executed"), True, S.AMOUNT_FORMAT),
        (mon.funds_cell("total", "rate"), True, S.PERCENT_FORMAT),
        (mon.light_cell, True, None),
    )
    for i, name in enumerate(sheets):
        q = W.quote_sheet(name)
        X.cover_row(ws, first + i, i + 1, q, links, mon.title.ref, t.projects[i], widths[1])
    if sheets:
        light = len(links)
        light_colours(ws, f"{a1(first, light)}:{a1(first + len(sheets) - 1, light)}")
    ws.freeze_panes = a1(first, 1)
    W.page_setup(ws, landscape=True)
    W.protect(ws)
