"""Edit cells of a worksheet part in place; every other byte of the part stays."""

from __future__ import annotations

import bisect
import re
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from perfxl.cells import a1, col_index, parse_range
from perfxl.errors import NotAWorkbookError
from perfxl.write.patch import xmltext as xt
from perfxl.write.patch.ooxml import MAIN_NS, STRICT_NS

_ELEMENT = re.compile(r"<([\w.:-]+)(?=[\s/>])")
# The r attribute of <row>/<c>: their other attributes hold no quotes, so a plain search is exact.
_R_ATTR = re.compile(r"""\sr\s*=\s*["']([^"']*)["']""")
_TRUE = ("1", "true")


# Named tuples: one per row and cell indexed (a frozen dataclass is 4x slower to make).
class RowLoc(NamedTuple):
    """A ``<row>`` element: its number and where it sits."""

    num: int
    span: xt.Span


class CellLoc(NamedTuple):
    """A ``<c>`` element: its position and where it sits."""

    row: int
    col: int
    span: xt.Span


@lru_cache(maxsize=4096)  # the same addresses on every project sheet
def _ref_col(ref: str) -> int:
    """The column of a cell's ``r`` attribute (``C8`` -> 3)."""
    return col_index(ref.replace("$", "").rstrip("0123456789"))


@lru_cache(maxsize=32)
def _flat_re(qname: str) -> re.Pattern[str]:
    return re.compile(rf"<{re.escape(qname)}(?=[\s/>])[^>]*>")


def _flat_span(text: str, m: re.Match[str], close: str, stop: int) -> xt.Span:
    """The span of the flat element whose start tag ``m`` matched (``close``: its end tag)."""
    tag_end = m.end()
    if text[tag_end - 2] == "/":
        return xt.Span(m.start(), tag_end, tag_end)
    end = text.find(close, tag_end, stop + len(close))
    if end < 0:
        raise NotAWorkbookError(f"<{close[2:-1]}> 没有结束标记。")
    return xt.Span(m.start(), tag_end, end + len(close))


def _flat(text: str, qname: str, start: int, stop: int) -> list[xt.Span]:
    """Elements that never nest and carry no ``>`` in attributes (``<row>``, ``<c>``), fast."""
    out: list[xt.Span] = []
    close = f"</{qname}>"
    n = len(close)
    search, find, span = _flat_re(qname).search, text.find, xt.Span  # every row of every sheet
    pos = start
    while (m := search(text, pos, stop)) is not None:
        tag_end = m.end()
        if text[tag_end - 2] == "/":  # the match ends with ">": "/>" closes it
            end = tag_end
        else:
            end = find(close, tag_end, stop + n)
            if end < 0:
                raise NotAWorkbookError(f"<{qname}> 没有结束标记。")
            end += n
        out.append(span(m.start(), tag_end, end))
        pos = end
    return out


def main_prefix(text: str, part: str) -> str:
    """The prefix (``""`` or ``"x:"``) of the SpreadsheetML namespace in a part.

    Raises:
        NotAWorkbookError: Strict OOXML or not SpreadsheetML.
    """
    qname, span = xt.root(text)
    decls = xt.ns_decls(span.start_tag(text))
    prefix = qname[: qname.index(":") + 1] if ":" in qname else ""
    uri = decls.get(prefix[:-1] if prefix else "")
    if uri == STRICT_NS:
        raise NotAWorkbookError(f"{part} 是 Strict Open XML 格式，请在 Excel 中另存为普通 .xlsx。")
    if uri != MAIN_NS:
        raise NotAWorkbookError(f"{part} 不是 SpreadsheetML 部件。")
    return prefix


def top_children(text: str) -> list[tuple[str, xt.Span]]:
    """The root's child elements as (qualified name, span)."""
    qname, rspan = xt.root(text)
    root = xt.find(text, qname, rspan.start)
    assert root is not None
    out: list[tuple[str, xt.Span]] = []
    pos, stop = root.tag_end, root.inner_end(text)
    while True:
        i = text.find("<", pos, stop)
        if i < 0:
            return out
        if text.startswith("<!--", i):
            pos = text.index("-->", i) + 3
            continue
        m = _ELEMENT.match(text, i)
        if m is None:
            pos = i + 1
            continue
        span = xt.find(text, m.group(1), i)
        assert span is not None
        out.append((m.group(1), span))
        pos = span.end


