"""Draw the standard sheets with openpyxl, from the layout declaration."""

from __future__ import annotations

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
from perfxl.model import Area, Measure, Overall, Project, Targets
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
PROJECT_COL_WIDTHS = (14, 17, 16, 13, 13, 14, 16)


def project_value(p: Project, key: str) -> Any:
    """The model value behind a layout field key of a project."""
    if key.startswith("plan/"):
        return getattr(p.plan, key.split("/")[1])
    if key == "goals":
        return "\n".join(p.goals) if p.goals else None
    return getattr(p, key)


def draw_project(
    ws: Worksheet, p: Project, unit_line: str | None, framework: str, *, min_rows: int = 0
) -> None:
    """Draw one project table with its values (a blank Project draws the empty form)."""
    for i, w in enumerate(PROJECT_COL_WIDTHS, start=1):
        ws.column_dimensions[col_letter(i)].width = w
    merge(ws, L.PROJECT_TITLE.span)
    title = ws[L.PROJECT_TITLE.ref]
    name_ref = next(f.ref for f in L.PROJECT_FIELDS if f.key == "name")
    title.value = (
        f'=IF({name_ref}="","{C.PROJECT_TITLE_BLANK}",{name_ref}&"{C.PROJECT_TITLE_SUFFIX}")'
    )
    style_range(ws, L.PROJECT_TITLE.span or "A1", font=S.TITLE, alignment=S.CENTER, border=None)
    merge(ws, L.PROJECT_UNIT_LINE.span)
    set_value(ws, L.PROJECT_UNIT_LINE.ref, unit_line)
    style_range(ws, L.PROJECT_UNIT_LINE.span or "A2", font=S.BODY, alignment=S.LEFT, border=None)
    for lab in L.PROJECT_LABELS:
        label(ws, lab)
    money = next(lab for lab in L.PROJECT_LABELS if lab.text == C.MONEY_UNIT_LABEL)
    style_range(
        ws,
        money.span or money.ref,
        font=S.BODY,
        fill=S.NO_FILL,
        alignment=S.RIGHT,
        border=S.NO_BORDER,
    )
    for f in L.PROJECT_FIELDS:
        input_cell(
            ws, f, project_value(p, f.key), align=S.LEFT_TOP if f.kind == "lines" else S.LEFT
        )
    budget = L.PROJECT_BUDGET_CELL.replace("C", "$C").replace("4", "$4")
    plan_refs = [f.ref for f in L.PROJECT_FIELDS if f.key.startswith("plan/")]
    for amount_ref, pct_ref in zip(plan_refs, L.PROJECT_PERCENT_CELLS, strict=True):
        cell = ws[pct_ref]
        cell.value = f'=IF(N({budget})=0,"",ROUND(N({amount_ref})/{budget},4))'
        style_range(
            ws,
            pct_ref,
            font=S.BODY,
            fill=S.DERIVED_FILL,
            alignment=S.RIGHT,
            protection=S.LOCKED,
            number_format=S.PERCENT_FORMAT,
        )
    _fit_rows(ws, p, unit_line)
    ws.row_dimensions[L.INDICATOR_HEADER_ROW].height = 30
    write_indicators(ws, p, framework, min_rows=max(min_rows, L.INDICATOR_MIN_ROWS))
    amount_cells = [f.ref for f in L.PROJECT_FIELDS if f.kind == "amount"]
    dv = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="金额",
        error="请填写不小于 0 的数字（万元，最多两位小数）。",
    )
    for ref in amount_cells:
        dv.add(ref)
    ws.add_data_validation(dv)
    ws.freeze_panes = None
    ws.print_title_rows = None
    page_setup(ws)
    ws.print_area = f"A1:G{indicator_last_row(ws)}"
    protect(ws)


def _span_width(span: str | None, ref: str) -> float:
    """The width (characters) of a cell or merged range of the project table."""
    _, c1, _, c2 = parse_range(span or f"{ref}:{ref}")
    return float(sum(PROJECT_COL_WIDTHS[c1 - 1 : c2]))


