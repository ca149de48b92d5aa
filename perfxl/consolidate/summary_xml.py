"""Stream the rows of the big sheets straight into a finished .xlsx (zip) as sheet XML.

xlsxwriter draws each sheet (headers, widths, formats, filters, panes, print setup, charts);
this module then inserts the data rows of the long sheets into those sheets' ``<sheetData>``
as inline strings and numbers, with the style indexes of xlsxwriter's formats. Writing the
XML directly is about ten times faster than a cell-by-cell writer, and rows are generated one
at a time, never held twice. Text is always written as text (never a formula).

Rows and cells carry no references (each follows the one before), so a submission's rows
can be rendered and compressed once, in the worker that read it, and spliced into the sheet
(`Deflated`): the summary's main process only copies bytes for most rows.
"""

from __future__ import annotations

import math
import os
import queue
import re
import shutil
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from mypy_extensions import mypyc_attr

from perfxl import xstring
from perfxl.cells import col_letter

if TYPE_CHECKING:
    from perfxl.write.patch import zipraw

MAX_TEXT = 32767  # Excel's limit for one cell


@mypyc_attr(serializable=True)
@dataclass
class SheetRows:
    """Rows to insert into one sheet.

    Attributes:
        part: the sheet's part in the zip, e.g. ``xl/worksheets/sheet1.xml``.
        rows: the rows, each a sequence of values (None leaves the cell empty).
        first_row: the 1-based row of the first data row.
        styles: style index per column, by row kind (the value in ``kind_column``); key None
            is the default.
        kind_column: the column whose value picks the styles, or None.
        nrows: the number of rows (for the sheet's ``<dimension>``).
        ncols: the number of columns.
        height: the row height (points) a row needs for its wrapped text, or None for the
            default height (LibreOffice does not grow rows of an .xlsx it opens).
        pieces: instead of ``rows``, the rows in pieces: lists of rows (rendered here), rows
            rendered and compressed elsewhere (`Deflated`, spliced in as they are) and rows
            rendered (bytes, written as they are).
        fixes: how the texts of some columns are shown (`Memo`), by column.
    """

    part: str
    rows: Iterable[Sequence[Any]]
    first_row: int  # the rows follow the sheet's last row (xlsxwriter's header row)
    styles: dict[str | None, list[int]]
    kind_column: int | None = None
    nrows: int = 0
    ncols: int = 1
    height: Callable[[Sequence[Any]], float | None] | None = None
    pieces: Iterable[Piece] | None = None
    fixes: Fixes | None = None


def text_xml(s: str) -> str:
    """Text as a ``<t>`` element holds it: cut to Excel's limit, then the OOXML string escape
    (:func:`perfxl.xstring.escape`: control characters and a literal ``_xHHHH_`` come back
    exactly), then the XML escape."""
    if len(s) > MAX_TEXT:
        s = s[:MAX_TEXT]
    s = xstring.escape(s)
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    return s  # str.translate is several times slower for this


