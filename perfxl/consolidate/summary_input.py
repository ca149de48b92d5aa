"""A summary made by ``perfxl consolidate``, read back as input (city from counties, ...).

Its units are records listed in a summary, never files read directly: `perfxl.versions` ranks a
unit's own workbook above them, so a summary never supersedes a township's file, and a record
whose file was also read directly counts once (`combine`). A summary found while walking a
folder is not read at all (`SUMMARY_SKIPPED`): it is almost always an earlier output.

The summary's long tables hold every stored column of every project, indicator, problem and
file, so the units it covers come back as the same submissions the township files gave: a
city that consolidates its counties' summaries gets what consolidating every township file
directly would give. Problems of the consolidation itself (``consolidate.*``: missing units,
duplicate codes, unreadable files) are recomputed at the new level, not carried over.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from perfxl.consolidate import columns as K
from perfxl.consolidate.records import Extracted, FileRecord, Submission
from perfxl.grid import Grid, Sheet

if TYPE_CHECKING:
    from perfxl.safety import Limits

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def is_summary(grid: Grid) -> bool:
    """True for a workbook written by `perfxl.consolidate.writer` (its 说明 carries a marker)."""
    for s in grid.sheets:
        if s.name == K.README_SHEET:
            return s.get(1, 1) == K.SUMMARY_MARKER
    return False


def stage_summary(grid: Grid) -> bool:
    """True for a county monitoring or self-evaluation summary (its 说明 carries the marker):
    not read back as input (no multi-level summary of those yet)."""
    from perfxl.consolidate.eval_columns import EVAL_MARKER

    for s in grid.sheets:
        if s.name == K.README_SHEET:
            return s.get(1, 1) in (K.MONITOR_MARKER, EVAL_MARKER)
    return False


# A summary file at least this large, named as an input, is read sheet by sheet and row by
# row (`read_summary_file`) instead of whole into a `Grid`: a province's summary holds
# millions of cells (a 2,000-township summary took 2.1 GB read whole).
STREAM_FROM = 8 * 1024 * 1024


def read_summary_file(path: str, record: FileRecord, limits: Limits) -> Extracted | None:
    """`read_summary` of a targets summary read from its file as a stream: one sheet at a
    time (python-calamine's range of that sheet), its rows one at a time; None when the file
    is not a targets summary (it is read as any other file).

    The file passes the same preflight (``limits``) as any input; each sheet's used range
    and each cell's text are checked as `perfxl.grid.calamine_grid.read_grid` checks them.

    Raises:
        UnreadableWorkbookError: the file is refused (a subclass says why).
    """
    import zipfile

    import python_calamine

    from perfxl.errors import UnreadableWorkbookError
    from perfxl.grid.calamine_grid import calamine_error
    from perfxl.safety import preflight
    from perfxl.savedtime import saved_time

    pre = preflight(path, limits)
    if pre.kind != "xlsx":
        return None
    core = pre.core
    if core is None:  # read by the preflight only from a small file
        try:
            with zipfile.ZipFile(path) as z:
                core = z.read("docProps/core.xml")
        except (KeyError, zipfile.BadZipFile, OSError):
            return None
    if K.SUMMARY_MARKER.encode() not in core:
        return None
    try:
        wb = python_calamine.CalamineWorkbook.from_path(path)
    except BaseException as exc:  # calamine raises its own error types, and panics
        raise calamine_error(exc, path) from exc
    try:
        names = [m.name for m in wb.sheets_metadata if "WorkSheet" in str(m.typ)]
        sheets: dict[str, Any] = {n: _Streamed(n, _stream(wb, n, path, limits)) for n in names}
        readme = sheets.get(K.README_SHEET)
        if readme is None:
            return None
        readme = sheets[K.README_SHEET] = Sheet(K.README_SHEET, list(readme.rows))
        if readme.get(1, 1) != K.SUMMARY_MARKER:
            return None
        record.saved = saved_time(path, core)
        return _read(sheets, record)
    except UnreadableWorkbookError:
        raise
    except BaseException as exc:  # a damaged part, met as it is read (as `read_grid` does)
        raise calamine_error(exc, path) from exc
    finally:
        wb.close()


class _Streamed:
    """A sheet of a summary read as a stream: its name and its rows (an iterator)."""

    __slots__ = ("name", "rows")

    def __init__(self, name: str, rows: Iterator[list[Any]]) -> None:
        self.name = name
        self.rows = rows


def _stream(wb: Any, name: str, path: str, limits: Limits) -> Iterator[list[Any]]:
    """The rows of sheet ``name``, empty strings as None (as `normalize_rows` gives them),
    read when first asked for; its used range and its texts checked as `read_grid` does."""
    from perfxl.grid.calamine_grid import check_size
    from perfxl.safety import check_text

    sh = wb.get_sheet_by_name(name)
    check_size(path, name, sh.height, sh.width, limits, dense=True)
    cap = limits.max_text_chars
    for r, raw in enumerate(sh.iter_rows(), start=1):
        row = [None if v == "" else v for v in raw]
        if max((len(v) for v in row if type(v) is str), default=0) > cap:
            check_text(path, Sheet(name, [[] for _ in range(r - 1)] + [row]), limits)
        yield row


def read_summary(grid: Grid, record: FileRecord) -> Extracted:
    """Every file and unit submission a summary lists.

    The tables' rows are taken out of ``grid`` as they are read (a province's summary holds
    millions of cells), and each text recurring in them (a unit, a file, a rule) is one
    object in the records: less memory here, and less to pickle for the parent.
    """
    return _read({s.name: s for s in grid.sheets}, record)


def _advised(problems: Iterable[Any]) -> set[str]:
    """The unreadable files whose reason said what to do (`FileRecord.advised`), as the
    summary's own 校验问题 rows show it: their message has no general advice after the
    reason. A summary keeps the reason's text, not the flag."""
    from perfxl.rules.catalogue import SUBMISSION_UNREADABLE_ADVICE

    return {
        str(r.source_file)
        for r in problems
        if r.rule == "consolidate.file_unreadable"
        and not str(r.message or "").endswith(SUBMISSION_UNREADABLE_ADVICE)
    }


