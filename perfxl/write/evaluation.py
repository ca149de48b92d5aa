"""Draw the self-evaluation workbook (绩效自评) from a targets model, with openpyxl.

Everything carried from the targets (the project, its 年初预算数, 绩效目标 as 预期目标, every
indicator and its 指标值 as 年度指标值, part one) is locked; what happened is typed into the
shaded, unlocked cells. 执行率, every score that a spreadsheet can work out, 总分 and 自评等级
are formulas each spreadsheet app computes itself (Excel, WPS, LibreOffice), by the rules of
`perfxl.scoring` under the profile named on the cover. Hidden helper columns beside the
indicator table hold, per row, what those formulas need and a spreadsheet cannot parse from
the carried text: the first-level group and its weight, the direction and the target's number.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from perfxl import constants as C
from perfxl import layout as L
from perfxl.carried import record_of
from perfxl.cells import a1, col_letter, parse_a1, parse_range
from perfxl.model import (
    EvaluationFundsRow,
    IndicatorResult,
    Project,
    ProjectEvaluation,
    Targets,
)
from perfxl.scoring import (
    DEFAULT,
    GRADE_SHORT,
    GRADES,
    QUALITATIVE,
    WORST_LEVEL,
    Profile,
    formula_target,
    get_profile,
    group_of,
)
from perfxl.textfit import row_height
from perfxl.write import sheets as W
from perfxl.write import styles as S
from perfxl.write.fill import project_sheet_name, unit_line
from perfxl.write.monitoring import CARRIED_FILL, draw_record, lock_all

SCORE_FORMAT = "0.00"


def build_evaluation(t: Targets, profile: Profile, *, layout: L.Layout = L.STANDARD) -> Workbook:
    """The self-evaluation workbook of ``t`` scored by ``profile``: cover, part one, one
    self-evaluation sheet per project (what ``t`` already holds of the evaluation is kept:
    ``Project.evaluation`` None gives the defaults of :func:`default_evaluation`), and the
    very hidden 目标表带入记录 of what was carried (`perfxl.carried`, as in a monitoring
    workbook), which validate checks the carried cells against."""
    wb = Workbook()
    cover = wb.active
    assert cover is not None
    cover.title = C.COVER_SHEET
    overall = wb.create_sheet(C.OVERALL_SHEET)
    W.draw_overall(overall, t.overall, layout=layout)
    lock_all(overall)
    taken = {C.COVER_SHEET, C.OVERALL_SHEET}
    names: list[str] = []
    lasts: list[int] = []
    for i, p in enumerate(t.projects):
        ws = wb.create_sheet(project_sheet_name(i, p.name, taken))
        lasts.append(draw_evaluation(ws, p, t, profile, layout=layout))
        names.append(ws.title)
    draw_evaluation_cover(cover, t, profile, names, lasts, layout=layout)
    draw_record(wb.create_sheet(layout.carried_record.sheet), record_of(t, names, layout=layout))
    wb.calculation = CalcProperties(fullCalcOnLoad=True)
    return wb


def default_evaluation(p: Project, unit_name: Any) -> ProjectEvaluation:
    """A new sheet's typed values: 全年预算数 is the monitoring's 调整后预算数 when the
    project has one, else 年初预算数; 实施单位 is the unit; everything else blank."""
    m = p.monitoring

    def budget(initial: Any, row: str) -> Any:
        adjusted = getattr(getattr(m, row), "adjusted", None) if m is not None else None
        return initial if adjusted in (None, "") else adjusted

    return ProjectEvaluation(
        total=EvaluationFundsRow(p.budget, budget(p.budget, "total")),
        fiscal=EvaluationFundsRow(p.fiscal_funds, budget(p.fiscal_funds, "fiscal")),
        carryover=EvaluationFundsRow(),
        other=EvaluationFundsRow(p.other_funds, budget(p.other_funds, "other")),
        implementer=unit_name if isinstance(unit_name, str) and unit_name.strip() else None,
        indicators=[IndicatorResult() for ind in p.indicators if not ind.is_blank()],
    )


def profile_named(name: str | None) -> Profile:
    """The scoring profile of ``name`` as a cover shows it (``name（title）``, or the bare
    name); None: the default.

    Raises:
        ProfileError: no shipped profile has that name.
    """
    if name is None or not str(name).strip():
        return DEFAULT
    return get_profile(str(name).split("（")[0].strip())


def direction_of(target: Any) -> tuple[str, float | None]:
    """The helper cells of a row: the rule's code (正向/反向/等于/定性; blank when the row
    cannot be scored by a formula: an empty or negative target) and the target's number in
    its own unit (`perfxl.scoring.formula_target`)."""
    rule, number = formula_target(target)
    if rule == QUALITATIVE:
        return rule, None
    if rule is None or number is None:
        return "", None
    return rule, float(number)


PERCENT_ACTUAL_FORMAT = "0.00%"
"""The 实际完成值 of a row whose 年度指标值 is a percentage: what the clerk types as 96% (or
as 96, which Excel and WPS take as 96 % in a percent cell) is stored as 0.96, and the row's
hidden 目标数值 is the target as a fraction too (0.95 for ≥95%), so the formulas compare like
with like; `perfxl.read_evaluation` reads such a number back as the percent it shows."""


def _is_percent(target: Any) -> bool:
    from perfxl.targets import parse_target

    try:
        return parse_target(target).is_percent
    except TypeError:
        return False


def percent_actual(value: Any) -> Any:
    """The cell value of a percent row's 实际完成值: a percent as its fraction (``96%`` or 96
    in the target's unit -> 0.96); other text (a qualitative answer, another unit) as typed."""
    from perfxl.numbers import number
    from perfxl.targets import parse_target

    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return _number(number(value) / 100)  # type: ignore[operator]
    if isinstance(value, str):
        t = parse_target(value)
        if t.kind == "quantitative" and t.comparison == "=" and t.upper is None and t.is_percent:
            assert t.number is not None
            return _number(Decimal(repr(t.number)) / 100)
    return value