class _Texts(dict[str | None, bytes]):
    """str -> the UTF-8 of a cell of one column holding it (an inline string), or of the
    column's empty cell for "" and None: escaped and encoded once per text (units, files,
    rules and sheet names recur across thousands of rows). ``fix`` (a file name shown
    relative to the input folder) is applied first. Emptied when it grows past `_TEXTS_MAX`
    texts, so memory stays flat in the number of rows."""

    def __init__(self, style: int, empty: bytes, fix: Callable[[str], Any] | None) -> None:
        super().__init__()
        self.head = f'<c s="{style}" t="inlineStr"><is>'
        self.empty = empty
        self.fix = fix
        self.tail = "</t></is></c>"
        self[None] = empty

    def fill(self, texts: set[str]) -> None:
        """Memoise the cells of ``texts`` (not yet known) together (`cells`)."""
        if not texts:
            return
        keys = list(texts)
        cells = self.cells(keys)
        if cells is None:
            for k in keys:
                self.__missing__(k)
            return
        self.keep(keys, cells)

    def keep(self, texts: Sequence[str], cells: list[bytes]) -> None:
        """Memoise ``cells``, those of ``texts`` (emptied first when it would grow too big)."""
        self._room(len(texts))
        self.update(zip(texts, cells, strict=True))

    def _room(self, more: int) -> None:
        """Emptied (but for the empty cell) when ``more`` texts would take it past
        `_TEXTS_MAX`: memory stays flat in the number of rows."""
        if len(self) + more > _TEXTS_MAX:
            self.clear()
            self[None] = self.empty

    def cells(self, texts: list[str]) -> list[bytes] | None:
        """The cells of ``texts`` (not kept), checked, formatted and encoded at once; None
        when one of them needs an escape or keeps edge whitespace (made one by one then, as
        `__missing__` makes them: few texts do)."""
        shown = texts if self.fix is None else list(map(self.fix, texts))
        joined = " ".join(shown)  # a space: no "_x" is made across two texts
        if (
            "" in shown
            or list(map(str.strip, shown)) != shown
            or "&" in joined
            or "<" in joined
            or ">" in joined
            or ("_" in joined and "_x" in joined)  # one character is searched far faster
            or "\ufffe" in joined
            or "\uffff" in joined
            or max(map(len, shown)) > MAX_TEXT
        ):
            return None
        head = self.head + "<t>"
        xml = (head + (self.tail + "\x00" + head).join(shown) + self.tail).encode()
        # A control character's UTF-8 is its one byte (no other character's bytes are below
        # 0x20): only the NULs between the cells are deleted when no text holds one (faster
        # than `str.isprintable`, which looks each character up).
        if len(xml) - len(xml.translate(None, _CONTROLS)) != len(shown) - 1:
            return None
        return xml.split(b"\x00")

    def __missing__(self, s: str) -> bytes:
        self._room(0)  # a text made alone: emptied once the memo is past the limit
        shown = s if self.fix is None else self.fix(s)
        if shown == "":
            cell = self.empty
        elif not (shown[0].isspace() or shown[-1].isspace()):
            if len(shown) > MAX_TEXT or _SPECIAL.search(shown) is not None:
                shown = text_xml(shown)
            cell = f"{self.head}<t>{shown}</t></is></c>".encode()
        else:  # where Excel would trim
            cell = f'{self.head}<t xml:space="preserve">{text_xml(shown)}</t></is></c>'.encode()
        self[s] = cell
        return cell


# What `text_xml` changes (the escapes of `xstring.escape` and of XML): most texts have none.
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x")
_TEXTS_MAX = 2_000  # per column and row style
_CONTROLS = bytes([*range(0x09), *range(0x0B, 0x20)])  # what `_SPECIAL` escapes, as UTF-8


class _Ints(dict[int | None, bytes]):
    """int -> the UTF-8 of a cell of one column holding it, None -> the empty cell (only for
    columns of exactly ``int`` and None: a bool or a float equal to an int finds its entry)."""

    def __init__(self, style: int, empty: bytes) -> None:
        super().__init__()
        self.style = style
        self.empty = empty
        self[None] = empty

    def __missing__(self, v: int) -> bytes:
        if len(self) > _TEXTS_MAX:
            self.clear()
            self[None] = self.empty
        cell = self[v] = f'<c s="{self.style}"><v>{v!r}</v></c>'.encode()
        return cell


class _Cell:
    """Any value -> the UTF-8 of its cell in one column, not memoised (a column of mixed
    types; -0.0 equals 0.0): a number (int or float, not a bool or a subclass) finite as a
    number, any other type as its text, None, "", NaN and the infinities as an empty cell."""

    def __init__(self, texts: _Texts, style: int) -> None:
        self.texts = texts
        self.plain = _Texts(style, texts.empty, None)  # converted values: no file names
        self.style = style

    def __getitem__(self, v: Any) -> bytes:
        t = type(v)
        if t is str:
            return self.texts[v]
        if t is int or (t is float and math.isfinite(v)):
            return f'<c s="{self.style}"><v>{v!r}</v></c>'.encode()
        if v is not None and (t is bool or not isinstance(v, int | float)):
            return self.plain[str(v)]
        return self.texts.empty  # None, NaN, infinities, subclasses of int and float


_STR = frozenset({str, type(None)})
_INT = frozenset({int, type(None)})
_NUMBER = frozenset({int, float, type(None)})
_NOT_FINITE = frozenset({"None", "nan", "inf", "-inf"})  # reprs of what leaves a cell empty


