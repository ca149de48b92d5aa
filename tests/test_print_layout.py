"""What a person sees on the standard workbook: a blank cover row is blank, long names wrap
and their rows grow so that nothing prints over its neighbour (issue 11, points 15 and 16)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine
from conftest import convert
from pdfboxes import overlapping, pages

from perfxl import constants as C
from perfxl import layout as L
from perfxl.model import Indicator, Project, Targets
from perfxl.read import read_workbook
from perfxl.write.fill import write_new
from perfxl.write.percentages import compute_workbook

LONG_NAME = "冀财预2022年85号提前下达2023年革命老区转移支付资金（苏营镇道路）及配套附属设施改造工程"
LONG_TEXT = "按照县财政局和乡镇党委政府的统一部署，对辖区内道路维修建造的平米数进行实地测量和核实"
CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def _targets() -> Targets:
    full = Project(
        code="13052923P00584011659F",
        name=LONG_NAME,
        budget=282,
        fiscal_funds=282,
        purpose="修建道路",
        goals=["1.提升革命老区影响力"],
        indicators=[
            Indicator(
                level1="产出指标",
                level2="数量指标",
                level3="道路维修建造平米数",
                description=LONG_TEXT,
                target="≥4000平米",
                basis=LONG_TEXT,
            )
        ],
    )
    blank = Project(budget=10)  # no name, no code yet
    t = Targets(year=2023, projects=[full, blank])
    t.unit.code, t.unit.name = "910001", "巨鹿县苏营镇人民政府本级"
    return t


@pytest.fixture
def book(tmp_path: Path) -> Path:
    out = tmp_path / "book.xlsx"
    write_new(_targets(), out)
    return out


def _cover_rows(path: Path) -> list[list[Any]]:
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        rows: list[list[Any]] = wb.get_sheet_by_name(C.COVER_SHEET).to_python(skip_empty_area=False)
    finally:
        wb.close()
    first = L.COVER_FIRST_PROJECT_ROW - 1
    return rows[first : first + 2]


def _numeric_code(book: Path) -> None:
    """Staff typed the second project's code as a number (the cell loses its text format)."""
    wb = openpyxl.load_workbook(book)
    ws = wb[wb.sheetnames[3]]
    ws["B3"].value = 12345
    ws["B3"].number_format = "General"
    wb.save(book)


# --- point 15: the cover ----------------------------------------------------------------------
def test_cover_shows_blank_for_a_blank_name_and_code(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "computed.xlsx"
    compute_workbook(book, out)
    full, blank = _cover_rows(out)
    assert full[1:3] == [LONG_NAME, "13052923P00584011659F"]
    assert blank[1:3] == ["", ""]  # was 0 and 0
    assert blank[3] == 10  # amounts still show
    # the reader still reads the cover (unit, year) and both projects
    read = read_workbook(out)
    assert read.ok
    assert (read.targets.unit.code, read.targets.year) == ("910001", 2023)
    assert [p.name for p in read.targets.projects] == [LONG_NAME, None]


def test_cover_shows_a_code_typed_as_a_number(book: Path, tmp_path: Path) -> None:
    _numeric_code(book)
    out = tmp_path / "computed.xlsx"
    compute_workbook(book, out)
    assert _cover_rows(out)[1][1:3] == ["", 12345]


@pytest.mark.libreoffice
def test_libreoffice_computes_the_cover_blank_and_numbers(book: Path, tmp_path: Path) -> None:
    _numeric_code(book)
    outdir = tmp_path / "csv"
    outdir.mkdir()
    convert([book], CSV_ALL_SHEETS, outdir)
    with (outdir / f"book-{C.COVER_SHEET}.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    first = L.COVER_FIRST_PROJECT_ROW - 1
    assert rows[first][1:4] == [LONG_NAME, "13052923P00584011659F", "282.00"]
    assert rows[first + 1][1:4] == ["", "12345", "10.00"]


# --- point 16: long names ---------------------------------------------------------------------
def test_rows_with_long_texts_are_tall_enough_to_wrap(book: Path) -> None:
    ws = openpyxl.load_workbook(book)[f"1.{LONG_NAME}"[:31]]
    name = next(f for f in L.PROJECT_FIELDS if f.key == "name")
    assert ws[name.ref].alignment.wrap_text
    name_row = ws.row_dimensions[int(name.ref[1:])].height
    assert name_row is not None and name_row >= 2 * 14  # two lines of 10.5 pt at least
    title_row = ws.row_dimensions[1].height
    assert title_row is not None and title_row >= 2 * 20  # the title wraps too (16 pt)
    indicator_row = ws.row_dimensions[L.INDICATOR_FIRST_ROW].height
    assert indicator_row is not None and indicator_row >= 3 * 14


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The long-text book and the committed example, printed by one LibreOffice run."""
    from conftest import EXAMPLE_XLSX

    folder = tmp_path_factory.mktemp("printed")
    book = folder / "book.xlsx"
    write_new(_targets(), book)
    src = folder / "suying.xlsx"
    src.write_bytes(EXAMPLE_XLSX.read_bytes())
    book_pdf, src_pdf = convert([book, src], "pdf", folder / "pdf")
    return {"book": book_pdf, "suying": src_pdf}


@pytest.mark.libreoffice
def test_nothing_prints_over_anything_else(printed: dict[str, Path]) -> None:
    """Printed by LibreOffice, no word box of any page overlaps another one."""
    printed_pages = pages(printed["book"])
    assert any(LONG_NAME[:10] in w.text for page in printed_pages for w in page)
    for number, words in enumerate(printed_pages, start=1):
        assert overlapping(words) == [], f"page {number}"


@pytest.mark.libreoffice
def test_example_sheet_6_prints_without_overlap(printed: dict[str, Path]) -> None:
    """The committed example's long project name (sheet 6) no longer covers 单位：万元."""
    page = next(
        p for p in pages(printed["suying"]) if any(w.text.startswith("冀财预2022年85号") for w in p)
    )
    assert overlapping(page) == []