GRADE_NAMES: dict[str, tuple[str, ...]] = {
    g: (g, *(short for short, full in GRADE_SHORT.items() if full == g)) for g in GRADES
}
"""What 评价等级 or a 实际完成值 may say to name a grade (`perfxl.scoring.grade_of`)."""


# --- the project sheet -----------------------------------------------------------------------
def carried_value(p: Project, key: str) -> Any:
    """The targets' value behind a carried field of the self-evaluation sheet."""
    initial = {"total/initial": "budget", "fiscal/initial": "fiscal_funds"}
    initial["other/initial"] = "other_funds"
    if key in initial:
        return getattr(p, initial[key])
    if key == "goals":
        return "\n".join(p.goals) if p.goals else None
    return getattr(p, key)


def input_value(e: ProjectEvaluation, key: str) -> Any:
    """What the evaluation holds for an input field."""
    if "/" in key:
        row, col = key.split("/")
        return getattr(getattr(e, row), col)
    return getattr(e, key)


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


def _derived(ws: Worksheet, span: str, value: Any, fmt: str | None, *, formula: bool) -> None:
    W.merge(ws, span)
    W.style_range(
        ws,
        span,
        font=S.BODY,
        fill=S.DERIVED_FILL,
        alignment=S.RIGHT if fmt else S.CENTER,
        protection=S.LOCKED,
        number_format=fmt,
    )
    ref = span.split(":")[0]
    if formula:
        ws[ref].value = "=" + str(value)
    else:
        W.set_value(ws, ref, value)


