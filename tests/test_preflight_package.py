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
            assert zp.read(info) == zf.read(info.filename)
            sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            assert (info.compress_type == zipfile.ZIP_STORED) == sheet, info.filename


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


def test_the_heap_is_kept_once_a_process_reads_a_second_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfxl.grid import calamine_grid

    calls: list[int] = []
    monkeypatch.setattr(calamine_grid, "_opened", [0])
    monkeypatch.setattr(calamine_grid, "_keep_heap", lambda: calls.append(1))
    path = _book(tmp_path / "h.xlsx")
    read_grid(path)
    assert calls == []  # one workbook: nothing set
    read_grid(path)
    read_grid(path)
    assert calls == [1]
    monkeypatch.undo()
    calamine_grid._keep_heap()  # the real one: glibc's mallopt here, harmless anywhere
    assert read_grid(path).sheets[0].get(9, 3) == "远处"


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