def insert_child(text: str, prefix: str, local: str, xml: str, order: tuple[str, ...]) -> str:
    """Insert ``xml`` (a ``local`` element) among the root's children in schema order."""
    before = set(order[: order.index(local)])
    at = None
    for qname, span in top_children(text):
        name = qname[len(prefix) :] if qname.startswith(prefix) else None
        if name in before:
            at = span.end
    if at is None:
        _, rspan = xt.root(text)
        at = rspan.tag_end
    return text[:at] + xml + text[at:]


class _Index:
    """Where the rows and cells of one worksheet part's text sit (found when first asked).

    It depends on the text alone, so the reading and the writing of the same part share one
    (`_index`): compute reads the formulas of the cells it then writes.
    """

    def __init__(self, text: str, part: str) -> None:
        self.text = text
        self.p = main_prefix(text, part)
        sd = xt.find(text, self.p + "sheetData")
        if sd is None:
            raise NotAWorkbookError(f"{part} 没有 sheetData（不是普通工作表）。")
        self.sheet_data = sd
        self._rows: list[RowLoc] | None = None
        self.row_nums: list[int] = []
        # Rows scanned so far, in order, while they ascend (`row` stops at the one it wants:
        # compute reads row 8 of a 30-row project sheet).
        self._head: list[RowLoc] = []
        self._head_nums: list[int] = []
        self._head_pos = sd.tag_end
        self._head_done = False
        self._cells: dict[int, list[CellLoc]] = {}
        self._first: dict[int, dict[int, CellLoc]] = {}  # row -> column -> its first <c>

    def rows(self) -> list[RowLoc]:
        if self._rows is None:
            rows: list[RowLoc] = []
            stop = self.sheet_data.inner_end(self.text)
            prev = 0
            for span in _flat(self.text, self.p + "row", self.sheet_data.tag_end, stop):
                m = _R_ATTR.search(self.text, span.start, span.tag_end)
                prev = int(m.group(1)) if m else prev + 1
                rows.append(RowLoc(prev, span))
            self._rows = rows
            self.row_nums = [r.num for r in rows]
        return self._rows

    def row(self, num: int) -> RowLoc | None:
        """The first ``<row>`` numbered ``num``, or None, scanning no further than needed.

        Rows are scanned one at a time while their numbers ascend (as the format requires
        and every writer writes them); a row number that goes down sends the lookup to
        the whole list (:meth:`rows`), as before.
        """
        if self._rows is None and not self._head_done:
            nums = self._head_nums
            if not nums or nums[-1] < num:
                self._scan_to(num)
        if self._rows is None:
            rows, nums = self._head, self._head_nums
        else:
            rows, nums = self._rows, self.row_nums
        i = bisect.bisect_left(nums, num)
        if i < len(rows) and rows[i].num == num:
            return rows[i]
        return None

    def _scan_to(self, num: int) -> None:
        """Scan rows on until one numbered ``num`` or more (or the end of sheetData)."""
        text, head, nums = self.text, self._head, self._head_nums
        stop = self.sheet_data.inner_end(text)
        qname = self.p + "row"
        search, close = _flat_re(qname).search, f"</{qname}>"
        prev = nums[-1] if nums else 0
        while (m := search(text, self._head_pos, stop)) is not None:
            span = _flat_span(text, m, close, stop)  # as `_flat` finds it
            r = _R_ATTR.search(text, span.start, span.tag_end)
            n = int(r.group(1)) if r else prev + 1
            if n < prev:  # out of order: only the whole list answers as before
                self.rows()
                return
            head.append(RowLoc(n, span))
            nums.append(n)
            prev = n
            self._head_pos = span.end
            if n >= num:
                return
        self._head_done = True

    def cells(self, row: RowLoc) -> list[CellLoc]:
        if row.num not in self._cells:
            out: list[CellLoc] = []
            prev = 0
            stop = row.span.inner_end(self.text)
            for span in _flat(self.text, self.p + "c", row.span.tag_end, stop):
                m = _R_ATTR.search(self.text, span.start, span.tag_end)
                prev = _ref_col(m.group(1)) if m else prev + 1
                out.append(CellLoc(row.num, prev, span))
            self._cells[row.num] = out
        return self._cells[row.num]

    def cell_at(self, row: RowLoc, col: int) -> CellLoc | None:
        """The row's first ``<c>`` in column ``col``, or None."""
        first = self._first.get(row.num)
        if first is None:
            first = {}
            for cell in reversed(self.cells(row)):  # the first of a repeated column wins
                first[cell.col] = cell
            self._first[row.num] = first
        return first.get(col)


