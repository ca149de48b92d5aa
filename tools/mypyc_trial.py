"""What compiling perfxl's hot modules with mypyc would buy, measured side by side (issue 17).

An experiment, not part of the build: perfxl ships pure Python. The script copies ``perfxl/``
twice into a temporary folder, makes the few source changes mypyc needs in both copies (so
both run the same source), compiles the hot modules of one copy with mypyc (ships with mypy,
a dev dependency), then measures the two copies alternately, ``--rounds`` times each:

  * cold consolidation: ``perfxl consolidate DIR --no-cache --jobs J`` of bench_consolidate's
    N township workbooks, as a subprocess (wall and CPU of it and its workers);
  * extract: ``extract_file`` in one process over ``--files`` of those workbooks, CPU ms/file
    (the per-workbook work of a consolidation, bench_validate's part 3).

It prints each round with the machine's load, the medians and the gain of the compiled copy.
The source changes (made in the copies only; the checkout is not touched):
  * dataclasses of compiled modules cross process boundaries (pickled by the worker pool and
    the re-consolidation cache): mypyc's native classes refuse ``object.__new__``, so mutable
    ones get ``@mypyc_attr(serializable=True)``; frozen ones cannot be restored through their
    frozen ``__setattr__`` and stay Python classes (``native_class=False``);
  * ``safety._Extent._MAX_TAIL`` is read through the class: declared ``ClassVar[int]``;
  * ``targets.Target.raw`` annotated ``object``: mypyc's dataclass support fails on it at
    import (``KeyError: 'object'``), so ``Any``;
  * ``model._project_to_dict`` copies an indicator's ``vars()``: a native class has no
    ``__dict__``, so its fields are read one by one (``INDICATOR_KEYS``).
``rules/base.py`` (a TYPE_CHECKING-only annotation: ``KeyError: 'Config'`` at import),
``consolidate/combine.py`` (``decimal``'s ``ctx.traps`` is a SignalDict, typeshed says dict)
and ``layout.py`` (frozen forms subclassing a native class) are left pure.

Usage:
    .venv/bin/python tools/mypyc_trial.py                      # N = 1,000, 3 rounds, 2 jobs
    .venv/bin/python tools/mypyc_trial.py --n 100 --rounds 1   # a quick look
    .venv/bin/python tools/mypyc_trial.py --keep /tmp/trial    # keep both copies to profile
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_consolidate as B  # noqa: E402  (benchmarks/ is not a package)

# The hot modules after issue 17's profiles (`--jobs 1`, cProfile): the reader, the model,
# validation and its rules, the preflight scan, the summary's rows and XML.
MODULES = (
    "perfxl/read.py",
    "perfxl/model.py",
    "perfxl/problems.py",
    "perfxl/numbers.py",
    "perfxl/textfit.py",
    "perfxl/framework.py",
    "perfxl/targets.py",
    "perfxl/safety.py",
    "perfxl/validate.py",
    "perfxl/grid/__init__.py",
    "perfxl/grid/calamine_grid.py",
    "perfxl/rules/schema_fast.py",
    "perfxl/rules/schema_rules.py",
    "perfxl/rules/indicators.py",
    "perfxl/rules/catalogue.py",
    "perfxl/rules/boilerplate.py",
    "perfxl/rules/amounts.py",
    "perfxl/rules/code_year.py",
    "perfxl/rules/cost.py",
    "perfxl/rules/progress.py",
    "perfxl/rules/target_values.py",
    "perfxl/rules/families.py",
    "perfxl/consolidate/extract.py",
    "perfxl/consolidate/changes.py",
    "perfxl/consolidate/rows.py",
    "perfxl/consolidate/summary_xml.py",
    "perfxl/consolidate/writer.py",
)

MYPY_INI = """[mypy]
python_version = 3.11
ignore_missing_imports = True
check_untyped_defs = True
"""

# extract_file over the files named on the command line, 3 rounds: the median CPU ms/file.
_EXTRACT = """
import statistics, sys, time
from perfxl.consolidate.extract import extract_file
files = sys.argv[1:]
extract_file(files[0])
runs = []
for _ in range(3):
    t0 = time.process_time()
    for f in files:
        extract_file(f)
    runs.append((time.process_time() - t0) / len(files))