class _Plan:
    """The cells of the rows of one style (their styles per column): per column, what turns
    a value into its cell's XML (`_Texts`, `_Ints`, `_Cell`). Empty cells take the column's
    style (``default``)."""

    def __init__(self, styles: Sequence[int], default: Sequence[int], fixes: Fixes) -> None:
        self.empty = [f'<c s="{d}"/>'.encode() for d in default]
        pairs = list(zip(styles, self.empty, strict=False))
        self.texts = [_Texts(s, e, fixes.get(i)) for i, (s, e) in enumerate(pairs)]
        self.ints = [_Ints(s, e) for s, e in pairs]
        self.cells = [_Cell(t, s) for t, (s, _) in zip(self.texts, pairs, strict=True)]
        self.number_heads = [f'<c s="{s}"><v>' for s, _ in pairs]
        self.textual = [True] * len(pairs)  # the column held only texts (and None) last time
        self.unique = [False] * len(pairs)  # ... every one of them new and none twice

    def column(self, i: int, values: Sequence[Any]) -> list[bytes]:
        """The cells of column ``i`` holding ``values``."""
        texts = self.texts[i]
        if self.textual[i]:  # texts last time: all of them known, most likely
            cells = cast(list[bytes], list(map(texts.get, values)))
            if None not in cells:  # only texts (and None) are keys: no type to check
                return cells
            first = values[0]
            if type(first) is str and values.count(first) == len(values):
                return [texts[first]] * len(values)  # one new text: the unit, its file
        kinds = set(map(type, values))
        self.textual[i] = kinds <= _STR
        if self.textual[i]:  # texts not met before: all at once (looked up one by one:
            # `set.difference` of a dict subclass walks all of the memo's texts, each call)
            new = {v for v in set(values) if v not in texts}
            if len(new) == len(values):  # every text new and none twice
                made = texts.cells(list(values))
                if made is not None:
                    # Kept the first time (the places of problems recur across workbooks),
                    # not when the texts kept last time did not recur (links to each cell).
                    if not self.unique[i]:
                        texts.keep(values, made)
                    self.unique[i] = True
                    return made
            self.unique[i] = False
            texts.fill(new)
            return list(map(texts.__getitem__, values))
        if kinds <= _INT:
            return list(map(self.ints[i].__getitem__, values))
        if kinds <= _NUMBER:  # floats (and ints): their repr, all at once
            reprs = list(map(repr, values))
            head, tail = self.number_heads[i], "</v></c>"
            cells = (head + (tail + "\x00" + head).join(reprs) + tail).encode().split(b"\x00")
            if "None" in reprs or "nan" in reprs or "inf" in reprs or "-inf" in reprs:
                for j, r in enumerate(reprs):
                    if r in _NOT_FINITE:
                        cells[j] = self.empty[i]
            return cells
        return list(map(self.cells[i].__getitem__, values))


Fixes = dict[int, Callable[[str], Any]]  # column -> how its texts are shown (file names)


class Memo:
    """What `render_rows` keeps between calls with the same styles (a sheet rendered in
    many pieces, a worker's files): the plans per row style, and the ``fixes`` the texts of
    some columns get before they are written (`writer.Paths.fixes`)."""

    def __init__(self, fixes: Fixes | None = None) -> None:
        self.fixes: Fixes = dict(fixes or {})
        self.plans: dict[int, _Plan] = {}  # by id of the row style (a list of `styles`)


def render(spec: SheetRows) -> Iterator[bytes]:
    """The XML of the rows of ``spec`` (see `render_rows`)."""
    memo = new_memo(spec.fixes)
    return render_rows(spec.rows, spec.styles, spec.kind_column, spec.height, memo)


CHUNK = 2048  # rows rendered together, column by column


