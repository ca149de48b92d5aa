"""The long tables as pandas DataFrames, written as CSV (UTF-8 with BOM, so Excel opens it
right) and Parquet (pyarrow, the optional ``parquet`` extra).

A CSV cell is the summary's cell: the rows' values as they are (8, 12.35, and a computed
30.0 as the summary holds it), through a frame of Python objects; Parquet and the API get
typed columns (amounts float64).

pandas is imported here only, when tables are asked for: validate, compute and the ribbon
never pay for it. Each file is written atomically (temp file, then rename): an interrupted
run leaves every table either as it was or complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfxl.consolidate import columns as K
from perfxl.consolidate.eval_columns import EVAL_LOWEST, EVAL_SUMMARY, EVAL_UNITS
from perfxl.errors import PerfxlError
from perfxl.outputs import wrote
from perfxl.write.atomic import atomic_path

if TYPE_CHECKING:
    import pandas as pd

    from perfxl.consolidate.combine import Consolidation

FILE_NAMES = {
    K.SUMMARY.sheet: "projects",
    K.UNITS.sheet: "units",
    K.INDICATORS.sheet: "indicators",
    K.PROBLEMS.sheet: "problems",
    K.FILES.sheet: "files",
    K.VERSION_CHANGES.sheet: "version_changes",
}
# A monitoring run's tables (the county monitoring summary's sheets): other names, so that a
# monitoring table is never taken for a targets one of the same folder.
MONITOR_TABLES = (K.MONITOR_SUMMARY, K.MONITOR_UNITS, K.RECTIFY)
MONITOR_FILE_NAMES = {
    K.MONITOR_SUMMARY.sheet: "monitoring",
    K.MONITOR_UNITS.sheet: "monitoring_units",
    K.RECTIFY.sheet: "rectify",
    K.PROBLEMS.sheet: "problems",
    K.FILES.sheet: "files",
    K.VERSION_CHANGES.sheet: "version_changes",
}
# A self-evaluation run's tables (the county evaluation summary's sheets).
EVAL_TABLES = (EVAL_SUMMARY, EVAL_UNITS, EVAL_LOWEST)
EVAL_FILE_NAMES = {
    EVAL_SUMMARY.sheet: "evaluation",
    EVAL_UNITS.sheet: "evaluation_units",
    EVAL_LOWEST.sheet: "lowest",
    K.PROBLEMS.sheet: "problems",
    K.FILES.sheet: "files",
    K.VERSION_CHANGES.sheet: "version_changes",
}
PARQUET_HINT = (
    '未安装 pyarrow，未写出 Parquet 文件（CSV 已写出）。如需 Parquet：pip install "perfxl[parquet]"'
)


class ParquetMissingError(PerfxlError):
    """Parquet was required and pyarrow is not installed."""

    exit_code = 2


def frame(table: K.Table, rows: Sequence[tuple[Any, ...]], *, typed: bool = True) -> pd.DataFrame:
    """One long table as a DataFrame: a column per key (snake_case), typed by kind.

    ``money`` and ``pct`` columns are float64 (object, keeping the text, in the rare table
    where an amount was typed as text), ``int`` columns nullable Int64, ``text`` and
    ``value`` columns Python objects as read (str, number or None). ``typed`` False: every
    column holds the values as read (what the CSV writes).
    """
    import pandas as pd

    columns = list(zip(*rows, strict=True)) if rows else [() for _ in table.columns]
    data = {
        c.key: _series(pd, values, c.kind if typed else "value")
        for c, values in zip(table.columns, columns, strict=True)
    }
    return pd.DataFrame(data, columns=list(table.keys))


def frames(c: Consolidation, *, typed: bool = True) -> dict[str, pd.DataFrame]:
    """Every long table of a targets consolidation, by file name (projects, units, ...)."""
    tables: list[tuple[K.Table, Sequence[tuple[Any, ...]]]] = [
        (K.SUMMARY, c.summary),
        (K.UNITS, c.units),
        (K.INDICATORS, c.indicators),
        (K.PROBLEMS, c.problems),
        (K.FILES, c.files),
        *_versions(c),
    ]
    return {FILE_NAMES[t.sheet]: frame(t, rows, typed=typed) for t, rows in tables}


def _versions(c: Consolidation) -> list[tuple[K.Table, Sequence[tuple[Any, ...]]]]:
    """The 版本变化 table, when the summary holds it (a unit's version changed something)."""
    return [(K.VERSION_CHANGES, c.version_changes)] if c.version_changes else []


def monitor_frames(c: Consolidation, *, typed: bool = True) -> dict[str, pd.DataFrame]:
    """Every long table of a monitoring consolidation (the county monitoring summary's
    sheets), by file name (monitoring, monitoring_units, rectify, problems, files)."""
    tables: list[tuple[K.Table, Sequence[tuple[Any, ...]]]] = [
        (K.MONITOR_SUMMARY, c.monitor),
        (K.MONITOR_UNITS, c.monitor_units),
        (K.RECTIFY, c.rectify),
        (K.PROBLEMS, c.problems),
        (K.FILES, c.files),
        *_versions(c),
    ]
    return {MONITOR_FILE_NAMES[t.sheet]: frame(t, rows, typed=typed) for t, rows in tables}


def evaluation_frames(c: Consolidation, *, typed: bool = True) -> dict[str, pd.DataFrame]:
    """Every long table of a self-evaluation consolidation (the county evaluation summary's
    sheets), by file name (evaluation, evaluation_units, lowest, problems, files)."""
    tables: list[tuple[K.Table, Sequence[tuple[Any, ...]]]] = [
        (EVAL_SUMMARY, c.evaluation),
        (EVAL_UNITS, c.eval_units),
        (EVAL_LOWEST, c.lowest),
        (K.PROBLEMS, c.problems),
        (K.FILES, c.files),
        *_versions(c),
    ]
    return {EVAL_FILE_NAMES[t.sheet]: frame(t, rows, typed=typed) for t, rows in tables}


def stage_frames(c: Consolidation, *, typed: bool = True) -> dict[str, pd.DataFrame]:
    """The tables the run's summary holds: :func:`monitor_frames` for a monitoring run,
    :func:`evaluation_frames` for a self-evaluation run, else :func:`frames`."""
    if c.stage == "monitoring":
        return monitor_frames(c, typed=typed)
    if c.stage == "evaluation":
        return evaluation_frames(c, typed=typed)
    return frames(c, typed=typed)


def write_tables(
    c: Consolidation, folder: Path, *, parquet: bool | None = None
) -> tuple[list[Path], list[str]]:
    """Write each long table as ``NAME.csv`` (and ``NAME.parquet`` when pyarrow is there):
    a targets run's (projects, units, indicators, problems, files), a monitoring run's
    (monitoring, monitoring_units, rectify, problems, files) or a self-evaluation run's
    (evaluation, evaluation_units, lowest, problems, files); each with version_changes when a
    unit's newer version changed something.

    The CSV comes from :func:`stage_frames` untyped (each cell as the summary holds it: a float64
    column would write every whole amount as 8.0), Parquet from the typed frames.

    Args:
        c: the consolidation.
        folder: created when missing.
        parquet: True to require Parquet, False to skip it, None to write it when possible.

    Returns:
        The files written, and notes for the user (how to get Parquet when pyarrow is missing).

    Raises:
        ParquetMissingError: ``parquet`` is True and pyarrow is not installed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    arrow = False
    if parquet is not False:
        try:
            import pyarrow  # noqa: F401 - pandas writes Parquet through it

            arrow = True
        except ImportError:
            if parquet:
                raise ParquetMissingError(PARQUET_HINT.replace("（CSV 已写出）", "")) from None
            notes.append(PARQUET_HINT)
    written: list[Path] = []
    typed = stage_frames(c) if arrow else {}
    for name, df in stage_frames(c, typed=False).items():
        path = folder / f"{name}.csv"
        with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            df.to_csv(fh, index=False, lineterminator="\r\n")
        written.append(path)
        wrote(path)
        if arrow:
            ppath = folder / f"{name}.parquet"
            with atomic_path(ppath) as tmp:
                _for_parquet(typed[name]).to_parquet(tmp, index=False, engine="pyarrow")
            written.append(ppath)
            wrote(ppath)
    return written, notes


def table_paths(folder: Path) -> list[Path]:
    """Every file :func:`write_tables` may write into ``folder`` (either stage's)."""
    names = dict.fromkeys(
        [*FILE_NAMES.values(), *MONITOR_FILE_NAMES.values(), *EVAL_FILE_NAMES.values()]
    )
    return [folder / f"{n}.{ext}" for n in names for ext in ("csv", "parquet")]


def table_keys() -> dict[str, tuple[str, ...]]:
    """The columns of every table :func:`write_tables` may write, by file name (either
    stage's): how an earlier run's file is recognised (`perfxl.outputs.own_output`)."""
    names = {**FILE_NAMES, **MONITOR_FILE_NAMES, **EVAL_FILE_NAMES}
    tables = (K.SUMMARY, K.UNITS, K.INDICATORS, K.PROBLEMS, K.FILES, K.VERSION_CHANGES)
    return {names[t.sheet]: tuple(t.keys) for t in (*tables, *MONITOR_TABLES, *EVAL_TABLES)}


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _series(pd: Any, values: Sequence[Any], kind: str) -> Any:
    if kind in ("money", "pct"):
        if all(v is None or _number(v) for v in values):
            return pd.Series([None if v is None else float(v) for v in values], dtype="float64")
        return pd.Series(list(values), dtype="object")  # an amount typed as text: kept
    if kind == "int":
        return pd.Series([int(v) if _number(v) else None for v in values], dtype="Int64")
    return pd.Series(list(values), dtype="object")


def _for_parquet(df: Any) -> Any:
    """Amount columns as float64 (text amounts empty), other object columns as text."""
    import pandas as pd

    out = df.copy()
    for k in out.columns:
        if out[k].dtype != object:
            continue
        if k in _AMOUNT_KEYS:
            out[k] = pd.to_numeric(out[k].map(lambda v: v if _number(v) else None), errors="coerce")
        else:
            out[k] = out[k].astype("string")
    return out


_AMOUNT_KEYS = frozenset(
    c.key
    for t in (
        K.SUMMARY,
        K.UNITS,
        K.INDICATORS,
        K.PROBLEMS,
        K.FILES,
        K.VERSION_CHANGES,
        *MONITOR_TABLES,
        *EVAL_TABLES,
    )
    for c in t.columns
    if c.kind in ("money", "pct")
)
