"""Draw the standard sheets with openpyxl, from the layout declaration."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from perfxl import constants as C
from perfxl import framework as F
from perfxl import layout as L
from perfxl import xstring
from perfxl.cells import a1, col_letter, parse_a1, parse_range
from perfxl.model import INDICATOR_KEYS, Area, Measure, Overall, Project, Targets
from perfxl.textfit import row_height
from perfxl.write import styles as S


def set_value(ws: Worksheet, ref: str, value: Any) -> Cell:
    """Write a value as data: a string starting with '=' stays a string, never a formula.

    Control characters that XML cannot hold are written in the OOXML escape form ``_xHHHH_``
    (what Excel itself writes), so nothing typed is dropped.
    """
    cell = ws[ref]
    if isinstance(value, str):
        value = xstring.escape(value)
        cell.value = value
        if value.startswith("="):
            cell.data_type = "s"
    else:
        cell.value = value
    return cell


def style_range(
    ws: Worksheet,
    span: str,
    *,
    font: Any = None,
    fill: Any = None,
    alignment: Any = None,
    border: Any = S.BORDER,
    protection: Any = None,
    number_format: str | None = None,
) -> None:
    """Style every cell of a range (borders of merged cells must be on each cell)."""
    r1, c1, r2, c2 = parse_range(span)
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            cell = ws.cell(row=r, column=c)
            if font is not None:
                cell.font = font
            if fill is not None:
                cell.fill = fill
            if alignment is not None:
                cell.alignment = alignment
            if border is not None:
                cell.border = border
            if protection is not None:
                cell.protection = protection
            if number_format is not None:
                cell.number_format = number_format


def merge(ws: Worksheet, span: str | None) -> None:
    """Merge a range unless it is a single cell or already merged."""
    if span and ":" in span and span not in {str(m) for m in ws.merged_cells.ranges}:
        ws.merge_cells(span)


def label(ws: Worksheet, lab: L.Label) -> None:
    """A locked, shaded label cell."""
    span = lab.span or lab.ref
    merge(ws, lab.span)
    style_range(ws, span, font=S.LABEL, fill=S.LABEL_FILL, alignment=S.CENTER, protection=S.LOCKED)
    set_value(ws, lab.ref, lab.text)


def input_cell(ws: Worksheet, f: L.Field, value: Any, *, align: Any = S.LEFT) -> None:
    """An unlocked, lightly shaded input cell holding ``value``."""
    span = f.span or f.ref
    merge(ws, f.span)
    fmt = (
        S.AMOUNT_FORMAT
        if f.kind == "amount"
        else (S.TEXT_FORMAT if f.key.endswith("code") else None)
    )
    style_range(
        ws,
        span,
        font=S.BODY,
        fill=S.INPUT_FILL,
        alignment=S.RIGHT if f.kind == "amount" else align,
        protection=S.UNLOCKED,
        number_format=fmt,
    )
    set_value(ws, f.ref, value)


def protect(ws: Worksheet) -> None:
    """Sheet protection without a password: labels are locked, staff can still unprotect."""
    p = ws.protection
    p.sheet = True
    p.formatColumns = False
    p.formatRows = False
    p.insertRows = False
    p.deleteRows = False
    p.autoFilter = False
    p.sort = False


def page_setup(ws: Worksheet, *, landscape: bool = False) -> None:
    """A4, one page wide, centred."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6


# --- project sheet --------------------------------------------------------------------------
def project_value(p: Project, key: str) -> Any:
    """The model value behind a layout field key of a project."""
    if key.startswith("plan/"):
        return getattr(p.plan, key.split("/")[1])
    if key == "goals":
        return "\n".join(p.goals) if p.goals else None
    return getattr(p, key)


def style_money_unit(ws: Worksheet, labels: Iterable[L.Label]) -> None:
    """The 单位：万元 label above a project table: plain, right-aligned, no border or fill."""
    money = next(lab for lab in labels if lab.text == C.MONEY_UNIT_LABEL)
    style_range(
        ws,
        money.span or money.ref,
        font=S.BODY,
        fill=S.NO_FILL,
        alignment=S.RIGHT,
        border=S.NO_BORDER,
    )