def render_rows(
    rows: Iterable[Sequence[Any]],
    styles: dict[str | None, list[int]],
    kind_column: int | None = None,
    height: Callable[[Sequence[Any]], float | None] | None = None,
    memo: Memo | None = None,
) -> Iterator[bytes]:
    """The XML (UTF-8) of the rows, in pieces of up to `CHUNK` rows: ``<row>`` and ``<c>``
    without references (each row follows the one before, each cell the one before), strings
    inline, so the XML of a run of rows is the same wherever it lands: a worker renders a
    submission's rows once (`deflated`) and the summary only splices them in.

    A row for which ``height`` gives a height gets it (``ht``, ``customHeight``). A number
    (int or float, finite) is a number, any other value but None its text; an empty value
    (None, "", NaN) before a filled one is an empty cell of the default row's style, the
    column's (what keeps the next cell in its column; it looks as a missing cell does), and
    after the last filled one is left out (a row of empty values keeps one). Rows of one
    style are rendered column by column, each value's cell looked up in that column's memo
    (`_Plan`): a text is escaped and encoded once. ``memo`` (`Memo`): the memos of earlier
    calls with the same styles, kept for the next, and the texts' ``fixes``.
    """
    memo = memo if memo is not None else Memo()
    tall: dict[float, bytes] = {}
    it = iter(rows)
    while chunk := list(islice(it, CHUNK)):
        yield b"".join(_each_row(chunk, styles, kind_column, height, memo, tall))


def render_each(
    runs: Sequence[Sequence[Sequence[Any]]],
    styles: dict[str | None, list[int]],
    kind_column: int | None = None,
    height: Callable[[Sequence[Any]], float | None] | None = None,
    memo: Memo | None = None,
) -> list[bytes]:
    """The XML of each run of rows, as `render_rows` gives it for that run alone (a row's
    XML depends only on the row): the runs rendered together, in chunks of about `CHUNK`
    rows, then cut apart; a unit's few rows alone cost several times their share."""
    memo = memo if memo is not None else Memo()
    tall: dict[float, bytes] = {}
    out: list[bytes] = []
    i = 0
    while i < len(runs):
        j, n = i, 0
        while j < len(runs) and (n == 0 or n + len(runs[j]) <= CHUNK):
            n += len(runs[j])
            j += 1
        chunk = [row for run in runs[i:j] for row in run]
        xml = _each_row(chunk, styles, kind_column, height, memo, tall) if chunk else []
        start = 0
        for run in runs[i:j]:
            out.append(b"".join(xml[start : start + len(run)]))
            start += len(run)
        i = j
    return out


def _each_row(
    chunk: list[Sequence[Any]],
    styles: dict[str | None, list[int]],
    kind_column: int | None,
    height: Callable[[Sequence[Any]], float | None] | None,
    memo: Memo,
    tall: dict[float, bytes],
) -> list[bytes]:
    """The XML of each row of ``chunk`` (see `render_rows`)."""
    default = styles[None]
    if kind_column is None:
        return _render_rows(chunk, _plan(memo, default, default), height, tall)
    # Rows of each style rendered together, then put back in their order.
    kinds = (row[kind_column] for row in chunk)
    row_styles = list(map(styles.get, kinds, repeat(default)))
    ids = list(map(id, row_styles))
    if len(set(ids)) == 1:
        return _render_rows(chunk, _plan(memo, row_styles[0], default), height, tall)
    xml: list[bytes] = [b""] * len(chunk)
    groups: dict[int, list[int]] = {}
    for j, key in enumerate(ids):
        groups.setdefault(key, []).append(j)
    for idx in groups.values():
        plan = _plan(memo, row_styles[idx[0]], default)
        done = _render_rows([chunk[j] for j in idx], plan, height, tall)
        for j, x in zip(idx, done, strict=True):
            xml[j] = x
    return xml


def _plan(memo: Memo, st: list[int], default: list[int]) -> _Plan:
    """The plan of rows of style ``st`` in ``memo`` (made on first use)."""
    plan = memo.plans.get(id(st))
    if plan is None:
        plan = memo.plans[id(st)] = _Plan(st, default, memo.fixes)
    return plan


