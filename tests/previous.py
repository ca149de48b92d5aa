"""Workbooks as perfxl drew them before its stage formulas followed its rules (tests only).

`perfxl.layout_previous` keeps, as code, the formulas the monitoring and self-evaluation
sheets carried before; :data:`DRAWN_BEFORE` says which form method each one was. A workbook
made by :func:`new_as_before` is ``perfxl new`` run with those methods back in place: a
workbook already in the field, byte for byte what the previous release drew.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from perfxl import layout as L
from perfxl import layout_previous as before

DRAWN_BEFORE: dict[tuple[type, str], Callable[..., str]] = {
    (L.MonitoringForm, "rate_formula"): before.monitoring_rate,
    (L.MonitoringCover, "time_share_formula"): before.time_share,
    (L.EvaluationForm, "rate_formula"): before.evaluation_rate,
    (L.EvaluationForm, "funds_score_formula"): before.funds_score,
    (L.EvaluationForm, "score_formula"): before.score,
    (L.EvaluationForm, "counted_formula"): before.counted,
    (L.EvaluationForm, "points_total_formula"): before.points_total,
    (L.EvaluationForm, "total_formula"): before.total,
}
"""(form class, method) -> the function giving the formula that method drew before."""


def draw_as_before() -> None:
    """Put the previous formulas in place of the current ones, for the rest of the process
    (:func:`new_as_before` runs it in a process of its own)."""
    for (form, method), previous in DRAWN_BEFORE.items():
        setattr(form, method, previous)


def new_as_before(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``perfxl new ARGS`` as the previous release ran it (its formulas)."""
    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from previous import draw_as_before\n"
        "draw_as_before()\n"
        "from perfxl.cli import main\n"
        "main()\n"
    )
    cmd: list[Any] = [sys.executable, "-c", code, *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)
