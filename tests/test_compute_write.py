"""``perfxl compute`` on real workbooks: the acceptance figures, what it must not change, the
projects it skips, and safe writes. LibreOffice tests live in test_compute_libreoffice.py."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine
import xlsxwriter
from conftest import EXAMPLE_XLSX
from handshake import STALL, kill_when_ready
from patchfixtures import (
    MAIN,
    add_external_link,
    cell_element,
    parts,
    raw_entries,
    sheet_part,
    tiny_png,
    vba_project_bin,
    without_cells,
)

from perfxl import constants as C
from perfxl import layout as L
from perfxl.model import Targets
from perfxl.write.fill import write_new
from perfxl.write.patch.stamp import stamped_kind

PERFXL = [sys.executable, "-m", "perfxl.cli"]
P1 = "1.“凤还巢”大学生村干部工资及保险"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PERFXL, *map(str, args)], capture_output=True, text=True, check=False)


def calamine_rows(path: Path, sheet: str) -> list[list[Any]]:
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        rows: list[list[Any]] = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        return rows
    finally:
        wb.close()


def percents(path: Path, sheet: str, row: int = 8) -> list[Any]:
    """Row 8, B..E as a value reader sees them, the fraction ×100 to 2 decimals."""
    cells = calamine_rows(path, sheet)[row - 1][1:5]
    return [round(v * 100, 2) if isinstance(v, float) else v for v in cells]


# --- the acceptance ---------------------------------------------------------------------
def test_acceptance_example_project_1_and_7(tmp_path: Path) -> None:
    src = tmp_path / "suying-2023.xlsx"
    src.write_bytes(EXAMPLE_XLSX.read_bytes())
    out = tmp_path / "out.xlsx"
    proc = run("compute", src, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert "已计算 19/19 个项目" in proc.stderr
    assert src.read_bytes() == EXAMPLE_XLSX.read_bytes()  # -o leaves the source alone
    assert percents(out, P1) == [25.03, 49.94, 74.97, 100.00]
    p7 = next(
        n
        for n in python_calamine.CalamineWorkbook.from_path(str(out)).sheet_names
        if n.startswith("7.")
    )
    assert percents(out, p7) == [0.00, 50.00, 50.00, 100.00]
    # the formulas stay, formatted as percentages
    ws = openpyxl.load_workbook(out)[P1]
    assert ws["B8"].value == '=IF(N($C$4)=0,"",ROUND(N(B7)/$C$4,4))'
    assert ws["B8"].number_format == "0.00%"
    # the cover shows figures without a recalculation
    cover = calamine_rows(out, C.COVER_SHEET)
    first = cover[L.COVER_FIRST_PROJECT_ROW - 1]
    assert first[1:11] == [
        "“凤还巢”大学生村干部工资及保险",
        "13052923P00584011066Q",
        8.39,
        8.39,
        0.0,
        2.1,
        4.19,
        6.29,
        8.39,
        1.0,
    ]
    total = next(r for r in cover if r[1] == C.COVER_TOTAL)
    assert [round(x, 2) for x in total[3:10]] == [
        635.72,
        635.72,
        0.0,
        142.9,
        319.49,
        462.38,
        635.72,
    ]
    assert total[10] == 1.0


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """``compute EXAMPLE -o out --format json`` run once: the output and the report."""
    out = tmp_path_factory.mktemp("computed") / "out.xlsx"
    proc = run("compute", EXAMPLE_XLSX, "-o", out, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return out, json.loads(proc.stdout)


def test_json_report_lists_every_project(computed: tuple[Path, dict[str, Any]]) -> None:
    report = computed[1]
    assert len(report["projects"]) == 19 and report["problems"] == []
    assert report["projects"][0]["percents"] == [25.03, 49.94, 74.97, 100.0]
    assert report["projects"][6]["percents"] == [0.0, 50.0, 50.0, 100.0]
    assert report["totals"]["budget"] == 635.72


def test_computing_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    assert run("compute", EXAMPLE_XLSX, "-o", once).returncode == 0
    assert run("compute", once, "-o", twice).returncode == 0
    assert once.read_bytes() == twice.read_bytes()


def test_the_preflights_inflated_sheets_are_taken_only_when_they_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """compute takes the worksheets the preflight inflated (no second inflate) and writes the
    same bytes as when it inflates them itself; a part whose length or CRC differs from the
    zip's own is not taken."""
    from perfxl.grid.calamine_grid import read_grid
    from perfxl.safety import preflight
    from perfxl.write import percentages as P
    from perfxl.write.patch import WorkbookPatch, zipraw

    pre = preflight(EXAMPLE_XLSX, keep_sheets=True)
    assert preflight(EXAMPLE_XLSX).sheets is None
    with zipfile.ZipFile(EXAMPLE_XLSX) as z:
        sheets = {n: z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet")}
    assert pre.sheets == sheets and len(sheets) > 2
    assert read_grid(EXAMPLE_XLSX, keep_sheets=True).sheet_xml == sheets
    assert read_grid(EXAMPLE_XLSX).sheet_xml is None

    name = sorted(sheets)[0]
    wrong = {name: sheets[name].replace(b"<sheetData>", b"<sheetData> ", 1)[:-1]}
    assert len(wrong[name]) == len(sheets[name])  # same length, other CRC
    patch = WorkbookPatch.open(EXAMPLE_XLSX)
    assert patch.pkg.adopt(wrong) == 0 and patch.pkg.read(name) == sheets[name]
    assert patch.pkg.adopt({name: sheets[name][:-1]}) == 0
    assert patch.pkg.adopt({"xl/none.xml": b"", **sheets}) == len(sheets)

    taken: list[int] = []
    adopt = zipraw.ZipSource.adopt
    monkeypatch.setattr(
        zipraw.ZipSource, "adopt", lambda self, parts: taken.append(adopt(self, parts)) or 0
    )
    P.compute_workbook(EXAMPLE_XLSX, tmp_path / "adopted.xlsx")
    assert taken == [len(sheets)]
    monkeypatch.setattr(zipraw.ZipSource, "adopt", lambda self, parts: 0)
    P.compute_workbook(EXAMPLE_XLSX, tmp_path / "inflated.xlsx")
    adopted = (tmp_path / "adopted.xlsx").read_bytes()
    assert adopted == (tmp_path / "inflated.xlsx").read_bytes()
    assert adopted != Path(EXAMPLE_XLSX).read_bytes()


# --- nothing else changes ---------------------------------------------------------------
PROJECT = "1.道路维修"
PROJECT2 = "2.办公经费"


def _project_sheet(wb: Any, name: str, budget: float, plan: list[float | None]) -> Any:
    ws = wb.add_worksheet(name)
    label = wb.add_format({"bold": True, "border": 1, "font_name": "宋体"})
    money = wb.add_format({"num_format": "0.00", "border": 1, "bg_color": "#FFF2CC"})
    pct = wb.add_format({"num_format": "0.00%", "border": 1, "bg_color": "#EDEDED", "locked": True})
    ws.write("A1", f"{name}绩效目标表")
    ws.write("A2", "910001某镇人民政府本级")
    for lab in L.PROJECT_LABELS:
        ws.write(lab.ref, lab.text, label)
    ws.write_string("B3", "13052923P00584011066Q")
    ws.write_string("E3", name.split(".", 1)[1])
    ws.write_number("C4", budget, money)
    ws.write_number("E4", budget, money)
    ws.write_blank("G4", None, money)
    ws.write("B5", "用途")
    amounts = [f.ref for f in L.PROJECT_FIELDS if f.key.startswith("plan/")]
    for ref, pct_ref, v in zip(amounts, L.PROJECT_PERCENT_CELLS, plan, strict=True):
        if v is None:
            ws.write_blank(ref, None, money)
        else:
            ws.write_number(ref, v, money)
        ws.write_formula(pct_ref, f'=IF(N($C$4)=0,"",ROUND(N({ref})/$C$4,4))', pct, 0)
    ws.write("B9", "1.目标一")
    for col, text in enumerate(
        ("产出指标", "数量指标", "维修里程", "维修里程", "≥5公里", "计划标准")
    ):
        ws.write(10, col if col < 4 else col + 1, text)
    return ws


def perfxl_rich_workbook(folder: Path, *, xlsm: bool = False) -> Path:
    """A perfxl workbook (cover + two project sheets, shared strings, xlsxwriter) that also
    carries an image, a chart, a text box, a button, VBA, comments, conditional formats
    (x14 data bar), data validation, defined names, hidden sheets, column widths, print
    settings, a table, hyperlinks and an external link (helpers from patchfixtures)."""
    path = folder / f"乡镇.{'xlsm' if xlsm else 'xlsx'}"
    wb = xlsxwriter.Workbook(str(path))
    cover = wb.add_worksheet(C.COVER_SHEET)
    for lab in L.COVER_LABELS:
        cover.write(lab.ref, lab.text)
    for f, v in zip(
        L.COVER_FIELDS, ("910001", "某镇人民政府本级", 2024, "万元", "2015", "1"), strict=True
    ):
        cover.write(f.ref, v)
    for c, text in enumerate(C.COVER_HEADERS):
        cover.write(L.COVER_HEADER_ROW - 1, c, text)
    refs = ["E3", "B3", "C4", "E4", "G4", "B7", "C7", "D7", "E7"]
    first = L.COVER_FIRST_PROJECT_ROW
    for i, name in enumerate((PROJECT, PROJECT2)):
        r = first + i
        cover.write(r - 1, 0, i + 1)
        for j, ref in enumerate(refs, start=1):
            cover.write_formula(r - 1, j, f"='{name}'!{ref}", None, 0)
        cover.write_formula(r - 1, 10, f'=IF(N(D{r})=0,"",ROUND(N(J{r})/D{r},4))', None, 0)
    tr = first + 2
    cover.write(tr - 1, 1, C.COVER_TOTAL)
    for c in range(3, 10):
        col = "ABCDEFGHIJK"[c]
        cover.write_formula(tr - 1, c, f"=SUM({col}{first}:{col}{tr - 1})", None, 0)
    cover.write_formula(tr - 1, 10, f'=IF(N(D{tr})=0,"",ROUND(N(J{tr})/D{tr},4))', None, 0)
    cover.set_column("B:B", 40)

    ws = _project_sheet(wb, PROJECT, 282.0, [70.5, 141.0, None, 282.0])
    bold = wb.add_format({"bold": True})
    ws.write_formula("I30", "=[1]Sheet1!$A$1", None, 42)
    ws.write_comment("C4", "以万元计", {"author": "张三"})
    ws.write_comment("E3", "项目全称", {"author": "李四"})
    ws.insert_button("I3", {"macro": "Hello", "caption": "运行"})
    ws.insert_image("I5", "seal.png", {"image_data": io.BytesIO(tiny_png())})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": f"='{PROJECT}'!$B$7:$E$7", "name": "计划"})
    ws.insert_chart("I12", chart)
    ws.insert_textbox("I25", "填报说明", {"width": 200, "height": 40})
    ws.conditional_format("B8:E8", {"type": "cell", "criteria": "<", "value": 0.25, "format": bold})
    ws.conditional_format("B7:E7", {"type": "data_bar", "data_bar_2010": True})
    ws.data_validation("B7:E7", {"validate": "decimal", "criteria": ">=", "value": 0})
    ws.set_column("A:A", 14)
    ws.set_column("B:G", 13)
    ws.set_row(4, 30)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.print_area("A1:G30")
    ws.set_header('&C&"宋体,Bold"绩效目标表')
    ws.write_url("A40", "https://example.org/perfxl", string="说明")
    _project_sheet(wb, PROJECT2, 8.39, [2.1, 4.19, 6.29, 8.39])
    wb.define_name("预算数", f"='{PROJECT}'!$C$4")
    wb.define_name(f"'{PROJECT}'!本表进度", f"='{PROJECT}'!$B$8:$E$8")
    detail = wb.add_worksheet("明细")
    detail.add_table("A1:C3", {"data": [["a", 1, 2], ["b", 3, 4]]})
    hidden = wb.add_worksheet("参数")
    hidden.write("A1", "年度")
    hidden.hide()
    vh = wb.add_worksheet("内部")
    vh.write("A1", "perfxl")
    vh.very_hidden()
    if xlsm:
        wb.add_vba_project(str(vba_project_bin(folder)))
        wb.set_vba_name("ThisWorkbook")
    wb.close()
    add_external_link(path)
    return path


WRITTEN = {
    PROJECT: {"B8", "C8", "D8", "E8"},
    PROJECT2: {"B8", "C8", "D8", "E8"},
    C.COVER_SHEET: {f"{c}{r}" for c in "BCDEFGHIJK" for r in (11, 12, 13)} - {"B13", "C13"},
}


STAMP_PARTS = {"[Content_Types].xml", "_rels/.rels"}  # name the stamp's docProps/custom.xml


@pytest.mark.parametrize("xlsm", [False, True], ids=["xlsx", "xlsm"])
def test_compute_changes_only_the_written_cells(tmp_path: Path, xlsm: bool) -> None:
    src = perfxl_rich_workbook(tmp_path, xlsm=xlsm)
    out = tmp_path / f"out{src.suffix}"
    proc = run("compute", src, "-o", out)
    assert proc.returncode == 0, proc.stderr
    before, after = parts(src), parts(out)
    raw_before, raw_after = raw_entries(src), raw_entries(out)
    assert stamped_kind(out) == "compute"  # the copy says it is compute's output
    assert list(before) == [n for n in after if n != "docProps/custom.xml"]  # same order
    if xlsm:
        assert "xl/vbaProject.bin" in before
    written_parts = {sheet_part(src, s) for s in WRITTEN}
    changed = {n for n in before if raw_before[n] != raw_after[n]}
    assert changed == written_parts | STAMP_PARTS
    for name in before.keys() - written_parts - STAMP_PARTS:  # the stored bytes, unchanged
        assert raw_before[name] == raw_after[name], name
    for sheet, refs in WRITTEN.items():
        part = sheet_part(src, sheet)
        assert without_cells(before[part], refs) == without_cells(after[part], refs), sheet
        for ref in refs:  # the written cells keep their formula and style
            old, new = cell_element(before[part], ref), cell_element(after[part], ref)
            assert new.get("s") == old.get("s")
            assert new.find(MAIN + "f") is not None
            assert new.findtext(MAIN + "f") == old.findtext(MAIN + "f")
    assert percents(out, PROJECT) == [25.0, 50.0, 0.0, 100.0]
    assert percents(out, PROJECT2) == [25.03, 49.94, 74.97, 100.0]
    cover = calamine_rows(out, C.COVER_SHEET)
    assert cover[12][1] == C.COVER_TOTAL
    assert cover[12][3:11] == [290.39, 290.39, 0.0, 72.6, 145.19, 6.29, 290.39, 1.0]


# --- what is skipped, and why -------------------------------------------------------------
def _book(tmp_path: Path, data: dict[str, Any], edit: Any = None) -> Path:
    path = tmp_path / "book.xlsx"
    write_new(Targets.from_dict(data), path)
    if edit is not None:  # staff edits made with openpyxl
        wb = openpyxl.load_workbook(path)
        edit(wb)
        wb.save(path)
    return path


def test_not_numbers_and_blank_budget_skip_only_those_projects(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    data = copy.deepcopy(example_data)
    data["projects"][1]["plan"]["jun"] = "五十一万"
    data["projects"][2]["budget"] = None
    src = _book(tmp_path, data)
    out = tmp_path / "out.xlsx"
    proc = run("compute", src, "-o", out, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    sheets = [p["sheet"] for p in report["projects"]]
    got = [(p["rule"], p["sheet"], p["cell"], p["pointer"], p["value"]) for p in report["problems"]]
    assert got == [
        ("compute.not_numbers", sheets[1], "C7", "/projects/1/plan/jun", "五十一万"),
        ("compute.no_budget", sheets[2], "C4", "/projects/2/budget", None),
    ]
    assert "五十一万" in proc.stderr and "不是数字" in proc.stderr
    assert [p["percents"] is None for p in report["projects"]] == [i in (1, 2) for i in range(19)]
    assert percents(out, sheets[0]) == [25.03, 49.94, 74.97, 100.00]
    assert percents(out, sheets[1]) == ["", "", "", ""]  # no stale figure
    assert percents(out, sheets[2]) == ["", "", "", ""]
    assert percents(out, sheets[18]) == [25.0, 50.0, 75.0, 100.0]
    cover = calamine_rows(out, C.COVER_SHEET)
    assert cover[L.COVER_FIRST_PROJECT_ROW][7] == "五十一万"  # the reference's value, as is
    assert cover[L.COVER_FIRST_PROJECT_ROW][10] == ""  # no 12月底 percentage for it


def test_amount_typed_as_text_is_skipped_because_the_formula_would_see_0(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    def edit(wb: Any) -> None:
        ws = wb.worksheets[2]
        ws["B7"] = "2.10"  # text that reads as a number
        ws["B7"].data_type = "s"

    src = _book(tmp_path, example_data, edit)
    out = tmp_path / "out.xlsx"
    proc = run("compute", src, "-o", out, "--format", "json")
    assert proc.returncode == 1
    rules = [(p["rule"], p["cell"], p["value"]) for p in json.loads(proc.stdout)["problems"]]
    assert rules == [("compute.amount_text", "B7", "2.10")]


def test_overwritten_and_changed_formulas(tmp_path: Path, example_data: dict[str, Any]) -> None:
    def edit(wb: Any) -> None:
        wb.worksheets[2]["B8"] = 0.9  # staff typed over the formula
        wb.worksheets[2]["B8"].number_format = "General"
        wb.worksheets[3]["C8"] = "=C7*2"  # staff changed the formula

    src = _book(tmp_path, example_data, edit)
    out = tmp_path / "out.xlsx"
    proc = run("compute", src, "-o", out, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    problems = json.loads(proc.stdout)["problems"]
    assert [(p["rule"], p["cell"], p["value"]) for p in problems] == [
        ("compute.formula_changed", "C8", "C7*2")
    ]
    wb = openpyxl.load_workbook(out)
    b8 = wb.worksheets[2]["B8"]
    assert b8.value == pytest.approx(0.2503) and b8.number_format == "0.00%"
    assert wb.worksheets[3]["C8"].value == "=C7*2"
    assert percents(out, wb.sheetnames[2]) == [25.03, 49.94, 74.97, 100.00]


# --- safe writes ----------------------------------------------------------------------------
def test_in_place_keeps_a_backup(tmp_path: Path) -> None:
    book = tmp_path / "苏营镇.xlsx"
    book.write_bytes(EXAMPLE_XLSX.read_bytes())
    proc = run("compute", book, "--in-place")
    assert proc.returncode == 0, proc.stderr
    bak = tmp_path / "苏营镇.bak.xlsx"
    assert bak.read_bytes() == EXAMPLE_XLSX.read_bytes()
    assert "苏营镇.bak.xlsx" in proc.stderr
    assert percents(book, P1) == [25.03, 49.94, 74.97, 100.00]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["苏营镇.bak.xlsx", "苏营镇.xlsx"]


def test_the_api_replaces_no_file_of_the_users(tmp_path: Path) -> None:
    """`compute_workbook` keeps the command's rule for ``out``: a unit's own workbook there is
    refused (nothing read or written), its own earlier output is replaced, ``overwrite=True``
    replaces the other and keeps it as ``OUT.bak.xlsx``; ``out`` naming the book itself is an
    in-place write with its backup."""
    from perfxl.errors import OutputExistsError
    from perfxl.write.percentages import compute_workbook

    book = tmp_path / "苏营镇.xlsx"
    book.write_bytes(EXAMPLE_XLSX.read_bytes())
    theirs = tmp_path / "苏营镇-进度.xlsx"
    mine = b"PK\x03\x04 the unit's own workbook, not perfxl's output"
    theirs.write_bytes(mine)
    with pytest.raises(OutputExistsError) as refused:
        compute_workbook(book, theirs)
    assert refused.value.exit_code == 2
    assert "overwrite=True" in str(refused.value) and "苏营镇-进度.bak.xlsx" in str(refused.value)
    assert theirs.read_bytes() == mine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["苏营镇-进度.xlsx", "苏营镇.xlsx"]

    compute_workbook(book, theirs, overwrite=True)
    assert (tmp_path / "苏营镇-进度.bak.xlsx").read_bytes() == mine
    assert percents(theirs, P1) == [25.03, 49.94, 74.97, 100.00]
    assert stamped_kind(theirs) == "compute"
    first, inode = theirs.read_bytes(), theirs.stat().st_ino
    compute_workbook(book, theirs)  # its own output, untouched: replaced without a word
    assert theirs.read_bytes() == first and theirs.stat().st_ino != inode  # written anew
    assert (tmp_path / "苏营镇-进度.bak.xlsx").read_bytes() == mine  # not made again

    again = tmp_path / "sub" / ".." / "苏营镇.xlsx"  # the book, spelled another way
    (tmp_path / "sub").mkdir()
    compute_workbook(book, again)
    assert (tmp_path / "苏营镇.bak.xlsx").read_bytes() == EXAMPLE_XLSX.read_bytes()
    assert percents(book, P1) == [25.03, 49.94, 74.97, 100.00]


def test_the_command_reads_its_earlier_output_once_to_replace_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command decides that its own earlier output may be replaced (its stamp read); the
    API's `compute_workbook` inside it takes that decision rather than reading the file again
    (`perfxl.write.patch.safeio.stamping`)."""
    from click.testing import CliRunner

    from perfxl.cli import main
    from perfxl.write.patch import stamp

    book, out = tmp_path / "苏营镇.xlsx", tmp_path / "进度.xlsx"
    book.write_bytes(EXAMPLE_XLSX.read_bytes())
    runner = CliRunner()
    assert runner.invoke(main, ["compute", str(book), "-o", str(out)]).exit_code == 0
    read: list[Path] = []
    real = stamp.stamped_kind
    monkeypatch.setattr(stamp, "stamped_kind", lambda p: read.append(Path(p)) or real(p))
    r = runner.invoke(main, ["compute", str(book), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert read == [out]
    assert not (tmp_path / "进度.bak.xlsx").exists()  # its own output: no backup
    out.write_bytes(b"PK\x03\x04 typed over by a clerk")
    r = runner.invoke(main, ["compute", str(book), "-o", str(out)])
    assert r.exit_code == 2 and "--overwrite" in r.output
    assert out.read_bytes() == b"PK\x03\x04 typed over by a clerk"


def test_refuses_a_workbook_open_in_excel(tmp_path: Path) -> None:
    book = tmp_path / "苏营镇.xlsx"
    book.write_bytes(EXAMPLE_XLSX.read_bytes())
    (tmp_path / "~$苏营镇.xlsx").write_bytes(b"owner")
    proc = run("compute", book, "--in-place")
    assert proc.returncode == 2
    assert "~$苏营镇.xlsx" in proc.stderr and "关闭" in proc.stderr
    assert book.read_bytes() == EXAMPLE_XLSX.read_bytes()
    assert not (tmp_path / "苏营镇.bak.xlsx").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([], "二选一"),
        (["-o", "x.xlsx", "--in-place"], "二选一"),
        (["-o", "x.xlsm"], "扩展名"),
    ],
)
def test_usage_errors_exit_2_and_write_nothing(
    tmp_path: Path, args: list[str], needle: str
) -> None:
    book = tmp_path / "b.xlsx"
    book.write_bytes(EXAMPLE_XLSX.read_bytes())
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    proc = run("compute", book, *args)
    assert proc.returncode == 2 and needle in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.xlsx"]


def test_not_a_workbook_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip at all")
    proc = run("compute", bad, "-o", tmp_path / "out.xlsx")
    assert proc.returncode == 2 and "错误" in proc.stderr
    assert not (tmp_path / "out.xlsx").exists()


# The child runs ``perfxl compute BOOK --in-place`` and stops at one designed moment of the
# safe write (seen through os.write / os.replace on the backup and the workbook), where the
# parent kills it (tests/handshake.py).
KILL_CHILD = (
    STALL
    + r"""
import os, runpy, stat, sys
from pathlib import Path

book, point = Path(sys.argv[1]).resolve(), sys.argv[2]
bak = book.with_name(f"{book.stem}.bak{book.suffix}")
backup_renamed = False
real_write, real_replace = os.write, os.replace


def write(fd, data):
    if stat.S_ISREG(os.fstat(fd).st_mode):  # a file, not the pipes
        phase = "workbook" if backup_renamed else "backup"
        if point == f"{phase}-half-written":
            real_write(fd, bytes(data[: len(data) // 2]))
            stall()
    return real_write(fd, data)


def replace(src, dst, **kw):
    global backup_renamed
    dst = Path(dst).resolve()
    if dst == book and point == "before-workbook-rename":
        stall()
    real_replace(src, dst, **kw)
    if dst == bak:
        backup_renamed = True
        if point == "backup-renamed":
            stall()
    if dst == book and point == "after-workbook-rename":
        stall()


os.write, os.replace = write, replace
sys.argv = ["perfxl", "compute", str(book), "--in-place"]
try:
    runpy.run_module("perfxl.cli", run_name="__main__", alter_sys=True)
finally:
    if point == "after-exit":
        stall()
"""
)
# kill point -> what the workbook must then be, and its backup (None: not there)
KILL_POINTS = {
    "backup-half-written": ("original", None),
    "backup-renamed": ("original", "original"),
    "workbook-half-written": ("original", "original"),
    "before-workbook-rename": ("original", "original"),
    "after-workbook-rename": ("computed", "original"),
    "after-exit": ("computed", "original"),
}


def test_the_kill_points_produce_both_outcomes() -> None:
    assert {book for book, _ in KILL_POINTS.values()} == {"original", "computed"}


@pytest.fixture(scope="module")
def computed_example(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The example computed in place, as the killed child computes it (``-o`` also stamps
    the copy as compute's output, `perfxl.write.patch.stamp`)."""
    book = tmp_path_factory.mktemp("in-place") / "b.xlsx"
    book.write_bytes(EXAMPLE_XLSX.read_bytes())
    proc = run("compute", book, "--in-place")
    assert proc.returncode == 0, proc.stderr
    return book.read_bytes()


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_kill_during_in_place_compute_leaves_a_whole_file(
    tmp_path: Path, point: str, computed_example: bytes
) -> None:
    """SIGKILL at each designed moment: the book is the original or the computed one."""
    folder = tmp_path / "books"
    folder.mkdir()
    book = folder / "b.xlsx"
    original = EXAMPLE_XLSX.read_bytes()
    book.write_bytes(original)
    kill_when_ready([sys.executable, "-c", KILL_CHILD, str(book), point], tmp_path / "child.log")
    outcomes = {"original": original, "computed": computed_example}
    data = book.read_bytes()
    assert data in (original, computed_example), f"half-written when killed at {point}"
    want_book, want_bak = KILL_POINTS[point]
    assert data == outcomes[want_book]
    with zipfile.ZipFile(book) as z:
        assert z.testzip() is None
    bak = folder / "b.bak.xlsx"
    if want_bak is None:
        assert not bak.exists()
    else:
        assert bak.read_bytes() == outcomes[want_bak]


def test_decimal_values_in_report_match_cells(computed: tuple[Path, dict[str, Any]]) -> None:
    """perfxl's own numbers (JSON) and the cells agree for every project of the example."""
    out, report = computed
    for p in report["projects"]:
        cells = calamine_rows(out, p["sheet"])[7][1:5]
        assert [Decimal(repr(v)) * 100 for v in cells] == [Decimal(str(x)) for x in p["percents"]]


def test_a_workbook_without_project_sheets_exits_2(tmp_path: Path) -> None:
    from patchfixtures import openpyxl_workbook

    src = openpyxl_workbook(tmp_path)
    before = src.read_bytes()
    proc = run("compute", src, "--in-place")
    assert proc.returncode == 2 and "没有项目绩效目标表" in proc.stderr
    assert src.read_bytes() == before
    assert not (tmp_path / "openpyxl.bak.xlsx").exists()
