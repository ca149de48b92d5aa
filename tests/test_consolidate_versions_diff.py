"""Consolidation shows what each newer version of a unit changed (issue 15, point 3): the
superseded version's 提交情况 row carries the diff's one-line summary, the 版本变化 sheet (and
the version_changes table) every change with its cells; the same as ``perfxl diff`` says."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import county_demo

from perfxl.consolidate import Options, consolidate
from perfxl.consolidate import columns as K
from perfxl.diff import diff
from perfxl.model import Targets
from perfxl.read import read_workbook
from perfxl.write.fill import write_new

ROOT = Path(__file__).resolve().parents[1]
COUNTY = ROOT / "examples" / "county"
CHINA = dt.timezone(dt.timedelta(hours=8))
V1, V2 = "910006-小吕寨镇-v1.xlsx", "910006-小吕寨镇-v2.xlsx"


def _records(path: Path, table: K.Table) -> list[dict[str, Any]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(wb[table.sheet].iter_rows(values_only=True))
    finally:
        wb.close()
    assert tuple(rows[0][: len(table.columns)]) == tuple(c.header for c in table.columns)
    return [dict(zip(table.keys, r[: len(table.columns)], strict=True)) for r in rows[1:]]


def _expected(old: Path, new: Path) -> Any:
    """What ``perfxl diff`` finds between two files, read here on their own."""
    a, b = read_workbook(old), read_workbook(new)
    return diff(
        a.targets,
        b.targets,
        old_path=str(old),
        new_path=new.name,
        old_locations=a.locations,
        new_locations=b.locations,
    )


def _key(r: Any) -> tuple[Any, ...]:
    keys = ("kind", "project_code", "item", "old_sheet", "old_cell", "new_sheet", "new_cell")
    return tuple(r[k] if isinstance(r, dict) else getattr(r, k) for k in keys)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("county") / "县汇总.xlsx"
    result = consolidate(
        [COUNTY],
        out,
        Options(expected=COUNTY / "units.csv", jobs=2, tables=out.parent / "t"),
    )
    return out, result


def test_county_demo_lists_exactly_the_changes_of_910006(county: tuple[Path, Any]) -> None:
    """v2 of 小吕寨镇 corrected 财政资金 of its first project and added a project: the summary
    lists those two changes, with the cells on both sides, as ``perfxl diff`` does."""
    _, result = county
    want = _expected(COUNTY / V1, COUNTY / V2)
    got = result.version_changes
    assert [_key(r) for r in got] == [
        _key(
            {
                "kind": {"added": "新增", "removed": "删除", "changed": "改动"}[c.kind],
                "project_code": c.code,
                "item": c.label,
                **{k: getattr(c, k) for k in ("old_sheet", "old_cell", "new_sheet", "new_cell")},
            }
        )
        for c in want.changes
    ]
    assert [(r.kind, r.item, r.old_value, r.new_value) for r in got] == [
        ("改动", "财政资金", "13.07 万元", "10.07 万元"),
        ("新增", "项目", None, "““凤还巢”大学生村干部工资及保险（二期）”"),
    ]
    assert {(r.unit_code, Path(r.source_file).name, Path(r.newer_file).name) for r in got} == {
        ("910006", V1, V2)
    }
    assert got[0].old_cell and got[0].old_cell == got[0].new_cell  # 财政资金 of project 1
    assert got[1].old_sheet is None and got[1].new_sheet and got[1].new_sheet.startswith("20.")


def test_files_sheet_gives_the_newer_versions_summary(county: tuple[Path, Any]) -> None:
    out, _ = county
    rows = {r["source_file"]: r for r in _records(out, K.FILES) if r["source_file"]}
    summary = _expected(COUNTY / V1, COUNTY / V2).summary()
    assert rows[V1]["file_status"] == K.SUPERSEDED
    assert rows[V1]["changes"] == f"{V2}：{summary}"
    assert "新增项目 1 个" in summary and "13.07 万元 → 10.07 万元" in summary
    assert rows[V2]["changes"] is None  # the version used: nothing newer
    assert all(r["changes"] is None for name, r in rows.items() if name != V1)


def test_versions_sheet_and_table_hold_every_change(county: tuple[Path, Any]) -> None:
    out, result = county
    sheet = _records(out, K.VERSION_CHANGES)
    assert [(r["source_file"], r["newer_file"]) for r in sheet] == [(V1, V2)] * 2  # shown relative
    assert [_key(r) for r in sheet] == [_key(r) for r in result.version_changes]
    assert [r["text"] for r in sheet] == [r.text for r in result.version_changes]
    with (out.parent / "t" / "version_changes.csv").open(encoding="utf-8-sig") as fh:
        table = list(csv.DictReader(fh))
    assert list(table[0]) == list(K.VERSION_CHANGES.keys)
    assert [(r["item"], r["old_value"], r["new_value"]) for r in table] == [
        (r["item"], r["old_value"] or "", r["new_value"] or "") for r in sheet
    ]
    assert Path(table[0]["source_file"]).resolve() == (COUNTY / V1).resolve()  # paths as given
    wb = openpyxl.load_workbook(out, read_only=True)
    try:
        assert wb.sheetnames.index(K.VERSION_CHANGES.sheet) == wb.sheetnames.index("提交情况") + 1
        readme = "\n".join(
            str(r[1]) for r in wb[K.README_SHEET].iter_rows(values_only=True) if r[1]
        )
    finally:
        wb.close()
    assert "版本变化：" in readme


def _three_versions(folder: Path) -> list[Path]:
    """One township sending three versions: v2 rewrites an indicator's 指标值 and a purpose,
    v3 drops the last project; saved a day apart, in that order."""
    demo = county_demo()
    seed = json.loads(demo.SEED.read_text(encoding="utf-8"))
    d1 = demo.township_data(0, seed, 3)
    d2 = copy.deepcopy(d1)
    d2["projects"][1]["indicators"][0]["target"] = "≥99%"
    d2["projects"][0]["purpose"] = "改写后的项目立项依据。"
    d3 = copy.deepcopy(d2)
    d3["projects"] = d3["projects"][:-1]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, d in enumerate((d1, d2, d3), start=1):
        path = folder / f"910001-巨鹿镇-v{n}.xlsx"
        write_new(Targets.from_dict(d), path)
        demo.stamp(path, dt.datetime(2023, 2, n, 9, tzinfo=CHINA), "巨鹿镇财政所")
        paths.append(path)
    return paths


def test_each_superseded_version_against_the_next_newer(tmp_path: Path) -> None:
    v1, v2, v3 = _three_versions(tmp_path / "in")
    result = consolidate([tmp_path / "in"], tmp_path / "s.xlsx", Options(jobs=1))
    files = {Path(r.source_file).name: r for r in result.files}
    assert files[v1.name].changes == f"{v2.name}：{_expected(v1, v2).summary()}"
    assert files[v2.name].changes == f"{v3.name}：{_expected(v2, v3).summary()}"
    assert "删除项目 1 个" in (files[v2.name].changes or "")
    steps = [(Path(r.source_file).name, Path(r.newer_file).name) for r in result.version_changes]
    assert steps == [(v1.name, v2.name)] * 2 + [(v2.name, v3.name)]
    purpose, target, removed = result.version_changes
    # what each version held and where, from the reader of each (no second reading needed)
    old, new = read_workbook(v1), read_workbook(v2)
    was = old.targets.projects[1].indicators[0].target
    assert (target.item, target.old_value, target.new_value) == ("指标值", f"“{was}”", "“≥99%”")
    assert (target.old_sheet, target.old_cell) == old.locations["/projects/1/indicators/0/target"]
    assert (target.new_sheet, target.new_cell) == new.locations["/projects/1/indicators/0/target"]
    # the purpose is not among the summary's rows: the versions are compared on the models
    assert (purpose.item, purpose.new_value) == ("资金用途", "“改写后的项目立项依据。”")
    assert (removed.kind, removed.item, removed.new_value) == ("删除", "项目", None)


def test_each_version_is_read_again_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Comparing v1 with v2 and v2 with v3 reads v2 once, not once per comparison."""
    import perfxl.consolidate.changes as changes

    paths = _three_versions(tmp_path / "in")
    read: list[str] = []
    model_of = changes.model_of

    def counted(sub: Any, layout: Any = None) -> Any:
        read.append(Path(sub.file.path).name)
        return model_of(sub, layout)

    monkeypatch.setattr(changes, "model_of", counted)
    result = consolidate([tmp_path / "in"], tmp_path / "s.xlsx", Options(jobs=1))
    assert sorted(read) == sorted(p.name for p in paths)
    assert len(result.version_changes) == 3  # and both comparisons were made


