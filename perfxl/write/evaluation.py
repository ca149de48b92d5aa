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
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from perfxl import constants as C
from perfxl import layout as L
from perfxl.cells import a1, col_letter, parse_a1
from perfxl.model import (
    EvaluationFundsRow,
    IndicatorResult,
    Project,
    ProjectEvaluation,
    Targets,
)
from perfxl.scoring import (
    DEFAULT,
    GRADE_NAMES,
    GRADES,
    QUALITATIVE,
    WORST_LEVEL,
    Profile,
    formula_target,
    get_profile,
    group_of,
    lowest_shares,
)
from perfxl.textfit import row_height
from perfxl.write import sheets as W
from perfxl.write import stage_sheets as X
from perfxl.write import styles as S
from perfxl.write.fill import unit_line

SCORE_FORMAT = "0.00"


def build_evaluation(t: Targets, profile: Profile, *, layout: L.Layout = L.STANDARD) -> Workbook:
    """The self-evaluation workbook of ``t`` scored by ``profile``: cover, part one, one
    self-evaluation sheet per project (what ``t`` already holds of the evaluation is kept:
    ``Project.evaluation`` None gives the defaults of :func:`default_evaluation`), and the
    very hidden 目标表带入记录 of what was carried (`perfxl.carried`, as in a monitoring
    workbook), which validate checks the carried cells against."""

    def draw(ws: Worksheet, p: Project) -> int:
        return draw_evaluation(ws, p, t, profile, layout=layout)

    wb, cover, names, lasts = X.stage_workbook(t, draw, layout=layout)
    draw_evaluation_cover(cover, t, profile, names, lasts, layout=layout)
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
    X.draw_head(
        ws,
        form,
        unit_line(t),
        form.labels,
        lambda key: carried_value(p, key),
        lambda key: X.typed_value(e, key),
        "achieved",
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


def _fit_rows(
    ws: Worksheet, p: Project, t: Targets, e: ProjectEvaluation, form: L.EvaluationForm
) -> None:
    """Rows tall enough for their wrapped text (spreadsheet apps do not grow them)."""
    X.fit_rows(
        ws,
        form,
        title=f"{p.name}{C.EVALUATION_TITLE_SUFFIX}" if p.name else C.EVALUATION_TITLE_BLANK,
        unit=unit_line(t),
        carried=lambda key: carried_value(p, key),
        typed=lambda key: X.typed_value(e, key),
        label_text=lambda text: text,
        minimum={form.field("goals").row: 60.0},
        one_row_labels=True,
    )


def _indicators(
    ws: Worksheet, p: Project, e: ProjectEvaluation, profile: Profile, form: L.EvaluationForm
) -> int:
    """The indicator rows, one per indicator of the targets, and their helper cells; returns
    the last row."""
    first = form.indicator_first_row
    rows = [ind for ind in p.indicators if not ind.is_blank()]
    last = first + max(1, len(rows)) - 1
    lowest = lowest_shares(profile)
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
                X.carried_indicator(ws, span, key)
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
    W.merge_level1_groups(ws, rows, first, X.level1_layout(form))
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
    W.amount_validation(ws, form.fields)
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
    widths = X.cover_top(ws, t, ec, C.EVALUATION_COVER_TITLE, layout=layout)
    X.carried_cell(ws, ec.stage, C.STAGE_EVALUATION)
    X.carried_cell(ws, ec.profile, f"{profile.name}（{profile.title}）")
    X.cover_table_head(ws, C.EVALUATION_COVER_NOTE, ec.headers, layout=layout)
    first = form.first_project_row
    for i, name in enumerate(sheets):
        r = first + i
        q = W.quote_sheet(name)
        links: tuple[X.Link, ...] = (
            None,
            (ev.field("name").ref, True, None),
            (ev.field("code").ref, True, None),
            (ev.funds_cell("total", "budget"), True, S.AMOUNT_FORMAT),
            (ev.funds_cell("total", "executed"), True, S.AMOUNT_FORMAT),
            (ev.funds_cell("total", "rate"), True, S.PERCENT_FORMAT),
            (ev.total_cell(lasts[i], "score"), True, SCORE_FORMAT),
            (ev.total_cell(lasts[i], "level"), True, None),
        )
        X.cover_row(ws, r, i + 1, q, links, ev.title.ref, t.projects[i], widths[1])
        for c in (7, 8):  # 总分 and 等级 link to the 总分 row
            ws.cell(row=r, column=c).hyperlink = L.link_target(q, ev.total_cell(lasts[i], "label"))
    ws.freeze_panes = a1(first, 1)
    W.page_setup(ws, landscape=True)
    W.protect(ws)
