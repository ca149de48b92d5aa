"""Issue 11, points 9, 10 and 13: every format read alike, used ranges by content, old formats named.

- .ods: merged ranges come from content.xml (python-calamine gives none for ODS), so the
  example saved by LibreOffice as .xlsx, .xls and .ods exports the same JSON;
- the used-range limit counts cells holding something, not formatting (a Gnumeric-shaped
  sheet styled out to XFD1048576 reads; values at A1 and XFD1048576 are still refused);
- Excel 2.x/3.0/4.0/5.0 files are named as old Excel formats;
- a library's exception reaches the user inside a Chinese sentence naming the file.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from books import data_of
from click.testing import CliRunner
from conftest import EXAMPLE_JSON, convert
from openpyxl import Workbook

from perfxl import safety
from perfxl.cli import main
from perfxl.errors import UnreadableWorkbookError
from perfxl.grid.calamine_grid import read_grid
from perfxl.grid.openpyxl_grid import read_grid_openpyxl
from perfxl.read import read_workbook

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _chinese_first(message: str) -> bool:
    """The first letter of the message is Chinese (English detail may follow)."""
    first = next(ch for ch in message if ch.isalpha())
    return "\u4e00" <= first <= "\u9fff"


# --- .ods ------------------------------------------------------------------------------------

_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def _ods(path: Path, rows_xml: str, name: str = "表1") -> Path:
    """A minimal OpenDocument spreadsheet with one table whose rows are given as XML."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} '
        'office:version="1.3"><office:body><office:spreadsheet>'
        f'<table:table table:name="{name}">{rows_xml}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def _text_cell(text: str, attrs: str = "") -> str:
    return f'<table:table-cell office:value-type="string" {attrs}><text:p>{text}</text:p></table:table-cell>'


def test_ods_merged_ranges_are_read_from_content_xml(tmp_path: Path) -> None:
    rows = (
        "<table:table-row>"
        + _text_cell("产出指标", 'table:number-rows-spanned="3"')
        + _text_cell("数量指标")
        + "</table:table-row>"
        + '<table:table-row table:number-rows-repeated="2"><table:covered-table-cell/>'
        + _text_cell("质量指标")
        + "</table:table-row>"
        + '<table:table-row><table:table-cell table:number-columns-repeated="2"/>'
        + _text_cell("宽", 'table:number-columns-spanned="2"')
        + "<table:covered-table-cell/></table:table-row>"
    )
    grid = read_grid(_ods(tmp_path / "m.ods", rows))
    sheet = grid.sheets[0]
    assert sorted(sheet.merged) == [(1, 1, 3, 1), (4, 3, 4, 4)]
    assert sheet.merge_origin(3, 1) == (1, 1)
    assert [sheet.get(r, 2) for r in (1, 2, 3)] == ["数量指标", "质量指标", "质量指标"]


def test_ods_far_away_value_is_refused_before_calamine_reads_it(tmp_path: Path) -> None:
    rows = (
        "<table:table-row>" + _text_cell("x") + "</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048574"><table:table-cell/></table:table-row>'
        '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
        + _text_cell("y")
        + "</table:table-row>"
    )
    path = _ods(tmp_path / "far.ods", rows)
    with pytest.raises(safety.UnsafeWorkbookError) as info:
        read_grid(path)
    assert "1048576 行 × 16384 列" in info.value.message
    # the same sheet with the far cell only formatted (no value) reads as its one cell
    styled = rows.replace(_text_cell("y"), '<table:table-cell table:style-name="ce1"/>')
    assert read_grid(_ods(tmp_path / "styled.ods", styled)).sheets[0].rows == [["x"]]


@pytest.fixture(scope="module")
def saved_by_libreoffice(
    example_book: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """The example saved by LibreOffice as .xlsx, .xls and .ods (made once, read only)."""
    saved = {}
    for fmt in ("xlsx", "xls", "ods"):
        (saved[fmt],) = convert([example_book], fmt, tmp_path_factory.mktemp(f"lo-{fmt}"))
    return saved


@pytest.mark.libreoffice
def test_example_saved_by_libreoffice_as_xlsx_xls_ods_exports_identical_json(
    tmp_path: Path, saved_by_libreoffice: dict[str, Path]
) -> None:
    expected = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    runner = CliRunner()
    exported: dict[str, Any] = {}
    for fmt in ("xlsx", "xls", "ods"):
        book = saved_by_libreoffice[fmt]
        out = tmp_path / f"{fmt}.json"
        r = runner.invoke(main, ["export", str(book), "-o", str(out)], catch_exceptions=False)
        assert r.exit_code == 0, (fmt, r.output)
        exported[fmt] = data_of(out)
    assert exported["xlsx"] == expected
    assert exported["xls"] == expected
    assert exported["ods"] == expected


# --- used range: cells holding something -----------------------------------------------------


def _sheet_xml(sheet_data: str, dimension: str = "A1:XFD1048576") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN_NS}">'
        f'<dimension ref="{dimension}"/><cols><col min="1" max="16384" width="9" style="1"/></cols>'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    ).encode()