def _render_rows(
    run: list[Sequence[Any]],
    plan: _Plan,
    height: Callable[[Sequence[Any]], float | None] | None,
    tall: dict[float, bytes],
) -> list[bytes]:
    """The XML of each of some rows of one style, column by column when they are of one
    length (else row by row)."""
    n = len(run)
    width = len(run[0])
    if len(set(map(len, run))) > 1:  # rows of another shape: one at a time
        return [x for row in run for x in _render_rows([row], plan, height, tall)]
    columns = list(zip(*run, strict=True)) if width else []
    if height is None:
        heights: Iterable[float | None] = repeat(None, n)
    else:
        by_columns = getattr(height, "columns", None)
        heights = by_columns(columns) if by_columns is not None else map(height, run)
    heads = [
        b"<row>"
        if h is None
        else tall.get(h) or tall.setdefault(h, f'<row ht="{h:g}" customHeight="1">'.encode())
        for h in heights
    ]
    cells = [plan.column(i, values) for i, values in enumerate(columns)]
    xml = list(map(b"".join, zip(heads, *cells, repeat(b"</row>"), strict=False)))
    if width > 1 and plan.empty[width - 1] in cells[-1]:  # trailing empty cells: left out
        empty = frozenset(plan.empty)
        for j, last in enumerate(cells[-1]):
            if last in empty:
                row = [c[j] for c in cells]
                while len(row) > 1 and row[-1] in empty:
                    row.pop()
                xml[j] = b"".join((heads[j], *row, b"</row>"))
    return xml


def new_memo(fixes: Fixes | None = None) -> Memo:
    """A fresh `Memo` for `render_rows`."""
    return Memo(fixes)


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class Deflated:
    """The XML of some rows compressed (by a worker): raw deflate ending on a byte boundary
    (``Z_SYNC_FLUSH``, no final block), with the CRC-32 and size of the XML, spliced into the
    sheet's zip entry as it stands (`perfxl.write.patch.zipraw.EntryWriter.write_deflated`).
    """

    data: bytes
    crc: int
    size: int


def deflated(xml: Iterable[bytes]) -> Deflated:
    """``xml`` (the rows of `render_rows`) compressed for splicing (level 1, as the sheets):
    by python-isal where it is installed (Intel's ISA-L: a 20-project workbook's rows in
    about a third of zlib's time, a few per cent larger), else by zlib. Either way raw
    deflate flushed to a byte boundary (``Z_SYNC_FLUSH``), referring to nothing before it:
    the sheet inflates to the same XML whichever compressed it."""
    raw = b"".join(xml)
    z = deflater()
    c = z.compressobj(1, z.DEFLATED, -15)
    return Deflated(bytes(c.compress(raw) + c.flush(z.Z_SYNC_FLUSH)), z.crc32(raw), len(raw))


@lru_cache(maxsize=1)
def deflater() -> Any:
    """The zlib-like module `deflated` compresses with: ``isal.isal_zlib``, or ``zlib`` where
    python-isal is not installed (it is a dependency only on x86_64 and aarch64)."""
    try:
        from isal import isal_zlib
    except ImportError:
        return zlib
    return isal_zlib


# Rows to render, rows rendered and compressed, or rows rendered (`rows_between`).
Piece = Iterable[Sequence[Any]] | Deflated | bytes

_ROW_START = re.compile(rb"<row[ >]")  # a row's start: "<" in a text is always "&lt;"


def rows_between(d: Deflated, lo: int, hi: int) -> bytes:
    """The XML of rows ``lo`` to ``hi`` (excluded) of the rows rendered in ``d`` (a
    submission whose rows go on in the next sheet): inflated, cut where a row starts. The
    rows carry no references (`render_rows`), so the XML is what rendering those rows gives.

    Raises:
        ValueError: ``d`` holds fewer than ``hi`` rows.
    """
    raw = zlib.decompressobj(-15).decompress(d.data)
    starts = [m.start() for m in _ROW_START.finditer(raw)]
    if hi > len(starts):
        raise ValueError(f"{len(starts)} rows rendered, row {hi} asked for")
    end = starts[hi] if hi < len(starts) else len(raw)
    return raw[starts[lo] : end]


_DIM = re.compile(r'<dimension ref="[^"]*"/>')


