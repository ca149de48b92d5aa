"""Issue 13's acceptance for the county demo's monitoring round (tools/demo.d/55-county-monitoring.sh).

The demo step is run as the README's demo runs it, on a smaller county (the demo's nine
townships with 7 projects each instead of 20): July monitoring workbooks built from the
townships' targets, consolidated into the county monitoring summary with ``--tables``. The
summary opens in LibreOffice with its chart, and each township's red, yellow and green
counts in 乡镇执行 are the ones counted here from the project rows of 监控汇总.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
import zipfile
from collections import Counter
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import openpyxl
import pytest
from books import table_rows
from conftest import ROOT, convert, county_demo, county_demo_made

from perfxl.consolidate import columns as K
from perfxl.read import read_workbook

PROJECTS = 7  # the fewest the county demo plants its mistakes in
SUMMARY = "巨鹿县7月监控汇总.xlsx"
TABLES = "county-monitoring-tables"
LIGHTS = ("红", "黄", "绿")


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_county_monitoring_demo", ROOT / "tools" / "make_county_monitoring_demo.py"
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
        ["bash", str(ROOT / "tools" / "demo.d" / "55-county-monitoring.sh")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_each_township_sends_a_july_workbook_from_its_chosen_targets(demo) -> None:  # type: ignore[no-untyped-def]
    out, _ = demo
    books = sorted((out / "county-monitoring").glob("*.xlsx"))
    county = county_demo()
    expected = [t for t in county.TOWNSHIPS if t != county.MISSING]
    assert [b.name.split("-")[1] for b in books] == expected
    for book in books:
        t = read_workbook(book).targets
        assert (t.stage, t.month, len(t.projects)) == ("monitoring", 7, PROJECTS)
        assert all(p.monitoring is not None for p in t.projects)
    # 小吕寨镇 sent a draft (one project short) and a corrected version: built from the latter
    assert _tool().chosen_targets(out / "county")[5].name.endswith("-v2.xlsx")


def test_the_round_has_every_light_and_explains_every_shortfall(demo) -> None:  # type: ignore[no-untyped-def]
    out, _ = demo
    rows = [
        r for r in table_rows(out / SUMMARY, K.MONITOR_SUMMARY) if r["row_kind"] == K.ROW_PROJECT
    ]
    lights = Counter(r["light"] for r in rows)
    assert set(lights) == set(LIGHTS)
    assert lights["绿"] > lights["黄"] + lights["红"] > 0  # most on schedule, several behind
    rectify = table_rows(out / SUMMARY, K.RECTIFY)
    likelihood = Counter(r["likelihood"] for r in rectify if r["item"] == K.ITEM_INDICATOR)
    assert likelihood["有可能"] > 0 and likelihood["完全不可能"] > 0
    assert all(r["deviation"] and r["remedy"] for r in rectify)
    behind = {(r["unit_code"], r["project_code"]) for r in rows if r["light"] in ("红", "黄")}
    listed = {(r["unit_code"], r["project_code"]) for r in rectify if r["item"] == K.ITEM_PROJECT}
    assert listed == behind


def test_each_light_is_the_documented_one_for_its_rate(demo) -> None:  # type: ignore[no-untyped-def]
    """Green within 10 points of 序时, yellow within 30, else red (the documented defaults);
    执行率 = 1-7月执行数 ÷ 调整后预算数 (年初预算数 when blank), to the cent of a percent."""
    out, _ = demo
    rows = [
        r for r in table_rows(out / SUMMARY, K.MONITOR_SUMMARY) if r["row_kind"] == K.ROW_PROJECT
    ]
    assert any(r["adjusted"] is not None for r in rows)  # some budgets were raised mid-year
    for r in rows:
        budget = Decimal(repr(r["adjusted"] if r["adjusted"] is not None else r["initial"]))
        rate = (Decimal(repr(r["executed"])) * 100 / budget).quantize(Decimal("0.01"))
        assert Decimal(repr(r["rate"])) == rate
        lag = Decimal("58.33") - rate
        want = "绿" if lag <= 10 else "黄" if lag <= 30 else "红"
        assert (r["schedule"], r["light"]) == (58.33, want)


def test_township_counts_add_up_to_the_project_rows(demo) -> None:  # type: ignore[no-untyped-def]
    out, _ = demo
    rows = [
        r for r in table_rows(out / SUMMARY, K.MONITOR_SUMMARY) if r["row_kind"] == K.ROW_PROJECT
    ]
    counted: dict[str, Counter[str]] = {}
    for r in rows:
        counted.setdefault(r["unit_code"], Counter())[r["light"]] += 1
    units = table_rows(out / SUMMARY, K.MONITOR_UNITS)
    townships = [u for u in units if u["row_kind"] == K.ROW_UNIT]
    assert [u["unit_code"] for u in townships] == sorted(counted)
    for u in townships:
        mine = counted[u["unit_code"]]
        assert (u["red"], u["yellow"], u["green"]) == tuple(mine[x] for x in LIGHTS)
        assert u["red"] + u["yellow"] + u["green"] == u["projects"] == sum(mine.values())
    (total,) = [u for u in units if u["row_kind"] == K.ROW_TOTAL]
    every = Counter(r["light"] for r in rows)
    assert (total["red"], total["yellow"], total["green"]) == tuple(every[x] for x in LIGHTS)
    assert total["projects"] == len(rows) == 9 * PROJECTS


@pytest.mark.libreoffice
def test_the_summary_opens_in_libreoffice_with_its_chart(demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out, _ = demo
    summary = out / SUMMARY
    with zipfile.ZipFile(summary) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())
    (resaved,) = convert([summary], "xlsx", tmp_path, timeout=240)
    with zipfile.ZipFile(resaved) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert charts, "LibreOffice dropped the chart"
        xml = z.read(charts[0]).decode("utf-8")
    assert K.MONITOR_CHART_SHEET in xml  # the series still point at the chart's data table
    wb = openpyxl.load_workbook(resaved, read_only=True)
    try:
        assert K.MONITOR_UNITS.sheet in wb.sheetnames and K.MONITOR_CHART_SHEET in wb.sheetnames
        rates = [r[1] for r in wb[K.MONITOR_CHART_SHEET].iter_rows(min_row=2, values_only=True)]
    finally:
        wb.close()
    townships = [u for u in table_rows(summary, K.MONITOR_UNITS) if u["row_kind"] == K.ROW_UNIT]
    assert rates[: len(townships)] == [u["rate"] for u in townships]


def test_tables_of_a_monitoring_run_are_its_summary_sheets(demo) -> None:  # type: ignore[no-untyped-def]
    """``--tables`` writes 监控汇总, 乡镇执行 and 需整改 (not the targets' empty tables), each
    CSV row the sheet's row."""
    out, proc = demo
    folder = out / TABLES
    names = {p.name for p in folder.glob("*.csv")}
    assert names == {"monitoring.csv", "monitoring_units.csv", "rectify.csv"} | {
        "problems.csv",
        "files.csv",
    }
    assert f"明细表（CSV/Parquet）：{folder}" in proc.stdout
    for name, table in (
        ("monitoring", K.MONITOR_SUMMARY),
        ("monitoring_units", K.MONITOR_UNITS),
        ("rectify", K.RECTIFY),
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


def test_parquet_tables_keep_amounts_and_counts_typed(demo) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd  # pyarrow is a dev dependency: the Parquet files are written

    out, _ = demo
    units = pd.read_parquet(out / TABLES / "monitoring_units.parquet")
    assert str(units["red"].dtype) == "Int64" and str(units["budget"].dtype) == "float64"
    grand = units[units["row_kind"] == K.ROW_TOTAL].iloc[0]
    townships = units[units["row_kind"] == K.ROW_UNIT]
    assert grand["red"] == townships["red"].sum() and grand["projects"] == 9 * PROJECTS


def test_table_paths_cover_both_stages(tmp_path: Path) -> None:
    """The outputs refused as inputs include a monitoring run's tables (the stage is known
    only after reading)."""
    from perfxl.consolidate.tables import table_paths

    names = {p.name for p in table_paths(tmp_path)}
    assert {"projects.csv", "monitoring.csv", "rectify.parquet", "monitoring_units.csv"} <= names
    assert len(names) == len(table_paths(tmp_path))


def _same(text: str, cell: Any) -> bool:
    """Whether a CSV field holds the sheet's cell: empty for a blank, the same number (the
    sheet reads 55 where the CSV has 55.0), else the same text."""
    if cell is None:
        return text == ""
    if isinstance(cell, int | float):
        return float(text) == cell
    return text == str(cell)
