"""``perfxl library`` and ``template --library``: every indicator of past years with its
count, and a 三级指标 dropdown per 二级指标 that Excel, WPS and LibreOffice evaluate."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import convert
from openpyxl import load_workbook

from perfxl.cli import main
from perfxl.constants import LIBRARY_SHEET
from perfxl.library import OTHER_KIND, build, kinds_of, uses_of
from perfxl.model import Targets
from perfxl.services.yoy import build_library
from perfxl.write.library_sheet import read_library

ROOT = Path(__file__).resolve().parents[1]
COUNTY = ROOT / "examples" / "county"
EXAMPLE_JSON = ROOT / "examples" / "suying-2023.json"
NOT_PROJECT = {"封面", "部门整体绩效目标"}


def _counts_by_hand(files: list[Path]) -> Counter[tuple[str, str]]:
    """(二级, 三级) -> rows, read cell by cell with openpyxl: the 二级 and 三级 columns of
    the indicator table, from its first row down (the standard layout)."""
    out: Counter[tuple[str, str]] = Counter()
    for f in files:
        wb = load_workbook(f, read_only=True)
        for ws in wb.worksheets:
            if ws.title in NOT_PROJECT:
                continue
            for row in ws.iter_rows(min_row=11, min_col=2, max_col=3, values_only=True):
                if row[1] not in (None, ""):
                    out[(str(row[0]), str(row[1]))] += 1
    return out


def _counts(lib_entries: list[object]) -> Counter[tuple[str, str]]:
    return Counter({(e.level2, e.level3): e.count for e in lib_entries})  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def county_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lib") / "指标库.xlsx"
    res = CliRunner().invoke(main, ["library", str(COUNTY), "-o", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_the_county_library_counts_every_indicator(county_library: Path) -> None:
    files = sorted(COUNTY.glob("*.xlsx"))
    assert len(files) == 10
    expected = _counts_by_hand(files)
    lib = read_library(county_library)
    assert _counts(lib.entries) == expected
    assert len(lib.entries) == len(expected)
    # the boilerplate row is seen across unrelated kinds of project
    office = next(e for e in lib.entries if e.level3 == "办公设备维修更新台数")
    assert office.targets == ["≥5台"]
    assert "补贴" in office.kinds and len(office.kinds) >= 3  # unrelated kinds of project


def test_the_library_sheet_keeps_each_level2_in_one_block(county_library: Path) -> None:
    lib = read_library(county_library)
    names = [e.level2 for e in lib.entries]
    assert names == sorted(names, key=lambda n: names.index(n))  # contiguous
    for l2 in lib.level2_names():
        counts = [e.count for e in lib.entries if e.level2 == l2]
        assert counts == sorted(counts, reverse=True)


def test_a_county_summary_gives_the_indicators_of_the_versions_it_used(tmp_path: Path) -> None:
    summary = tmp_path / "汇总.xlsx"
    res = CliRunner().invoke(main, ["consolidate", str(COUNTY), "-o", str(summary), "-j", "1"])
    assert summary.exists(), res.output
    used = [f for f in sorted(COUNTY.glob("*.xlsx")) if not f.name.endswith("-v1.xlsx")]
    report = build_library([summary])
    assert _counts(report.library.entries) == _counts_by_hand(used)


def test_a_summary_split_past_a_sheets_rows_gives_every_indicator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfxl.consolidate import writer
    from perfxl.consolidate.run import Options, consolidate

    whole, split = tmp_path / "whole.xlsx", tmp_path / "split.xlsx"
    consolidate([COUNTY], whole, Options(jobs=1))
    monkeypatch.setattr(writer, "SHEET_ROWS", 40)  # 指标明细 goes on in （续1）…
    consolidate([COUNTY], split, Options(jobs=1))
    assert "指标明细（续1）" in load_workbook(split, read_only=True).sheetnames
    entries = _counts(build_library([split]).library.entries)
    assert entries == _counts(build_library([whole]).library.entries)
    assert sum(entries.values()) > 40  # more than the first sheet holds


def test_json_data_and_the_kinds_of_project() -> None:
    report = build_library([EXAMPLE_JSON])
    office = next(e for e in report.library.entries if e.level3 == "办公设备维修更新台数")
    assert office.count == 13
    data = Targets.from_dict(json.loads(EXAMPLE_JSON.read_text(encoding="utf-8")))
    assert report.library.entries == build(uses_of(data)).entries
    names = [p.name for p in data.projects if any(i.level3 == office.level3 for i in p.indicators)]
    assert set(office.kinds) == {k for n in names for k in kinds_of(n)}


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        ("农村公路PPP项目乡道改建工程占地补偿款", ("道路", "建设", "补偿")),
        ("“综合网格员”补贴", ("补贴",)),
        ("“凤还巢”大学生村干部工资及保险", ("补贴",)),
        ("环保工作经费", ("环保", "工作经费")),
        ("办公楼维修", ("维修", "运转")),
        ("人大代表联络站", (OTHER_KIND,)),
        (None, (OTHER_KIND,)),
    ],
)
def test_kinds_of_a_project_by_the_words_of_its_name(
    name: str | None, kinds: tuple[str, ...]
) -> None:
    assert kinds_of(name) == kinds


def test_unusable_inputs_are_listed_and_none_usable_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("no", encoding="utf-8")
    out = tmp_path / "lib.xlsx"
    res = CliRunner().invoke(main, ["library", str(bad), "-o", str(out)])
    assert res.exit_code == 2
    assert not out.exists()
    res = CliRunner().invoke(main, ["library", str(bad), str(EXAMPLE_JSON), "-o", str(out)])
    assert res.exit_code == 1
    assert "bad.xlsx" in res.output
    assert read_library(out).entries == build_library([EXAMPLE_JSON]).library.entries


def _dropdowns(path: Path) -> dict[str, list[tuple[str, str]]]:
    wb = load_workbook(path)
    return {
        ws.title: [
            (str(dv.sqref), dv.formula1 or "")
            for dv in ws.data_validations.dataValidation
            if "OFFSET" in (dv.formula1 or "")
        ]
        for ws in wb.worksheets
    }


def test_a_template_carrying_the_library_offers_the_dropdown(
    county_library: Path, tmp_path: Path
) -> None:
    book = tmp_path / "模板.xlsx"
    res = CliRunner().invoke(
        main, ["template", str(book), "-n", "2", "--library", str(county_library)]
    )
    assert res.exit_code == 0, res.output
    wb = load_workbook(book)
    assert wb.sheetnames[-1] == LIBRARY_SHEET
    assert read_library(book).entries == read_library(county_library).entries
    found = _dropdowns(book)
    assert found[LIBRARY_SHEET] == []
    for sheet in ("项目1", "项目2"):
        ((sqref, formula),) = found[sheet]
        assert sqref == "C11:C30"  # the 三级指标 column of the indicator table
        assert formula == (
            "OFFSET('指标库'!$C$1,MATCH($B11,'指标库'!$B:$B,0)-1,0,COUNTIF('指标库'!$B:$B,$B11),1)"
        )
    # the workbook validates as a template does: the 指标库 sheet is not reported
    res = CliRunner().invoke(main, ["validate", "--format", "json", str(book)])
    rules = {p["rule"] for p in json.loads(res.stdout)["problems"]}
    assert "read.sheet_skipped" not in rules


def test_libreoffice_opens_it_keeps_the_dropdown_and_evaluates_its_list(
    county_library: Path, tmp_path: Path
) -> None:
    book = tmp_path / "模板.xlsx"
    CliRunner().invoke(main, ["template", str(book), "--library", str(county_library)])
    # LibreOffice reads the file and writes it again: the dropdown survives its reading
    (again,) = convert([book], "xlsx", tmp_path / "lo")
    ((sqref, formula),) = _dropdowns(again)["项目1"]
    assert sqref == "C11:C30"
    assert "OFFSET(" in formula and "MATCH($B11" in formula
    # and the list source evaluates in LibreOffice to the library's block of that 二级指标
    wb = load_workbook(book)
    ws = wb["项目1"]
    ws["B11"] = "时效指标"
    ws["B12"] = "数量指标"
    src = formula.replace("$B11", "$B{r}")
    for r in (11, 12):
        ws[f"J{r}"] = "=ROWS(" + src.format(r=r) + ")"
        ws[f"K{r}"] = "=INDEX(" + src.format(r=r) + ",1)"
    probe = tmp_path / "probe.xlsx"
    wb.save(probe)
    (out,) = convert(
        [probe],
        "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,3",
        tmp_path / "csv",
    )
    rows = list(csv.reader(out.open(encoding="utf-8")))
    lib = read_library(county_library)
    for r, l2 in ((11, "时效指标"), (12, "数量指标")):
        block = [e.level3 for e in lib.entries if e.level2 == l2]
        assert rows[r - 1][9:11] == [str(len(block)), block[0]]
