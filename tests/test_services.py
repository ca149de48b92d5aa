"""The services every front end calls, called directly (the CLI's and the ribbon's tests call
them through their front ends)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_JSON

from perfxl import services


def test_the_package_re_exports_every_service() -> None:
    import perfxl.services as pkg

    for name in pkg.__all__:
        assert callable(getattr(pkg, name)), name
    assert callable(services.consolidate)  # a function, not a submodule of the same name


def test_template_fill_and_export_round_trip(tmp_path: Path, example_data: dict[str, Any]) -> None:
    blank = services.make_template(tmp_path / "t.xlsx", projects=2, unit_code="130529")
    assert blank.exists()
    empty = services.export_workbook(blank)
    assert empty.ok and len(empty.read.targets.projects) == 2

    filled = services.fill_new(EXAMPLE_JSON, tmp_path / "f.xlsx")
    assert filled.written == tmp_path / "f.xlsx" and filled.backup is None
    assert filled.projects == len(example_data["projects"]) and filled.problems == []
    report = services.export_workbook(filled.written)
    assert report.ok and not report.errors
    out = report.write(tmp_path / "f.json")
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(report.text())
    assert json.loads(report.text())["unit"] == example_data["unit"]


def test_fill_into_reports_the_backup_only_in_place(tmp_path: Path, example_book: Path) -> None:
    book = tmp_path / "b.xlsx"
    shutil.copy(example_book, book)
    copy = services.fill_into(EXAMPLE_JSON, book, tmp_path / "c.xlsx")
    assert copy.written == tmp_path / "c.xlsx" and copy.backup is None
    in_place = services.fill_into(EXAMPLE_JSON, book)
    assert in_place.written == book
    assert in_place.backup is not None and in_place.backup.exists()


def test_open_book_services_see_what_the_file_services_see(example_book: Path) -> None:
    from perfxl.grid.calamine_grid import read_grid

    grid = read_grid(example_book)
    by_file = services.validate_files([example_book]).reports[0]
    assert services.validate_open_book(grid).problems == by_file.problems
    assert services.export_open_book(grid).text() == services.export_workbook(example_book).text()


def test_export_refuses_what_is_not_a_perfxl_workbook(tmp_path: Path) -> None:
    import openpyxl

    from perfxl.errors import NotAPerfxlWorkbookError

    wb = openpyxl.Workbook()
    assert wb.active is not None
    wb.active["A1"] = "会议记录"
    wb.save(tmp_path / "notes.xlsx")
    with pytest.raises(NotAPerfxlWorkbookError):
        services.export_workbook(tmp_path / "notes.xlsx")
