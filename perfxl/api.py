"""The Python API for analysts: a county's workbooks as pandas DataFrames.

    >>> from perfxl.api import consolidate
    >>> county = consolidate(["乡镇报送/"], expected="应报单位.csv")
    >>> county.projects.query("row_kind == '项目'").groupby("unit_name").budget.sum()
    >>> county.write("汇总.xlsx")

The inputs are routed by kind as ``perfxl consolidate`` routes them, and the result is of that
kind: 绩效目标表 give a :class:`ConsolidationResult` (``projects``, ``units``, ``indicators``),
绩效运行监控表 all of one month a :class:`MonitoringResult` (``monitoring``,
``monitoring_units``, ``rectify``), 绩效自评表 all of one scoring profile an
:class:`EvaluationResult` (``evaluation``, ``evaluation_units``, ``lowest``); each has
``problems``, ``files``, ``frames``, ``exit_code``, ``write`` (that kind's summary workbook)
and ``write_tables``. A workbook of another kind given with them is listed in ``files`` as not
summed (监控表（无法汇总）, 自评表（无法汇总）) and ``exit_code`` is 2, as the command does.

pandas is imported only when a table is first asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import pandas as pd

    from perfxl.consolidate.combine import Consolidation
    from perfxl.consolidate.writer import RunInfo

# The tables of each kind of consolidation, as attributes (the rest is common).
_KIND_TABLES = {
    "targets": ("projects", "units", "indicators"),
    "monitoring": ("monitoring", "monitoring_units", "rectify"),
    "evaluation": ("evaluation", "evaluation_units", "lowest"),
}
_KIND_ZH = {
    "targets": "绩效目标表",
    "monitoring": "绩效运行监控表",
    "evaluation": "绩效自评表",
}


@dataclass
class _Result:
    """What every kind of consolidation gives (`consolidate` returns one of its kinds).

    Attributes:
        tables: the tables as rows (named tuples), what the summary workbook is written from.
        info: what the summary's 说明 sheet tells about the run.
    """

    tables: Consolidation
    info: RunInfo = field(repr=False)
    stage: ClassVar[str] = "targets"

    @cached_property
    def frames(self) -> dict[str, pd.DataFrame]:
        """Every table of this kind's summary by its file name (as ``write_tables`` names
        them: projects, units, ... for targets; monitoring, ... for monitoring)."""
        from perfxl.consolidate.tables import stage_frames

        return stage_frames(self.tables)

    @property
    def problems(self) -> pd.DataFrame:
        """校验问题: every problem found, with file, sheet and cell."""
        return self.frames["problems"]

    @property
    def files(self) -> pd.DataFrame:
        """提交情况: a row per file read (and per expected unit that sent none)."""
        return self.frames["files"]

    @property
    def exit_code(self) -> int:
        """What ``perfxl consolidate`` would exit with: 2 a file unusable (a workbook of
        another kind included), 1 errors or missing units, 0 all good."""
        return self.tables.exit_code

    def write(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write this kind's summary workbook as ``perfxl consolidate`` does, atomically (a
        targets summary can be read back as an input of a higher level).

        An existing file at ``path`` is replaced only when it is a perfxl summary (as the
        command replaces its own), or with ``overwrite``, which keeps it as ``NAME.bak.xlsx``.

        Raises:
            OutputExistsError: ``path`` is another existing file (nothing written).
            PerfxlError: as the command refuses: not an .xlsx name, one of the inputs (or a
                unit's workbook in an input folder), open elsewhere, read-only.
            ArgumentError: ``overwrite`` is not a bool.
        """
        from perfxl.consolidate.run import Options, write_outputs
        from perfxl.outputs import BY_API, SUMMARY, replacing
        from perfxl.write.patch.safeio import check_target

        out = _path(path, "path")
        _refuse_inputs([out], self.info, ".xlsx", "汇总工作簿")
        with replacing([out], SUMMARY, _flag(overwrite, "overwrite"), words=BY_API):
            check_target(out)
            write_outputs(self.tables, out, self.info, Options())
        return out

    def write_tables(
        self, folder: str | Path, *, parquet: bool | None = None, overwrite: bool = False
    ) -> list[Path]:
        """Write each table as ``NAME.csv`` (and ``NAME.parquet``; ``parquet`` True requires
        pyarrow, None writes it when installed), atomically, as ``consolidate --tables``
        does; the files written.

        A file already in ``folder`` under a table's name is replaced only when it is one of
        perfxl's tables (by its header, as the command replaces its own), or with
        ``overwrite``, which keeps it as ``NAME.bak.csv``.

        Raises:
            OutputExistsError: a table's file is another existing file (nothing written).
            PerfxlError: ``folder`` is a file, or a table would replace one of the inputs.
            ArgumentError: ``overwrite`` is not a bool.
        """
        from perfxl.consolidate.tables import table_paths, write_tables
        from perfxl.errors import TargetNotWritableError
        from perfxl.outputs import BY_API, TABLES, replacing

        where = _path(folder, "folder")
        if where.exists() and not where.is_dir():
            raise TargetNotWritableError(
                "这是一个文件，不是文件夹：各表写在所给的文件夹中（不存在时新建）。",
                path=str(where),
            )
        paths = table_paths(where)
        _refuse_inputs(paths, self.info)
        with replacing(paths, TABLES, _flag(overwrite, "overwrite"), words=BY_API):
            return write_tables(self.tables, where, parquet=parquet)[0]

    def __getattr__(self, name: str) -> Any:
        """A table of another kind asked for: say which kind this is and what it holds."""
        other = next((k for k, names in _KIND_TABLES.items() if name in names), None)
        if other is None or other == self.stage:
            raise AttributeError(name)
        raise AttributeError(
            f"{name}：本次汇总的是{_KIND_ZH[self.stage]}（{type(self).__name__}），"
            f"没有 {name} 表（{_KIND_ZH[other]}的汇总才有）；可用的表："
            f"{'、'.join(_KIND_TABLES[self.stage])}、problems、files。"
        )