def _read(sheets: dict[str, Any], record: FileRecord) -> Extracted:
    """`read_summary` of the summary's sheets by name (`Sheet`, or `_Streamed` but 说明)."""
    record.status = K.EXPANDED
    record.note = "汇总表：其中各单位的数据已逐项读入。"
    out = Extracted(files=[record])
    folder = _folder(sheets.get(K.README_SHEET))
    texts: dict[str, str] = {}
    joined: dict[str, str] = {}

    def rows(table: K.Table) -> list[Any]:  # the table's named rows, on all its sheets
        return _full_paths(table_rows(sheets, table, texts=texts), table, folder, joined)

    projects = _by_file(rows(K.SUMMARY))
    indicators = _by_file(rows(K.INDICATORS))
    listed = rows(K.PROBLEMS)
    problems = _by_file([r for r in listed if not str(r.rule or "").startswith("consolidate.")])
    advised = _advised(listed)
    for row in rows(K.FILES):
        f = row._asdict()
        if not f["source_file"] or not f["file_status"]:
            continue  # a missing unit: recomputed from the new level's list
        rec = FileRecord(
            path=str(f["source_file"]),
            status=str(f["file_status"]),
            sha256=str(f["sha256"] or ""),
            mtime=_mtime(f["modified"]),
            saved=_mtime(f["saved"]) or None,
            unit_code=_text(f["unit_code"]),
            unit_name=_text(f["unit_name"]),
            projects=int(f["projects"] or 0),
            note=str(f["note"] or ""),
            via=record.path,
            basis=str(f["basis"] or ""),  # kept unless versions meet again at this level
            changes=str(f["changes"] or ""),
            advised=str(f["source_file"]) in advised,
        )
        out.files.append(rec)
        if rec.status != K.USED:
            continue
        out.submissions.append(
            Submission(
                file=rec,
                projects=[
                    K.PROJECTS.make(getattr(r, k) for k in K.PROJECTS.keys)
                    for r in projects.get(rec.path, [])
                    if r.row_kind == K.ROW_PROJECT
                ],
                indicators=indicators.get(rec.path, []),
                problems=problems.get(rec.path, []),
            )
        )
    out.changes = [
        r._replace(newer_file=_joined(r.newer_file, folder)) for r in rows(K.VERSION_CHANGES)
    ]
    return out


def table_sheets(sheets: dict[str, Any], name: str) -> list[Any]:
    """The sheets holding a table of a summary: its own sheet ``name``, then the sheets its
    rows go on in (`columns.continued`: ``校验问题（续1）`` …), in order, as far as they run."""
    out = []
    i = 0
    while (sheet := sheets.get(K.continued(name, i))) is not None:
        out.append(sheet)
        i += 1
    return out


