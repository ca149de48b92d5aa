"""``fill --into``: refusal writes nothing; values go in through the write-back engine and the
formulas' cached values (percentages, cover figures) are computed, so value readers see them."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import python_calamine

from perfxl import layout as L
from perfxl.cells import parse_a1
from perfxl.read import read_workbook
from perfxl.write.patch.safeio import TMP_MARK

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "suying-2023.json"


def run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "perfxl.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def seed(n: int = 3) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SEED.read_text(encoding="utf-8"))
    data["projects"] = data["projects"][:n]
    return data


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def computed_book(tmp_path: Path, data: dict[str, Any]) -> Path:
    """A workbook filled from ``data`` and computed (every cached value present)."""
    book = tmp_path / "book.xlsx"
    assert run("fill", write_json(tmp_path / "first.json", data), book).returncode == 0
    proc = run("compute", book, "-o", tmp_path / "computed.xlsx")
    assert proc.returncode == 0, proc.stderr
    book.write_bytes((tmp_path / "computed.xlsx").read_bytes())
    (tmp_path / "computed.xlsx").unlink()
    return book


def cells(book: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's cached values as python-calamine reads them (row 1 first)."""
    wb = python_calamine.CalamineWorkbook.from_path(str(book))
    return {
        name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names
    }


def value(rows: list[list[Any]], ref: str, dr: int = 0, dc: int = 0) -> Any:
    r, c = parse_a1(ref)
    r, c = r + dr - 1, c + dc - 1
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def assert_cached_numbers(book: Path, data: dict[str, Any]) -> None:
    """Percentages under each plan and the cover's figures hold numbers, as computed."""
    read = read_workbook(book)
    grid = cells(book)
    projects = [s for s in read.sheets if s.kind == "project"]
    assert len(projects) == len(data["projects"])
    for info in projects:
        p = data["projects"][info.project_index]
        rows = grid[info.name]
        got = [
            value(rows, ref, info.row_offset, info.col_offset) for ref in L.PROJECT_PERCENT_CELLS
        ]
        want = [round(p["plan"][k] / p["budget"], 4) for k in ("mar", "jun", "oct", "dec")]
        assert got == pytest.approx(want), info.name
    cover = next(s for s in read.sheets if s.kind == "cover")
    rows = grid[cover.name]
    first = L.COVER_FIRST_PROJECT_ROW + cover.row_offset - 1
    budgets = [rows[first + i][3] for i in range(len(data["projects"]))]
    assert budgets == pytest.approx([p["budget"] for p in data["projects"]])
    total = rows[first + len(data["projects"])]
    assert total[3] == pytest.approx(sum(p["budget"] for p in data["projects"]))
    assert isinstance(total[10], float)  # 12月底进度 of the total row


def test_compute_then_fill_into_keeps_cached_values(tmp_path: Path) -> None:
    data = seed(3)
    book = computed_book(tmp_path, data)
    before = book.read_bytes()
    second = seed(3)
    second["projects"][0]["budget"] = 10
    second["projects"][0]["plan"] = {"mar": 1.01, "jun": 5, "oct": 7, "dec": 10}
    second["overall"]["summary"] = "一段新的总体目标。"
    proc = run("fill", write_json(tmp_path / "second.json", second), "--into", book)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "book.bak.xlsx").read_bytes() == before
    assert json.loads(run("export", book).stdout) == second
    assert_cached_numbers(book, second)
    # Written through the engine: parts openpyxl would rewrite are the original bytes.
    with zipfile.ZipFile(book) as new, zipfile.ZipFile(tmp_path / "book.bak.xlsx") as old:
        assert new.read("docProps/app.xml") == old.read("docProps/app.xml")
        assert new.read("xl/styles.xml") == old.read("xl/styles.xml")


def test_fill_into_adding_sheets_still_computes_cached_values(tmp_path: Path) -> None:
    book = computed_book(tmp_path, seed(2))
    more = seed(4)
    out = tmp_path / "more.xlsx"
    proc = run("fill", write_json(tmp_path / "more.json", more), "--into", book, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert "新增工作表" in proc.stderr
    assert json.loads(run("export", out).stdout) == more
    assert_cached_numbers(out, more)
    assert not (tmp_path / "book.bak.xlsx").exists()  # -o: the source stays, no backup


@pytest.mark.parametrize("owner", ["~$book.xlsx", ".~lock.book.xlsx#"])
def test_locked_workbook_is_refused_and_nothing_is_written(tmp_path: Path, owner: str) -> None:
    book = computed_book(tmp_path, seed(2))
    (tmp_path / owner).write_bytes(b"owner")
    before = book.read_bytes()
    listing = sorted(p.name for p in tmp_path.iterdir())
    proc = run("fill", write_json(tmp_path / "d.json", seed(2)), "--into", book)
    assert proc.returncode == 2
    assert "book.xlsx" in proc.stderr and "打开" in proc.stderr
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*listing, "d.json"])
    assert not (tmp_path / "book.bak.xlsx").exists()
    assert not [p for p in tmp_path.iterdir() if TMP_MARK in p.name]


def test_locked_backup_is_refused_before_writing(tmp_path: Path) -> None:
    book = computed_book(tmp_path, seed(2))
    (tmp_path / "~$book.bak.xlsx").write_bytes(b"owner")  # the old backup is open in Excel
    before = book.read_bytes()
    proc = run("fill", write_json(tmp_path / "d.json", seed(2)), "--into", book)
    assert proc.returncode == 2 and "book.bak.xlsx" in proc.stderr
    assert book.read_bytes() == before
    assert not (tmp_path / "book.bak.xlsx").exists()
