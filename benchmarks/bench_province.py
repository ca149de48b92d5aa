"""Benchmark: the summary-of-summaries path (a city or province consolidating county summaries).

``--counties`` county summaries (default 100) of ``--per`` townships each (default 20: 2,000
distinct townships, bench_consolidate's workbooks) are made once with perfxl and kept under
the temp folder, keyed by perfxl's code (`perfxl.consolidate.cache.code_fingerprint`: a
summary made by other code is made again). The script then measures, alternately and
``--repeat`` times each (medians; CPU = the command and its processes):

  * county: ``perfxl consolidate`` of one county's township folder (cold, ``--no-cache``);
  * province: ``perfxl consolidate`` of every county summary, named as inputs (cold);
  * bare: the bare python-calamine read of the county summaries on the same processes;

and prints the cost per township at each level, the ratio province / bare, and what a
national run (``--national`` townships, default 40,000, through county, city and province
summaries) would cost by these measurements (CPU time; the county runs happen on the
counties' own machines, the levels above read summaries only).

With ``--large N[,N...]`` it measures instead one large summary read back by the level
above: the summary of bench_consolidate's first N workbooks (made once per perfxl code; its
long tables go on in continuation sheets past Excel's 1,048,576 rows), its file and largest
part (uncompressed, and the ratio `safety.LARGE_LIMITS` admits it by), then, alternately and
``--repeat`` times, ``perfxl consolidate`` of that one summary (cold: one worker reads it
whole) and the bare python-calamine read of it: time, CPU and peak memory of the largest
process. Each table's rows in the summary above (every sheet's ``<dimension>``) are checked
against the summary read.

Usage:
    .venv/bin/python benchmarks/bench_province.py             # 100 counties of 20, 3 runs
    .venv/bin/python benchmarks/bench_province.py --quick     # 10 counties of 20, 1 run
    .venv/bin/python benchmarks/bench_province.py --counties 100 --per 20 --repeat 3 --jobs 2
    .venv/bin/python benchmarks/bench_province.py --large 2000,5000 --repeat 1
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_consolidate as B
from bench_consolidate import Run, bare_cmd, load, measure, median, perfxl_cmd


def counties(n: int, per: int, jobs: int) -> list[Path]:
    """``n`` county summaries of ``per`` townships each (made once per perfxl code)."""
    from perfxl.consolidate import Options, consolidate
    from perfxl.consolidate.cache import code_fingerprint

    home = B.CACHE / f"counties-{per}-{code_fingerprint()[:12]}"
    home.mkdir(parents=True, exist_ok=True)
    out = []
    for k in range(n):
        summary = home / f"county{k:03d}.xlsx"
        if not summary.exists():
            folder = county_folder(k, per)
            consolidate([folder], summary, Options(jobs=jobs))
        out.append(summary)
    return out


def county_folder(k: int, per: int) -> Path:
    """County k's township workbooks: units k*per .. k*per+per-1 (hard links into the pool)."""
    folder = B.CACHE / f"county-{per}" / f"c{k:03d}"
    if folder.exists() and len(list(folder.glob("*.xlsx"))) == per:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i in range(k * per, (k + 1) * per):
        f = B.pool_file(i)
        os.link(f, folder / f.name)
    return folder


def large_summary(n: int, jobs: int) -> Path:
    """The summary of bench_consolidate's first ``n`` workbooks (made once per perfxl code)."""
    from perfxl.consolidate import Options, consolidate
    from perfxl.consolidate.cache import code_fingerprint

    home = B.CACHE / f"large-{code_fingerprint()[:12]}"
    home.mkdir(parents=True, exist_ok=True)
    summary = home / f"s{n}.xlsx"
    if not summary.exists():
        folder = B.folder_for(n)
        consolidate([folder], summary, Options(jobs=jobs, spill=50))
    return summary


def table_rows(path: Path) -> dict[str, int]:
    """Each table's data rows in a summary, its continuation sheets included (from every
    sheet's ``<dimension>``, the header rows left out)."""
    import re
    import zipfile

    from perfxl.consolidate import columns as K

    out: dict[str, int] = {}
    with zipfile.ZipFile(path) as z:
        names = re.findall(r'<sheet name="([^"]+)"', z.read("xl/workbook.xml").decode())
        for i, name in enumerate(names):
            with z.open(f"xl/worksheets/sheet{i + 1}.xml") as fh:
                head = fh.read(4096).decode("utf-8", "replace")
            m = re.search(r'<dimension ref="[A-Z]+\d+:?[A-Z]*(\d*)"', head)
            rows = int(m.group(1) or 1) if m else 0
            table = name.split("（续")[0]
            if table not in (K.README_SHEET, K.CHART_SHEET):
                out[table] = out.get(table, 0) + max(rows - 1, 0)
    return out