def _with_sheet(tmp_path: Path, name: str, sheet: bytes) -> Path:
    """An openpyxl workbook whose first sheet's XML is replaced by ``sheet``."""
    from openpyxl.styles import Font

    base = tmp_path / f"base-{name}"
    wb = Workbook()
    wb.active["A1"] = "x"
    wb.active["A1"].font = Font(bold=True)  # a second cell format, s="1"
    wb.save(base)
    out = tmp_path / name
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = sheet if info.filename == "xl/worksheets/sheet1.xml" else zin.read(info)
            zout.writestr(info.filename, body)
    return out


def _gnumeric_shaped(tmp_path: Path) -> Path:
    """Two rows of data (A1:K2) and formatting-only cells out to XFD1048576, as Gnumeric saves."""
    rows = []
    for r in (1, 2):
        cells = "".join(
            f'<c r="{chr(64 + c)}{r}" t="inlineStr"><is><t>r{r}c{c}</t></is></c>'
            for c in range(1, 12)
        )
        cells += f'<c r="L{r}" s="1"/><c r="AA{r}" s="1"></c><c r="XFD{r}" s="1"/>'
        rows.append(f'<row r="{r}" spans="1:16384">{cells}</row>')
    for r in range(3, 12):
        rows.append(
            f'<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/><c r="XFD{r}" s="1"/></row>'
        )
    rows.append('<row r="1048576" s="1"><c r="A1048576" s="1"/><c r="XFD1048576" s="1"> </c></row>')
    return _with_sheet(tmp_path, "gnumeric.xlsx", _sheet_xml("".join(rows)))


@pytest.mark.parametrize("reader", [read_grid, read_grid_openpyxl])
def test_formatting_out_to_xfd1048576_is_not_a_used_range(tmp_path: Path, reader: Any) -> None:
    path = _gnumeric_shaped(tmp_path)
    assert safety.preflight(path).sheet_sizes == {"xl/worksheets/sheet1.xml": (2, 11)}
    sheet = reader(path).sheets[0]
    assert (sheet.nrows, sheet.ncols) == (2, 11)
    assert sheet.get(2, 11) == "r2c11"


@pytest.mark.parametrize(
    "far_cell",
    [
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',  # the plain attack
        '<row r="1048576"><c s="0" r="XFD1048576"><v>1</v></c></row>',  # r not first
        f'<row r="1048576"><x:c xmlns:x="{_MAIN_NS}" r="XFD1048576"><x:v>1</x:v></x:c></row>',
        '<row r="1048576"><c t="str"><f>1</f></c></row><row r="1"><c r="XFD1"><v>1</v></c></row>',
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>y</t></is></c></row>',
    ],
    ids=["value", "r-not-first", "prefixed", "no-reference", "inline-string"],
)
def test_values_at_a1_and_far_away_are_still_refused(tmp_path: Path, far_cell: str) -> None:
    sheet = _sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>' + far_cell, dimension="A1")
    path = _with_sheet(tmp_path, "far.xlsx", sheet)
    with pytest.raises(safety.UnsafeWorkbookError) as info:
        read_workbook(path)
    assert info.value.part == "xl/worksheets/sheet1.xml"
    assert "× 16384 列" in info.value.message


