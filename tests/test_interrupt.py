"""Ctrl-C at chosen moments of a county consolidation with ``--tables``.

Each try starts ``perfxl consolidate`` in its own process group with a cache folder of its
own, waits for its "找到 N 个工作簿" line (the handshake), then for a chosen number of files
to be read (each leaves its cache entry as its worker finishes it: the count, polled, is the
run's progress; a seeded choice, every fourth try after every file is read, while the run
combines and writes), then sends SIGINT to the whole group, as a terminal's Ctrl-C does. No
clock decides anything: a run stopped with files left to read must exit 130 with a Chinese
message having read at most the files in its workers' hands when the signal came (one chunk
each: no queued chunk begun, the rest never read), leave no worker process and no temp file,
and every file it leaves must be complete: byte for byte what an uninterrupted run writes
(CSV), or a workbook that opens with the same sheets and rows. How fast it stops is a
figure, not a test (``benchmarks/bench_interrupt.py``); the only timeouts are hang guards.

4 tries over 80 workbooks by default (the same checks on a shorter run); the acceptance run is
``PERFXL_INTERRUPT_TRIES=20 PERFXL_INTERRUPT_WORKBOOKS=200 .venv/bin/pytest
tests/test_interrupt.py``.
"""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import python_calamine

from perfxl import constants as C
from perfxl import layout as L
from perfxl.consolidate.run import plan_for
from perfxl.write.patch import CellWrite, WorkbookPatch
from perfxl.write.patch.safeio import TMP_MARK

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process groups and SIGINT")

ROOT = Path(__file__).resolve().parents[1]
TRIES = int(os.environ.get("PERFXL_INTERRUPT_TRIES", "4"))
WORKBOOKS = int(os.environ.get("PERFXL_INTERRUPT_WORKBOOKS", "80"))
HANG = 300.0  # seconds: only a hung run takes this long (a full run of 200 takes ~10 s)
PLAN = plan_for(WORKBOOKS, jobs=2)
# Files a run may still finish after the signal: each worker's chunk in hand (the count is
# taken just before the signal; a worker ended at once finishes none of its chunk).
IN_HAND = PLAN.workers * PLAN.chunk


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, example_book: Path) -> Path:
    """WORKBOOKS townships: the example workbook (19 projects), a different unit code each."""
    folder = tmp_path_factory.mktemp("county200")
    data = example_book.read_bytes()
    code_cell = next(f.ref for f in L.COVER_FIELDS if f.key == "unit/code")
    for i in range(WORKBOOKS):
        patch = WorkbookPatch(data)
        patch.write_cells([CellWrite(C.COVER_SHEET, code_cell, f"{920001 + i}")])
        (folder / f"{920001 + i}.xlsx").write_bytes(patch.to_bytes())
    return folder


def terminal_ctrl_c() -> None:
    """In the child before perfxl starts: Ctrl-C handled as in a terminal's foreground job. A
    test run started in the background of a shell (``pytest ... &``) has SIGINT ignored, and
    an ignored SIGINT is inherited and kept by Python: the runs would never be interrupted."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(county: Path, out: Path, cache: Path) -> subprocess.Popen[str]:
    """Consolidate into ``out`` in a new process group, caching in ``cache`` (empty: every file
    is read, and leaves its entry there); returns once it has found its files."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "perfxl.cli",
            "consolidate",
            str(county),
            "-o",
            str(out / "summary.xlsx"),
            "--tables",
            str(out / "tables"),
            "--jobs",
            "2",
            "--cache-dir",
            str(cache),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=terminal_ctrl_c,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()  # the handshake: the files are found, reading starts
    assert "找到" in line, line
    return proc


