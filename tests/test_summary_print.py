"""The county summary prints as a reviewer would accept it (issue 11, point 17): A3 landscape,
one page wide, the header row on every page, wrapped messages, file names relative to the
input folder; rendered by LibreOffice, no text under 7 pt and no message cut off."""

from __future__ import annotations

import copy
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from books import sheet_rows
from conftest import convert
from pdfboxes import pages

from perfxl.consolidate import Options, consolidate
from perfxl.consolidate import columns as K
from perfxl.model import Targets
from perfxl.write.fill import write_new

TABLES = (K.SUMMARY, K.UNITS, K.INDICATORS, K.PROBLEMS, K.FILES)
TOWNS = ("巨鹿镇", "王虎寨镇", "西郭城镇")


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, example_data: dict[str, Any]) -> Path:
    """Three townships (the example under three codes) and the list of expected units."""
    folder = tmp_path_factory.mktemp("print") / "收件箱"
    folder.mkdir()
    lines = ["unit_code,unit_name"]
    for i, town in enumerate(TOWNS, start=1):
        data = copy.deepcopy(example_data)
        code = f"91000{i}"
        data["unit"] = {"code": code, "name": f"巨鹿县{town}人民政府本级"}
        for k, p in enumerate(data["projects"]):
            p["code"] = f"13052923P{i:02d}{k:09d}X"
        write_new(Targets.from_dict(data), folder / f"{code}-{town}.xlsx")
        lines.append(f"{code},巨鹿县{town}人民政府本级")
    lines.append("910009,巨鹿县观寨乡人民政府本级")  # missing: a consolidation problem
    (folder / "units.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def summary(county: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("summary") / "汇总.xlsx"
    consolidate([county.resolve()], out, Options(expected=county / "units.csv", jobs=1))
    return out


def _parts(book: Path) -> dict[str, str]:
    """Sheet name -> its worksheet XML, plus the workbook XML under ''."""
    with zipfile.ZipFile(book) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels))
        targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="(rId\d+)"', rels)})
        out = {"": wb}
        for name, rid in re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"', wb):
            out[name] = z.read("xl/" + targets[rid].lstrip("/").removeprefix("xl/")).decode()
        out["styles"] = z.read("xl/styles.xml").decode()
    return out


def test_every_table_prints_a3_landscape_one_page_wide_with_titles(summary: Path) -> None:
    parts = _parts(summary)
    for table in TABLES:
        xml = parts[table.sheet]
        setup = re.search(r"<pageSetup [^>]*/>", xml)
        assert setup, table.sheet
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', setup.group(0)))
        assert attrs["paperSize"] == "8", table.sheet  # A3
        assert attrs["orientation"] == "landscape", table.sheet
        assert attrs.get("fitToWidth", "1") == "1", table.sheet
        assert attrs["fitToHeight"] == "0", table.sheet  # as many pages tall as needed
        assert '<pageSetUpPr fitToPage="1"/>' in xml, table.sheet
        titles = (
            rf'<definedName name="_xlnm.Print_Titles" localSheetId="\d+">{table.sheet}!\$1:\$1<'
        )
        assert re.search(titles, parts[""]), table.sheet
    # the link addresses are for the screen: 校验问题 prints up to 值
    last = chr(ord("A") + K.PROBLEMS.index("value"))
    area = rf"<definedName name=\"_xlnm.Print_Area\" localSheetId=\"\d+\">{K.PROBLEMS.sheet}!\$A\$1:\${last}\$"
    assert re.search(area, parts[""])


def test_messages_and_names_wrap(summary: Path) -> None:
    parts = _parts(summary)
    xfs = re.findall(
        r"<xf [^>]*?(?:/>|>.*?</xf>)",
        re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", parts["styles"], re.S).group(1),  # type: ignore[union-attr]
        re.S,
    )
    # the data rows' cells carry no reference: each follows the one before
    first = re.search(r"</row><row[^>]*>(.*?)</row>", parts[K.PROBLEMS.sheet])
    assert first is not None
    cells = re.findall(r"<c( [^>]*?)(?:/>|>)", first.group(1))
    assert len(cells) > K.PROBLEMS.index("message") and not any(' r="' in c for c in cells)
    style = re.search(r's="(\d+)"', cells[K.PROBLEMS.index("message")])
    assert style and 'wrapText="1"' in xfs[int(style.group(1))]
    # rows holding a long message are tall enough for it (LibreOffice grows no row itself)
    heights = [float(h) for h in re.findall(r'<row[^>]* ht="([\d.]+)"', parts[K.PROBLEMS.sheet])]
    assert heights and max(heights) >= 40


def test_file_names_are_relative_to_the_input_folder(summary: Path, county: Path) -> None:
    base = str(county.resolve())
    names = {p.name for p in county.glob("*.xlsx")}
    for table in TABLES:
        rows = sheet_rows(summary, table.sheet)
        i = table.index("source_file")
        shown = {r[i] for r in rows[1:] if r[i]}
        assert shown, table.sheet
        assert shown <= names, (table.sheet, shown - names)
        assert not any(base in str(v) for r in rows for v in r if table is not K.PROBLEMS), (
            table.sheet
        )
    # the machine column keeps the full path; the 说明 sheet names the folder
    problems = sheet_rows(summary, K.PROBLEMS.sheet)
    links = [r[K.PROBLEMS.index("link")] for r in problems[1:] if r[K.PROBLEMS.index("link")]]
    assert links and all(str(link).startswith(base) for link in links)
    readme = {r[0]: r[1] for r in sheet_rows(summary, K.README_SHEET) if len(r) > 1}
    assert readme[K.README_FOLDER] == base


def test_a_summary_read_back_gets_the_full_paths(
    summary: Path, county: Path, tmp_path: Path
) -> None:
    again = consolidate([summary], tmp_path / "again.xlsx", Options(jobs=1))
    i = K.SUMMARY.index("source_file")
    paths = {r[i] for r in again.summary if r[0] == K.ROW_PROJECT}
    assert paths == {str(county.resolve() / f"91000{n}-{t}.xlsx") for n, t in enumerate(TOWNS, 1)}


# --- rendered -------------------------------------------------------------------------------
def _reference(folder: Path) -> Path:
    """A sheet with 10 pt text printed at 100 %: how tall pdftotext's boxes of 10 pt are."""
    import xlsxwriter

    path = folder / "reference.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"default_format_properties": {"font_size": 10}})
    ws = wb.add_worksheet()
    ws.write_string(0, 0, "单位名称 abc 123")
    wb.close()
    return path


@pytest.mark.libreoffice
def test_printed_text_is_at_least_7_pt_and_no_message_is_cut(summary: Path, tmp_path: Path) -> None:
    book = tmp_path / "s.xlsx"
    book.write_bytes(summary.read_bytes())
    pdf, ref = convert([book, _reference(tmp_path)], "pdf", tmp_path)
    box_per_pt = max(w.height for page in pages(ref) for w in page) / 10
    printed = pages(pdf)
    smallest = min(w.height for page in printed for w in page) / box_per_pt
    assert smallest >= 7, f"smallest printed text {smallest:.1f} pt"
    # every message (the last row too) is printed whole, not cut at the column's edge
    text = re.sub(
        r"\s+",
        "",
        subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True).stdout,
    )
    messages = {r[K.PROBLEMS.index("message")] for r in sheet_rows(book, K.PROBLEMS.sheet)[1:]}
    assert len(messages) > 10
    cut = [m for m in messages if re.sub(r"\s+", "", m) not in text]
    assert cut == []
