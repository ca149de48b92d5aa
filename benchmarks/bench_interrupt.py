"""Benchmark: how soon ``perfxl consolidate`` stops after Ctrl-C, beside a full run's time.

N township workbooks (bench_consolidate's) are consolidated as ``perfxl consolidate DIR -o
OUT --tables DIR --jobs J --no-cache`` in a process group of their own: once uninterrupted
(the baseline: its time from the "找到 N 个工作簿" line to the exit), then ``--tries`` times
with SIGINT sent to the whole group (as a terminal's Ctrl-C) at a random moment (seeded,
uniform over the baseline's time after that line). Prints every stop time (SIGINT to the
command's exit; the command ends its workers before it exits), their median and maximum, and
both as a share of the full run's time; with the machine's load. tests/test_interrupt.py
checks what stopping means (exit 130, nothing more read, no worker left, complete files)
without a clock; the figure is here.

Usage:
    .venv/bin/python benchmarks/bench_interrupt.py               # N = 200, 10 tries
    .venv/bin/python benchmarks/bench_interrupt.py --quick       # N = 80, 4 tries
    .venv/bin/python benchmarks/bench_interrupt.py 1000 --tries 20 --jobs 2
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_consolidate import PERFXL, folder_for, load, opt, sizes

HANG = 600.0  # seconds: a guard against a hung run, never reached by one that works


def start(folder: Path, out: Path, jobs: int) -> tuple[subprocess.Popen[str], float]:
    """The consolidation in a new process group, and the moment it found its files."""
    out.mkdir()
    proc = subprocess.Popen(
        [
            str(PERFXL),
            "consolidate",
            str(folder),
            "-o",
            str(out / "summary.xlsx"),
            "--tables",
            str(out / "tables"),
            "--jobs",
            str(jobs),
            "--no-cache",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # Ctrl-C as in a terminal's foreground job: started in a shell's background, this
        # script has SIGINT ignored, which the command would inherit and keep
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()  # "找到 N 个工作簿，正在读取……": reading starts
    if "找到" not in line:
        proc.kill()
        raise SystemExit(f"unexpected first line: {line!r}")
    return proc, time.perf_counter()


def main(argv: list[str]) -> int:
    args = argv[1:]
    quick = "--quick" in args
    tries = int(opt(args, "--tries", "4" if quick else "10"))
    jobs = int(opt(args, "--jobs", "2"))
    (n,) = sizes(args, ("--tries", "--jobs")) or [80 if quick else 200]
    folder = folder_for(n)
    work = Path(tempfile.mkdtemp(prefix="perfxl-bench-interrupt-"))
    rng = random.Random(20240611)
    try:
        proc, t0 = start(folder, work / "full", jobs)
        _, err = proc.communicate(timeout=HANG)
        full = time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            raise SystemExit(f"the full run failed ({proc.returncode}): {err[-2000:]}")
        print(f"N = {n}, {jobs} jobs: full run {full:.2f} s after finding its files  {load()}")
        stops: list[float] = []
        finished = 0
        for i in range(tries):
            proc, t0 = start(folder, work / f"try{i}", jobs)
            with contextlib.suppress(subprocess.TimeoutExpired):  # returns early if it finished
                proc.wait(timeout=rng.uniform(0, full))
            if proc.returncode is not None:
                finished += 1
                proc.communicate()
                continue
            os.killpg(proc.pid, signal.SIGINT)
            sent = time.perf_counter()
            proc.communicate(timeout=HANG)
            stops.append(time.perf_counter() - sent)
            if proc.returncode != 130:
                finished += 1  # the signal came as it finished: not a stop
                stops.pop()
        if stops:
            mid, top = statistics.median(stops), max(stops)
            print(
                f"stop after SIGINT ({len(stops)} of {tries} tries; {finished} finished first): "
                f"median {mid:.3f} s ({mid / full:.1%} of the full run), "
                f"max {top:.3f} s ({top / full:.1%})  {load()}"
            )
            print("stop times (s): " + ", ".join(f"{s:.3f}" for s in stops))
        else:
            print(f"no try was interrupted ({finished} finished first)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
