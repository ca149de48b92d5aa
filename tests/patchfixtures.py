"""Workbooks and comparison helpers for the write-back engine's tests.

Every builder writes under a directory the test gives (``tmp_path``). The rich
workbook carries what a township's file may carry: an image, a chart, a text box,
a form button, VBA (.xlsm), comments, conditional formats (with an x14 data bar),
data validation, defined names, hidden and very hidden sheets, column widths,
print settings, a table, hyperlinks and an external link.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import pytest
import xlsxwriter
from defusedxml import ElementTree as SafeET

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
PROJECT = "项目1"
EXT_LINK_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


# -- small binary inputs -------------------------------------------------------
def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A valid RGB PNG made with zlib and struct."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\xc0\x20\x20" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def vba_project_bin(folder: Path) -> Path:
    """A vbaProject.bin with one module, taken from an .xlsm made by pyOpenVBA."""
    from pyopenvba import ExcelFile

    xlsm = folder / "vba-source.xlsm"
    with ExcelFile.create_new(str(xlsm)) as wb:
        wb.set_module("Module1", 'Sub Hello()\r\n    MsgBox "perfxl"\r\nEnd Sub\r\n')
        wb.save()
    out = folder / "vbaProject.bin"
    with zipfile.ZipFile(xlsm) as z:
        out.write_bytes(z.read("xl/vbaProject.bin"))
    return out


# -- the rich workbook -------------------------------------------------------------
def rich_workbook(folder: Path, *, xlsm: bool = False, name: str = "乡镇") -> Path:
    """The feature-laden workbook (xlsxwriter, shared strings) plus an external link."""
    path = folder / f"{name}.{'xlsm' if xlsm else 'xlsx'}"
    wb = xlsxwriter.Workbook(str(path))
    bold = wb.add_format({"bold": True, "border": 1, "font_name": "宋体"})
    money = wb.add_format({"num_format": "#,##0.00", "border": 1, "font_color": "#1F4E79"})
    pct = wb.add_format({"num_format": "0.00%", "border": 2})
    boxed = wb.add_format({"border": 1, "bg_color": "#FFF2CC"})
    ws = wb.add_worksheet(PROJECT)
    ws.merge_range("A1:F1", "项目支出绩效目标表", bold)
    ws.write("A3", "项目名称", bold)
    ws.write("B3", "道路维修")
    ws.write("A4", "预算数", bold)
    ws.write_number("B4", 100, money)
    ws.write("A5", "财政资金", bold)
    ws.write_number("B5", 80, money)
    ws.write("A6", "其他资金", bold)
    ws.write_formula("B6", "=B4-B5", money, 20)
    for i, label in enumerate(("3月底", "6月底", "10月底", "12月底")):
        ws.write(7, i, label, bold)
        ws.write_blank(8, i, None, boxed)
        ws.write_formula(9, i, f"={chr(65 + i)}9/$B$4", pct, 0)
    ws.write_formula("B12", "=[1]Sheet1!$A$1", None, 42)
    ws.write_formula("C12", "=B4*10", None, 999)  # stale on purpose: LibreOffice recomputes 1000
    ws.write_comment("A3", "请填写项目全称", {"author": "张三"})
    ws.write_comment("B5", "含上级补助", {"author": "李四"})
    ws.insert_button("F3", {"macro": "Hello", "caption": "运行"})
    ws.insert_image("H2", "logo.png", {"image_data": io.BytesIO(tiny_png())})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": f"='{PROJECT}'!$A$9:$D$9", "name": "计划"})
    ws.insert_chart("H10", chart)
    ws.insert_textbox("F20", "填报说明：金额单位为万元", {"width": 200, "height": 40})
    ws.conditional_format("A9:D9", {"type": "cell", "criteria": ">", "value": 50, "format": bold})
    ws.conditional_format("A10:D10", {"type": "data_bar", "data_bar_2010": True})
    ws.data_validation("A9:D9", {"validate": "decimal", "criteria": ">=", "value": 0})
    ws.data_validation("B3", {"validate": "list", "source": ["道路维修", "水利"]})
    ws.set_column("A:A", 20)
    ws.set_column("B:D", 14)
    ws.set_row(2, 24)
    ws.freeze_panes(3, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.print_area("A1:F20")
    ws.repeat_rows(0, 2)
    ws.set_header('&C&"宋体,Bold"绩效目标表')
    ws.set_footer("&C第 &P 页")
    ws.set_margins(left=0.5, right=0.5)
    ws.write_url("A25", "https://example.org/perfxl", string="说明文档")
    ws.write_url("A26", f"internal:'{PROJECT}'!A1", string="回到顶部")
    wb.define_name("预算数", f"='{PROJECT}'!$B$4")
    wb.define_name(f"'{PROJECT}'!本表合计", f"='{PROJECT}'!$B$4:$B$6")
    detail = wb.add_worksheet("明细")
    detail.add_table(
        "A1:C3",
        {
            "data": [["a", 1, 2], ["b", 3, 4]],
            "columns": [{"header": "名称"}, {"header": "一"}, {"header": "二"}],
        },
    )
    params = wb.add_worksheet("参数")
    params.write("A1", "年度")
    params.write("B1", 2024)
    params.hide()
    internal = wb.add_worksheet("内部")
    internal.write("A1", "perfxl")
    internal.very_hidden()
    if xlsm:
        wb.add_vba_project(str(vba_project_bin(folder)))
        wb.set_vba_name("ThisWorkbook")
        ws.set_vba_name("Sheet1")
    wb.close()
    add_external_link(path)
    return path


def add_external_link(path: Path) -> None:
    """Give the workbook an external link part for ``[1]Sheet1`` (as Excel writes it)."""
    with zipfile.ZipFile(path) as z:
        entries = [(i, z.read(i.filename)) for i in z.infolist()]
    link = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
        '<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>42</v></cell></row>'
        "</sheetData></sheetDataSet></externalBook></externalLink>"
    )
    link_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}externalLinkPath" Target="other.xlsx" TargetMode="External"/>'
        "</Relationships>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in entries:
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    f'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="{EXT_LINK_CT}"/></Types>'.encode(),
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rId99" Type="{REL}externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>'.encode(),
                )
            elif info.filename == "xl/workbook.xml":
                data = data.replace(
                    b"</sheets>",
                    b'</sheets><externalReferences><externalReference r:id="rId99"/></externalReferences>',
                )
            z.writestr(info, data)
        stamp = entries[0][0].date_time
        z.writestr(
            zipfile.ZipInfo("xl/externalLinks/externalLink1.xml", stamp), link, zipfile.ZIP_DEFLATED
        )
        z.writestr(
            zipfile.ZipInfo("xl/externalLinks/_rels/externalLink1.xml.rels", stamp),
            link_rels,
            zipfile.ZIP_DEFLATED,
        )
    path.write_bytes(out.getvalue())


def openpyxl_workbook(folder: Path) -> Path:
    """A workbook written by openpyxl (inline strings, absolute targets, odd rel ids)."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Border, Font, PatternFill, Side
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = PROJECT
    thin = Side(style="thin")
    ws["A1"] = "项目名称"
    ws["A1"].font = Font(bold=True)
    ws["B1"] = "道路维修"
    ws["B2"] = 100
    ws["B2"].border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws["B2"].number_format = "#,##0.00"
    ws["B3"] = "=B2*2"
    ws["C5"].fill = PatternFill("solid", fgColor="FFFF00")
    ws["A1"].comment = Comment("用户批注", "王五")
    ws.column_dimensions["A"].width = 30
    ws.conditional_formatting.add(
        "B2:B9", CellIsRule(operator="greaterThan", formula=["50"], font=Font(color="FF0000"))
    )
    dv = DataValidation(type="whole", operator="greaterThan", formula1="0")
    ws.add_data_validation(dv)
    dv.add("B2:B9")
    wb.defined_names["合计"] = DefinedName("合计", attr_text=f"'{PROJECT}'!$B$2")
    ws.print_options.gridLines = True
    ws.page_setup.orientation = "landscape"
    other = wb.create_sheet("参数")
    other["A1"] = "x"
    other.sheet_state = "hidden"
    path = folder / "openpyxl.xlsx"
    wb.save(path)
    return path


