"""What a worker hands back for one input file: plain records, cheap to pickle."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from perfxl.consolidate.columns import (
    IndicatorRow,
    MonitorIndicatorRow,
    MonitorProjectRow,
    ProblemRow,
    ProjectRow,
    VersionChangeRow,
)

if TYPE_CHECKING:
    from perfxl.consolidate.spill import Spilled

Row = tuple[Any, ...]  # a row of any long table (each is a named tuple of `columns`)


@dataclass
class FileRecord:
    """One file read (or a file listed inside a summary that was read).

    Attributes:
        path: the file as found (or as listed in the summary it came from).
        status: a 文件状态 from `columns` (采用, 无法读取, ...); 采用 until versions are chosen.
        sha256: hex digest of the file's bytes.
        mtime: the file's modification time (seconds since the epoch).
        saved: the workbook's own last-saved time (seconds since the epoch), None if unknown;
            decides the newest version before ``mtime`` (`perfxl.versions`).
        unit_code: the unit the file belongs to, when known.
        unit_name: its name, when known.
        projects: number of projects read.
        note: why a file could not be used, or where it came from.
        via: the summary this record was listed in (None: the file was read itself).
        basis: what decided its unit's version (a key of `perfxl.versions.BASIS_ZH`).
        changes: for a superseded version, the next newer version and what it changed
            (`perfxl.consolidate.changes`).
        advised: ``note`` says what to do itself (`PerfxlError.advises`): the problem of an
            unreadable file adds no general advice.
    """

    path: str
    status: str
    sha256: str = ""
    mtime: float = 0.0
    saved: float | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    projects: int = 0
    note: str = ""
    via: str | None = None
    basis: str = ""
    changes: str = ""
    advised: bool = False


@dataclass
class Submission:
    """One unit's workbook, as rows of the long tables (`columns.PROJECTS`, ...).

    A 绩效运行监控表 fills ``monitor`` and ``rectify`` instead of ``projects`` and
    ``indicators``, with its ``month``; it is summed only among monitoring workbooks.
    A 绩效自评表 fills ``scores`` (a `eval_columns.EvalProjectRow` per project) and ``short``
    (its projects' rows short of full points, `eval_columns.EvalLowRow`), under its scoring
    ``profile``; it is summed only among self-evaluation workbooks.
    ``spilled``: when the run spills rows to disk (`perfxl.consolidate.spill`), the
    ``indicators`` and ``problems`` written there (the lists are then empty), with
    ``tally``, the problems counted by (file, sheet, severity) and (file, None, severity,
    "file") as `combine` counts them.
    """

    file: FileRecord
    projects: list[ProjectRow] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)
    problems: list[ProblemRow] = field(default_factory=list)
    monitor: list[MonitorProjectRow] = field(default_factory=list)
    rectify: list[MonitorIndicatorRow] = field(default_factory=list)
    month: int | None = None
    stage: str = "targets"
    scores: list[Any] = field(default_factory=list)
    short: list[Any] = field(default_factory=list)
    profile: str | None = None
    spilled: tuple[Spilled[IndicatorRow], Spilled[ProblemRow]] | None = None
    tally: Counter[tuple[Any, ...]] | None = None
    sums: Any = None  # its projects' percentages and totals (`combine.Sums`), made by the worker
    xml: Any = None  # its indicators' and problems' rows rendered by the worker
    # (`perfxl.consolidate.writer.SubmissionXml`), until they are spilled
    summary_xml: Any = None  # its 汇总 rows rendered (by the worker with a cache, else by
    # the parent as its chunk arrives: `run._keeper`), spilled
    # (`perfxl.consolidate.spill.SpilledXml`; `combine` checks they stand)
    summary_rows: Any = None  # the very 汇总 rows its XML was rendered from, spilled when
    # the run writes tables: the parent's as its chunk arrived (`writer.RowsXml.with_summaries`),
    # or a worker's filling a cache (handed on as a list, never stored: `cache.Cache.keep`,
    # then `spill.spill_rows`); made once, they feed the tables as their XML feeds the
    # summary (`combine._spilled_summary`)

    @property
    def unit_key(self) -> str:
        """What versions are grouped by: the unit code, or the file when it has none."""
        return self.file.unit_code or f"?{self.file.path}"


@dataclass
class Extracted:
    """Everything one input file yields: one file and one submission for a unit's workbook;
    for a summary, the summary itself plus every file and submission it lists, and its
    版本变化 rows."""

    files: list[FileRecord] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    changes: list[VersionChangeRow] = field(default_factory=list)
