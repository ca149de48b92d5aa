"""Zip output that copies unchanged entries as raw bytes: perfxl's one zip writer.

Every entry the engine did not change is copied as it stands in the source: the
local header, the compressed bytes and any data descriptor, and its central
directory record (only the offset is updated). Changed and new entries are
deflated with zlib and carry the date/time stamp of the entry they replace (new
ones: that of the source's first entry), so repeated runs give identical bytes.

:class:`ZipWriter` writes to a file entry by entry, an entry possibly streamed in
pieces (the summary's long sheets); :func:`build` is it over bytes in memory (the
write-back engine, the add-in builder).

Sources using ZIP64 records or a prefix before the first entry fall back to
:mod:`zipfile`, which recompresses: the contents are still identical.
"""

from __future__ import annotations

import importlib
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, BinaryIO

from perfxl.errors import NotAWorkbookError

_EOCD = struct.Struct("<4s4H2LH")
_CDIR = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_UTF8 = 0x800
_MAX32 = 0xFFFFFFFF
_LIMIT = _MAX32  # a size or offset at least this big needs ZIP64 (a test lowers it)


@dataclass(frozen=True)
class Record:
    """One source entry as raw bytes.

    Attributes:
        name: the entry name.
        local: local header, data and data descriptor, verbatim.
        central: the central directory record, verbatim.
        dostime: the DOS time field, kept for entries that replace it.
        dosdate: the DOS date field.
    """

    name: str
    local: bytes
    central: bytes
    dostime: int
    dosdate: int


# Why a workbook perfxl reads is not written back into (compute, validate --annotate /
# --in-place, fill --into write only an .xlsx/.xlsm package), by what it is.
READ_ONLY = {
    "ole": "文件是旧版 .xls 工作簿或加密的工作簿（OLE 复合文档）：perfxl 只写回 .xlsx/.xlsm "
    "工作簿。请用 Excel/WPS 打开后另存为 .xlsx（有打开密码的先取消密码）再运行。",
    "xls": "这是旧版 .xls 工作簿：perfxl 能读取、校验和汇总它，但只写回 .xlsx/.xlsm "
    "工作簿。请用 Excel/WPS 打开后另存为 .xlsx 再运行。",
    "ods": "这是 OpenDocument 表格（.ods）：perfxl 能读取、校验和汇总它，但只写回 .xlsx/.xlsm "
    "工作簿。请用 WPS、LibreOffice 或 Excel 打开后另存为 .xlsx 再运行。",
}


class ZipSource:
    """A zip held in memory: names in order, contents, raw records."""

    def __init__(self, data: bytes, path: str | None = None) -> None:
        """Open ``data``.

        Raises:
            NotAWorkbookError: not a zip, an encrypted workbook, or duplicate names.
        """
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise NotAWorkbookError(READ_ONLY["ole"], path=path)
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError) as exc:
            raise NotAWorkbookError(f"不是有效的 .xlsx/.xlsm 文件（{exc}）。", path=path) from exc
        self.infos = self._zip.infolist()
        self.names = [i.filename for i in self.infos]
        if len(set(n.lower() for n in self.names)) != len(self.names):
            raise NotAWorkbookError("压缩包中有重名的部件。", path=path)
        self.path = path
        self.stamp = self.infos[0].date_time if self.infos else (1980, 1, 1, 0, 0, 0)
        self.records = _raw_records(data, self.names)
        self.comment = self._zip.comment
        self._inflated: dict[str, bytes] = {}

    def adopt(self, parts: dict[str, bytes]) -> int:
        """Take entries' contents inflated elsewhere (the preflight's worksheets), so
        :meth:`read` need not inflate them again; one is taken only when its length and
        CRC-32 are this zip's for that name. Returns how many were taken."""
        infos = {i.filename: i for i in self.infos}
        for name, data in parts.items():
            info = infos.get(name)
            if info is not None and info.file_size == len(data) and zlib.crc32(data) == info.CRC:
                self._inflated[name] = data
        return len(self._inflated)

    def read(self, name: str) -> bytes:
        """The uncompressed content of an entry (CRC checked)."""
        data = self._inflated.get(name)
        if data is not None:
            return data
        try:
            return self._zip.read(name)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as exc:
            raise NotAWorkbookError(f"部件 {name} 无法解压（{exc}）。", path=self.path) from exc


