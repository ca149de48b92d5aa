"""Issue 14's demo: the committed examples/suying-2023-evaluation.xlsx is what
tools/make_evaluation_demo.py makes today (compared by export: the saved times differ), and it
reads as a clerk's year end: carried from the July monitoring workbook, most projects complete,
three short with their reasons, one qualitative indicator partly met with a score in its band."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, ROOT, convert

from perfxl import constants as C
from perfxl.evaluation import evaluate
from perfxl.read import read_workbook
from perfxl.scoring import DEFAULT, GRADES, band_points

COMMITTED = EXAMPLES / "suying-2023-evaluation.xlsx"
MONITORING = EXAMPLES / "suying-2023-monitoring.xlsx"


def _export(book: Path) -> dict[str, Any]:
    res = read_workbook(book)
    assert res.ok and not res.problems
    data: dict[str, Any] = res.targets.to_dict()
    return data


def test_committed_evaluation_example_equals_a_fresh_run(tmp_path: Path) -> None:
    tool = ROOT / "tools" / "make_evaluation_demo.py"
    fresh = tmp_path / "自评.xlsx"
    proc = subprocess.run(
        [sys.executable, str(tool), str(fresh)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert _export(COMMITTED) == _export(fresh)


def test_the_example_carries_the_monitoring_budgets() -> None:
    evaluation = read_workbook(COMMITTED).targets
    monitoring = read_workbook(MONITORING).targets
    assert evaluation.stage == "evaluation" and evaluation.profile == "default"
    assert [p.code for p in evaluation.projects] == [p.code for p in monitoring.projects]
    for e, m in zip(evaluation.projects, monitoring.projects, strict=True):
        assert e.evaluation is not None and m.monitoring is not None
        for row in ("total", "fiscal", "other"):  # 调整后预算数, else 年初预算数 (none typed)
            funds = getattr(m.monitoring, row)
            want = funds.adjusted if funds.adjusted is not None else funds.initial
            assert getattr(e.evaluation, row).budget == want, (e.name, row)


def test_the_example_holds_a_clerks_year_end() -> None:
    t = read_workbook(COMMITTED).targets
    results = evaluate(t)
    assert len(results) == 19 and all(r.total is not None for r in results)
    short = [i for i, r in enumerate(results) if r.total != Decimal(100)]
    assert short == [3, 8, 10, 14]
    assert [str(results[i].total) for i in short] == ["94.13", "97.75", "96.25", "88.25"]
    assert [results[i].level for i in short] == ["优", "优", "优", "良"]
    spent_less = [i for i, r in enumerate(results) if r.funds.rate != Decimal(100)]
    assert spent_less == [3, 8, 14]
    for i in short:  # every row short of full points says why
        rows, typed = results[i].rows, t.projects[i].evaluation
        assert typed is not None
        for row in rows:
            if row.points is not None and row.counted != row.points:
                assert typed.indicators[row.index].deviation, (i, row.index)
    # the one qualitative row partly met: its grade, a score inside the band, the reason
    partly = [
        (i, j, x)
        for i, p in enumerate(t.projects)
        for j, x in enumerate(p.evaluation.indicators if p.evaluation else [])
        if x.grade == GRADES[1]
    ]
    assert [(i, j) for i, j, _ in partly] == [(10, 2)]
    _, _, typed_row = partly[0]
    points = results[10].rows[2].points
    assert points is not None
    low, high = band_points(GRADES[1], points, DEFAULT)
    score = Decimal(repr(typed_row.score))
    assert low <= score <= high and typed_row.deviation
    assert (low, high) == (Decimal("7.50"), Decimal("10.00"))  # 60-80 % of 12.5
    assert score == results[10].rows[2].counted == Decimal("8.75")


@pytest.mark.libreoffice
def test_the_examples_own_formulas_give_perfxls_scores(tmp_path: Path) -> None:
    """A township without Python sees the same 总分 and 自评等级: LibreOffice recalculates the
    committed example's formulas, the cover's rows equal perfxl.evaluation's figures."""
    from python_calamine import CalamineWorkbook

    (recalculated,) = convert([COMMITTED], "xlsx", tmp_path)
    rows = CalamineWorkbook.from_path(str(recalculated)).get_sheet_by_name("封面").to_python()
    header = next(r for r in rows if C.L_TOTAL_SCORE in r)
    first = rows.index(header) + 1
    total_col = header.index(C.L_TOTAL_SCORE)
    shown = [(r[total_col], r[total_col + 1]) for r in rows[first : first + 19]]
    want = [(float(r.total or 0), r.level) for r in evaluate(read_workbook(COMMITTED).targets)]
    assert shown == want
    assert ("88.25", "良") in [(f"{t:.2f}", lv) for t, lv in shown]