def excel_template(folder: Path) -> Path:
    """An Excel-authored .xlsm (pyOpenVBA's template): mc:Ignorable, x14ac, empty sheetData."""
    from pyopenvba import ExcelFile

    path = folder / "excel.xlsm"
    with ExcelFile.create_new(str(path)) as wb:
        wb.set_module("Module1", "Sub Hello()\r\nEnd Sub\r\n")
        wb.save()
    return path


# -- LibreOffice -----------------------------------------------------------------
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def soffice() -> str:
    """The soffice executable; fails the test (never skips) when it is missing."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.fail("LibreOffice (soffice) is not installed: run tools/ensure-system-deps.sh")
    return exe


def convert(src: Path, outdir: Path, fmt: str, profile: Path) -> list[Path]:
    """``soffice --convert-to fmt`` with a private profile that recalculates on load."""
    user = profile / "user"
    if not user.exists():
        user.mkdir(parents=True)
        (user / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    outdir.mkdir(parents=True, exist_ok=True)
    before = set(outdir.iterdir())
    proc = subprocess.run(
        [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", fmt, "--outdir", str(outdir), str(src)],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    made = sorted(set(outdir.iterdir()) - before)
    assert proc.returncode == 0 and made, f"soffice failed: {proc.stdout}\n{proc.stderr}"
    return made


def libreoffice_saved(src: Path, folder: Path, profile: Path) -> Path:
    """``src`` opened and saved as .xlsx by LibreOffice (shared strings, LO's XML)."""
    (out,) = convert(src, folder / "lo-saved", "xlsx", profile)
    return out


def csv_sheets(src: Path, folder: Path, profile: Path) -> dict[str, list[list[str]]]:
    """Every sheet of ``src`` as CSV rows, computed by LibreOffice."""
    import csv

    out: dict[str, list[list[str]]] = {}
    for f in convert(src, folder, CSV_ALL_SHEETS, profile):
        sheet = f.stem[len(src.stem) + 1 :]
        out[sheet] = list(csv.reader(f.read_text(encoding="utf-8").splitlines()))
    return out


# -- comparing packages ------------------------------------------------------------
def parts(path: Path | bytes) -> dict[str, bytes]:
    """Every zip entry's content (of a file, or of zip bytes)."""
    with zipfile.ZipFile(io.BytesIO(path) if isinstance(path, bytes) else path) as z:
        return {n: z.read(n) for n in z.namelist()}


def raw_entries(path: Path) -> dict[str, tuple[bytes, tuple[int, ...], int]]:
    """Per entry: the compressed bytes as stored, the date_time, the compression method."""
    out = {}
    data = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            off = info.header_offset
            nlen, xlen = struct.unpack_from("<HH", data, off + 26)
            start = off + 30 + nlen + xlen
            out[info.filename] = (
                data[start : start + info.compress_size],
                info.date_time,
                info.compress_type,
            )
    return out


def names(path: Path) -> list[str]:
    """Entry names in zip order."""
    with zipfile.ZipFile(path) as z:
        return z.namelist()


def tree(xml: bytes) -> Element:
    """Parse safely (no DTDs, no entities)."""
    return SafeET.fromstring(xml)


def canon(el: Element) -> Any:
    """A comparable form of an element tree (tag, attributes, text, children, tail)."""
    return (el.tag, sorted(el.attrib.items()), el.text or "", [canon(c) for c in el], el.tail or "")


def without_cells(xml: bytes, refs: set[str], *, drop: tuple[str, ...] = ("dimension",)) -> Any:
    """The sheet tree without the given cells, rows left empty by that, and ``drop`` elements."""
    root = tree(xml)
    for local in drop:
        for el in list(root):
            if el.tag == MAIN + local:
                root.remove(el)
    sheet_data = root.find(MAIN + "sheetData")
    assert sheet_data is not None
    for row in list(sheet_data):
        for c in list(row):
            if c.get("r") in refs:
                row.remove(c)
        if len(row) == 0 and any(
            ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == row.get("r") for ref in refs
        ):
            sheet_data.remove(row)
    return canon(root)


def cell_element(xml: bytes, ref: str) -> Element:
    """The ``<c>`` element of a cell (fails when absent)."""
    for c in tree(xml).iter(MAIN + "c"):
        if c.get("r") == ref:
            return c
    raise AssertionError(f"no cell {ref}")


def cells_snapshot(xml: bytes) -> dict[str, tuple[str | None, str | None, Any]]:
    """Per cell: its style attribute, type attribute and children (value, formula)."""
    out = {}
    for c in tree(xml).iter(MAIN + "c"):
        out[c.get("r") or ""] = (c.get("s"), c.get("t"), [canon(x) for x in c])
    return out


def sheet_part(path: Path | bytes, sheet: str) -> str:
    """The zip name of a sheet's part, via openpyxl-free parsing of workbook.xml and its rels."""
    p = parts(path)
    wb = tree(p["xl/workbook.xml"])
    rels = tree(p["xl/_rels/workbook.xml.rels"])
    rid = next(
        s.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
        for s in wb.iter(MAIN + "sheet")
        if s.get("name") == sheet
    )
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    assert target is not None
    return target.lstrip("/") if target.startswith("/") else "xl/" + target