def draw_evaluation(
    ws: Worksheet,
    p: Project,
    t: Targets,
    profile: Profile,
    *,
    layout: L.Layout = L.STANDARD,
) -> int:
    """Draw one project's self-evaluation sheet (项目支出绩效自评表); returns its last
    indicator row (the 总分 row follows)."""
    form = layout.evaluation
    e = p.evaluation or default_evaluation(p, t.unit.name)
    for i, w in enumerate(form.column_widths, start=1):
        ws.column_dimensions[col_letter(i)].width = w
    W.merge(ws, form.title.span)
    ws[form.title.ref].value = form.title_formula()
    W.style_range(
        ws, form.title.span or form.title.ref, font=S.TITLE, alignment=S.CENTER, border=None
    )
    W.merge(ws, form.unit_line.span)
    W.set_value(ws, form.unit_line.ref, unit_line(t))
    W.style_range(
        ws, form.unit_line.span or form.unit_line.ref, font=S.BODY, alignment=S.LEFT, border=None
    )
    for lab in form.labels:
        W.label(ws, lab)
    W.style_money_unit(ws, form.labels)
    for f in form.carried:
        _carried(ws, f, carried_value(p, f.key))
    for f in form.fields:
        W.input_cell(
            ws,
            f,
            input_value(e, f.key),
            align=S.LEFT_TOP if f.key == "achieved" else S.LEFT,
        )
    for row_key in form.funds_rows:
        _derived(
            ws,
            form.funds_cell(row_key, "rate"),
            form.rate_formula(row_key),
            S.PERCENT_FORMAT,
            formula=True,
        )
        if row_key == "total":
            points = _number(profile.funds_points)  # the profile's, never typed
            _derived(ws, form.funds_cell(row_key, "points"), points, SCORE_FORMAT, formula=False)
            _derived(
                ws,
                form.funds_cell(row_key, "score"),
                form.funds_score_formula(),
                SCORE_FORMAT,
                formula=True,
            )
        else:
            for key in ("points", "score"):
                _derived(ws, form.funds_cell(row_key, key), C.NOT_SCORED, None, formula=False)
    for r in form.funds_rows.values():  # the column beside the 得分 column: part of the box
        W.style_range(ws, a1(r, form.width), fill=S.DERIVED_FILL, protection=S.LOCKED)
    W.style_range(
        ws,
        a1(parse_a1(form.funds_cell("total", "rate"))[0] - 1, form.width),
        fill=S.LABEL_FILL,
        protection=S.LOCKED,
    )
    _fit_rows(ws, p, t, e, form)
    last = _indicators(ws, p, e, profile, form)
    _total_row(ws, e, profile, form, last)
    _validations(ws, form, p, last)
    for c in form.helper_columns.values():
        ws.column_dimensions[col_letter(c)].hidden = True
    ws.freeze_panes = None
    W.page_setup(ws, landscape=True)
    ws.print_area = f"{a1(1, 1)}:{a1(form.total_row(last), form.width)}"
    W.protect(ws)
    return last


def _number(v: Any) -> Any:
    """A Decimal from the profile as a plain number for the cell."""
    from decimal import Decimal

    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral() else float(v)
    return v


def _width(form: L.EvaluationForm, span: str | None, ref: str) -> float:
    _, c1, _, c2 = parse_range(span or f"{ref}:{ref}")
    return float(sum(form.column_widths[c1 - 1 : c2]))


