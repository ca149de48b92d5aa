"""perfxl's own backups (``BOOK.bak.xlsx``, kept by ``--in-place`` and ``fill --into``) found
in a folder are not submissions: discovery leaves them out and says how many, ``validate
--in-place`` run twice does not annotate them (no ``BOOK.bak.bak.xlsx``), consolidate counts
each unit once; a backup named as an input is read like any file. And the expected-units
list (``--expected``) that names a unit code twice is refused, not kept by its last row."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_folder as _copy

from perfxl.cli import main
from perfxl.consolidate import Options, consolidate
from perfxl.errors import DataError
from perfxl.inputs import (
    BACKUPS_ONLY_REASON,
    DuplicateUnitError,
    discover,
    is_backup,
    load_expected,
)


@pytest.mark.parametrize(
    ("name", "backup"),
    [
        ("910001.bak.xlsx", True),
        ("910001.bak.bak.xlsx", True),
        ("910001.BAK.XLSM", True),
        ("910001.bak.xls", True),
        ("910001.xlsx", False),
        ("bak.xlsx", False),  # no stem before .bak: not the backup naming
        ("910001-bak.xlsx", False),
        ("910001.bak.csv", False),
    ],
)
def test_the_backup_naming_is_perfxls(name: str, backup: bool) -> None:
    assert is_backup(Path(name)) is backup


def test_backups_in_a_folder_are_skipped_and_counted(tmp_path: Path, books: Path) -> None:
    folder = _copy(books, tmp_path / "in")
    (folder / "910001.bak.xlsx").write_bytes((folder / "910001.xlsx").read_bytes())
    (folder / "sub").mkdir()
    (folder / "sub" / "910002.bak.bak.xlsx").write_bytes((folder / "910002.xlsx").read_bytes())
    found = discover([folder])
    assert sorted(Path(f).name for f in found.files) == ["910001.xlsx", "910002.xlsx"]
    assert sorted(Path(f).name for f in found.backups) == ["910001.bak.xlsx", "910002.bak.bak.xlsx"]
    assert not found.unusable
    note = found.backups_note()
    assert note is not None and "备份文件 2 个" in note


def test_a_backup_named_as_an_input_is_read(tmp_path: Path, books: Path) -> None:
    backup = tmp_path / "910001.bak.xlsx"
    backup.write_bytes((books / "910001.xlsx").read_bytes())
    found = discover([backup])
    assert found.files == [str(backup)] and not found.backups
    assert discover([books]).backups_note() is None


def test_a_folder_of_backups_only_says_so(tmp_path: Path, books: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "910001.bak.xlsx").write_bytes((books / "910001.xlsx").read_bytes())
    found = discover([folder, books])
    assert found.unusable == [(str(folder), BACKUPS_ONLY_REASON)]
    assert len(found.files) == 2


def test_validate_in_place_twice_then_consolidate_counts_each_unit_once(
    tmp_path: Path, books: Path
) -> None:
    folder = _copy(books, tmp_path / "box")
    for n in range(2):
        res = CliRunner().invoke(main, ["validate", str(folder), "--in-place"])
        assert res.exit_code in (0, 1), res.output
        assert "共 2 个文件" in res.output
        # the second run says what it left out (the first found no backup)
        assert ("跳过文件夹中 perfxl 的备份文件 2 个" in res.output) == (n == 1), res.output
    assert sorted(f.name for f in folder.iterdir()) == [
        "910001.bak.xlsx",
        "910001.xlsx",
        "910002.bak.xlsx",
        "910002.xlsx",
    ]
    result = consolidate([folder], tmp_path / "s.xlsx", Options(jobs=1))
    assert len(result.chosen) == 2
    assert not result.superseded
    assert any("备份文件 2 个" in n for n in result.notes)
    res = CliRunner().invoke(
        main, ["consolidate", str(folder), "-o", str(tmp_path / "s2.xlsx"), "--no-cache", "-j", "1"]
    )
    assert res.exit_code in (0, 1), res.output
    assert "找到 2 个工作簿" in res.output
    assert "跳过文件夹中 perfxl 的备份文件 2 个" in res.output
    assert "被新版本替代" not in res.output


# --- the expected-units list ----------------------------------------------------------------


def test_a_unit_code_listed_twice_is_refused_naming_its_rows(tmp_path: Path) -> None:
    csv = tmp_path / "expected.csv"
    text = '单位编码,单位名称\n910001,甲\n910002,乙\n 910001 ,丙\n"910002","乙\n续"\n910002,丁\n'
    csv.write_text(text, encoding="utf-8")
    with pytest.raises(DuplicateUnitError) as info:
        load_expected(csv)
    assert isinstance(info.value, DataError) and info.value.exit_code == 2
    assert info.value.path == str(csv)
    assert "单位编码重复：910001（第 2、4 行）；910002（第 3、5、7 行）" in info.value.message


def test_many_repeated_codes_are_counted(tmp_path: Path) -> None:
    csv = tmp_path / "expected.csv"
    rows = [f"91{i:04d},x" for i in range(8)] * 2
    csv.write_text("unit_code,unit_name\n" + "\n".join(rows) + "\n", encoding="gb18030")
    with pytest.raises(DuplicateUnitError, match="910004（第 6、14 行）等 8 个"):
        load_expected(csv)


def test_consolidate_refuses_the_list_and_writes_nothing(tmp_path: Path, books: Path) -> None:
    csv = tmp_path / "expected.csv"
    csv.write_text("单位编码,单位名称\n910001,甲\n910001,乙\n", encoding="utf-8")
    out = tmp_path / "s.xlsx"
    res = CliRunner().invoke(
        main, ["consolidate", str(books), "-o", str(out), "--expected", str(csv), "--no-cache"]
    )
    assert res.exit_code == 2, res.output
    assert f"错误：{csv}: 应报单位名单中单位编码重复：910001（第 2、3 行）" in res.output
    assert not out.exists()


def test_a_list_without_repeats_is_read_as_before(tmp_path: Path) -> None:
    csv = tmp_path / "expected.csv"
    csv.write_text("单位编码,单位名称\n910001,甲\n\n910002,\n", encoding="utf-8")
    assert load_expected(csv) == [("910001", "甲"), ("910002", None)]


def test_a_list_the_csv_module_cannot_read_is_refused_in_chinese(tmp_path: Path) -> None:
    """A cell over the csv module's field limit (128 KB) is a DataError at its line, not the
    module's own error (a traceback on the command line)."""
    csv = tmp_path / "expected.csv"
    csv.write_text(
        "单位编码,单位名称\n910001,甲\n910002," + "乙" * 200_000 + "\n", encoding="utf-8"
    )
    with pytest.raises(DataError) as info:
        load_expected(csv)
    assert info.value.exit_code == 2 and info.value.path == str(csv)
    assert "第 3 行起无法按 CSV 格式读取" in info.value.message


def test_a_list_the_os_cannot_open_is_refused_in_chinese(tmp_path: Path) -> None:
    """The OS's reason in Chinese (was its English text: "No such file or directory")."""
    for given, reason in (
        (tmp_path / "无.csv", "文件或文件夹不存在"),
        (tmp_path, "这是一个文件夹"),
    ):
        with pytest.raises(DataError) as info:
            load_expected(given)
        assert info.value.message == f"无法读取应报单位名单：{reason}。"
