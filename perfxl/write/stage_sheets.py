"""What the later-stage workbooks (monitoring, self-evaluation) draw alike, with openpyxl.

Both carry the targets into a workbook of the same shape: a cover, part one (locked), one
sheet per project whose carried cells are locked and whose typed cells are shaded, and the
very hidden record of what was carried. The helpers here take what differs between the two
stages as parameters; `perfxl.write.monitoring` and `perfxl.write.evaluation` draw the rest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from openpyxl import Workbook
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.worksheet import Worksheet

from perfxl import constants as C
from perfxl import layout as L
from perfxl.carried import CarriedRecord, record_of, record_rows
from perfxl.cells import a1, col_letter, parse_a1, parse_range
from perfxl.model import Project, Targets
from perfxl.textfit import row_height
from perfxl.write import sheets as W
from perfxl.write import styles as S
from perfxl.write.fill import project_sheet_name

CARRIED_FILL = S.NO_FILL  # the targets: white, locked

StageForm = L.MonitoringForm | L.EvaluationForm
"""A later stage's project sheet."""

R = TypeVar("R")

Link = tuple[str, bool, str | None] | None
"""A cover cell of a project's row: None for the row's number, else the project sheet's
cell it links to, whether a blank there stays blank, and the number format."""


def stage_workbook(
    t: Targets,
    draw_sheet: Callable[[Worksheet, Project], R],
    *,
    layout: L.Layout = L.STANDARD,
) -> tuple[Workbook, Worksheet, list[str], list[R]]:
    """A later stage's workbook of ``t`` but for its cover: part one (locked), a sheet per
    project drawn by ``draw_sheet``, the very hidden record of what was carried; returns the
    workbook, its (empty) cover sheet, the project sheets' names and what ``draw_sheet``
    returned for each."""
    wb = Workbook()
    cover = wb.active
    assert cover is not None
    cover.title = C.COVER_SHEET
    overall = wb.create_sheet(C.OVERALL_SHEET)
    W.draw_overall(overall, t.overall, layout=layout)
    lock_all(overall)
    taken = {C.COVER_SHEET, C.OVERALL_SHEET}
    names: list[str] = []
    drawn: list[R] = []
    for i, p in enumerate(t.projects):
        ws = wb.create_sheet(project_sheet_name(i, p.name, taken))
        drawn.append(draw_sheet(ws, p))
        names.append(ws.title)
    draw_record(wb.create_sheet(layout.carried_record.sheet), record_of(t, names, layout=layout))
    wb.calculation = CalcProperties(fullCalcOnLoad=True)
    return wb, cover, names, drawn