def _fit_rows(
    ws: Worksheet, p: Project, t: Targets, e: ProjectEvaluation, form: L.EvaluationForm
) -> None:
    """Rows tall enough for their wrapped text (spreadsheet apps do not grow them)."""
    title = f"{p.name}{C.EVALUATION_TITLE_SUFFIX}" if p.name else C.EVALUATION_TITLE_BLANK
    ws.row_dimensions[parse_a1(form.title.ref)[0]].height = row_height(
        [(title, float(sum(form.column_widths)))], minimum=32, size=S.TITLE.sz or 16
    )
    ws.row_dimensions[form.unit_line.row].height = row_height(
        [(unit_line(t), _width(form, form.unit_line.span, form.unit_line.ref))], minimum=15
    )
    rows: dict[int, list[tuple[Any, float]]] = {}
    for f in form.carried:
        rows.setdefault(f.row, []).append((carried_value(p, f.key), _width(form, f.span, f.ref)))
    for f in form.fields:
        rows.setdefault(f.row, []).append((input_value(e, f.key), _width(form, f.span, f.ref)))
    for lab in form.labels:
        r = parse_a1(lab.ref)[0]
        r2 = parse_range(lab.span)[2] if lab.span else r
        if r < form.indicator_header_row and r2 == r:
            rows.setdefault(r, []).append((lab.text, _width(form, lab.span, lab.ref)))
    minimum = {form.field("goals").row: 60.0}
    for row, texts in rows.items():
        ws.row_dimensions[row].height = row_height(texts, minimum=minimum.get(row, 20))
    header = [
        (lab.text, _width(form, lab.span, lab.ref))
        for lab in form.labels
        if parse_a1(lab.ref)[0] == form.indicator_header_row
    ]
    ws.row_dimensions[form.indicator_header_row].height = row_height(header, minimum=30)


def _indicators(
    ws: Worksheet, p: Project, e: ProjectEvaluation, profile: Profile, form: L.EvaluationForm
) -> int:
    """The indicator rows, one per indicator of the targets, and their helper cells; returns
    the last row."""
    first = form.indicator_first_row
    rows = [ind for ind in p.indicators if not ind.is_blank()]
    last = first + max(1, len(rows)) - 1
    lowest = {g: _number(low) for g, (low, _) in profile.bands.items()}
    for c, header in zip(form.helper_columns.values(), C.EVALUATION_HELPER_HEADERS, strict=True):
        ws.cell(row=form.indicator_header_row, column=c, value=header)
    for i in range(max(1, len(rows))):
        r = first + i
        ind = rows[i] if i < len(rows) else None
        res = e.indicators[i] if i < len(e.indicators) else IndicatorResult()
        direction, number = direction_of(ind.target) if ind else ("", None)
        qualitative = direction == QUALITATIVE
        percent = bool(ind and direction and not qualitative and _is_percent(ind.target))
        if percent and number is not None:
            number = number / 100  # the cell holds the fraction Excel stores for 96%
        texts: list[tuple[Any, float]] = []
        for key, (c0, c1) in form.indicator_columns.items():
            span = form.indicator_span(r, key)
            W.merge(ws, span if c1 > c0 else None)
            width = float(sum(form.column_widths[c0 - 1 : c1]))
            value: Any = (
                getattr(ind, key)
                if ind and key in L.EVALUATION_CARRIED_INDICATOR_KEYS
                else getattr(res, key, None)
            )
            if key in L.EVALUATION_CARRIED_INDICATOR_KEYS:
                W.style_range(
                    ws,
                    span,
                    font=S.BODY,
                    fill=CARRIED_FILL,
                    protection=S.LOCKED,
                    alignment=S.CENTER if key in ("level1", "level2") else S.LEFT,
                )
                W.set_value(ws, a1(r, c0), value)
            elif key == "points":
                _input(ws, span, SCORE_FORMAT)
                if value is None:
                    ws[a1(r, c0)].value = "=" + form.points_formula(r)
                else:
                    W.set_value(ws, a1(r, c0), value)
            elif key == "score" and not qualitative:
                _derived(
                    ws, span, form.score_formula(r, profile.reverse), SCORE_FORMAT, formula=True
                )
                value = None
            elif key == "grade" and not qualitative:
                _derived(ws, span, None, None, formula=False)
                value = None
            elif key == "actual" and percent:
                _input(ws, span, PERCENT_ACTUAL_FORMAT)
                value = percent_actual(value)
                W.set_value(ws, a1(r, c0), value)
            else:
                _input(ws, span, SCORE_FORMAT if key == "score" else None)
                if key in ("grade",):
                    ws[a1(r, c0)].alignment = S.CENTER
                W.set_value(ws, a1(r, c0), value)
            if key != "level1":
                texts.append((value, width))
        group = group_of(ind.level1, profile) if ind else None
        helpers: dict[str, Any] = {
            "group": group,
            "weight": _number(profile.weights.get(group, 0)) if group else None,
            "direction": direction,
            "target": number,
        }
        for key, value in helpers.items():
            W.set_value(ws, form.indicator_cell(r, key), value)
        ws[form.indicator_cell(r, "split")].value = "=" + form.split_formula(r, first, last)
        ws[form.indicator_cell(r, "number")].value = "=" + form.actual_formula(r)
        ws[form.indicator_cell(r, "counted")].value = "=" + form.counted_formula(
            r, lowest, GRADE_NAMES
        )
        for c in form.helper_columns.values():
            ws.cell(row=r, column=c).protection = S.LOCKED
        ws.row_dimensions[r].height = row_height(texts, minimum=28)
    W._merge_level1_groups(ws, rows, first, _as_project_layout(form))
    return last


