"""Issue 13's demo: the committed examples/suying-2023-monitoring.xlsx is what
tools/make_monitoring_demo.py makes today (compared by export: the saved times differ), and
it reads as a July monitoring workbook with projects behind and one indicator 完全不可能."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from books import parts
from conftest import EXAMPLES, ROOT

from perfxl.read import read_workbook

COMMITTED = EXAMPLES / "suying-2023-monitoring.xlsx"


def _export(book: Path) -> dict[str, Any]:
    res = read_workbook(book)
    assert res.ok and not res.problems
    data: dict[str, Any] = res.targets.to_dict()
    return data


def test_committed_monitoring_example_equals_a_fresh_run(tmp_path: Path) -> None:
    tool = ROOT / "tools" / "make_monitoring_demo.py"
    targets, fresh = tmp_path / "目标.xlsx", tmp_path / "监控.xlsx"
    proc = subprocess.run(
        [sys.executable, str(tool), str(targets), str(fresh)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert _export(COMMITTED) == _export(fresh)
    # the same workbook, its times too (the tool stamps them), whatever zlib deflated it
    assert parts(targets, times=True) == parts(EXAMPLES / "suying-2023.xlsx", times=True)


def test_the_example_holds_a_clerks_july() -> None:
    data = _export(COMMITTED)
    assert (data["stage"], data["month"]) == ("monitoring", 7)
    projects = data["projects"]
    assert all(p["monitoring"]["total"]["executed"] is not None for p in projects)
    behind = [
        i
        for i, p in enumerate(projects)
        if p["monitoring"]["total"]["executed"] < 0.5 * p["monitoring"]["total"]["initial"]
    ]
    assert behind == [3, 8, 14]
    for i in behind:
        first = projects[i]["monitoring"]["indicators"][0]
        assert first["deviation"] and first["remedy"]
    likely = [
        (i, j, ind["likelihood"], bool(ind["deviation"]))
        for i, p in enumerate(projects)
        for j, ind in enumerate(p["monitoring"]["indicators"])
        if ind["likelihood"] == "完全不可能"
    ]
    assert likely == [(14, 0, "完全不可能", True)]
