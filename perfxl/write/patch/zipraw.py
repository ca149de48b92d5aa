"""Zip output that copies unchanged entries as raw bytes.

Every entry the engine did not change is copied as it stands in the source: the
local header, the compressed bytes and any data descriptor, and its central
directory record (only the offset is updated). Changed and new entries are
deflated with zlib and carry the date/time stamp of the entry they replace (new
ones: that of the source's first entry), so repeated runs give identical bytes.

Sources using ZIP64 records or a prefix before the first entry fall back to
:mod:`zipfile`, which recompresses: the contents are still identical.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from perfxl.errors import NotAWorkbookError

_EOCD = struct.Struct("<4s4H2LH")
_CDIR = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_UTF8 = 0x800
_MAX32 = 0xFFFFFFFF


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


class ZipSource:
    """A zip held in memory: names in order, contents, raw records."""

    def __init__(self, data: bytes, path: str | None = None) -> None:
        """Open ``data``.

        Raises:
            NotAWorkbookError: not a zip, an encrypted workbook, or duplicate names.
        """
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise NotAWorkbookError(
                "文件是加密的工作簿或旧版 .xls（OLE 复合文档），请先在 Excel 中去除密码并另存为 .xlsx。",
                path=path,
            )
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

    def read(self, name: str) -> bytes:
        """The uncompressed content of an entry (CRC checked)."""
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


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def build(
    items: list[Record | NewEntry], stamp: tuple[int, int, int, int, int, int], comment: bytes
) -> bytes:
    """Write a zip: raw records copied, new entries deflated, in the given order.

    Raises:
        NotAWorkbookError: when the result would need ZIP64 (over 4 GiB or 65,535 entries).
    """
    out = io.BytesIO()
    central: list[bytes] = []
    for item in items:
        offset = out.tell()
        if isinstance(item, Record):
            out.write(item.local)
            central.append(item.central[:42] + struct.pack("<L", offset) + item.central[46:])
            continue
        raw_name = item.name.encode("utf-8")
        ascii_name = raw_name.isascii()
        flags = 0 if ascii_name else _UTF8
        if item.like is not None:
            f = _CDIR.unpack_from(item.like.central)
            made_ver, made_sys, internal, external = f[1], f[2], f[16], f[17]
            dostime, dosdate = item.like.dostime, item.like.dosdate
        else:
            made_ver, made_sys, internal, external = 20, 0, 0, 0
            dostime, dosdate = _dos(stamp)
        comp = _deflate(item.data)
        crc = zlib.crc32(item.data)
        out.write(
            _LOCAL.pack(
                b"PK\x03\x04",
                20,
                0,
                flags,
                8,
                dostime,
                dosdate,
                crc,
                len(comp),
                len(item.data),
                len(raw_name),
                0,
            )
        )
        out.write(raw_name)
        out.write(comp)
        central.append(
            _CDIR.pack(
                b"PK\x01\x02",
                made_ver,
                made_sys,
                20,
                0,
                flags,
                8,
                dostime,
                dosdate,
                crc,
                len(comp),
                len(item.data),
                len(raw_name),
                0,
                0,
                0,
                internal,
                external,
                offset,
            )
            + raw_name
        )
    cd_off = out.tell()
    for rec in central:
        out.write(rec)
    cd_size = out.tell() - cd_off
    if cd_off + cd_size >= _MAX32 or len(central) >= 0xFFFF:
        raise NotAWorkbookError("工作簿过大（超过 4 GiB 或 65535 个部件），无法写回。")
    n = len(central)
    out.write(_EOCD.pack(b"PK\x05\x06", 0, 0, n, n, cd_size, cd_off, len(comment)) + comment)
    return out.getvalue()


def build_fallback(src: ZipSource, order: list[str], content: dict[str, bytes]) -> bytes:
    """Rewrite every entry through :mod:`zipfile` (for ZIP64 or oddly laid-out sources)."""
    infos = {i.filename: i for i in src.infos}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in order:
            old = infos.get(name)
            zi = zipfile.ZipInfo(name, old.date_time if old else src.stamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            if old is not None:
                zi.external_attr = old.external_attr
                zi.create_system = old.create_system
            data = content[name] if name in content else src.read(name)
            zf.writestr(zi, data)
        zf.comment = src.comment
    return out.getvalue()
