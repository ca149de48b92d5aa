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
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from perfxl import constants as C
from perfxl import layout as L
from perfxl.carried import CarriedRecord, carried_value, record_of, record_rows
from perfxl.cells import a1, col_letter, parse_a1, parse_range
from perfxl.model import Project, ProjectMonitoring, Targets
from perfxl.monitoring import LIGHT_FILL, LIGHT_TEXT
from perfxl.textfit import row_height
from perfxl.write import sheets as W
from perfxl.write import styles as S
from perfxl.write.fill import project_sheet_name, unit_line

CARRIED_FILL = S.NO_FILL  # the targets: white, locked


def build_monitoring(t: Targets, month: int, *, layout: L.Layout = L.STANDARD) -> Workbook:
    """The monitoring workbook of ``t`` as of the end of ``month``: cover, part one, one
    monitoring sheet per project (what ``t`` already holds of monitoring is kept), and the
    very hidden record of what was carried (`perfxl.carried`), which validate checks the
    carried cells against."""
    wb = Workbook()
    cover = wb.active
    assert cover is not None
    cover.title = C.COVER_SHEET
    overall = wb.create_sheet(C.OVERALL_SHEET)
    W.draw_overall(overall, t.overall, layout=layout)
    lock_all(overall)
    taken = {C.COVER_SHEET, C.OVERALL_SHEET}
    names: list[str] = []
    for i, p in enumerate(t.projects):
        ws = wb.create_sheet(project_sheet_name(i, p.name, taken))
        draw_monitoring(ws, p, unit_line(t), month, layout=layout)
        names.append(ws.title)
    draw_monitoring_cover(cover, t, names, month, layout=layout)
    draw_record(wb.create_sheet(layout.carried_record.sheet), record_of(t, names, layout=layout))
    wb.calculation = CalcProperties(fullCalcOnLoad=True)
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


