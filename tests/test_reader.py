"""The reader finds project sheets by content, and says where a broken one is broken."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from perfxl.model import Targets
from perfxl.read import parse_amount_text, read_workbook
from perfxl.write.fill import write_new


def _book(tmp_path: Path, data: dict[str, Any], n: int = 3) -> Path:
    d = dict(data)
    d["projects"] = data["projects"][:n]
    out = tmp_path / "book.xlsx"
    write_new(Targets.from_dict(d), out)
    return out


def _edit(path: Path, fn: Any) -> None:
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)


def _rules(res: Any) -> list[tuple[str, str | None, str | None]]:
    return [(p.rule, p.sheet, p.cell) for p in res.problems]


def test_renamed_project_sheet_is_read(tmp_path: Path, example_data: dict[str, Any]) -> None:
    book = _book(tmp_path, example_data)
    _edit(book, lambda wb: setattr(wb.worksheets[2], "title", "随便改的名字"))
    res = read_workbook(book)
    assert res.ok
    assert [p.code for p in res.targets.projects] == [
        p["code"] for p in example_data["projects"][:3]
    ]
    assert res.project_sheet(0) == "随便改的名字"


def test_copied_project_sheet_is_read_as_another_project(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    book = _book(tmp_path, example_data, n=1)

    def copy(wb: Any) -> None:
        ws = wb.copy_worksheet(wb.worksheets[2])
        ws.title = "项目1 (2)"

    _edit(book, copy)
    res = read_workbook(book)
    assert res.ok
    assert len(res.targets.projects) == 2
    assert res.targets.projects[1] == res.targets.projects[0]
    assert res.project_sheet(1) == "项目1 (2)"
    assert res.locations["/projects/1/budget"] == ("项目1 (2)", "C4")


def test_moved_sheets_keep_workbook_order(tmp_path: Path, example_data: dict[str, Any]) -> None:
    book = _book(tmp_path, example_data)
    _edit(book, lambda wb: wb.move_sheet(wb.worksheets[4], offset=-2))
    res = read_workbook(book)
    codes = [p["code"] for p in example_data["projects"][:3]]
    assert [p.code for p in res.targets.projects] == [codes[2], codes[0], codes[1]]


def test_foreign_sheet_is_skipped_and_reported(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    book = _book(tmp_path, example_data, n=1)

    def add(wb: Any) -> None:
        ws = wb.create_sheet("备注")
        ws["A1"] = "这是我自己的备注"

    _edit(book, add)
    res = read_workbook(book)
    assert res.ok
    assert _rules(res) == [("read.sheet_skipped", "备注", None)]
    assert len(res.targets.projects) == 1


def test_deleted_label_names_sheet_and_cell(tmp_path: Path, example_data: dict[str, Any]) -> None:
    book = _book(tmp_path, example_data, n=2)

    def break_it(wb: Any) -> None:
        ws = wb.worksheets[3]
        ws.title = "坏表"
        ws.unmerge_cells("A4:A5")
        ws["D4"] = None  # 其中：财政资金 deleted
        ws["F4"] = "其它"  # 其他资金 overwritten

    _edit(book, break_it)
    res = read_workbook(book)
    assert not res.ok
    assert _rules(res) == [
        ("read.label_missing", "坏表", "D4"),
        ("read.label_missing", "坏表", "F4"),
    ]
    assert "D4" in res.problems[0].message and "其中：财政资金" in res.problems[0].message
    assert len(res.targets.projects) == 1  # the good sheet is still read


def test_rows_inserted_above_the_table_are_tolerated(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    book = _book(tmp_path, example_data, n=1)

    def insert(wb: Any) -> None:
        ws = wb.worksheets[2]
        values = [[c.value for c in row] for row in ws.iter_rows()]
        for rng in list(ws.merged_cells.ranges):
            ws.unmerge_cells(str(rng))
        ws.delete_rows(1, ws.max_row)
        for r, row in enumerate(values, start=3):
            for c, v in enumerate(row, start=1):
                ws.cell(row=r, column=c, value=v)

    _edit(book, insert)
    res = read_workbook(book)
    assert res.ok, res.problems
    p = example_data["projects"][0]
    got = res.targets.projects[0]
    assert (got.code, got.budget, got.plan.dec) == (p["code"], p["budget"], p["plan"]["dec"])
    assert res.locations["/projects/0/budget"][1] == "C6"
    # without the merges the 一级指标 of later rows is empty: read as typed
    assert got.indicators[0].level1 == "产出指标"
    assert got.indicators[1].level1 is None


def test_amounts_typed_as_text(tmp_path: Path, example_data: dict[str, Any]) -> None:
    book = _book(tmp_path, example_data, n=1)

    def texts(wb: Any) -> None:
        ws = wb.worksheets[2]
        ws["C4"] = "8.39"
        ws["E4"] = "８．３９万元"
        ws["G4"] = "八万"
        ws["B7"] = "1,234.50"

    _edit(book, texts)
    res = read_workbook(book)
    p = res.targets.projects[0]
    assert (p.budget, p.fiscal_funds, p.other_funds, p.plan.mar) == (8.39, 8.39, "八万", 1234.5)
    assert _rules(res) == [
        ("read.amount_text", "1.“凤还巢”大学生村干部工资及保险", "C4"),
        ("read.amount_text", "1.“凤还巢”大学生村干部工资及保险", "E4"),
        ("read.amount_unreadable", "1.“凤还巢”大学生村干部工资及保险", "G4"),
        ("read.amount_text", "1.“凤还巢”大学生村干部工资及保险", "B7"),
    ]
    assert res.problems[2].pointer == "/projects/0/other_funds"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8.39", 8.39),
        (" 8.39 ", 8.39),
        ("８．３９", 8.39),
        ("1,234.50", 1234.5),
        ("8.39万元", 8.39),
        ("12", 12),
        ("8.39元", None),
        ("1,23", None),
        ("八万", None),
        ("8.39 9.1", None),
        ("", None),
    ],
)
def test_parse_amount_text(text: str, expected: float | None) -> None:
    assert parse_amount_text(text) == expected


def test_code_stored_as_number_is_reported(tmp_path: Path, example_data: dict[str, Any]) -> None:
    book = _book(tmp_path, example_data, n=1)
    _edit(book, lambda wb: wb.worksheets[2].__setitem__("B3", 130529231234))
    res = read_workbook(book)
    assert res.targets.projects[0].code == "130529231234"
    assert [p.rule for p in res.problems] == ["read.number_as_text_field"]


def test_workbook_without_cover_takes_unit_from_project_header(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    book = _book(tmp_path, example_data, n=1)
    _edit(book, lambda wb: wb.remove(wb["封面"]))
    res = read_workbook(book)
    assert (res.targets.unit.code, res.targets.unit.name) == ("910001", "巨鹿县苏营镇人民政府本级")
    assert [p.rule for p in res.problems] == ["read.no_cover"]


def test_formula_text_in_a_cell_stays_text(tmp_path: Path, example_data: dict[str, Any]) -> None:
    data = dict(example_data)
    data["projects"] = [dict(example_data["projects"][0], name='=HYPERLINK("http://x","点我")')]
    out = tmp_path / "f.xlsx"
    write_new(Targets.from_dict(data), out)
    ws = openpyxl.load_workbook(out).worksheets[2]
    assert ws["E3"].data_type == "s"
    assert read_workbook(out).targets.projects[0].name == '=HYPERLINK("http://x","点我")'


def test_unreadable_amount_does_not_fail_the_read(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    book = _book(tmp_path, example_data, n=1)
    _edit(book, lambda wb: wb.worksheets[2].__setitem__("C4", "约八万"))
    res = read_workbook(book)
    assert res.ok
    assert res.targets.projects[0].budget == "约八万"
    assert [p.rule for p in res.problems] == ["read.amount_unreadable"]


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_escape_like_text_and_control_characters_round_trip(
    tmp_path: Path, example_data: dict[str, Any], engine: str
) -> None:
    data = dict(example_data)
    names = ["_x0000_", "a_x0041_b", "铃\x07声", "_x005F_", "回车\r\n换行"]
    data["projects"] = [dict(example_data["projects"][0], name=n) for n in names]
    out = tmp_path / "esc.xlsx"
    write_new(Targets.from_dict(data), out)
    assert [p.name for p in read_workbook(out, engine=engine).targets.projects] == names


def test_table_moved_above_its_place_is_read_not_crashed(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    """Rows deleted above the table shift the form's top labels off the sheet (the fuzz
    reader once found row 0 built here, and raised): the project still reads, and nothing
    the form requires is missing (the 单位：万元 note above the table is optional)."""
    book = _book(tmp_path, example_data)
    _edit(book, lambda wb: wb.worksheets[2].delete_rows(1, 2))
    res = read_workbook(book)
    sheet = openpyxl.load_workbook(book).worksheets[2].title
    assert [p.code for p in res.targets.projects] == [
        p["code"] for p in example_data["projects"][:3]
    ]
    assert [p for p in res.problems if p.sheet == sheet] == []


def test_hidden_sheets_are_told_from_visible_ones_by_the_fast_reader(tmp_path: Path) -> None:
    from perfxl.grid.calamine_grid import read_grid

    wb = openpyxl.Workbook()
    wb.active.title = "看得见"
    wb.create_sheet("隐藏").sheet_state = "hidden"
    wb.create_sheet("深度隐藏").sheet_state = "veryHidden"
    wb.save(tmp_path / "h.xlsx")
    grid = read_grid(tmp_path / "h.xlsx")
    assert [(s.name, s.visible) for s in grid.sheets] == [
        ("看得见", True),
        ("隐藏", False),
        ("深度隐藏", False),
    ]


def test_the_readers_conversions_are_public_to_other_modules() -> None:
    """No other module imports a private name of `perfxl.read`: the library reads a
    summary's cells with ``as_text``/``as_target``, the reader's one conversion, and the
    monitoring and evaluation readers use its ``FieldReader``, ``check_labels`` and
    ``as_integer``, all under public names (they imported ``_text``, ``_target``,
    ``_FieldReader``, ``_check_labels``, ``_integer``)."""
    import ast

    import perfxl
    from perfxl.read import as_integer, as_target, as_text

    assert (as_text(3.0), as_text(True), as_target(3.0), as_target(" 5 ")) == (
        "3",
        "TRUE",
        3,
        " 5 ",
    )
    assert (as_integer(7.0), as_integer(" 7 "), as_integer("七月"), as_integer(7.5)) == (
        7,
        7,
        "七月",
        7.5,
    )
    root = Path(perfxl.__file__).parent
    private = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "perfxl.read":
                private += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []
