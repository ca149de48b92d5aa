"""Benchmark: validation per workbook, in process and from the command line.

Run: ``.venv/bin/python benchmarks/bench_validate.py [--projects 50] [--repeat 15] [--files 100]``

1. A ``--projects``-project workbook: the median wall time of ``validate_file`` (read with
   python-calamine + schema + every rule), and two baselines measured in the same run on the
   same file: reading alone (``read_workbook``) and an openpyxl full load. The first (cold)
   run includes importing jsonschema and building the validator, and is printed separately.
2. ``perfxl validate BOOK`` as a command (a new process, start-up and imports included, with
   a bytecode cache as an installed perfxl has: benchmarks/commands.py):
   median wall time and CPU time of 5 runs, against the 0.3 s target.
3. The per-workbook ratio (issue 17): ``--files`` township workbooks of the consolidation
   benchmark (20 projects each, ``bench_consolidate.folder_for``), CPU time per file of
   * bare: python-calamine opening the file and reading every sheet's values (the floor);
   * validate: what validation does per file (preflight, read, model, schema and rules);
   * extract: all consolidation does per file before the summary (``extract_file``:
     sha256, the above, the summary rows; a cold run: it never looks at the cache);
   interleaved rounds, medians of 3, each as a ratio to bare (target: within 2.5x);
   then where extract's time goes, step by step, and what storing the result in the
   re-consolidation cache adds in a worker (``--no-stages`` leaves that out).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from commands import command_env, command_ms  # noqa: E402

EXAMPLE = ROOT / "examples" / "suying-2023.json"
PERFXL = ROOT / ".venv" / "bin" / "perfxl"
TARGET_SECONDS = 0.3
TARGET_RATIO = 2.5


def make_book(out: Path, projects: int) -> None:
    """A workbook of ``projects`` project sheets, cycling the seed's projects."""
    from perfxl.model import Targets
    from perfxl.write.fill import write_new

    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    seed = data["projects"]
    data["projects"] = []
    for i in range(projects):
        p = json.loads(json.dumps(seed[i % len(seed)]))
        p["code"] = f"13052923P{i:011d}Q"
        p["name"] = f"{p['name']}（{i + 1}）"
        data["projects"].append(p)
    write_new(Targets.from_dict(data), out)


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Wall times of ``repeat`` calls."""
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def bare_read(path: str) -> None:
    """python-calamine alone: open the file, every sheet's values as Python lists."""
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(path) as wb:
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()


def validate_one(path: str) -> None:
    """What validation does per file: preflight, read, model, schema and rules."""
    from perfxl.validate import validate_file

    validate_file(path)


def extract_one(path: str) -> None:
    """All consolidation does per file before the summary."""
    from perfxl.consolidate.extract import extract_file

    extract_file(path)


def extract_unshared(path: str) -> None:
    """``extract_one`` with the indicator rules' row memory emptied first: what a workbook
    costs when none of its indicator rows recurs from another workbook (the bench's
    workbooks are copies of one, a county's share fewer rows)."""
    from perfxl.consolidate.extract import extract_file
    from perfxl.rules import indicators

    indicators.forget_rows()
    extract_file(path)


def per_file_ratio(n: int, stages: bool = True) -> None:
    """Print CPU ms per file of bare, validate and extract over N workbooks, and the ratios."""
    import bench_consolidate

    files = [str(p) for p in sorted(bench_consolidate.folder_for(n).glob("*.xlsx"))]
    ways: dict[str, Callable[[str], None]] = {
        "bare": bare_read,
        "validate": validate_one,
        "extract": extract_one,
        "unshared": extract_unshared,
    }
    for fn in ways.values():  # imports and caches warm
        fn(files[0])
    runs: dict[str, list[float]] = {k: [] for k in ways}
    for _ in range(3):
        for name, fn in ways.items():
            t0 = time.process_time()
            for f in files:
                fn(f)
            runs[name].append((time.process_time() - t0) / len(files))
    ms = {k: statistics.median(v) * 1000 for k, v in runs.items()}
    print(f"per workbook, {n} township workbooks of 20 projects, CPU ms/file (median of 3):")
    print(f"  bare python-calamine read        {ms['bare']:7.2f}")
    for name in ("validate", "extract", "unshared"):
        ratio = ms[name] / ms["bare"]
        verdict = "OK" if ratio <= TARGET_RATIO else "over"
        print(
            f"  {name:<8} (ratio to bare)          {ms[name]:7.2f}  ({ratio:.2f}x; "
            f"target <= {TARGET_RATIO}x: {verdict})"
        )
    if stages:
        per_file_stages(files, ms["bare"], ms["extract"])