def amount_validation(ws: Worksheet, fields: Iterable[L.Field]) -> None:
    """The check on the amount fields of a project sheet: a number not below 0."""
    dv = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="金额",
        error="请填写不小于 0 的数字（万元，最多两位小数）。",
    )
    for f in fields:
        if f.kind == "amount":
            dv.add(f.ref)
    ws.add_data_validation(dv)


def draw_project(
    ws: Worksheet,
    p: Project,
    unit_line: str | None,
    framework: str,
    *,
    min_rows: int = 0,
    layout: L.Layout = L.STANDARD,
) -> None:
    """Draw one project table with its values (a blank Project draws the empty form)."""
    form = layout.project
    for i, w in enumerate(form.column_widths, start=1):
        ws.column_dimensions[col_letter(i)].width = w
    merge(ws, form.title.span)
    ws[form.title.ref].value = form.title_formula()
    style_range(
        ws, form.title.span or form.title.ref, font=S.TITLE, alignment=S.CENTER, border=None
    )
    unit = form.unit_line
    merge(ws, unit.span)
    set_value(ws, unit.ref, unit_line)
    style_range(ws, unit.span or unit.ref, font=S.BODY, alignment=S.LEFT, border=None)
    for lab in form.labels:
        label(ws, lab)
    style_money_unit(ws, form.labels)
    for f in form.fields:
        input_cell(
            ws, f, project_value(p, f.key), align=S.LEFT_TOP if f.kind == "lines" else S.LEFT
        )
    for pct_ref, formula in form.percent_formulas():
        ws[pct_ref].value = "=" + formula
        style_range(
            ws,
            pct_ref,
            font=S.BODY,
            fill=S.DERIVED_FILL,
            alignment=S.RIGHT,
            protection=S.LOCKED,
            number_format=S.PERCENT_FORMAT,
        )
    _fit_rows(ws, p, unit_line, form)
    ws.row_dimensions[form.indicator_header_row].height = 30
    write_indicators(
        ws, p, framework, min_rows=max(min_rows, form.indicator_min_rows), layout=layout
    )
    amount_validation(ws, form.fields)
    ws.freeze_panes = None
    ws.print_title_rows = None
    page_setup(ws)
    ws.print_area = f"{a1(1, 1)}:{a1(indicator_last_row(ws, layout), form.width)}"
    protect(ws)


def _span_width(widths: tuple[float, ...], span: str | None, ref: str) -> float:
    """The width (characters) of a cell or merged range, from the sheet's column widths."""
    _, c1, _, c2 = parse_range(span or f"{ref}:{ref}")
    return float(sum(widths[c1 - 1 : c2]))


def _fit_rows(ws: Worksheet, p: Project, unit_line: str | None, form: L.ProjectForm) -> None:
    """Rows tall enough for their wrapped text, so a long name never prints over its neighbours.

    Only the rows above the indicator table; the indicator rows are sized in
    :func:`write_indicators`.
    """
    title_text = f"{p.name}{C.PROJECT_TITLE_SUFFIX}" if p.name else C.PROJECT_TITLE_BLANK
    widths = form.column_widths
    ws.row_dimensions[parse_a1(form.title.ref)[0]].height = row_height(
        [(title_text, float(sum(widths)))], minimum=32, size=S.TITLE.sz or 16
    )
    unit = form.unit_line
    ws.row_dimensions[unit.row].height = row_height(
        [(unit_line, _span_width(widths, unit.span, unit.ref))], minimum=15
    )
    minimum = {form.field(key).row: height for key, height in form.row_minimums.items()}
    rows: dict[int, list[tuple[Any, float]]] = {}
    for f in form.fields:
        texts = rows.setdefault(f.row, [])
        texts.append((project_value(p, f.key), _span_width(widths, f.span, f.ref)))
    for row, texts in rows.items():
        if any(isinstance(t, str) for t, _ in texts) or row in minimum:
            ws.row_dimensions[row].height = row_height(texts, minimum=minimum.get(row, 15))


