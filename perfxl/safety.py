"""Preflight: look at a workbook file before any spreadsheet library parses it.

Files arrive by mail and USB stick from many hands. Before python-calamine or openpyxl sees
a file, ``preflight`` checks, with the standard library only and without expanding anything:

- the file size, and that it is not empty;
- what the file really is: an OOXML zip (.xlsx/.xlsm), a legacy .xls (an OLE compound file
  with a ``Workbook``/``Book`` stream: allowed, calamine reads it), an encrypted OOXML
  workbook (an OLE compound file holding ``EncryptedPackage``), or something else renamed
  .xlsx (CSV, HTML, PDF, a Word or PowerPoint document, Excel's ``~$`` owner file);
- zip sanity: a truncated file, a corrupt central directory, a bad CRC;
- zip bombs: the number of parts, each part's and the total uncompressed size, the
  compression ratio of large parts; declared sizes are checked first and actual sizes are
  counted while decompressing (a header may lie);
- XML parts with a document type declaration or entity declarations ("billion laughs"):
  spreadsheet XML never needs one, so any DTD is refused;
- the used range of each worksheet (cell references scanned in the XML), so no reader
  allocates a dense range of billions of cells.

On the way it notes what the readers cannot see for themselves: worksheets holding a cached
error, and those ending in rows of formulas without a saved result (`perfxl.grid.tails`).

Every refusal raises a subclass of ``UnreadableWorkbookError`` with a Chinese message naming
the file and, where there is one, the part.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from itertools import chain, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from mypy_extensions import mypyc_attr

from perfxl.cells import col_index, col_letter
from perfxl.errors import (
    CorruptWorkbookError,
    EncryptedWorkbookError,
    NotAWorkbookError,
    OldFormatWorkbookError,
    ReaderAbortedError,
    UnreadableWorkbookError,
    UnsafeWorkbookError,
    os_reason,
)
from perfxl.grid.tails import unsaved_tail

if TYPE_CHECKING:
    from perfxl.grid import Sheet

MB = 1024 * 1024
EXCEL_ROWS = 1_048_576  # rows of one Excel worksheet


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class Limits:
    """Size limits for one input workbook (defaults chosen well above any real submission).

    Attributes:
        max_file_bytes: the file on disk.
        max_parts: members of the zip.
        max_part_bytes: one member, uncompressed.
        max_total_bytes: all members together, uncompressed.
        max_ratio: uncompressed / compressed size of a member larger than ``ratio_floor``.
        ratio_floor: members smaller than this are not ratio-checked.
        max_sheet_cells: the used range (rows x columns) of one worksheet.
        max_sheet_rows: rows of one worksheet's used range.
        max_text_chars: characters in one cell (Excel's own limit is 32,767).
        sane_ratio: the compression ratio of text (a large workbook's rows); 0 for none. A
            member that expands no more than this (its compressed size bounds it) may be
            larger than ``max_part_bytes``, up to ``max_sane_part_bytes``; a file that
            expands no more than this in all may hold more than ``max_total_bytes``, up to
            ``max_sane_total_bytes``. A zip bomb expands hundreds of times (deflate at most
            1,032): it still meets the first limits.
        max_sane_part_bytes: one member, uncompressed, when it expands no more than
            ``sane_ratio``.
        max_sane_total_bytes: all members together, when the file expands no more than
            ``sane_ratio``.
        max_sane_sheet_cells: the used range of a worksheet that is dense (its part holds at
            least ``dense_bytes`` of XML per cell of the range: every cell is there), up to
            Excel's 1,048,576 rows; 0 for none. A far-away cell makes a huge range of a tiny
            part: it still meets ``max_sheet_rows`` and ``max_sheet_cells``.
        dense_bytes: bytes of a worksheet's XML per cell of its used range, at least, for
            ``max_sane_sheet_cells`` (a cell written takes a dozen bytes or more).

    `DEFAULT_LIMITS` has none of the second limits: a unit's workbook is small. A workbook
    named as an input of a consolidation may be a summary of a province's townships, read
    back by the level above (sheets of a million rows, a file of hundreds of MB that
    expands 10 to 30 times): `LARGE_LIMITS`.
    """

    max_file_bytes: int = 200 * MB
    max_parts: int = 10_000
    max_part_bytes: int = 256 * MB
    max_total_bytes: int = 1024 * MB
    max_ratio: float = 200.0
    ratio_floor: int = 8 * MB
    max_sheet_cells: int = 5_000_000
    max_sheet_rows: int = 300_000
    max_text_chars: int = 32_767
    sane_ratio: float = 0.0
    max_sane_part_bytes: int = 2048 * MB
    max_sane_total_bytes: int = 8192 * MB
    max_sane_sheet_cells: int = 0
    dense_bytes: int = 8

    def part_cap(self, compressed: int) -> int:
        """The uncompressed bytes a member of ``compressed`` bytes may hold."""
        sane = min(self.max_sane_part_bytes, int(self.sane_ratio * compressed))
        return max(self.max_part_bytes, sane)

    def total_cap(self, file_bytes: int) -> int:
        """The uncompressed bytes all members of a file of ``file_bytes`` may hold."""
        sane = min(self.max_sane_total_bytes, int(self.sane_ratio * file_bytes))
        return max(self.max_total_bytes, sane)

    def is_dense(self, rows: int, cols: int, part_bytes: int) -> bool:
        """True when a worksheet part of ``part_bytes`` holds at least `dense_bytes` per
        cell of its used range of ``rows`` x ``cols``."""
        return part_bytes >= self.dense_bytes * rows * cols

    def sheet_caps(self, dense: bool) -> tuple[int, int]:
        """The rows and cells a worksheet's used range may span: more for a dense sheet."""
        if dense and self.max_sane_sheet_cells > self.max_sheet_cells:
            return max(EXCEL_ROWS, self.max_sheet_rows), self.max_sane_sheet_cells
        return self.max_sheet_rows, self.max_sheet_cells


DEFAULT_LIMITS = Limits()
# A summary's long sheets hold up to Excel's rows, some 20 columns wide (`writer.EXCEL_ROWS`);
# perfxl's summaries expand 10 to 30 times (level-1 deflate of inline strings), the 汇总
# sheet of bench_consolidate's near-identical workbooks 53 times; a zip bomb's member
# hundreds of times (and any member over `ratio_floor` past `max_ratio` is refused anyway).
LARGE_LIMITS = Limits(
    max_file_bytes=1024 * MB, sane_ratio=100.0, max_sane_sheet_cells=EXCEL_ROWS * 20
)


def reader_aborted(path: str, exitcode: int | None) -> ReaderAbortedError:
    """The refusal of a file whose reading process died: a Chinese sentence naming the file,
    then how it ended (``SIGABRT``) for whoever helps."""
    import signal

    p = Path(path)
    what = "该 .xls 文件" if p.suffix.lower() == ".xls" else "该文件"
    if exitcode is not None and exitcode < 0:
        try:
            how = f"读取进程被信号 {signal.Signals(-exitcode).name} 终止"
        except ValueError:
            how = f"读取进程被信号 {-exitcode} 终止"
    else:
        how = f"读取进程退出码 {exitcode}"
    return ReaderAbortedError(
        f"“{p.name}”：读取{what}时读取组件异常退出，文件可能已损坏。"
        f"请用 Excel 或 WPS 打开后另存为 .xlsx 再提交。（详细信息：{how}）",
        path=path,
        exitcode=exitcode,
        advises=True,
    )


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class Preflight:
    """What the preflight found.

    Attributes:
        kind: ``xlsx`` (an OOXML zip, .xlsx/.xlsm), ``xls`` (legacy BIFF) or ``ods``.
        macros: True when the package holds a VBA project (never run; only noted).
        sheet_sizes: worksheet part -> (rows, columns) of its used range, as scanned (a part
            found small by `_small_cells_only` is measured when first asked).
        error_parts: worksheet parts holding a cell of error type (a cached ``#DIV/0!``).
        unsaved_tails: worksheet part -> the row of its last formula, where that row and all
            below hold no value (`perfxl.grid.tails.unsaved_tail`): formulas without a saved
            result past the rows a reader of cached values gives. Only such parts are listed.
        core: ``docProps/core.xml`` (the document properties: `perfxl.savedtime` reads the
            last-saved time there) as the in-memory scan read it whole, its length and CRC
            checked; None when it was not read so.
        sheets: with ``keep_sheets``, the worksheet parts the in-memory scan inflated whole
            (length and CRC checked), by zip name, for the write-back engine (`perfxl compute`
            would inflate them again); None otherwise.
        package: an .xlsx (`_read_as_xlsx`) the in-memory scan read whole, as a zip in memory
            holding the same members in the same order, its worksheets stored as the scan
            inflated them (length and CRC checked; merged ranges put first where calamine
            reads the same so, `_merges_first`) and every other member's compressed bytes as
            the file holds them, for python-calamine (`_stored_package`): it reads the file
            checked, not the file again, and inflates no worksheet a second time. None
            otherwise.
    """

    kind: str
    macros: bool = False
    sheet_sizes: Mapping[str, tuple[int, int]] | None = None
    error_parts: frozenset[str] = frozenset()
    unsaved_tails: Mapping[str, int] = field(default_factory=dict)
    core: bytes | None = None
    sheets: dict[str, bytes] | None = None
    package: bytes | None = None


CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP = b"PK\x05\x06"
_CHUNK = 1 << 20
_HEAD = 1 << 14  # what is read of an XML part for its prolog (a longer prolog: read on)
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
# A cell that holds something, as nearly every writer puts it: ``<c r="B2" ...>`` followed by
# content. ``<c r="B2" s="3"/>`` and ``<c r="B2" s="3"></c>`` are formatting only (Gnumeric
# writes them out to XFD1048576; readers skip them). The literal ``<c`` start keeps it fast.
# Possessive quantifiers: an empty cell (``<c r=... s="1"></c>``) fails at the lookahead
# without backtracking through its attributes (twice as fast; the same matches).
_VALUED_CELL = re.compile(rb"<c\sr=[\"']([A-Z]{1,3}+[0-9]{1,7}+)[\"'][^>]*+(?<!/)>(?!\s*</)")
_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = b"0123456789"
# Any other cell tag (``r`` not first or missing, a namespace prefix) sends the part through
# ``_ExactExtent``. Two searches with literal starts are cheaper than one alternation.
_ODD_CELL = (re.compile(rb"<c(?=[\s>/])(?!\sr=)"), re.compile(rb":c[\s>/]"))
_PREFIX_C = b":c"  # what `_ODD_CELL`'s second search starts with
_CELL_START = re.compile(rb"<(?:\w+:)?c[\s>]")
# What `_scan_part` looks for. Searched with `in` (CPython's two-way search skips ahead where
# re tests every byte): 1.1M instructions per 20-project workbook against re's 2.2M.
_ERROR_TYPE = b't="e"'
_ODS = b"application/vnd.oasis.opendocument.spreadsheet"


def preflight(
    path: str | Path,
    limits: Limits = DEFAULT_LIMITS,
    *,
    keep_sheets: bool = False,
    data: bytes | None = None,
) -> Preflight:
    """Check a workbook file before parsing it; return what it is.

    Args:
        path: the file.
        limits: size limits (tests pass smaller ones).
        keep_sheets: keep the worksheet parts inflated (``Preflight.sheets``).
        data: the file's bytes, when the caller read them whole already (`read_whole`):
            checked as they are, the file not read again.

    Raises:
        UnreadableWorkbookError: a subclass saying why the file is refused.
    """
    p = Path(path)
    where = str(path)
    if p.name.startswith("~$"):
        raise NotAWorkbookError(
            "这是 Excel/WPS 打开工作簿时生成的临时锁定文件（文件名以 ~$ 开头），不是工作簿，已跳过。"
            "请关闭 Excel/WPS 后只提交工作簿本身。",
            path=where,
            advises=True,
        )
    try:
        if data is not None:
            size, head = len(data), data[:4096]
        else:
            size = p.stat().st_size
            with p.open("rb") as fh:
                head = fh.read(4096)
    except OSError as exc:
        raise UnreadableWorkbookError(f"无法打开文件：{os_reason(exc)}", path=where) from exc
    if size == 0:
        raise CorruptWorkbookError(
            "文件为空（0 字节），可能拷贝或下载未完成。请重新获取该文件。", path=where, advises=True
        )
    if size > limits.max_file_bytes:
        raise UnsafeWorkbookError(
            f"文件大小 {size / MB:.1f} MB 超过上限 {limits.max_file_bytes / MB:.0f} MB。"
            "请删除无关工作表、图片后另存再提交。",
            path=where,
            advises=True,
        )
    if head.startswith(CFB_MAGIC):
        return _check_cfb(p, where)
    if head.startswith((_ZIP_MAGIC, _EMPTY_ZIP)):
        return _check_zip(p, where, size, limits, keep_sheets, data)
    old = _old_excel(head)
    if old is not None:
        raise OldFormatWorkbookError(
            f"这是旧版 {old} 格式的文件，perfxl 无法读取。请用 Excel 或 WPS 打开后另存为 .xlsx 再提交。",
            path=where,
            advises=True,
        )
    raise NotAWorkbookError(_what_else(head, p.suffix), path=where, advises=True)


# The BOF record that opens a BIFF stream: record type -> the Excel version that wrote it.
# BIFF2-4 (and a bare BIFF5 stream) are files of their own; BIFF5/8 workbooks sit in an OLE
# compound file (a .xls), which ``_check_cfb`` looks at.
_BIFF_BOF = {b"\x09\x00": "Excel 2.x", b"\x09\x02": "Excel 3.0", b"\x09\x04": "Excel 4.0"}


def _old_excel(head: bytes) -> str | None:
    """The old Excel version a file's first record names, or None when it is no BIFF stream."""
    if len(head) < 8 or not 4 <= int.from_bytes(head[2:4], "little") <= 20:
        return None
    if head[:2] in _BIFF_BOF:
        return _BIFF_BOF[head[:2]]
    if head[:2] == b"\x09\x08" and head[4:6] == b"\x00\x05":
        return "Excel 5.0/95"
    return None


def _what_else(head: bytes, suffix: str = ".xlsx") -> str:
    """Why a file that is neither a zip nor an OLE compound file is refused; "只是扩展名为
    Excel" only of a file whose ``suffix`` is a workbook's (a .csv or .json given by name is
    text by its own name)."""
    tail = "不是 Excel 工作簿。请用 Excel/WPS 打开后“另存为” .xlsx 工作簿再提交。"
    disguised = "只是扩展名为 Excel，" if suffix.lower() in _WORKBOOK_SUFFIXES else ""
    if head.startswith(b"%PDF"):
        return "该文件实为 PDF 文档，" + tail
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml", b"<meta")):
        return "该文件实为网页（HTML/XML）格式，" + disguised + tail
    if head.startswith(b"{\\rtf"):
        return "该文件实为 RTF 文档，" + tail
    if _is_text(head):
        kind = "纯文本（如 CSV）" if disguised else "纯文本"
        return f"该文件实为{kind}，" + disguised + tail
    return "无法识别的文件格式，" + tail


_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".xltm", ".et", ".ods")


def _is_text(head: bytes) -> bool:
    """True for text in UTF-8 or GB18030 (a character cut at the end of the sample is fine)."""
    if any(b < 9 or 13 < b < 27 for b in head):
        return False
    for enc in ("utf-8", "gb18030"):
        try:
            head.decode(enc)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:
                return True
    return False


def _check_cfb(p: Path, where: str) -> Preflight:
    """An OLE compound file: a legacy .xls (allowed) or an encrypted OOXML package (refused)."""
    import olefile

    try:
        with olefile.OleFileIO(str(p)) as ole:
            streams = {"/".join(e).lower() for e in ole.listdir(streams=True, storages=True)}
    except Exception as exc:  # olefile raises OSError and its own errors on a damaged file
        raise CorruptWorkbookError(
            f"文件已损坏，无法读取（复合文档结构错误：{exc}）。", path=where
        ) from exc
    if "encryptedpackage" in streams or "encryptioninfo" in streams:
        raise EncryptedWorkbookError(
            "工作簿设置了打开密码（已加密），无法读取。请在 Excel/WPS 中取消密码（文件 › 信息 › 保护工作簿）后另存再提交。",
            path=where,
            advises=True,
        )
    if "workbook" in streams or "book" in streams:
        return Preflight(kind="xls", macros=any(s.startswith("_vba_project") for s in streams))
    if "worddocument" in streams:
        raise NotAWorkbookError("该文件实为 Word 文档（.doc），不是 Excel 工作簿。", path=where)
    if "powerpoint document" in streams:
        raise NotAWorkbookError(
            "该文件实为 PowerPoint 演示文稿（.ppt），不是 Excel 工作簿。", path=where
        )
    raise NotAWorkbookError("该文件是 Office 复合文档，但不含工作簿内容。", path=where)


def _check_zip(
    p: Path,
    where: str,
    size: int,
    limits: Limits,
    keep_sheets: bool = False,
    data: bytes | None = None,
) -> Preflight:
    try:
        zf = zipfile.ZipFile(p if data is None else io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise CorruptWorkbookError(
            "文件不完整或已损坏（压缩包目录缺失，常见于下载或拷贝中断）。请重新获取或让填报单位重新发送。",
            path=where,
            advises=True,
        ) from exc
    except (OSError, ValueError, NotImplementedError) as exc:
        raise CorruptWorkbookError(f"文件已损坏，无法解压：{exc}", path=where) from exc
    with zf:
        infos = zf.infolist()
        # The total a file of this size may expand to (`Limits.total_cap`), checked as before.
        limits = replace(limits, max_total_bytes=limits.total_cap(size))
        _check_declared(infos, where, limits)
        names = {i.filename for i in infos}
        kind = _package_kind(zf, names, where)
        sizes = _Sizes()
        errors: set[str] = set()
        tails: dict[str, int] = {}
        total = 0
        bounded = _bounded(infos, limits)
        parts: dict[str, bytes] = {}  # what the in-memory scan keeps (docProps/core.xml)
        sheets: dict[str, bytes] | None = {} if keep_sheets else None
        package: list[bytes] | None = [] if _read_as_xlsx(p, kind, names) else None
        if not (
            bounded
            and _scan_in_memory(
                p, size, infos, where, limits, sizes, errors, parts, sheets, package, data, tails
            )
        ):
            sheets = {} if keep_sheets else None
            package = None
            parts.clear()
            sizes.clear()
            errors.clear()
            tails.clear()
            for info in infos:
                if info.is_dir():
                    continue
                total += _scan_part(zf, info, where, limits, total, sizes, errors, bounded, tails)
    return Preflight(
        kind=kind,
        macros=any(n.lower().endswith("vbaproject.bin") for n in names),
        sheet_sizes=sizes,
        error_parts=frozenset(errors),
        unsaved_tails=tails,
        core=parts.get(CORE_PART),
        sheets=sheets,
        package=package[0] if package else None,
    )


def _read_as_xlsx(p: Path, kind: str, names: set[str]) -> bool:
    """Whether python-calamine reads the file with its .xlsx reader (by the name's suffix)
    and could read its package with no other: from bytes calamine tries each format in turn,
    and the package is built only where the .xlsb reader finds no ``xl/workbook.bin`` (the
    .ods reader no ``mimetype``: such a zip is no ``xlsx``, `_package_kind`), so the file is
    read as it would be from its name."""
    if kind != "xlsx" or p.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    return not any(n.lower() == "xl/workbook.bin" for n in names)


def _check_declared(infos: list[zipfile.ZipInfo], where: str, limits: Limits) -> None:
    if len(infos) > limits.max_parts:
        raise UnsafeWorkbookError(
            f"压缩包内有 {len(infos)} 个部件，超过上限 {limits.max_parts} 个，疑似恶意文件，已拒绝读取。",
            path=where,
        )
    total = 0
    for info in infos:
        _check_part_size(info.filename, info.file_size, where, limits, info.compress_size)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
            raise UnsafeWorkbookError(
                f"部件 {info.filename} 压缩比 {ratio:.0f}:1 异常（解压后 {info.file_size / MB:.0f} MB），"
                "疑似“压缩炸弹”，已拒绝读取。",
                path=where,
                part=info.filename,
            )
        total += info.file_size
    _check_total(total, where, limits)


def _check_part_size(name: str, n: int, where: str, limits: Limits, compressed: int) -> None:
    cap = limits.part_cap(compressed)
    if n > cap:
        raise UnsafeWorkbookError(
            f"部件 {name} 解压后超过 {cap / MB:.0f} MB 上限，疑似“压缩炸弹”，已拒绝读取。",
            path=where,
            part=name,
        )


def _check_total(n: int, where: str, limits: Limits) -> None:
    if n > limits.max_total_bytes:
        raise UnsafeWorkbookError(
            f"工作簿解压后总大小超过 {limits.max_total_bytes / MB:.0f} MB 上限，疑似“压缩炸弹”，已拒绝读取。",
            path=where,
        )


def _package_kind(zf: zipfile.ZipFile, names: set[str], where: str) -> str:
    """What the zip holds, by its content types (or ODF mimetype)."""
    if "mimetype" in names:
        mime = zf.read("mimetype")[:200]
        if mime.strip() == _ODS:
            return "ods"
        raise NotAWorkbookError(
            f"该文件是 OpenDocument 文档（{mime.decode('ascii', 'replace')}），不是电子表格。",
            path=where,
        )
    if "[Content_Types].xml" not in names:
        raise NotAWorkbookError(
            "该文件是普通压缩包（zip），不是 Excel 工作簿（缺少 [Content_Types].xml）。", path=where
        )
    if any(n.startswith("xl/") for n in names) and any(n.startswith("xl/workbook") for n in names):
        return "xlsx"
    if any(n.startswith("word/") for n in names):
        raise NotAWorkbookError(
            "该文件实为 Word 文档（.docx），只是扩展名为 Excel，不是工作簿。", path=where
        )
    if any(n.startswith("ppt/") for n in names):
        raise NotAWorkbookError(
            "该文件实为 PowerPoint 演示文稿（.pptx），不是 Excel 工作簿。", path=where
        )
    raise NotAWorkbookError(
        "该文件是 Office 文档，但不含工作簿（缺少 xl/workbook.xml）。", path=where
    )


# Deflate's largest possible expansion: 258 bytes from a 2-bit length and distance code.
_DEFLATE_MAX_RATIO = 1032


def _bounded(infos: list[zipfile.ZipInfo], limits: Limits) -> bool:
    """True when no member can inflate past the limits, whatever its header declares.

    A member is read through its compressed size (the central directory's); stored it yields
    that many bytes, deflated at most 1,032 times as many. When even that worst case keeps
    each member and their sum within the limits (any workbook under ~250 KB with the default
    limits), the real sizes need not be counted while decompressing. Another compression
    method (bzip2, LZMA: no such bound) means counting.
    """
    total = 0
    for info in infos:
        if info.compress_type == zipfile.ZIP_STORED:
            worst = info.compress_size
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            worst = info.compress_size * _DEFLATE_MAX_RATIO
        else:
            return False
        if worst > limits.max_part_bytes:
            return False
        total += worst
    return total <= limits.max_total_bytes


# The in-memory scan (`_scan_in_memory`) reads files up to this size whole.
IN_MEMORY = 8 * MB


def read_whole(path: str | Path) -> tuple[bytes | None, os.stat_result]:
    """A file's bytes when the in-memory scan would read it whole (at most `IN_MEMORY`; None
    when larger), and its status, from one open: a caller that hashes the file hands the same
    bytes to `preflight` (``data``), which then reads nothing again.

    Raises:
        OSError: the file cannot be opened or read.
    """
    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        return (fh.read() if st.st_size <= IN_MEMORY else None), st


_SHORT_HEAD = 1024  # a prolog is a few dozen bytes: most parts need no more
_LOCAL_HEADER = struct.Struct("<4s2xHH16xHH")  # signature, flags, method, name and extra lengths
# General-purpose flags the in-memory scan takes as they are: deflate options (2, 4), sizes in
# a data descriptor (8: the central directory's are used), UTF-8 names (0x800). Any other
# (encryption, patched data, ...) sends the file through `zipfile`, which refuses it.
_PLAIN_FLAGS = 0x2 | 0x4 | 0x8 | 0x800


def _scan_in_memory(
    p: Path,
    size: int,
    infos: list[zipfile.ZipInfo],
    where: str,
    limits: Limits,
    sizes: MutableMapping[str, tuple[int, int]],
    errors: set[str],
    parts: dict[str, bytes] | None = None,
    sheets: dict[str, bytes] | None = None,
    package: list[bytes] | None = None,
    whole: bytes | None = None,
    tails: dict[str, int] | None = None,
) -> bool:
    """`_scan_part` over every member of a `_bounded` zip, from the file's bytes read once.

    The same checks and the same measures, without a `zipfile.ZipExtFile` per member (a
    workbook has dozens): each member's local header is checked as `zipfile` checks it
    (signature, flags, name), a worksheet is inflated whole (bounded: at most 1,032 times its
    compressed size) and its length and CRC compared with the central directory's, another XML
    part only as far as its prolog. Anything unusual (a header that differs, a CRC or length
    that does not match, a stream zlib refuses, a long prolog) returns False: the caller then
    scans through `zipfile` as before, which refuses the file with its usual message. A DTD or
    a used range over the limits is refused here, as `_scan_part` refuses it.

    ``parts`` receives `CORE_PART` whole (length and CRC checked) when it is small, for
    `perfxl.savedtime` (which would otherwise open the zip again); ``sheets`` (when given)
    every worksheet inflated, for the write-back engine; ``package`` (when given) receives
    `_stored_package` (unless it cannot be built: the list stays empty). ``whole``: the file's
    bytes, when `preflight` was given them (not read again). ``tails`` (when given) receives
    each worksheet's `perfxl.grid.tails.unsaved_tail` that is not 0.

    Returns:
        True when every member was scanned (``sizes`` and ``errors`` filled).
    """
    if size > IN_MEMORY:
        return False
    try:
        buf = p.read_bytes() if whole is None else whole
    except OSError:
        return False
    inflate, crc32, failed = _inflater()
    inflated: dict[int, bytes] | None = {} if package is not None else None
    for k, info in enumerate(infos):
        if info.is_dir():
            continue
        name = info.filename
        is_xml = name.lower().endswith((".xml", ".rels", ".vml")) or name == "[Content_Types].xml"
        is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
        if not (is_xml or is_sheet):
            continue
        raw = _member_bytes(buf, info)
        if raw is None:
            return False
        try:
            if not is_sheet:
                if not _prolog_read(raw, info, name, where):
                    return False
                if name == CORE_PART and parts is not None:
                    _keep_whole(raw, info, parts)
                continue
            data = raw if info.compress_type == zipfile.ZIP_STORED else inflate(raw, -15)
        except failed:
            return False
        if len(data) != info.file_size or crc32(data) != info.CRC:
            return False
        if is_xml:
            scanner = _XmlScanner(name, where)
            for start in range(0, len(data), _CHUNK):
                scanner.feed(data[start : start + _CHUNK])
        _measure(name, data, where, limits, sizes, errors, tails)
        if sheets is not None:
            sheets[name] = data
        if inflated is not None:
            inflated[k] = data
    if package is not None and inflated is not None:
        built = _stored_package(buf, infos, inflated, crc32)
        if built is not None:
            package.append(built)
    return True


def _inflater() -> tuple[Any, Any, tuple[type[Exception], ...]]:
    """Raw inflate and CRC-32, and what the inflate raises on a bad stream: python-isal's
    (Intel's ISA-L: inflates a worksheet in two thirds of zlib's time, CRC-32 five times as
    fast) where it is installed, else zlib's. Either inflates the same bytes from a valid
    stream; a stream either refuses sends the file through `zipfile` (zlib), as before."""
    try:
        from isal import isal_zlib
    except ImportError:  # zlib does the same, slower
        return zlib.decompress, zlib.crc32, (zlib.error,)
    failed: Any = isal_zlib.error  # an exception class (typed otherwise in python-isal)
    return isal_zlib.decompress, isal_zlib.crc32, (failed, zlib.error)


# The package handed to python-calamine: local header and central directory record of a
# member with no extra field and a UTF-8 name, and the end of the central directory.
_OUT_LOCAL = struct.Struct("<4s5H3L2H")
_OUT_CENTRAL = struct.Struct("<4s6H3L5H2L")
_OUT_END = struct.Struct("<4s4H2LH")
_PACKAGE_MAX = 32 * MB  # inflated worksheets held at once for the package (else: none)


def _stored_package(
    buf: bytes, infos: list[zipfile.ZipInfo], inflated: dict[int, bytes], crc32: Any
) -> bytes | None:
    """The zip python-calamine reads instead of the file: every member of ``infos`` in order
    (a name listed twice stays twice), the worksheets ``inflated`` (by index; length and CRC
    checked against the central directory) stored with their merged ranges first
    (`_merges_first`; ``crc32`` gives the CRC of what changed), every other member's
    compressed bytes copied as they are with the central directory's method, CRC and sizes
    (calamine checks that CRC as it reads the member, as it would from the file). None when a
    member's local header fails `_member_bytes`' checks or the worksheets are too large to
    hold twice: the caller's reader then opens the file."""
    if sum(map(len, inflated.values())) > _PACKAGE_MAX:
        return None
    out: list[bytes | memoryview] = []
    central: list[bytes] = []
    offset = 0
    for k, info in enumerate(infos):
        sheet = inflated.get(k)
        method, crc = zipfile.ZIP_STORED, info.CRC
        if sheet is None:
            raw = _member_bytes(buf, info)
            if raw is None:
                return None
            body: tuple[bytes | memoryview, ...] = (raw,)
            method = info.compress_type
        else:
            body = _merges_first(sheet)
            if len(body) > 1:
                crc = 0
                for piece in body:
                    crc = crc32(piece, crc)
        size = sum(map(len, body))
        name = info.orig_filename.encode("utf-8")
        fields = (20, 0x800, method, 0, 0x21, crc, size, info.file_size if sheet is None else size)
        out += (_OUT_LOCAL.pack(_ZIP_MAGIC, *fields, len(name), 0), name, *body)
        central += (
            _OUT_CENTRAL.pack(
                b"PK\x01\x02", 20, *fields, len(name), 0, 0, 0, 0, info.external_attr, offset
            ),
            name,
        )
        offset += _OUT_LOCAL.size + len(name) + size
    directory = b"".join(central)
    end = _OUT_END.pack(_EMPTY_ZIP, 0, 0, len(infos), len(infos), len(directory), offset, 0)
    return b"".join((*out, directory, end))


# python-calamine reads each worksheet twice (`get_sheet_by_name`): its cells, then its merged
# ranges, tokenizing the part from the top until a ``mergeCells`` element, which comes after
# ``sheetData``: all of the cells' XML a second time. `_merges_first` puts that element (with
# the siblings between it and ``</sheetData>``) before ``<sheetData`` in the package, where
# the cells' reader skips it and the merged ranges' reader finds it at once.
_MERGES = b"mergeCells"
_NO_MERGES = b"<mergeCells></mergeCells>"
_MERGES_END = b"</mergeCells>"
_SHEET_DATA = b"sheetData"
# Markup read tag by tag as it is written: with every byte but ``<>"'!?`` dropped, each ``<``
# is followed by paired quotes (``""`` or ``''``, holding no quote of the other kind, ``<``
# or ``>``) and its ``>``, and nothing stands outside a tag but text without those bytes: no
# comment, CDATA section or DOCTYPE (``<!``), no processing instruction (``<?``). An XML
# reader ends each such tag at that ``>``, so a cut between two of them is a cut between
# two elements.
_MARKUP_ONLY = bytes(sorted(set(range(256)) - set(b"<>\"'!?")))
_PAIRED_TAGS = re.compile(rb"""(?:<(?:"[!?]*+"|'[!?]*+')*+>)*+""")


def _plain_tags(part: bytes) -> bool:
    """True when ``part`` is markup read tag by tag as written (`_PAIRED_TAGS`)."""
    return _PAIRED_TAGS.fullmatch(part.translate(None, _MARKUP_ONLY)) is not None


def _merges_first(data: bytes) -> tuple[bytes | memoryview, ...]:
    """A worksheet part as the pieces of the part python-calamine reads from the package:
    the siblings from ``</sheetData>`` to the end of ``mergeCells`` moved before
    ``<sheetData`` (an empty ``mergeCells`` put there when the part names none), from which
    calamine reads the same cells and the same merged ranges without tokenizing the cells
    twice. ``(data,)`` itself unless the bytes show that: one ``<sheetData`` start and one
    ``</sheetData>`` end (the first and last ``sheetData`` in the part); no ``mergeCells``
    before that end, and after it a start tag and its end tag (the first, which calamine
    takes, is moved); plain tags (`_plain_tags`: no comment, no tag inside a quoted value)
    before ``<sheetData`` and in what is moved; no ``dimension`` in what is moved (the cells'
    reader would take it)."""
    whole = (data,)
    first, last = data.find(_SHEET_DATA), data.rfind(_SHEET_DATA)
    start, end = first - 1, last + len(_SHEET_DATA) + 1  # `<sheetData`, after `</sheetData>`
    if first < 1 or last <= first or data[start] != 0x3C or data[last - 2 : end] != b"</sheetData>":
        return whole
    if data[first + 9 : first + 10] not in (b">", b" ", b"\t", b"\r", b"\n"):
        return whole
    head = data[:start]
    if head.startswith((b"<?xml", b"\xef\xbb\xbf<?xml")):  # the XML declaration
        declared = head.find(b"?>")
        if declared == -1:
            return whole
        head = head[declared + 2 :]
    if not _plain_tags(head):
        return whole
    view = memoryview(data)
    at = data.find(_MERGES)
    if at == -1:
        return (view[:start], _NO_MERGES, view[start:])
    if at < end or data[at - 1] != 0x3C or data[at + 10 : at + 11] not in (b" ", b">"):
        return whole
    close = data.find(_MERGES_END, at)
    if close == -1 or data.find(_MERGES, at + len(_MERGES)) != close + 2:
        return whole
    stop = close + len(_MERGES_END)
    moved = data[end:stop]
    if b"dimension" in moved or not _plain_tags(moved):
        return whole
    return (view[:start], moved, view[start:end], view[stop:])


CORE_PART = "docProps/core.xml"
_KEPT_MAX = 64 * 1024  # a properties part is a few hundred bytes


def _keep_whole(raw: bytes, info: zipfile.ZipInfo, parts: dict[str, bytes]) -> None:
    """The member inflated whole into ``parts`` when it is small and its length and CRC are
    the central directory's (else it is left out: whoever needs it reads it from the zip)."""
    parts.pop(info.filename, None)  # a name listed twice: the last one counts, as in zipfile
    if info.file_size > _KEPT_MAX:
        return
    try:
        data = raw if info.compress_type == zipfile.ZIP_STORED else zlib.decompress(raw, -15)
    except zlib.error:
        return
    if len(data) == info.file_size and zlib.crc32(data) == info.CRC:
        parts[info.filename] = data


def _prolog_read(raw: bytes, info: zipfile.ZipInfo, name: str, where: str) -> bool:
    """`_XmlScanner` over the head of an XML part (its first KB, else its first `_HEAD`
    bytes, as `_scan_part` reads it); False when the prolog runs on past that."""
    for n in (_SHORT_HEAD, _HEAD):
        if info.compress_type == zipfile.ZIP_STORED:
            head = raw[:n]
        else:
            head = zlib.decompressobj(-15).decompress(raw, n)
        scanner = _XmlScanner(name, where)
        try:
            scanner.feed(head)
        except UnsafeWorkbookError:
            if n == _HEAD:
                raise
            continue  # decided on what `_scan_part` reads (a marker in a long comment...)
        if scanner.done:
            return True
        if len(head) < n:  # the whole part was read
            return False
    return False


def _member_bytes(buf: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A member's compressed bytes, after the checks `zipfile.ZipFile.open` makes of its local
    header; None when one fails (or the member is not plainly stored or deflated)."""
    off = info.header_offset
    if off + _LOCAL_HEADER.size > len(buf):
        return None
    magic, flags, method, name_len, extra_len = _LOCAL_HEADER.unpack_from(buf, off)
    if magic != _ZIP_MAGIC or flags != info.flag_bits or flags & ~_PLAIN_FLAGS:
        return None
    if method != info.compress_type or method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    start = off + _LOCAL_HEADER.size
    name = buf[start : start + name_len]
    try:
        text = name.decode("utf-8" if flags & 0x800 else "cp437")
    except UnicodeDecodeError:
        return None
    if text != info.orig_filename:
        return None
    start += name_len + extra_len
    end = start + info.compress_size
    return buf[start:end] if end <= len(buf) else None


def _measure(
    name: str,
    data: bytes,
    where: str,
    limits: Limits,
    sizes: MutableMapping[str, tuple[int, int]],
    errors: set[str],
    tails: dict[str, int] | None = None,
) -> None:
    """A whole worksheet part: note a cell of error type and a tail of formulas without a
    saved result (into ``tails``, when given), measure its used range, refuse it when the
    range is over the limits."""
    if _ERROR_TYPE in data:
        errors.add(name)
    if isinstance(sizes, _Sizes) and _small_cells_only(data, limits):
        _note_tail(name, data, tails, plain=True)
        sizes.later(name, data)  # within the limits: measured only if someone asks
        return
    _check_extent(name, _extent_of(data), where, limits, sizes, len(data))
    _note_tail(name, data, tails, plain=False)


def _note_tail(name: str, data: bytes, tails: dict[str, int] | None, *, plain: bool) -> None:
    """``tails[name]``: the worksheet's `perfxl.grid.tails.unsaved_tail`, when it has one."""
    if tails is None:
        return
    row = unsaved_tail(data, plain=plain)
    if row:
        tails[name] = row


def _extent_of(data: bytes) -> _Extent:
    """A whole worksheet part's used range (`_Extent`, else `_ExactExtent` for cells written
    another way), fed as `_scan_part` feeds it, chunk by chunk."""
    extent = _Extent()
    for start in range(0, len(data), _CHUNK):
        extent.feed(data[start : start + _CHUNK])
    extent.finish()
    if extent.odd:
        extent = _ExactExtent()
        for start in range(0, len(data), _CHUNK):
            extent.feed(data[start : start + _CHUNK])
        extent.finish()
    return extent


# Every cell tag ``<c r="XX999"`` (two letters and three digits at most): a used range within
# 999 rows and 702 columns, whatever the cells hold. `_small_cells_only` looks for any other.
_SMALL_ROWS, _SMALL_COLS = 999, 702
_NOT_SMALL_CELL = re.compile(rb"<c(?=[\s>/])(?!\sr=[\"'][A-Z]{1,2}+[0-9]{1,3}+[\"'])")


def _small_cells_only(data: bytes, limits: Limits) -> bool:
    """True when a worksheet part's used range cannot pass the limits, proved without
    measuring it: every cell tag (holding something or not) is ``<c r="..."`` with a
    reference of at most two letters and three digits, no cell tag has a prefix, and the
    part is one chunk whose last tag is short (so `_Extent` would read it in one piece with
    no giant tag: it measures references only, and none is larger). Three searches that
    find nothing in place of collecting every cell's reference."""
    if limits.max_sheet_rows < _SMALL_ROWS or limits.max_sheet_cells < _SMALL_ROWS * _SMALL_COLS:
        return False
    if len(data) > _CHUNK or len(data) - _cut(data) > _Extent._MAX_TAIL:
        return False
    if _NOT_SMALL_CELL.search(data) is not None:
        return False
    # A prefixed cell tag has ":c" in it: `in` rules that out in 1.6M instructions per
    # 20-project workbook where re's search for it takes 1.9M.
    return _PREFIX_C not in data or _ODD_CELL[1].search(data) is None


class _Sizes(MutableMapping[str, tuple[int, int]]):
    """Worksheet part -> (rows, columns) of its used range, in the order scanned; a part
    proved within the limits (`_small_cells_only`) is measured (`_extent_of`) when first
    asked, so the preflight does not collect every cell's reference to no purpose."""

    def __init__(self) -> None:
        self._sizes: dict[str, tuple[int, int]] = {}
        self._later: dict[str, bytes] = {}

    def later(self, name: str, data: bytes) -> None:
        """``name`` measured from ``data`` when asked."""
        self._sizes[name] = (0, 0)  # its place in the order
        self._later[name] = data

    def __getitem__(self, name: str) -> tuple[int, int]:
        data = self._later.pop(name, None)
        if data is not None:
            extent = _extent_of(data)
            self._sizes[name] = (extent.rows, extent.cols)
        return self._sizes[name]

    def __setitem__(self, name: str, size: tuple[int, int]) -> None:
        self._later.pop(name, None)
        self._sizes[name] = size

    def __delitem__(self, name: str) -> None:
        self._later.pop(name, None)
        del self._sizes[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sizes)

    def __len__(self) -> int:
        return len(self._sizes)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


def _check_extent(
    name: str,
    extent: _Extent,
    where: str,
    limits: Limits,
    sizes: MutableMapping[str, tuple[int, int]],
    part_bytes: int,
) -> None:
    rows, cols = extent.rows, extent.cols
    sizes[name] = (rows, cols)
    max_rows, max_cells = limits.sheet_caps(limits.is_dense(rows, cols, part_bytes))
    if rows > max_rows or rows * cols > max_cells:
        raise UnsafeWorkbookError(
            f"工作表部件 {name} 中有内容的单元格分布在 {rows} 行 × {cols} 列的区域内，超过上限"
            f"（{max_rows} 行、{max_cells} 个单元格）。"
            "请删除多余的行列（或远处误填的单元格）后另存再提交。",
            path=where,
            part=name,
            advises=True,
        )


def _scan_part(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    where: str,
    limits: Limits,
    total_before: int,
    sizes: MutableMapping[str, tuple[int, int]],
    errors: set[str],
    bounded: bool = False,
    tails: dict[str, int] | None = None,
) -> int:
    """Decompress one member, counting its real size, checking its CRC and its XML.

    When ``bounded`` (`_bounded`), only a worksheet (whose used range is measured) is read
    whole; another XML part is read as far as its prolog (`_XmlScanner`), any other member
    not at all, and its declared size is counted (its CRC is checked by the reader that
    reads it, if any does). A worksheet's last two chunks are kept for ``tails`` (`_note_tail`).
    """
    name = info.filename
    is_xml = name.lower().endswith((".xml", ".rels", ".vml")) or name == "[Content_Types].xml"
    is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
    head_only = bounded and not is_sheet
    if head_only and not is_xml:
        return info.file_size
    n = 0
    scanner = _XmlScanner(name, where) if is_xml else None
    extent = _Extent() if is_sheet else None
    end = (b"", b"")  # a worksheet's last two chunks
    try:
        for chunk in _read_chunks(zf, info, _HEAD if head_only else _CHUNK):
            if head_only and scanner is not None:
                scanner.feed(chunk)
                if scanner.done:
                    return info.file_size
                head_only = False  # a long or unusual prolog: the whole part, as before
                _check_part_size(name, len(chunk), where, limits, info.compress_size)
                _check_total(total_before + len(chunk), where, limits)
                n += len(chunk)
                continue
            n += len(chunk)
            _check_part_size(name, n, where, limits, info.compress_size)
            _check_total(total_before + n, where, limits)
            if scanner is not None:
                scanner.feed(chunk)
            if extent is not None:
                if _ERROR_TYPE in extent.tail + chunk[:4096] or _ERROR_TYPE in chunk:
                    errors.add(name)
                extent.feed(chunk)
                end = (end[1], chunk)
    except zipfile.BadZipFile as exc:
        raise CorruptWorkbookError(
            f"文件已损坏：部件 {name} 校验失败（{exc}）。请重新获取或让填报单位重新发送。",
            path=where,
            advises=True,
        ) from exc
    except (zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        msg = str(exc)
        if "encrypted" in msg or "password" in msg:
            raise EncryptedWorkbookError("压缩包设置了密码，无法读取。", path=where) from exc
        raise CorruptWorkbookError(
            f"文件已损坏：部件 {name} 无法解压（{exc}）。请重新获取或让填报单位重新发送。",
            path=where,
            advises=True,
        ) from exc
    if extent is not None:
        extent.finish()
        if extent.odd:  # cells written another way: count rows and cells in order
            extent = _ExactExtent()
            for chunk in _read_chunks(zf, info):
                extent.feed(chunk)
            extent.finish()
        _check_extent(name, extent, where, limits, sizes, n)
        _note_tail(name, b"".join(end), tails, plain=False)
    return n


def _read_chunks(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, first: int = _CHUNK
) -> Iterator[bytes]:
    """The member's bytes: ``first`` bytes, then chunks of ``_CHUNK``."""
    with zf.open(info) as fh:
        size = first
        while chunk := fh.read(size):
            yield chunk
            size = _CHUNK


class _XmlScanner:
    """Refuse any DTD or entity declaration in an XML part.

    A document type declaration may only stand in the prolog, before the root element (any
    later one is not well-formed: expat and libxml2 stop there; calamine's parser expands no
    entity). So the prolog (XML declaration, comments, processing instructions, white space)
    is read and what follows it is looked at; the rest of the part is not scanned. A prolog
    running to the end of the first chunk, or anything but an element after it, sends the
    part through the old check: every chunk searched, across chunk boundaries.
    """

    def __init__(self, name: str, where: str) -> None:
        self.name, self.where = name, where
        self.tail = b""
        self.decoder: codecs.IncrementalDecoder | None = None
        self.first = True
        self.done = False  # the prolog was read and holds no DTD: nothing more to look at
        self.full = False  # every chunk is searched for the markers

    def feed(self, chunk: bytes) -> None:
        if self.done:
            return
        if self.first:
            # Spreadsheet XML is UTF-8; a UTF-16 part is rare: look at it decoded.
            if chunk.startswith(b"\xfe\xff") or chunk[:1] == b"\x00":
                self.decoder = codecs.getincrementaldecoder("utf-16-be")("ignore")
            elif chunk.startswith(b"\xff\xfe") or chunk[1:2] == b"\x00":
                self.decoder = codecs.getincrementaldecoder("utf-16")("ignore")
        if self.decoder is not None:
            chunk = self.decoder.decode(chunk).encode("utf-8", "ignore")
        data = self.tail + chunk
        if self.first:
            self.first = False
            end = _PROLOG.match(data).end()  # type: ignore[union-attr]  # always matches
            for marker in _DTD_MARKERS:
                if data.startswith(marker, end):
                    self._refuse(marker)
            if end < len(data) and _ELEMENT.match(data, end):
                self.done = True
                return
            self.full = True
        for marker in _DTD_MARKERS:
            if marker in data:
                self._refuse(marker)
        self.tail = data[-16:]

    def _refuse(self, marker: bytes) -> None:
        raise UnsafeWorkbookError(
            f"部件 {self.name} 含有 XML 文档类型/实体声明（{marker.decode()}），"
            "正常工作簿不会包含，疑似恶意文件（实体膨胀攻击），已拒绝读取。",
            path=self.where,
            part=self.name,
        )


# What may come before an XML document's root element, DTD aside: a byte order mark, white
# space, the XML declaration and other processing instructions, comments.
_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?(?:\s++|<\?.*?\?>|<!--.*?-->)*+", re.DOTALL)
_ELEMENT = re.compile(rb"<[A-Za-z_:\x80-\xff]")


class _Extent:
    """The largest row and column of a cell holding something, in a sheet's XML, chunk by chunk.

    Only cells with content count: readers skip formatting-only cells, so a sheet whose
    styles reach XFD1048576 reads as its few rows of data, while a value out there would make
    every reader allocate the whole range. ``<dimension>`` is not consulted (it is a claim).
    A cell tag written another way (``odd``: no reference, a prefix, ``r`` not first) makes the
    caller measure the part again with ``_ExactExtent``.
    """

    _MAX_TAIL: ClassVar[int] = 64 * 1024  # an unfinished tag longer than this is not a plain cell

    def __init__(self) -> None:
        self.rows = 0
        self.cols = 0
        self.tail = b""
        self.odd = False

    def feed(self, chunk: bytes) -> None:
        data = self.tail + chunk
        cut = _cut(data)
        if len(data) - cut > self._MAX_TAIL:
            self._giant(data[cut:])
            cut = len(data)
        self._scan(data, cut)
        self.tail = data[cut:]

    def finish(self) -> None:
        """The end of the part: what is left is complete (or truncated, and then counted)."""
        self._scan(self.tail, len(self.tail))
        self.tail = b""

    def _giant(self, tag: bytes) -> None:
        self.odd = True

    def _scan(self, data: bytes, end: int) -> None:
        if self.odd:
            return
        if any(rx.search(data, 0, end) for rx in _ODD_CELL):
            self.odd = True
            return
        refs = _VALUED_CELL.findall(data, 0, end)
        if refs:
            # Split in C (maps over the references); few distinct column letters: each is
            # converted once, not once a cell.
            letters = set(map(bytes.rstrip, refs, repeat(_DIGITS)))
            self.cols = max(self.cols, max(map(_col_number, letters)))
            self.rows = max(self.rows, max(map(int, map(bytes.lstrip, refs, repeat(_LETTERS)))))


class _ExactExtent(_Extent):
    """The same measure tag by tag, for any way of writing cells: rows and cells counted in
    order, as readers place them (a cell without ``r`` follows the one before it in its row;
    a row without ``r`` follows the row before it). Slower; for unusual writers only."""

    def __init__(self) -> None:
        super().__init__()
        self.row = 0
        self.col = 0

    def _giant(self, tag: bytes) -> None:
        # Padding inside a start tag: count any reference in it, holding content or not.
        for c, r in _ANY_REF.findall(tag):
            self.rows, self.cols = max(self.rows, int(r)), max(self.cols, _col_number(c))

    def _scan(self, data: bytes, end: int) -> None:
        for m in _ROW_OR_CELL.finditer(data, 0, end):
            tag, ref = m.group(1), _REF.search(m.group(2))
            if tag == b"row":
                self.row = int(ref.group(2)) if ref else self.row + 1
                self.col = 0
                continue
            if ref and ref.group(1):
                self.col, row = _col_number(ref.group(1)), int(ref.group(2))
            else:
                self.col, row = self.col + 1, self.row
            if not m.group(2).endswith(b"/") and _CLOSED_AT_ONCE.match(data, m.end()) is None:
                self.rows, self.cols = max(self.rows, row), max(self.cols, self.col)


_ANY_REF = re.compile(rb"\sr=[\"']([A-Z]{1,3})([0-9]{1,7})[\"']")
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)(?=[\s>/])([^>]*)>")
_REF = re.compile(rb"\sr=[\"']([A-Z]{0,3})([0-9]{1,7})[\"']")
_CLOSED_AT_ONCE = re.compile(rb"\s*</")


def _cut(data: bytes) -> int:
    """Where the complete part of ``data`` ends: before an unfinished tag, and before a cell's
    start tag whose content has not arrived yet (it decides whether the cell is empty)."""
    cut = data.rfind(b"<")
    if cut == -1:
        return len(data)
    prev = data.rfind(b"<", 0, cut)
    if prev != -1 and _CELL_START.match(data, prev) and not data[prev:cut].rstrip().endswith(b"/>"):
        return prev
    return cut


def library_error(exc: BaseException, path: str) -> UnreadableWorkbookError:
    """A spreadsheet library's exception as a refusal: a Chinese sentence naming the file,
    then the library's own words (``Cfb error: …``, ``Bad CRC-32 …``) for whoever helps.

    Every place that hands a file to python-calamine, openpyxl or zipfile maps what they
    raise through here, so no English reaches a user without a Chinese sentence around it.
    """
    name = Path(path).name
    text = str(exc).strip()
    detail = f"（详细信息：{text or type(exc).__name__}）"
    low = f"{type(exc).__name__} {text}".lower()
    if "password" in low or "encrypt" in low:
        return EncryptedWorkbookError(
            f"工作簿“{name}”设置了打开密码（已加密），无法读取。请取消密码后另存再提交。{detail}",
            path=path,
            advises=True,
        )
    if isinstance(exc, MemoryError) or "limit" in low:
        return UnsafeWorkbookError(
            f"工作簿“{name}”的内容超过读取上限（单元格过多或过大），已拒绝读取。"
            f"请删除多余的行列和内容后另存再提交。{detail}",
            path=path,
            advises=True,
        )
    if "cfb" in low or "ole" in low.split():
        what = "复合文档（.xls）结构已损坏"
    elif "crc" in low or "zip" in low or "deflate" in low or "zlib" in low:
        what = "压缩包内容已损坏（校验失败或不完整）"
    else:
        what = "内容已损坏或格式不受支持"
    return CorruptWorkbookError(
        f"文件“{name}”{what}，无法作为工作簿读取。请用 Excel/WPS 打开后另存为 .xlsx 再提交，"
        f"或让填报单位重新发送。{detail}",
        path=path,
        advises=True,
    )


def check_text(path: str, sheet: Sheet, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a cell whose text is longer than a spreadsheet cell can hold.

    Raises:
        UnsafeWorkbookError: naming the sheet and cell.
    """
    cap = limits.max_text_chars
    texts = filter(str.__instancecheck__, chain.from_iterable(sheet.rows))
    if max(map(len, texts), default=0) <= cap:  # the usual answer, found in C
        return
    for r, row in enumerate(sheet.rows, start=1):
        for c, v in enumerate(row, start=1):
            if isinstance(v, str) and len(v) > cap:
                err = UnsafeWorkbookError(
                    f"工作表“{sheet.name}”单元格 {col_letter(c)}{r} 的文本长度 {len(v)} 个字符，超过上限 {cap} 个字符（Excel 单元格的上限），"
                    "疑似异常内容，已拒绝读取。请删除或缩短该单元格内容后再提交。",
                    path=path,
                    advises=True,
                )
                err.sheet, err.cell = sheet.name, col_letter(c) + str(r)
                raise err


def _col_number(letters: bytes) -> int:
    return col_index(letters.decode("ascii"))


__all__ = [
    "DEFAULT_LIMITS",
    "CorruptWorkbookError",
    "EncryptedWorkbookError",
    "Limits",
    "NotAWorkbookError",
    "OldFormatWorkbookError",
    "Preflight",
    "ReaderAbortedError",
    "UnsafeWorkbookError",
    "check_text",
    "library_error",
    "preflight",
    "reader_aborted",
]
