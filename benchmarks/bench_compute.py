"""Benchmark: ``perfxl compute`` on a 20-project workbook vs an openpyxl load + save.

The workbook is the Suying example's 19 projects plus a copy of project 1, written by
perfxl's openpyxl writer. In the same run the script times (medians of ``--repeat`` runs):

  * perfxl compute, in process: read (python-calamine) + compute + write-back into the zip
    (``perfxl.write.percentages.compute_workbook``), and its phases in CPU time (preflight,
    calamine read, model, compute, the write engine's formulas and plan, cell edits, deflate,
    atomic write);
  * the baseline: ``openpyxl.load_workbook`` + ``save`` of the same file (what a write-back
    through openpyxl costs at the least, before any cell is touched);
  * ``perfxl compute`` as a command (a new Python process, start-up included);

and prints each figure and the ratio baseline / perfxl (target: 25x), twice: in wall time, and
in CPU time (``time.process_time``; for the commands the children's ``getrusage``), which is
what a shared machine's load disturbs least and leaves out the waits of perfxl's fsyncs (every
output is made durable; openpyxl's save is not). As a command the baseline is openpyxl's load
and save in a new Python process, start-up and imports included, as perfxl's is. Both commands
run with a bytecode cache (a temporary ``PYTHONPYCACHEPREFIX``, filled by one untimed run), as
an installed perfxl and openpyxl run for a user: with ``PYTHONDONTWRITEBYTECODE`` set (as on
the development machines) perfxl's own modules would be compiled from source on every run
(~75 ms) while openpyxl's installed ``.pyc`` files are used, which would compare unlike things.
The start-up of a bare ``python -c pass`` is printed as the floor no command can go below.

Usage:
    .venv/bin/python benchmarks/bench_compute.py [--repeat N]
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from commands import command_env, command_ms

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_book(folder: Path) -> Path:
    """The 20-project workbook."""
    from perfxl.model import Targets
    from perfxl.write.fill import write_new

    data = json.loads((ROOT / "examples" / "suying-2023.json").read_text(encoding="utf-8"))
    extra = json.loads(json.dumps(data["projects"][0]))
    extra["name"] = "第二十个项目"
    data["projects"].append(extra)
    path = folder / "book20.xlsx"
    write_new(Targets.from_dict(data), path)
    return path


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def median_cpu_ms(fn: Callable[[], object], repeat: int) -> float:
    """Median CPU milliseconds of this process per call."""
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append((time.process_time() - t0) * 1000)
    return statistics.median(times)


_OPENPYXL_COMMAND = "import sys, openpyxl; openpyxl.load_workbook(sys.argv[1]).save(sys.argv[2])"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()

    import openpyxl

    from perfxl.compute import compute
    from perfxl.grid.calamine_grid import read_grid
    from perfxl.read import read_grid_model
    from perfxl.safety import DEFAULT_LIMITS, preflight
    from perfxl.write import percentages as P
    from perfxl.write.patch import WorkbookPatch, safeio, zipraw

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        book = make_book(d)
        out = d / "out.xlsx"
        base_out = d / "openpyxl.xlsx"
        n = args.repeat

        def perfxl_compute() -> None:
            P.compute_workbook(book, out)

        def baseline() -> None:
            openpyxl.load_workbook(book).save(base_out)

        perfxl_compute(), baseline()  # warm imports and caches
        t_perfxl = median_ms(perfxl_compute, n)
        t_base = median_ms(baseline, n)

        # phases of perfxl compute, in CPU time (what the other helpers' load disturbs least)
        g, r = read_grid(book), read_grid_model(read_grid(book))
        c = compute(r.targets, locations=r.locations, file=r.path)
        cells = P.cells_to_inspect(r, g)
        inflated = read_grid(book, keep_sheets=True).sheet_xml or {}

        def opened() -> tuple[WorkbookPatch, P.PercentageWrites]:
            patch = WorkbookPatch.open(book)
            patch.pkg.adopt(inflated)  # the worksheets the preflight inflated, as compute does
            return patch, P.plan_writes(r, g, c, P.read_formulas(patch, cells))

        def edited() -> WorkbookPatch:
            patch, plan = opened()
            patch.write_cells(plan.writes)
            return patch

        data = edited().to_bytes()
        spare = d / "phase.xlsx"
        phases = [
            (
                "preflight (perfxl.safety)",
                lambda: preflight(book, DEFAULT_LIMITS, keep_sheets=True),
            ),
            ("preflight + calamine read", lambda: read_grid(book, keep_sheets=True)),
            ("model (read_grid_model)", lambda: read_grid_model(g)),
            ("compute (decimal)", lambda: compute(r.targets, locations=r.locations)),
            ("open zip, formulas, plan", opened),
            ("  + cell edits", edited),
            ("  + zip (deflate)", lambda: edited().to_bytes()),
            # Another file than `out`: `compute_workbook` replaces only its own (stamped) output.
            ("atomic write (fsync)", lambda: safeio.save(spare, data, previous=None, backup=False)),
        ]
        t_phases = [(label, median_cpu_ms(fn, n)) for label, fn in phases]
        c_perfxl = median_cpu_ms(perfxl_compute, n)
        c_base = median_cpu_ms(baseline, max(3, n // 3))
        # A file of its own: the command replaces only its own earlier output (perfxl.outputs).
        cli_out = d / "out-command.xlsx"
        cli = [str(ROOT / ".venv" / "bin" / "perfxl"), "compute", str(book), "-o", str(cli_out)]
        base_cli = [sys.executable, "-c", _OPENPYXL_COMMAND, str(book), str(base_out)]
        env = command_env(d / "pycache")
        t_cli, c_cli = command_ms(cli, 5, env)
        t_base_cli, c_base_cli = command_ms(base_cli, 5, env)
        t_py, c_py = command_ms([sys.executable, "-c", "pass"], 5, env)

        size = book.stat().st_size / 1024
        P.compute_workbook(book, out)
        out_size, base_size = out.stat().st_size / 1024, base_out.stat().st_size / 1024
        load = os.getloadavg()
        print(f"load: {load[0]:.2f} {load[1]:.2f} (1, 5 min)")
        print(
            f"workbook: 20 project sheets + cover + part one, {size:.0f} KiB; medians of {n} runs"
        )
        print(f"perfxl compute (in process)        {t_perfxl:8.1f} ms  ({c_perfxl:.1f} ms CPU)")
        for label, ms in t_phases:
            print(f"  {label:32s} {ms:8.2f} ms CPU")
        print(
            f"  output {out_size:.0f} KiB (the edited sheets deflated at "
            f"{zipraw.deflater()} level {zipraw.REWRITE_LEVEL}); "
            f"openpyxl's {base_size:.0f} KiB"
        )
        print(f"openpyxl load + save (baseline)    {t_base:8.1f} ms  ({c_base:.1f} ms CPU)")
        print(
            f"ratio baseline / perfxl, in process {t_base / t_perfxl:7.1f} x wall, "
            f"{c_base / c_perfxl:.1f} x CPU  (target 25x)"
        )
        print(
            f"perfxl compute command (process)   {t_cli:8.1f} ms  ({c_cli:.1f} ms CPU; "
            "median of 5, start-up included)"
        )
        print(f"openpyxl load + save command       {t_base_cli:8.1f} ms  ({c_base_cli:.1f} ms CPU)")
        print(
            f"python -c pass (start-up floor)    {t_py:8.1f} ms  ({c_py:.1f} ms CPU; at most "
            f"{c_base_cli / c_py:.0f}x for any command)"
        )
        print(
            f"ratio baseline / perfxl, commands  {t_base_cli / t_cli:7.1f} x wall, "
            f"{c_base_cli / c_cli:.1f} x CPU  (target 25x)"
        )


if __name__ == "__main__":
    main()