@dataclass
class ConsolidationResult(_Result):
    """A consolidation of 绩效目标表, its long tables as DataFrames (column names:
    `perfxl.consolidate.columns`)."""

    stage: ClassVar[str] = "targets"

    @property
    def projects(self) -> pd.DataFrame:
        """汇总: a row per project (``row_kind`` 项目) and per unit subtotal (单位小计)."""
        return self.frames["projects"]

    @property
    def units(self) -> pd.DataFrame:
        """乡镇合计: a row per unit (``row_kind`` 单位), then the county total (合计)."""
        return self.frames["units"]

    @property
    def indicators(self) -> pd.DataFrame:
        """指标明细: a row per indicator of every project used."""
        return self.frames["indicators"]


@dataclass
class MonitoringResult(_Result):
    """A consolidation of 绩效运行监控表 of one month (the county monitoring summary's
    tables; column names: `perfxl.consolidate.columns` ``MONITOR_*``, ``RECTIFY``)."""

    stage: ClassVar[str] = "monitoring"

    @property
    def month(self) -> int | None:
        """The month the workbooks report on (1-N月)."""
        return self.tables.month

    @property
    def monitoring(self) -> pd.DataFrame:
        """监控汇总: a row per project (执行率, 序时进度, 预警) and a 小计 row per unit."""
        return self.frames["monitoring"]

    @property
    def monitoring_units(self) -> pd.DataFrame:
        """乡镇执行: a row per unit, then the county total."""
        return self.frames["monitoring_units"]

    @property
    def rectify(self) -> pd.DataFrame:
        """需整改: the red and yellow projects, and the indicators not 确定能 be met."""
        return self.frames["rectify"]


@dataclass
class EvaluationResult(_Result):
    """A consolidation of 绩效自评表 scored by one profile (the county self-evaluation
    summary's tables; column names: `perfxl.consolidate.eval_columns`)."""

    stage: ClassVar[str] = "evaluation"

    @property
    def profile(self) -> str | None:
        """The scoring profile every workbook names."""
        return self.tables.profile

    @property
    def evaluation(self) -> pd.DataFrame:
        """自评汇总: a row per project (执行率, 预算执行得分, 总分, 自评等级)."""
        return self.frames["evaluation"]

    @property
    def evaluation_units(self) -> pd.DataFrame:
        """乡镇得分: a row per unit (平均总分, grades), then the county total."""
        return self.frames["evaluation_units"]

    @property
    def lowest(self) -> pd.DataFrame:
        """低分项目: the lowest-scoring projects, and their rows short of full points with
        their 偏差原因分析及改进措施."""
        return self.frames["lowest"]


