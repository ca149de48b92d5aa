"""Generate the standard workbook and fill it from the model (openpyxl)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.worksheet import Worksheet

from perfxl import constants as C
from perfxl import framework as F
from perfxl import layout as L
from perfxl.cells import a1, shift
from perfxl.errors import UnreadableWorkbookError
from perfxl.grid.openpyxl_grid import grid_from_openpyxl
from perfxl.model import Project, Targets
from perfxl.read import classify
from perfxl.write import sheets as W
from perfxl.write.atomic import atomic_path

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_NAME = 31


def project_sheet_name(index: int, name: object, taken: set[str]) -> str:
    """A valid, unique sheet name for the index-th project (0-based): ``1.项目名称``."""
    text = _BAD_SHEET_CHARS.sub("_", str(name or "")).strip().strip("'")
    text = "".join(ch for ch in text if ch.isprintable())
    base = f"{index + 1}.{text}" if text else C.PROJECT_SHEET_DEFAULT.format(n=index + 1)
    base = base[:MAX_SHEET_NAME]
    candidate, k = base, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f"({k})"
        candidate = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        k += 1
    taken.add(candidate)
    return candidate


def unit_line(t: Targets) -> str | None:
    """The header line of every project table: unit code followed by unit name."""
    return L.unit_line(t.unit.code, t.unit.name)


def framework_of(t: Targets) -> str:
    """The framework to draw dropdowns from (the default when the data names none we know)."""
    fw = str(t.framework) if t.framework is not None else F.DEFAULT_FRAMEWORK
    return fw if fw in F.FRAMEWORKS else F.DEFAULT_FRAMEWORK


def build_workbook(t: Targets, *, layout: L.Layout = L.STANDARD) -> Workbook:
    """A new standard workbook holding ``t`` (cover, part one, one sheet per project)."""
    wb = Workbook()
    cover = wb.active
    assert cover is not None
    cover.title = C.COVER_SHEET
    overall = wb.create_sheet(C.OVERALL_SHEET)
    W.draw_overall(overall, t.overall, layout=layout)
    taken = {C.COVER_SHEET, C.OVERALL_SHEET}
    names: list[str] = []
    for i, p in enumerate(t.projects):
        ws = wb.create_sheet(project_sheet_name(i, p.name, taken))
        W.draw_project(ws, p, unit_line(t), framework_of(t), layout=layout)
        names.append(ws.title)
    W.draw_cover(cover, t, names, layout=layout)
    wb.calculation = CalcProperties(fullCalcOnLoad=True)
    return wb


def save(wb: Workbook, out: Path) -> None:
    """Save atomically (temp file beside the target, then rename)."""
    with atomic_path(out) as tmp:
        wb.save(tmp)


def write_new(t: Targets, out: Path, *, layout: L.Layout = L.STANDARD) -> None:
    """Write ``t`` into a freshly generated standard workbook at ``out``."""
    save(build_workbook(t, layout=layout), out)


def template(
    out: Path,
    *,
    projects: int = 1,
    unit_code: str | None = None,
    unit_name: str | None = None,
    year: int | None = None,
    framework: str = F.DEFAULT_FRAMEWORK,
    layout: L.Layout = L.STANDARD,
) -> None:
    """The empty standard workbook with ``projects`` blank project sheets."""
    t = Targets(year=year, framework=framework, projects=[Project() for _ in range(projects)])
    t.unit.code, t.unit.name = unit_code, unit_name
    write_new(t, out, layout=layout)


def fill_into(
    t: Targets,
    book: Path,
    out: Path | None = None,
    *,
    backup: bool = True,
    layout: L.Layout = L.STANDARD,
) -> list[str]:
    """Write ``t`` into an existing workbook's input cells; everything else is kept.

    Project sheets are matched by position (the i-th project sheet gets the i-th project);
    extra projects get new sheets, and project sheets beyond the data are removed. Values go
    in through the write-back engine when the sheets' structure stays (see `write.refill`);
    the percentages and the cover's figures are computed afterwards, as ``compute`` does.

    Args:
        t: the data.
        book: the workbook to fill.
        out: where to write; None (or ``book`` itself) writes in place.
        backup: in place, keep the previous file as ``BOOK.bak.xlsx`` first.
        layout: the form of the workbook (its sheets are found, filled and computed with it).

    Returns:
        Notes for the user (sheets added or removed).

    Raises:
        WorkbookLockedError, TargetNotWritableError: the target (or the backup) cannot be
            written; checked before anything is read, so nothing is written.
        UnreadableWorkbookError: the workbook cannot be opened.
    """
    from perfxl.write import refill
    from perfxl.write.patch import PatchError, WorkbookPatch
    from perfxl.write.patch.safeio import backup_path, check_target

    target = out if out is not None else book
    in_place = same_file(target, book)
    check_target(target)  # refusal first: no backup, no temp file, nothing
    if in_place and backup:
        check_target(backup_path(target))
    from perfxl.errors import NotAWorkbookError
    from perfxl.safety import preflight
    from perfxl.write.patch.zipraw import READ_ONLY

    kind = preflight(book).kind  # a damaged or hostile file refused before openpyxl opens it
    if kind != "xlsx":  # read, never written back into
        raise NotAWorkbookError(READ_ONLY[kind], path=str(book))
    original = book.read_bytes()
    keep_vba = book.suffix.lower() == ".xlsm"
    try:
        wb = load_workbook(io.BytesIO(original), keep_vba=keep_vba, rich_text=False)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/ValueError variants
        raise UnreadableWorkbookError(f"无法打开工作簿：{exc}", path=str(book)) from exc
    before = refill.snapshot(wb)
    notes = _fill_workbook(wb, t, book, layout)
    after = refill.snapshot(wb)
    data: bytes | None = None
    writes = refill.value_writes(before, after)
    if writes is not None:
        try:
            patch = WorkbookPatch(original, book)
            patch.write_cells(writes)
            if refill.set_heights(patch, before, after):
                data = patch.to_bytes()
        except (PatchError, UnreadableWorkbookError):
            data = None  # a package the engine does not edit: openpyxl's save below
    if data is None:
        buf = io.BytesIO()
        wb.calculation = CalcProperties(fullCalcOnLoad=True)
        wb.save(buf)
        data = buf.getvalue()
    data = refill.recompute(data, book.suffix, layout)
    refill.save(target, data, previous=original if in_place and backup else None)
    return notes


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` are the same file (by inode where both exist)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _fill_workbook(wb: Workbook, t: Targets, book: Path, layout: L.Layout) -> list[str]:
    """Fill the openpyxl workbook in memory; returns the notes (sheets added, removed)."""
    grid = grid_from_openpyxl(wb, str(book))
    kinds = {s.name: classify(s, layout) for s in grid.sheets}
    notes: list[str] = []
    cover = next((wb[n] for n, k in kinds.items() if k[0] == "cover"), None)
    overall = next((wb[n] for n, k in kinds.items() if k[0] == "overall"), None)
    project_ws = [wb[n] for n, k in kinds.items() if k[0] == "project"]
    fw = framework_of(t)
    taken = set(wb.sheetnames)
    names: list[str] = []
    for i, p in enumerate(t.projects):
        if i < len(project_ws):
            ws = project_ws[i]
            _, dr, dc = kinds[ws.title]
            _fill_project(ws, p, unit_line(t), fw, dr, dc, layout)
        else:
            ws = wb.create_sheet(project_sheet_name(i, p.name, taken))
            W.draw_project(ws, p, unit_line(t), fw, layout=layout)
            notes.append(f"新增工作表“{ws.title}”")
        names.append(ws.title)
    for ws in project_ws[len(t.projects) :]:
        notes.append(f"删除数据中没有的项目工作表“{ws.title}”")
        wb.remove(ws)
    if overall is None:
        overall = wb.create_sheet(C.OVERALL_SHEET, 0)
        notes.append(f"新增工作表“{C.OVERALL_SHEET}”")
    else:
        _clear(overall)
    W.draw_overall(overall, t.overall, layout=layout)
    if cover is None:
        cover = wb.create_sheet(C.COVER_SHEET, 0)
        notes.append(f"新增工作表“{C.COVER_SHEET}”")
    else:
        _clear(cover)
    W.draw_cover(cover, t, names, layout=layout)
    return notes


def _clear(ws: Worksheet) -> None:
    """Empty a perfxl-drawn sheet (values, merges, validations) before it is redrawn."""
    for rng in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(rng))
    ws.data_validations.dataValidation = []
    for row in ws.iter_rows():
        for cell in row:
            cell.value = None
            cell.hyperlink = None


def _fill_project(
    ws: Worksheet,
    p: Project,
    line: str | None,
    fw: str,
    dr: int,
    dc: int,
    layout: L.Layout = L.STANDARD,
) -> None:
    """Write one project's input cells in an existing project sheet; labels and styles stay."""
    form = layout.project
    if dr == 0 and dc == 0:
        W.set_value(ws, form.unit_line.ref, line)
    for f in form.fields:
        W.set_value(ws, shift(f.ref, dr, dc), W.project_value(p, f.key))
    first = form.indicator_first_row + dr
    # Unmerge the old 一级 groups, clear the old rows, then write the new ones.
    level1 = form.indicator_columns["level1"][0] + dc
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row >= first and rng.min_col == level1 and rng.max_col == level1:
            ws.unmerge_cells(str(rng))
    last = max(ws.max_row, first + form.indicator_min_rows - 1)
    for r in range(first, last + 1):
        for c0, _ in form.indicator_columns.values():
            ws[a1(r, c0 + dc)].value = None
    rows = [ind for ind in p.indicators if not ind.is_blank()]
    template_row = first
    for i, ind in enumerate(rows):
        r = first + i
        for key, (c0, c1) in form.indicator_columns.items():
            ref = a1(r, c0 + dc)
            if r > last:  # beyond the drawn table: copy the look of the first row
                W.merge(ws, f"{ref}:{a1(r, c1 + dc)}" if c1 > c0 else None)
                for c in range(c0, c1 + 1):
                    src = ws[a1(template_row, c + dc)]
                    dst = ws[a1(r, c + dc)]
                    dst._style = src._style
            W.set_value(ws, ref, getattr(ind, key))
    if dc == 0:
        W.merge_level1_groups(ws, rows, first, layout)
