"""One input file -> records (runs in a worker process): read, validate, turn into rows.

Nothing here raises for a bad file: a file that cannot be read or is not a perfxl workbook
comes back as a `FileRecord` with its reason, so one bad submission never stops the county.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

from perfxl import layout as L
from perfxl.consolidate import columns as K
from perfxl.consolidate.records import Extracted, FileRecord, Submission
from perfxl.errors import (
    NotAPerfxlWorkbookError,
    PerfxlError,
    UnsafeWorkbookError,
    os_reason,
)
from perfxl.gcpause import without_gc
from perfxl.problems import Problem

FOUND_SUMMARY_NOTE = (
    "perfxl 生成的汇总表，在文件夹中找到，未作为单位报送读入（多为此前的汇总结果）；"
    "如需汇总此汇总表，请把它作为输入文件直接给出。"
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from perfxl.consolidate.cache import Cache, Packed
    from perfxl.consolidate.writer import RowsXml


@without_gc  # one workbook's objects hold no cycle: the collector would find nothing
def extract_file(
    path: str,
    config_path: str | None = None,
    expand_summary: bool = True,
    layout: L.Layout = L.STANDARD,
    shown: str | None = None,
) -> Extracted:
    """Read one workbook (or a summary made by perfxl) into rows.

    Args:
        path: the file, as it will be shown in the summary.
        config_path: the validation config file, if any (loaded once per worker).
        expand_summary: read the units a summary lists (a summary named as an input); when
            False a summary is only reported (one found among the townships' files).
        layout: the form the workbooks are read with.
        shown: the name the records and rows give the file instead of ``path`` (the cache's
            placeholder); a summary's records always name its real path (the files it lists
            are found beside it).
    """
    from perfxl.consolidate import summary_input
    from perfxl.consolidate.cache import file_digest
    from perfxl.grid.calamine_grid import read_grid
    from perfxl.read import read_grid_model
    from perfxl.safety import DEFAULT_LIMITS, LARGE_LIMITS, read_whole
    from perfxl.savedtime import saved_time

    record = FileRecord(path=shown or path, status=K.USED)
    ours = lru_cache(maxsize=1)(partial(_ours, path))  # its docProps/core.xml read once, if at all
    try:
        data, st = read_whole(path)  # hashed here, checked and read by `read_grid`: one read
        record.sha256 = file_digest(path, data)
        record.mtime = st.st_mtime
        # A file named as an input may be a province's summary, read as a stream when large
        # (`summary_input.read_summary_file`). Only a summary perfxl wrote (its document
        # properties say so) is checked with the larger limits (`safety.LARGE_LIMITS`); any
        # other file, named or found, with the default ones.
        if expand_summary and st.st_size >= summary_input.STREAM_FROM and ours():
            record.path, shown_as = path, record.path  # a summary's records name its path
            streamed = summary_input.read_summary_file(path, record, LARGE_LIMITS)
            if streamed is not None:
                return streamed
            record.path = shown_as
        try:
            grid = read_grid(path, DEFAULT_LIMITS, data=data)
        except UnsafeWorkbookError as exc:
            if not (expand_summary and _large_summary(exc, ours)):
                raise
            grid = read_grid(path, LARGE_LIMITS, data=data)
    except (OSError, PerfxlError) as exc:
        if not expand_summary and _large_summary(exc, ours):
            record.status, record.note = K.SUMMARY_SKIPPED, FOUND_SUMMARY_NOTE
        else:
            _unreadable(record, exc)
        return Extracted(files=[record])
    from perfxl.consolidate.summary_input import is_summary, read_summary, stage_summary

    record.saved = saved_time(path, grid.core)  # after read_grid: the file passed the checks
    if stage_summary(grid):  # a monitoring or self-evaluation summary: never read back
        record.status = K.SUMMARY_SKIPPED
        record.note = (
            "perfxl 生成的监控汇总表或自评汇总表，未读入（多为此前的汇总结果）；"
            "请汇总各单位报送的监控表或自评表。"
        )
        return Extracted(files=[record])
    if is_summary(grid):
        if expand_summary:
            record.path = path
            return read_summary(grid, record)
        record.status, record.note = K.SUMMARY_SKIPPED, FOUND_SUMMARY_NOTE
        return Extracted(files=[record])
    res = read_grid_model(grid, layout=layout)
    if not res.is_perfxl:
        record.status = K.NOT_PERFXL
        record.note = NotAPerfxlWorkbookError.message_for(layout)
        return Extracted(files=[record])
    from perfxl.stages import not_for_consolidate

    verdict = not_for_consolidate(res.targets)
    if verdict is not None and res.targets.stage == "evaluation":  # never summed with the
        # targets, but with other self-evaluation workbooks (`eval_combine`, when every input is one)
        return _evaluation(res, record, verdict, config_path)
    if verdict is not None:  # a monitoring workbook: never summed with the targets, but with
        # other monitoring workbooks (`monitor_combine`, when every input is one)
        from decimal import Decimal

        from perfxl.consolidate.monitor_rows import monitoring_submission

        record.status, record.note = K.MONITORING_SKIPPED, verdict
        cfg = _config(config_path)
        problems = _validate(res, config_path)
        sub = monitoring_submission(
            res,
            problems,
            record,
            Decimal(repr(cfg.yellow_gap)),
            Decimal(repr(cfg.red_gap)),
        )
    else:
        from perfxl.consolidate.combine import sums_of
        from perfxl.consolidate.rows import submission

        problems = _validate(res, config_path)
        sub = submission(res, problems, record)
        sub.sums = sums_of(sub)  # here, in the worker (and kept in the cache)
    # No model is sent: the parent reads a file again only to compare a unit's versions
    # (`perfxl.consolidate.changes.model_of`), the rare case, rather than every worker
    # packing every model for it (3.6–5.0 % of a cold run's CPU at N = 1,000, session 8).
    return Extracted(files=[record], submissions=[sub])


def _evaluation(res: Any, record: FileRecord, verdict: str, config_path: str | None) -> Extracted:
    """A self-evaluation workbook scored by the profile its cover names (listed as 无法读取
    when that profile is unknown: no score could be trusted)."""
    from perfxl.consolidate.eval_rows import evaluation_submission
    from perfxl.scoring import get_profile

    try:
        profile = get_profile(res.targets.profile) if res.targets.profile else None
    except PerfxlError as exc:
        _unreadable(record, exc)
        return Extracted(files=[record])
    record.status, record.note = K.EVALUATION_SKIPPED, verdict
    problems = _validate(res, config_path)
    sub = evaluation_submission(res, problems, record, profile)
    return Extracted(files=[record], submissions=[sub])


def extract_batch(
    items: list[tuple[str, bool]],
    config_path: str | None = None,
    layout: L.Layout = L.STANDARD,
    cache: Cache | None = None,
    rows_xml: RowsXml | None = None,
    rows: bool = True,
) -> list[Extracted | Packed]:
    """`extract_cached` over a chunk of (path, expand_summary), in a worker (the parent
    unpacks the results: `perfxl.consolidate.cache.unpacked`)."""
    return [
        extract_cached(path, config_path, expand, layout, cache, rows_xml, rows)
        for path, expand in items
    ]


@without_gc  # rendered and packed too: the rows' XML made no cycle either
def extract_cached(
    path: str,
    config_path: str | None = None,
    expand_summary: bool = True,
    layout: L.Layout = L.STANDARD,
    cache: Cache | None = None,
    rows_xml: RowsXml | None = None,
    rows: bool = True,
) -> Extracted | Packed:
    """`extract_file`, its result kept in ``cache`` (None: no cache) for the next run: read
    under the cache's placeholder name, stored, then given this file's name (a result stored
    comes back `Packed`: `perfxl.consolidate.cache.unpacked` gives its records).

    With ``rows_xml``, each submission's 指标明细 and 校验问题 rows are also rendered as the
    summary will hold them (`render_xml`; kept in the cache entry too). ``rows`` False
    (nothing but the summary reads them: no tables), rows rendered whole are not sent to
    the parent when no cache keeps them (`perfxl.consolidate.cache.packed`)."""
    if cache is None:
        found = extract_file(path, config_path, expand_summary, layout)
        if rows_xml is None:
            return found
        render_xml(found, rows_xml)
        from perfxl.consolidate.cache import packed

        return packed(found, path, rows)  # a spilled run: the rows go to the spill as packed
    from perfxl.consolidate.cache import PLACEHOLDER

    found = extract_file(path, config_path, expand_summary, layout, PLACEHOLDER)
    return cache.keep(found, path, rows_xml, rows)


def render_xml(found: Extracted, rows_xml: RowsXml) -> list[list[Any]]:
    """Each targets submission of ``found`` (its rows named as the summary shows them) given
    its rows' XML (`Submission.xml`); returns, per submission, the 汇总 rows made to render
    it ([] when none: `RowsXml.render`)."""
    made: list[list[Any]] = []
    for s in found.submissions:
        rows: list[Any] = []
        if renders_rows(s):
            s.xml, rows = rows_xml.render(s)
        made.append(rows)
    return made


def renders_rows(s: Submission) -> bool:
    """Whether the workers render ``s``'s 指标明细 and 校验问题 rows (`render_xml`): a targets
    submission that has some (in its lists, or spilled as a cache hit's)."""
    if s.stage != "targets":
        return False
    return bool(s.indicators or s.problems or any(len(h) for h in s.spilled or ()))


def _large_summary(exc: Exception, ours: Callable[[], bool]) -> bool:
    """Whether a file was refused by the default limits only because it is a large summary
    perfxl wrote (a province's, say): its document properties say so (``ours``: `_ours`
    of the file, remembered)."""
    return isinstance(exc, UnsafeWorkbookError) and ours()


def _ours(path: str) -> bool:
    """Whether ``path`` is a summary perfxl wrote, by its document properties."""
    from pathlib import Path

    from perfxl.outputs import is_summary_file

    return is_summary_file(Path(path))


def _text(v: Any) -> str | None:
    return None if v is None or v == "" else str(v)


def _unreadable(record: FileRecord, exc: Exception) -> None:
    """``record`` as 无法读取 because of ``exc``: its reason, and whether that says what to do."""
    record.status = K.UNREADABLE
    if isinstance(exc, PerfxlError):
        record.note, record.advised = exc.message, exc.advises
    elif isinstance(exc, OSError):
        record.note = f"无法打开文件：{os_reason(exc)}"
    else:
        record.note = str(exc)


def _validate(res: Any, config_path: str | None) -> list[Problem]:
    """Every problem of what was read, as ``perfxl validate`` reports it: reading's own
    problems (disabled ones left out, severities as configured) and the rules'."""
    from perfxl.validate import check

    problems: list[Problem] = check(res, _config(config_path))
    return problems


@lru_cache(maxsize=4)
def _config(config_path: str | None) -> Any:
    """The config, loaded once per worker (the shipped defaults too: validation would load
    them again for every file)."""
    from perfxl.config import load_config

    return load_config(config_path)


def warm_up(config_path: str | None = None) -> None:
    """Import what `extract_file` needs and load the config it validates with, so worker
    processes forked afterwards start warm: each one loaded the config, parsed the core
    properties' parser and imported the rest for its first workbook, about half a
    workbook's work (62M instructions against 113M) done again in every worker."""
    import contextlib
    import importlib

    from perfxl.rules.families import FAMILIES

    warm = (
        "python_calamine",
        "perfxl.consolidate.changes",
        "perfxl.consolidate.rows",
        "perfxl.consolidate.eval_rows",
        "perfxl.consolidate.summary_input",
        "perfxl.grid.calamine_grid",
        "perfxl.heap",
        "perfxl.read",
        "perfxl.savedtime",
        "perfxl.stages",
        "perfxl.validate",
        "defusedxml.ElementTree",  # the core properties' time (`perfxl.savedtime`)
        *FAMILIES,
    )
    for name in warm:
        importlib.import_module(name)
    with contextlib.suppress(ImportError):  # the preflight's inflater, where installed
        importlib.import_module("isal.isal_zlib")
    _config(config_path)
