"""The county monitoring summary: every input a 绩效运行监控表 of one month."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, convert

from perfxl import constants as C
from perfxl import layout as L
from perfxl import monitoring as M
from perfxl.consolidate import columns as K
from perfxl.consolidate.run import Options, consolidate
from perfxl.grid.calamine_grid import read_grid
from perfxl.read import read_grid_model
from perfxl.write.patch import CellWrite, WorkbookPatch

MONITORING_XLSX = ROOT / "examples" / "suying-2023-monitoring.xlsx"
CODES = ["910001", "910002", "910003"]


def _county(folder: Path) -> list[Path]:
    """The example monitoring workbook once per unit code."""
    data = MONITORING_XLSX.read_bytes()
    cell = next(f.ref for f in L.COVER_FIELDS if f.key == "unit/code")
    folder.mkdir()
    out = []
    for code in CODES:
        patch = WorkbookPatch(data)
        patch.write_cells([CellWrite(C.COVER_SHEET, cell, code)])
        path = folder / f"{code}.xlsx"
        path.write_bytes(patch.to_bytes())
        out.append(path)
    return out


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path, object]:
    tmp = tmp_path_factory.mktemp("county")
    books = _county(tmp / "in")
    out = tmp / "监控汇总.xlsx"
    return books, out, consolidate([tmp / "in"], out, Options(jobs=1))


def test_rates_and_lights_are_the_ones_compute_gives(county) -> None:  # type: ignore[no-untyped-def]
    books, _, result = county
    assert result.stage == "monitoring" and result.month == 7
    assert [s.file.unit_code for s in result.chosen] == CODES
    rows = [r for r in result.monitor if r.row_kind == K.ROW_PROJECT]
    for book in books:
        t = read_grid_model(read_grid(str(book))).targets
        expected = [
            (float(m.rate) if m.rate is not None else None, m.light and M.LIGHT_TEXT[m.light])
            for m in M.monitor(t)
        ]
        got = [(r.rate, r.light) for r in rows if r.source_file == str(book)]
        assert got == expected
    assert sum(1 for r in result.monitor if r.row_kind == K.ROW_SUBTOTAL) == 3
    assert all(f.file_status == K.USED for f in result.files if f.source_file)


def test_township_counts_add_up_to_the_project_rows(county) -> None:  # type: ignore[no-untyped-def]
    _, _, result = county
    units = [u for u in result.monitor_units if u.row_kind == K.ROW_UNIT]
    projects = [r for r in result.monitor if r.row_kind == K.ROW_PROJECT]
    for u in units:
        mine = [r.light for r in projects if r.unit_code == u.unit_code]
        assert (u.red, u.yellow, u.green) == (mine.count("红"), mine.count("黄"), mine.count("绿"))
        assert u.projects == len(mine)
    assert (units[0].red, units[0].yellow) == (1, 2)
    grand = result.monitor_units[-1]
    assert grand.row_kind == K.ROW_TOTAL
    assert grand.unit_name == "合计（3 个单位）"  # no level: a city may sum its townships too
    assert (grand.red, grand.yellow, grand.projects) == (3, 6, 57)


def test_rectify_lists_exactly_the_red_yellow_projects_and_unsure_indicators(county) -> None:  # type: ignore[no-untyped-def]
    books, _, result = county
    want = set()
    for book in books:
        t = read_grid_model(read_grid(str(book))).targets
        for m, p in zip(M.monitor(t), t.projects, strict=True):
            if m.light in ("red", "yellow"):
                want.add((K.ITEM_PROJECT, t.unit.code, p.code, None))
            for j, x in enumerate(p.monitoring.indicators):
                if "".join((x.likelihood or "").split()) != "确定能":
                    want.add((K.ITEM_INDICATOR, t.unit.code, p.code, j + 1))
    got = [(r.item, r.unit_code, r.project_code, r.number) for r in result.rectify]
    assert len(got) == len(set(got)) and set(got) == want
    assert all(r.deviation and r.remedy for r in result.rectify)


def test_the_summary_has_its_sheets_and_chart(county) -> None:  # type: ignore[no-untyped-def]
    import openpyxl

    _, out, _ = county
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == [
        "监控汇总",
        "乡镇执行",
        "需整改",
        "校验问题",
        "提交情况",
        "执行率图表",
        "说明",
    ]
    wb.close()
    with zipfile.ZipFile(out) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_a_mix_keeps_the_targets_summary(tmp_path: Path) -> None:
    from conftest import EXAMPLE_XLSX

    folder = tmp_path / "in"
    _county(folder)
    (folder / "targets.xlsx").write_bytes(EXAMPLE_XLSX.read_bytes())
    result = consolidate([folder], tmp_path / "汇总.xlsx", Options(jobs=1))
    assert result.stage == "targets" and not result.monitor
    status = [f.file_status for f in result.files if f.source_file]
    assert status.count(K.MONITORING_SKIPPED) == 3


@pytest.mark.libreoffice
def test_the_summary_opens_in_libreoffice(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = county
    (pdf,) = convert([out], "pdf", tmp_path)
    assert pdf.stat().st_size > 1000


def test_the_command_reports_the_monitoring_figures(tmp_path: Path) -> None:
    """A monitoring run's report speaks of 执行率 and lights, not of the spending plan."""
    import json

    from click.testing import CliRunner

    from perfxl.cli import main

    folder = tmp_path / "in"
    _county(folder)
    out = tmp_path / "监控汇总.xlsx"
    args = ["consolidate", str(folder), "-o", str(out)]
    res = CliRunner().invoke(main, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["stage"] == "monitoring" and report["month"] == 7
    assert report["schedule"] == 58.33
    assert sum(report["lights"].values()) == report["projects"]
    res = CliRunner().invoke(main, args)
    assert "绩效运行监控（1-7月）：全部单位执行率" in res.stderr + res.stdout
    assert "累计计划进度" not in res.stderr + res.stdout