def parts(path: Path) -> str:
    """The file's size, its sheets' count and its largest part, as one line."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
    big = max(infos, key=lambda i: i.file_size)
    total = sum(i.file_size for i in infos)
    sheets = sum(1 for i in infos if i.filename.startswith("xl/worksheets/sheet"))
    mb = 1024 * 1024
    return (
        f"file {path.stat().st_size / mb:.0f} MB, {sheets} sheets, {total / mb:.0f} MB "
        f"uncompressed ({total / path.stat().st_size:.1f}:1); largest part {big.filename} "
        f"{big.file_size / mb:.0f} MB ({big.file_size / max(big.compress_size, 1):.1f}:1)"
    )


def large(sizes: list[int], repeat: int, jobs: int) -> int:
    """One large summary read back by the level above, for each size (see the module)."""
    from perfxl import safety

    work = Path(tempfile.mkdtemp(prefix="perfxl-bench-large-"))
    try:
        lim = safety.LARGE_LIMITS
        print(
            f"a large summary read back (perfxl consolidate SUMMARY, cold), medians of {repeat}; "
            f"LARGE_LIMITS: ratio <= {lim.sane_ratio:g}, part <= {lim.max_sane_part_bytes >> 20} MB, "
            f"total <= {lim.max_sane_total_bytes >> 20} MB, file <= {lim.max_file_bytes >> 20} MB; "
            f"{load()}",
            flush=True,
        )
        for n in sizes:
            summary = large_summary(n, jobs)
            rows = table_rows(summary)
            print(f"  N = {n}: {parts(summary)}; rows {rows}", flush=True)
            up: list[Run] = []
            bare: list[Run] = []
            for _ in range(repeat):
                up.append(measure(perfxl_cmd([summary], work / "up.xlsx", jobs)))
                bare.append(measure(bare_cmd([summary], 1), ok=(0,)))
            again = table_rows(work / "up.xlsx")
            same = all(again.get(t) == rows[t] for t in ("汇总", "指标明细", "校验问题"))
            u, b = median(up), median(bare)
            print(
                f"    read back and written again: {u.wall:.2f} s, cpu {u.cpu:.2f} s, "
                f"peak {u.peak:.0f} MB ({u.peak / n:.2f} MB per township); rows as read: {same}; "
                f"{load()}\n"
                f"    bare python-calamine read:   {b.wall:.2f} s, cpu {b.cpu:.2f} s, "
                f"peak {b.peak:.0f} MB; perfxl / bare cpu {u.cpu / b.cpu:.2f}x",
                flush=True,
            )
            if not same:
                print(f"    rows differ: {again}")
                return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str]) -> int:
    args = argv[1:]
    quick = "--quick" in args
    if "--large" in args:
        sizes = [int(x) for x in B.opt(args, "--large", "2000").split(",")]
        return large(sizes, int(B.opt(args, "--repeat", "1")), int(B.opt(args, "--jobs", "2")))
    n = int(B.opt(args, "--counties", "10" if quick else "100"))
    per = int(B.opt(args, "--per", "20"))
    repeat = int(B.opt(args, "--repeat", "1" if quick else "3"))
    jobs = int(B.opt(args, "--jobs", "2"))
    national = int(B.opt(args, "--national", "40000"))
    summaries = counties(n, per, jobs)
    work = Path(tempfile.mkdtemp(prefix="perfxl-bench-province-"))
    try:
        print(
            f"summary of summaries: {n} county summaries of {per} townships ({n * per} "
            f"townships), {jobs} processes, cold (--no-cache), medians of {repeat}; {load()}",
            flush=True,
        )
        county: list[Run] = []
        province: list[Run] = []
        bare: list[Run] = []
        one = county_folder(0, per)
        for _ in range(repeat):
            county.append(measure(perfxl_cmd([one], work / "county.xlsx", jobs)))
            province.append(measure(perfxl_cmd(summaries, work / "province.xlsx", jobs)))
            bare.append(measure(bare_cmd(summaries, jobs), ok=(0,)))
        c, p, b = median(county), median(province), median(bare)
        towns = n * per
        print(
            f"  county   ({per} townships):   {c.wall:>7.2f} s  cpu {c.cpu:>7.2f} s  peak {c.peak:.0f} MB"
        )
        print(
            f"  province ({n} summaries): {p.wall:>7.2f} s  cpu {p.cpu:>7.2f} s  peak {p.peak:.0f} MB"
            f"  = {p.cpu / towns * 1000:.2f} ms cpu per township"
        )
        print(
            f"  bare read of the summaries: {b.wall:.2f} s, cpu {b.cpu:.2f} s; "
            f"province / bare: wall {p.wall / b.wall:.2f}x, cpu {p.cpu / b.cpu:.2f}x"
        )
        # National, by the same measurements: every township read once at its county
        # (county CPU per township, start-up included), then each summary level reads every
        # township's rows again from the summaries below it (province CPU per township).
        town_cpu = c.cpu / per
        level_cpu = p.cpu / towns
        total = national * town_cpu + 3 * national * level_cpu
        print(
            f"  national estimate ({national} townships; county, city, province, national "
            f"summaries): townships {national * town_cpu / 3600:.1f} h cpu in all (spread over "
            f"the counties), each level above {national * level_cpu / 60:.1f} min cpu, "
            f"{total / 3600:.1f} h cpu in all; {load()}"
        )
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
