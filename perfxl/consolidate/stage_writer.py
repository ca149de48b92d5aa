"""A later stage's county summary (monitoring, self-evaluation), its tables' rows streamed in.

xlsxwriter draws every sheet (headers, widths, formats, filters, print setup), the chart
sheet and 说明, with no table row; the rows then go into their sheets as XML
(`summary_xml.insert_rows`), as the targets summary's long sheets do, a submission's rows at
a time when the run spilled them (`perfxl.consolidate.spill`). xlsxwriter kept every cell
it was given until the workbook closed (about 0.09 MB per monitoring workbook summed): now
the summary's memory no longer grows with its rows.

A table may give some of its cells a style of their own by their value (the monitoring
预警 cells filled with their light's colour: `CellStyles`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from perfxl.consolidate import columns as K
from perfxl.consolidate.columns import continued
from perfxl.consolidate.combine import Consolidation
from perfxl.consolidate.summary_xml import (
    CHUNK,
    Deflated,
    Memo,
    SheetRows,
    insert_rows,
    new_memo,
    render_rows,
)
from perfxl.consolidate.writer import (
    Formats,
    Paths,
    RunInfo,
    draw_table,
    key_for,
    new_workbook,
    readme_sheet,
    row_height,
    spans,
    table_pieces,
    with_continuation,
)

_ROW_START = re.compile(rb"<row[ >]")  # a rendered row's start ("<" in a text is "&lt;")


@dataclass(frozen=True)
class CellStyles:
    """The cells of column ``key`` holding one of ``formats``' values take that value's
    format (xlsxwriter properties) instead of their column's; in the tables having that
    column."""

    key: str
    formats: dict[str, dict[str, Any]]


def write_streamed_stage(
    c: Consolidation,
    out: Any,
    info: RunInfo,
    *,
    title: str,
    marker: str,
    tables: Sequence[tuple[K.Table, Sequence[Any]]],
    chart: Callable[[Any, Consolidation, Formats], None],
    lines: Sequence[tuple[str, str]],
    cells: CellStyles | None = None,
) -> None:
    """Write a later stage's county summary to ``out`` (replaced whole): the stage's
    ``tables``, then 校验问题, 提交情况 and 版本变化 (when some version changed something),
    each table continued on further sheets past `RunInfo.rows_per_sheet`; the ``chart``
    sheet; and the 说明 sheet of ``lines``. ``cells``: cells styled by their value.

    Raises:
        WriteError: the file cannot be written (open in Excel/WPS, read-only folder).
    """
    from perfxl.write.atomic import atomic_path

    rows_of = {
        **{table.sheet: rows for table, rows in tables},
        K.PROBLEMS.sheet: c.problems,
        K.FILES.sheet: c.files,
        K.VERSION_CHANGES.sheet: c.version_changes,
    }
    drawn = (*(table for table, _ in tables), K.PROBLEMS, K.FILES)
    with atomic_path(out) as tmp:
        wb = new_workbook(tmp, title, marker)
        fmt = Formats(wb)
        # After `Formats`: its indexes stay the ones every summary has. An index given now
        # puts the format in the styles part, though no cell is written by xlsxwriter.
        own = {v: wb.add_format(p) for v, p in (cells.formats if cells else {}).items()}
        own_index = {v: f._get_xf_index() for v, f in own.items()}
        paths = Paths(info.inputs)
        per_sheet = info.rows_per_sheet()
        split: list[tuple[str, int]] = []
        streamed: list[tuple[K.Table, Any, Sequence[Any], int, int]] = []
        for table in (*drawn, K.VERSION_CHANGES) if c.version_changes else drawn:
            stored = rows_of[table.sheet]
            parts = spans(len(stored), per_sheet)
            if len(parts) > 1:
                split.append((table.sheet, len(parts)))
            for i, (a, b) in enumerate(parts):
                ws = wb.add_worksheet(continued(table.sheet, i))
                draw_table(ws, table, b - a, fmt)
                streamed.append((table, ws, stored, a, b))
        chart(wb, c, fmt)
        readme_sheet(wb, fmt, marker, with_continuation(lines, split, per_sheet), info.inputs)
        wb.worksheets()[0].activate()
        wb.close()
        specs = []
        for table, ws, rows, a, b in streamed:
            styles = fmt.styles(table)
            kind = 0 if table.keys[0] == "row_kind" else None
            fixes = paths.fixes(table)
            height = row_height(table, fixes)
            pieces: Iterable[Any] = table_pieces(rows, key_for(paths, styles), a, b)
            if cells is not None and cells.key in table.keys:
                by = _ByValue(table.index(cells.key), own_index, styles, kind, height, fixes)
                pieces = by.pieces(pieces)
            specs.append(
                SheetRows(
                    part=f"xl/worksheets/sheet{ws.index + 1}.xml",
                    rows=(),
                    first_row=2,
                    styles=styles,
                    kind_column=kind,
                    nrows=b - a,
                    ncols=len(table.columns),
                    height=height,
                    pieces=pieces,
                    fixes=fixes,
                )
            )
        insert_rows(str(tmp), specs)


class _ByValue:
    """Rows rendered with the cells of column ``col`` whose value ``index`` names in that
    value's style (index), the others as `summary_xml.render_rows` renders them with the
    table's ``styles`` and ``kind`` column: the rows of each style rendered together, in
    runs of `CHUNK`, then put back in order."""

    def __init__(
        self,
        col: int,
        index: dict[str, int],
        styles: dict[str | None, list[int]],
        kind: int | None,
        height: Callable[[Sequence[Any]], float | None],
        fixes: dict[int, Callable[[str], Any]],
    ) -> None:
        self.col, self.index, self.styles, self.kind, self.height = col, index, styles, kind, height
        self.memo: Memo = new_memo(fixes)
        # (row kind, value) -> the styles rendering those rows: the row kind's, the cell's
        # own in column ``col``; under the row kind as key in column 0, the empty cells in
        # the default row's styles (as `render_rows` gives them). One object per key: the
        # memo finds a style's plan by its identity.
        self.keyed: dict[tuple[Any, str], dict[Any, list[int]]] = {}

    def pieces(self, pieces: Iterable[Any]) -> Iterator[Any]:
        """``pieces`` (rows, or XML already rendered) as rendered XML, in order."""
        for piece in pieces:
            if isinstance(piece, Deflated | bytes):
                yield piece
                continue
            it = iter(piece)
            while chunk := list(islice(it, CHUNK)):
                yield self._render(chunk)

    def _render(self, rows: list[Sequence[Any]]) -> bytes:
        col, index = self.col, self.index
        groups: dict[tuple[Any, str] | None, list[int]] = {}
        for j, row in enumerate(rows):
            v = row[col] if col < len(row) else None
            key = (row[0], v) if type(v) is str and v in index else None
            groups.setdefault(key, []).append(j)
        if list(groups) == [None]:
            return b"".join(render_rows(rows, self.styles, self.kind, self.height, self.memo))
        xml: list[bytes] = [b""] * len(rows)
        for key, idx in groups.items():
            if key is None:
                styles, kind = self.styles, self.kind
            else:
                styles, kind = self._styles(key), 0
            got = b"".join(
                render_rows([rows[j] for j in idx], styles, kind, self.height, self.memo)
            )
            starts = [m.start() for m in _ROW_START.finditer(got)]
            for j, lo, hi in zip(idx, starts, [*starts[1:], len(got)], strict=True):
                xml[j] = got[lo:hi]
        return b"".join(xml)

    def _styles(self, key: tuple[Any, str]) -> dict[Any, list[int]]:
        got = self.keyed.get(key)
        if got is None:
            kind, value = key
            base = list(self.styles.get(kind, self.styles[None]))
            base[self.col] = self.index[value]
            got = self.keyed[key] = {None: self.styles[None], kind: base}
        return got
