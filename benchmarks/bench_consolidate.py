"""Benchmark: cold ``perfxl consolidate`` against the bare python-calamine read of the same
files on the same number of processes, and against a naive pandas loop, side by side in one run.

N township workbooks (20 projects each, deterministic) are made once and cached under the
temp folder: one real workbook is written with perfxl's openpyxl writer, then each unit is a
copy whose unit code, unit name and project codes are patched in the zip's XML (cheap).

For each N the script runs, alternately (so that the machine's load weighs on all alike),
``--repeat`` times each:
  * perfxl: ``perfxl consolidate DIR -o OUT --no-cache --jobs J`` as a subprocess (start-up
    included): a cold run, nothing taken from the re-consolidation cache;
  * bare:   a subprocess reading every sheet of every file with python-calamine
            (``CalamineWorkbook.from_path(f)``, ``to_python()`` of each sheet) in a pool of J
            processes: the floor the reading library sets;
  * naive:  the pandas loop (``pd.read_excel(f, sheet_name=None)`` per file, every sheet
            concatenated, written with ``DataFrame.to_excel``) on a sample of
            ``--naive-sample`` files, scaled to N (said in the output). It prints medians of wall time and of CPU time (the
command and every process it started: ``RUSAGE_CHILDREN``), the ratios perfxl / bare (goal
<= 2.5x) and naive / perfxl (goal >= 25x), and perfxl's peak memory (its largest process).

Usage:
    .venv/bin/python benchmarks/bench_consolidate.py [N ...]    # default: 100 1000 2000
    .venv/bin/python benchmarks/bench_consolidate.py --quick     # N = 100, one run each
    .venv/bin/python benchmarks/bench_consolidate.py 2000 --repeat 5 --jobs 2 --naive-sample 50
    .venv/bin/python benchmarks/bench_consolidate.py --no-naive 2000
    .venv/bin/python benchmarks/bench_consolidate.py --pure-only 1000   # no compiled build

perfxl is measured twice in each round: as pure Python (the checkout's code, `frozen_env`)
and as its compiled build (``PERFXL_MYPYC=1``: the wheel tools/build_compiled.py builds from
the checkout when the script starts, a few minutes), each against the same bare runs.

A third run in each round (row ``rules-off``; ``--no-rules-off`` leaves it out) is the
compiled build (pure with ``--pure-only``) with a county config switching off every rule the
bench workbooks trip: no 校验问题 rows. It is not a goal figure (the goal is measured on the
shipped rules); it prints what the 285 problems of each workbook cost.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(tempfile.gettempdir()) / "perfxl-bench-consolidate-v2"  # v2: unit names patched too
PERFXL = ROOT / ".venv" / "bin" / "perfxl"
BASE_CODE, BASE_NAME, BASE_PREFIX = "910001", "巨鹿县巨鹿镇人民政府本级", "13052923P01000"


def base_workbook() -> Path:
    """One township workbook of 20 projects, written by perfxl (openpyxl)."""
    path = CACHE / "base.xlsx"
    if path.exists():
        return path
    sys.path.insert(0, str(ROOT))
    import importlib.util

    spec = importlib.util.spec_from_file_location("demo", ROOT / "tools" / "make_county_demo.py")
    assert spec and spec.loader
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    from perfxl.model import Targets
    from perfxl.write.fill import write_new

    seed = json.loads(demo.SEED.read_text(encoding="utf-8"))
    CACHE.mkdir(parents=True, exist_ok=True)
    write_new(Targets.from_dict(demo.township_data(0, seed, 20)), path)
    return path


def make_unit(base: Path, i: int, out: Path, edit: str = "") -> None:
    """A copy of the base workbook as unit i: code, name and project codes patched; ``edit``
    (a resubmission) is appended to the unit's name."""
    code, name = f"{200000 + i}", f"测试县第{i:04d}乡人民政府"
    prefix = f"13052923P{i:05d}"
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith(".xml"):
                text = data.decode("utf-8")
                text = text.replace(BASE_CODE, code).replace(BASE_NAME, name + edit)
                # openpyxl writes non-ASCII text as character references (&#24040;...)
                text = text.replace(_char_refs(BASE_NAME), _char_refs(name + edit))
                data = text.replace(BASE_PREFIX, prefix).encode("utf-8")
            dst.writestr(info, data)


