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
import operator
import os
import queue
import re
import shutil
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfxl import xstring
from perfxl.cells import col_letter

if TYPE_CHECKING:
    from perfxl.write.patch import zipraw

MAX_TEXT = 32767  # Excel's limit for one cell


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
        pieces: instead of ``rows``, the rows in pieces: lists of rows (rendered here) and
            rows rendered and compressed elsewhere (`Deflated`, spliced in as they are).
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


class _Texts(dict[str, str]):
    """str -> the ``<is>`` element of an inline string holding it (escaped once per text:
    units, files, rules and sheet names recur across thousands of rows). Cleared when it
    grows past `_TEXTS_MAX` texts, so memory stays flat in the number of rows."""

    def __missing__(self, s: str) -> str:
        if len(self) > _TEXTS_MAX:
            self.clear()
        edge = s[:1].isspace() or s[-1:].isspace()  # where Excel would trim without it
        head = '<is><t xml:space="preserve">' if edge else "<is><t>"
        xml = self[s] = f"{head}{text_xml(s)}</t></is>"
        return xml


_TEXTS_MAX = 20_000

_PLAIN = frozenset({str, int, float, type(None)})


class _Template:
    """The XML of every row with the same value types and styles, as one ``str.format``.

    Filling it takes the row's attributes (its height, or nothing) and the row's values
    picked by C-level calls (itemgetter, map): several times faster than formatting cell by
    cell. Cells carry no reference: each follows the one before (an empty cell before a
    filled one is written as an empty cell of ``empty``'s style: the column's, as a missing
    cell shows), so the XML of a row does not depend on where it lands in the sheet.
    """

    def __init__(self, types: tuple[type, ...], styles: Sequence[int], empty: Sequence[int]):
        self.strings = [i for i, t in enumerate(types) if t is str]
        self.numbers = [i for i, t in enumerate(types) if t is int or t is float]
        self.floats = any(types[i] is float for i in self.numbers)
        slot = {i: k for k, i in enumerate((*self.strings, *self.numbers), start=1)}
        last = max(slot, default=0)  # an empty row keeps one empty cell: readers see the row
        parts = ["<row{0}>"]
        for i, t in enumerate(types[: last + 1]):
            if i not in slot:
                parts.append(f'<c s="{empty[i]}"/>')
            elif t is str:
                parts.append(f'<c s="{styles[i]}" t="inlineStr">{{{slot[i]}}}</c>')
            else:
                parts.append(f'<c s="{styles[i]}"><v>{{{slot[i]}!r}}</v></c>')
        parts.append("</row>")
        self.format = "".join(parts).format
        self.get_strings = _getter(self.strings)
        self.get_numbers = _getter(self.numbers)


def _getter(cols: list[int]) -> Any:
    if not cols:
        return lambda row: ()
    if len(cols) == 1:
        c = cols[0]
        return lambda row: (row[c],)
    return operator.itemgetter(*cols)


def render(spec: SheetRows) -> Iterator[str]:
    """The XML of each row of ``spec`` (see `render_rows`)."""
    return render_rows(spec.rows, spec.styles, spec.kind_column, spec.height)


