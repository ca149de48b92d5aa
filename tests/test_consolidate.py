"""County consolidation, end to end on generated township workbooks (real files, real readers)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from books import csv_and_cells, sheet_rows
from click.testing import CliRunner
from conftest import convert, county_demo, county_demo_made

from perfxl.consolidate import Options, consolidate
from perfxl.consolidate import columns as K

ROOT = Path(__file__).resolve().parents[1]
INJECTION = '=HYPERLINK("http://example.invalid","点我")'


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten townships (one missing, one twice), plus an unlisted unit, a broken file, a
    workbook that is not ours and an Excel owner file."""
    import xlsxwriter

    from perfxl.model import Targets
    from perfxl.write.fill import write_new

    demo = county_demo()
    folder = tmp_path_factory.mktemp("county") / "inbox"
    county_demo_made(folder, n_projects=8)
    seed = json.loads(demo.SEED.read_text(encoding="utf-8"))
    extra = demo.township_data(0, seed, n_projects=2)
    extra["unit"] = {"code": "990001", "name": "巨鹿县某局"}
    for k, p in enumerate(extra["projects"]):
        p["code"] = f"13052923P99{k:09d}X"
    extra["projects"][0]["name"] = INJECTION
    sub = folder / "departments"
    sub.mkdir()
    write_new(Targets.from_dict(extra), sub / "990001-某局.xlsx")
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    wb = xlsxwriter.Workbook(str(folder / "notes.xlsx"))
    wb.add_worksheet("Sheet1").write_string(0, 0, "会议记录")
    wb.close()
    (folder / "~$910001-巨鹿镇.xlsx").write_bytes(b"owner")
    return folder


def _records(path: Path, table: K.Table) -> list[dict[str, Any]]:
    rows = sheet_rows(path, table.sheet)
    header = rows[0]
    assert tuple(header) == tuple(c.header for c in table.columns)
    return [dict(zip(table.keys, r, strict=True)) for r in rows[1:]]