def per_file_stages(files: list[str], bare_ms: float, extract_ms: float) -> None:
    """Where extract's time goes: CPU ms/file of each step over the same files, each step
    on the previous step's results (read once beforehand), medians of 3 interleaved rounds.

    Every step ``extract_file`` takes is listed (read_grid includes preflight, so the sum
    counts preflight once); what the sum leaves of extract's own time is printed last: each
    step timed alone runs on warm processor caches, which the steps of one file in sequence
    do not have (a file's grid, model and problems are new to each)."""

    from perfxl.config import load_config
    from perfxl.consolidate.cache import file_digest
    from perfxl.consolidate.combine import sums_of
    from perfxl.consolidate.records import FileRecord
    from perfxl.consolidate.rows import submission
    from perfxl.consolidate.summary_input import is_summary, stage_summary
    from perfxl.grid.calamine_grid import read_grid
    from perfxl.read import read_grid_model
    from perfxl.safety import preflight, read_whole
    from perfxl.savedtime import saved_time
    from perfxl.validate import check

    cfg = load_config(None)
    data = {f: read_whole(f)[0] for f in files}  # extract reads a file once, then hashes it
    grids = {f: read_grid(f) for f in files}
    results = {f: read_grid_model(grids[f]) for f in files}
    problems = {f: check(results[f], cfg) for f in files}
    subs = {f: submission(results[f], problems[f], FileRecord(path=f, status="")) for f in files}

    def sha256(f: str) -> None:
        file_digest(f, read_whole(f)[0])

    steps: dict[str, Callable[[str], Any]] = {
        "read + sha256 (the file's digest)": sha256,
        "preflight (safety checks)": lambda f: preflight(f, data=data[f]),
        "read_grid (preflight + calamine)": lambda f: read_grid(f, data=data[f]),
        "saved time": lambda f: saved_time(f, grids[f].core),
        "summary? (stage_summary, is_summary)": lambda f: (
            stage_summary(grids[f]),
            is_summary(grids[f]),
        ),
        "model (read_grid_model)": lambda f: read_grid_model(grids[f]),
        "check (schema + rules)": lambda f: check(results[f], cfg),
        "rows (submission)": lambda f: submission(
            results[f], problems[f], FileRecord(path=f, status="")
        ),
        "sums (combine.sums_of)": lambda f: sums_of(subs[f]),
    }
    runs: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(3):
        for name, fn in steps.items():
            t0 = time.process_time()
            for f in files:
                fn(f)
            runs[name].append((time.process_time() - t0) / len(files))
    print("  where it goes, CPU ms/file (median of 3; x = multiple of the bare read):")
    total = 0.0
    for name, v in runs.items():
        step = statistics.median(v) * 1000
        total += 0.0 if name.startswith("preflight") else step  # read_grid includes it
        print(f"    {name:<36} {step:6.2f}  ({step / bare_ms:.2f}x)")
    print(f"    {'steps summed (preflight once)':<36} {total:6.2f}  ({total / bare_ms:.2f}x)")
    rest = extract_ms - total
    print(f"    {'extract - steps (colder caches)':<36} {rest:6.2f}  ({rest / bare_ms:.2f}x)")
    keep = storing_ms(files)
    print(f"    {'+ storing it in the cache (keep)':<36} {keep:6.2f}  ({keep / bare_ms:.2f}x)")


def storing_ms(files: list[str]) -> float:
    """CPU ms/file a worker spends after extract_file in a run with the re-consolidation
    cache (the default; the cold figures above are ``--no-cache``): `Cache.keep` pickling
    the records, compressing them and writing the entry (median of 3 rounds, each into an
    empty cache folder)."""
    import shutil

    from perfxl import layout as L
    from perfxl.consolidate.cache import PLACEHOLDER, Cache
    from perfxl.consolidate.extract import extract_file

    found = [extract_file(f, None, True, L.STANDARD, PLACEHOLDER) for f in files]
    runs = []
    for _ in range(3):
        folder = Path(tempfile.mkdtemp(prefix="perfxl-bench-cache-"))
        try:
            cache = Cache.open(folder, None, L.STANDARD)
            t0 = time.process_time()
            for f, e in zip(files, found, strict=True):
                cache.keep(e, f)
            runs.append((time.process_time() - t0) / len(files))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return statistics.median(runs) * 1000


def main() -> None:
    """Build the workbook, time validation and the baselines, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--projects", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument(
        "--no-stages", action="store_true", help="part 3 without the per-step breakdown"
    )
    args = ap.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "bench.xlsx"
        make_book(book, args.projects)
        t0 = time.perf_counter()
        from perfxl.validate import validate_file

        report = validate_file(book)
        cold = time.perf_counter() - t0
        from openpyxl import load_workbook

        from perfxl.read import read_workbook

        v = statistics.median(timed(lambda: validate_file(book), args.repeat))
        r = statistics.median(timed(lambda: read_workbook(book), args.repeat))
        o = statistics.median(timed(lambda: load_workbook(book), max(3, args.repeat // 3)))
        env = command_env(Path(tmp) / "pycache")
        wall_ms, cpu_ms = command_ms([str(PERFXL), "validate", str(book)], 5, env, check=False)
        wall, cpu = wall_ms / 1000, cpu_ms / 1000
    print(f"workbook: {args.projects} projects, {report.read and len(report.read.sheets)} sheets")
    print(
        f"problems: {len(report.problems)} "
        f"({report.errors} errors, {report.warnings} warnings, {report.infos} infos)"
    )
    print(f"validate_file, first run (imports, validator): {cold * 1000:7.1f} ms")
    print(f"validate_file, median of {args.repeat}:           {v * 1000:7.1f} ms")
    print(
        f"baseline read_workbook (calamine), median:     {r * 1000:7.1f} ms  (validate/read = {v / r:.2f}x)"
    )
    print(
        f"baseline openpyxl full load, median:           {o * 1000:7.1f} ms  (validate/openpyxl = {v / o:.2f}x)"
    )
    verdict = "OK" if v < TARGET_SECONDS and cold < TARGET_SECONDS else "SLOW"
    print(f"target < {TARGET_SECONDS * 1000:.0f} ms: {verdict}")
    verdict = "OK" if wall < TARGET_SECONDS else "SLOW"
    print(
        f"perfxl validate command (process start included), median of 5: "
        f"{wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU; target < "
        f"{TARGET_SECONDS * 1000:.0f} ms: {verdict}"
    )
    if args.files:
        per_file_ratio(args.files, stages=not args.no_stages)


if __name__ == "__main__":
    main()