def lock_all(ws: Worksheet) -> None:
    """Lock every input cell of a carried sheet and take its input shading off."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.protection.locked is False:
                cell.protection = S.LOCKED
                cell.fill = CARRIED_FILL


def carried_cell(ws: Worksheet, f: L.Field, value: Any) -> None:
    """A field carried from the targets: merged, locked, white, formatted by its kind."""
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


def typed_value(part: Any, key: str) -> Any:
    """What a stage's part of a project (its monitoring or evaluation; None for a new sheet)
    holds for an input field (``row/column`` for a funds cell)."""
    if part is None:
        return None
    if "/" in key:
        row, col = key.split("/")
        return getattr(getattr(part, row), col)
    return getattr(part, key)


def carried_indicator(ws: Worksheet, span: str, key: str) -> None:
    """The style of an indicator cell carried from the targets: locked, white; the 一级 and
    二级指标 centred."""
    W.style_range(
        ws,
        span,
        font=S.BODY,
        fill=CARRIED_FILL,
        protection=S.LOCKED,
        alignment=S.CENTER if key in ("level1", "level2") else S.LEFT,
    )


def draw_head(
    ws: Worksheet,
    form: StageForm,
    unit: str | None,
    labels: Iterable[L.Label],
    carried: Callable[[str], Any],
    typed: Callable[[str], Any],
    tall: str,
) -> None:
    """A project sheet's column widths, title, unit line, ``labels``, carried fields (their
    values by ``carried`` of the key) and typed fields (by ``typed``; the field ``tall``
    aligned top-left)."""
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
    for lab in labels:
        W.label(ws, lab)
    W.style_money_unit(ws, form.labels)
    for f in form.carried:
        carried_cell(ws, f, carried(f.key))
    for f in form.fields:
        W.input_cell(ws, f, typed(f.key), align=S.LEFT_TOP if f.key == tall else S.LEFT)


def span_width(form: StageForm, span: str | None, ref: str) -> float:
    """The width of the columns ``span`` (or the cell ``ref``) covers."""
    _, c1, _, c2 = parse_range(span or f"{ref}:{ref}")
    return float(sum(form.column_widths[c1 - 1 : c2]))


def fit_rows(
    ws: Worksheet,
    form: StageForm,
    *,
    title: str,
    unit: str | None,
    carried: Callable[[str], Any],
    typed: Callable[[str], Any],
    label_text: Callable[[str], str],
    minimum: dict[int, float],
    one_row_labels: bool,
) -> None:
    """Rows tall enough for their wrapped text (spreadsheet apps do not grow them): the
    title, unit line, the rows above the indicator table (``minimum`` by row, else 20; a
    label's text as ``label_text`` gives it; with ``one_row_labels`` a label spanning rows
    does not count) and the indicator header row."""
    ws.row_dimensions[parse_a1(form.title.ref)[0]].height = row_height(
        [(title, float(sum(form.column_widths)))], minimum=32, size=S.TITLE.sz or 16
    )
    ws.row_dimensions[form.unit_line.row].height = row_height(
        [(unit, span_width(form, form.unit_line.span, form.unit_line.ref))], minimum=15
    )
    rows: dict[int, list[tuple[Any, float]]] = {}
    for f in form.carried:
        rows.setdefault(f.row, []).append((carried(f.key), span_width(form, f.span, f.ref)))
    for f in form.fields:
        rows.setdefault(f.row, []).append((typed(f.key), span_width(form, f.span, f.ref)))
    for lab in form.labels:
        r = parse_a1(lab.ref)[0]
        r2 = parse_range(lab.span)[2] if one_row_labels and lab.span else r
        if r < form.indicator_header_row and r2 == r:
            rows.setdefault(r, []).append(
                (label_text(lab.text), span_width(form, lab.span, lab.ref))
            )
    for row, texts in rows.items():
        ws.row_dimensions[row].height = row_height(texts, minimum=minimum.get(row, 20))
    header = [
        (label_text(lab.text), span_width(form, lab.span, lab.ref))
        for lab in form.labels
        if parse_a1(lab.ref)[0] == form.indicator_header_row
    ]
    ws.row_dimensions[form.indicator_header_row].height = row_height(header, minimum=30)


def level1_layout(form: StageForm) -> L.Layout:
    """The standard layout with this sheet's 一级指标 column (for the merge helper)."""
    col = form.indicator_columns["level1"]
    project = L.STANDARD.project
    if project.indicator_columns["level1"] == col:
        return L.STANDARD
    moved = dataclasses.replace(
        project, indicator_columns={**project.indicator_columns, "level1": col}
    )
    return dataclasses.replace(L.STANDARD, project=moved)


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
def cover_top(
    ws: Worksheet,
    t: Targets,
    stage: L.MonitoringCover | L.EvaluationCover,
    title: str,
    *,
    layout: L.Layout = L.STANDARD,
) -> list[float]:
    """A later stage's cover above its stage fields: column widths, the title (``title``
    after the year), the labels and the targets' unit fields (locked); returns the widths."""
    form = layout.cover
    widths = [
        max(a, b) for a, b in zip(stage.widths, (c.width for c in form.columns), strict=False)
    ]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[col_letter(i)].width = w
    span = f"{a1(1, 1)}:{a1(1, len(stage.headers))}"
    ws.merge_cells(span)
    year = t.year if t.year is not None else ""
    ws[a1(1, 1)].value = f"{year}年度{title}" if year != "" else title
    W.style_range(ws, span, font=S.TITLE, alignment=S.CENTER, border=None)
    ws.row_dimensions[1].height = 34
    for lab in (*form.labels, *stage.labels):
        W.label(ws, lab)
    values = W.cover_values(t)
    for f in form.fields:
        carried_cell(ws, f, values[f.key])
        if f.key == "unit/code":
            W.style_range(ws, f.span or f.ref, number_format=S.TEXT_FORMAT)
    return widths


def cover_table_head(
    ws: Worksheet, note: str, headers: Sequence[str], *, layout: L.Layout = L.STANDARD
) -> None:
    """The cover's note row and the header row of its table of projects."""
    form = layout.cover
    span = f"{a1(form.note_row, 1)}:{a1(form.note_row, len(headers))}"
    ws.merge_cells(span)
    ws[a1(form.note_row, 1)] = note
    W.style_range(ws, span, font=S.SMALL, alignment=S.LEFT, border=None)
    ws.row_dimensions[form.note_row].height = 30
    for c, header in enumerate(headers, start=1):
        cell: Any = ws.cell(row=form.header_row, column=c, value=header)
        cell.font, cell.fill, cell.alignment, cell.border = (
            S.LABEL,
            S.LABEL_FILL,
            S.CENTER,
            S.BORDER,
        )


def cover_row(
    ws: Worksheet,
    r: int,
    number: int,
    q: str,
    links: Sequence[Link],
    title_ref: str,
    p: Project,
    name_width: float,
) -> None:
    """Row ``r`` of the cover's table: project ``number``, then ``links`` into the project
    sheet ``q`` (quoted); the name links to the sheet's ``title_ref``; the last column
    centred; the row tall enough for the name ``p`` has."""
    for c, link in enumerate(links, start=1):
        cell = ws.cell(row=r, column=c)
        cell.value = (
            number if link is None else L.link_formula(q, link[0], blank_stays_blank=link[1])
        )
        cell.border, cell.font, cell.fill = S.BORDER, S.BODY, S.DERIVED_FILL
        cell.alignment = S.LEFT if c == 2 else S.LEFT_NOWRAP if c == 3 else S.RIGHT
        if link is not None and link[2] is not None:
            cell.number_format = link[2]
        if c == len(links):
            cell.alignment = S.CENTER
    ws.cell(row=r, column=2).hyperlink = L.link_target(q, title_ref)
    ws.cell(row=r, column=2).font = S.LINK
    if isinstance(p.name, str):
        ws.row_dimensions[r].height = row_height([(p.name, name_width)], minimum=15)
