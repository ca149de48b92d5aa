"""Ctrl-C at random moments of a county consolidation with ``--tables``.

Each try starts ``perfxl consolidate`` in its own process group, waits for its "找到 N 个工作簿"
line (the handshake), lets it run for a random part of a full run's time (seeded), then sends
SIGINT to the whole group, as a terminal's Ctrl-C does. The run must exit 130 with a Chinese
message within a second, leave no worker process and no temp file, and every file it leaves
must be complete: byte for byte what an uninterrupted run writes (CSV), or a workbook that
opens with the same sheets and rows.

4 tries over 80 workbooks by default (the same checks on a shorter run); the acceptance run is
``PERFXL_INTERRUPT_TRIES=20 PERFXL_INTERRUPT_WORKBOOKS=200 .venv/bin/pytest
tests/test_interrupt.py``.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import python_calamine

from perfxl import constants as C
from perfxl import layout as L
from perfxl.write.patch import CellWrite, WorkbookPatch
from perfxl.write.patch.safeio import TMP_MARK

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process groups and SIGINT")

ROOT = Path(__file__).resolve().parents[1]
TRIES = int(os.environ.get("PERFXL_INTERRUPT_TRIES", "4"))
WORKBOOKS = int(os.environ.get("PERFXL_INTERRUPT_WORKBOOKS", "80"))
STOP_WITHIN = 1.0  # seconds from SIGINT to exit


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


def start(county: Path, out: Path) -> subprocess.Popen[str]:
    """Consolidate into ``out`` in a new process group; returns once it has found its files."""
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
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()  # the handshake: the files are found, reading starts
    assert "找到" in line, line
    return proc


@pytest.fixture(scope="module")
def reference(county: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An uninterrupted run: its files and how long it runs after the handshake."""
    out = tmp_path_factory.mktemp("reference")
    proc = start(county, out)
    t0 = time.monotonic()
    _, err = proc.communicate(timeout=300)
    took = time.monotonic() - t0
    assert proc.returncode in (0, 1), err
    csvs = {p.name: p.read_bytes() for p in (out / "tables").glob("*.csv")}
    assert len(csvs) == 5
    parquet = {p.name: parquet_rows(p) for p in (out / "tables").glob("*.parquet")}
    assert len(parquet) == 5  # pyarrow is a dev dependency: the Parquet tables are written too
    return {
        "seconds": took,
        "csv": csvs,
        "parquet": parquet,
        "rows": sheet_rows(out / "summary.xlsx"),
    }


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


def test_ctrl_c_at_random_moments(county: Path, reference: dict[str, Any], tmp_path: Path) -> None:
    rng = random.Random(20240611)
    interrupted, stops = 0, []
    for i in range(TRIES):
        out = tmp_path / f"try{i}"
        out.mkdir()
        proc = start(county, out)
        with contextlib.suppress(subprocess.TimeoutExpired):  # returns early if it finished
            proc.wait(timeout=rng.uniform(0, reference["seconds"]))
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGINT)
            t0 = time.monotonic()
            report, err = proc.communicate(timeout=30)
            stops.append(time.monotonic() - t0)
            if "汇总表" in report:  # the signal came as it finished: a complete run
                assert proc.returncode in (0, 1), err
            else:
                assert proc.returncode == 130, err
                assert "已中断" in err and "Traceback" not in err, err
                interrupted += 1
        else:
            report, _ = proc.communicate()
            assert proc.returncode in (0, 1) and "汇总表" in report
        assert group_alive(proc.pid) == [], f"try {i}: processes left"
        check_outputs(out, reference)
    left = sum((tmp_path / f"try{i}" / "tables").exists() for i in range(TRIES))
    print(
        f"\n{TRIES} tries, {interrupted} interrupted, {left} after tables were begun; "
        "stop times (s): " + ", ".join(f"{s:.2f}" for s in stops)
    )
    assert interrupted >= TRIES // 2  # most signals land while the run is going
    assert max(stops, default=0) < STOP_WITHIN
