"""Writing cell values back into the zip: values land, nothing else moves."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import patchfixtures as pf
import pytest
import python_calamine
import xlsxwriter

from perfxl.write.patch import (
    CellRefError,
    CellWrite,
    FormulaCellError,
    SheetNotFoundError,
    UnsupportedValueError,
    WorkbookPatch,
    write_cells,
)

P = pf.PROJECT

# What the rich workbook gets: plan amounts, cached percentages, text, new cells.
PLAN = [10.0, 35.5, 70.25, 100.0]
RICH_WRITES = [
    *(CellWrite(P, f"{c}9", v) for c, v in zip("ABCD", PLAN, strict=True)),
    *(CellWrite(P, f"{c}10", v / 100, formula="keep") for c, v in zip("ABCD", PLAN, strict=True)),
    CellWrite(P, "B3", "水利工程"),
    CellWrite(P, "E9", "=SUM(A9:D9)"),
    CellWrite(P, "A30", True),
    CellWrite(P, "G30", dt.date(2024, 12, 31), number_format="yyyy-mm-dd"),
    CellWrite(P, "B5", 0.8, number_format="0.0%"),
]
RICH_REFS = {w.cell for w in RICH_WRITES}


def values(path: Path, sheet: str) -> list[list[object]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def at(grid: list[list[object]], ref: str) -> object:
    m = re.match(r"([A-Z]+)(\d+)$", ref)
    assert m
    row, col = int(m.group(2)) - 1, ord(m.group(1)) - 65
    return grid[row][col] if row < len(grid) and col < len(grid[row]) else ""


@pytest.mark.parametrize("xlsm", [False, True], ids=["xlsx", "xlsm"])
def test_only_the_sheet_and_styles_change(tmp_path: Path, xlsm: bool) -> None:
    src = pf.rich_workbook(tmp_path, xlsm=xlsm)
    out = tmp_path / f"out{src.suffix}"
    result = write_cells(src, RICH_WRITES, out=out)

    sheet = pf.sheet_part(src, P)
    assert set(result.changed_parts) == {sheet, "xl/styles.xml"}
    assert result.removed_parts == ()
    assert pf.names(out) == pf.names(src)
    before, after = pf.raw_entries(src), pf.raw_entries(out)
    for name in pf.names(src):
        if name not in result.changed_parts:
            assert after[name] == before[name], name  # same compressed bytes, time, method
        else:
            assert after[name][1] == before[name][1], name  # time stamp kept
    if xlsm:
        assert pf.parts(out)["xl/vbaProject.bin"] == pf.parts(src)["xl/vbaProject.bin"]


@pytest.mark.parametrize("xlsm", [False, True], ids=["xlsx", "xlsm"])
def test_sheet_xml_differs_only_in_written_cells(tmp_path: Path, xlsm: bool) -> None:
    src = pf.rich_workbook(tmp_path, xlsm=xlsm)
    out = tmp_path / f"out{src.suffix}"
    write_cells(src, RICH_WRITES, out=out)
    part = pf.sheet_part(src, P)
    old, new = pf.parts(src)[part], pf.parts(out)[part]
    assert pf.without_cells(old, RICH_REFS) == pf.without_cells(new, RICH_REFS)
    # Stronger: outside <sheetData> the text is byte-identical but for <dimension>.
    dim = re.compile(rb"<dimension [^>]*/>")
    head_old, _, tail_old = old.partition(b"<sheetData>")
    head_new, _, tail_new = new.partition(b"<sheetData>")
    assert dim.sub(b"", head_old) == dim.sub(b"", head_new)
    assert tail_old.partition(b"</sheetData>")[2] == tail_new.partition(b"</sheetData>")[2]
    assert b'<dimension ref="A1:G30"/>' in new


def test_values_read_back(tmp_path: Path) -> None:
    src = pf.rich_workbook(tmp_path)
    out = tmp_path / "out.xlsx"
    write_cells(src, RICH_WRITES, out=out)
    grid = values(out, P)
    assert [at(grid, f"{c}9") for c in "ABCD"] == PLAN
    assert [at(grid, f"{c}10") for c in "ABCD"] == [v / 100 for v in PLAN]  # cached results
    assert at(grid, "B3") == "水利工程"
    assert at(grid, "E9") == "=SUM(A9:D9)"  # text, not a formula
    assert at(grid, "A30") is True
    assert at(grid, "G30") == dt.date(2024, 12, 31)
    assert at(grid, "B5") == 0.8
    assert at(grid, "B6") == 20.0  # untouched formula keeps its cached value

    wb = openpyxl.load_workbook(out)
    ws = wb[P]
    assert ws["A10"].value == "=A9/$B$4"  # formula kept
    assert ws["E9"].data_type == "s"
    assert ws["B5"].number_format == "0.0%"
    assert ws["B5"].border.left.style == "thin"  # derived from the cell's own xf
    assert ws["B5"].font.color.rgb == "FF1F4E79"
    assert ws["A9"].fill.fgColor.rgb == "FFFFF2CC"  # existing styled blank cell keeps style
    assert ws["A3"].comment.text == "请填写项目全称"
    assert ws.data_validations.dataValidation
    assert wb.defined_names["预算数"].attr_text == f"'{P}'!$B$4"
    assert wb["参数"].sheet_state == "hidden"
    assert wb["内部"].sheet_state == "veryHidden"
    assert ws.column_dimensions["A"].width == pytest.approx(20.7109375)
    assert ws.page_setup.orientation == "landscape"

    ro = openpyxl.load_workbook(out, read_only=True)
    rows = {
        c.coordinate: c.value for row in ro[P].iter_rows() for c in row if hasattr(c, "coordinate")
    }
    assert rows["A30"] is True  # dimension widened, so read_only sees the new row
    assert rows["G30"] == dt.datetime(2024, 12, 31)


def test_formula_cells_need_a_decision(tmp_path: Path) -> None:
    src = pf.rich_workbook(tmp_path)
    with pytest.raises(FormulaCellError, match="formula='keep'") as info:
        write_cells(src, [CellWrite(P, "B6", 5)], out=tmp_path / "x.xlsx")
    assert info.value.cell == "B6" and info.value.sheet == P
    with pytest.raises(FormulaCellError):
        write_cells(src, [CellWrite(P, "B4", 5, formula="keep")], out=tmp_path / "x.xlsx")
    out = tmp_path / "replaced.xlsx"
    write_cells(src, [CellWrite(P, "B6", 5, formula="replace")], out=out)
    cell = pf.cell_element(pf.parts(out)[pf.sheet_part(src, P)], "B6")
    assert [c.tag for c in cell] == [pf.MAIN + "v"] and cell.get("s")  # style kept
    assert not (tmp_path / "x.xlsx").exists()


def test_set_puts_a_new_formula_in_place_of_the_cells_own(tmp_path: Path) -> None:
    """``formula="set"``: perfxl's current formula in place of its previous one, the value as
    its cached result, the style kept; only a cell holding a formula takes one."""
    src = pf.rich_workbook(tmp_path)
    out = tmp_path / "set.xlsx"
    new = 'IF(A9<>"",A9&"<>","")'  # escaped in the XML
    write_cells(src, [CellWrite(P, "B6", "x<>", formula="set", formula_text=new)], out=out)
    cell = pf.cell_element(pf.parts(out)[pf.sheet_part(src, P)], "B6")
    f = cell.find(pf.MAIN + "f")
    assert f is not None and f.text == new and cell.get("s") and cell.get("t") == "str"
    assert at(values(out, P), "B6") == "x<>"
    ws = openpyxl.load_workbook(out)[P]
    assert ws["B6"].value == "=" + new
    with pytest.raises(FormulaCellError, match="formula='set'"):
        write_cells(
            src, [CellWrite(P, "B4", 1, formula="set", formula_text="1")], out=tmp_path / "x.xlsx"
        )
    with pytest.raises(FormulaCellError, match="没有给出要写入的公式"):
        write_cells(src, [CellWrite(P, "B6", 1, formula="set")], out=tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_cached_text_and_blank_formula_results(tmp_path: Path) -> None:
    src = pf.rich_workbook(tmp_path)
    out = tmp_path / "out.xlsx"
    write_cells(
        src,
        [CellWrite(P, "B6", "待定", formula="keep"), CellWrite(P, "A10", None, formula="keep")],
        out=out,
    )
    xml = pf.parts(out)[pf.sheet_part(src, P)]
    b6, a10 = pf.cell_element(xml, "B6"), pf.cell_element(xml, "A10")
    assert b6.get("t") == "str" and b6.find(pf.MAIN + "f") is not None
    assert a10.find(pf.MAIN + "v") is None and a10.find(pf.MAIN + "f") is not None
    assert at(values(out, P), "B6") == "待定"


def test_blank_keeps_style_and_strings_stay_strings(tmp_path: Path) -> None:
    src = pf.rich_workbook(tmp_path)
    out = tmp_path / "out.xlsx"
    text = " _x0041_ 换行\r\n控制\x01 "
    write_cells(
        src,
        [CellWrite(P, "B4", None), CellWrite(P, "C3", text), CellWrite(P, "D3", "=1+1")],
        out=out,
    )
    xml = pf.parts(out)[pf.sheet_part(src, P)]
    b4 = pf.cell_element(xml, "B4")
    assert len(b4) == 0 and b4.get("s") == pf.cell_element(
        pf.parts(src)[pf.sheet_part(src, P)], "B4"
    ).get("s")
    grid = values(out, P)
    assert at(grid, "B4") == ""
    assert at(grid, "C3") == text
    assert at(grid, "D3") == "=1+1"
    assert pf.cell_element(xml, "D3").find(pf.MAIN + "f") is None


def test_number_formats_are_derived_and_reused(tmp_path: Path) -> None:
    src = pf.rich_workbook(tmp_path)
    out = tmp_path / "out.xlsx"
    write_cells(
        src,
        [
            CellWrite(P, "B4", 1, number_format="0.000"),
            CellWrite(P, "B5", 2, number_format="0.000"),  # same base xf: one new xf
            CellWrite(P, "H40", 3, number_format="0.00%"),  # built-in id 10, no numFmt
        ],
        out=out,
    )
    old, new = pf.tree(pf.parts(src)["xl/styles.xml"]), pf.tree(pf.parts(out)["xl/styles.xml"])
    xfs_old = old.find(pf.MAIN + "cellXfs")
    xfs_new = new.find(pf.MAIN + "cellXfs")
    assert xfs_old is not None and xfs_new is not None
    assert len(xfs_new) == len(xfs_old) + 2
    assert xfs_new.get("count") == str(len(xfs_new))
    assert [pf.canon(x) for x in xfs_new][: len(xfs_old)] == [pf.canon(x) for x in xfs_old]
    codes = [f.get("formatCode") for f in new.iter(pf.MAIN + "numFmt")]
    old_codes = [f.get("formatCode") for f in old.iter(pf.MAIN + "numFmt")]
    assert codes == [*old_codes, "0.000"]  # 0.00% is built-in (id 10): no new numFmt
    ws = openpyxl.load_workbook(out)[P]
    assert ws["B4"].number_format == ws["B5"].number_format == "0.000"
    assert ws["H40"].number_format == "0.00%"


def test_new_rows_and_cells_go_in_order(tmp_path: Path) -> None:
    src = pf.rich_workbook(tmp_path)
    out = tmp_path / "out.xlsx"
    refs = ["Z2", "A2", "C7", "B7", "A100", "A1000", "AB2000"]
    write_cells(src, [CellWrite(P, ref, i) for i, ref in enumerate(refs)], out=out)
    xml = pf.parts(out)[pf.sheet_part(src, P)]
    rows = [int(r.get("r") or 0) for r in pf.tree(xml).iter(pf.MAIN + "row")]
    assert rows == sorted(rows)
    for row in pf.tree(xml).iter(pf.MAIN + "row"):
        cols = [re.sub(r"\d", "", c.get("r") or "") for c in row]
        assert cols == sorted(cols, key=lambda s: (len(s), s))
    assert b'<dimension ref="A1:AB2000"/>' in xml
    grid = values(out, P)
    assert at(grid, "A1000") == 5.0
    edge = tmp_path / "edge.xlsx"
    write_cells(src, [CellWrite(P, "XFD1048576", 1)], out=edge)
    assert b'<dimension ref="A1:XFD1048576"/>' in pf.parts(edge)[pf.sheet_part(src, P)]


def test_workbooks_from_openpyxl_and_excel(tmp_path: Path) -> None:
    src = pf.openpyxl_workbook(tmp_path)
    out = tmp_path / "op-out.xlsx"
    r = write_cells(
        src,
        [
            CellWrite(P, "B3", 200, formula="keep"),
            CellWrite(P, "B2", 100.5),
            CellWrite(P, "D9", "新"),
        ],
        out=out,
    )
    assert r.changed_parts == ("xl/worksheets/sheet1.xml",)  # openpyxl already asks for a recalc
    grid = values(out, P)
    assert (at(grid, "B2"), at(grid, "B3"), at(grid, "D9")) == (100.5, 200.0, "新")
    old, new = pf.parts(src), pf.parts(out)
    assert pf.without_cells(
        old["xl/worksheets/sheet1.xml"], {"B2", "B3", "D9"}
    ) == pf.without_cells(new["xl/worksheets/sheet1.xml"], {"B2", "B3", "D9"})
    assert b'fullCalcOnLoad="1"' in new["xl/workbook.xml"]

    xl = pf.excel_template(tmp_path)
    out2 = tmp_path / "xl-out.xlsm"
    r2 = write_cells(
        xl, [CellWrite("Sheet1", "B2", 7), CellWrite("Sheet1", "A1", "标题")], out=out2
    )
    assert set(r2.changed_parts) == {"xl/worksheets/sheet1.xml", "xl/workbook.xml"}
    sheet_old, sheet_new = (
        pf.parts(xl)["xl/worksheets/sheet1.xml"],
        pf.parts(out2)["xl/worksheets/sheet1.xml"],
    )
    root_tag = re.compile(rb"<worksheet[^>]*>")
    assert root_tag.search(sheet_old).group(0) == root_tag.search(sheet_new).group(0)  # type: ignore[union-attr]
    assert b"mc:Ignorable" in sheet_new and b"<sheetData><row" in sheet_new
    assert values(out2, "Sheet1") == [["标题", ""], ["", 7.0]]
    assert b'<calcPr calcId="191029" fullCalcOnLoad="1"/>' in pf.parts(out2)["xl/workbook.xml"]


def test_shared_and_array_formula_anchors_are_protected(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_column("A1", [1, 2, 3])
    ws.write_array_formula("B1:B3", "{=A1:A3*2}", None, 2)
    wb.close()
    with pytest.raises(FormulaCellError, match="数组公式"):
        write_cells(path, [CellWrite("S", "B2", 9)], out=tmp_path / "o.xlsx")
    with pytest.raises(FormulaCellError, match="共享公式或数组公式"):
        write_cells(path, [CellWrite("S", "B1", 9, formula="replace")], out=tmp_path / "o.xlsx")
    write_cells(path, [CellWrite("S", "B1", 2, formula="keep")], out=tmp_path / "o.xlsx")
    # A shared formula's anchor (Excel and LibreOffice write these).
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    shared = sheet.replace(
        '<f t="array" ref="B1:B3">A1:A3*2</f>', '<f t="shared" ref="B1:B3" si="0">A1*2</f>'
    )
    shared_path = tmp_path / "shared.xlsx"
    _replace_part(path, shared_path, "xl/worksheets/sheet1.xml", shared.encode())
    with pytest.raises(FormulaCellError):
        write_cells(
            shared_path, [CellWrite("S", "B1", 9, formula="replace")], out=tmp_path / "o2.xlsx"
        )
    with pytest.raises(FormulaCellError, match="共享公式或数组公式"):
        write_cells(
            shared_path,
            [CellWrite("S", "B1", 9, formula="set", formula_text="A1*3")],
            out=tmp_path / "o3.xlsx",
        )


def _replace_part(
    src: Path, dst: Path, name: str, data: bytes, extra: dict[str, bytes] | None = None
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, data if info.filename == name else zin.read(info.filename))
        for n, d in (extra or {}).items():
            zout.writestr(n, d)
    dst.write_bytes(out.getvalue())


def test_replacing_a_formula_drops_calc_chain(tmp_path: Path) -> None:
    src = pf.rich_workbook(tmp_path)
    with_chain = tmp_path / "chain.xlsx"
    parts = pf.parts(src)
    ct = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>',
    )
    rels = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rId77" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>',
    )
    chain = b'<?xml version="1.0"?><calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><c r="B6" i="1"/></calcChain>'
    tmp = tmp_path / "tmp.xlsx"
    _replace_part(src, tmp, "[Content_Types].xml", ct)
    _replace_part(tmp, with_chain, "xl/_rels/workbook.xml.rels", rels, {"xl/calcChain.xml": chain})
    out = tmp_path / "out.xlsx"
    result = write_cells(with_chain, [CellWrite(P, "B6", 1, formula="replace")], out=out)
    assert result.removed_parts == ("xl/calcChain.xml",)
    new = pf.parts(out)
    assert (
        b"calcChain" not in new["[Content_Types].xml"]
        and b"calcChain" not in new["xl/_rels/workbook.xml.rels"]
    )
    # Keeping formulas leaves the chain alone.
    result2 = write_cells(
        with_chain, [CellWrite(P, "B6", 1, formula="keep")], out=tmp_path / "o2.xlsx"
    )
    assert result2.removed_parts == ()


@pytest.mark.parametrize(
    ("write", "error"),
    [
        (CellWrite("没有", "A1", 1), SheetNotFoundError),
        (CellWrite(P, "A0", 1), CellRefError),
        (CellWrite(P, "XFE1", 1), CellRefError),
        (CellWrite(P, "B2:C3", 1), CellRefError),
        (CellWrite(P, "B2", float("nan")), UnsupportedValueError),
        (CellWrite(P, "B2", "x" * 32768), UnsupportedValueError),
        (CellWrite(P, "B2", object()), UnsupportedValueError),  # type: ignore[arg-type]
    ],
)
def test_bad_writes_raise_and_write_nothing(
    tmp_path: Path, write: CellWrite, error: type[Exception]
) -> None:
    src = pf.rich_workbook(tmp_path)
    before = src.read_bytes()
    with pytest.raises(error):
        write_cells(src, [write])
    assert src.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [src.name]


def test_same_input_same_bytes_and_sheet_names_ignore_case(tmp_path: Path) -> None:
    src = pf.rich_workbook(tmp_path)
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_cells(src, RICH_WRITES, out=a)
    write_cells(src, RICH_WRITES, out=b)
    assert a.read_bytes() == b.read_bytes()
    patch = WorkbookPatch(src.read_bytes())
    patch.write_cells([CellWrite("明细", "E1", 1)])
    patch.write_cells([CellWrite(P, "A9", 1), CellWrite(P, "A9", 2)])  # later write wins
    out = tmp_path / "c.xlsx"
    patch.save(out)
    assert at(values(out, P), "A9") == 2.0 and at(values(out, "明细"), "E1") == 1.0


def test_1904_dates(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"date_1904": True})
    wb.add_worksheet("S").write("A1", "x")
    wb.close()
    out = tmp_path / "o.xlsx"
    write_cells(
        path,
        [CellWrite("S", "B1", dt.datetime(2024, 1, 2, 12, 0), number_format="yyyy-mm-dd hh:mm")],
        out=out,
    )
    assert openpyxl.load_workbook(out)["S"]["B1"].value == dt.datetime(2024, 1, 2, 12, 0)
