"""The long tables as CSV (UTF-8 with BOM, so Excel opens it right) and Parquet (pyarrow).

Each file is written atomically (temp file, then rename): an interrupted run leaves every
table either as it was or complete.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from perfxl.consolidate import columns as K
from perfxl.consolidate.combine import Consolidation
from perfxl.write.atomic import atomic_path

FILE_NAMES = {
    K.SUMMARY.sheet: "projects",
    K.UNITS.sheet: "units",
    K.INDICATORS.sheet: "indicators",
    K.PROBLEMS.sheet: "problems",
    K.FILES.sheet: "files",
}


def write_tables(c: Consolidation, folder: Path, *, parquet: bool | None = None) -> list[Path]:
    """Write each long table as ``NAME.csv`` (and ``NAME.parquet`` when pyarrow is there).

    Args:
        c: the consolidation.
        folder: created when missing.
        parquet: True to require Parquet, False to skip it, None to write it when possible.

    Returns:
        The files written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    pa: Any = None
    if parquet is not False:
        try:
            import pyarrow
            import pyarrow.parquet  # makes pyarrow.parquet available

            pa = pyarrow
        except ImportError:
            if parquet:
                raise
    for table, rows in (
        (K.SUMMARY, c.summary),
        (K.UNITS, c.units),
        (K.INDICATORS, c.indicators),
        (K.PROBLEMS, c.problems),
        (K.FILES, c.files),
    ):
        name = FILE_NAMES[table.sheet]
        path = folder / f"{name}.csv"
        with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(table.keys)
            w.writerows(rows)
        written.append(path)
        if pa is not None:
            cols = {
                c.key: [_arrow(r[i], c.kind) for r in rows] for i, c in enumerate(table.columns)
            }
            types = {c.key: _arrow_type(pa, c.kind) for c in table.columns}
            arrow = pa.table({k: pa.array(v, type=types[k]) for k, v in cols.items()})
            ppath = folder / f"{name}.parquet"
            with atomic_path(ppath) as tmp:
                pa.parquet.write_table(arrow, str(tmp))
            written.append(ppath)
    return written


def table_paths(folder: Path) -> list[Path]:
    """Every file :func:`write_tables` may write into ``folder``."""
    return [folder / f"{n}.{ext}" for n in FILE_NAMES.values() for ext in ("csv", "parquet")]


def _arrow(v: object, kind: str) -> object:
    if v is None:
        return None
    if kind in ("money", "pct"):
        return float(v) if isinstance(v, int | float) else None
    if kind == "int":
        return int(v) if isinstance(v, int | float) else None
    return str(v)


def _arrow_type(pa: Any, kind: str) -> Any:
    if kind in ("money", "pct"):
        return pa.float64()
    if kind == "int":
        return pa.int64()
    return pa.string()
