"""Issue 14's acceptance for the county self-evaluation summary (tools/demo.d/57-county-evaluation.sh).

The demo step is run as the README's demo runs it, on a smaller county (the demo's nine
townships with 7 projects each instead of 20): self-evaluation workbooks built from the
townships' targets, consolidated into the county evaluation summary with ``--tables``. The
summary opens in LibreOffice with its chart; each township's mean 总分 is the mean of its
projects' 总分 (worked here from the project rows), its grade counts add up to its project
rows; every 总分 is perfxl.evaluation's for the township's workbook; workbooks of two scoring
profiles are refused, naming the files.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import openpyxl
import pytest
from books import table_rows
from conftest import ROOT, convert, county_demo, county_demo_made

from perfxl.consolidate import columns as K
from perfxl.consolidate.eval_columns import (
    EVAL_CHART_SHEET,
    EVAL_LOWEST,
    EVAL_MARKER,
    EVAL_SUMMARY,
    EVAL_UNITS,
    LEVEL_KEYS,
    LEVEL_NAMES,
    LOWEST,
)
from perfxl.evaluation import evaluate
from perfxl.read import read_workbook

PROJECTS = 7  # the fewest the county demo plants its mistakes in
SUMMARY = "巨鹿县绩效自评汇总.xlsx"
TABLES = "county-evaluation-tables"
PERFXL = [sys.executable, "-m", "perfxl.cli"]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_county_evaluation_demo", ROOT / "tools" / "make_county_evaluation_demo.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """OUT after the demo step, run on a county of nine townships with 7 projects each."""
    out = tmp_path_factory.mktemp("demo")
    county_demo_made(out / "county", PROJECTS)
    env = {**os.environ, "OUT": str(out), "BIN": str(Path(sys.executable).parent)}
    proc = subprocess.run(
        ["bash", str(ROOT / "tools" / "demo.d" / "57-county-evaluation.sh")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out, proc


def _mean(values: list[Any]) -> float:
    """The mean at 2 decimals, halves up, worked here independently of perfxl.numbers."""
    exact = sum(Decimal(repr(v)) for v in values) / len(values)
    return float(exact.quantize(Decimal("0.01"), ROUND_HALF_UP))


def test_each_township_sends_a_self_evaluation_from_its_chosen_targets(demo) -> None:  # type: ignore[no-untyped-def]
    out, _ = demo
    books = sorted((out / "county-evaluation").glob("*.xlsx"))
    county = county_demo()
    assert [b.name.split("-")[1] for b in books] == [
        t for t in county.TOWNSHIPS if t != county.MISSING
    ]
    for book in books:
        t = read_workbook(book).targets
        assert (t.stage, t.profile, len(t.projects)) == ("evaluation", "default", PROJECTS)
        assert all(p.evaluation is not None for p in t.projects)


def test_every_score_is_perfxl_evaluations_for_the_townships_workbook(demo) -> None:  # type: ignore[no-untyped-def]
    out, _ = demo
    rows = table_rows(out / SUMMARY, EVAL_SUMMARY)
    got = {(r["unit_code"], r["project_code"]): r for r in rows}
    n = 0
    for book in sorted((out / "county-evaluation").glob("*.xlsx")):
        t = read_workbook(book).targets
        for p, res in zip(t.projects, evaluate(t), strict=True):
            r = got[(str(t.unit.code), p.code)]
            want = (
                None if res.total is None else float(res.total),
                res.level,
                len(res.short_rows),
                None if res.funds.rate is None else float(res.funds.rate),
            )
            assert (r["total"], r["level"], r["short"], r["rate"]) == want, p.code
            n += 1
    assert n == len(rows) == 9 * PROJECTS


def test_township_averages_are_the_mean_of_their_projects(demo) -> None:  # type: ignore[no-untyped-def]
    out, _ = demo
    rows = table_rows(out / SUMMARY, EVAL_SUMMARY)
    totals: dict[str, list[Any]] = {}
    for r in rows:
        if r["total"] is not None:
            totals.setdefault(r["unit_code"], []).append(r["total"])
    units = table_rows(out / SUMMARY, EVAL_UNITS)
    townships = [u for u in units if u["row_kind"] == K.ROW_UNIT]
    assert [u["unit_code"] for u in townships] == sorted(totals)
    for u in townships:
        mine = totals[u["unit_code"]]
        assert u["average"] == _mean(mine), u["unit_name"]
        assert (u["scored"], u["highest"], u["lowest"]) == (len(mine), max(mine), min(mine))
    (county,) = [u for u in units if u["row_kind"] == K.ROW_TOTAL]
    every = [v for vs in totals.values() for v in vs]
    assert county["average"] == _mean(every)
    assert (
        county["unit_name"] == f"合计（{len(townships)} 个单位）"
    )  # no level: see test_summary_level
    # a plausible county: most projects complete, several short
    assert 80 < county["average"] < 100 and min(every) < 80 <= max(every) == 100


def test_grade_counts_add_up_to_the_project_rows(demo) -> None:  # type: ignore[no-untyped-def]
    out, _ = demo
    rows = table_rows(out / SUMMARY, EVAL_SUMMARY)
    counted: dict[str, Counter[str]] = {}
    for r in rows:
        counted.setdefault(r["unit_code"], Counter())[r["level"]] += 1
    units = table_rows(out / SUMMARY, EVAL_UNITS)
    for u in (u for u in units if u["row_kind"] == K.ROW_UNIT):
        mine = counted[u["unit_code"]]
        assert tuple(u[k] for k in LEVEL_KEYS) == tuple(mine[x] for x in LEVEL_NAMES)
        assert sum(u[k] for k in LEVEL_KEYS) == u["projects"] == sum(mine.values())
    (county,) = [u for u in units if u["row_kind"] == K.ROW_TOTAL]
    every = Counter(r["level"] for r in rows)
    assert tuple(county[k] for k in LEVEL_KEYS) == tuple(every[x] for x in LEVEL_NAMES)
    assert sum(county[k] for k in LEVEL_KEYS) == county["projects"] == len(rows)
    assert len([x for x in LEVEL_NAMES if every[x]]) >= 3  # the chart has something to show


def test_the_lowest_projects_come_with_the_reasons_of_their_short_rows(demo) -> None:  # type: ignore[no-untyped-def]
    out, _ = demo
    rows = table_rows(out / SUMMARY, EVAL_SUMMARY)
    lowest = table_rows(out / SUMMARY, EVAL_LOWEST)
    projects = [r for r in lowest if r["item"] == K.ITEM_PROJECT]
    assert [r["rank"] for r in projects] == list(range(1, LOWEST + 1))
    want = sorted(r["total"] for r in rows if r["total"] is not None)[:LOWEST]
    assert [r["total"] for r in projects] == want
    by_project = {(r["unit_code"], r["project_code"]): r for r in rows}
    for p in projects:
        mine = [
            r
            for r in lowest
            if r["item"] == K.ITEM_INDICATOR
            and (r["rank"], r["project_code"]) == (p["rank"], p["project_code"])
        ]
        assert len(mine) == by_project[(p["unit_code"], p["project_code"])]["short"] > 0
        for r in mine:
            assert r["score"] < r["points"]
            if r["target"] is None:  # a planted mistake of the targets: nothing to measure
                assert (r["actual"], r["score"], r["deviation"]) == (None, 0, None)
                continue
            # the demo's clerks explained every shortfall; the project's row gathers them
            assert r["deviation"] and f"{r['indicator']}：{r['deviation']}" in p["deviation"]


def test_the_profile_is_named_in_the_summary(demo) -> None:  # type: ignore[no-untyped-def]
    out, proc = demo
    wb = openpyxl.load_workbook(out / SUMMARY, read_only=True)
    try:
        readme = {r[0]: r[1] for r in wb[K.README_SHEET].iter_rows(values_only=True) if r and r[0]}
    finally:
        wb.close()
    assert EVAL_MARKER in readme
    assert readme["评分方案"].startswith("default（")
    assert "绩效自评（评分方案 default）" in proc.stdout


@pytest.mark.libreoffice
def test_the_summary_opens_in_libreoffice_with_its_chart(demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out, _ = demo
    summary = out / SUMMARY
    with zipfile.ZipFile(summary) as z:
        xml = next(z.read(n) for n in z.namelist() if n.startswith("xl/charts/chart"))
        assert b'<c:grouping val="stacked"/>' in xml
    (resaved,) = convert([summary], "xlsx", tmp_path, timeout=240)
    with zipfile.ZipFile(resaved) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert charts, "LibreOffice dropped the chart"
        xml = z.read(charts[0])
    assert EVAL_CHART_SHEET.encode() in xml  # the series still point at the chart's data table
    assert xml.count(b"<c:ser>") == len(LEVEL_NAMES)
    wb = openpyxl.load_workbook(resaved, read_only=True)
    try:
        counts = [r[1:5] for r in wb[EVAL_CHART_SHEET].iter_rows(min_row=2, values_only=True)]
    finally:
        wb.close()
    townships = [u for u in table_rows(summary, EVAL_UNITS) if u["row_kind"] == K.ROW_UNIT]
    assert counts[: len(townships)] == [tuple(u[k] for k in LEVEL_KEYS) for u in townships]


def test_tables_of_an_evaluation_run_are_its_summary_sheets(demo) -> None:  # type: ignore[no-untyped-def]
    out, proc = demo
    folder = out / TABLES
    names = {p.name for p in folder.glob("*.csv")}
    assert names == {"evaluation.csv", "evaluation_units.csv", "lowest.csv", "problems.csv"} | {
        "files.csv"
    }
    assert f"明细表（CSV/Parquet）：{folder}" in proc.stdout
    for name, table in (
        ("evaluation", EVAL_SUMMARY),
        ("evaluation_units", EVAL_UNITS),
        ("lowest", EVAL_LOWEST),
    ):
        with (folder / f"{name}.csv").open(encoding="utf-8-sig", newline="") as fh:
            got = list(csv.DictReader(fh))
        sheet = table_rows(out / SUMMARY, table)
        assert list(got[0]) == list(table.keys)
        assert len(got) == len(sheet) > 0
        for row, cells in zip(got, sheet, strict=True):
            for key, value in cells.items():
                if key != "source_file":  # the sheet shows it relative to the inputs
                    assert _same(row[key], value), (name, key, row[key], value)


def test_workbooks_of_two_profiles_are_refused_naming_the_files(demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out, _ = demo
    books = sorted((out / "county-evaluation").glob("*.xlsx"))[:2]
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(books[0], folder)
    other = folder / books[1].name
    from perfxl.services import new_evaluation

    new_evaluation(books[1], other, profile="ratio-reverse")
    summary = tmp_path / "汇总.xlsx"
    proc = subprocess.run(
        [*PERFXL, "consolidate", folder, "-o", summary],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "评分方案不一致" in proc.stderr
    assert books[0].name in proc.stderr and other.name in proc.stderr
    assert "ratio-reverse" in proc.stderr
    assert not summary.exists()


def test_a_self_evaluation_among_targets_is_listed_not_summed(demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out, _ = demo
    targets = sorted((out / "county").glob("*.xlsx"))[0]
    evaluation = sorted((out / "county-evaluation").glob("*.xlsx"))[1]
    summary = tmp_path / "汇总.xlsx"
    proc = subprocess.run(
        [*PERFXL, "consolidate", targets, evaluation, "-o", summary],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    files = {Path(r["source_file"]).name: r for r in table_rows(summary, K.FILES)}
    row = files[evaluation.name]
    assert row["file_status"] == K.EVALUATION_SKIPPED and "自评表不计入" in row["note"]
    assert files[targets.name]["file_status"] == K.USED
    assert "consolidate.evaluation_workbook" in {r["rule"] for r in table_rows(summary, K.PROBLEMS)}


def _same(text: str, cell: Any) -> bool:
    """Whether a CSV field holds the sheet's cell: empty for a blank, the same number, else
    the same text."""
    if cell is None:
        return text == ""
    if isinstance(cell, int | float):
        return float(text) == cell
    return text == str(cell)


def test_an_earlier_summary_in_the_folder_is_listed_and_replaceable(demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Run again into the townships' folder: the earlier summary there (under its own name
    and another) is not read as a township's workbook, and may be replaced."""
    out, _ = demo
    folder = tmp_path / "cin"
    shutil.copytree(out / "county-evaluation", folder)
    summary = folder / "县自评汇总.xlsx"
    for _ in range(2):
        proc = subprocess.run(
            [*PERFXL, "consolidate", folder, "-o", summary],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 1, proc.stderr  # the planted errors; nothing unusable
        shutil.copy(summary, folder / "旧汇总.xlsx")
    files = {Path(r["source_file"]).name: r for r in table_rows(summary, K.FILES)}
    assert files["旧汇总.xlsx"]["file_status"] == K.SUMMARY_SKIPPED
    assert len(table_rows(summary, EVAL_SUMMARY)) == 9 * PROJECTS
