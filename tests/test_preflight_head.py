"""Preflight reads a workbook's XML parts as far as their prolog, and skips counting real
sizes only when the compressed sizes bound them (perfxl.safety._bounded)."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import Workbook

from perfxl import safety
from perfxl.grid.calamine_grid import read_grid


def _book(path: Path) -> Path:
    wb = Workbook()
    wb.active.append(["a", 1, 2.5])
    wb.save(path)
    return path


def _with_part(
    src: Path, out: Path, name: str, body: bytes, method: int = zipfile.ZIP_DEFLATED
) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != name:
                zout.writestr(info.filename, zin.read(info))
        zout.writestr(name, body, compress_type=method)
    return out


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
