"""Benchmark: a 50-project workbook -> the disclosure .docx (target: under 5 s).

Run: ``.venv/bin/python benchmarks/bench_publish.py``. The baseline, measured in the same run,
is reading the workbook alone (``read_workbook``); the ratio says what publishing adds.
"""

from __future__ import annotations

import copy
import json
import tempfile
import time
from pathlib import Path

from perfxl.model import Targets
from perfxl.publish import publish
from perfxl.read import read_workbook
from perfxl.write.fill import write_new

ROOT = Path(__file__).resolve().parents[1]
N_PROJECTS = 50
TARGET_SECONDS = 5.0


def fifty_projects() -> Targets:
    """The seed's unit with its 19 projects repeated to 50 (distinct codes)."""
    data = json.loads((ROOT / "examples" / "suying-2023.json").read_text(encoding="utf-8"))
    base = data["projects"]
    projects = []
    for i in range(N_PROJECTS):
        p = copy.deepcopy(base[i % len(base)])
        p["code"] = f"13052923P{i:011d}X"
        p["name"] = f"{p['name']}（{i + 1}）"
        projects.append(p)
    data["projects"] = projects
    return Targets.from_dict(data)


def best_of(n: int, fn: object) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "fifty.xlsx"
        write_new(fifty_projects(), book)
        out = Path(tmp) / "fifty.docx"
        baseline = best_of(3, lambda: read_workbook(book))
        total = best_of(3, lambda: publish([book], out))
        size = out.stat().st_size
    print(f"workbook with {N_PROJECTS} projects -> docx ({size / 1024:.0f} KiB)")
    print(f"baseline read_workbook: {baseline:.3f} s")
    print(f"publish (read + build + write): {total:.3f} s  (x{total / baseline:.1f} of reading)")
    verdict = "OK" if total < TARGET_SECONDS else "TOO SLOW"
    print(f"target < {TARGET_SECONDS:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
