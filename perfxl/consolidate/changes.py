"""What each newer version of a unit's workbook changed (`perfxl.diff`), for the summary.

Only units that sent several versions are compared, so the parent reads those files again
(`model_of`: the very bytes the worker read, checked by their SHA-256) instead of every worker
packing every model it read. A cache entry written by an earlier run may still hold a packed
model (`pack`): it is used as it is. Each superseded
version is compared with the next newer one (v1 with v2, v2 with v3, the newest being the one
used): its 提交情况 row gets `DiffResult.summary` and the 版本变化 sheet a row per change.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from perfxl import layout as L
from perfxl.consolidate.columns import VersionChangeRow

if TYPE_CHECKING:
    from perfxl.consolidate.records import Submission
    from perfxl.consolidate.spill import Blob
    from perfxl.diff import Change, DiffResult
    from perfxl.model import Targets

Model = tuple["Targets", dict[str, tuple[str, str]]]
NOT_COMPARED = "无法逐项比较：{which}是汇总表中的记录，汇总表不含工作簿的全部内容。"
CHANGED_SINCE = "无法逐项比较：{which}的文件在汇总过程中已被改动、移走或无法再次读取，请重新汇总。"


def pack(targets: Targets, locations: Mapping[str, tuple[str, str]]) -> bytes:
    """The model and its cells as a compressed pickle (about 13 KB for 20 projects): cheap to
    hand from a worker to the parent and to hold until the versions are chosen.

    The cells (a thousand pointers for 20 projects) go as three texts, the pointers, sheets
    and cells each joined by NUL, when every place is two texts and none holds a NUL (no
    pointer or cell reference can; a sheet name cannot either, XML has no NUL): three strings
    pickle and compress in less time than a thousand tuples. Otherwise the dict goes as it is.
    """
    cut: tuple[str, str, str] | dict[str, tuple[str, str]] | None = None
    try:
        sheets = _SEP.join([s for s, _ in locations.values()])
        cells = _SEP.join([c for _, c in locations.values()])
        pointers = _SEP.join(locations)
    except TypeError:  # a place not given as two texts: the dict as it is
        pass
    else:
        n = len(locations) - 1
        if n >= 0 and sheets.count(_SEP) == cells.count(_SEP) == pointers.count(_SEP) == n:
            cut = (pointers, sheets, cells)
    if cut is None:
        cut = dict(locations)
    data = pickle.dumps((targets, cut), protocol=pickle.HIGHEST_PROTOCOL)
    return _compress(data)


def _compress(data: bytes) -> bytes:
    """A zlib stream of ``data`` at level 1: python-isal's where it is installed (a quarter of
    zlib's time for 3 % more bytes), else zlib's; `unpack` inflates either with zlib."""
    try:
        from isal import isal_zlib
    except ImportError:  # zlib does the same, slower
        return zlib.compress(data, 1)
    return isal_zlib.compress(data, 1)


_SEP = "\x00"


def unpack(blob: bytes | Blob) -> Model:
    """The model and its cells packed by `pack` (in a worker of this very run; written to
    the run's spill file, `perfxl.consolidate.spill`, when it spills)."""
    if not isinstance(blob, bytes):
        blob = blob.load()
    targets, cut = pickle.loads(zlib.decompress(blob))  # our own worker's bytes
    if isinstance(cut, dict):
        return targets, cut
    pointers, sheets, cells = (text.split(_SEP) for text in cut)
    if not len(pointers) == len(sheets) == len(cells):
        raise ValueError("packed cells out of step")  # never: pack joined them so
    return targets, dict(zip(pointers, zip(sheets, cells)))  # noqa: B905 (lengths checked)


def compare(
    older: Submission,
    newer: Submission,
    shown: str,
    layout: L.Layout = L.STANDARD,
    models: Callable[[Submission], Model | str] | None = None,
) -> DiffResult | str:
    """What ``newer`` changed from ``older``, or why they cannot be compared (the 提交情况
    text after the newer file's name, `describe`). ``shown``: how the one-line summary names
    the newer file; ``layout``: the form the files were read with; ``models``: where the
    two models come from (`models_once`: a middle version of three is read once), else
    `model_of` each."""
    get = models if models is not None else (lambda s: model_of(s, layout))
    old = get(older)
    if isinstance(old, str):
        return old.format(which="本版本")
    new = get(newer)
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
    """``sub``'s model and its cells: unpacked when a cache entry of an earlier run kept it
    packed, else read again from its file (only when the file still holds the bytes the
    worker read: same SHA-256), else why not (`NOT_COMPARED` for a record listed in a
    summary, `CHANGED_SINCE`; ``{which}`` left for the caller)."""
    if sub.model is not None:
        return unpack(sub.model)
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