def _char_refs(text: str) -> str:
    return "".join(c if c.isascii() else f"&#{ord(c)};" for c in text)


def pool_file(i: int) -> Path:
    """Unit i's workbook in CACHE/all (made on first use)."""
    pool = CACHE / "all"
    pool.mkdir(parents=True, exist_ok=True)
    f = pool / f"{200000 + i}.xlsx"
    if not f.exists():
        make_unit(base_workbook(), i, f)
    return f


def folder_for(n: int) -> Path:
    """CACHE/nN holding N workbooks (hard links into CACHE/all)."""
    folder = CACHE / f"n{n}"
    if folder.exists() and len(list(folder.glob("*.xlsx"))) == n:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i in range(n):
        f = pool_file(i)
        os.link(f, folder / f.name)
    return folder


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes), to print beside the figures."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


# Runs the command and prints "<seconds> <peak MB of the command and its workers>". A small
# fresh process of its own: ru_maxrss of children forked straight from this (large, after the
# pandas loop) process would count this process's pages shared at fork time.
_MEASURE = """
import resource, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=False)
dt = time.perf_counter() - t0
use = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write(proc.stderr)
print(proc.returncode, dt, use.ru_utime + use.ru_stime, use.ru_maxrss / 1024)
"""


@dataclass(frozen=True)
class Run:
    """One measured command: wall seconds, CPU seconds of it and its processes, peak MB of
    the largest of them."""

    wall: float
    cpu: float
    peak: float


_FROZEN: dict[str, str] = {}


def frozen_env() -> dict[str, str]:
    """The environment of every measured command: ``perfxl`` imported from a copy of the
    package taken when the script started (first on ``PYTHONPATH``), so that edits made to
    the worktree while the benchmark runs change neither the code measured nor the
    re-consolidation cache's key (which covers perfxl's code).

    The copy's bytecode is compiled once, as an installed package has it: made without
    ``__pycache__``, under ``PYTHONDONTWRITEBYTECODE`` (set on the development machines) or
    from a read-only copy every measured run would compile perfxl's modules again (~0.1 s
    of CPU in the parent: 9 % of a 100-workbook run) while pandas, the naive loop's
    library, is imported from its installed bytecode."""
    if not _FROZEN:
        import compileall

        code = Path(tempfile.mkdtemp(prefix="perfxl-bench-code-"))
        shutil.copytree(
            ROOT / "perfxl", code / "perfxl", ignore=shutil.ignore_patterns("__pycache__")
        )
        compileall.compile_dir(code, quiet=1)
        atexit.register(shutil.rmtree, code, True)
        path = os.pathsep.join(p for p in (str(code), os.environ.get("PYTHONPATH", "")) if p)
        _FROZEN.update({**os.environ, "PYTHONPATH": path})
    return _FROZEN


_COMPILED: dict[str, str] = {}
RULES_OFF = "rules-off"  # the row of the run without findings (`rules_off_config`)


def compiled_env() -> dict[str, str]:
    """`frozen_env` for the compiled build: perfxl's compiled wheel (``PERFXL_MYPYC=1``,
    tools/build_compiled.py) built from the worktree once, unpacked, first on ``PYTHONPATH``."""
    if not _COMPILED:
        sys.path.insert(0, str(ROOT / "tools"))
        import build_compiled

        code = Path(tempfile.mkdtemp(prefix="perfxl-bench-compiled-"))
        atexit.register(shutil.rmtree, code, True)
        print(f"building the compiled perfxl ({load()}) ...", flush=True)
        took = build_compiled.build(code)
        print(f"compiled build: {took:.0f} s", flush=True)
        path = os.pathsep.join(p for p in (str(code), os.environ.get("PYTHONPATH", "")) if p)
        _COMPILED.update({**os.environ, "PYTHONPATH": path})
    return _COMPILED


