"""Preflight reads a workbook's XML parts as far as their prolog, and skips counting real
sizes only when the compressed sizes bound them (perfxl.safety._bounded)."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from books import with_part as _with_part
from openpyxl import Workbook

from perfxl import safety
from perfxl.grid.calamine_grid import read_grid


def _book(path: Path) -> Path:
    wb = Workbook()
    wb.active.append(["a", 1, 2.5])
    wb.save(path)
    return path


def _workbook_xml(src: Path) -> bytes:
    with zipfile.ZipFile(src) as z:
        return z.read("xl/workbook.xml").split(b"?>", 1)[-1]


@pytest.mark.parametrize(
    "prolog",
    [
        # a comment longer than the head read first: the rest is read before deciding
        b'<?xml version="1.0"?><!--' + b"x" * 40_000 + b'--><!DOCTYPE x [<!ENTITY a "b">]>',
        # markup-like text inside a comment does not end the prolog
        b'<?xml version="1.0"?><!-- <a> --><?pi x?>\n<!DOCTYPE x [<!ENTITY a "b">]>',
        b'\xef\xbb\xbf<?xml version="1.0"?>\r\n<!ENTITY a "b">',
    ],
)
def test_a_dtd_after_any_prolog_is_refused(tmp_path: Path, prolog: bytes) -> None:
    base = _book(tmp_path / "a.xlsx")
    path = _with_part(base, tmp_path / "dtd.xlsx", "xl/workbook.xml", prolog + _workbook_xml(base))
    with pytest.raises(safety.UnsafeWorkbookError) as info:
        read_grid(path)
    assert info.value.part == "xl/workbook.xml" and "<!" in info.value.message


def test_markup_after_the_root_element_is_not_a_dtd(tmp_path: Path) -> None:
    base = _book(tmp_path / "b.xlsx")
    body = b'<?xml version="1.0"?><Properties><Note><![CDATA[<!DOCTYPE x>]]></Note></Properties>'
    path = _with_part(base, tmp_path / "cdata.xlsx", "docProps/app.xml", body)
    assert safety.preflight(path).kind == "xlsx"


def test_sizes_are_bounded_by_compressed_sizes(tmp_path: Path) -> None:
    base = _book(tmp_path / "c.xlsx")
    with zipfile.ZipFile(base) as z:
        infos = z.infolist()
    assert safety._bounded(infos, safety.DEFAULT_LIMITS)
    # a limit below the worst case of one member: real sizes are counted
    worst = max(i.compress_size for i in infos) * safety._DEFLATE_MAX_RATIO
    assert not safety._bounded(infos, replace(safety.DEFAULT_LIMITS, max_part_bytes=worst - 1))
    assert not safety._bounded(infos, replace(safety.DEFAULT_LIMITS, max_total_bytes=worst - 1))
    # bzip2 has no such bound
    bz = _with_part(base, tmp_path / "bz.xlsx", "xl/media/x.bin", b"0" * 1000, zipfile.ZIP_BZIP2)
    with zipfile.ZipFile(bz) as z:
        assert not safety._bounded(z.infolist(), safety.DEFAULT_LIMITS)


def test_a_lying_header_on_a_bzip2_member_is_still_counted(tmp_path: Path) -> None:
    base = _book(tmp_path / "d.xlsx")
    path = _with_part(
        base, tmp_path / "bz.xlsx", "xl/media/pad.bin", b"0" * 300_000, zipfile.ZIP_BZIP2
    )
    data = bytearray(path.read_bytes())
    central = bytes(data).find(b"xl/media/pad.bin", data.find(b"PK\x01\x02")) - 46
    data[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(safety.UnreadableWorkbookError):
        safety.preflight(path, safety.Limits(max_part_bytes=100_000))


def _slow(path: Path, monkeypatch: pytest.MonkeyPatch) -> safety.Preflight | str:
    """The preflight through `zipfile` only (the in-memory scan switched off): the result, or
    the refusal's class and message."""
    with monkeypatch.context() as m:
        m.setattr(safety, "_scan_in_memory", lambda *a: False)
        try:
            return safety.preflight(path)
        except safety.UnreadableWorkbookError as exc:
            return f"{type(exc).__name__}: {exc.message}"


