"""The zip layer: raw copies of untouched entries, odd archives, refused inputs."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import patchfixtures as pf
import pytest

from perfxl.write.patch import (
    CellWrite,
    NotAWorkbookError,
    UnsafeXmlError,
    WorkbookPatch,
    write_cells,
)
from perfxl.write.patch.zipraw import ZipSource

P = pf.PROJECT


class _Unseekable(io.RawIOBase):
    """A write-only stream without seek, so zipfile writes data descriptors."""

    def __init__(self) -> None:
        self.buf = io.BytesIO()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[no-untyped-def,override]
        return self.buf.write(b)


def _rezip(
    src: Path, dst: Path, *, streamed: bool = False, comment: bytes = b"", zip64: bool = False
) -> None:
    sink: _Unseekable | io.BytesIO = _Unseekable() if streamed else io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zout:  # type: ignore[arg-type]
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, info.date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(zi, "w", force_zip64=zip64) as fh:
                fh.write(zin.read(info.filename))
        zout.comment = comment
    dst.write_bytes(sink.buf.getvalue() if isinstance(sink, _Unseekable) else sink.getvalue())


def _check(src: Path, out: Path, changed: set[str]) -> None:
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
    assert pf.names(out) == pf.names(src)
    old, new = pf.parts(src), pf.parts(out)
    assert {n for n in old if old[n] != new[n]} == changed


def test_entries_with_data_descriptors_are_copied_raw(tmp_path: Path) -> None:
    src = tmp_path / "streamed.xlsx"
    _rezip(pf.rich_workbook(tmp_path), src, streamed=True, comment=b"perfxl test")
    with zipfile.ZipFile(src) as z:
        assert all(i.flag_bits & 0x08 for i in z.infolist())
    assert ZipSource(src.read_bytes()).records is not None  # raw path, not the fallback
    out = tmp_path / "out.xlsx"
    write_cells(src, [CellWrite(P, "A9", 1)], out=out)
    _check(src, out, {pf.sheet_part(src, P)})
    before, after = pf.raw_entries(src), pf.raw_entries(out)
    assert all(after[n] == before[n] for n in before if n != pf.sheet_part(src, P))
    with zipfile.ZipFile(out) as z:
        assert z.comment == b"perfxl test"


def test_zip64_extra_fields_are_copied_raw(tmp_path: Path) -> None:
    src = tmp_path / "z64.xlsx"
    _rezip(pf.rich_workbook(tmp_path), src, zip64=True)
    assert ZipSource(src.read_bytes()).records is not None
    out = tmp_path / "out.xlsx"
    write_cells(src, [CellWrite(P, "A9", 1)], out=out)
    _check(src, out, {pf.sheet_part(src, P)})
    before, after = pf.raw_entries(src), pf.raw_entries(out)
    assert all(after[n] == before[n] for n in before if n != pf.sheet_part(src, P))


def test_archives_with_a_prefix_fall_back_to_recompressing(tmp_path: Path) -> None:
    rich = pf.rich_workbook(tmp_path)
    src = tmp_path / "prefixed.xlsx"
    src.write_bytes(b"SFX stub " * 20 + rich.read_bytes())
    assert ZipSource(src.read_bytes()).records is None
    out = tmp_path / "out.xlsx"
    write_cells(src, [CellWrite(P, "A9", 1)], out=out)
    _check(src, out, {pf.sheet_part(src, P)})
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        assert [i.date_time for i in a.infolist()] == [i.date_time for i in b.infolist()]


def test_new_parts_get_the_first_entrys_time_stamp(tmp_path: Path) -> None:
    from perfxl.write.patch import Annotation, annotate

    src = pf.rich_workbook(tmp_path)
    out = tmp_path / "a.xlsx"
    result = annotate(src, [Annotation("参数", "A1", "info", "x")], out=out)
    stamp = pf.raw_entries(src)["[Content_Types].xml"][1]
    new_parts = set(pf.names(out)) - set(pf.names(src))
    assert new_parts and new_parts <= set(result.changed_parts)
    assert {pf.raw_entries(out)[n][1] for n in new_parts} == {stamp}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip at all", "不是有效的"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "加密"),
    ],
)
def test_not_a_workbook(data: bytes, message: str) -> None:
    with pytest.raises(NotAWorkbookError, match=message):
        WorkbookPatch(data)


def _patched(src: Path, name: str, edit) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == name:
                data = edit(data)
            if data is not None:
                zout.writestr(info, data)
    return out.getvalue()


def test_refused_inputs(tmp_path: Path) -> None:
    src = pf.rich_workbook(tmp_path)
    doctype = _patched(
        src,
        "xl/workbook.xml",
        lambda d: d.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1),
    )
    with pytest.raises(UnsafeXmlError):
        WorkbookPatch(doctype)
    sheet = pf.sheet_part(src, P)
    bomb = _patched(
        src,
        sheet,
        lambda d: d.replace(b"?>", b'?><!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1),
    )
    with pytest.raises(UnsafeXmlError):
        WorkbookPatch(bomb).write_cells([CellWrite(P, "A1", 1)])
    no_book = _patched(src, "xl/workbook.xml", lambda d: None)
    with pytest.raises(NotAWorkbookError):
        WorkbookPatch(no_book)
    strict = _patched(
        src,
        "xl/workbook.xml",
        lambda d: d.replace(
            b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        ),
    )
    with pytest.raises(NotAWorkbookError, match="Strict"):
        WorkbookPatch(strict)


def test_bom_and_prefixed_namespace_are_kept(tmp_path: Path) -> None:
    src = pf.rich_workbook(tmp_path)
    sheet = pf.sheet_part(src, P)

    def prefixed(d: bytes) -> bytes:
        text = d.decode()
        text = text.replace(
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
            'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
        )
        import re

        text = re.sub(r"<(/?)(?=[A-Za-z])(?![a-z0-9]+:)", r"<\1x:", text)
        return b"\xef\xbb\xbf" + text.encode()

    odd = tmp_path / "odd.xlsx"
    odd.write_bytes(_patched(src, sheet, prefixed))
    out = tmp_path / "out.xlsx"
    write_cells(odd, [CellWrite(P, "A9", 3), CellWrite(P, "K40", "新")], out=out)
    new = pf.parts(out)[sheet]
    assert new.startswith(b"\xef\xbb\xbf")
    assert b'<x:row r="40"><x:c r="K40" t="inlineStr"><x:is><x:t>' in new
    assert pf.without_cells(
        pf.parts(odd)[sheet].lstrip(b"\xef\xbb\xbf"), {"A9", "K40"}
    ) == pf.without_cells(new.lstrip(b"\xef\xbb\xbf"), {"A9", "K40"})


def test_changed_parts_are_deflated_at_the_fast_level(tmp_path: Path) -> None:
    """A changed part is deflated at the fast level (zipraw.REWRITE_LEVEL): its stored bytes
    are python-isal's level 1 raw deflate of the new content where isal is installed, else
    zlib's level 1, and they read back the same in openpyxl."""
    import importlib.util
    import zlib

    import openpyxl

    from perfxl.write.patch import zipraw

    assert zipraw.REWRITE_LEVEL == 1
    src = pf.rich_workbook(tmp_path)
    out = tmp_path / "out.xlsx"
    write_cells(src, [CellWrite(P, "A9", 12.5)], out=out)
    part = pf.sheet_part(src, P)
    with zipfile.ZipFile(out) as z:
        content = z.read(part)
        info = z.getinfo(part)
    if importlib.util.find_spec("isal") is not None:
        from isal import isal_zlib

        expected = bytes(isal_zlib.compress(content, 1, wbits=-15))
    else:
        c = zlib.compressobj(1, zlib.DEFLATED, -15)
        expected = c.compress(content) + c.flush()
    assert pf.raw_entries(out)[part][0] == expected
    assert zlib.decompress(expected, -15) == content
    c6 = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert info.compress_size != len(c6.compress(content) + c6.flush())
    assert openpyxl.load_workbook(out)[P]["A9"].value == 12.5
