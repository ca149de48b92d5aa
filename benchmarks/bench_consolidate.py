"""Benchmark: ``perfxl consolidate`` against a naive pandas loop, same files, same run.

N township workbooks (20 projects each, deterministic) are made once and cached under the
temp folder: one real workbook is written with perfxl's openpyxl writer, then each unit is a
copy whose unit code, unit name and project codes are patched in the zip's XML (cheap).

For each N the script times
  * perfxl: ``perfxl consolidate DIR -o OUT.xlsx`` as a subprocess (start-up included);
  * naive:  ``pd.read_excel(f, sheet_name=None)`` per file, every sheet concatenated into one
            frame (with the file name), written out with ``DataFrame.to_excel``;
and prints both, the ratio and perfxl's peak memory (largest process).

Usage:
    .venv/bin/python benchmarks/bench_consolidate.py [N ...]     # default: 100 1000 2000
    .venv/bin/python benchmarks/bench_consolidate.py --no-naive 2000
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
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


def make_unit(base: Path, i: int, out: Path) -> None:
    """A copy of the base workbook as unit i: code, name and project codes patched."""
    code, name = f"{200000 + i}", f"测试县第{i:04d}乡人民政府"
    prefix = f"13052923P{i:05d}"
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith(".xml"):
                text = data.decode("utf-8")
                text = text.replace(BASE_CODE, code).replace(BASE_NAME, name)
                # openpyxl writes non-ASCII text as character references (&#24040;...)
                text = text.replace(_char_refs(BASE_NAME), _char_refs(name))
                data = text.replace(BASE_PREFIX, prefix).encode("utf-8")
            dst.writestr(info, data)


def _char_refs(text: str) -> str:
    return "".join(c if c.isascii() else f"&#{ord(c)};" for c in text)


def folder_for(n: int) -> Path:
    """CACHE/nN holding N workbooks (hard links into CACHE/all)."""
    base = base_workbook()
    pool = CACHE / "all"
    pool.mkdir(exist_ok=True)
    folder = CACHE / f"n{n}"
    if folder.exists() and len(list(folder.glob("*.xlsx"))) == n:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for i in range(n):
        f = pool / f"{200000 + i}.xlsx"
        if not f.exists():
            make_unit(base, i, f)
        os.link(f, folder / f.name)
    return folder


# Runs the command and prints "<seconds> <peak MB of the command and its workers>". A small
# fresh process of its own: ru_maxrss of children forked straight from this (large, after the
# pandas loop) process would count this process's pages shared at fork time.
_MEASURE = """
import resource, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=False)
dt = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
sys.stderr.write(proc.stderr)
print(proc.returncode, dt, peak)
"""


def time_perfxl(folder: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak MB (the largest process: perfxl or a worker) of ``perfxl consolidate``."""
    cmd = [str(PERFXL), "consolidate", str(folder), "-o", str(out)]
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, check=False
    )
    code, dt, peak = proc.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"perfxl consolidate failed ({code}): {proc.stderr}")
    return float(dt), float(peak)


def time_naive(folder: Path, out: Path) -> float:
    """Seconds of the naive pandas loop (read every sheet, concatenate, write)."""
    import pandas as pd

    t0 = time.perf_counter()
    frames = []
    for f in sorted(folder.glob("*.xlsx")):
        for sheet, df in pd.read_excel(f, sheet_name=None, header=None, engine="openpyxl").items():
            frames.append(df.assign(source_file=f.name, sheet=sheet))
    pd.concat(frames, ignore_index=True).to_excel(out, index=False)
    return time.perf_counter() - t0


def main(argv: list[str]) -> int:
    naive = "--no-naive" not in argv
    sizes = [int(a) for a in argv[1:] if a.isdigit()] or [100, 1000, 2000]
    work = Path(tempfile.mkdtemp(prefix="perfxl-bench-out-"))
    print(f"{'N':>6} {'perfxl s':>9} {'ms/file':>8} {'peak MB':>8} {'naive s':>9} {'ratio':>7}")
    try:
        for n in sizes:
            folder = folder_for(n)
            t, peak = time_perfxl(folder, work / f"perfxl-{n}.xlsx")
            line = f"{n:>6} {t:>9.2f} {t / n * 1000:>8.2f} {peak:>8.0f}"
            if naive:
                tn = time_naive(folder, work / f"naive-{n}.xlsx")
                line += f" {tn:>9.2f} {tn / t:>6.1f}x"
            print(line, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