def _input(ws: Worksheet, span: str, fmt: str | None) -> None:
    W.merge(ws, span)
    W.style_range(
        ws,
        span,
        font=S.BODY,
        fill=S.INPUT_FILL,
        protection=S.UNLOCKED,
        alignment=S.RIGHT if fmt else S.LEFT,
        number_format=fmt,
    )


def _as_project_layout(form: L.EvaluationForm) -> L.Layout:
    """The standard layout with this sheet's 一级指标 column (for the merge helper)."""
    import dataclasses

    col = form.indicator_columns["level1"]
    project = L.STANDARD.project
    if project.indicator_columns["level1"] == col:
        return L.STANDARD
    moved = dataclasses.replace(
        project, indicator_columns={**project.indicator_columns, "level1": col}
    )
    return dataclasses.replace(L.STANDARD, project=moved)


def _total_row(
    ws: Worksheet, e: ProjectEvaluation, profile: Profile, form: L.EvaluationForm, last: int
) -> None:
    """The 总分 row: the points (100 by the profile), 总分 and 自评等级."""
    first = form.indicator_first_row
    W.label(
        ws, L.Label(form.total_cell(last, "label"), C.L_TOTAL_SCORE, form.total_span(last, "label"))
    )
    W.label(ws, L.Label(form.total_cell(last, "level_label"), C.L_LEVEL))
    _derived(
        ws,
        form.total_span(last, "points"),
        form.points_total_formula(first, last),
        SCORE_FORMAT,
        formula=True,
    )
    _derived(
        ws,
        form.total_span(last, "score"),
        form.total_formula(first, last),
        SCORE_FORMAT,
        formula=True,
    )
    levels = tuple((name, _number(low)) for name, low in profile.levels)
    _derived(
        ws,
        form.total_span(last, "level"),
        form.level_formula(last, levels, WORST_LEVEL),
        None,
        formula=True,
    )
    ws[form.total_cell(last, "level")].font = S.LABEL
    ws.row_dimensions[form.total_row(last)].height = 24


