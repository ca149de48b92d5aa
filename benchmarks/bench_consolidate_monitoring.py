"""Benchmark: a county monitoring consolidation against a targets one, same N, same run.

Issue 13 asks that consolidating N townships' 绩效运行监控表 cost what consolidating their
targets workbooks costs, per workbook. Both sets are made the same way and cached under the
temp folder:

* targets: bench_consolidate.py's workbooks (one township of 20 projects written by perfxl's
  openpyxl writer, each unit a copy with its unit code, unit name and project codes patched
  in the zip's XML);
* monitoring: that township's July monitoring workbook, written by perfxl (``new_monitoring``,
  the library call of ``perfxl new monitoring``) and filled by the county demo's monitoring
  round (tools/make_county_monitoring_demo.py: greens, yellows, reds, reasons), each unit a
  copy patched the same way. Its cache folder is named by a digest of the code that writes
  the workbook, so a change to the form gives fresh workbooks.

* self-evaluation (``--evaluation``): that township's self-evaluation workbook, written by
  perfxl (``new_evaluation``) and filled by the county demo's self-evaluation round
  (tools/make_county_evaluation_demo.py), each unit a copy patched the same way, cached
  under a digest of its own writer's code.

For each N the script times ``perfxl consolidate DIR -o OUT.xlsx --format json`` on each set
as a subprocess (start-up included), alternately ``--rounds`` times, checks that every unit
was summed as a unit of its own (a patch that missed would make N versions of one unit), and
prints, for the faster run of each: seconds, ms per workbook, CPU seconds (perfxl and its
workers), peak MB (perfxl's or its largest worker's) and the ratios of wall and CPU time to
the targets run. ``--base DIR``: another checkout (its ``.venv/bin/perfxl``) runs the later
stages too, interleaved with this one's (before/after in one run: the ``base`` lines).

Usage:
    .venv/bin/python benchmarks/bench_consolidate_monitoring.py [N ...]   # default: 100
    .venv/bin/python benchmarks/bench_consolidate_monitoring.py 1000 --rounds 2 --jobs 1
    .venv/bin/python benchmarks/bench_consolidate_monitoring.py 1000 2000 --evaluation \
        --base /work/main
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
# What a monitoring workbook holds depends on the code that writes it (the carried record was
# added after the first figures): the cache is keyed by that code, so the bench reads what
# ``perfxl new monitoring`` writes today.
WRITER_SOURCES = (
    "perfxl/write/monitoring.py",
    "perfxl/write/sheets.py",
    "perfxl/carried.py",
    "perfxl/layout.py",
    "perfxl/constants.py",
    "tools/make_county_monitoring_demo.py",
)


def _writer_key(sources: tuple[str, ...] = WRITER_SOURCES) -> str:
    digest = hashlib.sha256()
    for name in sources:
        path = ROOT / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:10]


CACHE = Path(tempfile.gettempdir()) / f"perfxl-bench-consolidate-monitoring-{_writer_key()}"
EVAL_SOURCES = (
    "perfxl/write/evaluation.py",
    "perfxl/write/sheets.py",
    "perfxl/write/stage_sheets.py",
    "perfxl/layout.py",
    "perfxl/constants.py",
    "tools/make_county_evaluation_demo.py",
)
EVAL_CACHE = Path(tempfile.gettempdir()) / (
    f"perfxl-bench-consolidate-evaluation-{_writer_key(EVAL_SOURCES)}"
)
PERFXL = ROOT / ".venv" / "bin" / "perfxl"
MONTH = 7


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses look their module up there (bench_consolidate.Run)
    spec.loader.exec_module(mod)
    return mod


TARGETS = _load(ROOT / "benchmarks" / "bench_consolidate.py", "bench_consolidate")


def base_monitoring() -> Path:
    """The benchmark's township as a filled July monitoring workbook, written by perfxl."""
    path = CACHE / "base.xlsx"
    if path.exists():
        return path
    sys.path.insert(0, str(ROOT))
    from perfxl.services import new_monitoring

    demo = _load(ROOT / "tools" / "make_county_monitoring_demo.py", "monitoring_demo")
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = CACHE / "base.tmp.xlsx"
    new_monitoring(TARGETS.base_workbook(), tmp, month=MONTH)
    demo.type_figures(tmp, 0, MONTH)
    os.replace(tmp, path)
    return path


def base_evaluation() -> Path:
    """The benchmark's township as a filled self-evaluation workbook, written by perfxl."""
    path = EVAL_CACHE / "base.xlsx"
    if path.exists():
        return path
    sys.path.insert(0, str(ROOT))
    from perfxl.services import new_evaluation

    demo = _load(ROOT / "tools" / "make_county_evaluation_demo.py", "evaluation_demo")
    EVAL_CACHE.mkdir(parents=True, exist_ok=True)
    tmp = EVAL_CACHE / "base.tmp.xlsx"
    new_evaluation(TARGETS.base_workbook(), tmp)
    demo.type_figures(tmp, 0)
    os.replace(tmp, path)
    return path


