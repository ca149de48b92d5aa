"""Grid + layout -> model: find the sheets by their content and read every field.

Sheets are recognised by their labels, never by name or position: a renamed or copied project
sheet is read; a sheet that is none of ours is skipped and reported; a project sheet whose
labels were moved gives a problem naming the sheet and the cell where the label was expected.
Rows inserted above the table are tolerated (the table is found by its 项目编码 label).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mypy_extensions import mypyc_attr

from perfxl import constants as C
from perfxl import layout as L
from perfxl.cells import a1, col_letter, parse_a1, shift
from perfxl.errors import NotAPerfxlWorkbookError, summary_verdict
from perfxl.grid import Grid, Sheet
from perfxl.model import (
    AREA_KEYS,
    INDICATOR_KEYS,
    MEASURE_KEYS,
    Area,
    Indicator,
    Measure,
    Project,
    Targets,
)
from perfxl.numbers import whole
from perfxl.problems import Problem
from perfxl.rules.catalogue import RuleId, make

if TYPE_CHECKING:
    from perfxl.carried import CarriedRecord

EMITS: frozenset[RuleId] = frozenset(
    {
        "read.label_missing",
        "read.sheet_skipped",
        "read.no_cover",
        "read.amount_text",
        "read.amount_unreadable",
        "read.number_as_text_field",
        "read.formula_no_value",
    }
)
LAYOUT_RULES: frozenset[RuleId] = frozenset({"read.label_missing"})
# A workbook is perfxl's when one sheet is a cover or a project table (whole or broken).
PERFXL_KINDS = frozenset({"cover", "project", "monitoring", "evaluation", "broken"})
SCAN_ROWS = 12  # how far down a sheet's anchor label is searched for
SCAN_COLS = 3


@mypyc_attr(serializable=True)
@dataclass
class SheetInfo:
    """What a sheet was taken for. ``kind``: cover, overall, project, monitoring, record (a
    monitoring workbook's record of what it carried), skipped, broken."""

    name: str
    kind: str
    project_index: int | None = None
    row_offset: int = 0
    col_offset: int = 0


@mypyc_attr(serializable=True)
@dataclass
class ReadResult:
    """The model read from a workbook, with where each value came from.

    Attributes:
        targets: the model.
        problems: what reading noticed (layout errors, amounts typed as text, skipped sheets).
        locations: JSON pointer -> (sheet, cell) of every field read.
        sheets: every sheet and what it was taken for, in workbook order.
        path: the workbook.
        layout: the form the workbook was read with (compute and messages follow it).
        carried: a monitoring workbook's record of what it carried from the targets (its
            very hidden sheet, `perfxl.carried`); None when it has none.
        summary: for a workbook with no perfxl sheet that is a summary written by
            ``perfxl consolidate``, the summary's kind (``targets``, ``monitoring`` or
            ``evaluation``); None otherwise.
        blanks: (sheet, cell, pointer, required) of every input field read blank, where a
            formula with no saved result is looked for (`_formulas_without_result`).
        indicator_tables: each project's indicator table (`IndicatorTable`), whose rows not
            read (every cell blank) are looked at too when its sheet is.
        label_months: (sheet, cell, label as shown, month) of each monitoring project sheet's
            first label showing the month (``1-7月执行数``), in sheet order; the cover's
            month is checked against them (``monitoring.month_labels``).
    """

    targets: Targets
    problems: list[Problem] = field(default_factory=list)
    locations: dict[str, tuple[str, str]] = field(default_factory=dict)
    sheets: list[SheetInfo] = field(default_factory=list)
    path: str = ""
    layout: L.Layout = L.STANDARD
    carried: CarriedRecord | None = None
    summary: str | None = None
    blanks: list[tuple[str, str, str, bool]] = field(default_factory=list)
    indicator_tables: list[IndicatorTable] = field(default_factory=list)
    label_months: list[tuple[str, str, str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every sheet that looked like ours could be read (no broken layout).

        Problems in values (an amount that is not a number) do not make a read fail: the value
        is kept as typed and validation reports it.
        """
        return not any(p.rule in LAYOUT_RULES for p in self.problems)

    @property
    def is_perfxl(self) -> bool:
        """True when the workbook has a cover or a project sheet (even one whose labels moved).

        The one verdict every command uses: a workbook without either is not a performance
        target workbook, and nothing read from it (all fields empty) is reported or written.
        """
        return any(s.kind in PERFXL_KINDS for s in self.sheets)

    def require_perfxl(self, outcome: str = "未读入", advice: str | None = None) -> None:
        """Raise ``NotAPerfxlWorkbookError`` unless ``is_perfxl``.

        Args:
            outcome: what the command did not do (``未导出``), said of a county summary.
            advice: what to do instead, said of a county summary; None for `summary_advice`.

        Raises:
            NotAPerfxlWorkbookError: with the Chinese message every command prints (naming
                the anchor cells of the layout read with); for a summary written by
                ``perfxl consolidate``, what it is and what to do with it
                (`perfxl.errors.summary_verdict`).
        """
        if self.is_perfxl:
            return
        if self.summary is not None:
            said = advice if advice is not None else summary_advice(self.summary)
            message = summary_verdict(outcome, self.summary, said)
        else:
            message = NotAPerfxlWorkbookError.message_for(self.layout)
        raise NotAPerfxlWorkbookError(message, path=self.path)

    def project_sheet(self, index: int) -> str | None:
        """The sheet name of the index-th project."""
        for s in self.sheets:
            if s.project_index == index:
                return s.name
        return None


def summary_advice(stage: str) -> str:
    """What to do with a summary of ``stage`` given where a unit's workbook is needed."""
    also = "，也可作为 perfxl consolidate 的输入汇总上一级" if stage == "targets" else ""
    return f"请给出单位报送的工作簿；汇总表可直接在 Excel/WPS 中查看{also}。"


def _summary_stage(grid: Grid) -> str | None:
    """The kind of summary written by ``perfxl consolidate`` ``grid`` is (its 说明 sheet's
    marker, as `perfxl.consolidate.summary_input` recognises an input), None for another
    workbook."""
    from perfxl.consolidate.columns import MONITOR_MARKER, README_SHEET, SUMMARY_MARKER
    from perfxl.consolidate.eval_columns import EVAL_MARKER

    stages = {SUMMARY_MARKER: "targets", MONITOR_MARKER: "monitoring", EVAL_MARKER: "evaluation"}
    for sheet in grid.sheets:
        if sheet.name == README_SHEET:
            marker = sheet.get(1, 1)
            return stages.get(marker) if isinstance(marker, str) else None
    return None


def read_workbook(
    path: str | Path, *, engine: str = "calamine", layout: L.Layout = L.STANDARD
) -> ReadResult:
    """Read a workbook file into the model.

    Args:
        path: an .xlsx, .xlsm or .xls file.
        engine: ``calamine`` (fast, cached values) or ``openpyxl`` (slower, knows formats).
        layout: the form to read.

    Raises:
        UnreadableWorkbookError: the file is not a workbook that can be opened.
    """
    if engine == "openpyxl":
        from perfxl.grid.openpyxl_grid import read_grid_openpyxl

        grid = read_grid_openpyxl(path)
    else:
        from perfxl.grid.calamine_grid import read_grid

        grid = read_grid(path)
    return read_grid_model(grid, layout=layout)


def read_grid_model(grid: Grid, *, layout: L.Layout = L.STANDARD) -> ReadResult:
    """Turn a Grid into the model, collecting every problem on the way."""
    res = ReadResult(targets=Targets(projects=[]), path=grid.path, layout=layout)
    res.targets.framework = None
    res.targets.money_unit = None
    cover_seen = False
    for sheet in grid.sheets:
        kind, dr, dc = classify(sheet, layout)
        info = SheetInfo(sheet.name, kind, row_offset=dr, col_offset=dc)
        res.sheets.append(info)
        if kind == "cover" and not cover_seen:
            cover_seen = True
            _read_cover(sheet, dr, dc, res)
        elif kind == "overall":
            _read_overall(sheet, dr, res)
        elif kind == "monitoring":
            from perfxl.read_monitoring import read_monitoring_sheet

            if read_monitoring_sheet(sheet, dr, dc, info, res):
                res.targets.stage = "monitoring"
            else:
                info.kind = "broken"
        elif kind == "evaluation":
            from perfxl.read_evaluation import read_evaluation_sheet

            if read_evaluation_sheet(sheet, dr, dc, info, res):
                res.targets.stage = "evaluation"
            else:
                info.kind = "broken"
        elif kind == "project":
            if check_labels(sheet, layout.project.labels, dr, dc, res):
                info.project_index = len(res.targets.projects)
                res.targets.projects.append(_read_project(sheet, dr, dc, info.project_index, res))
            else:
                info.kind = "broken"
        elif kind == "skipped" and sheet.name not in (C.RESULTS_SHEET, C.LIBRARY_SHEET):
            from perfxl.read_monitoring import read_carried_record

            if read_carried_record(sheet, info, res):
                continue
            anchor = layout.project.anchor.ref
            res.problems.append(
                make("read.sheet_skipped", file=grid.path, sheet=sheet.name, anchor_cell=anchor)
            )
    if not cover_seen:
        _unit_from_project_header(grid, res)
    if not res.is_perfxl:  # a county summary is named as what it is (`require_perfxl`)
        res.summary = _summary_stage(grid)
    if res.targets.stage == "monitoring":
        from perfxl.read_monitoring import read_month

        res.targets.month = read_month(grid, res)
    if res.targets.stage == "evaluation":
        from perfxl.read_evaluation import read_profile

        res.targets.profile = read_profile(grid, res)
    if any(required for *_, required in res.blanks):
        _formulas_without_result(res)
    return res


# The fields the schema requires: one read blank is reported 未填写 (``schema.required``).
_REQUIRED_KEYS = frozenset({"code", "name", "budget", "plan/dec", "unit/code", "unit/name", "year"})


def _formulas_without_result(res: ReadResult) -> None:
    """Blank input cells that hold a formula without a saved result, reported at the cell
    (``read.formula_no_value``), the field kept as the formula's text.

    A workbook written by openpyxl or another generator holds formulas (``=8+0.39``) but no
    results until Excel or WPS saves it; a reader of cached values gets a blank, and the clerk,
    who sees 8.39 in Excel, was told 预算数 is not filled in. The text stands in for the value
    (nothing typed is lost, and validation's 未填写 or type message gives way to this one).

    Only the sheets with a required field read blank are looked at (their XML parsed): perfxl's
    own workbooks hold hundreds of formulas without results in their computed cells, and a
    filled workbook has no blank required field, so reading one costs nothing more.
    """
    sheets = {sheet for sheet, _, _, required in res.blanks if required}
    wanted: dict[str, dict[str, str]] = {}
    for sheet, ref, pointer, _ in res.blanks:
        if sheet in sheets:
            wanted.setdefault(sheet, {})[ref] = pointer
    tables = [t for t in res.indicator_tables if t.sheet in sheets]
    cells = {
        s: _Cells(set(refs), [t for t in tables if t.sheet == s]) for s, refs in wanted.items()
    }
    found = unsaved_formulas(res.path, cells)
    for (sheet, ref), formula in found.items():
        text = "=" + formula
        at = wanted[sheet].get(ref)
        if at is None or at.endswith("/indicators"):
            # A row of the indicator table whose cells are formulas alone read blank and was
            # skipped: no field holds it, the table is named (and the cell).
            at = cells[sheet].tables_at(ref)[0].pointer
        else:
            _set_at(res.targets, at, text)
        shown = f"“{text}”" if formula else ""
        res.problems.append(
            make(
                "read.formula_no_value",
                file=res.path,
                sheet=sheet,
                cell=ref,
                pointer=at,
                value=text,
                formula=shown,
            )
        )


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class _Cells:
    """The cells of a sheet looked at for formulas without a saved result: the fields read
    blank, and the indicator tables' rows not read."""

    refs: set[str]
    tables: list[IndicatorTable]

    def __contains__(self, ref: object) -> bool:
        return ref in self.refs or any(ref in t for t in self.tables)

    def tables_at(self, ref: str) -> list[IndicatorTable]:
        """The indicator tables holding ``ref`` in a row not read."""
        return [t for t in self.tables if ref in t]


def unsaved_formulas(path: str, wanted: Mapping[str, Container[str]]) -> dict[tuple[str, str], str]:
    """(sheet, cell) -> formula text (without ``=``; empty for a shared formula's follower) of
    the ``wanted`` cells that hold a formula with no saved result, read from the sheet XML.

    A formula whose saved result is empty text (``t="str"``, as ``=IF(…,"")`` is saved) has a
    result. A file that is not an .xlsx/.xlsm package (.xls, .ods) or cannot be read gives none.
    """
    import io
    import zipfile

    from perfxl.grid.calamine_grid import sheet_cells, sheet_parts
    from perfxl.grid.tails import may_hold_unsaved

    out: dict[tuple[str, str], str] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            parts = sheet_parts(zf)
            for sheet, refs in wanted.items():
                if sheet not in parts:
                    continue
                data = zf.read(parts[sheet])
                if not may_hold_unsaved(data):  # saved by Excel or WPS: nothing to parse
                    continue
                with io.BytesIO(data) as xml:
                    for ref, kind, formula, value in sheet_cells(xml):
                        if ref is None or ref not in refs:
                            continue
                        if kind != "str" and formula is not None and not value:
                            out[(sheet, ref)] = formula
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return {}
    return out


def _set_at(t: Targets, pointer: str, value: str) -> None:
    """Put ``value`` in the model field a pointer names (a list field gets it as its one item)."""
    obj: Any = t
    parts = pointer.strip("/").split("/")
    try:
        for part in parts[:-1]:
            obj = obj[int(part)] if isinstance(obj, list) else getattr(obj, part)
        current = getattr(obj, parts[-1])
        setattr(obj, parts[-1], [value] if isinstance(current, list) else value)
    except (AttributeError, IndexError, ValueError):
        return


def classify(sheet: Sheet, layout: L.Layout = L.STANDARD) -> tuple[str, int, int]:
    """What a sheet is, by its labels, and how far the table is moved from its place.

    A sheet is taken for a kind when its anchor label is found near the top-left and at
    least ``MIN_LABELS`` of that kind's labels sit where the anchor says they should (so a
    project sheet with a few labels deleted is still recognised, and reported).
    """
    kinds, anchors = _kinds(layout)
    corner = _corner(sheet, anchors)  # where the anchors are, the corner normalised once
    for (want, ar, ac), labels, kind in kinds:
        for r, c in corner.get(want, ()):
            dr, dc = r - ar, c - ac
            if _score(sheet, labels, dr, dc, min(MIN_LABELS, len(labels))):
                return kind, dr, dc
    return "skipped", 0, 0


# A label as classify compares it: (normalised text, row, column).
_Placed = tuple[str, int, int]
_Kinds = tuple[tuple[_Placed, tuple[_Placed, ...], str], ...]
# Layout -> its kinds and their anchors' texts, by identity: hashing a frozen layout walks
# every field each time.
_KINDS: dict[int, tuple[L.Layout, _Kinds, frozenset[str]]] = {}


def _kinds(layout: L.Layout) -> tuple[_Kinds, frozenset[str]]:
    """(anchor, labels, kind) in the order sheets are tried, and the anchors' normalised
    texts: derived once per layout."""
    known = _KINDS.get(id(layout))
    if known is not None and known[0] is layout:
        return known[1], known[2]
    kinds = _derive_kinds(layout)
    anchors = frozenset(want for (want, _, _), _, _ in kinds)
    _KINDS[id(layout)] = (layout, kinds, anchors)
    return kinds, anchors


def _derive_kinds(layout: L.Layout) -> _Kinds:
    """Each kind's anchor and the labels that tell it from the kinds sharing its anchor."""
    summary = layout.overall.summary_label
    # The monitoring sheet shares its header and indicator labels with the project sheet: it
    # is told by the labels only it has (the funds block, 年度指标值 ...).
    shared = {L.normalize_label(lab.text) for lab in layout.project.labels}
    monitoring_anchor, monitoring_labels = layout.stage_labels("monitoring")
    monitoring = tuple(
        lab
        for lab in monitoring_labels
        if L.MONTH_MARK not in lab.text and L.normalize_label(lab.text) not in shared
    )
    # The self-evaluation sheet shares labels with both: it is told by its own (全年预算数,
    # 实际完成值, 评价等级 ...), and tried before the monitoring sheet.
    shared |= {L.normalize_label(lab.text) for lab in monitoring_labels}
    evaluation_anchor, evaluation_labels = layout.stage_labels("evaluation")
    evaluation = tuple(
        lab for lab in evaluation_labels if L.normalize_label(lab.text) not in shared
    )
    kinds = (
        (layout.cover.anchor, layout.cover.labels, "cover"),
        (evaluation_anchor, evaluation, "evaluation"),
        (monitoring_anchor, monitoring, "monitoring"),
        (layout.project.anchor, layout.project.labels, "project"),
        (summary, (summary,), "overall"),
    )
    return tuple((_placed(a), tuple(map(_placed, labs)), kind) for a, labs, kind in kinds)


def _placed(label: L.Label) -> _Placed:
    return (L.normalize_label(label.text), *parse_a1(label.ref))


def _corner(sheet: Sheet, anchors: frozenset[str]) -> dict[str, list[tuple[int, int]]]:
    """Where the anchors stand among the text cells of the top-left ``SCAN_ROWS`` x
    ``SCAN_COLS``, normalised: anchor text -> its cells, row by row (each kind's anchor is
    looked up, not compared with every cell; the other texts are not kept)."""
    out: dict[str, list[tuple[int, int]]] = {}
    known = _NORMALIZED
    for r, row in enumerate(sheet.rows[:SCAN_ROWS], start=1):
        for c, v in enumerate(row[:SCAN_COLS], start=1):
            if isinstance(v, str) and v != "":
                text = known.get(v)
                if text is None:
                    text = _normalized(v)
                if text in anchors:
                    out.setdefault(text, []).append((r, c))
    return out


MIN_LABELS = 3


def _score(sheet: Sheet, labels: tuple[_Placed, ...], dr: int, dc: int, need: int) -> bool:
    """Whether at least ``need`` of the labels stand where the offset puts them (counting
    stops there)."""
    n = 0
    rows = sheet.rows
    known = _NORMALIZED
    for text, r, c in labels:
        r, c = r + dr, c + dc
        # An anchor found above or left of its place shifts some labels off the sheet: they
        # are simply not there (a1() of row 0 would raise). Sheet.get inlined; an empty
        # string and an empty cell normalise alike.
        if r < 1 or c < 1:
            continue
        if r <= len(rows) and c <= len(row := rows[r - 1]):
            v = row[c - 1]
            # A text seen before: its normalised form looked up (no call per label); an
            # empty cell is "".
            got = known.get(v) if type(v) is str else "" if v is None else None
            n += (got if got is not None else _normalized(v)) == text
        else:
            n += text == ""
        if n >= need:
            return True
    return n >= need


def check_labels(
    sheet: Sheet, labels: tuple[L.Label, ...], dr: int, dc: int, res: ReadResult
) -> bool:
    """Whether every required label of ``labels`` is in place on ``sheet`` moved by
    (``dr``, ``dc``); each one missing or changed is a ``read.label_missing`` in ``res``.

    Shared with the monitoring and evaluation readers (`perfxl.read_monitoring`,
    `perfxl.read_evaluation`), which check their forms' labels the same way.
    """
    ok = True
    rows = sheet.rows
    for lab, r, c, ref, want in _required_places(labels, dr, dc):
        # Sheet.get inlined: a cell holding the label as the form writes it is in place.
        if (
            ref is not None
            and r <= len(rows)
            and c <= len(row := rows[r - 1])
            and row[c - 1] == want
        ):
            continue
        actual = sheet.get(r, c) if ref is not None else None
        if ref is None or L.normalize_label(actual) != want:
            ok = False
            res.problems.append(
                make(
                    "read.label_missing",
                    file=res.path,
                    sheet=sheet.name,
                    cell=ref,
                    value=_jsonable(actual),
                    expected=lab.text,
                    actual="" if actual is None else actual,
                )
            )
    return ok


_NORMALIZED: dict[str, str] = {}  # cell text -> `L.normalize_label` of it (`_normalized`)
_NORMALIZED_MAX = 16384
_PLACES: dict[tuple[int, int, int], tuple[Any, tuple[Any, ...]]] = {}


def _normalized(v: Any) -> str:
    """`L.normalize_label` of a cell's value, a short text kept in `_NORMALIZED` (labels and
    the cells compared with them repeat across sheets and workbooks)."""
    text = L.normalize_label(v)
    if type(v) is str and len(v) <= 200 and len(_NORMALIZED) < _NORMALIZED_MAX:
        _NORMALIZED[v] = text
    return text


def _required_places(
    labels: tuple[L.Label, ...], dr: int, dc: int
) -> tuple[tuple[L.Label, int, int, str | None, str], ...]:
    """Each required label with `_label_place` of it, found once per labels and offset
    (keyed by identity: hashing the labels walks every field)."""
    key = (id(labels), dr, dc)
    known = _PLACES.get(key)
    if known is not None and known[0] is labels:
        return known[1]
    places = tuple(
        (lab, *_label_place(lab.ref, lab.text, dr, dc)) for lab in labels if lab.required
    )
    if len(_PLACES) < 4096:
        _PLACES[key] = (labels, places)
    return places


@lru_cache(maxsize=4096)
def _label_place(ref: str, text: str, dr: int, dc: int) -> tuple[int, int, str | None, str]:
    """Where a label stands once the table is moved by (dr, dc): row, column, reference and
    the label normalised. Shifted off the sheet (the table starts higher than the form
    allows), the reference is None: the label is missing, and the problem names the sheet
    rather than a cell that cannot exist."""
    r, c = parse_a1(ref)
    r, c = r + dr, c + dc
    return r, c, (a1(r, c) if r >= 1 and c >= 1 else None), L.normalize_label(text)


def _read_project(sheet: Sheet, dr: int, dc: int, index: int, res: ReadResult) -> Project:
    base = f"/projects/{index}"
    p = Project()
    reader = FieldReader(sheet, res, dr, dc)
    for f, suffix, plan_key in _project_fields(res.layout.project.fields):
        value = reader.read(f, base + suffix)
        if plan_key is None:
            setattr(p, f.key, value)
        else:
            setattr(p.plan, plan_key, value)
    p.indicators = _read_indicators(sheet, dr, dc, base, res)
    return p


_FIELDS: dict[int, tuple[Any, tuple[tuple[L.Field, str, str | None], ...]]] = {}


def _project_fields(
    fields: tuple[L.Field, ...],
) -> tuple[tuple[L.Field, str, str | None], ...]:
    """Each project field with its pointer below the project and, for a plan checkpoint, its
    key in the plan (None: a field of the project itself); found once per layout (keyed by
    identity: hashing the fields walks every one)."""
    known = _FIELDS.get(id(fields))
    if known is not None and known[0] is fields:
        return known[1]
    found = tuple(
        (f, f"/{f.key}", f.key.split("/")[1] if f.key.startswith("plan/") else None) for f in fields
    )
    _FIELDS[id(fields)] = (fields, found)
    return found


def indicator_rows(
    sheet: Sheet, columns: L.Columns, first_row: int, dc: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each non-blank row of an indicator table from ``first_row`` down, with its raw values.

    Args:
        sheet: The sheet holding the table.
        columns: key -> (first column, last column) of the layout, before the offset ``dc``.
        first_row: The table's first row, offset already applied.
        dc: The column offset of the sheet against the layout.

    Yields:
        The row number and key -> raw value; an empty cell inside a vertical merge that
        starts in the table takes the merge's value (一级指标 written once per group).
    """
    keys = list(columns)
    cols = [c0 + dc for c0, _ in columns.values()]
    for r, values in _indicator_values(sheet, cols, first_row):
        yield r, dict(zip(keys, values, strict=True))


def _indicator_values(
    sheet: Sheet, cols: list[int], first_row: int
) -> Iterator[tuple[int, list[Any]]]:
    """`indicator_rows` with the values in column order (no dict per row)."""
    rows = sheet.rows
    for r in range(max(first_row, 1), len(rows) + 1):
        row = rows[r - 1]
        width = len(row)
        # Sheet.get inlined (the table's cells are most of a workbook's): "" reads as None,
        # so a blank row is one of Nones (white space typed into a cell is content).
        values = [
            (None if (v := row[c - 1]) == "" else v) if 0 < c <= width else None for c in cols
        ]
        blanks = values.count(None)
        if blanks == len(values):
            continue
        if blanks:
            for i, c in enumerate(cols):
                if values[i] is not None:
                    continue
                origin = sheet.merge_origin(r, c)
                if origin is not None and origin[1] == c and origin[0] >= first_row:
                    values[i] = sheet.get(*origin)
        yield r, values


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class IndicatorTable:
    """Where a project's indicator table is, and which of its rows were read: a row whose
    every cell holds a formula without a saved result reads blank and is skipped, so the
    table's cells in other rows are looked at for such formulas (`_formulas_without_result`).

    Attributes:
        sheet: the project sheet.
        pointer: the project's indicators (``/projects/0/indicators``).
        first_row: the table's first row.
        columns: the columns of the indicator fields a clerk's value stands in (not those
            the form fills with its own formulas in every row).
        rows: the rows read as indicators.
        last_row: the table's last row where a row below ends it (a self-evaluation
            sheet's 总分); None where it runs to the end of the sheet.
    """

    sheet: str
    pointer: str
    first_row: int
    columns: frozenset[int]
    rows: frozenset[int]
    last_row: int | None = None

    def __contains__(self, ref: object) -> bool:
        """Whether ``ref`` is a cell of the table in a row not read."""
        if not isinstance(ref, str):
            return False
        try:
            row, col = parse_a1(ref)
        except ValueError:
            return False
        last = self.last_row
        return (
            row >= self.first_row
            and (last is None or row <= last)
            and col in self.columns
            and row not in self.rows
        )


def note_indicator_table(
    res: ReadResult,
    sheet: Sheet,
    base: str,
    first: int,
    columns: Mapping[str, tuple[int, int]],
    dc: int,
    rows: Iterable[int],
    last_row: int | None = None,
) -> None:
    """Record a project's indicator table (`IndicatorTable`, in ``res.indicator_tables``)
    and, when one of its rows was not read, look at the sheet for formulas without a saved
    result. Shared by the three stages' readers.

    Such a row may hold formulas alone, which read blank: between two rows read, and also
    below the last one, down to the end of the sheet, which takes in the rows of formulas a
    reader of cached values leaves off it (`Sheet.unsaved_tail`, noted by the preflight: no
    parsing for a sheet without). With no row read at all (no indicator), the first row is
    taken. The table is recorded as a blank required field at that row's 一级指标 cell.

    Args:
        res: the read so far.
        sheet: the project sheet.
        base: the project's pointer (``/projects/0``).
        first: the table's first row (offset applied).
        columns: key -> (first column, last column) of the indicator fields a clerk's value
            stands in, before the offset ``dc``; ``level1`` among them.
        dc: the column offset of the sheet against the layout.
        rows: the rows read as indicators.
        last_row: the table's last row where a row below ends it (`IndicatorTable.last_row`).
    """
    read = frozenset(rows)
    cols = frozenset(c0 + dc for c0, _ in columns.values())
    table = IndicatorTable(sheet.name, f"{base}/indicators", first, cols, read, last_row)
    res.indicator_tables.append(table)
    if not read:
        gap: int | None = first
    else:
        end = last_row if last_row is not None else max(sheet.nrows, sheet.unsaved_tail)
        gap = next((r for r in range(first, end + 1) if r not in read), None)
    if gap is not None:
        level1 = _letter(columns["level1"][0] + dc)
        res.blanks.append((sheet.name, level1 + str(gap), table.pointer, True))


# The indicator fields whose blank has a formula looked for in the sheet (what a reviewer
# needs of every row; 绩效指标描述 and 依据 are often left blank, and parsing a sheet's XML for
# them would cost every unsaved generated workbook).
_INDICATOR_ESSENTIAL = frozenset({"level1", "level2", "level3", "target"})


def _read_indicators(sheet: Sheet, dr: int, dc: int, base: str, res: ReadResult) -> list[Indicator]:
    out: list[Indicator] = []
    columns = res.layout.project.indicator_columns
    first = res.layout.project.indicator_first_row + dr
    keys = tuple(columns)
    cols = [c0 + dc for c0, _ in columns.values()]
    target = keys.index("target") if "target" in keys else -1
    letters = [(f"/{k}", _letter(c)) for k, c in zip(keys, cols, strict=True)]
    level1 = _letter(columns["level1"][0] + dc)
    locations, name = res.locations, sheet.name
    in_order = keys == INDICATOR_KEYS  # the form's own order: the fields as they come
    rows: list[int] = []
    for r, raw in _indicator_values(sheet, cols, first):
        # as_text of each value (most are text already, or empty), then as_target of 指标值.
        values = [v if v is None or type(v) is str else as_text(v) for v in raw]
        if target >= 0:
            values[target] = as_target(raw[target])
        pointer = f"{base}/indicators/{len(out)}"
        row = str(r)
        for key, letter in letters:
            locations[pointer + key] = (name, letter + row)
        locations[pointer] = (name, level1 + row)
        rows.append(r)
        if None in values:
            for (key, letter), value in zip(letters, values, strict=True):
                if value is None:
                    essential = key[1:] in _INDICATOR_ESSENTIAL
                    res.blanks.append((name, letter + row, pointer + key, essential))
        if in_order:
            out.append(Indicator(*values))
        else:
            by_key = dict(zip(keys, values, strict=True))
            out.append(Indicator(**{k: by_key[k] for k in INDICATOR_KEYS}))
    note_indicator_table(res, sheet, base, first, columns, dc, rows)
    return out


@lru_cache(maxsize=256)
def _letter(col: int) -> str:
    """The column letters of ``col`` (cached: every indicator row names the same few)."""
    return col_letter(col)


def _read_cover(sheet: Sheet, dr: int, dc: int, res: ReadResult) -> None:
    if not check_labels(sheet, res.layout.cover.labels, dr, dc, res):
        return
    reader = FieldReader(sheet, res, dr, dc)
    t = res.targets
    for f in res.layout.cover.fields:
        value = reader.read(f, "/" + f.key)
        if f.key == "unit/code":
            t.unit.code = value
        elif f.key == "unit/name":
            t.unit.name = value
        elif f.key == "year":
            t.year = value
        elif f.key == "money_unit":
            t.money_unit = value
        elif f.key == "framework":
            t.framework = value
        elif f.key == "schema_version" and value is not None:
            t.schema_version = str(value)


def _read_overall(sheet: Sheet, dr: int, res: ReadResult) -> None:
    o = res.targets.overall
    form = res.layout.overall
    reader = FieldReader(sheet, res, dr, 0)
    o.summary = reader.read(form.summary, "/" + form.summary.key)
    col = form.number_column
    areas_row = _row_of(sheet, C.L_AREAS_SECTION, start=1, col=col)
    measures_row = _row_of(sheet, C.L_MEASURES_SECTION, start=(areas_row or 1), col=col)
    end = sheet.nrows
    if areas_row is not None:
        stop = (measures_row - 1) if measures_row else end
        first = form.first_record_row(areas_row)
        o.areas = [
            Area(**vals)
            for vals in _read_records(
                sheet, first, stop, form.area_columns, AREA_KEYS, "/overall/areas", res
            )
        ]
    if measures_row is not None:
        o.measures = [
            Measure(**vals)
            for vals in _read_records(
                sheet,
                form.first_record_row(measures_row),
                end,
                form.measure_columns,
                MEASURE_KEYS,
                "/overall/measures",
                res,
            )
        ]


def _read_records(
    sheet: Sheet,
    first: int,
    last: int,
    columns: L.Columns,
    keys: tuple[str, ...],
    base: str,
    res: ReadResult,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in range(first, last + 1):
        vals = {k: as_text(sheet.get(r, columns[k][0])) for k in keys}
        if all(v is None for v in vals.values()):
            continue
        pointer = f"{base}/{len(out)}"
        for k in keys:
            res.locations[f"{pointer}/{k}"] = (sheet.name, a1(r, columns[k][0]))
        out.append(vals)
    return out


def _row_of(sheet: Sheet, text: str, start: int, col: int) -> int | None:
    want = L.normalize_label(text)
    for r in range(start, sheet.nrows + 1):
        if L.normalize_label(sheet.get(r, col)) == want:
            return r
    return None


def _unit_from_project_header(grid: Grid, res: ReadResult) -> None:
    res.problems.append(
        make("read.no_cover", file=grid.path, anchor_cell=res.layout.cover.anchor.ref)
    )
    for info in res.sheets:
        if info.kind != "project":
            continue
        sheet = next(s for s in grid.sheets if s.name == info.name)
        r, c = parse_a1(res.layout.project.unit_line.ref)
        line = sheet.get(r + info.row_offset, c + info.col_offset)
        m = L.UNIT_LINE_PATTERN.match(str(line or ""))
        if m:
            res.targets.unit.code, res.targets.unit.name = m.group(1), m.group(2) or None
        return


@lru_cache(maxsize=4096)  # the same few fields at the same offsets, sheet after sheet
def _shifted(ref: str, dr: int, dc: int) -> tuple[str, int, int]:
    """A layout cell moved by (dr, dc): its reference, row and column."""
    moved = shift(ref, dr, dc)
    return (moved, *parse_a1(moved))


class FieldReader:
    """Reads declared fields at their (possibly shifted) cells, recording problems: the one
    field reader of every form (targets here; monitoring and self-evaluation in
    `perfxl.read_monitoring` and `perfxl.read_evaluation`)."""

    def __init__(
        self, sheet: Sheet, res: ReadResult, dr: int, dc: int, stage: str = "targets"
    ) -> None:
        """``stage``: the form the sheet is (``targets``, ``monitoring``, ``evaluation``),
        which says what an amount typed as text does to the figures perfxl computes."""
        self.sheet, self.res, self.dr, self.dc = sheet, res, dr, dc
        self.effect = AMOUNT_TEXT_EFFECT[stage]

    def read(self, f: L.Field, pointer: str) -> Any:
        ref, row, col = _shifted(f.ref, self.dr, self.dc)
        sheet = self.sheet
        self.res.locations[pointer] = (sheet.name, ref)
        rows = sheet.rows  # Sheet.get inlined (a workbook's fields are read by the hundred)
        if 0 < row <= len(rows) and 0 < col <= len(cells := rows[row - 1]):
            raw = cells[col - 1]
            if raw == "":
                raw = None
        else:
            raw = None
        if raw is None:
            self.res.blanks.append((sheet.name, ref, pointer, f.key in _REQUIRED_KEYS))
            return [] if f.kind == "lines" else None
        if f.kind == "amount":
            if type(raw) is float or type(raw) is int:  # bool is not an amount (`_amount`)
                return whole(raw)
            return self._amount(raw, self._where(ref, pointer))
        if f.kind == "lines":
            text = as_text(raw)
            return [] if text is None else text.replace("\r\n", "\n").split("\n")
        if f.kind == "integer":
            return as_integer(raw)
        if f.kind == "choice":
            return as_text(raw)
        if isinstance(raw, int | float) and not isinstance(raw, bool) and f.key in _CODE_KEYS:
            text = as_text(raw)
            self.res.problems.append(
                make(
                    "read.number_as_text_field",
                    **self._where(ref, pointer),
                    value=raw,
                    label=f.label,
                    text=text,
                )
            )
            return text
        return as_text(raw)

    def _where(self, ref: str, pointer: str) -> dict[str, Any]:
        """A problem's place (made only when there is a problem)."""
        return {"file": self.res.path, "sheet": self.sheet.name, "cell": ref, "pointer": pointer}

    def _amount(self, raw: Any, where: dict[str, Any]) -> Any:
        """An amount cell that does not hold a plain number: text that is one is read (and
        reported); a date, TRUE/FALSE or other text is kept as its text and reported, as SUM
        leaves it out (a TRUE taken as ``true`` went into the data unremarked)."""
        if raw is None:
            return raw
        if isinstance(raw, bool):
            text = as_text(raw)
            self.res.problems.append(make("read.amount_unreadable", **where, value=text))
            return text
        if isinstance(raw, int | float):
            return whole(raw)
        if isinstance(raw, dt.date | dt.time):
            self.res.problems.append(make("read.amount_unreadable", **where, value=str(raw)))
            return raw.isoformat()
        text = str(raw)
        if not text.strip():
            return None
        number = parse_amount_text(text)
        if number is None:
            self.res.problems.append(make("read.amount_unreadable", **where, value=text))
            return text
        self.res.problems.append(
            make("read.amount_text", **where, value=text, number=number, effect=self.effect)
        )
        return number


AMOUNT_TEXT_EFFECT: dict[str, str] = {
    "targets": "累计进度公式按 0 计（N()），封面合计（SUM）不含此金额；预算数或计划金额为文本时，perfxl compute 也不计算该项目的累计进度。",
    "monitoring": "调整后预算数（空白时为年初预算数）或1-X月执行数为文本时，该行没有执行率（表内公式留空），年度资金总额一行也没有预警灯；perfxl compute、validate 和县级监控汇总都不用此金额计算。",
    "evaluation": "全年预算数或全年执行数为文本时，该行没有执行率（表内公式留空）；年度资金总额一行也没有得分，该项目没有总分和自评等级；perfxl compute、validate 和县级自评汇总都不用此金额计算。",
}
"""What ``read.amount_text`` says an amount typed as text does, by the form it is on
(`perfxl.held`: the later stages' figures are computed from the cells as held)."""


_CODE_KEYS = frozenset({"code", "unit/code"})  # codes: a number typed there loses digits
_AMOUNT_TEXT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


def parse_amount_text(text: str) -> float | int | None:
    """An amount typed as text, when it is unambiguously a number of 万元; else None.

    Accepts full-width digits, spaces, thousands separators and a trailing 万元 (the money
    unit of the form). Anything else (元, 亿, words, two numbers) is ambiguous.
    """
    s = unicodedata.normalize("NFKC", text)
    s = "".join(s.split()).replace("，", ",")
    if s.endswith(C.MONEY_UNIT):
        s = s[: -len(C.MONEY_UNIT)]
    if not _AMOUNT_TEXT.match(s):
        return None
    return whole(float(s.replace(",", "")))


def as_integer(raw: Any) -> Any:
    """An integer field (a year, a month) as typed: a whole number, or digits typed as text,
    become an int; anything else is kept (JSON-able) for validation to report."""
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return _jsonable(raw)


def as_text(v: Any) -> Any:
    """A text field as typed; numbers and dates typed into text cells become their text.

    The reader's one conversion of a text cell, shared with the monitoring and evaluation
    readers and with the library's reading of a summary (`perfxl.services.yoy`).
    """
    if v is None:
        return None
    if isinstance(v, str):
        return v if v != "" else None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 2**53 else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    return str(v)


def as_target(v: Any) -> Any:
    """指标值 as typed: text stays text; a number cell stays a number (formats vary by reader).

    The reader's one conversion of a target cell (shared as `as_text` is)."""
    if isinstance(v, float | int) and not isinstance(v, bool):
        return whole(v)
    return as_text(v)


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, str | int | float | bool):
        return v
    return str(v)