def _raw_records(data: bytes, names: list[str]) -> dict[str, Record] | None:
    """Raw records by name, or None when the layout needs the zipfile fallback."""
    pos = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if pos < 0 or pos + _EOCD.size > len(data):
        return None
    _, disk, disk_cd, n_disk, n, _cd_size, cd_off, _ = _EOCD.unpack_from(data, pos)
    if disk or disk_cd or n != n_disk or n == 0xFFFF or cd_off == _MAX32:
        return None
    if data.rfind(b"PK\x06\x07", max(0, pos - 20), pos) >= 0:
        return None
    rows: list[tuple[int, bytes, str, int, int]] = []
    p = cd_off
    for _ in range(n):
        if data[p : p + 4] != b"PK\x01\x02":
            return None
        f = _CDIR.unpack_from(data, p)
        flags, csize, usize, nlen, xlen, clen, off = f[5], f[10], f[11], f[12], f[13], f[14], f[18]
        if _MAX32 in (csize, usize, off):
            return None
        raw_name = data[p + _CDIR.size : p + _CDIR.size + nlen]
        name = raw_name.decode("utf-8" if flags & _UTF8 else "cp437")
        size = _CDIR.size + nlen + xlen + clen
        rows.append((off, data[p : p + size], name, f[7], f[8]))
        p += size
    if [r[2] for r in rows] != names:
        return None
    starts = sorted(r[0] for r in rows)
    if not starts or starts[0] != 0:
        return None
    ends = dict(zip(starts, [*starts[1:], cd_off], strict=True))
    out: dict[str, Record] = {}
    for off, central, name, t, d in rows:
        if data[off : off + 4] != b"PK\x03\x04":
            return None
        out[name] = Record(name, data[off : ends[off]], central, t, d)
    return out


@dataclass(frozen=True)
class NewEntry:
    """An entry to write from content.

    Attributes:
        name: the entry name.
        data: the uncompressed content.
        like: the source record it replaces (flags, attributes, time), or None for a new part.
    """

    name: str
    data: bytes
    like: Record | None