def monitoring_folder(n: int) -> Path:
    """CACHE/nN holding N monitoring workbooks (hard links into CACHE/all)."""
    return stage_folder(n, base_monitoring(), CACHE)


def evaluation_folder(n: int) -> Path:
    """EVAL_CACHE/nN holding N self-evaluation workbooks (hard links into EVAL_CACHE/all)."""
    return stage_folder(n, base_evaluation(), EVAL_CACHE)


def stage_folder(n: int, base: Path, cache: Path) -> Path:
    """cache/nN holding N copies of ``base``, each a unit of its own (hard links into
    cache/all)."""
    pool = cache / "all"
    pool.mkdir(exist_ok=True)
    folder = cache / f"n{n}"
    if folder.exists() and len(list(folder.glob("*.xlsx"))) == n:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for i in range(n):
        f = pool / f"{200000 + i}.xlsx"
        if not f.exists():
            TARGETS.make_unit(base, i, f)
        os.link(f, folder / f.name)
    return folder


# Runs the command and prints "<exit code> <seconds> <peak MB> <CPU s>" then its stdout: a
# small fresh process of its own, so the peak is perfxl's (or its largest worker's) and the
# CPU time (user + sys) that of perfxl and its workers, which a busy machine disturbs less
# than the wall time.
_MEASURE = """
import resource, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=False)
dt = time.perf_counter() - t0
use = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write(proc.stderr)
print(proc.returncode, dt, use.ru_maxrss / 1024, use.ru_utime + use.ru_stime)
print(proc.stdout)
"""


def run(
    folder: Path, out: Path, n: int, stage: str, jobs: int | None, perfxl: Path = PERFXL
) -> tuple[float, float, float]:
    """Seconds, peak MB and CPU seconds of one ``perfxl consolidate`` (``perfxl``: the
    command); checks the run summed N units of the expected stage."""
    cmd = [
        str(perfxl),
        "consolidate",
        str(folder),
        "-o",
        str(out),
        "--format",
        "json",
        "--no-cache",
    ]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, check=False
    )
    head, _, body = proc.stdout.partition("\n")
    code, dt, peak, cpu = head.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"perfxl consolidate failed ({code}): {proc.stderr}")
    report = json.loads(body)
    if (report["stage"], report["units"]) != (stage, n):
        raise SystemExit(f"{folder}: {report['units']} {report['stage']} units, not {n} {stage}")
    return float(dt), float(peak), float(cpu)


def main(argv: list[str]) -> int:
    args = argv[1:]
    rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 1
    jobs = int(args[args.index("--jobs") + 1]) if "--jobs" in args else None
    base = Path(args[args.index("--base") + 1]) if "--base" in args else None
    flags = {args[i + 1] for i, a in enumerate(args[:-1]) if a in ("--rounds", "--jobs", "--base")}
    sizes = [int(a) for a in args if a.isdigit() and a not in flags] or [100]
    stages = ["targets", "monitoring", *(["evaluation"] if "--evaluation" in args else [])]
    makers = {"targets": TARGETS.folder_for, "monitoring": monitoring_folder}
    makers["evaluation"] = evaluation_folder
    # (label, stage, command): this checkout's runs, and the base's of the later stages
    runs = [("", s, PERFXL) for s in stages]
    if base is not None:
        runs += [("base ", s, base / ".venv" / "bin" / "perfxl") for s in stages[1:]]
    work = Path(tempfile.mkdtemp(prefix="perfxl-bench-monitoring-"))
    print(
        f"{'N':>6} {'run':<16} {'s':>7} {'ms/file':>8} {'CPU s':>7} {'MB':>5} {'ratio':>6} {'CPU ratio':>9}"
    )
    try:
        for n in sizes:
            folders = {s: makers[s](n) for s in stages}
            best: dict[str, tuple[float, float, float]] = {}
            for r in range(rounds):
                for label, stage, cmd in runs if r % 2 == 0 else runs[::-1]:
                    out = work / f"{label.strip() or 'this'}-{stage}-{n}.xlsx"
                    got = run(folders[stage], out, n, stage, jobs, cmd)
                    key = label + stage
                    if key not in best or got[0] < best[key][0]:
                        best[key] = got
            tt, _, ct = best["targets"]
            for label, stage, _ in runs:
                t, peak, cpu = best[label + stage]
                print(
                    f"{n:>6} {label + stage:<16} {t:>7.2f} {t / n * 1000:>8.1f} {cpu:>7.2f} "
                    f"{peak:>5.0f} {t / tt:>5.2f}x {cpu / ct:>8.2f}x",
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