def test_the_extent_scan_is_the_same_whatever_the_chunks() -> None:
    xml = (
        b'<row r="7"><c r="XFD1048576" t="s"/><c r="B2"><v>1</v></c><c r="C9" s="1"></c>'
        b'<c r="D8" s="1">  </c><c r="E4" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    whole = safety._Extent()
    whole.feed(xml)
    whole.finish()
    assert (whole.rows, whole.cols) == (4, 5)
    for step in range(1, 40):
        ext = safety._Extent()
        for i in range(0, len(xml), step):
            ext.feed(xml[i : i + step])
        ext.finish()
        assert (ext.rows, ext.cols) == (4, 5), step


# --- old Excel formats --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bof", "version"),
    [
        (b"\x09\x00\x04\x00\x02\x00\x10\x00", "Excel 2.x"),
        (b"\x09\x02\x06\x00\x00\x00\x10\x00\x00\x00", "Excel 3.0"),
        (b"\x09\x04\x06\x00\x00\x00\x10\x00\x00\x00", "Excel 4.0"),
        (b"\x09\x04\x06\x00\x00\x00\x00\x01\x00\x00", "Excel 4.0"),  # a BIFF4W workbook
        (b"\x09\x08\x08\x00\x00\x05\x10\x00\x00\x00\x00\x00", "Excel 5.0/95"),
    ],
)
def test_old_excel_formats_are_named(tmp_path: Path, bof: bytes, version: str) -> None:
    # BOF, a DIMENSIONS record, a NUMBER record and EOF, as BIFF writes a worksheet
    body = (
        bof + b"\x00\x02\x08\x00" + bytes(8) + b"\x03\x02\x0e\x00" + bytes(14) + b"\x0a\x00\x00\x00"
    )
    path = tmp_path / "old.xls"
    path.write_bytes(body)
    with pytest.raises(safety.OldFormatWorkbookError) as info:
        safety.preflight(path)
    assert f"旧版 {version} 格式" in info.value.message and "另存为 .xlsx" in info.value.message
    r = CliRunner().invoke(main, ["validate", str(path)])
    assert r.exit_code == 2 and f"旧版 {version} 格式" in r.stdout
    assert "不是 Excel 工作簿" not in r.stdout


# --- library exceptions in Chinese ----------------------------------------------------------


class PanicException(BaseException):
    """Stands in for pyo3's PanicException (a Rust panic in calamine): not an Exception."""


@pytest.mark.parametrize(
    ("raised", "kind", "words"),
    [
        (
            RuntimeError("Cfb error: Cannot find Workbook stream"),
            safety.CorruptWorkbookError,
            "复合文档",
        ),
        (
            zipfile.BadZipFile("Bad CRC-32 for file 'xl/worksheets/sheet1.xml'"),
            safety.CorruptWorkbookError,
            "压缩包",
        ),
        (ValueError("Cell limit exceeded (max 100000000)"), safety.UnsafeWorkbookError, "上限"),
        (
            PanicException("range end index 40 out of range for slice of length 9"),
            safety.CorruptWorkbookError,
            "损坏",
        ),
        (RuntimeError("End of stream 'record length'"), safety.CorruptWorkbookError, "损坏"),
    ],
)
def test_a_library_error_is_a_chinese_sentence_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raised: BaseException, kind: type, words: str
) -> None:
    import python_calamine

    path = tmp_path / "苏营镇 报送.xlsx"
    wb = Workbook()
    wb.active["A1"] = "x"
    wb.save(path)

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise raised

    for opener in ("from_path", "from_filelike"):  # the file, or the preflight's package
        monkeypatch.setattr(python_calamine.CalamineWorkbook, opener, boom)
    with pytest.raises(UnreadableWorkbookError) as info:
        read_grid(path)
    err = info.value
    assert type(err) is kind and err.path == str(path)
    assert (
        _chinese_first(err.message) and "苏营镇 报送.xlsx" in err.message and words in err.message
    )
    assert str(raised) in err.message  # the library's own words follow, for whoever helps


def test_an_interrupt_inside_calamine_is_not_turned_into_a_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import python_calamine

    path = tmp_path / "a.xlsx"
    Workbook().save(path)

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    # Opening the preflight's package is interrupted: the file is not opened instead.
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", interrupted)
    with pytest.raises(KeyboardInterrupt):
        read_grid(path)
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", interrupted)
    with pytest.raises(KeyboardInterrupt):
        read_grid(path, keep_sheets=True)


@pytest.mark.libreoffice
def test_a_damaged_xls_is_refused_in_chinese(
    tmp_path: Path, saved_by_libreoffice: dict[str, Path]
) -> None:
    data = saved_by_libreoffice["xls"].read_bytes()
    cut = tmp_path / "截断.xls"
    cut.write_bytes(data[: len(data) // 2])  # a download cut short
    padded = tmp_path / "补零.xls"
    padded.write_bytes(data[: len(data) // 2] + bytes(len(data) - len(data) // 2))  # then padded
    for path in (cut, padded):
        with pytest.raises(UnreadableWorkbookError) as info:
            read_workbook(path)
        assert _chinese_first(info.value.message), info.value.message
        r = CliRunner().invoke(main, ["validate", "--format", "json", str(path)])
        assert r.exit_code == 2
        (record,) = json.loads(r.stdout)["problems"]
        assert record["rule"] == "file.unreadable" and _chinese_first(record["message"])
