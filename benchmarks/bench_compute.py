"""Benchmark: ``perfxl compute`` on a 20-project workbook vs an openpyxl load + save.

The workbook is the Suying example's 19 projects plus a copy of project 1, written by
perfxl's openpyxl writer. In the same run the script times (medians of ``--repeat`` runs):

  * perfxl compute, in process: read (python-calamine) + compute + write-back into the zip
    (``perfxl.write.percentages.compute_workbook``), and its phases;
  * the baseline: ``openpyxl.load_workbook`` + ``save`` of the same file (what a write-back
    through openpyxl costs at the least, before any cell is touched);
  * ``perfxl compute`` as a command (a new Python process, start-up included);

and prints each figure and the ratio baseline / perfxl.

Usage:
    .venv/bin/python benchmarks/bench_compute.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_book(folder: Path) -> Path:
    """The 20-project workbook."""
    from perfxl.model import Targets
    from perfxl.write.fill import write_new

    data = json.loads((ROOT / "examples" / "suying-2023.json").read_text(encoding="utf-8"))
    extra = json.loads(json.dumps(data["projects"][0]))
    extra["name"] = "第二十个项目"
    data["projects"].append(extra)
    path = folder / "book20.xlsx"
    write_new(Targets.from_dict(data), path)
    return path


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()

    import openpyxl

    from perfxl.compute import compute
    from perfxl.grid.calamine_grid import read_grid
    from perfxl.read import read_grid_model
    from perfxl.write import percentages as P
    from perfxl.write.patch import WorkbookPatch

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        book = make_book(d)
        out = d / "out.xlsx"
        base_out = d / "openpyxl.xlsx"
        n = args.repeat

        def perfxl_compute() -> None:
            P.compute_workbook(book, out)

        def baseline() -> None:
            openpyxl.load_workbook(book).save(base_out)

        perfxl_compute(), baseline()  # warm imports and caches
        t_perfxl = median_ms(perfxl_compute, n)
        t_base = median_ms(baseline, n)

        # phases of perfxl compute
        def read() -> object:
            g = read_grid(book)
            return g, read_grid_model(g)

        g, r = read_grid(book), read_grid_model(read_grid(book))
        t_read = median_ms(read, n)
        c = compute(r.targets, locations=r.locations, file=r.path)
        t_compute = median_ms(lambda: compute(r.targets, locations=r.locations), n)

        def write() -> None:
            patch = WorkbookPatch.open(book)
            plan = P.plan_writes(r, g, c, P.read_formulas(patch, P.cells_to_inspect(r, g)))
            patch.write_cells(plan.writes)
            patch.save(out)

        t_write = median_ms(write, n)
        cli = [str(ROOT / ".venv" / "bin" / "perfxl"), "compute", str(book), "-o", str(out)]
        t_cli = median_ms(lambda: subprocess.run(cli, check=True, capture_output=True), 5)

        size = book.stat().st_size / 1024
        print(
            f"workbook: 20 project sheets + cover + part one, {size:.0f} KiB; medians of {n} runs"
        )
        print(f"perfxl compute (in process)        {t_perfxl:8.1f} ms")
        print(f"  read (calamine + model)          {t_read:8.1f} ms")
        print(f"  compute (decimal)                {t_compute:8.2f} ms")
        print(f"  write-back (formulas, patch, save){t_write:7.1f} ms")
        print(f"openpyxl load + save (baseline)    {t_base:8.1f} ms")
        print(f"ratio baseline / perfxl            {t_base / t_perfxl:8.1f} x")
        print(
            f"perfxl compute command (process)   {t_cli:8.1f} ms  (median of 5, start-up included)"
        )


if __name__ == "__main__":
    main()
