"""Benchmark: re-consolidation with the per-file cache, against a cold run, side by side.

A county consolidates again each time a township resubmits. N workbooks (bench_consolidate's,
hard-linked into a work folder) are consolidated once with an empty cache (filling it: the
cost of a first run with the cache), then ``--repeat`` times: ``--changed`` units resubmit (a
new file: the unit's name edited), a cold run (``--no-cache``) and a run with the cache are
made alternately over the same folder, and their summaries compared part by part (sheet XML,
shared strings, styles ...; the volatile parts stripped: docProps times and the 说明 sheet's
生成时间). Prints medians of wall and CPU time (the command and its workers), the ratio
re-consolidation / cold (goal < 15 %), and whether every summary was identical.

Usage:
    .venv/bin/python benchmarks/bench_reconsolidate.py            # N = 2000, 20 changed, 3 runs
    .venv/bin/python benchmarks/bench_reconsolidate.py --quick    # N = 200, 2 changed, 1 run
    .venv/bin/python benchmarks/bench_reconsolidate.py 1000 --changed 10 --repeat 5 --jobs 2
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_consolidate as B
from bench_consolidate import Run, load, measure, median, perfxl_cmd

PAST = 1_680_000_000  # a resubmitted file's time: never the run's 生成时间 (see `parts`)


def parts(path: Path) -> dict[str, bytes]:
    """Every part of a summary, volatile bits stripped: docProps' created/modified times and
    the 说明 sheet's 生成时间 (the run's clock) wherever its text is."""
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        rows = wb.get_sheet_by_name("说明").to_python()
    finally:
        wb.close()
    made = next(str(r[1]) for r in rows if r and r[0] == "生成时间").encode("utf-8")
    with zipfile.ZipFile(path) as z:
        out = {n: z.read(n) for n in z.namelist()}
    for name in ("docProps/core.xml", "docProps/app.xml"):
        if name in out:
            out[name] = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\1", out[name])
    return {n: b.replace(made, b"MADE") for n, b in out.items()}


def resubmit(folder: Path, units: range, round_: int) -> None:
    """Units ``units`` send a new version: a new file in place of the old (never the pool's
    hard-linked original), dated in the past."""
    base = B.base_workbook()
    for i in units:
        target = folder / f"{200000 + i}.xlsx"
        target.unlink()
        B.make_unit(base, i, target, edit=f"（第{round_}次修改）")
        os.utime(target, (PAST + i, PAST + i))


def main(argv: list[str]) -> int:
    args = argv[1:]
    quick = "--quick" in args
    n = next(iter(B.sizes(args, ("--changed", "--repeat", "--jobs"))), 200 if quick else 2000)
    changed = int(B.opt(args, "--changed", "2" if quick else "20"))
    repeat = int(B.opt(args, "--repeat", "1" if quick else "3"))
    jobs = int(B.opt(args, "--jobs", "2"))
    work = Path(tempfile.mkdtemp(prefix="perfxl-bench-reconsolidate-"))
    try:
        source = B.folder_for(n)
        folder, cache = work / "inbox", work / "cache"
        folder.mkdir()
        for f in source.glob("*.xlsx"):
            os.link(f, folder / f.name)
        print(
            f"re-consolidation of {n} workbooks, {changed} changed each time, {jobs} processes, "
            f"medians of {repeat}; {load()}",
            flush=True,
        )
        fill = measure(perfxl_cmd([folder], work / "fill.xlsx", jobs, cache))
        print(
            f"  first run with an empty cache (fills it): {fill.wall:.2f} s, cpu {fill.cpu:.2f} s"
        )
        cold: list[Run] = []
        warm: list[Run] = []
        same = True
        stored: list[int] = []  # entries a warm run added: the files it read afresh
        for r in range(repeat):
            start = (r * changed) % max(1, n - changed)
            resubmit(folder, range(start, start + changed), r + 1)
            cold.append(measure(perfxl_cmd([folder], work / "cold.xlsx", jobs)))
            before = len(list(cache.rglob("*.pxc")))
            warm.append(measure(perfxl_cmd([folder], work / "warm.xlsx", jobs, cache)))
            stored.append(len(list(cache.rglob("*.pxc"))) - before)
            same = same and parts(work / "cold.xlsx") == parts(work / "warm.xlsx")
        c, w = median(cold), median(warm)
        print(f"  cold (--no-cache):  {c.wall:>8.2f} s  cpu {c.cpu:>8.2f} s  peak {c.peak:.0f} MB")
        print(f"  with the cache:     {w.wall:>8.2f} s  cpu {w.cpu:>8.2f} s  peak {w.peak:.0f} MB")
        print(
            f"  re-consolidation / cold: wall {w.wall / c.wall:.1%}, cpu {w.cpu / c.cpu:.1%} "
            f"(goal < 15 %); summaries identical: {'yes' if same else 'NO'}; {load()}"
        )
        cache_mb = sum(f.stat().st_size for f in cache.rglob("*.pxc")) / 1e6
        print(
            f"  files read afresh by each run with the cache: {stored} (expected {changed}: "
            f"more means perfxl's code changed during the run); cache {cache_mb:.0f} MB"
        )
        return 0 if same else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
