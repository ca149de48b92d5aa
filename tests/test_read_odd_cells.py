"""Cells the reader met silently: TRUE typed in an amount cell was exported as ``true`` with
exit 0 (a date there was reported); a formula with no saved result (a file written by
openpyxl, ``=8+0.39`` in 预算数) read as blank and validation said 预算数 未填写 to a clerk who
sees 8.39 in Excel. Both are now reported at their cell, the value kept as its text."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from perfxl.cli import main
from perfxl.read import read_workbook
from perfxl.validate import validate_file

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "suying-2023.xlsx"
FIRST = 2  # the first project sheet's index in the example (after 封面 and 部门整体绩效目标)


def _book(tmp_path: Path, cells: dict[tuple[int, str], bool | str]) -> Path:
    """The example with ``cells`` ((sheet index, cell) -> value) written by openpyxl."""
    wb = load_workbook(EXAMPLE)
    for (index, ref), value in cells.items():
        wb[wb.sheetnames[index]][ref] = value
    book = tmp_path / "book.xlsx"
    wb.save(book)
    return book


def _rules_at(book: Path, sheet_index: int, cell: str) -> list[str]:
    res = read_workbook(book)
    name = res.sheets[sheet_index].name
    return [p.rule for p in validate_file(book).problems if p.sheet == name and p.cell == cell]


@pytest.mark.parametrize(("typed", "text"), [(True, "TRUE"), (False, "FALSE")])
@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_a_boolean_in_an_amount_cell_is_reported_as_not_a_number(
    tmp_path: Path, typed: bool, text: str, engine: str
) -> None:
    book = _book(tmp_path, {(FIRST, "C4"): typed, (FIRST, "B7"): typed})
    res = read_workbook(book, engine=engine)
    p = res.targets.projects[0]
    assert p.budget == text and p.plan.mar == text
    found = {(x.cell, x.rule, x.value) for x in res.problems}
    assert ("C4", "read.amount_unreadable", text) in found
    assert ("B7", "read.amount_unreadable", text) in found
    assert _rules_at(book, FIRST, "C4") == ["read.amount_unreadable"]  # no second type error
    out = CliRunner().invoke(main, ["export", str(book), "--engine", engine])
    assert out.exit_code == 1
    assert json.loads(out.stdout)["projects"][0]["budget"] == text


def test_a_formula_without_a_saved_result_is_reported_not_called_blank(tmp_path: Path) -> None:
    book = _book(tmp_path, {(FIRST, "C4"): "=8+0.39"})
    res = read_workbook(book)
    p = res.targets.projects[0]
    assert p.budget == "=8+0.39"
    unsaved = [x for x in res.problems if x.rule == "read.formula_no_value"]
    assert [(x.cell, x.pointer, x.value) for x in unsaved] == [
        ("C4", "/projects/0/budget", "=8+0.39")
    ]
    assert "单元格中是公式“=8+0.39”，但工作簿没有保存它的计算结果" in unsaved[0].message
    assert "在 Excel 或 WPS 中打开工作簿并保存" in unsaved[0].message
    assert _rules_at(book, FIRST, "C4") == ["read.formula_no_value"]  # not 未填写
    out = CliRunner().invoke(main, ["validate", str(book)])
    assert out.exit_code == 1
    assert "“预算数”未填写" not in out.output


def test_formulas_on_a_sheet_with_a_blank_required_field_are_all_reported(
    tmp_path: Path,
) -> None:
    """Once a sheet is looked at, a formula in an optional amount is reported too."""
    book = _book(tmp_path, {(FIRST, "C4"): "=8+0.39", (FIRST, "G4"): "=0+0"})
    res = read_workbook(book, engine="openpyxl")
    cells = sorted(str(x.cell) for x in res.problems if x.rule == "read.formula_no_value")
    assert cells == ["C4", "G4"]
    assert res.targets.projects[0].other_funds == "=0+0"


def test_a_required_text_field_holding_a_formula_is_reported(tmp_path: Path) -> None:
    book = _book(tmp_path, {(FIRST, "E3"): '="凤还巢"&"工资"'})
    res = read_workbook(book)
    assert res.targets.projects[0].name == '="凤还巢"&"工资"'
    assert [(x.rule, x.cell) for x in res.problems if x.rule.startswith("read.formula")] == [
        ("read.formula_no_value", "E3")
    ]
    assert _rules_at(book, FIRST, "E3") == ["read.formula_no_value"]


def _with_cell_xml(book: Path, out: Path, old: str, new: str) -> None:
    """A copy of ``book`` with one cell's XML replaced in the first project sheet's part."""
    part = "xl/worksheets/sheet3.xml"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == part:
                text = data.decode("utf-8")
                assert old in text
                data = text.replace(old, new).encode("utf-8")
            dst.writestr(item, data)


def test_a_formula_with_a_saved_result_reads_its_result(tmp_path: Path) -> None:
    book = _book(tmp_path, {(FIRST, "C4"): "=8+0.39"})
    old = re.search(r'<c r="C4"[^>]*><f>8\+0.39</f><v\s*/?>(</v>)?</c>', _sheet3(book))
    assert old is not None
    saved, empty = tmp_path / "saved.xlsx", tmp_path / "empty.xlsx"
    _with_cell_xml(book, saved, old.group(), '<c r="C4"><f>8+0.39</f><v>8.39</v></c>')
    res = read_workbook(saved)
    assert res.targets.projects[0].budget == 8.39
    assert not [x for x in res.problems if x.rule == "read.formula_no_value"]
    # A formula whose saved result is empty text has a result: blank, as before.
    _with_cell_xml(book, empty, old.group(), '<c r="C4" t="str"><f>""</f><v></v></c>')
    res = read_workbook(empty)
    assert res.targets.projects[0].budget is None
    assert not [x for x in res.problems if x.rule == "read.formula_no_value"]


def _sheet3(book: Path) -> str:
    with zipfile.ZipFile(book) as z:
        return z.read("xl/worksheets/sheet3.xml").decode("utf-8")


def test_a_filled_workbook_is_not_looked_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No blank required field: the sheet XML is not parsed (perfxl's own workbooks hold
    hundreds of formulas without results in their computed cells)."""
    import perfxl.read as R

    def refuse(*args: object) -> dict[tuple[str, str], str]:
        raise AssertionError("parsed")

    monkeypatch.setattr(R, "unsaved_formulas", refuse)
    book = tmp_path / "book.xlsx"
    shutil.copy(EXAMPLE, book)
    res = read_workbook(book)
    assert res.ok and not [x for x in res.problems if x.rule == "read.formula_no_value"]