def measure(cmd: list[str], ok: tuple[int, ...] = (0, 1), env: dict[str, str] | None = None) -> Run:
    """Run ``cmd`` in a fresh measuring process (see `_MEASURE`), with perfxl's code as it
    was when the script started (``env``: `frozen_env` unless given, `compiled_env` for the
    compiled build).

    Raises:
        SystemExit: the command failed (an exit code not in ``ok``).
    """
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cmd],
        capture_output=True,
        text=True,
        check=False,
        env=env or frozen_env(),
        cwd=tempfile.gettempdir(),  # not the worktree: ``python -c`` puts the cwd first
    )
    try:
        code, wall, cpu, peak = proc.stdout.split()
    except ValueError:
        raise SystemExit(f"measuring {cmd[:2]} failed: {proc.stderr}") from None
    if int(code) not in ok:
        raise SystemExit(f"{' '.join(cmd[:2])} failed ({code}): {proc.stderr[-2000:]}")
    return Run(float(wall), float(cpu), float(peak))


def perfxl_cmd(
    inputs: list[Path],
    out: Path,
    jobs: int,
    cache: Path | None = None,
    config: Path | None = None,
) -> list[str]:
    """``perfxl consolidate`` of ``inputs``: cold (``--no-cache``) unless a cache folder is
    given; with the county config ``config`` when given."""
    tail = ["--cache-dir", str(cache)] if cache else ["--no-cache"]
    if config is not None:
        tail += ["--config", str(config)]
    return [
        str(PERFXL),
        "consolidate",
        *map(str, inputs),
        "-o",
        str(out),
        "--jobs",
        str(jobs),
        *tail,
    ]