def _validations(ws: Worksheet, form: L.EvaluationForm, p: Project, last: int) -> None:
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
    points = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=C.L_POINTS,
        error="分值、得分请填写不小于 0 的数字。",
    )
    points.add(f"{form.indicator_cell(first, 'points')}:{form.indicator_cell(last, 'points')}")
    grades = DataValidation(
        type="list",
        formula1='"' + ",".join(GRADES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=C.L_GRADE,
        error="请从下拉列表中选择：" + "、".join(GRADES) + "。",
    )
    rows = [ind for ind in p.indicators if not ind.is_blank()]
    for i in range(max(1, len(rows))):
        r = first + i
        if i < len(rows) and direction_of(rows[i].target)[0] == QUALITATIVE:
            grades.add(form.indicator_cell(r, "grade"))
            points.add(form.indicator_cell(r, "score"))
    ws.add_data_validation(points)
    ws.add_data_validation(grades)


# --- cover ------------------------------------------------------------------------------------
def draw_evaluation_cover(
    ws: Worksheet,
    t: Targets,
    profile: Profile,
    sheets: list[str],
    lasts: list[int],
    *,
    layout: L.Layout = L.STANDARD,
) -> None:
    """The cover: the targets' unit fields (locked), 填报阶段, 评分方案, and a row per project
    linking its 全年预算数, 全年执行数, 执行率, 总分 and 自评等级."""
    form, ec, ev = layout.cover, layout.evaluation_cover, layout.evaluation
    widths = [max(a, b) for a, b in zip(ec.widths, (c.width for c in form.columns), strict=False)]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[col_letter(i)].width = w
    width = len(ec.headers)
    title = f"{a1(1, 1)}:{a1(1, width)}"
    ws.merge_cells(title)
    year = t.year if t.year is not None else ""
    ws[a1(1, 1)].value = (
        f"{year}年度{C.EVALUATION_COVER_TITLE}" if year != "" else C.EVALUATION_COVER_TITLE
    )
    W.style_range(ws, title, font=S.TITLE, alignment=S.CENTER, border=None)
    ws.row_dimensions[1].height = 34
    for lab in (*form.labels, *ec.labels):
        W.label(ws, lab)
    values = W.cover_values(t)
    for f in form.fields:
        _carried(ws, f, values[f.key])
        if f.key == "unit/code":
            W.style_range(ws, f.span or f.ref, number_format=S.TEXT_FORMAT)
    _carried(ws, ec.stage, C.STAGE_EVALUATION)
    _carried(ws, ec.profile, f"{profile.name}（{profile.title}）")
    note = f"{a1(form.note_row, 1)}:{a1(form.note_row, width)}"
    ws.merge_cells(note)
    ws[a1(form.note_row, 1)] = C.EVALUATION_COVER_NOTE
    W.style_range(ws, note, font=S.SMALL, alignment=S.LEFT, border=None)
    ws.row_dimensions[form.note_row].height = 30
    hr, first = form.header_row, form.first_project_row
    for c, header in enumerate(ec.headers, start=1):
        cell: Any = ws.cell(row=hr, column=c, value=header)
        cell.font, cell.fill, cell.alignment, cell.border = (
            S.LABEL,
            S.LABEL_FILL,
            S.CENTER,
            S.BORDER,
        )
    for i, name in enumerate(sheets):
        r = first + i
        q = W.quote_sheet(name)
        links = (
            None,
            (ev.field("name").ref, True, None),
            (ev.field("code").ref, True, None),
            (ev.funds_cell("total", "budget"), True, S.AMOUNT_FORMAT),
            (ev.funds_cell("total", "executed"), True, S.AMOUNT_FORMAT),
            (ev.funds_cell("total", "rate"), True, S.PERCENT_FORMAT),
            (ev.total_cell(lasts[i], "score"), True, SCORE_FORMAT),
            (ev.total_cell(lasts[i], "level"), True, None),
        )
        for c, link in enumerate(links, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = (
                i + 1 if link is None else L.link_formula(q, link[0], blank_stays_blank=link[1])
            )
            cell.border, cell.font, cell.fill = S.BORDER, S.BODY, S.DERIVED_FILL
            cell.alignment = S.LEFT if c == 2 else S.LEFT_NOWRAP if c == 3 else S.RIGHT
            if link is not None and link[2] is not None:
                cell.number_format = link[2]
            if c == len(links):
                cell.alignment = S.CENTER
        ws.cell(row=r, column=2).hyperlink = L.link_target(q, ev.title.ref)
        ws.cell(row=r, column=2).font = S.LINK
        for c in (7, 8):  # 总分 and 等级 link to the 总分 row
            ws.cell(row=r, column=c).hyperlink = L.link_target(q, ev.total_cell(lasts[i], "label"))
        p = t.projects[i]
        if isinstance(p.name, str):
            ws.row_dimensions[r].height = row_height([(p.name, widths[1])], minimum=15)
    ws.freeze_panes = a1(first, 1)
    W.page_setup(ws, landscape=True)
    W.protect(ws)