@pytest.fixture(scope="module")
def summary(county: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("summary") / "巨鹿县汇总.xlsx"
    result = consolidate(
        [county], out, Options(expected=county / "units.csv", jobs=2, tables=out.parent / "t")
    )
    return out, result


def test_every_project_of_the_newest_versions_once(county: Path, summary: tuple[Path, Any]) -> None:
    from perfxl.read import read_workbook

    out, result = summary
    used = sorted(p for p in county.rglob("*.xlsx") if "v1" not in p.name and p.name[0].isdigit())
    assert len(used) == 10  # 8 townships (one missing, one twice -> v2) + the department
    want: list[tuple[str, str]] = []
    budgets: dict[str, int] = {}
    for p in used:
        t = read_workbook(p).targets
        for prj in t.projects:
            want.append((t.unit.code, prj.code))
            if isinstance(prj.budget, int | float):
                budgets[t.unit.code] = budgets.get(t.unit.code, 0) + round(prj.budget * 100)
    rows = _records(out, K.SUMMARY)
    got = [(r["unit_code"], r["project_code"]) for r in rows if r["row_kind"] == K.ROW_PROJECT]
    assert sorted(got) == sorted(want)
    assert not any("v1" in str(r["source_file"]) for r in rows)
    # Budgets add up to the cent: per unit (subtotal rows and 乡镇合计) and for the county.
    subtotals = {r["unit_code"]: r["budget"] for r in rows if r["row_kind"] == K.ROW_SUBTOTAL}
    assert {k: round(v * 100) for k, v in subtotals.items()} == budgets
    units = _records(out, K.UNITS)
    assert {r["unit_code"]: round(r["budget"] * 100) for r in units[:-1]} == budgets
    assert units[-1]["row_kind"] == K.ROW_TOTAL
    assert round(units[-1]["budget"] * 100) == sum(budgets.values())
    assert round(result.totals["budget"] * 100) == sum(budgets.values())
    # Percentages are recomputed from the amounts.
    r0 = next(r for r in rows if r["row_kind"] == K.ROW_PROJECT)
    assert r0["pct_dec"] == round(r0["plan_dec"] / r0["budget"] * 100, 2)


def test_every_problem_is_listed(county: Path, summary: tuple[Path, Any]) -> None:
    from perfxl.validate import validate_file

    out, _ = summary
    listed = Counter(
        (str(r["source_file"]), r["rule"], r["sheet"] or None, r["cell"] or None)
        for r in _records(out, K.PROBLEMS)
    )
    used = [p for p in county.rglob("*.xlsx") if "v1" not in p.name and p.name[0].isdigit()]
    expected: Counter[tuple[Any, ...]] = Counter()
    for p in used:
        rep = validate_file(p)
        keys = {(x.rule, x.sheet, x.cell, x.pointer, x.message) for x in rep.problems}
        assert keys  # every generated township has at least the seed's warnings
        for rule, sheet, cell, _, _ in keys:
            # the summary shows file names relative to the input folder
            expected[(str(p.relative_to(county)), rule, sheet, cell)] += 1
    assert expected - listed == Counter()
    rules = {k[1] for k in listed}
    # The planted mistakes.
    for rule in (
        "amount.funds_sum",
        "plan.dec_budget",
        "plan.decreasing",
        "read.amount_unreadable",
        "indicator.rate_over_100",
        "consolidate.duplicate_code",
        "consolidate.unit_missing",
        "consolidate.unit_unlisted",
        "consolidate.file_unreadable",
        "consolidate.not_perfxl",
    ):
        assert rule in rules, rule
    dup = [k for k in listed if k[1] == "consolidate.duplicate_code"]
    assert len(dup) == 2 and {Path(k[0]).name for k in dup} == {
        "910001-巨鹿镇.xlsx",
        "910005-阎疃镇.xlsx",
    }


def test_submissions_missing_superseded_and_unusable(
    county: Path, summary: tuple[Path, Any]
) -> None:
    out, result = summary
    rows = _records(out, K.FILES)
    by_file = {Path(str(r["source_file"])).name: r for r in rows if r["source_file"]}
    missing = [r for r in rows if r["submission"] == K.MISSING]
    assert [(r["unit_code"], r["unit_name"]) for r in missing] == [
        ("910010", "巨鹿县观寨乡人民政府本级")
    ]
    assert by_file["910006-小吕寨镇-v1.xlsx"]["file_status"] == K.SUPERSEDED
    assert by_file["910006-小吕寨镇-v2.xlsx"]["file_status"] == K.USED
    assert by_file["990001-某局.xlsx"]["submission"] == K.UNLISTED
    assert by_file["broken.xlsx"]["file_status"] == K.UNREADABLE and by_file["broken.xlsx"]["note"]
    assert by_file["notes.xlsx"]["file_status"] == K.NOT_PERFXL
    assert not any(name.startswith("~$") for name in by_file)
    assert len(by_file["910001-巨鹿镇.xlsx"]["sha256"]) == 64
    assert result.exit_code == 2
    assert [c for c, _ in result.missing] == ["910010"]


def test_text_from_submissions_is_never_a_formula(summary: tuple[Path, Any]) -> None:
    from openpyxl import load_workbook

    out, _ = summary
    ws = load_workbook(out, read_only=True)["汇总"]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value == INJECTION]
    assert cells and all(c.data_type == "s" for c in cells)


def test_versions_prefer_overrides_mtime(county: Path, tmp_path: Path) -> None:
    v1 = county / "910006-小吕寨镇-v1.xlsx"
    out = tmp_path / "s.xlsx"
    result = consolidate(
        [v1, county / "910006-小吕寨镇-v2.xlsx"], out, Options(jobs=1, prefer=[str(v1)])
    )
    assert [s.file.path for s in result.chosen] == [str(v1)]
    assert [Path(f.path).name for f in result.superseded] == ["910006-小吕寨镇-v2.xlsx"]


