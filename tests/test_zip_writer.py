"""perfxl's one zip writer (perfxl.write.patch.zipraw.ZipWriter): entries copied raw, deflated
whole or streamed in pieces with the header filled in afterwards, and ZIP64 where needed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine
import xlsxwriter

from perfxl.consolidate.summary_xml import SheetRows, insert_rows
from perfxl.errors import NotAWorkbookError
from perfxl.write.patch import zipraw


def _source(tmp_path: Path) -> zipraw.ZipSource:
    path = tmp_path / "src.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("a.xml", (2020, 5, 6, 7, 8, 10)), b"<a/>" * 100)
        z.writestr(zipfile.ZipInfo("b.xml", (2020, 5, 6, 7, 8, 10)), b"<b/>" * 100)
    return zipraw.ZipSource(path.read_bytes(), str(path))


def _write(src: zipraw.ZipSource, *, zip64: bool = False) -> bytes:
    assert src.records is not None
    out = io.BytesIO()
    out.write(b"not part of the zip")  # the writer starts where the file stands
    zw = zipraw.ZipWriter(out, src.stamp)
    zw.copy(src.records["a.xml"])
    with zw.open("流.xml", src.records["b.xml"], level=1) as entry:
        for i in range(1000):
            entry.write(f"<r n='{i}'/>".encode())
    zw.add("new.xml", b"<new/>")
    zw.finish(b"comment", zip64=zip64)
    return out.getvalue()[len(b"not part of the zip") :]


def _contents(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        assert z.comment == b"comment"
        return {i.filename: z.read(i) for i in z.infolist()}


def test_entries_copied_streamed_and_added(tmp_path: Path) -> None:
    src = _source(tmp_path)
    data = _write(src)
    want = {
        "a.xml": b"<a/>" * 100,
        "流.xml": b"".join(f"<r n='{i}'/>".encode() for i in range(1000)),
        "new.xml": b"<new/>",
    }
    assert _contents(data) == want
    assert src.records is not None and data.startswith(src.records["a.xml"].local)  # raw copy
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        streamed = z.getinfo("流.xml")
        assert streamed.date_time == (2020, 5, 6, 7, 8, 10)  # the replaced entry's time
        assert not streamed.flag_bits & 0x08  # sizes filled in by seeking back, no descriptor
    assert _write(src) == data  # the same bytes every time
    assert zipraw.ZipSource(data).records is not None  # the engine copies its entries raw


def test_zip64_records_where_sizes_and_offsets_pass_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _source(tmp_path)
    monkeypatch.setattr(zipraw, "_LIMIT", 300)  # stands for 4 GiB
    with pytest.raises(NotAWorkbookError):
        _write(src)  # the write-back engine never writes ZIP64
    data = _write(src, zip64=True)
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data
    assert _contents(data)["new.xml"] == b"<new/>"


def test_a_summary_past_the_limit_reads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("表")
    ws.write_string(0, 0, "名称")
    ws.write_string(0, 1, "金额")
    wb.add_worksheet("后")
    wb.close()
    rows = [(f"项目{i}", i * 1.5) for i in range(2000)]
    monkeypatch.setattr(zipraw, "_LIMIT", 5000)
    insert_rows(
        str(path),
        [
            SheetRows(
                part="xl/worksheets/sheet1.xml",
                rows=iter(rows),
                first_row=2,
                styles={None: [0, 0]},
                nrows=len(rows),
                ncols=2,
            )
        ],
    )
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        assert z.getinfo("xl/worksheets/sheet2.xml").header_offset > 5000  # a ZIP64 offset
    got = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    assert [tuple(r) for r in got.to_python()[1:]] == rows
    ws2 = openpyxl.load_workbook(path).worksheets[0]
    assert [tuple(r) for r in ws2.iter_rows(min_row=2, values_only=True)] == rows


def test_a_source_without_raw_records_is_deflated_again(tmp_path: Path) -> None:
    path = tmp_path / "odd.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("表").write_string(0, 0, "名称")
    wb.close()
    path.write_bytes(b"a prefix before the first entry" + path.read_bytes())
    src = zipraw.ZipSource(path.read_bytes())
    assert src.records is None  # the fallback
    rows = [(f"项目{i}",) for i in range(3)]
    spec = SheetRows("xl/worksheets/sheet1.xml", iter(rows), 2, {None: [0]}, nrows=3, ncols=1)
    insert_rows(str(path), [spec])
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        assert [i.date_time for i in z.infolist()] == [i.date_time for i in src.infos]
    got = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    assert [tuple(r) for r in got.to_python()] == [("名称",), *rows]
