"""Stream the rows of the big sheets straight into a finished .xlsx (zip) as sheet XML.

xlsxwriter draws each sheet (headers, widths, formats, filters, panes, print setup, charts);
this module then inserts the data rows of the long sheets into those sheets' ``<sheetData>``
as shared strings and numbers, with the style indexes of xlsxwriter's formats. Writing the
XML directly is about ten times faster than a cell-by-cell writer, and rows are generated one
at a time, never held twice. Text is always written as text (never a formula).
"""

from __future__ import annotations

import math
import operator
import os
import queue
import re
import shutil
import tempfile
import threading
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
    """

    part: str
    rows: Iterable[Sequence[Any]]
    first_row: int
    styles: dict[str | None, list[int]]
    kind_column: int | None = None
    nrows: int = 0
    ncols: int = 1
    height: Callable[[Sequence[Any]], float | None] | None = None


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


class _Index(dict[str, int]):
    """str -> shared-string index; a missing string is added with the next index.

    With ``once`` and ``sink`` (`SharedStrings.counted`): each new string's ``<si>`` goes to
    ``sink`` as it is numbered, and a string ``once`` says occurs only once among all the
    rows is not kept (most of a big consolidation's texts: a message naming one file's cell).
    """

    def __init__(
        self, start: int, once: Callable[[str], bool] | None = None, sink: Any = None
    ) -> None:
        super().__init__()
        self.start = self.next = start
        self.once = once
        self.sink = sink

    def __missing__(self, s: str) -> int:
        i = self.next
        self.next += 1
        if self.sink is not None:
            self.sink.write(_si(s).encode("utf-8"))
            if self.once is not None and self.once(s):
                return i  # never asked again: not kept
        self[s] = i
        return i


def _si(s: str) -> str:
    return f'<si><t xml:space="preserve">{text_xml(s)}</t></si>'


# Slots of the occurrence counts (`SharedStrings.counted`): a byte per slot, at most 32 MB.
_MAX_SLOTS = 1 << 25


class SharedStrings:
    """The workbook's shared-strings table, extended with the strings of the inserted rows.

    A string repeated in many rows (unit, file, rule, sheet name) is stored and escaped once;
    each cell holds its index. That makes the sheet XML several times smaller than inline
    strings, so it is written and compressed faster, and Excel opens it faster.
    """

    def __init__(self, start: int = 0) -> None:
        self.start = start
        self.index = _Index(start)
        self.cells = 0

    @classmethod
    def counted(cls, start: int, sheets: Iterable[SheetRows]) -> SharedStrings:
        """A table that keeps only the strings occurring more than once in ``sheets``' rows
        (read once here to count them; they are read again when written), the others
        written to a temporary file as they are numbered: the same table as `SharedStrings`
        makes, in memory flat in the number of rows.

        Occurrences are counted by hash slot, a byte each, up to 2: two strings sharing a
        slot only make a string counted twice that occurs once (kept, as without counting),
        never the reverse, so every string asked for again is found again.
        """
        sheets = list(sheets)
        cells = sum(s.nrows * s.ncols for s in sheets)
        slots = min(_MAX_SLOTS, 1 << max(10, (4 * cells).bit_length()))
        mask = slots - 1
        seen = bytearray(slots)
        for spec in sheets:
            for row in spec.rows:
                for v in row:
                    if v is None or v == "":
                        continue
                    t = type(v)
                    if t is not str:
                        if t is not bool and isinstance(v, int | float):
                            continue  # a number: not a string
                        v = str(v)
                    h = hash(v) & mask
                    if seen[h] < 2:
                        seen[h] += 1
        sst = cls(start)
        sink = tempfile.TemporaryFile()  # noqa: SIM115 - closed by `close` (gone when closed)
        sst.index = _Index(start, lambda s: seen[hash(s) & mask] == 1, sink)
        return sst

    def get(self, s: str) -> int:
        """The index of ``s`` (added on first use)."""
        return self.index[s]

    @property
    def unique(self) -> int:
        """Strings in the table (those it started with included)."""
        return self.index.next

    def xml(self) -> Iterator[str]:
        """The ``<si>`` elements of the added strings, in index order (the table was not
        made by `counted`)."""
        for s in self.index:  # dicts keep insertion order, which is index order
            yield _si(s)

    def write(self, out: zipraw.EntryWriter) -> None:
        """The ``<si>`` elements of the added strings written to ``out``, in index order."""
        sink = self.index.sink
        if sink is None:
            _stream(out, self.xml())
            return
        sink.flush()
        sink.seek(0)
        while chunk := sink.read(1 << 20):
            out.write(chunk)

    def close(self) -> None:
        """The temporary file of `counted` removed."""
        if self.index.sink is not None:
            self.index.sink.close()


_PLAIN = frozenset({str, int, float, type(None)})


class _Template:
    """The XML of every row with the same value types and styles, as one ``str.format``.

    Filling it takes the row number and the row's values picked by C-level calls
    (itemgetter, map): several times faster than formatting cell by cell.
    """

    def __init__(self, types: tuple[type, ...], styles: Sequence[int], letters: list[str]):
        self.strings = [i for i, t in enumerate(types) if t is str]
        self.numbers = [i for i, t in enumerate(types) if t is int or t is float]
        self.floats = any(types[i] is float for i in self.numbers)
        slot = {i: k for k, i in enumerate((*self.strings, *self.numbers), start=1)}
        parts = ['<row r="{0}">']
        for i, t in enumerate(types):
            if i not in slot:
                continue
            ref = f'<c r="{letters[i]}{{0}}" s="{styles[i]}"'
            if t is str:
                parts.append(f'{ref} t="s"><v>{{{slot[i]}}}</v></c>')
            else:
                parts.append(f"{ref}><v>{{{slot[i]}!r}}</v></c>")
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


def render(spec: SheetRows, sst: SharedStrings | None = None) -> Iterator[tuple[str, int]]:
    """``(xml, last_row)`` for each row; empty rows are skipped.

    A row for which ``spec.height`` gives a height gets it (``ht``, ``customHeight``).

    Strings go to ``sst`` when given, else they are written inline. Rows of plain values
    (text, int, float, None) with no empty text and no NaN are filled into a cached template
    per value types; any other row is written cell by cell.
    """
    letters: list[str] = []
    n = spec.first_row
    default = spec.styles[None]
    kc = spec.kind_column
    templates: dict[tuple[Any, ...], _Template] = {}
    index = sst.index if sst is not None else None
    cells = 0
    height = spec.height
    for row in spec.rows:
        h = height(row) if height is not None else None
        if len(letters) < len(row):
            letters = [col_letter(i + 1) for i in range(len(row))]
        styles = spec.styles.get(row[kc], default) if kc is not None else default
        types = tuple(map(type, row))
        if index is not None and "" not in row and _PLAIN.issuperset(types):
            key = (types, id(styles))
            tpl = templates.get(key)
            if tpl is None:
                tpl = templates[key] = _Template(types, styles, letters)
            numbers = tpl.get_numbers(row)
            if not tpl.floats or all(map(math.isfinite, numbers)):
                cells += len(tpl.strings)
                xml = tpl.format(n, *map(index.__getitem__, tpl.get_strings(row)), *numbers)
                yield (xml if h is None else _tall(xml, n, h)), n
                n += 1
                continue
        parts = [f'<row r="{n}">']
        add = parts.append
        for i, v in enumerate(row):
            if v is None:
                continue
            t = type(v)
            if t is not str and (t is bool or not isinstance(v, int | float)):
                v, t = str(v), str
            if t is str:
                if v == "":
                    continue
                if index is not None:
                    add(f'<c r="{letters[i]}{n}" s="{styles[i]}" t="s"><v>{index[v]}</v></c>')
                    cells += 1
                else:
                    add(
                        f'<c r="{letters[i]}{n}" s="{styles[i]}" t="inlineStr"><is>'
                        f'<t xml:space="preserve">{text_xml(v)}</t></is></c>'
                    )
            elif t is int or math.isfinite(v):
                add(f'<c r="{letters[i]}{n}" s="{styles[i]}"><v>{v!r}</v></c>')
        add("</row>")
        xml = "".join(parts)
        yield (xml if h is None else _tall(xml, n, h)), n
        n += 1
    if sst is not None:
        sst.cells += cells


def _tall(xml: str, n: int, height: float) -> str:
    """A row's XML with its height set (``<row r="n">`` is how every row starts)."""
    head = f'<row r="{n}">'
    return f'<row r="{n}" ht="{height:g}" customHeight="1">' + xml[len(head) :]