def _dos(stamp: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    y, mo, d, h, mi, s = stamp
    return (h << 11) | (mi << 5) | (s // 2), ((max(y, 1980) - 1980) << 9) | (mo << 5) | d


@lru_cache(maxsize=1)
def _isal() -> Any:
    """python-isal's zlib module, or None where it is not installed (imported when first
    needed: a command that writes no workbook does not load it)."""
    try:
        return importlib.import_module("isal.isal_zlib")
    except ImportError:  # zlib does the same, slower
        return None


def deflater() -> str:
    """The library that deflates rewritten parts: ``python-isal`` where installed, else
    ``zlib`` (said beside the benchmarks' figures)."""
    return "python-isal" if _isal() is not None else "zlib"


def _deflate(data: bytes, level: int = 6) -> bytes:
    if level == REWRITE_LEVEL and (fast := _isal()) is not None:
        return bytes(fast.compress(data, _ISAL_LEVEL, wbits=-15))
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


Like = Record | zipfile.ZipInfo | None
"""The source entry a new one replaces (its time and attributes are kept), or None."""

_ZIP64_EXTRA = struct.Struct("<2H2Q")  # id 1, size 16, uncompressed, compressed
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR = struct.Struct("<4sLQL")


class ZipWriter:
    """A zip written entry by entry to a seekable binary file.

    Entries are copied raw (:meth:`copy`), deflated whole (:meth:`add`) or streamed in pieces
    (:meth:`open`: the local header is written first and its CRC and sizes filled in by
    seeking back once the entry is complete). :meth:`finish` writes the central directory.
    """

    def __init__(self, out: BinaryIO, stamp: tuple[int, int, int, int, int, int]) -> None:
        """Write to ``out`` (at its current position); new entries are dated ``stamp``."""
        self._out = out
        self._base = out.tell()
        self._stamp = stamp
        self._central: list[bytes] = []
        self._open = False

    def _tell(self) -> int:
        return self._out.tell() - self._base

    def copy(self, rec: Record) -> None:
        """Copy a source entry as it stands (only its offset changes)."""
        self._check_closed()
        offset = self._tell()
        self._out.write(rec.local)
        if offset >= _LIMIT:
            self._central.append(_with_zip64_offset(rec.central, offset))
        else:
            self._central.append(rec.central[:42] + struct.pack("<L", offset) + rec.central[46:])

    def add(self, name: str, data: bytes, like: Like = None, level: int = 6) -> None:
        """Deflate ``data`` as the entry ``name`` (``like``: the source entry it replaces)."""
        self._check_closed()
        comp = _deflate(data, level)
        crc = zlib.crc32(data)
        head = _Head(name, like, self._stamp)
        offset = self._tell()
        self._out.write(head.local(crc, len(comp), len(data)))
        self._out.write(comp)
        self._central.append(head.central(crc, len(comp), len(data), offset))

    def open(self, name: str, like: Like = None, level: int = 6) -> EntryWriter:
        """A file-like object to write the entry ``name`` in pieces; close it to finish it.

        Its local header carries a ZIP64 field, so the entry may grow past 4 GiB.
        """
        self._check_closed()
        self._open = True
        return EntryWriter(self, _Head(name, like, self._stamp, zip64=True), level)

    def _check_closed(self) -> None:
        if self._open:
            raise ValueError("an entry is still being written")

    def finish(self, comment: bytes = b"", *, zip64: bool = False) -> None:
        """Write the central directory and the end record.

        Args:
            comment: the archive comment.
            zip64: allow ZIP64 end records (over 4 GiB or 65,535 entries).

        Raises:
            NotAWorkbookError: the archive would need ZIP64 and ``zip64`` is False.
        """
        self._check_closed()
        cd_off = self._tell()
        for rec in self._central:
            self._out.write(rec)
        cd_size = self._tell() - cd_off
        n = len(self._central)
        big = cd_off + cd_size >= _LIMIT or n >= 0xFFFF
        if big and not zip64:
            raise NotAWorkbookError("工作簿过大（超过 4 GiB 或 65535 个部件），无法写回。")
        if big:
            end64 = self._tell()
            self._out.write(_EOCD64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, cd_size, cd_off))
            self._out.write(_LOCATOR.pack(b"PK\x06\x07", 0, end64, 1))
            n, cd_size, cd_off = 0xFFFF, _MAX32, _MAX32
        self._out.write(_EOCD.pack(b"PK\x05\x06", 0, 0, n, n, cd_size, cd_off, len(comment)))
        self._out.write(comment)


def crc32_combine(crc_a: int, crc_b: int, len_b: int) -> int:
    """The CRC-32 of A + B from A's, B's and B's length: python-isal's ``crc32_combine``
    where installed (zlib's, well under a microsecond), else by CRC-32 being affine in its
    start value: crc(B, start) ^ crc(B, 0) depends only on start and len(B) (the CRC-32 of
    len(B) zeros twice: 0.5 ms per megabyte, and a summary splices in hundreds of them)."""
    if (fast := _isal()) is not None:
        return int(fast.crc32_combine(crc_a, crc_b, len_b))
    zeros = bytes(len_b)
    return crc_b ^ zlib.crc32(zeros, crc_a) ^ zlib.crc32(zeros)


class EntryWriter:
    """One entry of a :class:`ZipWriter` being written: deflated and checksummed as it comes.

    zlib releases the GIL while it compresses, so another thread may write while this one
    renders the next piece.
    """

    def __init__(self, zw: ZipWriter, head: _Head, level: int) -> None:
        self._zw = zw
        self._head = head
        self._level = level
        self._z = zlib.compressobj(level, zlib.DEFLATED, -15)
        self._crc = 0
        self._size = 0
        self._csize = 0
        self._offset = zw._tell()
        zw._out.write(head.local(0, 0, 0))

    def write(self, data: bytes) -> int:
        """Add ``data`` to the entry."""
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        comp = self._z.compress(data)
        self._csize += len(comp)
        self._zw._out.write(comp)
        return len(data)

    def write_deflated(self, data: bytes, crc: int, size: int) -> None:
        """Add ``size`` bytes of CRC-32 ``crc`` that were compressed elsewhere: ``data`` is raw
        deflate (``wbits`` -15) ending on a byte boundary without a final block (flushed with
        ``Z_SYNC_FLUSH``). What was written so far is flushed the same way, ``data`` follows
        as it stands, and the entry goes on with a fresh compressor (which refers to nothing
        before it); the CRC-32s are combined."""
        head = self._z.flush(zlib.Z_SYNC_FLUSH)
        out = self._zw._out
        out.write(head)
        out.write(data)
        self._csize += len(head) + len(data)
        self._crc = crc32_combine(self._crc, crc, size)
        self._size += size
        self._z = zlib.compressobj(self._level, zlib.DEFLATED, -15)

    def close(self) -> None:
        """Finish the entry: the rest of the compressed data, then the header filled in."""
        if not self._zw._open:
            return
        tail = self._z.flush()
        self._csize += len(tail)
        out = self._zw._out
        out.write(tail)
        end = out.tell()
        out.seek(self._zw._base + self._offset)
        out.write(self._head.local(self._crc, self._csize, self._size))
        out.seek(end)
        self._zw._central.append(
            self._head.central(self._crc, self._csize, self._size, self._offset)
        )
        self._zw._open = False

    def __enter__(self) -> EntryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:
            self._zw._open = False  # the archive is abandoned with the error


class _Head:
    """The headers of a new entry: flags, attributes and time from the entry it replaces."""

    def __init__(
        self,
        name: str,
        like: Like,
        stamp: tuple[int, int, int, int, int, int],
        *,
        zip64: bool = False,
    ) -> None:
        self.raw_name = name.encode("utf-8")
        self.flags = 0 if self.raw_name.isascii() else _UTF8
        if isinstance(like, Record):
            f = _CDIR.unpack_from(like.central)
            self.made_ver, self.made_sys, self.internal, self.external = f[1], f[2], f[16], f[17]
            self.dostime, self.dosdate = like.dostime, like.dosdate
        elif like is not None:  # an entry of a source read through zipfile (the fallback)
            self.made_ver, self.made_sys = 20, like.create_system
            self.internal, self.external = like.internal_attr, like.external_attr
            self.dostime, self.dosdate = _dos(like.date_time)
        else:
            self.made_ver, self.made_sys, self.internal, self.external = 20, 0, 0, 0
            self.dostime, self.dosdate = _dos(stamp)
        self.zip64 = zip64
        self.version = 45 if zip64 else 20

    def local(self, crc: int, csize: int, size: int) -> bytes:
        extra = _ZIP64_EXTRA.pack(1, 16, size, csize) if self.zip64 else b""
        if self.zip64:
            csize = size = _MAX32
        return (
            _LOCAL.pack(
                b"PK\x03\x04",
                self.version,
                0,
                self.flags,
                8,
                self.dostime,
                self.dosdate,
                crc,
                csize,
                size,
                len(self.raw_name),
                len(extra),
            )
            + self.raw_name
            + extra
        )

    def central(self, crc: int, csize: int, size: int, offset: int) -> bytes:
        big = [v for v in (size, csize, offset) if v >= _LIMIT]
        extra = struct.pack(f"<2H{len(big)}Q", 1, 8 * len(big), *big) if big else b""
        size, csize, offset = (_MAX32 if v >= _LIMIT else v for v in (size, csize, offset))
        return (
            _CDIR.pack(
                b"PK\x01\x02",
                self.made_ver,
                self.made_sys,
                self.version,
                0,
                self.flags,
                8,
                self.dostime,
                self.dosdate,
                crc,
                csize,
                size,
                len(self.raw_name),
                len(extra),
                0,
                0,
                self.internal,
                self.external,
                offset,
            )
            + self.raw_name
            + extra
        )


def _with_zip64_offset(central: bytes, offset: int) -> bytes:
    """A copied central record at an offset past 4 GiB: the offset moves into a ZIP64 field."""
    f = _CDIR.unpack_from(central)
    nlen, xlen = f[12], f[13]
    name_end = _CDIR.size + nlen
    extra = central[name_end : name_end + xlen]
    kept = b""
    i = 0
    while i + 4 <= len(extra):  # drop an existing ZIP64 field: rebuilt with the offset
        hid, size = struct.unpack_from("<2H", extra, i)
        if hid != 1:
            kept += extra[i : i + 4 + size]
        i += 4 + size
    z64 = struct.pack("<2HQ", 1, 8, offset)
    head = central[:6] + bytes([max(central[6], 45)]) + central[7:30]
    head += struct.pack("<H", len(kept) + len(z64)) + central[32:42] + struct.pack("<L", _MAX32)
    return head + central[_CDIR.size : name_end] + kept + z64 + central[name_end + xlen :]


# The write-back engine's level for the parts it changed: zlib level 1 deflates a worksheet
# in about 40 % of level 6's time (21 sheets of a 20-project workbook: 1.5 ms vs 3.9 ms CPU)
# for about 17 % more compressed bytes (80.5 vs 68.5 KB; the file grows by a sixth). The
# bytes inflate to the same content whatever the level (every reader sees the same parts).
# Where python-isal (Intel's ISA-L) is installed it deflates them instead, at its level 1:
# 0.44 ms for the same sheets, 77.3 KB. The bytes differ from zlib's; the content does not.
REWRITE_LEVEL = 1
_ISAL_LEVEL = 1


def build(
    items: list[Record | NewEntry],
    stamp: tuple[int, int, int, int, int, int],
    comment: bytes,
    level: int = 6,
) -> bytes:
    """Write a zip: raw records copied, new entries deflated (zlib ``level``), in order.

    Raises:
        NotAWorkbookError: when the result would need ZIP64 (over 4 GiB or 65,535 entries).
    """
    out = io.BytesIO()
    zw = ZipWriter(out, stamp)
    for item in items:
        if isinstance(item, Record):
            zw.copy(item)
        else:
            zw.add(item.name, item.data, item.like, level)
    zw.finish(comment)
    return out.getvalue()


def build_fallback(
    src: ZipSource, order: list[str], content: dict[str, bytes], level: int = 6
) -> bytes:
    """Every entry read through :mod:`zipfile` and deflated again (for ZIP64 or oddly laid-out
    sources, whose raw records are not copied); ZIP64 in the output where it is needed."""
    infos = {i.filename: i for i in src.infos}
    out = io.BytesIO()
    zw = ZipWriter(out, src.stamp)
    for name in order:
        data = content[name] if name in content else src.read(name)
        zw.add(name, data, infos.get(name), level)
    zw.finish(src.comment, zip64=True)
    return out.getvalue()