# Recent indexes by the identity of their text (the text is held, so the id is not reused).
_INDEXES: OrderedDict[int, tuple[str, str, _Index]] = OrderedDict()
_INDEXES_KEPT = 64


def _index(text: str, part: str) -> _Index:
    """The index of a part's text: made once while the same text object is in use."""
    hit = _INDEXES.get(id(text))
    if hit is not None and hit[0] is text and hit[1] == part:
        _INDEXES.move_to_end(id(text))
        return hit[2]
    ix = _Index(text, part)
    _INDEXES[id(text)] = (text, part, ix)
    if len(_INDEXES) > _INDEXES_KEPT:
        _INDEXES.popitem(last=False)
    return ix


class SheetXml:
    """Cells of one worksheet part: read them, schedule edits, render the new text.

    Only the rows that hold an edited cell are rebuilt, and inside them only the
    edited ``<c>`` elements; everything else is sliced from the original text.
    """

    def __init__(self, text: str, part: str) -> None:
        """Index ``text`` (the worksheet part named ``part``)."""
        self.text = text
        self.part = part
        ix = _index(text, part)
        self.p = ix.p
        self.sheet_data = ix.sheet_data
        self._ix = ix
        self.pending: dict[int, dict[int, str | None]] = {}
        self.drop_if_empty: set[int] = set()
        self.collapse_if_empty: set[int] = set()
        self.collapse_sheet_data = False

    # -- reading -------------------------------------------------------------
    def rows(self) -> list[RowLoc]:
        """Every ``<row>`` in document order."""
        return self._ix.rows()

    @property
    def _row_nums(self) -> list[int]:
        self._ix.rows()
        return self._ix.row_nums

    def row(self, num: int) -> RowLoc | None:
        """The ``<row>`` numbered ``num``, or None."""
        return self._ix.row(num)

    def cells(self, row: RowLoc) -> list[CellLoc]:
        """The ``<c>`` elements of a row, in order."""
        return self._ix.cells(row)

    def original(self, row: int, col: int) -> str | None:
        """The cell's text as in the source part, or None."""
        loc = self.row(row)
        if loc is None:
            return None
        cell = self._ix.cell_at(loc, col)
        return None if cell is None else self.text[cell.span.start : cell.span.end]

    def cell(self, row: int, col: int) -> str | None:
        """The cell's text with scheduled edits applied, or None."""
        pending = self.pending.get(row, {})
        if col in pending:
            return pending[col]
        return self.original(row, col)

    def row_tag(self, row: int) -> str | None:
        """The start tag of a row, or None."""
        loc = self.row(row)
        return loc.span.start_tag(self.text) if loc else None

    def inherited_style(self, row: int, col: int) -> int | None:
        """The style a new cell takes from its row (customFormat) or its column."""
        tag = self.row_tag(row)
        if tag and xt.get_attr(tag, "customFormat") in _TRUE and xt.get_attr(tag, "s"):
            return int(xt.get_attr(tag, "s") or 0)
        cols = xt.find(self.text, self.p + "cols")
        if cols is not None:
            for span in xt.find_all(self.text, self.p + "col", cols.tag_end, cols.end):
                a = xt.attrs(span.start_tag(self.text))
                if int(a.get("min", 0)) <= col <= int(a.get("max", 0)) and a.get("style"):
                    return int(a["style"])
        return None

    # -- editing -------------------------------------------------------------
    def put(self, row: int, col: int, xml: str | None) -> None:
        """Schedule ``xml`` as the cell's new text (None removes the cell)."""
        self.pending.setdefault(row, {})[col] = xml

    def render(self) -> str:
        """The part's text with the scheduled edits."""
        text, p = self.text, self.p
        edits: list[tuple[int, int, str]] = []
        new_rows: list[tuple[int, str]] = []
        for num in sorted(self.pending):
            loc = self.row(num)
            if loc is None:
                cells = [x for _, x in sorted(self.pending[num].items()) if x is not None]
                if cells:
                    new_rows.append((num, f'<{p}row r="{num}">{"".join(cells)}</{p}row>'))
                continue
            edits.append((loc.span.start, loc.span.end, self._render_row(loc)))
        if new_rows:
            sd = self.sheet_data
            if sd.self_closing:
                tag = sd.start_tag(text)[:-2] + ">"
                body = "".join(x for _, x in new_rows)
                edits.append((sd.start, sd.end, f"{tag}{body}</{p}sheetData>"))
            else:
                rows = self.rows()
                for num, xml in new_rows:
                    i = bisect.bisect_right(self._row_nums, num)
                    at = rows[i].span.start if i < len(rows) else sd.inner_end(text)
                    edits.append((at, at, xml))
        out = xt.splice(text, edits)
        if self.collapse_sheet_data:
            sd2 = xt.find(out, p + "sheetData")
            if sd2 is not None and not sd2.self_closing and sd2.inner(out) == "":
                out = out[: sd2.start] + sd2.start_tag(out)[:-1] + "/>" + out[sd2.end :]
        return out

    def _render_row(self, loc: RowLoc) -> str:
        text, p = self.text, self.p
        base = loc.span.start
        row_text = text[loc.span.start : loc.span.end]
        cells = self.cells(loc)
        cols = [c.col for c in cells]
        edits: list[tuple[int, int, str]] = []
        inserts: list[str] = []
        count = len(cells)
        for col, xml in sorted(self.pending[loc.num].items()):
            i = bisect.bisect_left(cols, col)
            if i < len(cells) and cells[i].col == col:
                s = cells[i].span
                edits.append((s.start - base, s.end - base, xml or ""))
                count -= xml is None
            elif xml is not None:
                count += 1
                if loc.span.self_closing:
                    inserts.append(xml)
                else:
                    at = (
                        cells[i].span.start if i < len(cells) else loc.span.inner_end(text)
                    ) - base
                    edits.append((at, at, xml))
        if count == 0 and loc.num in self.drop_if_empty:
            return ""
        if count == 0 and loc.num in self.collapse_if_empty:
            return loc.span.start_tag(text)[:-1] + "/>"
        if inserts:
            tag = row_text[:-2] + ">"
            return f"{tag}{''.join(inserts)}</{p}row>"
        return xt.splice(row_text, edits)


