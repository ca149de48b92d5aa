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
from typing import Any

from perfxl.consolidate import columns as K
from perfxl.consolidate.records import Extracted, FileRecord, Submission
from perfxl.grid import Grid, Sheet

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


def read_summary(grid: Grid, record: FileRecord) -> Extracted:
    """Every file and unit submission a summary lists.

    The tables' rows are taken out of ``grid`` as they are read (a province's summary holds
    millions of cells), and each text recurring in them (a unit, a file, a rule) is one
    object in the records: less memory here, and less to pickle for the parent.
    """
    sheets = {s.name: s for s in grid.sheets}
    record.status = K.EXPANDED
    record.note = "汇总表：其中各单位的数据已逐项读入。"
    out = Extracted(files=[record])
    folder = _folder(sheets.get(K.README_SHEET))
    texts: dict[str, str] = {}
    joined: dict[str, str] = {}

    def rows(table: K.Table) -> list[Any]:  # the table's named rows, on all its sheets
        found = [
            r for sheet in table_sheets(sheets, table.sheet) for r in _rows(sheet, table, texts)
        ]
        return _full_paths(found, table, folder, joined)

    projects = _by_file(rows(K.SUMMARY))
    indicators = _by_file(rows(K.INDICATORS))
    problems = _by_file(
        [r for r in rows(K.PROBLEMS) if not str(r.rule or "").startswith("consolidate.")]
    )
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


def table_sheets(sheets: dict[str, Sheet], name: str) -> list[Sheet]:
    """The sheets holding a table of a summary: its own sheet ``name``, then the sheets its
    rows go on in (`columns.continued`: ``校验问题（续1）`` …), in order, as far as they run."""
    out = []
    i = 0
    while (sheet := sheets.get(K.continued(name, i))) is not None:
        out.append(sheet)
        i += 1
    return out


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


def _rows(sheet: Sheet | None, table: K.Table, texts: dict[str, str] | None = None) -> list[Any]:
    """The table's data rows, columns found by their headers in row 1 (order may change),
    taken out of ``sheet`` (each row let go once read). ``texts``: one object per text met
    (the records share them)."""
    if sheet is None or not sheet.rows:
        return []
    grid_rows, sheet.rows = sheet.rows, []
    header = [str(v) if v is not None else "" for v in grid_rows[0]]
    pos = [header.index(c.header) if c.header in header else None for c in table.columns]
    kinds = [c.kind for c in table.columns]
    shared: dict[str, str] = {} if texts is None else texts
    out = []
    for i in range(1, len(grid_rows)):
        raw, grid_rows[i] = grid_rows[i], []
        if all(v is None for v in raw):
            continue
        values = [
            _cell(raw[p] if p is not None and p < len(raw) else None, k)
            for p, k in zip(pos, kinds, strict=True)
        ]
        out.append(table.make(shared.setdefault(v, v) if type(v) is str else v for v in values))
    return out


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
