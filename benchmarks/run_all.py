"""Run every benchmark in this folder (``make bench``); each prints its own figures and ratios.

Sizes (each script's docstring has its flags): bench_consolidate N = 100, 1,000, 2,000, medians
of 3; bench_reconsolidate 2,000 workbooks with 20 changed; bench_province 100 county summaries
of 20 townships; bench_memory N = 100, 1,000 (10,000 by hand: ``bench_memory.py 10000``);
bench_interrupt N = 200, 10 Ctrl-Cs.
``run_all.py --quick`` passes ``--quick`` to the scripts that take it (small sizes, one run).
The full run takes 11 minutes to half an hour on a quiet 2-core machine, by the machine (11 min
8 s on 2026-12-04; the naive pandas loop and the cold runs at N = 2,000 most of it); the first
run also makes the workbooks (cached in the temp folder) and the 100 county summaries (about 4
minutes, made again when perfxl's code changes).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

QUICK = (
    "bench_consolidate.py",
    "bench_interrupt.py",
    "bench_reconsolidate.py",
    "bench_province.py",
    "bench_memory.py",
)


def main(argv: list[str]) -> int:
    """Run bench_*.py one after another; the exit code is the number that failed."""
    here = Path(__file__).resolve().parent
    quick = "--quick" in argv[1:]
    failed = 0
    for script in sorted(here.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        extra = ["--quick"] if quick and script.name in QUICK else []
        failed += subprocess.run([sys.executable, str(script), *extra], check=False).returncode != 0
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv))