# -- one cell's text -----------------------------------------------------------
@dataclass(frozen=True)
class CellParts:
    """A ``<c>`` element split up.

    Attributes:
        tag: the start tag, always in open form (``<c ...>``).
        formula: the ``<f>`` element's text, or None.
        ext: the ``<extLst>`` element's text, or None.
        has_value: True when the cell holds ``<v>`` or ``<is>``.
    """

    tag: str
    formula: str | None
    ext: str | None
    has_value: bool


@lru_cache(maxsize=4096)  # project sheets repeat the same cells (same address, formula)
def cell_parts(xml: str, p: str) -> CellParts:
    """Split a cell's text (the result is immutable, so it is cached by text)."""
    span = xt.find(xml, p + "c")
    assert span is not None
    tag = span.start_tag(xml)
    if span.self_closing:
        return CellParts(tag[:-2].rstrip() + ">", None, None, False)
    f = _child(xml, p + "f", span.tag_end)
    ext = _child(xml, p + "extLst", span.tag_end)
    v = _child(xml, p + "v", span.tag_end) or _child(xml, p + "is", span.tag_end)
    return CellParts(
        tag,
        xml[f.start : f.end] if f else None,
        xml[ext.start : ext.end] if ext else None,
        v is not None,
    )


def _child(xml: str, qname: str, start: int) -> xt.Span | None:
    """``xt.find``, skipped when the name does not occur at all (most cells hold no formula)."""
    return xt.find(xml, qname, start) if f"<{qname}" in xml else None


def build_cell(tag: str, children: str, p: str) -> str:
    """A cell from an open start tag and its children (self-closing when empty)."""
    if not children:
        return tag[:-1] + "/>"
    return f"{tag}{children}</{p}c>"


def style_of(xml: str) -> int:
    """The cell's style index (0 when it has none)."""
    s = xt.get_attr(xml[: xml.index(">") + 1], "s")
    return int(s) if s else 0


def widen_dimension(text: str, p: str, cells: list[tuple[int, int]]) -> str:
    """Grow ``<dimension ref>`` to cover ``cells`` (openpyxl read_only trusts it)."""
    if not cells:
        return text
    span = xt.find(text, p + "dimension")
    if span is None:
        return text
    tag = span.start_tag(text)
    ref = (xt.get_attr(tag, "ref") or "").replace("$", "")
    rows = [r for r, _ in cells]
    cols = [c for _, c in cells]
    try:
        r1, c1, r2, c2 = parse_range(ref, strict=True)
        rows += [r1, r2]
        cols += [c1, c2]
    except ValueError:
        pass
    lo, hi = a1(min(rows), min(cols)), a1(max(rows), max(cols))
    new = lo if lo == hi else f"{lo}:{hi}"
    if new == ref:
        return text
    return text[: span.start] + xt.set_attr(tag, "ref", new) + text[span.end :]