def rules_off_config(folder: Path, env: dict[str, str]) -> Path:
    """A county config switching off every rule that finds something in the bench's base
    workbook (its problems are each unit's: 285 a workbook, 120 of them 提示), written into
    ``folder``: the run with it measures what the 校验问题 rows cost, for whoever weighs
    fewer of them against the goal (the shipped defaults are what the goal is measured on)."""
    proc = subprocess.run(
        [str(PERFXL), "validate", "--format", "json", str(base_workbook())],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    rules = sorted({p["rule"] for p in json.loads(proc.stdout)["problems"]})
    path = folder / "rules-off.toml"
    path.write_text(f"[rules]\ndisabled = {json.dumps(rules, ensure_ascii=False)}\n", "utf-8")
    return path


# Every sheet of every file read with python-calamine in a pool of J processes: the floor.
_BARE = """
import sys
from multiprocessing import Pool
from pathlib import Path
from python_calamine import CalamineWorkbook

def read(path):
    wb = CalamineWorkbook.from_path(path)
    try:
        return sum(len(wb.get_sheet_by_index(i).to_python()) for i in range(len(wb.sheet_names)))
    finally:
        wb.close()

if __name__ == "__main__":
    files = sorted(str(p) for a in sys.argv[2:] for p in ([Path(a)] if a.endswith(".xlsx") else Path(a).glob("*.xlsx")))
    jobs = int(sys.argv[1])
    if jobs <= 1:
        rows = sum(map(read, files))
    else:
        with Pool(jobs) as pool:
            rows = sum(pool.imap_unordered(read, files, chunksize=max(1, len(files) // (jobs * 8))))
    assert rows > 0
"""


def bare_cmd(inputs: list[Path], jobs: int) -> list[str]:
    """The bare python-calamine read of ``inputs`` (files or folders) on ``jobs`` processes."""
    return [sys.executable, "-c", _BARE, str(jobs), *map(str, inputs)]


# The naive loop a clerk with pandas would write: every sheet of every file, concatenated.
_NAIVE = """
import sys
from pathlib import Path
import pandas as pd

frames = []
for f in sys.argv[2:]:
    for sheet, df in pd.read_excel(f, sheet_name=None, header=None, engine="openpyxl").items():
        frames.append(df.assign(source_file=Path(f).name, sheet=sheet))
pd.concat(frames, ignore_index=True).to_excel(sys.argv[1], index=False)
"""


def naive_cmd(files: list[Path], out: Path) -> list[str]:
    """The naive pandas loop over ``files``, written to ``out``."""
    return [sys.executable, "-c", _NAIVE, str(out), *map(str, files)]


def median(runs: list[Run]) -> Run:
    """The median of each figure (peak: the largest)."""
    return Run(
        statistics.median(r.wall for r in runs),
        statistics.median(r.cpu for r in runs),
        max(r.peak for r in runs),
    )


def main(argv: list[str]) -> int:
    args = argv[1:]
    quick = "--quick" in args
    naive = "--no-naive" not in args
    compiled = "--pure-only" not in args
    repeat = int(opt(args, "--repeat", "1" if quick else "3"))
    jobs = int(opt(args, "--jobs", "2"))
    sample = int(opt(args, "--naive-sample", "40"))
    ns = sizes(args, ("--repeat", "--jobs", "--naive-sample")) or (
        [100] if quick else [100, 1000, 2000]
    )
    work = Path(tempfile.mkdtemp(prefix="perfxl-bench-out-"))
    builds = {"pure": frozen_env()}
    if compiled:
        builds["compiled"] = compiled_env()
    # The last build again with every rule the workbooks trip switched off (`rules_off_config`).
    quiet_build = next(reversed(builds))
    quiet_env = builds[quiet_build]
    quiet = rules_off_config(work, quiet_env) if "--no-rules-off" not in args else None
    print(
        f"cold consolidate (--no-cache) vs bare python-calamine read, both on {jobs} processes, "
        f"medians of {repeat}; naive pandas loop timed on {sample} files in each round (median) "
        f"and scaled to N; CPU = the command and all its processes; perfxl as pure Python and "
        f"as its compiled build (PERFXL_MYPYC=1), each against the same bare runs",
        flush=True,
    )
    print(
        f"{'N':>6} {'build':>9} {'perfxl s':>9} {'cpu s':>8} {'ms/wb':>7} {'bare s':>7} "
        f"{'cpu s':>7} {'x bare':>7} {'x cpu':>6} {'naive s*':>9} {'naive/px':>9} {'peak MB':>8}  load"
    )
    try:
        for n in ns:
            folder = folder_for(n)
            files = sorted(folder.glob("*.xlsx"))[: min(n, sample)]
            px: dict[str, list[Run]] = {name: [] for name in builds}
            if quiet is not None:
                px[RULES_OFF] = []
            bare, loop = [], []
            for _ in range(repeat):  # interleaved: the machine's load weighs on all alike
                for name, env in builds.items():
                    out = work / f"perfxl-{name}-{n}.xlsx"
                    px[name].append(measure(perfxl_cmd([folder], out, jobs), env=env))
                if quiet is not None:
                    out = work / f"perfxl-rules-off-{n}.xlsx"
                    cmd = perfxl_cmd([folder], out, jobs, config=quiet)
                    px[RULES_OFF].append(measure(cmd, env=quiet_env))
                bare.append(measure(bare_cmd([folder], jobs), ok=(0,)))
                if naive:  # one sample timed once swung the ratio by a quarter between runs
                    loop.append(measure(naive_cmd(files, work / f"naive-{n}.xlsx"), ok=(0,)))
            b = median(bare)
            scaled = median(loop).wall * n / len(files) if naive else 0.0
            for name in px:
                p = median(px[name])
                line = (
                    f"{n:>6} {name:>9} {p.wall:>9.2f} {p.cpu:>8.2f} {p.wall / n * 1000:>7.2f} "
                    f"{b.wall:>7.2f} {b.cpu:>7.2f} {p.wall / b.wall:>6.2f}x {p.cpu / b.cpu:>5.2f}x"
                )
                if naive and name != RULES_OFF:
                    line += f" {scaled:>9.1f} {scaled / p.wall:>8.1f}x"
                else:
                    line += f" {'-':>9} {'-':>9}"
                print(f"{line} {p.peak:>8.0f}  {load()}", flush=True)
        print(
            "goals: x bare <= 2.5 (wall, same processes); naive/px >= 25; * naive scaled from the "
            "sample"
        )
        if quiet is not None:
            print(
                f"{RULES_OFF}: the {quiet_build} build with --config {quiet.name}, "
                f"every rule the bench workbooks trip switched off (no 校验问题 rows): what those "
                f"rows cost, not a goal figure (--no-rules-off leaves it out)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def opt(args: list[str], name: str, default: str) -> str:
    """The value given after ``name`` on the command line, else ``default``."""
    return args[args.index(name) + 1] if name in args else default


def sizes(args: list[str], options: tuple[str, ...]) -> list[int]:
    """The numbers on the command line that are no option's value (``--repeat 3``)."""
    return [
        int(a) for i, a in enumerate(args) if a.isdigit() and not (i and args[i - 1] in options)
    ]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