def indicator_last_row(ws: Worksheet, layout: L.Layout = L.STANDARD) -> int:
    """The last row of the indicator table drawn on a sheet."""
    form = layout.project
    return max(ws.max_row, form.indicator_first_row + form.indicator_min_rows - 1)


def write_indicators(
    ws: Worksheet, p: Project, framework: str, *, min_rows: int, layout: L.Layout = L.STANDARD
) -> None:
    """Draw the indicator rows (at least ``min_rows``), merging 一级指标 per group."""
    form = layout.project
    first = form.indicator_first_row
    rows = [ind for ind in p.indicators if not ind.is_blank()]
    n = max(min_rows, len(rows))
    for i in range(n):
        r = first + i
        ind = rows[i] if i < len(rows) else None
        for key, (c0, c1) in form.indicator_columns.items():
            span = form.indicator_span(r, key)
            merge(ws, span if c1 > c0 else None)
            style_range(
                ws,
                span,
                font=S.BODY,
                fill=S.INPUT_FILL,
                alignment=S.CENTER if key in ("level1", "level2") else S.LEFT,
                protection=S.UNLOCKED,
            )
            set_value(ws, a1(r, c0), getattr(ind, key) if ind else None)
        texts = [
            (getattr(ind, key) if ind else None, float(sum(form.column_widths[c0 - 1 : c1])))
            for key, (c0, c1) in form.indicator_columns.items()
            if key != "level1"  # merged down its group; short names
        ]
        ws.row_dimensions[r].height = row_height(texts, minimum=28)
    merge_level1_groups(ws, rows, first, layout)
    if framework in F.FRAMEWORKS:
        last = first + n - 1
        for key, names in (
            ("level1", F.level1_names(framework)),
            ("level2", F.level2_names(framework)),
        ):
            col = form.indicator_columns[key][0]
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(names) + '"',
                allow_blank=True,
                showErrorMessage=False,  # staff may type a name not yet in the list; 校验 reports it
            )
            dv.add(f"{a1(first, col)}:{a1(last, col)}")
            ws.add_data_validation(dv)


def merge_level1_groups(
    ws: Worksheet, rows: list[Any], first: int, layout: L.Layout = L.STANDARD
) -> None:
    """Merge runs of equal 一级指标 (the published tables write it once per group).

    A row whose other fields are all empty is never merged into a group: its 一级指标 is then
    its only content and must stay its own.
    """
    col = layout.project.indicator_columns["level1"][0]
    start = 0
    while start < len(rows):
        end = start
        l1 = rows[start].level1
        while (
            l1 not in (None, "")
            and end + 1 < len(rows)
            and rows[end + 1].level1 == l1
            and not _only_level1(rows[end + 1])
        ):
            end += 1
        if end > start:
            ws.merge_cells(f"{a1(first + start, col)}:{a1(first + end, col)}")
        start = end + 1


def _only_level1(ind: Any) -> bool:
    return all(getattr(ind, k) in (None, "") for k in INDICATOR_KEYS if k != "level1")


# --- cover sheet ----------------------------------------------------------------------------
def cover_values(t: Targets) -> dict[str, Any]:
    """The model value behind each cover field key, for the targets and the monitoring cover."""
    return {
        "unit/code": t.unit.code,
        "unit/name": t.unit.name,
        "year": t.year,
        "money_unit": t.money_unit,
        "framework": t.framework,
        "schema_version": t.schema_version,
    }