def _fit_rows(ws: Worksheet, p: Project, unit_line: str | None) -> None:
    """Rows tall enough for their wrapped text, so a long name never prints over its neighbours.

    Only the rows above the indicator table; the indicator rows are sized in
    :func:`write_indicators`.
    """
    title_text = f"{p.name}{C.PROJECT_TITLE_SUFFIX}" if p.name else C.PROJECT_TITLE_BLANK
    title_width = float(sum(PROJECT_COL_WIDTHS))
    ws.row_dimensions[1].height = row_height(
        [(title_text, title_width)], minimum=32, size=S.TITLE.sz or 16
    )
    unit = L.PROJECT_UNIT_LINE
    ws.row_dimensions[2].height = row_height(
        [(unit_line, _span_width(unit.span, unit.ref))], minimum=15
    )
    minimum = {5: 30.0, 9: 66.0}
    rows: dict[int, list[tuple[Any, float]]] = {}
    for f in L.PROJECT_FIELDS:
        row = parse_a1(f.ref)[0]
        rows.setdefault(row, []).append((project_value(p, f.key), _span_width(f.span, f.ref)))
    for row, texts in rows.items():
        if any(isinstance(t, str) for t, _ in texts) or row in minimum:
            ws.row_dimensions[row].height = row_height(texts, minimum=minimum.get(row, 15))


def indicator_last_row(ws: Worksheet) -> int:
    """The last row of the indicator table drawn on a sheet."""
    return max(ws.max_row, L.INDICATOR_FIRST_ROW + L.INDICATOR_MIN_ROWS - 1)


def write_indicators(ws: Worksheet, p: Project, framework: str, *, min_rows: int) -> None:
    """Draw the indicator rows (at least ``min_rows``), merging 一级指标 per group."""
    first = L.INDICATOR_FIRST_ROW
    rows = [ind for ind in p.indicators if not ind.is_blank()]
    n = max(min_rows, len(rows))
    for i in range(n):
        r = first + i
        ind = rows[i] if i < len(rows) else None
        for key, (c0, c1) in L.INDICATOR_COLUMNS.items():
            span = f"{a1(r, c0)}:{a1(r, c1)}" if c1 > c0 else a1(r, c0)
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
            (getattr(ind, key) if ind else None, float(sum(PROJECT_COL_WIDTHS[c0 - 1 : c1])))
            for key, (c0, c1) in L.INDICATOR_COLUMNS.items()
            if key != "level1"  # merged down its group; short names
        ]
        ws.row_dimensions[r].height = row_height(texts, minimum=28)
    _merge_level1_groups(ws, rows, first)
    if framework in F.FRAMEWORKS:
        last = first + n - 1
        for col, names in (
            ("A", F.level1_names(framework)),
            ("B", F.level2_names(framework)),
        ):
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(names) + '"',
                allow_blank=True,
                showErrorMessage=False,  # staff may type a name not yet in the list; 校验 reports it
            )
            dv.add(f"{col}{first}:{col}{last}")
            ws.add_data_validation(dv)


def _merge_level1_groups(ws: Worksheet, rows: list[Any], first: int) -> None:
    """Merge runs of equal 一级指标 (the published tables write it once per group).

    A row whose other fields are all empty is never merged into a group: its 一级指标 is then
    its only content and must stay its own.
    """
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
            ws.merge_cells(f"A{first + start}:A{first + end}")
        start = end + 1


def _only_level1(ind: Any) -> bool:
    return all(getattr(ind, k) in (None, "") for k in L.INDICATOR_COLUMNS if k != "level1")