def lock_all(ws: Worksheet) -> None:
    """Lock every input cell of a carried sheet and take its input shading off."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.protection.locked is False:
                cell.protection = S.LOCKED
                cell.fill = CARRIED_FILL


def _carried(ws: Worksheet, f: L.Field, value: Any) -> None:
    W.merge(ws, f.span)
    W.style_range(
        ws,
        f.span or f.ref,
        font=S.BODY,
        fill=CARRIED_FILL,
        alignment=S.RIGHT if f.kind == "amount" else S.LEFT_TOP if f.kind == "lines" else S.LEFT,
        protection=S.LOCKED,
        number_format=S.AMOUNT_FORMAT if f.kind == "amount" else None,
    )
    W.set_value(ws, f.ref, value)


def _label(ws: Worksheet, lab: L.Label, month: int) -> None:
    W.label(ws, L.Label(lab.ref, L.month_label(lab.text, month), lab.span, lab.required))


def input_value(m: ProjectMonitoring | None, key: str) -> Any:
    """What the monitoring already holds for an input field (None for a new sheet)."""
    if m is None:
        return None
    if "/" in key:
        row, col = key.split("/")
        return getattr(getattr(m, row), col)
    return getattr(m, key)


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
    for i, w in enumerate(form.column_widths, start=1):
        ws.column_dimensions[col_letter(i)].width = w
    W.merge(ws, form.title.span)
    ws[form.title.ref].value = form.title_formula()
    W.style_range(
        ws, form.title.span or form.title.ref, font=S.TITLE, alignment=S.CENTER, border=None
    )
    W.merge(ws, form.unit_line.span)
    W.set_value(ws, form.unit_line.ref, unit)
    W.style_range(
        ws, form.unit_line.span or form.unit_line.ref, font=S.BODY, alignment=S.LEFT, border=None
    )
    for lab in form.labels:
        _label(ws, lab, month)
    W.style_money_unit(ws, form.labels)
    for f in form.carried:
        _carried(ws, f, carried_value(p, f.key))
    for f in form.fields:
        W.input_cell(
            ws,
            f,
            input_value(p.monitoring, f.key),
            align=S.LEFT_TOP if f.key == "progress" else S.LEFT,
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


def _width(form: L.MonitoringForm, span: str | None, ref: str) -> float:
    _, c1, _, c2 = parse_range(span or f"{ref}:{ref}")
    return float(sum(form.column_widths[c1 - 1 : c2]))


def _fit_rows(
    ws: Worksheet, p: Project, unit: str | None, month: int, form: L.MonitoringForm
) -> None:
    """Rows tall enough for their wrapped text (spreadsheet apps do not grow them)."""
    title = f"{p.name}{C.MONITORING_TITLE_SUFFIX}" if p.name else C.MONITORING_TITLE_BLANK
    ws.row_dimensions[parse_a1(form.title.ref)[0]].height = row_height(
        [(title, float(sum(form.column_widths)))], minimum=32, size=S.TITLE.sz or 16
    )
    ws.row_dimensions[form.unit_line.row].height = row_height(
        [(unit, _width(form, form.unit_line.span, form.unit_line.ref))], minimum=15
    )
    rows: dict[int, list[tuple[Any, float]]] = {}
    for f in form.carried:
        rows.setdefault(f.row, []).append((carried_value(p, f.key), _width(form, f.span, f.ref)))
    for f in form.fields:
        rows.setdefault(f.row, []).append(
            (input_value(p.monitoring, f.key), _width(form, f.span, f.ref))
        )
    for lab in form.labels:
        r = parse_a1(lab.ref)[0]
        if r < form.indicator_header_row:
            rows.setdefault(r, []).append(
                (L.month_label(lab.text, month), _width(form, lab.span, lab.ref))
            )
    minimum = {form.field("goals").row: 48.0, form.field("progress").row: 48.0}
    for row, texts in rows.items():
        ws.row_dimensions[row].height = row_height(texts, minimum=minimum.get(row, 20))
    header = [
        (L.month_label(lab.text, month), _width(form, lab.span, lab.ref))
        for lab in form.labels
        if parse_a1(lab.ref)[0] == form.indicator_header_row
    ]
    ws.row_dimensions[form.indicator_header_row].height = row_height(header, minimum=30)


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
                W.style_range(
                    ws,
                    span,
                    font=S.BODY,
                    fill=CARRIED_FILL,
                    protection=S.LOCKED,
                    alignment=S.CENTER if key in ("level1", "level2") else S.LEFT,
                )
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
    W._merge_level1_groups(ws, rows, first, _as_project_layout(form))
    return first + max(1, len(rows)) - 1


def _as_project_layout(form: L.MonitoringForm) -> L.Layout:
    """The standard layout with the monitoring sheet's 一级指标 column (for the merge helper)."""
    col = form.indicator_columns["level1"]
    project = L.STANDARD.project
    if project.indicator_columns["level1"] == col:
        return L.STANDARD
    import dataclasses

    moved = dataclasses.replace(
        project, indicator_columns={**project.indicator_columns, "level1": col}
    )
    return dataclasses.replace(L.STANDARD, project=moved)


def _validations(ws: Worksheet, form: L.MonitoringForm, last: int) -> None:
    first = form.indicator_first_row
    amounts = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="金额",
        error="请填写不小于 0 的数字（万元，最多两位小数）。",
    )
    for f in form.fields:
        if f.kind == "amount":
            amounts.add(f.ref)
    ws.add_data_validation(amounts)
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


def draw_record(ws: Worksheet, record: CarriedRecord, *, layout: L.Layout = L.STANDARD) -> None:
    """The record of what the workbook carried (:class:`perfxl.layout.CarriedRecordForm`),
    on a very hidden sheet (staff do not see it; Excel, WPS and LibreOffice keep it),
    protected like the others."""
    form = layout.carried_record
    W.set_value(ws, form.title.ref, form.title.text)
    project_keys = [f.key for f in layout.monitoring.carried]
    indicator_keys = list(L.MONITORING_CARRIED_INDICATOR_KEYS)
    for key, header in zip(("sheet", "project", "indicator"), C.CARRIED_HEADERS, strict=True):
        ws.cell(row=form.header_row, column=form.columns[key], value=header)
    ws.cell(
        row=form.indicator_keys_row, column=form.columns["indicator"]
    ).value = C.CARRIED_INDICATOR_KEYS_LABEL
    first = form.first_value_column
    for row, keys in ((form.header_row, project_keys), (form.indicator_keys_row, indicator_keys)):
        for c, key in enumerate(keys, start=first):
            ws.cell(row=row, column=c, value=key)
    columns = [form.columns[k] for k in ("sheet", "project", "indicator")]
    rows = record_rows(record, project_keys, indicator_keys)
    for r, values in enumerate(rows, start=form.first_row):
        for c, value in zip(
            [*columns, *range(first, first + len(values) - 3)], values, strict=True
        ):
            if value is not None:
                W.set_value(ws, a1(r, c), value)
    ws.sheet_state = "veryHidden"
    W.protect(ws)