def consolidate(
    paths: str | Path | Sequence[str | Path],
    expected: str | Path | None = None,
    *,
    jobs: int | None = None,
    config: str | Path | None = None,
    prefer: str | Path | Sequence[str | Path] = (),
) -> ConsolidationResult | MonitoringResult | EvaluationResult:
    """Read and combine the workbooks (and summaries) among ``paths``; nothing is written.

    The kind of the result is the kind ``perfxl consolidate`` would summarise: every input a
    绩效运行监控表 of one month gives a :class:`MonitoringResult`, every input a 绩效自评表
    of one scoring profile an :class:`EvaluationResult`, otherwise a
    :class:`ConsolidationResult` of the 绩效目标表 (with a 监控表 or 自评表 among them
    listed in ``files`` as not summed, and ``exit_code`` 2). Check ``result.stage``
    (``targets``, ``monitoring``, ``evaluation``) or the class before asking for a table; a
    table of another kind (``projects`` of a monitoring result) raises AttributeError naming
    the kind.

    Args:
        paths: files and folders (searched recursively), as ``perfxl consolidate`` takes them;
            one file or folder may be given alone.
        expected: CSV of the units expected to submit (``单位编码,单位名称``).
        jobs: worker processes, 1 to 256 as the command takes them; None for one per core, 1
            to read in this process.
        config: the validation config file.
        prefer: files to use for their unit whatever their saved and modification times.

    Raises:
        DataError: no workbook among ``paths``; nothing to sum (every input a 监控表 or
            自评表 that cannot be summed with the others); 监控表 of different months or
            自评表 of different scoring profiles (each named with its files, as the command
            says); the expected-units list is unusable; or a ``prefer`` file is not among
            the inputs, cannot be used (unreadable, not a perfxl workbook, another stage, a
            summary) or shares its unit with another ``prefer`` file.
        ConfigError: the config file is unusable.
        ArgumentError: an argument of the wrong type, or ``jobs`` out of range.
    """
    from perfxl.consolidate.run import Options
    from perfxl.services import gather

    inputs = [_path(p, "paths") for p in _many(paths, "paths")]
    opts = Options(
        expected=_path(expected, "expected") if expected else None,
        jobs=_jobs(jobs),
        config=_path(config, "config") if config else None,
        prefer=tuple(
            str(_path(p, "prefer"))
            for p in ([prefer] if isinstance(prefer, str | Path) else prefer)
        ),
    )
    tables, info = gather(inputs, opts)
    if tables.stage == "monitoring":
        return MonitoringResult(tables, info)
    if tables.stage == "evaluation":
        return EvaluationResult(tables, info)
    return ConsolidationResult(tables, info)


def _path(value: Any, name: str) -> Path:
    """``value`` as a path (a str or a Path, as the command line gives them).

    Raises:
        ArgumentError: anything else, naming the argument.
    """
    from perfxl.errors import ArgumentError

    if isinstance(value, str | Path) and str(value):
        return Path(value)
    raise ArgumentError(
        f"参数 {name} 应为文件或文件夹的路径（str 或 pathlib.Path），实际为 {value!r}。"
    )


def _many(value: Any, name: str) -> list[Any]:
    """One path or a sequence of them, as a list (a str is one path, not its letters).

    Raises:
        ArgumentError: neither, naming the argument.
    """
    from perfxl.errors import ArgumentError

    if isinstance(value, str | Path):
        return [value]
    if isinstance(value, Sequence | set | frozenset):
        return list(value)
    raise ArgumentError(
        f"参数 {name} 应为文件或文件夹的路径，或由路径组成的列表，实际为 {value!r}。"
    )


def _jobs(jobs: Any) -> int | None:
    """``jobs`` as the command takes it (1 to 256, None: one per core).

    Raises:
        ArgumentError: another type or value.
    """
    from perfxl.errors import ArgumentError

    if jobs is None or (type(jobs) is int and 1 <= jobs <= 256):
        return jobs
    raise ArgumentError(
        f"参数 jobs 应为 1 到 256 的整数（或 None：每个 CPU 核一个），实际为 {jobs!r}。"
    )


def _flag(value: Any, name: str) -> bool:
    """``value``, a bool (a truthy string is no answer to "overwrite?").

    Raises:
        ArgumentError: anything else, naming the argument.
    """
    from perfxl.errors import ArgumentError

    if isinstance(value, bool):
        return value
    raise ArgumentError(f"参数 {name} 应为 True 或 False，实际为 {value!r}。")


def _refuse_inputs(
    outputs: Sequence[Path], info: RunInfo, suffix: str | None = None, what: str = ""
) -> None:
    """Refuse outputs the command would refuse: a wrong extension, one of the run's inputs
    (the files and folders read, the expected list, the config, the preferred files) or a
    unit's workbook found in an input folder (perfxl's own earlier summary may be replaced).

    Raises:
        OutputSuffixError, OutputIsInputError: as ``perfxl consolidate`` raises them.
    """
    from perfxl.outputs import check_suffix, is_summary_file, refuse_inputs

    if suffix is not None:
        check_suffix(outputs[0], [suffix], what)
    refuse_inputs(
        outputs,
        [*info.inputs, info.expected, info.config, *info.prefer],
        replaceable=is_summary_file,
    )


__all__ = ["ConsolidationResult", "EvaluationResult", "MonitoringResult", "consolidate"]