print(statistics.median(runs) * 1000)
"""


def _sub(path: Path, pattern: str, repl: str, count: int = 0) -> None:
    """``re.sub`` in a file; stops the trial when the pattern is gone (the source moved on)."""
    text = path.read_text(encoding="utf-8")
    new, n = re.subn(pattern, repl, text, count=count, flags=re.M)
    if not n:
        raise SystemExit(f"{path}: no match for {pattern!r}; update tools/mypyc_trial.py")
    path.write_text(new, encoding="utf-8")


def adapt(tree: Path) -> None:
    """Make the source changes mypyc needs (module docstring) in the copy at ``tree``."""
    for name in MODULES:
        path = tree / name
        text = path.read_text(encoding="utf-8")
        if "@dataclass" not in text:
            continue
        text = re.sub(
            r"^(\s*)@dataclass\(frozen=True\)$",
            r"\1@mypyc_attr(native_class=False)\n\1@dataclass(frozen=True)",
            text,
            flags=re.M,
        )
        text = re.sub(
            r"^(\s*)@dataclass(?!\(frozen=True\)$)",
            r"\1@mypyc_attr(serializable=True)\n\1@dataclass",
            text,
            flags=re.M,
        )
        path.write_text(text, encoding="utf-8")
        _sub(
            path,
            r"^(from dataclasses import .*)$",
            r"\1\nfrom mypy_extensions import mypyc_attr",
            1,
        )
    safety = tree / "perfxl" / "safety.py"
    _sub(safety, r"^    _MAX_TAIL = ", "    _MAX_TAIL: ClassVar[int] = ")
    _sub(
        safety,
        r"^from typing import TYPE_CHECKING, Any$",
        "from typing import TYPE_CHECKING, Any, ClassVar",
    )
    targets = tree / "perfxl" / "targets.py"
    _sub(targets, r"^    raw: object = None$", "    raw: Any = None")
    _sub(targets, r"^from typing import Literal$", "from typing import Any, Literal")
    # A native class has no __dict__: the row's JSON object from its fields, one by one.
    model = tree / "perfxl" / "model.py"
    _sub(
        model,
        r"\[vars\(ind\)\.copy\(\) for ind in p\.indicators\]",
        "[{k: getattr(ind, k) for k in INDICATOR_KEYS} for ind in p.indicators]",
    )


def copy_tree(dest: Path) -> Path:
    """``perfxl/`` copied to ``dest`` (no caches, no extension modules), adapted."""
    shutil.copytree(
        ROOT / "perfxl", dest / "perfxl", ignore=shutil.ignore_patterns("__pycache__", "*.so")
    )
    adapt(dest)
    return dest


def byte_compile(tree: Path) -> None:
    """Write the bytecode of every module in ``tree``: with PYTHONDONTWRITEBYTECODE set (as
    on this machine) each measured process would otherwise compile the pure modules from
    source again (≈ 0.1 s per process), a cost the compiled copy does not pay."""
    if not compileall.compile_dir(tree / "perfxl", quiet=1):
        raise SystemExit(f"byte-compiling {tree} failed")


def compile_tree(tree: Path) -> float:
    """Compile `MODULES` in ``tree`` with mypyc (extension modules land beside the sources);
    the seconds it took."""
    (tree / "mypy.ini").write_text(MYPY_INI, encoding="utf-8")
    mypyc = Path(sys.executable).with_name("mypyc")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(mypyc), *MODULES], cwd=tree, capture_output=True, text=True, check=False
    )
    if proc.returncode:
        raise SystemExit(f"mypyc failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return time.perf_counter() - t0


def consolidate(tree: Path, folder: Path, jobs: int) -> B.Run:
    """One cold consolidation of ``folder`` with the perfxl of ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = B.perfxl_cmd([folder], tree / "summary.xlsx", jobs)
    proc = subprocess.run(
        [sys.executable, "-c", B._MEASURE, *cmd],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    code, wall, cpu, peak = proc.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"consolidate with {tree} failed ({code}): {proc.stderr[-2000:]}")
    return B.Run(float(wall), float(cpu), float(peak))


def extract_ms(tree: Path, files: list[str]) -> float:
    """CPU ms/file of ``extract_file`` with the perfxl of ``tree`` (median of 3 rounds)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.run(
        [sys.executable, "-c", _EXTRACT, *files],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    return float(proc.stdout.split()[-1])


def main(argv: list[str]) -> int:
    """Copy, compile, measure alternately, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="workbooks consolidated")
    ap.add_argument("--files", type=int, default=100, help="workbooks of the extract figure")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="make the two copies here and keep them")
    args = ap.parse_args(argv)
    base = args.keep or Path(tempfile.mkdtemp(prefix="perfxl-mypyc-"))
    pure, compiled = copy_tree(base / "pure"), copy_tree(base / "compiled")
    try:
        print(f"compiling {len(MODULES)} modules ({B.load()}) ...", flush=True)
        build = compile_tree(compiled)
        print(f"mypyc build: {build:.0f} s wall", flush=True)
        byte_compile(pure)
        byte_compile(compiled)
        folder = B.folder_for(args.n)
        files = [str(p) for p in sorted(B.folder_for(args.files).glob("*.xlsx"))]
        trees = {"pure": pure, "compiled": compiled}
        runs: dict[str, list[B.Run]] = {k: [] for k in trees}
        ext: dict[str, list[float]] = {k: [] for k in trees}
        for i in range(args.rounds):
            for name, tree in trees.items():
                r = consolidate(tree, folder, args.jobs)
                e = extract_ms(tree, files)
                runs[name].append(r)
                ext[name].append(e)
                print(
                    f"round {i + 1} {name:<8} consolidate N={args.n}: {r.wall:6.2f} s wall "
                    f"{r.cpu:6.2f} s CPU; extract {e:6.2f} CPU ms/file ({B.load()})",
                    flush=True,
                )
        med = {k: B.median(v) for k, v in runs.items()}
        emed = {k: statistics.median(v) for k, v in ext.items()}
        print(f"medians of {args.rounds}, --jobs {args.jobs}, --no-cache:")
        for name in trees:
            print(
                f"  {name:<8} consolidate {med[name].wall:6.2f} s wall {med[name].cpu:6.2f} s CPU; "
                f"extract {emed[name]:6.2f} CPU ms/file"
            )

        def gain(a: float, b: float) -> str:
            return f"{(a - b) / a * 100:+.1f} %"

        p, c = med["pure"], med["compiled"]
        print(
            f"  compiled saves: consolidate wall {gain(p.wall, c.wall)}, CPU {gain(p.cpu, c.cpu)}; "
            f"extract CPU {gain(emed['pure'], emed['compiled'])}"
        )
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
