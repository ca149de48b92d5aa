"""An indicator table's last row made only of formulas no app has calculated (a file written
by openpyxl or another generator) read as nothing below the table: calamine and openpyxl's
cached values end the sheet at its last value, so the indicator left export, consolidation
and publish without a word, in all three stages' forms. It is now reported at its cells
(``read.formula_no_value``), the preflight noting such a tail of formulas per worksheet
(`perfxl.grid.tails.unsaved_tail`) so that a sheet without one is never parsed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from perfxl import safety
from perfxl.cli import main
from perfxl.grid.calamine_grid import read_grid
from perfxl.grid.tails import UNKNOWN_ROW, unsaved_tail
from perfxl.read import read_workbook
from perfxl.validate import validate_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FIRST = 2  # the first project sheet's index in the examples (after 封面 and 部门整体绩效目标)
INDICATORS = "/projects/0/indicators"

# (example, its first project's last indicator row, the columns a clerk's value stands in)
STAGES = {
    "targets": ("suying-2023.xlsx", 16, "ABCDFG"),
    "monitoring": ("suying-2023-monitoring.xlsx", 16, "ABCDEFGHI"),
    "evaluation": ("suying-2023-evaluation.xlsx", 18, "ABCDEHI"),
}


def _last_row_as_formulas(tmp_path: Path, stage: str, extra: dict[str, str] | None = None) -> Path:
    """The stage's example with its first project's last indicator row typed as formulas
    (each cell's text as a formula, ``="≥95%"``) by openpyxl, plus ``extra`` cells."""
    example, row, cols = STAGES[stage]
    wb = load_workbook(EXAMPLES / example)
    ws = wb[wb.sheetnames[FIRST]]
    for col in cols:
        value = ws[f"{col}{row}"].value
        ws[f"{col}{row}"] = f'="{value}"' if value is not None else '="见说明"'
    for ref, value in (extra or {}).items():
        ws[ref] = value
    book = tmp_path / example
    wb.save(book)
    return book


def _formula_cells(problems: list) -> list[tuple[str | None, str | None]]:
    return [(p.cell, p.pointer) for p in problems if p.rule == "read.formula_no_value"]


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
@pytest.mark.parametrize("stage", list(STAGES))
def test_a_last_row_of_formulas_is_reported_at_its_cells(
    tmp_path: Path, stage: str, engine: str
) -> None:
    _, row, cols = STAGES[stage]
    book = _last_row_as_formulas(tmp_path, stage)
    res = read_workbook(book, engine=engine)
    assert res.ok
    assert len(res.targets.projects[0].indicators) == 5  # the row holds no value to read
    assert _formula_cells(res.problems) == [(f"{col}{row}", INDICATORS) for col in cols]
    report = validate_file(book)
    sheet = res.sheets[FIRST].name
    at_row = {p.cell: p.rule for p in report.problems if p.sheet == sheet and p.cell}
    assert {c: at_row.get(f"{c}{row}") for c in cols} == dict.fromkeys(
        cols, "read.formula_no_value"
    )


@pytest.mark.parametrize("stage", list(STAGES))
def test_export_says_so_and_exits_1(tmp_path: Path, stage: str) -> None:
    """The row is not dropped without a word: export names its cells (exit 1)."""
    _, row, _ = STAGES[stage]
    book = _last_row_as_formulas(tmp_path, stage)
    out = CliRunner().invoke(main, ["export", str(book)])
    assert out.exit_code == 1, out.output
    assert f"A{row}" in out.stderr and "(read.formula_no_value)" in out.stderr, out.stderr
    assert len(json.loads(out.stdout)["projects"][0]["indicators"]) == 5


def test_the_row_of_formulas_above_a_value_further_down_is_reported(tmp_path: Path) -> None:
    """A note typed to the right of the table further down keeps the row of formulas inside
    the rows read (a blank row below the last indicator): it is looked at too."""
    book = _last_row_as_formulas(tmp_path, "targets", {"I20": "备注：满意度以问卷为准"})
    assert read_grid(book).sheets[FIRST].nrows == 20
    res = read_workbook(book)
    assert _formula_cells(res.problems) == [(f"{c}16", INDICATORS) for c in "ABCDFG"]


def test_a_self_evaluation_total_is_read_from_its_own_row(tmp_path: Path) -> None:
    """The 总分 row follows the row of formulas: 总分 and 自评等级 are its cells (G19, I19),
    not those of the row above the last indicator read."""
    book = _last_row_as_formulas(tmp_path, "evaluation")
    res = read_workbook(book)
    sheet = res.sheets[FIRST].name
    assert res.locations["/projects/0/evaluation/score"] == (sheet, "G19")
    assert res.locations["/projects/0/evaluation/level"] == (sheet, "I19")


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_filled_workbook_is_not_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    """perfxl's own workbooks hold formulas without results in their computed cells (the
    title, 累计进度, the self-evaluation's scores and 总分), each with a value after it or in
    its row: no sheet has a tail of formulas, and none is parsed for one."""
    import perfxl.read as R

    def refuse(*args: object) -> dict[tuple[str, str], str]:
        raise AssertionError("parsed")

    monkeypatch.setattr(R, "unsaved_formulas", refuse)
    book = tmp_path / "book.xlsx"
    shutil.copy(EXAMPLES / STAGES[stage][0], book)
    assert safety.preflight(book).unsaved_tails == {}
    res = read_workbook(book)
    assert res.ok and _formula_cells(res.problems) == []


def test_the_preflight_notes_the_tail_in_memory_and_streaming(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = _last_row_as_formulas(tmp_path, "targets")
    in_memory = safety.preflight(book).unsaved_tails
    assert list(in_memory.values()) == [16]
    monkeypatch.setattr(safety, "IN_MEMORY", 0)  # every part through zipfile, chunk by chunk
    assert safety.preflight(book).unsaved_tails == in_memory
    assert [s.unsaved_tail for s in read_grid(book).sheets][FIRST] == 16


# --- the byte searches, one sheet's XML at a time ---------------------------------------------
def _sheet(rows: str, after: str = "") -> bytes:
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows}</sheetData>{after}</worksheet>"
    ).encode()


