"""Issue 11, point 11: a workbook that is not a perfxl workbook gets one verdict from every command.

A plain workbook with some other table (a staff list, made with openpyxl) is 非绩效目标工作簿
everywhere: the same Chinese message, exit code 2, nothing written; ``validate`` reports it as
a file-level problem (``file.not_perfxl``) and goes on with the other files of the batch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from perfxl.cli import main
from perfxl.errors import NotAPerfxlWorkbookError
from perfxl.read import read_workbook

MESSAGE = NotAPerfxlWorkbookError.MESSAGE


def _plain(path: Path) -> Path:
    """A workbook with an ordinary table and nothing of perfxl's."""
    wb = Workbook()
    ws = wb.active
    ws.title = "人员名单"
    ws.append(["序号", "姓名", "科室", "电话", "金额"])
    for i, name in enumerate(["张三", "李四", "王五"], start=1):
        ws.append([i, name, "财政所", f"1380000000{i}", 8.39 * i])
    wb.create_sheet("备注")["B2"] = "项目编码"  # a stray label is not a perfxl sheet
    wb.save(path)
    return path


def _run(args: list[str]) -> Any:
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    return _plain(tmp_path / "人员名单.xlsx")


def test_the_reader_gives_the_verdict(plain: Path, example_book: Path) -> None:
    res = read_workbook(plain)
    assert not res.is_perfxl
    with pytest.raises(NotAPerfxlWorkbookError) as info:
        res.require_perfxl()
    assert info.value.message == MESSAGE and info.value.path == str(plain)
    assert read_workbook(example_book).is_perfxl


def test_validate_reports_it_once_and_exits_2(plain: Path) -> None:
    r = _run(["validate", "--format", "json", str(plain)])
    assert r.exit_code == 2
    records = json.loads(r.stdout)["problems"]
    assert [(p["rule"], p["severity"], p["file"], p["sheet"]) for p in records] == [
        ("file.not_perfxl", "error", str(plain), None)
    ]
    assert records[0]["message"] == MESSAGE  # no invented 未填写 errors
    text = _run(["validate", str(plain)]).stdout
    assert MESSAGE in text and "非绩效目标工作簿 1 个" in text and "无法读取" not in text


def test_validate_goes_on_with_the_rest_of_the_batch(plain: Path, example_book: Path) -> None:
    r = _run(["validate", "--format", "json", str(plain), str(example_book)])
    assert r.exit_code == 2
    by_file: dict[str, list[str]] = {}
    for p in json.loads(r.stdout)["problems"]:
        by_file.setdefault(p["file"], []).append(p["rule"])
    assert by_file[str(plain)] == ["file.not_perfxl"]
    assert str(example_book) in by_file  # the good workbook was checked (its own findings)
    assert "file.not_perfxl" not in by_file[str(example_book)]


def test_export_writes_nothing_and_exits_2(plain: Path, tmp_path: Path) -> None:
    out = tmp_path / "data.json"
    for args in (["export", str(plain)], ["export", str(plain), "-o", str(out)]):
        r = _run(args)
        assert r.exit_code == 2
        assert r.stdout == ""  # no all-null document
        assert MESSAGE in r.stderr
    assert not out.exists()
    r = _run(["export", "--engine", "openpyxl", str(plain)])
    assert r.exit_code == 2 and MESSAGE in r.stderr


def test_compute_writes_nothing_and_exits_2(plain: Path, tmp_path: Path) -> None:
    out = tmp_path / "computed.xlsx"
    r = _run(["compute", str(plain), "-o", str(out)])
    assert r.exit_code == 2 and MESSAGE in r.stderr
    assert not out.exists()


def test_publish_writes_nothing_and_exits_2(plain: Path, tmp_path: Path) -> None:
    out = tmp_path / "公开.docx"
    r = _run(["publish", str(plain), "-o", str(out)])
    # listed among the files no unit came from, each reason without its own 。 (one ends the list)
    assert r.exit_code == 2 and MESSAGE.removesuffix("。") + "）。" in r.stderr
    assert not out.exists()


def test_consolidate_lists_it_with_the_same_message(plain: Path, tmp_path: Path) -> None:
    r = _run(["consolidate", str(plain), "-o", str(tmp_path / "汇总.xlsx"), "--format", "json"])
    assert r.exit_code == 2
    (listed,) = json.loads(r.stdout)["unusable_files"]
    assert listed["file"] == str(plain) and listed["status"] == "非绩效目标工作簿"
    assert listed["reason"] == MESSAGE
