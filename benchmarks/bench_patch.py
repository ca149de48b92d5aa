"""Benchmark: write 8 values per sheet into a 20-sheet workbook, in the zip vs through openpyxl.

The workbook is generated with xlsxwriter in the shape of a project sheet (title,
labels, bordered amount cells, percentage formulas, shared strings, merged
cells). In the same run the script times, as medians of ``--repeat`` runs:

  * ``perfxl.write.patch``: open + 160 cell writes (8 per sheet: 4 amounts and the
    4 cached percentages of formula cells) + build the zip, in memory;
  * 8 cells of one sheet only (the ribbon-click case), in memory;
  * all 160, saved safely to a file (temp file, fsync, rename);
  * the baseline: ``openpyxl.load_workbook`` + the same 160 assignments + ``save``;

and prints each median and the ratio baseline / engine.

Usage:
    .venv/bin/python benchmarks/bench_patch.py [--repeat N] [--sheets N]
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

COLS = "ABCD"


def make_book(path: Path, sheets: int) -> Path:
    """A workbook of ``sheets`` project-like sheets."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    title = wb.add_format({"bold": True, "align": "center", "border": 1, "font_size": 14})
    label = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7"})
    money = wb.add_format({"num_format": "#,##0.00", "border": 1})
    pct = wb.add_format({"num_format": "0.00%", "border": 1})
    text = wb.add_format({"border": 1, "text_wrap": True})
    for n in range(1, sheets + 1):
        ws = wb.add_worksheet(f"项目{n}")
        ws.merge_range("A1:H1", f"项目{n}支出绩效目标表", title)
        ws.write_row("A3", ["项目编码", f"3301{n:04d}", "项目名称", f"道路维修{n}"], label)
        ws.write("A4", "预算数", label)
        ws.write_number("B4", 100 + n, money)
        for i, period in enumerate(("3月底", "6月底", "10月底", "12月底")):
            ws.write(6, i, period, label)
            ws.write_blank(7, i, None, money)
            ws.write_formula(8, i, f"={COLS[i]}8/$B$4", pct, 0)
        for r in range(11, 41):
            ws.write_row(r, 0, ["产出指标", "数量指标", f"指标{r}", "≥95%", "依据文件"], text)
        ws.set_column("A:H", 14)
    wb.close()
    return path


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``fn`` in milliseconds (one warm-up run first)."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    """Generate the workbook, time both ways, print medians and the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--sheets", type=int, default=20)
    args = ap.parse_args()

    import openpyxl

    from perfxl.write.patch import CellWrite, WorkbookPatch

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        book = make_book(folder / "bench.xlsx", args.sheets)
        names = [f"项目{n}" for n in range(1, args.sheets + 1)]
        amounts = [10.0, 35.5, 70.25, 100.0]
        writes = [
            w
            for name in names
            for w in (
                *(CellWrite(name, f"{c}8", v) for c, v in zip(COLS, amounts, strict=True)),
                *(
                    CellWrite(name, f"{c}9", v / 100, formula="keep")
                    for c, v in zip(COLS, amounts, strict=True)
                ),
            )
        ]
        out = folder / "patched.xlsx"

        def engine_memory() -> bytes:
            patch = WorkbookPatch.open(book)
            patch.write_cells(writes)
            return patch.to_bytes()

        def engine_one_sheet() -> bytes:
            patch = WorkbookPatch.open(book)
            patch.write_cells(writes[:8])
            return patch.to_bytes()

        def engine_file() -> None:
            patch = WorkbookPatch.open(book)
            patch.write_cells(writes)
            patch.save(out)

        def baseline() -> None:
            wb = openpyxl.load_workbook(book)
            for name in names:
                ws = wb[name]
                for c, v in zip(COLS, amounts, strict=True):
                    ws[f"{c}8"] = v
                    ws[f"{c}9"] = f"={c}8/$B$4"  # openpyxl cannot keep a cached value
            wb.save(folder / "openpyxl.xlsx")

        mem = median_ms(engine_memory, args.repeat)
        one = median_ms(engine_one_sheet, args.repeat)
        disk = median_ms(engine_file, args.repeat)
        base = median_ms(baseline, max(3, args.repeat // 3))
        size = book.stat().st_size / 1024
        print(f"workbook: {args.sheets} sheets, {size:.0f} KiB, {len(writes)} cells written")
        print(f"perfxl.write.patch, 160 cells, in memory    median {mem:8.1f} ms")
        print(f"perfxl.write.patch, 8 cells of one sheet    median {one:8.1f} ms")
        print(f"perfxl.write.patch, 160 cells, safe save   median {disk:8.1f} ms")
        print(f"openpyxl load + 160 cells + save           median {base:8.1f} ms")
        print(
            f"ratio openpyxl / patch: {base / mem:.0f}x in memory, {base / disk:.0f}x with the safe save"
        )


if __name__ == "__main__":
    main()
