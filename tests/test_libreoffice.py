"""LibreOffice headless, an independent spreadsheet engine, opens what perfxl writes."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from conftest import convert

from perfxl.write.fill import template

CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"  # as shown, every sheet

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory, example_book: Path) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("lo")
    tpl = d / "template.xlsx"
    template(tpl, projects=3, unit_code="910001", unit_name="某镇", year=2024)
    book = d / "suying.xlsx"
    book.write_bytes(example_book.read_bytes())
    pdfs = convert([tpl, book], "pdf", d)
    csvs = convert([tpl, book], CSV_ALL_SHEETS, d)
    return {"dir": d, "pdfs": pdfs, "csvs": csvs}


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_pdf_is_written_for_template_and_example(converted: dict[str, Any]) -> None:
    pdfs = converted["pdfs"]
    assert {p.name for p in pdfs} == {"template.pdf", "suying.pdf"}
    for p in pdfs:
        assert p.read_bytes()[:5] == b"%PDF-" and p.stat().st_size > 10_000


def test_every_sheet_converts_to_csv(converted: dict[str, Any]) -> None:
    names = {p.name for p in converted["csvs"]}
    assert "template-项目1.csv" in names and "template-封面.csv" in names
    assert sum(n.startswith("suying-") for n in names) == 21  # cover, part one, 19 projects


def test_libreoffice_computes_the_percentage_formulas(
    converted: dict[str, Any], example_data: dict[str, Any]
) -> None:
    d: Path = converted["dir"]
    p1 = _rows(d / "suying-1.“凤还巢”大学生村干部工资及保险.csv")
    assert p1[0][0] == "“凤还巢”大学生村干部工资及保险绩效目标表"  # the title formula
    assert p1[7][1:5] == ["25.03%", "49.94%", "74.97%", "100.00%"]
    p7 = next(p for p in converted["csvs"] if p.name.startswith("suying-7."))
    assert _rows(p7)[7][1:5] == ["0.00%", "50.00%", "50.00%", "100.00%"]
    cover = _rows(d / "suying-封面.csv")
    total = next(r for r in cover if r[1] == "合计")
    assert total[3] == "635.72"
    assert [r[2] for r in cover[10:29]] == [p["code"] for p in example_data["projects"]]