def render_rows(
    rows: Iterable[Sequence[Any]],
    styles: dict[str | None, list[int]],
    kind_column: int | None = None,
    height: Callable[[Sequence[Any]], float | None] | None = None,
    memo: tuple[dict[Any, Any], _Texts] | None = None,
) -> Iterator[str]:
    """The XML of each row: ``<row>`` and ``<c>`` without references (each row follows the
    one before, each cell the one before), strings inline, so the XML of a run of rows is the
    same wherever it lands: a worker renders a submission's rows once (`deflated`) and the
    summary only splices them in.

    A row for which ``height`` gives a height gets it (``ht``, ``customHeight``). An empty
    value before a filled one is an empty cell of the default row's style, the column's
    (what keeps the next cell in its column; it looks as a missing cell does). Rows of plain values (text, int, float, None) with no empty text and
    no NaN are filled into a cached template per value types; any other row is written cell
    by cell, with the same XML. ``memo`` (`new_memo`): the templates and texts of earlier
    calls with the same styles, kept for the next (a sheet rendered in many pieces).
    """
    default = styles[None]
    kc = kind_column
    templates, texts = memo if memo is not None else new_memo()
    tall: dict[float, str] = {}
    for row in rows:
        h = height(row) if height is not None else None
        if h is None:
            attrs = ""
        else:
            attrs = tall.get(h) or tall.setdefault(h, f' ht="{h:g}" customHeight="1"')
        st = styles.get(row[kc], default) if kc is not None else default
        types = tuple(map(type, row))
        if "" not in row and _PLAIN.issuperset(types):
            key = (types, id(st))
            tpl = templates.get(key)
            if tpl is None:
                tpl = templates[key] = _Template(types, st, default)
            numbers = tpl.get_numbers(row)
            if not tpl.floats or all(map(math.isfinite, numbers)):
                yield tpl.format(attrs, *map(texts.__getitem__, tpl.get_strings(row)), *numbers)
                continue
        cells: list[str] = []
        empty: list[str] = []  # empty cells not yet written: only if a filled one follows
        for i, v in enumerate(row):
            t = type(v)
            if v is not None and t is not str and (t is bool or not isinstance(v, int | float)):
                v, t = str(v), str
            if t is str and v != "":
                cell = f'<c s="{st[i]}" t="inlineStr">{texts[v]}</c>'
            elif (t is int or t is float) and (t is int or math.isfinite(v)):
                cell = f'<c s="{st[i]}"><v>{v!r}</v></c>'
            else:
                empty.append(f'<c s="{default[i]}"/>')
                continue
            if empty:
                cells.extend(empty)
                empty = []
            cells.append(cell)
        if not cells and empty:
            cells.append(empty[0])
        yield f"<row{attrs}>{''.join(cells)}</row>"


def new_memo() -> tuple[dict[Any, Any], _Texts]:
    """What `render_rows` keeps between calls with the same styles: templates, texts."""
    return {}, _Texts()


@dataclass(frozen=True)
class Deflated:
    """The XML of some rows compressed (by a worker): raw deflate ending on a byte boundary
    (``Z_SYNC_FLUSH``, no final block), with the CRC-32 and size of the XML, spliced into the
    sheet's zip entry as it stands (`perfxl.write.patch.zipraw.EntryWriter.write_deflated`).
    """

    data: bytes
    crc: int
    size: int


def deflated(xml: Iterable[str]) -> Deflated:
    """``xml`` (the rows of `render_rows`) compressed for splicing (level 1, as the sheets)."""
    raw = "".join(xml).encode("utf-8")
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    return Deflated(c.compress(raw) + c.flush(zlib.Z_SYNC_FLUSH), zlib.crc32(raw), len(raw))


Piece = Iterable[Sequence[Any]] | Deflated  # rows to render, or rows rendered and compressed

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


def _stream(out: zipraw.EntryWriter, pieces: Iterable[str | Deflated]) -> None:
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
        buf: list[str] = []
        size = 0
        for piece in pieces:
            if failed:
                break
            if isinstance(piece, Deflated):
                if buf:
                    q.put("".join(buf).encode("utf-8"))
                    buf, size = [], 0
                q.put(piece)
                continue
            buf.append(piece)
            size += len(piece)
            if size > 1 << 20:
                q.put("".join(buf).encode("utf-8"))
                buf, size = [], 0
        q.put("".join(buf).encode("utf-8"))
    finally:
        q.put(None)
        worker.join()
    if failed:
        raise failed[0]


def _pieces(spec: SheetRows) -> Iterator[str | Deflated]:
    """The rows of ``spec`` as XML: its ``pieces`` (rendered here, or spliced as they are)
    when given, else its ``rows``."""
    if spec.pieces is None:
        yield from render(spec)
        return
    memo = new_memo()
    for piece in spec.pieces:
        if isinstance(piece, Deflated):
            yield piece
        else:
            yield from render_rows(piece, spec.styles, spec.kind_column, spec.height, memo)


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