def test_a_summary_read_back_carries_the_changes(tmp_path: Path) -> None:
    """A city consolidating the county's summary keeps each superseded record's changes and
    the 版本变化 rows, file names joined to the county's folder again."""
    _three_versions(tmp_path / "in")
    county = tmp_path / "county.xlsx"
    first = consolidate([tmp_path / "in"], county, Options(jobs=1))
    city = consolidate([county], tmp_path / "city.xlsx", Options(jobs=1))
    assert [(r.source_file, r.changes) for r in city.files if r.changes] == [
        (r.source_file, r.changes) for r in first.files if r.changes
    ]
    assert [
        (os.path.abspath(r.source_file), r.newer_file, r.text) for r in city.version_changes
    ] == [(os.path.abspath(r.source_file), r.newer_file, r.text) for r in first.version_changes]


def test_an_unchanged_copy_says_so_and_adds_no_sheet(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(COUNTY / "910001-巨鹿镇.xlsx", folder / "910001-a.xlsx")
    shutil.copy(COUNTY / "910001-巨鹿镇.xlsx", folder / "910001-b.xlsx")
    os.utime(folder / "910001-a.xlsx", (1_700_000_000, 1_700_000_000))
    os.utime(folder / "910001-b.xlsx", (1_700_000_100, 1_700_000_100))
    out = tmp_path / "s.xlsx"
    result = consolidate([folder], out, Options(jobs=1, tables=tmp_path / "t"))
    files = {Path(r.source_file).name: r for r in result.files}
    assert files["910001-a.xlsx"].changes == "910001-b.xlsx：内容相同，没有改动。"
    assert result.version_changes == []
    wb = openpyxl.load_workbook(out, read_only=True)
    try:
        assert K.VERSION_CHANGES.sheet not in wb.sheetnames
    finally:
        wb.close()
    assert not (tmp_path / "t" / "version_changes.csv").exists()


def test_a_summary_record_superseded_by_the_units_own_file_is_not_compared(
    tmp_path: Path,
) -> None:
    """A record listed in a summary holds no whole workbook: when the unit's own (corrected)
    file supersedes it, 提交情况 says it could not be compared, and 版本变化 stays empty."""
    _, v2, v3 = _three_versions(tmp_path / "in")
    county = tmp_path / "county.xlsx"
    consolidate([v3], county, Options(jobs=1))
    shutil.copy(v2, tmp_path / "own.xlsx")  # the unit's own file, content not in the summary
    result = consolidate([county, tmp_path / "own.xlsx"], tmp_path / "s.xlsx", Options(jobs=1))
    record = next(r for r in result.files if r.file_status == K.SUPERSEDED)
    assert record.source_file == str(v3)
    own = os.path.relpath(tmp_path / "own.xlsx", v3.parent)  # named from the record's folder
    assert (
        record.changes
        == f"{own}：无法逐项比较：本版本是汇总表中的记录，汇总表不含工作簿的全部内容。"
    )
    assert result.version_changes == []


@pytest.mark.parametrize("how", ["rewritten", "removed"])
def test_a_version_changed_after_it_was_read_is_not_compared(tmp_path: Path, how: str) -> None:
    """Versions are compared by reading their files again (workers send no model): a file
    that no longer holds the bytes its worker read (rewritten, or gone) is not compared with
    what it holds now; its 提交情况 says so, and no 版本变化 row is made from it."""
    from perfxl.consolidate.combine import choose_versions
    from perfxl.consolidate.extract import extract_file

    folder = tmp_path / "in"
    folder.mkdir()
    old, new = folder / "910001-a.xlsx", folder / "910001-b.xlsx"
    shutil.copy(COUNTY / "910001-巨鹿镇.xlsx", old)
    shutil.copy(COUNTY / "910001-巨鹿镇.xlsx", new)  # read as is: "内容相同" if compared
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(new, (1_700_000_100, 1_700_000_100))
    subs = [s for p in (old, new) for s in extract_file(str(p)).submissions]
    assert [s.file.unit_code for s in subs] == ["910001", "910001"]
    if how == "rewritten":
        shutil.copy(COUNTY / "910008-堤村乡.xlsx", old)
    else:
        old.unlink()
    changes: list[Any] = []
    chosen = choose_versions(subs, changes=changes)
    assert [Path(s.file.path).name for s in chosen] == [new.name]
    older = next(s for s in subs if s.file.path == str(old))
    assert older.file.changes == (
        "910001-b.xlsx：无法逐项比较：本版本的文件在汇总过程中已被改动、移走或无法再次读取，请重新汇总。"
    )
    assert changes == []