def table_rows(
    sheets: dict[str, Any],
    table: K.Table,
    cell: Callable[[Any, str], Any] | None = None,
    texts: dict[str, str] | None = None,
) -> list[Any]:
    """A table's rows (``table.make``) on all its sheets (`table_sheets`), columns found by
    their headers in row 1 of each, blank rows left out; taken out of the sheets.

    ``cell(value, kind)`` gives each value from the cell's (``kind``: the column's); by
    default the consolidation's reading (whole numbers as int, text columns as text),
    `as_written` keeps the values as they are in the sheet. ``texts``: one object per text.
    """
    return [
        r for sheet in table_sheets(sheets, table.sheet) for r in _rows(sheet, table, texts, cell)
    ]


def as_written(value: Any, kind: str) -> Any:
    """The cell's value as it is in the sheet (`table_rows` without any conversion)."""
    return value


def _folder(readme: Sheet | None) -> str:
    """The folder the summary's file names are relative to (its 说明 names it), or ''."""
    for row in readme.rows if readme is not None else []:
        if len(row) > 1 and row[0] == K.README_FOLDER and isinstance(row[1], str):
            return row[1]
    return ""


def _full_paths(
    rows: list[Any], table: K.Table, folder: str, joined: dict[str, str] | None = None
) -> list[Any]:
    """The rows with each relative file name joined to ``folder`` again (the path as given;
    ``joined``: the names joined so far, one object per file)."""
    if not folder:
        return rows
    memo: dict[str, str] = {} if joined is None else joined
    for i, r in enumerate(rows):
        name = r.source_file
        if isinstance(name, str) and name:
            full = memo.get(name)
            if full is None:
                full = memo[name] = _joined(name, folder) or name
            rows[i] = r._replace(source_file=full)
    return rows


def _joined(name: str | None, folder: str) -> str | None:
    """A file name of the summary joined to its folder again (as `_full_paths` does)."""
    if folder and name and not os.path.isabs(name):
        return os.path.join(folder, name)
    return name


def format_mtime(mtime: float | None) -> str:
    """A time (modification or saved) as shown in 提交情况 (local time, seconds)."""
    return dt.datetime.fromtimestamp(mtime).strftime(TIME_FORMAT) if mtime else ""


def _mtime(v: Any) -> float:
    if isinstance(v, dt.datetime):
        return v.timestamp()
    try:
        return dt.datetime.strptime(str(v), TIME_FORMAT).timestamp()
    except ValueError:
        return 0.0


def _rows(
    sheet: Any,
    table: K.Table,
    texts: dict[str, str] | None = None,
    cell: Callable[[Any, str], Any] | None = None,
) -> list[Any]:
    """The table's data rows, columns found by their headers in row 1 (order may change),
    taken out of ``sheet`` (a `Sheet`, each row let go once read, or a `_Streamed`).
    ``texts``: one object per text met (the records share them); ``cell``: each value from
    its cell's and its column's kind (default `_cell`)."""
    convert = _cell if cell is None else cell
    if sheet is None:
        return []
    grid_rows, sheet.rows = sheet.rows, []
    it = _taken(grid_rows)
    first = next(it, None)
    if first is None:
        return []
    header = [str(v) if v is not None else "" for v in first]
    pos = [header.index(c.header) if c.header in header else None for c in table.columns]
    kinds = [c.kind for c in table.columns]
    shared: dict[str, str] = {} if texts is None else texts
    out = []
    for raw in it:
        if all(v is None for v in raw):
            continue
        values = [
            convert(raw[p] if p is not None and p < len(raw) else None, k)
            for p, k in zip(pos, kinds, strict=True)
        ]
        out.append(table.make(shared.setdefault(v, v) if type(v) is str else v for v in values))
    return out


def _taken(rows: Iterable[list[Any]]) -> Iterator[list[Any]]:
    """The rows one by one; a list's let go of as they are read."""
    if not isinstance(rows, list):
        yield from rows
        return
    for i in range(len(rows)):
        raw, rows[i] = rows[i], []
        yield raw


def _by_file(rows: list[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        out[str(r.source_file)].append(r)
    return out


def _cell(v: Any, kind: str) -> Any:
    if v is None:
        return None
    if kind == "text":
        return _text(v)
    if kind == "int":
        return int(v) if isinstance(v, float) else v
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)  # as the workbook reader gives whole numbers
    return v


def _text(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
