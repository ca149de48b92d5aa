"""``consolidate --prefer`` is never ignored without a word: a file that is not among the
inputs, and two files of one unit, are refused (exit 2, nothing written), naming the files;
one file of a unit among the inputs decides for its unit."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.consolidate import Options, consolidate
from perfxl.errors import DataError
from perfxl.model import Targets
from perfxl.write.fill import write_new


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory, example_data: dict[str, Any]) -> Path:
    """One township's workbook (two projects)."""
    d = copy.deepcopy(example_data)
    d["unit"] = {"code": "910001", "name": "巨鹿县巨鹿镇人民政府本级"}
    d["projects"] = d["projects"][:2]
    out = tmp_path_factory.mktemp("prefer") / "910001.xlsx"
    write_new(Targets.from_dict(d), out)
    return out


def _consolidate(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["consolidate", *args, "--no-cache", "-j", "1"])
    return res.exit_code, res.output


def test_a_prefer_not_among_the_inputs_is_refused(tmp_path: Path, book: Path) -> None:
    other = tmp_path / "v1.xlsx"
    other.write_bytes(book.read_bytes())
    out = tmp_path / "s.xlsx"
    code, said = _consolidate(str(book), "-o", str(out), "--prefer", str(other))
    assert code == 2, said
    assert f"{other}: --prefer 指定的文件不在本次汇总的输入中" in said
    assert not out.exists()
    with pytest.raises(DataError, match="不在本次汇总的输入中"):
        consolidate([book], out, Options(jobs=1, prefer=[str(other)]))


def test_a_prefer_of_a_backup_in_a_folder_says_it_is_not_read(tmp_path: Path, book: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "910001.xlsx").write_bytes(book.read_bytes())
    backup = folder / "910001.bak.xlsx"
    backup.write_bytes(book.read_bytes())
    out = tmp_path / "s.xlsx"
    code, said = _consolidate(str(folder), "-o", str(out), "--prefer", str(backup))
    assert code == 2, said
    assert "备份文件" in said and str(backup) in said
    assert not out.exists()


def test_two_prefers_of_one_unit_are_refused_naming_both(tmp_path: Path, book: Path) -> None:
    v1, v2 = tmp_path / "v1.xlsx", tmp_path / "v2.xlsx"
    v1.write_bytes(book.read_bytes())
    v2.write_bytes(book.read_bytes())
    out = tmp_path / "s3.xlsx"
    code, said = _consolidate(
        str(v1), str(v2), "-o", str(out), "--prefer", str(v1), "--prefer", str(v2)
    )
    assert code == 2, said
    line = next(s for s in said.splitlines() if s.startswith("错误："))
    assert "同一单位（910001 巨鹿县巨鹿镇人民政府本级）" in line
    assert str(v1) in line and str(v2) in line
    assert not out.exists()


def test_one_prefer_per_unit_decides(tmp_path: Path, book: Path) -> None:
    v1, v2 = tmp_path / "v1.xlsx", tmp_path / "v2.xlsx"
    v1.write_bytes(book.read_bytes())
    v2.write_bytes(book.read_bytes())
    result = consolidate(
        [v1, v2, v1], tmp_path / "s.xlsx", Options(jobs=1, prefer=[str(v1), str(v1)])
    )
    assert [s.file.path for s in result.chosen] == [str(v1)]
    assert [f.path for f in result.superseded] == [str(v2)]


def _unusable(kind: str, folder: Path, book: Path) -> tuple[Path, str]:
    """A file of ``kind`` that cannot be a unit's version, and its 提交情况 status."""
    from conftest import ROOT

    from perfxl.consolidate import columns as K

    if kind == "unreadable":
        path = folder / "坏文件.xlsx"
        path.write_bytes(b"not a workbook at all")
        return path, K.UNREADABLE
    if kind == "not_perfxl":
        import openpyxl

        path = folder / "别的表.xlsx"
        wb = openpyxl.Workbook()
        wb.active["A1"] = "通讯录"
        wb.save(path)
        return path, K.NOT_PERFXL
    if kind == "monitoring":
        path = folder / "监控表.xlsx"
        path.write_bytes((ROOT / "examples" / "suying-2023-monitoring.xlsx").read_bytes())
        return path, K.MONITORING_SKIPPED
    path = folder / "县汇总.xlsx"  # a summary: its units are read, it is no unit's version
    consolidate([book], path, Options(jobs=1))
    return path, K.EXPANDED


@pytest.mark.parametrize("kind", ["unreadable", "not_perfxl", "monitoring", "summary"])
def test_a_prefer_of_a_file_that_cannot_be_used_is_refused(
    tmp_path: Path, book: Path, kind: str
) -> None:
    bad, status = _unusable(kind, tmp_path, book)
    out = tmp_path / "s.xlsx"
    code, said = _consolidate(str(book), str(bad), "-o", str(out), "--prefer", str(bad))
    assert code == 2, said
    assert not out.exists()
    line = next(s for s in said.splitlines() if s.startswith("错误："))
    assert f"{bad}: --prefer 指定的文件不能采用（{status}）" in line, line
    listed = consolidate([book, bad], tmp_path / "listed.xlsx", Options(jobs=1))
    (reason,) = [f.note for f in listed.files if f.source_file == str(bad)]
    assert reason and reason in line  # the reason 提交情况 gives
    with pytest.raises(DataError, match="不能采用"):
        consolidate([book, bad], out, Options(jobs=1, prefer=[str(bad)]))
    assert not out.exists()
