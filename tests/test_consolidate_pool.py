"""How a consolidation's workers start: forked only where this process runs no other thread.

A Python thread of the host (a Jupyter kernel's, a web server's) may hold a lock at the fork,
which the child would then wait on forever; Python 3.12 and later warn of it. There the
workers are spawned, and the result is the same.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pytest
from conftest import ROOT

from perfxl.consolidate import Options, consolidate
from perfxl.consolidate.run import pool_context

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no fork on Windows")


def test_a_process_with_one_thread_forks_its_workers() -> None:
    """A fresh process (as the command line is when its pool starts) forks: warm workers."""
    code = (
        "from perfxl.consolidate.run import pool_context; print(pool_context().get_start_method())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "fork"


def test_a_process_running_another_thread_spawns_them_with_the_same_result(
    tmp_path: Path,
) -> None:
    folder = ROOT / "examples" / "county"
    alone = consolidate([folder], tmp_path / "one.xlsx", Options(jobs=1))
    release = threading.Event()
    other = threading.Thread(target=release.wait, name="host-thread")
    other.start()
    try:
        assert pool_context().get_start_method() == "spawn"
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*use of fork.*", category=DeprecationWarning)
            spawned = consolidate([folder], tmp_path / "two.xlsx", Options(jobs=2))
    finally:
        release.set()
        other.join()
    assert spawned.files == alone.files and len(spawned.files) > 1
    assert spawned.totals == alone.totals and spawned.totals["projects"] > 0
    assert len(spawned.problems) == len(alone.problems) > 0


def test_warm_up_loads_the_config_the_forked_workers_validate_with(tmp_path: Path) -> None:
    """What every worker would load for its first workbook is loaded once, before the fork."""
    from perfxl.consolidate import extract

    config = tmp_path / "county.toml"
    config.write_text("", encoding="utf-8")
    extract._config.cache_clear()
    try:
        extract.warm_up(str(config))
        loaded = extract._config.cache_info()
        extract._config(str(config))  # what a forked worker's first workbook asks for
        assert loaded.currsize == 1
        assert extract._config.cache_info().misses == loaded.misses  # not loaded again
    finally:
        extract._config.cache_clear()