# --- cover sheet ----------------------------------------------------------------------------
def draw_cover(ws: Worksheet, t: Targets, project_sheets: list[str]) -> None:
    """The cover: unit, year, money unit, framework, and a linked row per project."""
    widths = (12, 44, 24, 12, 12, 12, 11, 11, 11, 11, 14)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[col_letter(i)].width = w
    merge(ws, L.COVER_TITLE.span)
    year = t.year if t.year is not None else ""
    ws["A1"].value = f"{year}年度{C.COVER_TITLE}" if year != "" else C.COVER_TITLE
    style_range(ws, L.COVER_TITLE.span or "A1", font=S.TITLE, alignment=S.CENTER, border=None)
    ws.row_dimensions[1].height = 34
    for lab in L.COVER_LABELS:
        label(ws, lab)
    values = {
        "unit/code": t.unit.code,
        "unit/name": t.unit.name,
        "year": t.year,
        "money_unit": t.money_unit,
        "framework": t.framework,
        "schema_version": t.schema_version,
    }
    for f in L.COVER_FIELDS:
        input_cell(ws, f, values[f.key])
    fw = DataValidation(type="list", formula1='"' + ",".join(F.FRAMEWORKS) + '"', allow_blank=False)
    fw.add(next(f.ref for f in L.COVER_FIELDS if f.key == "framework"))
    yr = DataValidation(type="whole", operator="between", formula1="2000", formula2="2100")
    yr.add(next(f.ref for f in L.COVER_FIELDS if f.key == "year"))
    ws.add_data_validation(fw)
    ws.add_data_validation(yr)
    # schema_version is perfxl's, not the clerk's.
    sv = next(f for f in L.COVER_FIELDS if f.key == "schema_version")
    style_range(ws, sv.ref, fill=S.DERIVED_FILL, protection=S.LOCKED)
    note = f"A{L.COVER_NOTE_ROW}:K{L.COVER_NOTE_ROW}"
    ws.merge_cells(note)
    ws[f"A{L.COVER_NOTE_ROW}"] = C.COVER_NOTE
    style_range(ws, note, font=S.SMALL, alignment=S.LEFT, border=None)
    ws.row_dimensions[L.COVER_NOTE_ROW].height = 30
    write_cover_rows(ws, project_sheets)
    for i, proj in enumerate(t.projects[: len(project_sheets)]):
        if isinstance(proj.name, str):  # the name wraps in its cell: a long one is not clipped
            ws.row_dimensions[L.COVER_FIRST_PROJECT_ROW + i].height = row_height(
                [(proj.name, widths[1])], minimum=15
            )
    page_setup(ws, landscape=True)
    protect(ws)


def write_cover_rows(ws: Worksheet, project_sheets: list[str]) -> None:
    """The project list of the cover: formulas into each project sheet, and a total row."""
    hr = L.COVER_HEADER_ROW
    for c, text in enumerate(C.COVER_HEADERS, start=1):
        cell: Any = ws.cell(row=hr, column=c, value=text)
        cell.font, cell.fill, cell.alignment, cell.border = (
            S.LABEL,
            S.LABEL_FILL,
            S.CENTER,
            S.BORDER,
        )
    fields = {f.key: f.ref for f in L.PROJECT_FIELDS}
    refs = [
        "name",
        "code",
        "budget",
        "fiscal_funds",
        "other_funds",
        "plan/mar",
        "plan/jun",
        "plan/oct",
        "plan/dec",
    ]
    first = L.COVER_FIRST_PROJECT_ROW
    for i, name in enumerate(project_sheets):
        r = first + i
        q = quote_sheet(name)
        ws.cell(row=r, column=1, value=i + 1)
        for j, key in enumerate(refs, start=2):
            target = f"{q}!{fields[key]}"
            # A blank name or code shows blank; a blank amount shows 0.00 like the total.
            ref = cover_reference(q, fields[key]) if key in ("name", "code") else f"={target}"
            ws.cell(row=r, column=j, value=ref)
        ws.cell(row=r, column=11, value=f'=IF(N(D{r})=0,"",ROUND(N(J{r})/D{r},4))')
        ws.cell(row=r, column=2).hyperlink = f"#{q}!A1"
        for c in range(1, 12):
            cell = ws.cell(row=r, column=c)
            cell.border, cell.font = S.BORDER, S.LINK if c == 2 else S.BODY
            cell.alignment = S.LEFT if c == 2 else S.LEFT_NOWRAP if c == 3 else S.RIGHT
            cell.fill = S.DERIVED_FILL
            if 4 <= c <= 10:
                cell.number_format = S.AMOUNT_FORMAT
        ws.cell(row=r, column=11).number_format = S.PERCENT_FORMAT
    tr = first + len(project_sheets)
    ws.cell(row=tr, column=2, value=C.COVER_TOTAL)
    last = tr - 1
    for c in range(4, 11):
        col = col_letter(c)
        ws.cell(row=tr, column=c, value=f"=SUM({col}{first}:{col}{last})" if last >= first else 0)
    ws.cell(row=tr, column=11, value=f'=IF(N(D{tr})=0,"",ROUND(N(J{tr})/D{tr},4))')
    for c in range(1, 12):
        cell = ws.cell(row=tr, column=c)
        cell.border, cell.font, cell.fill = S.BORDER, S.LABEL, S.LABEL_FILL
        cell.number_format = S.PERCENT_FORMAT if c == 11 else S.AMOUNT_FORMAT
    ws.freeze_panes = f"A{first}"


