"""The package the preflight hands python-calamine (`Preflight.package`): the file as checked,
its worksheets stored as the in-memory scan inflated them. Calamine reads the same cells from
it as from the file, and a damaged member is refused with the same message either way."""

from __future__ import annotations

import io
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.drawing.image import Image as XlImage
from PIL import Image

from perfxl import safety
from perfxl.errors import UnreadableWorkbookError
from perfxl.grid.calamine_grid import read_grid


def _book(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "项目"
    ws.append(["名称", 1, 2.5, None, "=1+1"])
    ws["C9"] = "远处"
    ws.merge_cells("A3:B4")
    png = path.with_suffix(".png")
    Image.new("RGB", (4, 4), "red").save(png)
    ws.add_image(XlImage(str(png)), "E2")
    hidden = wb.create_sheet("隐藏")
    hidden.append(["x", 3])
    hidden.sheet_state = "hidden"
    wb.save(path)
    return path


def _cells(path: Path, monkeypatch: pytest.MonkeyPatch, package: bool) -> object:
    """What read_grid makes of the file (with or without the package), or its refusal."""
    with monkeypatch.context() as m:
        if not package:
            real = safety.preflight
            m.setattr(
                "perfxl.grid.calamine_grid.preflight",
                lambda *a, **k: _without_package(real(*a, **k)),
            )
        try:
            g = read_grid(path)
        except UnreadableWorkbookError as exc:
            return f"{type(exc).__name__}: {exc.message}"
        return [(s.name, s.rows, s.merged, s.visible) for s in g.sheets]


def _without_package(pre: safety.Preflight) -> safety.Preflight:
    from dataclasses import replace

    return replace(pre, package=None)


def test_the_package_holds_every_member_as_the_file_does(tmp_path: Path) -> None:
    path = _book(tmp_path / "a.xlsx")
    pre = safety.preflight(path)
    assert pre.package is not None
    with zipfile.ZipFile(path) as zf, zipfile.ZipFile(io.BytesIO(pre.package)) as zp:
        assert zp.namelist() == zf.namelist()
        assert "xl/media/image1.png" in zp.namelist()
        assert zp.testzip() is None  # every CRC holds
        for info in zp.infolist():
            sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            assert (info.compress_type == zipfile.ZIP_STORED) == sheet, info.filename
            if not sheet:
                assert zp.read(info) == zf.read(info.filename)
                continue
            # A worksheet's merged ranges come first (`safety._merges_first`), the rest as is.
            xml, stored = zf.read(info.filename), zp.read(info)
            start, end = xml.index(b"<sheetData"), xml.index(b"</sheetData>") + 12
            if b"<mergeCells" in xml:
                stop = xml.index(b"</mergeCells>") + 13
                moved = xml[:start] + xml[end:stop] + xml[start:end] + xml[stop:]
            else:
                moved = xml[:start] + b"<mergeCells></mergeCells>" + xml[start:]
            assert stored == moved, info.filename
            assert stored.index(b"<mergeCells") < stored.index(b"<sheetData")


def test_calamine_reads_the_same_from_the_package_and_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _book(tmp_path / "b.xlsx")
    with_package = _cells(path, monkeypatch, package=True)
    assert with_package == _cells(path, monkeypatch, package=False)
    assert isinstance(with_package, list) and with_package[0][0] == "项目"
    assert with_package[0][2] == [(3, 1, 4, 2)] and with_package[1][3] is False


@pytest.mark.parametrize("name", ["xl/workbook.xml", "xl/styles.xml", "xl/worksheets/sheet2.xml"])
def test_a_broken_member_is_read_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """A part's CRC broken in the central directory: the preflight reads only its prolog, so
    the package copies it as it is, and calamine does with it what it does reading the file
    (it checks a CRC only where it reads a part to its end); a worksheet's is found by the
    preflight, which then builds no package."""
    path = _book(tmp_path / "c.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        start = zf.start_dir
    at = data.find(name.encode(), start) - 46
    assert data[at : at + 4] == b"PK\x01\x02"
    data[at + 16] ^= 1
    path.write_bytes(bytes(data))
    if name.startswith("xl/worksheets/"):  # found by the preflight (left to zipfile)
        with pytest.raises(safety.CorruptWorkbookError):
            safety.preflight(path)
    else:
        assert safety.preflight(path).package is not None
    assert _cells(path, monkeypatch, package=True) == _cells(path, monkeypatch, package=False)


def test_a_damaged_stream_is_refused_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workbook part's deflated bytes damaged past its prolog: the preflight passes it
    (it inflates only the prolog), calamine refuses it from the package as from the file,
    in the same words (from bytes calamine guesses the format and would only say it cannot;
    the file is then opened by its name for calamine's own reason)."""
    path = _book(tmp_path / "s.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/workbook.xml")
    body = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for k in range(info.compress_size // 2, info.compress_size - 8):
        data[body + k] ^= 0x55
    path.write_bytes(bytes(data))
    assert safety.preflight(path).package is not None
    refused = _cells(path, monkeypatch, package=True)
    assert isinstance(refused, str) and refused.startswith("CorruptWorkbookError")
    assert refused == _cells(path, monkeypatch, package=False)


def test_a_member_whose_local_header_differs_gets_no_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The image's local header names another file (the preflight never reads an image): no
    package is built and calamine opens the file, as before."""
    path = _book(tmp_path / "d.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/media/image1.png")
    at = info.header_offset + 30
    assert data[at : at + 19] == b"xl/media/image1.png"
    data[at : at + 19] = b"xl/media/image2.png"
    path.write_bytes(bytes(data))
    pre = safety.preflight(path)
    assert pre.kind == "xlsx" and pre.package is None
    assert _cells(path, monkeypatch, package=True) == _cells(path, monkeypatch, package=False)
    assert isinstance(_cells(path, monkeypatch, package=True), list)


def test_without_python_isal_zlib_inflates_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _book(tmp_path / "z.xlsx")
    with_isal = safety.preflight(path)
    assert safety._inflater()[0] is not zlib.decompress  # python-isal is a dependency
    monkeypatch.setitem(sys.modules, "isal", None)  # import isal: ImportError
    assert safety._inflater()[0] is zlib.decompress
    assert safety.preflight(path) == with_isal


def test_the_heap_is_kept_once_a_process_of_perfxls_reads_a_second_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfxl import heap

    calls: list[int] = []
    monkeypatch.setattr(heap, "_state", {"owned": False, "opened": 0})
    monkeypatch.setattr(heap, "keep", lambda: calls.append(1))
    path = _book(tmp_path / "h.xlsx")
    for _ in range(3):  # a program that imports perfxl: its allocator left as it is
        read_grid(path)
    assert calls == [] and not heap.owned()
    heap.own()  # the command line, a worker: the count starts again
    read_grid(path)
    assert calls == []  # one workbook: nothing set
    read_grid(path)
    read_grid(path)
    assert calls == [1]
    monkeypatch.undo()
    heap.keep()  # the real one: glibc's mallopt here, harmless anywhere
    assert read_grid(path).sheets[0].get(9, 3) == "远处"


def test_the_command_line_and_the_workers_own_their_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    from perfxl import heap
    from perfxl.cli import main
    from perfxl.consolidate.run import _worker_init

    monkeypatch.setattr(heap, "_state", {"owned": False, "opened": 0})
    assert CliRunner().invoke(main, ["--help"]).exit_code == 0
    assert heap.owned()
    monkeypatch.setattr(heap, "_state", {"owned": False, "opened": 5})
    import gc
    import signal

    old, thresholds = signal.getsignal(signal.SIGINT), gc.get_threshold()
    try:
        _worker_init()
        assert heap.owned() and heap._state["opened"] == 0
    finally:
        signal.signal(signal.SIGINT, old)
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_no_package_where_calamine_would_not_read_the_file_as_xlsx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From bytes calamine tries each format; from a name, the suffix's. An .xlsx named
    .xlsb, or holding an xl/workbook.bin, gets no package: read as before, by its name."""
    book = _book(tmp_path / "e.xlsx")
    assert safety.preflight(book).package is not None
    renamed = tmp_path / "e.xlsb"
    renamed.write_bytes(book.read_bytes())
    macro = tmp_path / "e.XLSM"
    macro.write_bytes(book.read_bytes())
    assert safety.preflight(macro).package is not None  # the suffix in any case
    both = tmp_path / "both.xlsx"
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(both, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        zout.writestr("xl/workbook.bin", b"\x00" * 16)
    for path in (renamed, both):
        assert safety.preflight(path).package is None
        assert _cells(path, monkeypatch, package=True) == _cells(path, monkeypatch, package=False)


# A worksheet's XML around its cells, for `test_merged_ranges_first_read_alike`.
_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<dimension ref="A1:C3"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
)
_CELLS = (
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c>'
    b'<c r="C1"><v>1</v></c></row><row r="3"><c r="B3"><v>2</v></c></row></sheetData>'
)
_MERGES = b'<mergeCells count="2"><mergeCell ref="A1:B1"/><mergeCell ref="B2:C3"/></mergeCells>'
_TAIL = b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
_PROTECTION = b'<sheetProtection sheet="1" objects="1"/>'


@pytest.mark.parametrize(
    ("xml", "moved"),
    [
        (_HEAD + _CELLS + _MERGES + _TAIL, True),
        (_HEAD + _CELLS + _PROTECTION + _MERGES + _TAIL, True),  # moved with what is between
        (_HEAD + _CELLS + _TAIL, True),  # no merged range: an empty mergeCells first
        (_HEAD + _CELLS + b'<mergeCells count="0"/>' + _TAIL, False),  # no end tag
        # mergeCells where a reader would not take it for an element, or not first:
        (
            _HEAD
            + _CELLS.replace(b"</row>", b"<!-- <mergeCells></mergeCells> --></row>", 1)
            + _MERGES
            + _TAIL,
            False,
        ),
        (
            _HEAD
            + _CELLS.replace(b"</row>", _MERGES.replace(b"A1:B1", b"A3:B3") + b"</row>", 1)
            + _MERGES
            + _TAIL,
            False,
        ),
        (_HEAD + _CELLS + _MERGES + _MERGES + _TAIL, True),  # calamine takes the first
        (_HEAD + _CELLS + b"<![CDATA[x]]>" + _MERGES + _TAIL, False),
        (
            _HEAD + _CELLS + b'<autoFilter ref="<mergeCells></mergeCells>"/>' + _MERGES + _TAIL,
            False,
        ),
        (_HEAD + _CELLS + b'<autoFilter ref="</sheetData>"/>' + _MERGES + _TAIL, False),
        # `<sheetData` where a reader would not take it for the cells' start:
        (_HEAD.replace(b'Id="0"', b'Id="0" x="<sheetData>"') + _CELLS + _MERGES + _TAIL, False),
        (_HEAD + b"<?pi <sheetData>?>" + _CELLS + _MERGES + _TAIL, False),
        (_HEAD + b"<!-- <sheetData> -->" + _CELLS + _MERGES + _TAIL, False),
        (_HEAD + b"<!-- > <sheetData> -->" + _CELLS + _MERGES + _TAIL, False),
        (_HEAD + _CELLS + b"<!-- </sheetData> -->" + _MERGES + _TAIL, False),
        (_HEAD + _CELLS + b"<!-- <mergeCells></mergeCells> -->" + _TAIL, False),
        (_HEAD + _CELLS + b'<dimension ref="A1:Z99"/>' + _MERGES + _TAIL, False),
        (_HEAD + _CELLS.replace(b"<sheetData>", b"<sheetData/>"), False),
    ],
)
def test_merged_ranges_first_read_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xml: bytes, moved: bool
) -> None:
    """The package's worksheets hold their merged ranges before their cells, where
    python-calamine finds them without reading the cells' XML a second time; where the bytes
    do not show that calamine would read the same (a comment, a second mergeCells, a tag
    inside a quoted value...), the part is stored as it is. Either way calamine reads from
    the package what it reads from the file."""
    path = tmp_path / "m.xlsx"
    with zipfile.ZipFile(_book(tmp_path / "src.xlsx")) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = xml if info.filename == "xl/worksheets/sheet1.xml" else zin.read(info)
            zout.writestr(info, data)
    pre = safety.preflight(path)
    assert pre.package is not None
    with zipfile.ZipFile(io.BytesIO(pre.package)) as zp:
        stored = zp.read("xl/worksheets/sheet1.xml")
    assert (stored != xml) is moved
    if moved:
        assert stored.index(b"<mergeCells") < stored.index(b"<sheetData")
        assert sorted(stored.replace(b"<mergeCells></mergeCells>", b"")) == sorted(xml)
    assert _cells(path, monkeypatch, package=True) == _cells(path, monkeypatch, package=False)


def test_the_bytes_read_once_are_checked_as_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`safety.read_whole` reads a small file once: the preflight checks those bytes as it
    checks the file (reading nothing again), and `extract_file` hashes them; a file over
    `safety.IN_MEMORY` is not read whole and is hashed as a stream, to the same digest."""
    import hashlib

    from perfxl.consolidate.extract import extract_file

    path = _book(tmp_path / "w.xlsx")
    data, st = safety.read_whole(path)
    assert data == path.read_bytes() and st.st_size == len(data)
    never_written = tmp_path / "never.xlsx"  # the bytes are all the preflight has
    assert safety.preflight(never_written, data=data) == safety.preflight(path)
    digest = hashlib.sha256(data).hexdigest()
    assert extract_file(str(path)).files[0].sha256 == digest
    monkeypatch.setattr(safety, "IN_MEMORY", len(data) - 1)
    assert safety.read_whole(path)[0] is None
    assert extract_file(str(path)).files[0].sha256 == digest
