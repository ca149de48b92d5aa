"""Benchmark: perfxl consolidate's peak memory and time as N grows (is memory flat in N?).

For each N, one cold ``perfxl consolidate DIR -o OUT --no-cache --jobs J`` (bench_consolidate's
workbooks; the pool of files grows to the largest N on first use: about 10 ms a workbook)
and prints the peak resident memory of its largest process (the parent or a worker), the
time per workbook, and the growth in MB per 1,000 workbooks against the smallest N (goal:
flat, peak < 500 MB at N = 10,000).

Usage:
    .venv/bin/python benchmarks/bench_memory.py              # N = 100 1000
    .venv/bin/python benchmarks/bench_memory.py --quick      # N = 100 200
    .venv/bin/python benchmarks/bench_memory.py 1000 2000 10000    # 10,000 takes minutes
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_consolidate as B
from bench_consolidate import load, measure, perfxl_cmd


def main(argv: list[str]) -> int:
    args = argv[1:]
    quick = "--quick" in args
    jobs = int(args[args.index("--jobs") + 1]) if "--jobs" in args else 2
    sizes = [int(a) for a in args if a.isdigit() and a != str(jobs)] or (
        [100, 200] if quick else [100, 1000]
    )
    work = Path(tempfile.mkdtemp(prefix="perfxl-bench-memory-"))
    print(f"peak memory of cold consolidate (--no-cache), {jobs} processes; {load()}", flush=True)
    print(
        f"{'N':>6} {'wall s':>8} {'cpu s':>8} {'ms/wb':>7} {'peak MB':>8} {'MB/1000 wb':>11}  load"
    )
    try:
        first: tuple[int, float] | None = None
        for n in sizes:
            folder = B.folder_for(n)
            r = measure(perfxl_cmd([folder], work / f"out-{n}.xlsx", jobs))
            slope = "" if first is None else f"{(r.peak - first[1]) / (n - first[0]) * 1000:>11.1f}"
            first = first or (n, r.peak)
            print(
                f"{n:>6} {r.wall:>8.2f} {r.cpu:>8.2f} {r.wall / n * 1000:>7.2f} {r.peak:>8.0f} "
                f"{slope:>11}  {load()}",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
