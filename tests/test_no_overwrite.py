"""``template OUT`` and ``fill DATA OUT`` never replace an existing workbook silently: without
``--overwrite`` they refuse (exit 2, the file untouched, what to do instead); with it, the old
file is kept as ``OUT.bak.xlsx`` first, as an in-place write keeps it. ``fill --into`` refuses
a county summary made by ``perfxl consolidate``, as compute, export and validate do."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from perfxl.cli import main
from perfxl.read import read_workbook

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DATA = EXAMPLES / "suying-2023.json"
TARGETS = EXAMPLES / "suying-2023.xlsx"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def projects(book: Path) -> int:
    return len(read_workbook(book).targets.projects)


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    """A township's filled workbook (19 projects), the one a careless command would destroy."""
    book = tmp_path / "乡镇.xlsx"
    shutil.copyfile(TARGETS, book)
    return book


# --- refused without --overwrite ------------------------------------------------------------
@pytest.mark.parametrize("command", ["template", "fill"])
def test_an_existing_workbook_is_not_replaced(filled: Path, command: str) -> None:
    before = filled.read_bytes()
    args = ("template", filled) if command == "template" else ("fill", DATA, filled)
    res = invoke(*args)
    assert res.exit_code == 2, res.output
    said = res.stderr
    assert said.startswith("错误：") and "乡镇.xlsx" in said and "已存在" in said, said
    assert "--overwrite" in said and "乡镇.bak.xlsx" in said, said
    if command == "fill":  # what a clerk with a filled workbook most likely wanted
        assert "--into" in said, said
    assert filled.read_bytes() == before
    assert files(filled.parent) == ["乡镇.xlsx"]


def test_fill_into_another_existing_file_is_not_replaced(tmp_path: Path, filled: Path) -> None:
    other = tmp_path / "另一个.xlsx"
    shutil.copyfile(TARGETS, other)
    before = other.read_bytes()
    res = invoke("fill", DATA, "--into", filled, "-o", other)
    assert res.exit_code == 2 and "已存在" in res.stderr, res.output
    assert other.read_bytes() == before
    assert files(tmp_path) == ["乡镇.xlsx", "另一个.xlsx"]


# --- --overwrite keeps a backup -------------------------------------------------------------
def test_template_overwrite_keeps_a_backup(filled: Path) -> None:
    before = filled.read_bytes()
    res = invoke("template", filled, "--overwrite")
    assert res.exit_code == 0, res.output
    assert "乡镇.bak.xlsx" in res.stderr, res.stderr
    assert projects(filled) == 1
    assert (filled.parent / "乡镇.bak.xlsx").read_bytes() == before
    assert files(filled.parent) == ["乡镇.bak.xlsx", "乡镇.xlsx"]


def test_fill_overwrite_keeps_a_backup(tmp_path: Path, filled: Path) -> None:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    data["projects"] = data["projects"][:2]
    small = tmp_path / "two.json"
    small.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = filled.read_bytes()
    res = invoke("fill", small, filled, "--overwrite")
    assert res.exit_code == 0, res.output
    assert "乡镇.bak.xlsx" in res.stderr, res.stderr
    assert projects(filled) == 2
    assert (tmp_path / "乡镇.bak.xlsx").read_bytes() == before


def test_fill_into_overwrite_keeps_a_backup_of_the_output(tmp_path: Path, filled: Path) -> None:
    other = tmp_path / "另一个.xlsx"
    shutil.copyfile(TARGETS, other)
    before = other.read_bytes()
    res = invoke("fill", DATA, "--into", filled, "-o", other, "--overwrite")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "另一个.bak.xlsx").read_bytes() == before
    assert not (tmp_path / "乡镇.bak.xlsx").exists()  # the book itself was only read


def test_overwrite_with_unusable_data_writes_nothing(tmp_path: Path, filled: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    before = filled.read_bytes()
    res = invoke("fill", bad, filled, "--overwrite")
    assert res.exit_code == 2, res.output
    assert filled.read_bytes() == before
    assert files(tmp_path) == ["bad.json", "乡镇.xlsx"]  # no backup either


def test_a_new_file_needs_no_overwrite(tmp_path: Path) -> None:
    assert invoke("template", tmp_path / "new.xlsx").exit_code == 0
    assert invoke("fill", DATA, tmp_path / "filled.xlsx").exit_code == 0
    assert files(tmp_path) == ["filled.xlsx", "new.xlsx"]  # no backup of what was not there


# --- fill --into a county summary -----------------------------------------------------------
def test_fill_into_a_county_summary_is_refused(tmp_path: Path) -> None:
    summary = tmp_path / "汇总.xlsx"
    res = invoke("consolidate", TARGETS, "-o", summary, "-j", "1")
    assert res.exit_code in (0, 1), res.output
    made = files(tmp_path)
    before = summary.read_bytes()
    for extra in ((), ("-o", tmp_path / "out.xlsx")):
        res = invoke("fill", DATA, "--into", summary, *extra)
        assert res.exit_code == 2, res.output
        assert "consolidate 生成的" in res.stderr and "汇总表" in res.stderr, res.stderr
        assert "汇总.xlsx" in res.stderr
        assert summary.read_bytes() == before
        assert files(tmp_path) == made