# --- cover ------------------------------------------------------------------------------------
def draw_monitoring_cover(
    ws: Worksheet, t: Targets, sheets: list[str], month: int, *, layout: L.Layout = L.STANDARD
) -> None:
    """The cover: the targets' unit fields (locked), 填报阶段, 监控月份, 序时进度, and a row
    per project linking its 年初预算数, 调整后预算数, 1-X月执行数, 执行率 and light."""
    form, mc, mon = layout.cover, layout.monitoring_cover, layout.monitoring
    widths = [max(a, b) for a, b in zip(mc.widths, (c.width for c in form.columns), strict=False)]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[col_letter(i)].width = w
    width = len(mc.headers)
    title = f"A1:{col_letter(width)}1"
    ws.merge_cells(title)
    year = t.year if t.year is not None else ""
    ws["A1"].value = (
        f"{year}年度{C.MONITORING_COVER_TITLE}" if year != "" else C.MONITORING_COVER_TITLE
    )
    W.style_range(ws, title, font=S.TITLE, alignment=S.CENTER, border=None)
    ws.row_dimensions[1].height = 34
    for lab in (*form.labels, *mc.labels):
        W.label(ws, lab)
    values = W.cover_values(t)
    for f in form.fields:
        _carried(ws, f, values[f.key])
        if f.key == "unit/code":
            W.style_range(ws, f.span or f.ref, number_format=S.TEXT_FORMAT)
    _carried(ws, mc.stage, C.STAGE_MONITORING)
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
    note = f"{a1(form.note_row, 1)}:{a1(form.note_row, width)}"
    ws.merge_cells(note)
    ws[a1(form.note_row, 1)] = C.MONITORING_COVER_NOTE
    W.style_range(ws, note, font=S.SMALL, alignment=S.LEFT, border=None)
    ws.row_dimensions[form.note_row].height = 30
    hr, first = form.header_row, form.first_project_row
    for c, header in enumerate(mc.headers, start=1):
        cell: Any = ws.cell(row=hr, column=c, value=L.month_label(header, month))
        cell.font, cell.fill, cell.alignment, cell.border = (
            S.LABEL,
            S.LABEL_FILL,
            S.CENTER,
            S.BORDER,
        )
    links = (
        None,
        (mon.field("name").ref, True),
        (mon.field("code").ref, True),
        (mon.funds_cell("total", "initial"), False),
        (mon.funds_cell("total", "adjusted"), True),
        (mon.funds_cell("total", "executed"), True),
        (mon.funds_cell("total", "rate"), True),
        (mon.light_cell, True),
    )
    for i, name in enumerate(sheets):
        r = first + i
        q = W.quote_sheet(name)
        for c, link in enumerate(links, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = (
                i + 1 if link is None else L.link_formula(q, link[0], blank_stays_blank=link[1])
            )
            cell.border, cell.font, cell.fill = S.BORDER, S.BODY, S.DERIVED_FILL
            cell.alignment = S.LEFT if c == 2 else S.LEFT_NOWRAP if c == 3 else S.RIGHT
            if 4 <= c <= 6:
                cell.number_format = S.AMOUNT_FORMAT
            elif c == 7:
                cell.number_format = S.PERCENT_FORMAT
            elif c == 8:
                cell.alignment = S.CENTER
        ws.cell(row=r, column=2).hyperlink = L.link_target(q, mon.title.ref)
        ws.cell(row=r, column=2).font = S.LINK
        p = t.projects[i]
        if isinstance(p.name, str):
            ws.row_dimensions[r].height = row_height([(p.name, widths[1])], minimum=15)
    if sheets:
        light = len(links)
        light_colours(ws, f"{a1(first, light)}:{a1(first + len(sheets) - 1, light)}")
    ws.freeze_panes = a1(first, 1)
    W.page_setup(ws, landscape=True)
    W.protect(ws)