def test_tables_csv_and_parquet(summary: tuple[Path, Any]) -> None:
    out, result = summary
    folder = out.parent / "t"
    import csv

    with (folder / "indicators.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == K.INDICATORS.keys
    assert len(rows) - 1 == len(result.indicators)
    has_arrow = importlib.util.find_spec("pyarrow") is not None
    assert (folder / "projects.parquet").exists() == has_arrow


def test_parquet_tables_read_back(summary: tuple[Path, Any]) -> None:
    """The Parquet tables (pyarrow is a dev dependency) hold the CSV's rows, amounts typed."""
    import csv

    import pandas as pd

    out, _ = summary
    folder = out.parent / "t"
    for name in ("projects", "indicators", "problems", "files"):
        table = pd.read_parquet(folder / f"{name}.parquet")
        with (folder / f"{name}.csv").open(encoding="utf-8-sig", newline="") as fh:
            header, *rows = list(csv.reader(fh))
        assert list(table.columns) == header, name
        assert len(table) == len(rows) > 0, name
    projects = pd.read_parquet(folder / "projects.parquet")
    assert str(projects["budget"].dtype) == "float64"
    assert projects["budget"].sum() > 0


def test_tables_csv_cells_as_the_summary_shows_them(summary: tuple[Path, Any]) -> None:
    """A CSV amount is written as its summary cell holds it: 8, not 8.0; 12.35 as typed."""
    out, _ = summary
    rows, cells = csv_and_cells(out.parent / "t" / "projects.csv", out, K.SUMMARY.sheet)
    assert len(rows) == len(cells)
    amounts = [i for i, c in enumerate(K.SUMMARY.columns) if c.kind in ("money", "pct")]
    for i in amounts:
        shown = [(r[i], c[i]) for r, c in zip(rows[1:], cells[1:], strict=True)]
        assert all(text == ("" if v is None else str(v)) for text, v in shown), shown[:5]
    budgets = [c[K.SUMMARY.index("budget")] for c in cells[1:]]
    assert {type(v) for v in budgets} >= {int, float}  # whole and 2-decimal amounts both met


def _split_counties(county: Path, base: Path) -> tuple[Path, Path]:
    """Copy the townships into two county folders (keeping modification times)."""
    a, b = base / "county-a", base / "county-b"
    for d in (a, b):
        d.mkdir()
    for p in sorted(county.glob("9*.xlsx")):
        shutil.copy2(p, (a if p.name < "910005" else b) / p.name)
    return a, b


def test_summaries_of_summaries_equal_direct(county: Path, tmp_path: Path) -> None:
    a, b = _split_counties(county, tmp_path)
    opts = Options(jobs=1)
    sa, sb = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    consolidate([a], sa, opts)
    consolidate([b], sb, opts)
    # The city reads the county summaries; compare with the townships read directly.
    city = consolidate([sa, sb], tmp_path / "city.xlsx", opts)
    direct = consolidate([a, b], tmp_path / "direct.xlsx", opts)
    assert city.summary == direct.summary
    assert city.units == direct.units
    assert city.indicators == direct.indicators
    assert city.problems == direct.problems
    assert city.totals == direct.totals
    used = [r for r in city.files if r[K.FILES.index("file_status")] in (K.USED, K.SUPERSEDED)]
    assert used == [
        r for r in direct.files if r[K.FILES.index("file_status")] in (K.USED, K.SUPERSEDED)
    ]
    # And the written workbooks agree on the long sheets.
    for table in (K.SUMMARY, K.UNITS, K.INDICATORS, K.PROBLEMS):
        assert sheet_rows(tmp_path / "city.xlsx", table.sheet) == sheet_rows(
            tmp_path / "direct.xlsx", table.sheet
        )
    # A province can read the city summary in turn.
    province = consolidate([tmp_path / "city.xlsx"], tmp_path / "province.xlsx", opts)
    assert province.summary == direct.summary


def test_cli_json_and_exit_codes(county: Path, tmp_path: Path) -> None:
    from perfxl.cli import main

    good = tmp_path / "good"
    good.mkdir()
    for name in ("910001-巨鹿镇.xlsx", "910002-王虎寨镇.xlsx"):
        shutil.copy2(county / name, good / name)
    out = tmp_path / "s.xlsx"
    runner = CliRunner()
    res = runner.invoke(
        main, ["consolidate", str(good), "-o", str(out), "--format", "json", "-j", "1"]
    )
    report = json.loads(res.stdout)
    assert report["units"] == 2 and report["summary"] == str(out)
    assert res.exit_code == (1 if report["errors"] else 0)
    assert report["errors"] >= 1  # 王虎寨镇's funds do not add up
    res = runner.invoke(
        main,
        ["consolidate", str(county), "-o", str(out), "--expected", str(county / "units.csv")],
    )
    assert res.exit_code == 2
    assert "未提交（1）：910010巨鹿县观寨乡人民政府本级" in res.stdout
    assert "broken.xlsx" in res.stdout


def test_expected_list_must_have_header(county: Path, tmp_path: Path) -> None:
    from perfxl.errors import DataError

    bad = tmp_path / "units.csv"
    bad.write_text("910001,巨鹿镇\n", encoding="utf-8")
    with pytest.raises(DataError):
        consolidate([county / "910001-巨鹿镇.xlsx"], tmp_path / "s.xlsx", Options(expected=bad))
    assert not (tmp_path / "s.xlsx").exists()


@pytest.mark.libreoffice
def test_summary_opens_in_libreoffice_with_charts(
    summary: tuple[Path, Any], tmp_path: Path
) -> None:
    out, result = summary
    src = tmp_path / "summary.xlsx"
    shutil.copy(out, src)
    (converted,) = convert([src], "xlsx", tmp_path / "lo")
    with zipfile.ZipFile(converted) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 2
    rows = sheet_rows(converted, K.SUMMARY.sheet)
    assert len(rows) - 1 == len(result.summary)
    assert os.path.getsize(converted) > 0