_TEXT = '<c r="A{r}" t="inlineStr"><is><t>产出指标</t></is></c>'
_SHARED = '<c r="A{r}" t="s"><v>3</v></c>'
_UNSAVED = '<c r="{c}{r}"><f>"满意度"</f><v></v></c>'
_EMPTY = '<c r="A{r}" s="4" t="n"></c>'
_RICH = '<c r="A{r}" t="inlineStr"><is><r><rPr><family val="2"/></rPr><t>x</t></r></is></c>'
_CHECK = (
    "<dataValidations><dataValidation><formula1>1</formula1></dataValidation></dataValidations>"
)


def _row(r: int, *cells: str) -> str:
    """A row of ``cells`` (``{r}``: the row; ``{c}``: B, C, B ... by place)."""
    body = "".join(c.format(r=r, c="BC"[i % 2]) for i, c in enumerate(cells))
    return f'<row r="{r}">{body}</row>'


@pytest.mark.parametrize(
    ("xml", "tail"),
    [
        (_sheet(_row(1, _TEXT) + _row(2, _SHARED)), 0),  # no formula
        (_sheet(_row(1, _TEXT) + _row(2, _UNSAVED, _UNSAVED)), 2),
        (_sheet(_row(1, _TEXT) + _row(5, _UNSAVED) + _row(6, _EMPTY) + _row(7, _EMPTY)), 5),
        (_sheet(_row(1, _UNSAVED) + _row(2, _TEXT)), 0),  # a value below (perfxl's title)
        (_sheet(_row(1, _UNSAVED) + _row(2, _SHARED)), 0),  # shared strings below
        (_sheet(_row(1, _TEXT) + _row(2, _TEXT, _UNSAVED)), 0),  # a label first (合计, 总分)
        (_sheet(_row(1, _TEXT) + _row(2, '<c r="B2"><f>1+1</f><v>2</v></c>')), 0),  # saved
        (_sheet(_row(1, _TEXT) + _row(2, '<c r="B2" t="str"><f>""</f><v></v></c>')), 2),
        (_sheet(_row(1, _TEXT) + _row(2, '<c r="B2"><f t="shared" si="0"/></c>')), 2),
        (_sheet(_row(1, _TEXT) + '<row r="9"><c><f>1</f></c></row>'), 9),  # the row's number
        (_sheet(_row(1, _RICH)), 0),  # a rich text's <family> is no formula
        (_sheet(_row(1, _TEXT), _CHECK), 0),  # nor is a data validation's
    ],
)
def test_unsaved_tail(xml: bytes, tail: int) -> None:
    assert unsaved_tail(xml) == tail
    assert unsaved_tail(xml, plain=False) == tail


def test_unsaved_tail_of_prefixed_tags_is_the_whole_sheet_below() -> None:
    """Tags with a namespace prefix are not searched byte by byte: a sheet that may hold a
    formula without a result gets `UNKNOWN_ROW` (every row below a table looked at)."""
    unsaved = b'<x:row r="2"><x:c r="B2"><x:f>1</x:f><x:v></x:v></x:c></x:row>'
    saved = b'<x:row r="2"><x:c r="B2"><x:f>1</x:f><x:v>1</x:v></x:c></x:row>'
    assert unsaved_tail(b"<x:sheetData>" + unsaved + b"</x:sheetData>", plain=False) == UNKNOWN_ROW
    assert unsaved_tail(b"<x:sheetData>" + saved + b"</x:sheetData>", plain=False) == 0
