"""Annotations in the workbook: fills, comments, the 校验结果 sheet; idempotent; values kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import convert
from openpyxl import load_workbook

from perfxl.cli import main
from perfxl.constants import RESULTS_SHEET
from perfxl.model import Targets
from perfxl.read import read_workbook
from perfxl.services import annotate
from perfxl.validate import validate_file
from perfxl.write.fill import write_new

SHEET1 = "1.“凤还巢”大学生村干部工资及保险"


def small_book(tmp_path: Path, example_data: dict[str, Any]) -> Path:
    """Two seed projects, the first with a decreasing plan (an error) and its cost mismatch."""
    data = json.loads(json.dumps(example_data))
    data["projects"] = data["projects"][:2]
    data["projects"][0]["plan"]["jun"] = 1.0
    book = tmp_path / "book.xlsx"
    write_new(Targets.from_dict(data), book)
    return book


def fill_rgb(ws: Any, ref: str) -> str:
    return str(ws[ref].fill.fgColor.rgb)


def test_annotate_marks_cells_and_lists_problems(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    book = small_book(tmp_path, example_data)
    report = validate_file(book)
    out = tmp_path / "annotated.xlsx"
    result = annotate(report, out)
    assert result.path == out
    wb = load_workbook(out)
    ws = wb[SHEET1]
    assert fill_rgb(ws, "C7").endswith("FFC7CE")  # error: plan.decreasing
    assert fill_rgb(ws, "F14").endswith("FFEB9C")  # warning: cost mismatch
    assert fill_rgb(ws, "G11").endswith("DDEBF7")  # info: basis
    assert ws["C7"].comment is not None
    assert "累计" in ws["C7"].comment.text
    results = wb[RESULTS_SHEET]
    assert results.max_row == 1 + len(report.problems)
    # values are never changed: the annotated book reads as the original
    assert read_workbook(out).targets.to_dict() == read_workbook(book).targets.to_dict()
    again = validate_file(out)
    strip = [(p.rule, p.sheet, p.cell, p.pointer) for p in report.problems]
    assert [(p.rule, p.sheet, p.cell, p.pointer) for p in again.problems] == strip


def test_annotating_twice_gives_the_same_file(tmp_path: Path, example_data: dict[str, Any]) -> None:
    book = small_book(tmp_path, example_data)
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    annotate(validate_file(book), once)
    annotate(validate_file(once), twice)
    assert once.read_bytes() == twice.read_bytes()


def test_cli_in_place_then_fixed_book_loses_old_marks(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    book = small_book(tmp_path, example_data)
    original = load_workbook(book)[SHEET1]["C7"].fill.fgColor.rgb
    result = CliRunner().invoke(main, ["validate", str(book), "--in-place"])
    assert result.exit_code == 1, result.output
    assert (tmp_path / "book.bak.xlsx").exists()
    assert fill_rgb(load_workbook(book)[SHEET1], "C7").endswith("FFC7CE")
    # fix the plan in the annotated book, annotate again: C7's own fill comes back
    wb = load_workbook(book)
    wb[SHEET1]["C7"] = 4.19
    fixed = tmp_path / "fixed.xlsx"
    wb.save(fixed)
    result = CliRunner().invoke(main, ["validate", str(fixed), "--in-place"])
    assert result.exit_code == 0, result.output
    ws = load_workbook(fixed)[SHEET1]
    assert ws["C7"].fill.fgColor.rgb == original
    assert ws["C7"].comment is None


def test_cli_annotate_needs_one_book(tmp_path: Path, example_data: dict[str, Any]) -> None:
    book = small_book(tmp_path, example_data)
    other = tmp_path / "other.xlsx"
    other.write_bytes(book.read_bytes())
    result = CliRunner().invoke(
        main, ["validate", str(book), str(other), "--annotate", str(tmp_path / "o.xlsx")]
    )
    assert result.exit_code == 2
    assert not (tmp_path / "o.xlsx").exists()


@pytest.mark.libreoffice
def test_annotated_book_opens_in_libreoffice(
    tmp_path: Path, example_data: dict[str, Any], example_book: Path
) -> None:
    out = tmp_path / "seed-annotated.xlsx"
    annotate(validate_file(example_book), out)
    small = tmp_path / "small-annotated.xlsx"
    annotate(validate_file(small_book(tmp_path, example_data)), small)
    (tmp_path / "pdf").mkdir()
    pdfs = convert([out, small], "pdf", tmp_path / "pdf")
    assert [p.name for p in pdfs] == ["seed-annotated.pdf", "small-annotated.pdf"]
    assert all(p.read_bytes().startswith(b"%PDF") and p.stat().st_size > 10_000 for p in pdfs)
