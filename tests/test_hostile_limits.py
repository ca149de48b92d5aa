"""Preflight limits, one at a time, with small limits so the files stay small."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from books import with_part as _with_part
from openpyxl import Workbook

from perfxl import safety
from perfxl.grid.calamine_grid import read_grid
from perfxl.grid.openpyxl_grid import read_grid_openpyxl
from perfxl.read import read_workbook


def _book(path: Path, rows: int = 5, cols: int = 3) -> Path:
    wb = Workbook()
    for r in range(1, rows + 1):
        wb.active.append([f"r{r}c{c}" for c in range(1, cols + 1)])
    wb.save(path)
    return path


def test_a_plain_workbook_passes(tmp_path: Path) -> None:
    pre = safety.preflight(_book(tmp_path / "a.xlsx"))
    assert pre.kind == "xlsx" and not pre.macros
    assert pre.sheet_sizes == {"xl/worksheets/sheet1.xml": (5, 3)}


def test_sheet_row_and_cell_caps(tmp_path: Path) -> None:
    path = _book(tmp_path / "rows.xlsx", rows=300)
    assert safety.preflight(path, safety.Limits(max_sheet_rows=300)).kind == "xlsx"
    with pytest.raises(safety.UnsafeWorkbookError) as info:
        read_grid(path, safety.Limits(max_sheet_rows=299))
    assert info.value.part == "xl/worksheets/sheet1.xml" and "300 行" in info.value.message
    with pytest.raises(safety.UnsafeWorkbookError):
        read_grid_openpyxl(path, safety.Limits(max_sheet_cells=899))


def test_a_far_away_cell_is_refused_before_any_reader_allocates(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active["A1"] = "x"
    wb.active["XFD1048576"] = "y"  # a dense range here would be 17 billion cells
    wb.save(tmp_path / "far.xlsx")
    with pytest.raises(safety.UnsafeWorkbookError) as info:
        read_workbook(tmp_path / "far.xlsx")
    assert "1048576 行 × 16384 列" in info.value.message


def test_part_total_ratio_and_count_limits(tmp_path: Path) -> None:
    base = _book(tmp_path / "b.xlsx")
    fat = _with_part(base, tmp_path / "fat.xlsx", "xl/media/pad.bin", b"0" * 200_000)
    small = safety.Limits(max_part_bytes=100_000)
    with pytest.raises(safety.UnsafeWorkbookError, match=r"xl/media/pad\.bin"):
        safety.preflight(fat, small)
    with pytest.raises(safety.UnsafeWorkbookError, match="总大小"):
        safety.preflight(fat, safety.Limits(max_total_bytes=150_000))
    with pytest.raises(safety.UnsafeWorkbookError, match="压缩比"):
        safety.preflight(fat, safety.Limits(ratio_floor=100_000, max_ratio=50))
    with pytest.raises(safety.UnsafeWorkbookError, match="部件"):
        safety.preflight(fat, safety.Limits(max_parts=5))
    with pytest.raises(safety.UnsafeWorkbookError, match="文件大小"):
        safety.preflight(fat, safety.Limits(max_file_bytes=1000))


def test_a_lying_size_header_is_caught_while_decompressing(tmp_path: Path) -> None:
    base = _book(tmp_path / "c.xlsx")
    path = _with_part(base, tmp_path / "lie.xlsx", "xl/media/pad.bin", b"0" * 300_000)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/media/pad.bin")
    # declare 1,000 bytes in the central directory entry (uncompressed size field)
    central = data.rfind(b"PK\x01\x02" + data[info.header_offset + 4 : info.header_offset + 6])
    cd = bytes(data).find(b"xl/media/pad.bin", central) - 46
    data[cd + 24 : cd + 28] = (1000).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(safety.UnreadableWorkbookError):
        safety.preflight(path, safety.Limits(max_part_bytes=100_000))


@pytest.mark.parametrize(
    "prolog",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>',
        b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd">',
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]>'.encode("utf-16"),
    ],
)
def test_any_dtd_is_refused(tmp_path: Path, prolog: bytes) -> None:
    base = _book(tmp_path / "d.xlsx")
    with zipfile.ZipFile(base) as z:
        body = z.read("xl/workbook.xml")
    body = body.split(b"?>", 1)[-1]
    if prolog.startswith(b"\xff\xfe"):
        body = body.decode().encode("utf-16-le")
    path = _with_part(base, tmp_path / "dtd.xlsx", "xl/workbook.xml", prolog + body)
    with pytest.raises(safety.UnsafeWorkbookError) as info:
        read_grid(path)
    assert info.value.part == "xl/workbook.xml"


def test_cell_text_cap(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active["C7"] = "长" * 500
    wb.save(tmp_path / "long.xlsx")
    assert read_grid(tmp_path / "long.xlsx").sheets[0].get(7, 3) == "长" * 500
    with pytest.raises(safety.UnsafeWorkbookError) as info:
        read_grid(tmp_path / "long.xlsx", replace(safety.DEFAULT_LIMITS, max_text_chars=499))
    assert (info.value.sheet, info.value.cell) == ("Sheet", "C7")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        ("<html><table><tr><td>项目</td></tr></table></html>".encode("gb18030"), "网页"),
        ("项目编码,项目名称\n1,乡镇\n".encode("gb18030"), "纯文本"),
        (bytes(range(256)) * 4, "无法识别"),
    ],
)
def test_what_a_renamed_file_really_is(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    with pytest.raises(safety.NotAWorkbookError, match=expected):
        safety.preflight(path)


@pytest.mark.parametrize(
    ("name", "disguised"), [("x.xlsx", True), ("x.XLS", True), ("x.csv", False), ("x.json", False)]
)
def test_only_a_workbook_suffix_is_said_to_disguise_text(
    tmp_path: Path, name: str, disguised: bool
) -> None:
    """A .csv or .json given by name is text by its own name: no "只是扩展名为 Excel"."""
    path = tmp_path / name
    path.write_text("项目编码,项目名称\n1,乡镇\n", encoding="utf-8")
    with pytest.raises(safety.NotAWorkbookError) as info:
        safety.preflight(path)
    assert info.value.message.startswith("该文件实为纯文本")
    assert ("只是扩展名为 Excel" in info.value.message) is disguised
    assert info.value.message.endswith("另存为” .xlsx 工作簿再提交。")


def test_a_plain_zip_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "files.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(safety.NotAWorkbookError, match="普通压缩包"):
        safety.preflight(path)


def test_a_missing_file_is_a_perfxl_error(tmp_path: Path) -> None:
    with pytest.raises(safety.UnreadableWorkbookError, match="无法打开文件"):
        safety.preflight(tmp_path / "nope.xlsx")


def test_cell_reference_scan_sees_tabs_and_single_quotes() -> None:
    from perfxl.safety import _Extent

    ext = _Extent()
    ext.feed(b'<row r="7"><c\tr="XFD1048576" t="s"><v>0</v></c><c r=\'B2\'><v>1</v></c><c r="C3"/>')
    ext.finish()
    assert (ext.rows, ext.cols) == (1048576, 16384)