def draw_cover(
    ws: Worksheet, t: Targets, project_sheets: list[str], *, layout: L.Layout = L.STANDARD
) -> None:
    """The cover: unit, year, money unit, framework, and a linked row per project."""
    form = layout.cover
    for i, col in enumerate(form.columns, start=1):
        ws.column_dimensions[col_letter(i)].width = col.width
    merge(ws, form.title.span)
    year = t.year if t.year is not None else ""
    ws[form.title.ref].value = f"{year}年度{C.COVER_TITLE}" if year != "" else C.COVER_TITLE
    style_range(
        ws, form.title.span or form.title.ref, font=S.TITLE, alignment=S.CENTER, border=None
    )
    ws.row_dimensions[parse_a1(form.title.ref)[0]].height = 34
    for lab in form.labels:
        label(ws, lab)
    values = cover_values(t)
    for f in form.fields:
        input_cell(ws, f, values[f.key])
    fw = DataValidation(type="list", formula1='"' + ",".join(F.FRAMEWORKS) + '"', allow_blank=False)
    fw.add(form.field("framework").ref)
    yr = DataValidation(type="whole", operator="between", formula1="2000", formula2="2100")
    yr.add(form.field("year").ref)
    ws.add_data_validation(fw)
    ws.add_data_validation(yr)
    # schema_version is perfxl's, not the clerk's.
    style_range(ws, form.field("schema_version").ref, fill=S.DERIVED_FILL, protection=S.LOCKED)
    note_row = form.note_row
    note = f"{a1(note_row, 1)}:{a1(note_row, form.width)}"
    ws.merge_cells(note)
    ws[a1(note_row, 1)] = C.COVER_NOTE
    style_range(ws, note, font=S.SMALL, alignment=S.LEFT, border=None)
    ws.row_dimensions[note_row].height = 30
    write_cover_rows(ws, project_sheets, layout=layout)
    name_width = form.columns[form.column("name") - 1].width
    for i, proj in enumerate(t.projects[: len(project_sheets)]):
        if isinstance(proj.name, str):  # the name wraps in its cell: a long one is not clipped
            ws.row_dimensions[form.first_project_row + i].height = row_height(
                [(proj.name, name_width)], minimum=15
            )
    page_setup(ws, landscape=True)
    protect(ws)


def write_cover_rows(
    ws: Worksheet, project_sheets: list[str], *, layout: L.Layout = L.STANDARD
) -> None:
    """The project list of the cover: formulas into each project sheet, and a total row."""
    form, project = layout.cover, layout.project
    hr = form.header_row
    for c, column in enumerate(form.columns, start=1):
        cell: Any = ws.cell(row=hr, column=c, value=column.header)
        cell.font, cell.fill, cell.alignment, cell.border = (
            S.LABEL,
            S.LABEL_FILL,
            S.CENTER,
            S.BORDER,
        )
    name_col, code_col = form.column("name"), form.column("code")
    progress_col = form.column("progress")
    first = form.first_project_row
    for i, name in enumerate(project_sheets):
        r = first + i
        q = quote_sheet(name)
        for c, column in enumerate(form.columns, start=1):
            if column.kind == "index":
                ws.cell(row=r, column=c, value=i + 1)
            elif column.kind in ("text", "amount"):
                # A blank name or code shows blank; a blank amount shows 0.00 like the total.
                ref = project.field(column.key).ref
                link = L.link_formula(q, ref, blank_stays_blank=column.kind == "text")
                ws.cell(row=r, column=c, value=link)
        ws.cell(row=r, column=progress_col, value="=" + form.progress_formula(r))
        ws.cell(row=r, column=name_col).hyperlink = L.link_target(q, project.title.ref)
        for c, column in enumerate(form.columns, start=1):
            cell = ws.cell(row=r, column=c)
            cell.border, cell.font = S.BORDER, S.LINK if c == name_col else S.BODY
            cell.alignment = (
                S.LEFT if c == name_col else S.LEFT_NOWRAP if c == code_col else S.RIGHT
            )
            cell.fill = S.DERIVED_FILL
            if column.kind == "amount":
                cell.number_format = S.AMOUNT_FORMAT
        ws.cell(row=r, column=progress_col).number_format = S.PERCENT_FORMAT
    tr = first + len(project_sheets)
    ws.cell(row=tr, column=form.total_column, value=C.COVER_TOTAL)
    last = tr - 1
    for c, column in enumerate(form.columns, start=1):
        if column.kind == "amount":
            ws.cell(row=tr, column=c, value=L.sum_formula(c, first, last) if last >= first else 0)
    ws.cell(row=tr, column=progress_col, value="=" + form.progress_formula(tr))
    for c, column in enumerate(form.columns, start=1):
        cell = ws.cell(row=tr, column=c)
        cell.border, cell.font, cell.fill = S.BORDER, S.LABEL, S.LABEL_FILL
        cell.number_format = S.PERCENT_FORMAT if column.kind == "percent" else S.AMOUNT_FORMAT
    ws.freeze_panes = a1(first, 1)


