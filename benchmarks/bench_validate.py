"""Benchmark: validate a 50-project workbook, from file to report (target < 0.3 s).

Run: ``.venv/bin/python benchmarks/bench_validate.py [--projects 50] [--repeat 15]``

Prints the median wall time of ``validate_file`` (read with python-calamine + schema + every
rule), and two baselines measured in the same run on the same file: reading alone
(``read_workbook``) and an openpyxl full load. The first (cold) run includes importing
jsonschema and building the validator, and is printed separately.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "suying-2023.json"
TARGET_SECONDS = 0.3


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


def main() -> None:
    """Build the workbook, time validation and the baselines, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--projects", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
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


if __name__ == "__main__":
    main()