def insert_rows(path: str, sheets: list[SheetRows]) -> None:
    """Rewrite the workbook at ``path`` with the rows inserted (the file is replaced whole).

    Through the one zip writer (:mod:`perfxl.write.patch.zipraw`): the parts xlsxwriter wrote
    are copied as they stand, the long sheets are streamed into their entries. The inserted
    rows' strings are written inline: no table to count or number them in, so rows rendered
    anywhere (a worker, an earlier run) are spliced in as they are.

    Args:
        path: a workbook written by xlsxwriter.
        sheets: what to insert where.
    """
    from perfxl.write.patch import zipraw
    from perfxl.write.patch.safeio import done_with_temp, new_temp

    by_part = {s.part: s for s in sheets}
    src = zipraw.ZipSource(Path(path).read_bytes(), path)  # small: the long sheets are empty
    records = src.records or {}  # none: an odd layout, every part deflated again
    like = {i.filename: records.get(i.filename) or i for i in src.infos}  # time, attributes
    fd, tmp_path = new_temp(Path(path))  # hidden, registered: removed even after Ctrl-C
    try:
        with os.fdopen(fd, "wb") as fh:
            zw = zipraw.ZipWriter(fh, src.stamp)
            for name in src.names:
                spec = by_part.get(name)
                if spec is not None:
                    with zw.open(name, like[name], level=1) as out:
                        _write_sheet(out, src.read(name).decode("utf-8"), spec)
                elif name in records:
                    zw.copy(records[name])
                else:
                    zw.add(name, src.read(name), like[name])
            zw.finish(src.comment, zip64=True)
        shutil.move(tmp_path, path)
    finally:
        done_with_temp(tmp_path)


def _stream(out: zipraw.EntryWriter, pieces: Iterable[bytes | Deflated]) -> None:
    """Write text pieces in buffers of about a megabyte, and compressed pieces as they are.

    The buffers are compressed and written by a second thread: zlib and crc32 release the
    GIL, so compressing one buffer overlaps with rendering the next.
    """
    q: queue.Queue[bytes | Deflated | None] = queue.Queue(maxsize=4)
    failed: list[BaseException] = []

    def drain() -> None:
        while (data := q.get()) is not None:
            if not failed:
                try:
                    if type(data) is Deflated:
                        out.write_deflated(data.data, data.crc, data.size)
                    else:
                        out.write(data)  # type: ignore[arg-type]
                except BaseException as exc:  # handed to the caller below
                    failed.append(exc)

    worker = threading.Thread(target=drain, name="perfxl-zip-writer", daemon=True)
    worker.start()
    try:
        buf: list[bytes] = []
        size = 0
        for piece in pieces:
            if failed:
                break
            if isinstance(piece, Deflated):
                if buf:
                    q.put(b"".join(buf))
                    buf, size = [], 0
                q.put(piece)
                continue
            buf.append(piece)
            size += len(piece)
            if size > 1 << 20:
                q.put(b"".join(buf))
                buf, size = [], 0
        q.put(b"".join(buf))
    finally:
        q.put(None)
        worker.join()
    if failed:
        raise failed[0]


def _pieces(spec: SheetRows) -> Iterator[bytes | Deflated]:
    """The rows of ``spec`` as XML: its ``pieces`` (rendered here, or spliced as they are)
    when given, else its ``rows``."""
    if spec.pieces is None:
        yield from render(spec)
        return
    memo = new_memo(spec.fixes)
    # Small pieces (a unit's 汇总 rows) rendered together: each row's XML stands alone (no
    # references), so a batch gives the bytes its pieces give one by one, in far fewer calls.
    batch: list[Sequence[Any]] = []

    def flush() -> Iterator[bytes]:
        if batch:
            yield from render_rows(batch, spec.styles, spec.kind_column, spec.height, memo)
            batch.clear()

    for piece in spec.pieces:
        if isinstance(piece, Deflated | bytes):
            yield from flush()
            yield piece
        else:
            batch.extend(piece)
            if len(batch) >= CHUNK:
                yield from flush()
    yield from flush()


def _write_sheet(out: zipraw.EntryWriter, xml: str, spec: SheetRows) -> None:
    last_row = max(spec.first_row - 1 + spec.nrows, 1)
    xml = _DIM.sub(f'<dimension ref="A1:{col_letter(spec.ncols)}{last_row}"/>', xml, count=1)
    if "<sheetData/>" in xml:
        head, _, tail = xml.partition("<sheetData/>")
        head, tail = head + "<sheetData>", "</sheetData>" + tail
    else:
        head, _, tail = xml.partition("</sheetData>")
        tail = "</sheetData>" + tail
    out.write(head.encode("utf-8"))
    _stream(out, _pieces(spec))
    out.write(tail.encode("utf-8"))