@pytest.fixture(scope="module")
def reference(county: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An uninterrupted run's files."""
    out = tmp_path_factory.mktemp("reference")
    proc = start(county, out, out.parent / f"{out.name}-cache")
    _, err = proc.communicate(timeout=HANG)
    assert proc.returncode in (0, 1), err
    assert files_read(out.parent / f"{out.name}-cache") == WORKBOOKS  # the count is the progress
    csvs = {p.name: p.read_bytes() for p in (out / "tables").glob("*.csv")}
    assert len(csvs) == 5
    parquet = {p.name: parquet_rows(p) for p in (out / "tables").glob("*.parquet")}
    assert len(parquet) == 5  # pyarrow is a dev dependency: the Parquet tables are written too
    return {"csv": csvs, "parquet": parquet, "rows": sheet_rows(out / "summary.xlsx")}


def files_read(cache: Path) -> int:
    """Files the run has read so far: a worker stores each one's cache entry as it is done."""
    return len(list(cache.glob("*/*.pxc")))


def wait_until_read(proc: subprocess.Popen[str], cache: Path, files: int) -> int:
    """Poll until ``files`` files are read (or the run ended); the count then."""
    deadline = time.monotonic() + HANG  # a hang guard only
    pause = threading.Event()  # never set: a short wait between polls, not a synchronisation
    while (n := files_read(cache)) < files and proc.poll() is None:
        assert time.monotonic() < deadline, f"{n} of {files} files read: the run hangs"
        pause.wait(0.005)
    return n


def parquet_rows(path: Path) -> int:
    """Rows of a Parquet file; reading its footer fails on a file cut short."""
    import pyarrow.parquet as pq

    return int(pq.read_table(path).num_rows)


def sheet_rows(book: Path) -> dict[str, int]:
    wb = python_calamine.CalamineWorkbook.from_path(str(book))
    return {n: len(wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names}


def group_alive(pgid: int) -> list[str]:
    """Processes (not zombies) still in the process group."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(stat.parent.name)
    return alive


def check_outputs(out: Path, reference: dict[str, Any]) -> None:
    """Only complete files: every table as the reference, the summary opens whole, no temp."""
    names = [p.name for p in out.rglob("*")]
    assert not [n for n in names if TMP_MARK in n or n.startswith("tmp")], names
    for table in (out / "tables").glob("*") if (out / "tables").exists() else ():
        assert table.suffix in (".csv", ".parquet"), table
        if table.suffix == ".csv":
            assert table.read_bytes() == reference["csv"][table.name], table.name
        else:
            assert parquet_rows(table) == reference["parquet"][table.name], table.name
    summary = out / "summary.xlsx"
    if summary.exists():
        assert sheet_rows(summary) == reference["rows"]


def test_ctrl_c_at_chosen_moments(county: Path, reference: dict[str, Any], tmp_path: Path) -> None:
    rng = random.Random(20240611)
    # Files read before the signal: every fourth try after every file (combining, writing)
    moments = [
        WORKBOOKS if i % 4 == 3 else math.ceil(rng.uniform(0.02, 1) * WORKBOOKS)
        for i in range(TRIES)
    ]
    interrupted, more = 0, []
    for i, moment in enumerate(moments):
        out, cache = tmp_path / f"try{i}", tmp_path / f"cache{i}"
        out.mkdir()
        proc = start(county, out, cache)
        before = wait_until_read(proc, cache, moment)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        report, err = proc.communicate(timeout=HANG)
        after = files_read(cache)
        if before < WORKBOOKS:  # files were left to read: the run stops, reading no more
            said = f"try {i}: {before} read at the signal, {after} at exit; {report[:300]} {err}"
            assert proc.returncode == 130, said
            assert "已中断" in err and "Traceback" not in err, err
            assert after - before <= IN_HAND, (
                f"try {i}: {before} read at the signal, {after} at exit"
            )
            assert after < WORKBOOKS
            more.append(after - before)
        elif "汇总表" in report:  # the signal came as it finished, or after: a complete run
            assert proc.returncode in (0, 1), err
        else:
            assert proc.returncode == 130, err
            assert "已中断" in err and "Traceback" not in err, err
        interrupted += proc.returncode == 130
        assert group_alive(proc.pid) == [], f"try {i}: processes left"
        check_outputs(out, reference)
    left = sum((tmp_path / f"try{i}" / "tables").exists() for i in range(TRIES))
    print(
        f"\n{TRIES} tries, {interrupted} interrupted, {left} after tables were begun; "
        f"files read after the signal (at most {IN_HAND}): " + ", ".join(map(str, more))
    )
    assert interrupted >= sum(m < WORKBOOKS for m in moments) >= TRIES // 2