def _fast(path: Path) -> safety.Preflight | str:
    try:
        return safety.preflight(path)
    except safety.UnreadableWorkbookError as exc:
        return f"{type(exc).__name__}: {exc.message}"


def _scanned_in_memory(path: Path) -> bool:
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    sizes: dict[str, tuple[int, int]] = {}
    errors: set[str] = set()
    limits = safety.DEFAULT_LIMITS
    return safety._scan_in_memory(path, path.stat().st_size, infos, "x", limits, sizes, errors)


def test_a_workbook_is_scanned_in_memory_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wb = Workbook()
    wb.active.append(["a", 1, 2.5])
    wb.active["D7"] = "=1/0"
    wb.create_sheet("二").append([None, None, "x"])
    wb.save(tmp_path / "ok.xlsx")
    path = tmp_path / "ok.xlsx"
    assert _scanned_in_memory(path)
    fast = _fast(path)
    assert isinstance(fast, safety.Preflight)
    slow = _slow(path, monkeypatch)
    assert isinstance(slow, safety.Preflight) and slow.core is None
    assert fast.core is not None and b"dcterms:modified" in fast.core
    assert fast.package is not None and slow.package is None
    assert replace(fast, core=None, package=None) == slow
    assert fast.sheet_sizes == {
        "xl/worksheets/sheet1.xml": (7, 4),
        "xl/worksheets/sheet2.xml": (1, 3),
    }


def _sheet_xml(cells: bytes) -> bytes:
    return (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData>' + cells + b"</sheetData></worksheet>"
    )


def _crc_broken(src: Path, out: Path, name: str) -> Path:
    """``src`` with the central directory's CRC of ``name`` changed."""
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo(name)
    at = data.find(name.encode(), data.find(b"PK\x01\x02")) - 46
    assert data[at : at + 4] == b"PK\x01\x02"
    data[at + 16 : at + 20] = (info.CRC ^ 1).to_bytes(4, "little")
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize(
    "case",
    ["far_cell", "dtd_in_sheet", "dtd_in_part", "bad_crc", "encrypted_flag", "stored_far_cell"],
)
def test_refusals_are_the_same_with_and_without_the_in_memory_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    base = _book(tmp_path / "base.xlsx")
    sheet = "xl/worksheets/sheet1.xml"
    far = _sheet_xml(b'<row r="1"><c r="A1"><v>1</v></c><c r="XFD900000"><v>2</v></c></row>')
    if case == "far_cell":
        path = _with_part(base, tmp_path / "p.xlsx", sheet, far)
    elif case == "stored_far_cell":
        path = _with_part(base, tmp_path / "p.xlsx", sheet, far, zipfile.ZIP_STORED)
    elif case == "dtd_in_sheet":
        body = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + far.split(b"?>", 1)[1]
        path = _with_part(base, tmp_path / "p.xlsx", sheet, body)
    elif case == "dtd_in_part":
        body = b'<?xml version="1.0"?><!DOCTYPE x>' + _workbook_xml(base)
        path = _with_part(base, tmp_path / "p.xlsx", "xl/workbook.xml", body)
    elif case == "bad_crc":
        path = _crc_broken(base, tmp_path / "p.xlsx", sheet)
    else:  # the encryption bit set in the local and central headers of the sheet
        data = bytearray(base.read_bytes())
        with zipfile.ZipFile(base) as zf:
            info = zf.getinfo(sheet)
        data[info.header_offset + 6] |= 1
        at = data.find(sheet.encode(), data.find(b"PK\x01\x02")) - 46
        data[at + 8] |= 1
        path = tmp_path / "p.xlsx"
        path.write_bytes(bytes(data))
    fast, slow = _fast(path), _slow(path, monkeypatch)
    assert isinstance(fast, str) and fast == slow
    assert fast.startswith(
        ("UnsafeWorkbookError", "CorruptWorkbookError", "EncryptedWorkbookError")
    )
    if case in ("bad_crc", "encrypted_flag"):
        assert not _scanned_in_memory(path)  # left to zipfile, which says why


