"""Benchmark: a sheet of 100,000 rows through perfxl's safety check and grid reader.

The README's limits table says a 100,000-row sheet reads (the row limit is 300,000). The
workbook is one sheet of 100,000 rows x 5 columns (text and numbers, shared strings),
written with xlsxwriter. The script prints the medians of ``--repeat`` runs of
``safety.preflight`` alone and of ``read_grid`` (preflight + python-calamine + the grid).

Usage:
    .venv/bin/python benchmarks/bench_large_sheet.py [--rows N] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_book(path: Path, rows: int) -> Path:
    """One sheet of ``rows`` rows shaped like indicator rows."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("项目")
    for r in range(rows):
        ws.write_row(r, 0, [f"项目{r}", "产出指标", "数量指标", r * 1.5, "≥95%"])
    wb.close()
    return path


def median_s(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``fn`` in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    """Write the sheet, time the safety check and the read, print the medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from perfxl import safety
    from perfxl.grid.calamine_grid import read_grid

    with tempfile.TemporaryDirectory() as tmp:
        book = make_book(Path(tmp) / "rows.xlsx", args.rows)
        size = book.stat().st_size / 1024 / 1024
        pre = median_s(lambda: safety.preflight(book), args.repeat)
        read = median_s(lambda: read_grid(book), args.repeat)
    print(f"one sheet, {args.rows:,} rows x 5 columns, {size:.1f} MiB; medians of {args.repeat}")
    print(f"safety.preflight                      {pre:6.3f} s")
    print(f"read_grid (preflight + calamine)      {read:6.3f} s")


if __name__ == "__main__":
    main()