_DIM = re.compile(r'<dimension ref="[^"]*"/>')


def insert_rows(path: str, sheets: list[SheetRows], *, count_strings: bool = False) -> None:
    """Rewrite the workbook at ``path`` with the rows inserted (the file is replaced whole).

    Through the one zip writer (:mod:`perfxl.write.patch.zipraw`): the parts xlsxwriter wrote
    are copied as they stand, the long sheets are streamed into their entries. Strings of the
    inserted rows are added to the workbook's shared-strings table when it has one (xlsxwriter
    writes one as soon as any sheet holds text), else written inline.

    Args:
        path: a workbook written by xlsxwriter.
        sheets: what to insert where.
        count_strings: the rows' strings counted first (`SharedStrings.counted`: each
            sheet's ``rows`` is iterated twice) so that the table keeps only the repeated
            ones: the same workbook, in memory flat in the number of rows.
    """
    from perfxl.write.patch import zipraw
    from perfxl.write.patch.safeio import done_with_temp, new_temp

    by_part = {s.part: s for s in sheets}
    src = zipraw.ZipSource(Path(path).read_bytes(), path)  # small: the long sheets are empty
    records = src.records or {}  # none: an odd layout, every part deflated again
    like = {i.filename: records.get(i.filename) or i for i in src.infos}  # time, attributes
    sst_xml = src.read(SST_PART).decode("utf-8") if SST_PART in src.names else None
    sst = None
    if sst_xml is not None:
        start = _unique_count(sst_xml)
        sst = SharedStrings.counted(start, sheets) if count_strings else SharedStrings(start)
    fd, tmp_path = new_temp(Path(path))  # hidden, registered: removed even after Ctrl-C
    try:
        with os.fdopen(fd, "wb") as fh:
            zw = zipraw.ZipWriter(fh, src.stamp)
            for name in src.names:
                spec = by_part.get(name)
                if name == SST_PART:
                    continue  # written last, once every inserted string is known
                if spec is not None:
                    with zw.open(name, like[name], level=1) as out:
                        _write_sheet(out, src.read(name).decode("utf-8"), spec, sst)
                elif name in records:
                    zw.copy(records[name])
                else:
                    zw.add(name, src.read(name), like[name])
            if sst is not None and sst_xml is not None:
                with zw.open(SST_PART, like[SST_PART], level=1) as out:
                    _write_sst(out, sst_xml, sst)
            zw.finish(src.comment, zip64=True)
        shutil.move(tmp_path, path)
    finally:
        done_with_temp(tmp_path)
        if sst is not None:
            sst.close()