def cover_reference(quoted_sheet: str, ref: str) -> str:
    """A cover cell showing a project text cell: blank stays blank (``='1.x'!E3`` shows 0).

    Numbers stay numbers: a code typed as a number still shows.
    """
    target = f"{quoted_sheet}!{ref}"
    return f'=IF({target}="","",{target})'


def quote_sheet(name: str) -> str:
    """A sheet name as written in a formula."""
    return "'" + name.replace("'", "''") + "'"


# --- overall sheet --------------------------------------------------------------------------
OVERALL_COL_WIDTHS = (6, 18, 40, 48, 48)


def draw_overall(ws: Worksheet, o: Overall) -> None:
    """Part one: the summary, the areas table and the measures table."""
    for i, w in enumerate(OVERALL_COL_WIDTHS, start=1):
        ws.column_dimensions[col_letter(i)].width = w
    merge(ws, L.OVERALL_TITLE.span)
    ws[L.OVERALL_TITLE.ref] = L.OVERALL_TITLE.text
    style_range(ws, L.OVERALL_TITLE.span or "A1", font=S.TITLE, alignment=S.CENTER, border=None)
    ws.row_dimensions[1].height = 34
    label(ws, L.OVERALL_SUMMARY_LABEL)
    input_cell(ws, L.OVERALL_SUMMARY, o.summary, align=S.LEFT_TOP)
    ws.row_dimensions[parse_a1(L.OVERALL_SUMMARY.ref)[0]].height = row_height(
        [(o.summary, sum(OVERALL_COL_WIDTHS))]
    )
    r = L.OVERALL_AREAS_SECTION_ROW
    r = _records_table(ws, r, C.L_AREAS_SECTION, C.AREA_HEADERS, L.AREA_COLUMNS, o.areas, 45)
    _records_table(
        ws, r + 1, C.L_MEASURES_SECTION, C.MEASURE_HEADERS, L.MEASURE_COLUMNS, o.measures, 30
    )
    page_setup(ws, landscape=True)
    protect(ws)


def _records_table(
    ws: Worksheet,
    row: int,
    section: str,
    headers: tuple[str, ...],
    columns: dict[str, tuple[int, int]],
    records: list[Area] | list[Measure],
    height: int,
) -> int:
    """A section title, a header row and one row per record; returns the last row used."""
    label(ws, L.Label(f"A{row}", section, f"A{row}:E{row}"))
    hdr = row + 1
    starts = [1, *[c0 for c0, _ in columns.values()]]
    ends = [1, *[c1 for _, c1 in columns.values()]]
    for text, c0, c1 in zip(headers, starts, ends, strict=True):
        label(ws, L.Label(a1(hdr, c0), text, f"{a1(hdr, c0)}:{a1(hdr, c1)}" if c1 > c0 else None))
    n = max(len(records), L.OVERALL_MIN_ROWS)
    for i in range(n):
        r = hdr + 1 + i
        rec = records[i] if i < len(records) else None
        num: Any = ws.cell(row=r, column=1, value=i + 1)
        num.font, num.alignment, num.border = S.BODY, S.CENTER, S.BORDER
        for key, (c0, c1) in columns.items():
            f = L.Field(key, a1(r, c0), "text", f"{a1(r, c0)}:{a1(r, c1)}" if c1 > c0 else None)
            input_cell(ws, f, getattr(rec, key) if rec else None, align=S.LEFT_TOP)
        texts = [
            (getattr(rec, k) if rec else None, sum(OVERALL_COL_WIDTHS[c0 - 1 : c1]))
            for k, (c0, c1) in columns.items()
        ]
        ws.row_dimensions[r].height = row_height(texts, minimum=height)
    return hdr + n
