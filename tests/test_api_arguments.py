"""The Python API refuses what the command refuses: a summary written over an input (or
under another extension), tables written into a file, and arguments of the wrong type (in
Chinese, as perfxl's own errors; still a TypeError for Python code that catches one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import copy_folder

from perfxl.api import consolidate
from perfxl.errors import ArgumentError, PerfxlError


@pytest.fixture
def folder(books: Path, tmp_path: Path) -> Path:
    return copy_folder(books, tmp_path / "乡镇")


def test_write_refuses_a_units_workbook_in_an_input_folder(folder: Path) -> None:
    result = consolidate([folder], jobs=1)
    book = folder / "910001.xlsx"
    before = book.read_bytes()
    with pytest.raises(PerfxlError) as info:
        result.write(book)
    assert info.value.exit_code == 2 and "输出文件就是输入文件" in info.value.message
    assert book.read_bytes() == before


def test_write_refuses_another_extension_and_a_named_input(folder: Path, tmp_path: Path) -> None:
    expected = tmp_path / "应报单位.csv"
    expected.write_text("单位编码,单位名称\n910001,甲\n", encoding="utf-8")
    result = consolidate(folder, expected=expected, jobs=1)  # one folder, given alone
    with pytest.raises(PerfxlError, match="扩展名"):
        result.write(tmp_path / "汇总.csv")
    with pytest.raises(PerfxlError, match="扩展名"):
        result.write(expected)
    assert expected.read_text(encoding="utf-8").startswith("单位编码")
    out = result.write(tmp_path / "汇总.xlsx")
    assert out.is_file()
    assert result.write(out) == out  # its own earlier summary may be replaced


def test_write_tables_refuses_a_file_for_the_folder(folder: Path, tmp_path: Path) -> None:
    result = consolidate([str(folder)], jobs=1)
    book = folder / "910002.xlsx"
    with pytest.raises(PerfxlError, match="不是文件夹"):
        result.write_tables(book)
    written = result.write_tables(tmp_path / "表")
    assert {p.name for p in written} >= {"projects.csv", "units.csv"}


def test_one_path_given_alone_is_one_input(folder: Path) -> None:
    """A str or Path alone is not taken letter by letter (it was: 没有找到 a、p、i …)."""
    for given in (folder, str(folder)):
        result = consolidate(given, jobs=1)
        assert len(result.units.query("row_kind == '单位'")) == 2


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"paths": None}, "paths"),
        ({"paths": 5}, "paths"),
        ({"paths": [5]}, "paths"),
        ({"expected": 3}, "expected"),
        ({"jobs": "2"}, "jobs"),
        ({"jobs": 0}, "jobs"),
        ({"jobs": -1}, "jobs"),
        ({"jobs": 1000}, "jobs"),
        ({"jobs": True}, "jobs"),
    ],
)
def test_an_argument_of_the_wrong_type_is_refused_in_chinese(
    folder: Path, kwargs: dict[str, object], named: str
) -> None:
    args = {"paths": [folder], **kwargs}
    with pytest.raises(ArgumentError) as info:
        consolidate(**args)  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError) and isinstance(info.value, PerfxlError)
    assert info.value.message.startswith(f"参数 {named} 应为")