SST_PART = "xl/sharedStrings.xml"
_SST_OPEN = re.compile(r"<sst\b[^>]*>")
_COUNT = re.compile(r'\b(count|uniqueCount)="(\d+)"')


def _unique_count(xml: str) -> int:
    """How many ``<si>`` entries the table holds (new strings are numbered after them)."""
    return xml.count("<si>") + xml.count("<si ")


def _write_sst(out: zipraw.EntryWriter, xml: str, sst: SharedStrings) -> None:
    unique = sst.unique
    m = _SST_OPEN.search(xml)
    if m is None:  # pragma: no cover - xlsxwriter always writes the element
        raise ValueError("sharedStrings.xml without <sst>")
    old = {k: int(v) for k, v in _COUNT.findall(m.group(0))}
    count = old.get("count", sst.start) + sst.cells
    tag = _COUNT.sub("", m.group(0)).rstrip(">").rstrip("/").rstrip()
    tag += f' count="{count}" uniqueCount="{unique}">'
    head = xml[: m.start()] + tag
    body = xml[m.end() :]
    if m.group(0).endswith("/>"):
        body = "</sst>" + body
    inner, _, tail = body.rpartition("</sst>")
    out.write((head + inner).encode("utf-8"))
    sst.write(out)
    out.write(("</sst>" + tail).encode("utf-8"))


def _stream(out: zipraw.EntryWriter, pieces: Iterable[str]) -> None:
    """Write text pieces in buffers of about a megabyte.

    The buffers are compressed and written by a second thread: zlib and crc32 release the
    GIL, so compressing one buffer overlaps with rendering the next.
    """
    q: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
    failed: list[BaseException] = []

    def drain() -> None:
        while (data := q.get()) is not None:
            if not failed:
                try:
                    out.write(data)
                except BaseException as exc:  # handed to the caller below
                    failed.append(exc)

    worker = threading.Thread(target=drain, name="perfxl-zip-writer", daemon=True)
    worker.start()
    try:
        buf: list[str] = []
        size = 0
        for piece in pieces:
            buf.append(piece)
            size += len(piece)
            if size > 1 << 20:
                if failed:
                    break
                q.put("".join(buf).encode("utf-8"))
                buf, size = [], 0
        q.put("".join(buf).encode("utf-8"))
    finally:
        q.put(None)
        worker.join()
    if failed:
        raise failed[0]


def _write_sheet(
    out: zipraw.EntryWriter, xml: str, spec: SheetRows, sst: SharedStrings | None
) -> None:
    last_row = max(spec.first_row - 1 + spec.nrows, 1)
    xml = _DIM.sub(f'<dimension ref="A1:{col_letter(spec.ncols)}{last_row}"/>', xml, count=1)
    if "<sheetData/>" in xml:
        head, _, tail = xml.partition("<sheetData/>")
        head, tail = head + "<sheetData>", "</sheetData>" + tail
    else:
        head, _, tail = xml.partition("</sheetData>")
        tail = "</sheetData>" + tail
    out.write(head.encode("utf-8"))
    _stream(out, (row for row, _ in render(spec, sst)))
    out.write(tail.encode("utf-8"))
