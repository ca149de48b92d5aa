"""Grid + layout -> model for the monitoring stage: a monitoring project sheet
(项目支出绩效目标执行监控表) read into a Project (the carried targets) and its
ProjectMonitoring, and the month from the cover (or from the sheets' 1-X月 labels)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from perfxl import layout as L
from perfxl.cells import a1, parse_a1, shift
from perfxl.model import (
    Indicator,
    IndicatorProgress,
    Project,
    ProjectMonitoring,
)
from perfxl.rules.catalogue import make

if TYPE_CHECKING:
    from perfxl.grid import Grid, Sheet
    from perfxl.read import FieldReader, ReadResult, SheetInfo

_INITIAL = {
    "total/initial": "budget",
    "fiscal/initial": "fiscal_funds",
    "other/initial": "other_funds",
}


def read_fields(
    reader: FieldReader, form: L.MonitoringForm | L.EvaluationForm, p: Project, typed: Any, at: str
) -> None:
    """A later stage's project fields: the carried ones into ``p`` (its 年初预算数 as the
    targets' amounts), the typed ones into ``typed`` (the stage's part of ``p``, located
    below ``at``)."""
    base = at.rsplit("/", 1)[0]
    for f in form.carried:
        key = _INITIAL.get(f.key, f.key)
        setattr(p, key, reader.read(L.Field(key, f.ref, f.kind, f.span, f.label), f"{base}/{key}"))
    for f in form.fields:
        value = reader.read(f, f"{at}/{f.key}")
        if "/" in f.key:
            row, col = f.key.split("/")
            setattr(getattr(typed, row), col, value)
        else:
            setattr(typed, f.key, value)
    for f in form.carried:  # 年初预算数 is the targets' amount: one value, two places in JSON
        if f.key in _INITIAL:
            getattr(typed, f.key.split("/")[0]).initial = getattr(p, _INITIAL[f.key])


def locate_indicator(
    res: ReadResult,
    sheet: Sheet,
    at: str,
    j: int,
    r: int,
    dc: int,
    columns: Mapping[str, tuple[int, int]],
    input_keys: Iterable[str],
    typed_key: str,
) -> None:
    """Where indicator ``j``'s cells are (sheet row ``r``, columns shifted by ``dc``): the
    carried ones below the project, the typed ones (``input_keys``) below ``at``, the stage's
    part of the row at its ``typed_key`` cell."""
    base = at.rsplit("/", 1)[0]
    typed = set(input_keys)
    for k, (c0, _) in columns.items():
        where = f"{at}/indicators/{j}/{k}" if k in typed else f"{base}/indicators/{j}/{k}"
        res.locations[where] = (sheet.name, a1(r, c0 + dc))
    res.locations[f"{base}/indicators/{j}"] = (sheet.name, a1(r, columns["level1"][0] + dc))
    res.locations[f"{at}/indicators/{j}"] = (sheet.name, a1(r, columns[typed_key][0] + dc))


def cover_value(grid: Grid, res: ReadResult, ref: str, pointer: str) -> Any:
    """The value at ``ref`` of the workbook's cover (located as ``pointer``); None without a
    cover."""
    for info in res.sheets:
        if info.kind != "cover":
            continue
        sheet = next(s for s in grid.sheets if s.name == info.name)
        r, c = parse_a1(shift(ref, info.row_offset, info.col_offset))
        res.locations[pointer] = (sheet.name, a1(r, c))
        return sheet.get(r, c)
    return None


def check_monitoring_labels(
    sheet: Sheet, dr: int, dc: int, res: ReadResult
) -> tuple[bool, int | None]:
    """Every required label in place (problems recorded); and the month its labels show (the
    first label showing one, recorded in ``res.label_months``)."""
    ok, month = True, None
    for lab in res.layout.monitoring.labels:
        if not lab.required:
            continue
        ref = shift(lab.ref, dr, dc)
        actual = sheet.get(*parse_a1(ref))
        found = L.label_month(lab.text, actual)
        if found is False:
            ok = False
            res.problems.append(
                make(
                    "read.label_missing",
                    file=res.path,
                    sheet=sheet.name,
                    cell=ref,
                    value=None if actual is None else str(actual),
                    expected=L.month_label(lab.text, None),
                    actual="" if actual is None else actual,
                )
            )
        elif found is not True and isinstance(found, int) and month is None:
            month = found
            res.label_months.append((sheet.name, ref, str(actual).strip(), found))
    return ok, month


def read_monitoring_sheet(sheet: Sheet, dr: int, dc: int, info: SheetInfo, res: ReadResult) -> bool:
    """Read one monitoring sheet into ``res.targets.projects``; False when its labels are broken."""
    from perfxl.read import FieldReader

    ok, month = check_monitoring_labels(sheet, dr, dc, res)
    if not ok:
        return False
    info.project_index = index = len(res.targets.projects)
    if month is not None and res.targets.month is None:  # the cover's, when there is one, wins
        res.targets.month = month
    base = f"/projects/{index}"
    form = res.layout.monitoring
    reader = FieldReader(sheet, res, dr, dc, "monitoring")
    p = Project(monitoring=ProjectMonitoring())
    m = p.monitoring
    assert m is not None
    read_fields(reader, form, p, m, f"{base}/monitoring")
    p.indicators, m.indicators = _read_rows(sheet, dr, dc, base, res)
    res.targets.projects.append(p)
    return True


def _read_rows(
    sheet: Sheet, dr: int, dc: int, base: str, res: ReadResult
) -> tuple[list[Indicator], list[IndicatorProgress]]:
    from perfxl.read import as_target, as_text, indicator_rows, note_indicator_table

    form = res.layout.monitoring
    columns = {k: v for k, v in form.indicator_columns.items() if k != "light"}
    first = form.indicator_first_row + dr
    inds: list[Indicator] = []
    progress: list[IndicatorProgress] = []
    rows: list[int] = []
    for r, raw in indicator_rows(sheet, columns, first, dc):
        rows.append(r)
        values = {
            k: as_target(v) if k in ("target", "current", "forecast") else as_text(v)
            for k, v in raw.items()
        }
        locate_indicator(
            res,
            sheet,
            f"{base}/monitoring",
            len(inds),
            r,
            dc,
            columns,
            L.MONITORING_INPUT_INDICATOR_KEYS,
            "current",
        )
        inds.append(Indicator(**{k: values[k] for k in L.MONITORING_CARRIED_INDICATOR_KEYS}))
        progress.append(
            IndicatorProgress(**{k: values[k] for k in L.MONITORING_INPUT_INDICATOR_KEYS})
        )
    note_indicator_table(res, sheet, base, first, columns, dc, rows)
    return inds, progress


def read_month(grid: Grid, res: ReadResult) -> Any:
    """The monitoring month: the cover's 监控月份 as typed, else (no cover) the one the sheets'
    labels show.

    The cover's cell is the one the sheet's 序时进度 formula reads, so it is the month even
    when it is no month: blank is None (not the labels' month, which the formula does not
    see), a whole number an int, anything else (``13``, ``七月``, a ``7`` typed as text, which
    ``N()`` counts as 0) kept as typed for validation to report (``monitoring.month_invalid``;
    `perfxl.monitoring.month_of` gives no month for it).
    """
    from perfxl.read import as_integer

    if not any(info.kind == "cover" for info in res.sheets):
        return res.targets.month
    raw = cover_value(grid, res, res.layout.monitoring_cover.month.ref, "/month")
    if isinstance(raw, str):
        return raw if raw.strip() else None
    return as_integer(raw)


def read_carried_record(sheet: Sheet, info: SheetInfo, res: ReadResult) -> bool:
    """Read the monitoring workbook's record of what it carried (`perfxl.carried`) into
    ``res.carried`` when ``sheet`` is that record (known by its title); False when it is not.

    A second record (a copied sheet) is taken for the record too, the first one read wins.
    """
    from perfxl.carried import record_from_rows

    form = res.layout.carried_record
    title = sheet.get(*parse_a1(form.title.ref))
    if L.normalize_label(title) != L.normalize_label(form.title.text):
        return False
    info.kind = "record"
    if res.carried is None:
        first = form.first_value_column

        def keys(row: int) -> list[str]:
            cells = sheet.rows[row - 1][first - 1 :] if row <= sheet.nrows else []
            return [str(v) for v in cells if v is not None]

        cols = [form.columns[k] - 1 for k in ("sheet", "project", "indicator")]
        project_keys, indicator_keys = keys(form.header_row), keys(form.indicator_keys_row)
        rows = (
            [*(row[c] if c < len(row) else None for c in cols), *row[first - 1 :]]
            for row in sheet.rows[form.first_row - 1 :]
        )
        res.carried = record_from_rows(rows, project_keys, indicator_keys)
    return True
