"""The Python API for analysts: a county's workbooks as pandas DataFrames.

    >>> from perfxl.api import consolidate
    >>> county = consolidate(["乡镇报送/"], expected="应报单位.csv")
    >>> county.projects.query("row_kind == '项目'").groupby("unit_name").budget.sum()
    >>> county.write("汇总.xlsx")

pandas is imported only when a table is first asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from perfxl.consolidate.combine import Consolidation
    from perfxl.consolidate.writer import RunInfo


@dataclass
class ConsolidationResult:
    """A consolidation, its long tables as DataFrames (column names: `perfxl.consolidate.columns`).

    Attributes:
        tables: the tables as rows (named tuples), what the summary workbook is written from.
        info: what the summary's 说明 sheet tells about the run.
    """

    tables: Consolidation
    info: RunInfo = field(repr=False)

    @cached_property
    def _frames(self) -> dict[str, pd.DataFrame]:
        from perfxl.consolidate.tables import frames

        return frames(self.tables)

    @property
    def projects(self) -> pd.DataFrame:
        """汇总: a row per project (``row_kind`` 项目) and per unit subtotal (单位小计)."""
        return self._frames["projects"]

    @property
    def units(self) -> pd.DataFrame:
        """乡镇合计: a row per unit (``row_kind`` 单位), then the county total (合计)."""
        return self._frames["units"]

    @property
    def indicators(self) -> pd.DataFrame:
        """指标明细: a row per indicator of every project used."""
        return self._frames["indicators"]

    @property
    def problems(self) -> pd.DataFrame:
        """校验问题: every problem found, with file, sheet and cell."""
        return self._frames["problems"]

    @property
    def files(self) -> pd.DataFrame:
        """提交情况: a row per file read (and per expected unit that sent none)."""
        return self._frames["files"]

    @property
    def exit_code(self) -> int:
        """What ``perfxl consolidate`` would exit with: 2 a file unusable, 1 errors or
        missing units, 0 all good."""
        return self.tables.exit_code

    def write(self, path: str | Path) -> Path:
        """Write the summary workbook (汇总, 乡镇合计, 指标明细, 校验问题, 提交情况, charts),
        atomically; a summary can be read back as an input of a higher level."""
        from perfxl.consolidate.writer import write_summary
        from perfxl.write.patch.safeio import check_target

        out = Path(path)
        check_target(out)
        write_summary(self.tables, out, self.info)
        return out

    def write_tables(self, folder: str | Path, *, parquet: bool | None = None) -> list[Path]:
        """Write each table as ``NAME.csv`` (and ``NAME.parquet``; ``parquet`` True requires
        pyarrow, None writes it when installed), atomically, as ``consolidate --tables``
        does; the files written."""
        from perfxl.consolidate.tables import write_tables

        return write_tables(self.tables, Path(folder), parquet=parquet)[0]


def consolidate(
    paths: Sequence[str | Path],
    expected: str | Path | None = None,
    *,
    jobs: int | None = None,
    config: str | Path | None = None,
    prefer: Sequence[str] = (),
) -> ConsolidationResult:
    """Read and combine the workbooks (and summaries) among ``paths``; nothing is written.

    Args:
        paths: files and folders (searched recursively), as ``perfxl consolidate`` takes them.
        expected: CSV of the units expected to submit (``单位编码,单位名称``).
        jobs: worker processes; None for one per core, 1 to read in this process.
        config: the validation config file.
        prefer: files to use for their unit whatever their saved and modification times.

    Raises:
        DataError: no workbook among ``paths``, or the expected-units list is unusable.
        ConfigError: the config file is unusable.
    """
    from perfxl.consolidate.run import Options
    from perfxl.services import gather

    opts = Options(
        expected=Path(expected) if expected else None,
        jobs=jobs,
        config=Path(config) if config else None,
        prefer=tuple(prefer),
    )
    return ConsolidationResult(*gather(paths, opts))


__all__ = ["ConsolidationResult", "consolidate"]