def test_the_saved_time_is_read_from_the_core_part_kept_by_the_preflight(tmp_path: Path) -> None:
    from perfxl.savedtime import saved_time

    path = _book(tmp_path / "t.xlsx")
    grid = read_grid(path)
    assert grid.core is not None
    assert saved_time(path, grid.core) == saved_time(path) is not None
    # a core part naming no time: the zip is read as before (and names none either)
    assert saved_time(path, b"<cp:coreProperties xmlns:cp='x'/>") == saved_time(path)
    assert saved_time(path, b"<not xml") is None  # as a malformed part in the zip gives


def test_a_cached_error_cell_is_noted_by_both_scans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = _book(tmp_path / "base.xlsx")
    sheet = "xl/worksheets/sheet1.xml"
    body = _sheet_xml(b'<row r="2"><c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>')
    path = _with_part(base, tmp_path / "err.xlsx", sheet, body)
    fast, slow = _fast(path), _slow(path, monkeypatch)
    assert isinstance(fast, safety.Preflight) and isinstance(slow, safety.Preflight)
    assert fast.error_parts == slow.error_parts == frozenset({sheet})
    assert fast.sheet_sizes == slow.sheet_sizes == {sheet: (2, 3)}
    assert read_grid(path).sheets[0].get(2, 3) == "#DIV/0!"


@pytest.mark.parametrize(
    ("cells", "small"),
    [
        (b'<row r="1"><c r="A1"><v>1</v></c><c r="ZZ999" s="1"/></row>', True),
        (b'<row r="1"><c r="A1"><v>1</v></c><c r="C1000"><v>2</v></c></row>', False),
        (b'<row r="1"><c r="AAA1" s="2"/><c r="B2"><v>2</v></c></row>', False),  # empty, far
        (b'<row r="1"><c r="A0001"><v>1</v></c></row>', False),  # four digits
        (b'<row r="1"><c s="1" r="B2"><v>1</v></c></row>', False),  # r not first
        (b'<row r="1"><c><v>1</v></c></row>', False),  # no reference
        (b'<row r="1"><x:c r="B2"><v>1</v></x:c></row>', False),  # a prefix
    ],
)
def test_a_part_of_small_cells_is_measured_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cells: bytes, small: bool
) -> None:
    """`_small_cells_only` proves a part within the limits from its cell tags; its size is
    measured when read, and is what the full measure (and the zipfile scan) gives."""
    data = _sheet_xml(cells)
    assert safety._small_cells_only(data, safety.DEFAULT_LIMITS) is small
    # limits below what the proof covers: measured, whatever the part holds
    assert not safety._small_cells_only(data, replace(safety.DEFAULT_LIMITS, max_sheet_rows=998))
    base = _book(tmp_path / "base.xlsx")
    sheet = "xl/worksheets/sheet1.xml"
    path = _with_part(base, tmp_path / "p.xlsx", sheet, data)
    fast, slow = _fast(path), _slow(path, monkeypatch)
    assert isinstance(fast, safety.Preflight) and isinstance(slow, safety.Preflight)
    assert fast.sheet_sizes is not None and slow.sheet_sizes is not None
    extent = safety._extent_of(data)
    assert fast.sheet_sizes[sheet] == slow.sheet_sizes[sheet] == (extent.rows, extent.cols)
    assert dict(fast.sheet_sizes) == dict(slow.sheet_sizes)


def test_a_small_part_under_tighter_limits_is_refused_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = _book(tmp_path / "base.xlsx")
    sheet = "xl/worksheets/sheet1.xml"
    data = _sheet_xml(b'<row r="1"><c r="A1"><v>1</v></c><c r="C900"><v>2</v></c></row>')
    path = _with_part(base, tmp_path / "p.xlsx", sheet, data)
    limits = replace(safety.DEFAULT_LIMITS, max_sheet_rows=500)
    with pytest.raises(safety.UnsafeWorkbookError) as fast:
        safety.preflight(path, limits)
    with monkeypatch.context() as m:
        m.setattr(safety, "_scan_in_memory", lambda *a: False)
        with pytest.raises(safety.UnsafeWorkbookError) as slow:
            safety.preflight(path, limits)
    assert fast.value.message == slow.value.message and "900 行 × 3 列" in fast.value.message
