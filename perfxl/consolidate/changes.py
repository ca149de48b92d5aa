"""What each newer version of a unit's workbook changed (`perfxl.diff`), for the summary.

Only units that sent several versions are compared, so the parent reads those files again
(`model_of`: the very bytes the worker read, checked by their SHA-256) instead of every worker
sending every model it read. Each superseded version is compared with the next newer one (v1
with v2, v2 with v3, the newest being the one used): its 提交情况 row gets
`DiffResult.summary` and the 版本变化 sheet a row per change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from perfxl import layout as L
from perfxl.consolidate.columns import VersionChangeRow

if TYPE_CHECKING:
    from perfxl.consolidate.records import Submission
    from perfxl.diff import Change, DiffResult
    from perfxl.model import Targets

Model = tuple["Targets", dict[str, tuple[str, str]]]
NOT_COMPARED = "无法逐项比较：{which}是汇总表中的记录，汇总表不含工作簿的全部内容。"
CHANGED_SINCE = "无法逐项比较：{which}的文件在汇总过程中已被改动、移走或无法再次读取，请重新汇总。"


def compare(
    older: Submission,
    newer: Submission,
    shown: str,
    models: Callable[[Submission], Model | str],
) -> DiffResult | str:
    """What ``newer`` changed from ``older``, or why they cannot be compared (the 提交情况
    text after the newer file's name, `describe`). ``shown``: how the one-line summary names
    the newer file; ``models``: each one's model (`models_once`, made with the form the
    files were read with: a middle version of three is read once)."""
    old = models(older)
    if isinstance(old, str):
        return old.format(which="本版本")
    new = models(newer)
    if isinstance(new, str):
        return new.format(which="较新的版本")
    from perfxl.diff import diff

    return diff(
        old[0],
        new[0],
        old_path=older.file.path,
        new_path=shown,
        old_locations=old[1],
        new_locations=new[1],
    )


def model_of(sub: Submission, layout: L.Layout = L.STANDARD) -> Model | str:
    """``sub``'s model and its cells, read again from its file (only when the file still
    holds the bytes the worker read: same SHA-256), else why not (`NOT_COMPARED` for a record
    listed in a summary, `CHANGED_SINCE`; ``{which}`` left for the caller)."""
    if sub.file.via is not None:
        return NOT_COMPARED
    from perfxl.consolidate.cache import file_digest
    from perfxl.errors import PerfxlError
    from perfxl.grid.calamine_grid import read_grid
    from perfxl.read import read_grid_model
    from perfxl.safety import LARGE_LIMITS, read_whole

    try:
        data, _ = read_whole(sub.file.path)
        if file_digest(sub.file.path, data) != sub.file.sha256:
            return CHANGED_SINCE
        # the limits it passed in the worker, or the default ones (LARGE_LIMITS holds both)
        res = read_grid_model(read_grid(sub.file.path, LARGE_LIMITS, data=data), layout=layout)
    except (OSError, PerfxlError):
        return CHANGED_SINCE
    return res.targets, res.locations


def models_once(layout: L.Layout = L.STANDARD) -> Callable[[Submission], Model | str]:
    """`model_of` that reads each submission once: comparing v1 with v2 and v2 with v3 needs
    v2 twice (held only while one unit's versions are compared)."""
    seen: dict[int, Model | str] = {}  # by id: the caller holds every submission meanwhile

    def get(sub: Submission) -> Model | str:
        if id(sub) not in seen:
            seen[id(sub)] = model_of(sub, layout)
        return seen[id(sub)]

    return get


def describe(result: DiffResult | str, shown: str) -> str:
    """The 提交情况 text of a superseded version: the newer file and what it changed (or why
    it could not be compared, `compare`)."""
    return f"{shown}：{result if isinstance(result, str) else result.summary()}"


def change_rows(result: DiffResult, older: Submission, newer: Submission) -> list[VersionChangeRow]:
    """A 版本变化 row per change (values as ``perfxl diff`` shows them)."""
    f = older.file
    return [_row(c, f.unit_code, f.unit_name, f.path, newer.file.path) for c in result.changes]


def _row(
    c: Change, unit_code: str | None, unit_name: str | None, old: str, new: str
) -> VersionChangeRow:
    from perfxl.diff import ADDED, KIND_ZH, REMOVED, show

    return VersionChangeRow(
        unit_code,
        unit_name,
        old,
        new,
        KIND_ZH[c.kind],
        c.code,
        c.project,
        c.label,
        None if c.kind == ADDED else show(c.old, c.field),
        None if c.kind == REMOVED else show(c.new, c.field),
        c.old_sheet,
        c.old_cell,
        c.new_sheet,
        c.new_cell,
        c.text(),
    )


def carried(rows: Sequence[VersionChangeRow], superseded: set[str]) -> list[VersionChangeRow]:
    """The 版本变化 rows of summaries read as input whose superseded file is still listed as
    superseded (a record counted once, as its own direct reading, brings its rows no more)."""
    return [r for r in rows if r.source_file in superseded]