# --- one message for a formula cell; compute and the indicator table say it too --------------
CODE = '="13052923P"&"00584011066Q"'


def test_a_formula_in_the_project_code_gets_the_formula_error_alone(tmp_path: Path) -> None:
    """Its text (``="1305…"&…``) has no code's shape: the shape error would be noise."""
    book = _book(tmp_path, {(FIRST, "B3"): CODE})
    assert read_workbook(book).targets.projects[0].code == CODE
    assert _rules_at(book, FIRST, "B3") == ["read.formula_no_value"]


def test_compute_on_a_formula_budget_says_it_is_an_unsaved_formula(tmp_path: Path) -> None:
    book = _book(tmp_path, {(FIRST, "C4"): "=8+0.39"})
    out = CliRunner().invoke(main, ["compute", str(book), "-o", str(tmp_path / "out.xlsx")])
    assert out.exit_code == 1, out.output
    said = [line for line in out.stderr.splitlines() if "C4" in line]
    assert len(said) == 1, out.stderr
    assert "(compute.formula_no_value)" in said[0] and "“=8+0.39”" in said[0], said
    assert "没有保存它的计算结果" in said[0] and "重新运行 perfxl compute" in said[0], said
    assert "不是数字" not in said[0], said


def test_indicator_fields_holding_formulas_are_reported_at_their_cells(tmp_path: Path) -> None:
    """三级指标 and 指标值 as formulas in a row whose other cells are typed."""
    book = _book(tmp_path, {(FIRST, "C12"): '="合格"&"率"', (FIRST, "F12"): '=">="&"95%"'})
    res = read_workbook(book)
    indicator = res.targets.projects[0].indicators[1]
    assert (indicator.level3, indicator.target) == ('="合格"&"率"', '=">="&"95%"')
    found = [(x.cell, x.pointer) for x in res.problems if x.rule == "read.formula_no_value"]
    assert found == [
        ("C12", "/projects/0/indicators/1/level3"),
        ("F12", "/projects/0/indicators/1/target"),
    ]
    for cell in ("C12", "F12"):
        assert _rules_at(book, FIRST, cell) == ["read.formula_no_value"]


def test_an_indicator_row_of_formulas_alone_is_reported_not_dropped(tmp_path: Path) -> None:
    """Every cell of the row reads blank: it was skipped without a word, one indicator fewer."""
    row = {"A": '="效益"&"指标"', "B": '="社会效益"', "C": '="幸福感"', "D": '="幸福感"'}
    row |= {"F": '="提升"', "G": '="走访调研"'}
    book = _book(tmp_path, {(FIRST, f"{col}15"): value for col, value in row.items()})
    res = read_workbook(book)
    assert len(res.targets.projects[0].indicators) == 5  # the row holds no value to read
    found = {(x.cell, x.pointer) for x in res.problems if x.rule == "read.formula_no_value"}
    assert found == {(f"{col}15", "/projects/0/indicators") for col in row}
    report = validate_file(book)
    assert report.errors >= len(row)
    assert {p.cell for p in report.problems if p.rule == "read.formula_no_value"} >= {"A15"}