def quote_sheet(name: str) -> str:
    """A sheet name as written in a formula."""
    return "'" + name.replace("'", "''") + "'"


# --- overall sheet --------------------------------------------------------------------------
def draw_overall(ws: Worksheet, o: Overall, *, layout: L.Layout = L.STANDARD) -> None:
    """Part one: the summary, the areas table and the measures table."""
    form = layout.overall
    for i, w in enumerate(form.column_widths, start=1):
        ws.column_dimensions[col_letter(i)].width = w
    merge(ws, form.title.span)
    ws[form.title.ref] = form.title.text
    style_range(
        ws, form.title.span or form.title.ref, font=S.TITLE, alignment=S.CENTER, border=None
    )
    ws.row_dimensions[parse_a1(form.title.ref)[0]].height = 34
    label(ws, form.summary_label)
    input_cell(ws, form.summary, o.summary, align=S.LEFT_TOP)
    ws.row_dimensions[form.summary.row].height = row_height([(o.summary, sum(form.column_widths))])
    r = form.areas_section_row
    r = _records_table(
        ws, form, r, C.L_AREAS_SECTION, C.AREA_HEADERS, form.area_columns, o.areas, 45
    )
    _records_table(
        ws,
        form,
        form.next_section_row(r),
        C.L_MEASURES_SECTION,
        C.MEASURE_HEADERS,
        form.measure_columns,
        o.measures,
        30,
    )
    page_setup(ws, landscape=True)
    protect(ws)


def _records_table(
    ws: Worksheet,
    form: L.OverallForm,
    row: int,
    section: str,
    headers: tuple[str, ...],
    columns: L.Columns,
    records: list[Area] | list[Measure],
    height: int,
) -> int:
    """A section title, a header row and one row per record; returns the last row used."""
    num_col = form.number_column
    label(ws, L.Label(a1(row, num_col), section, f"{a1(row, num_col)}:{a1(row, form.width)}"))
    hdr = form.header_row(row)
    starts = [num_col, *[c0 for c0, _ in columns.values()]]
    ends = [num_col, *[c1 for _, c1 in columns.values()]]
    for text, c0, c1 in zip(headers, starts, ends, strict=True):
        label(ws, L.Label(a1(hdr, c0), text, f"{a1(hdr, c0)}:{a1(hdr, c1)}" if c1 > c0 else None))
    n = max(len(records), form.min_rows)
    for i in range(n):
        r = form.first_record_row(row) + i
        rec = records[i] if i < len(records) else None
        num: Any = ws.cell(row=r, column=num_col, value=i + 1)
        num.font, num.alignment, num.border = S.BODY, S.CENTER, S.BORDER
        for key, (c0, c1) in columns.items():
            f = L.Field(key, a1(r, c0), "text", f"{a1(r, c0)}:{a1(r, c1)}" if c1 > c0 else None)
            input_cell(ws, f, getattr(rec, key) if rec else None, align=S.LEFT_TOP)
        texts = [
            (getattr(rec, k) if rec else None, sum(form.column_widths[c0 - 1 : c1]))
            for k, (c0, c1) in columns.items()
        ]
        ws.row_dimensions[r].height = row_height(texts, minimum=height)
    return form.first_record_row(row) + n - 1
