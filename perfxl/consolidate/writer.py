"""The county summary workbook (xlsxwriter): sheets for reviewers, native charts.

Every sheet has Chinese headers, a frozen header row, a filter, number formats, column widths,
wrapped text and print setup: A3 landscape, one page wide and as many pages tall as needed,
the header row repeated on every page, page numbers; columns only useful on screen (the link
addresses) are left out of the print area. The tables of a row per project, indicator, problem,
unit or file (汇总, 指标明细, 校验问题, 乡镇合计, 提交情况) get their rows streamed in by
`summary_xml` after xlsxwriter has drawn them (the chart of the units is given their values
for its cache); the others are written by xlsxwriter itself. Text from submissions is always written as text: formulas and URLs are
never made from it.

File names are shown relative to the input folder (`Paths`): an absolute path would fill the
column. The CSV/Parquet tables and the 链接地址 column keep the paths as given, for machines.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mypy_extensions import mypyc_attr

from perfxl import __version__, textfit
from perfxl.consolidate import columns as K
from perfxl.consolidate.columns import continued
from perfxl.consolidate.combine import Consolidation
from perfxl.consolidate.summary_xml import Deflated, Piece, SheetRows, insert_rows
from perfxl.numbers import figure

if TYPE_CHECKING:
    from perfxl.consolidate.spill import SpillStore

STREAMED = (K.SUMMARY, K.INDICATORS, K.PROBLEMS)  # their rows may come rendered by workers
# The tables of a targets summary whose rows `summary_xml` inserts (the others: xlsxwriter):
# a row per unit or file too, thousands in a county, ten times faster so (CPU of every run).
INSERTED = (*STREAMED, K.UNITS, K.FILES)
EXCEL_ROWS = 1_048_576  # rows of one Excel worksheet, the header row included
# The rows a summary's sheet holds, header included (`RunInfo.sheet_rows` None takes it when
# the summary is written): a table longer than that goes on in continuation sheets
# (`continued`). Excel's own limit; tests set it small to split the examples' summaries.
SHEET_ROWS = EXCEL_ROWS
A3 = 8  # xlsxwriter/Excel paper size code
# The last column printed, where the columns after it are only useful on screen: the link
# address (for =HYPERLINK), and in 汇总/指标明细 the sheet and cell (a reader of the paper
# finds a project by its code and file).
PRINT_LAST = {
    K.SUMMARY.sheet: "source_file",
    K.INDICATORS.sheet: "source_file",
    K.PROBLEMS.sheet: "value",
}
# Texts that may name an input file: a problem's message. (The 提交情况 note keeps its paths:
# a summary read back as input must give the same note as the files read directly, and only
# the consolidation's own problems, recomputed at every level, name files in messages.)
PATH_TEXTS = ("message",)
FILE_COLUMNS = ("source_file", "newer_file")  # shown relative to the input folder
FONT_SIZE = 10  # pt, every table cell
NOWRAP = frozenset({"sha256", "modified", "saved", "link"})  # one line, never wrapped
HEADER_HEIGHT = 30  # pt: two lines of header
MEASURED_MAX = 20_000  # texts whose line count a row-height memo keeps (then it starts afresh)
CHART_TITLE = {"size": 12, "bold": True}
CHART_TEXT = {"size": 10}  # printed at least 7 pt on the chart page
VERSIONS_TEXT = (
    "版本变化：同一单位有多个版本时，每个被替代的版本与紧随其后的较新版本相比的每处改动"
    "（项目新增、删除，字段和指标的原值、新值及所在单元格）"
)


def kind_of(column: K.Column) -> str:
    """The format kind of a column: its own, or ``nowrap`` for the machine texts."""
    return "nowrap" if column.key in NOWRAP else column.kind


def row_height(table: K.Table, fixes: dict[int, Callable[[str], Any]] | None = None) -> RowHeight:
    """The height a row of ``table`` needs for its wrapped texts (None: one line will do).

    Called for every row of the long tables, so each wrapping column keeps the line count of
    every value it met (`_Lines`: a rule's message, an indicator name, a unit's name recur
    across thousands of rows), and a text that fits on one line even if every character were
    CJK is not measured. ``fixes``: how some columns' texts are shown (`Paths.fixes`: rows
    given as stored, measured as shown).
    """
    return RowHeight(table, fixes or {})


class RowHeight:
    """`row_height` of one table: called with a row, or (`columns`) with many rows' columns."""

    def __init__(self, table: K.Table, fixes: dict[int, Callable[[str], Any]]) -> None:
        self.cols = [i for i, c in enumerate(table.columns) if kind_of(c) in ("text", "value")]
        self.lines = [_Lines(table.columns[i].width, fixes.get(i)) for i in self.cols]
        self.heights = _Heights()
        cols = self.cols
        self.pick: Callable[[Sequence[Any]], Any] = (
            operator.itemgetter(*cols) if len(cols) > 1 else (lambda row: (row[cols[0]],))
        )

    def __call__(self, row: Sequence[Any]) -> float | None:
        if not self.cols:
            return None
        try:
            n = max(map(operator.getitem, self.lines, self.pick(row)))
        except TypeError:  # a value that cannot be a key (never from the records)
            n = max(m.count(v) for m, v in zip(self.lines, self.pick(row), strict=True))
        return self.heights[n]

    def columns(self, columns: Sequence[Sequence[Any]]) -> list[float | None]:
        """The heights of rows given as their columns (``columns[i]``: every row's value i)."""
        if not self.cols or not columns:
            return [None] * (len(columns[0]) if columns else 0)
        try:
            counts = [
                list(map(m.__getitem__, columns[i]))
                for i, m in zip(self.cols, self.lines, strict=True)
            ]
        except TypeError:  # a value that cannot be a key: row by row
            return [self(row) for row in zip(*columns, strict=True)]
        n = len(columns[0])
        # Columns of one line each have no say (counted, not compared: 1 is one object).
        counts = [c for c in counts if c.count(1) != n]
        if not counts:
            return [None] * n
        most = map(max, *counts) if len(counts) > 1 else counts[0]
        return list(map(self.heights.__getitem__, most))


class _Heights(dict[int, float | None]):
    """Line count -> the row height (None for one line)."""

    def __init__(self) -> None:
        super().__init__({1: None})

    def __missing__(self, n: int) -> float | None:
        h = self[n] = round(textfit.lines_height(n, FONT_SIZE), 1)
        return h


class _Lines(dict[Any, int]):
    """Value -> the lines it wraps to in a column ``width`` wide (1 for a value not text),
    after ``fix``; emptied past `MEASURED_MAX` values (a worker's memo lives for many
    files)."""

    def __init__(self, width: float, fix: Callable[[str], Any] | None) -> None:
        super().__init__()
        self.width = width
        self.fits = (width - 1) / 2  # the longest text sure to fit (each character as two)
        self.ascii = _ascii_fits(width)  # the longest ASCII text that fits (codes, names)
        self.fix = fix

    def count(self, v: Any) -> int:
        """The lines of ``v`` (not kept)."""
        if type(v) is not str:
            return 1
        if self.fix is not None:
            v = self.fix(v)
            if type(v) is not str:
                return 1
        if len(v) > self.fits or "\n" in v:
            if len(v) <= self.ascii and v.isascii() and "\n" not in v:
                return 1  # a project code, a file name: far more of them than of texts
            return textfit.lines(v, self.width, FONT_SIZE)
        return 1

    def __missing__(self, v: Any) -> int:
        if len(self) > MEASURED_MAX:
            self.clear()
        k = self[v] = self.count(v)
        return k


@lru_cache(maxsize=64)
def _ascii_fits(width: float) -> int:
    """The most ASCII characters one line of a column ``width`` wide holds, as
    `textfit.lines` counts them (each one unit wide)."""
    n = 1
    while textfit.lines("a" * (n + 1), width, FONT_SIZE) == 1:
        n += 1
    return n


# A Python class in the compiled build too: one per run, and tests subclass it (fixed_clock).
@mypyc_attr(native_class=False)
@dataclass
class RunInfo:
    """What the 说明 sheet tells about the run."""

    inputs: Sequence[str] = ()
    expected: str | None = None
    config: str | None = None
    prefer: Sequence[str] = ()
    made: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))
    sheet_rows: int | None = None  # rows per sheet, header included; None: `SHEET_ROWS`

    def rows_per_sheet(self) -> int:
        """The rows one sheet of the summary holds, its header row included (at least 2)."""
        return max(self.sheet_rows if self.sheet_rows is not None else SHEET_ROWS, 2)


def spans(n: int, rows_per_sheet: int) -> list[tuple[int, int]]:
    """The rows ``[a, b)`` of a table of ``n`` rows each of its sheets holds, in order: as
    many as fit under the header row of each (one sheet for an empty table)."""
    cap = rows_per_sheet - 1
    if n <= cap:
        return [(0, n)]
    return [(a, min(a + cap, n)) for a in range(0, n, cap)]


def continuation_text(split: Sequence[tuple[str, int]], rows_per_sheet: int) -> str:
    """What the 说明 sheet says of the tables continued on further sheets (``split``: each
    table's sheet and its number of sheets), or '' when none is."""
    if not split:
        return ""
    names = "；".join(
        f"{continued(sheet, 1)}"
        + (f"至{continued(sheet, n - 1)}" if n > 2 else "")
        + f"：接续“{sheet}”的行，表头相同"
        for sheet, n in split
    )
    return f"{names}（每个工作表最多 {rows_per_sheet:,} 行，含表头）"


class Paths:
    """Input file names as shown in the summary: relative to the folder holding every input.

    The folder is the input folder itself (one folder given), or the deepest folder common to
    all inputs; a file outside it (a record listed in a summary read as input) is shown as is.
    """

    def __init__(self, inputs: Sequence[str]) -> None:
        folders = [
            os.path.abspath(i if os.path.isdir(i) else os.path.dirname(i) or ".") for i in inputs
        ]
        base = os.path.commonpath(folders) if folders else ""
        # Relative to the file system root is no shorter, and would strip every "/" in texts.
        self.base = base if base and os.path.dirname(base) != base else ""
        self.prefixes: list[str] = []
        self._shown: dict[str, str] = {}  # a file appears in many rows
        if self.base:
            self.prefixes.append(self.base + os.sep)
            rel = os.path.relpath(self.base)
            if rel != "." and not rel.startswith(".."):
                self.prefixes.append(rel + os.sep)  # inputs given relative to the working dir

    def show(self, path: object) -> object:
        """A file name relative to the input folder (other values unchanged)."""
        if not self.base or not isinstance(path, str) or not path:
            return path
        shown = self._shown.get(path)
        if shown is None:
            full = os.path.abspath(path)
            inside = full.startswith(self.base + os.sep)
            shown = self._shown[path] = os.path.relpath(full, self.base) if inside else path
        return shown

    def in_text(self, text: object) -> object:
        """A message with the input folder taken off every file name in it."""
        if not self.base or not isinstance(text, str):
            return text
        for prefix in self.prefixes:
            if prefix in text:
                text = text.replace(prefix, "")
        return text

    def fixes(self, table: K.Table) -> dict[int, Callable[[str], Any]]:
        """How the texts of ``table``'s columns are shown, by column (none without a folder):
        what `rows` does, for `summary_xml.render_rows` to do once per text."""
        if not self.base:
            return {}
        out: dict[int, Callable[[str], Any]] = {
            table.index(k): self.show for k in FILE_COLUMNS if k in table.keys
        }
        out.update((table.index(k), self.in_text) for k in PATH_TEXTS if k in table.keys)
        return out

    def rows(self, table: K.Table, rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        """The rows with file names shown relative, one at a time (never held twice)."""
        fixes = list(self.fixes(table).items())
        if not fixes:
            yield from rows
            return
        for row in rows:
            values = list(row)
            for i, fix in fixes:
                values[i] = fix(values[i])
            yield tuple(values)


def _options() -> dict[str, Any]:
    """The xlsxwriter options of every county summary (see `new_workbook`)."""
    return {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        # Arial's digits set the column widths as Calibri's do in Excel, and
        # LibreOffice has a metric twin of it (Liberation Sans), so columns print
        # as wide there as in Excel.
        "default_format_properties": {"font_name": "Arial", "font_size": FONT_SIZE},
    }


def new_workbook(path: Path, title: str, marker: str) -> Any:
    """An xlsxwriter workbook with the county summaries' settings: submitted text stays text
    (never a formula, link or number), Arial as the default font, title and perfxl's marker
    in the document properties (how a summary is recognised when it comes back as input)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), _options())
    wb.set_properties({"title": title, "comments": marker})
    return wb


def style_map() -> dict[str, dict[str | None, list[int]]]:
    """The style indexes of the cells of the long sheets (`STREAMED`) by sheet, as every
    targets summary has them: `Formats` numbers its formats in a fixed order as it makes
    them, so a workbook made and dropped here gives them (nothing is written)."""
    import io

    import xlsxwriter

    fmt = Formats(xlsxwriter.Workbook(io.BytesIO(), _options()))
    return {t.sheet: fmt.styles(t) for t in STREAMED}


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class RowsXml:
    """How a worker renders a submission's 指标明细 and 校验问题 rows as the summary will
    hold them (`summary_xml.render_rows`, compressed: `summary_xml.deflated`), so that the
    summary only splices them in: the run's inputs (file names are shown relative to their
    folder) and the style indexes of those sheets (`style_map`).

    What was rendered carries `key` (the folder, the working directory's prefix and the
    styles) and the file's name: the summary uses it only when both are this run's, else it
    renders the rows again (a renamed file, another input folder, another perfxl's styles).
    """

    inputs: tuple[str, ...]
    styles: dict[str, dict[str | None, list[int]]]
    # The 汇总 rows rendered too: for a cache entry (a later run splices them). Without a
    # cache the parent renders them as the files arrive (`with_summaries`, while the workers
    # read on): in a worker they cost more than they save there (n500, 2 jobs: workers
    # +0.33 s CPU, parent -0.17 s, wall +0.1 s).
    summary: bool = True

    def key(self, table: K.Table) -> tuple[Any, ...]:
        """What the XML of ``table``'s rows depends on besides the rows themselves."""
        return key_for(_paths(self.inputs, os.getcwd()), self.styles[table.sheet])

    def render(self, sub: Any) -> tuple[SubmissionXml, list[K.SummaryRow]]:
        """The XML of ``sub``'s 指标明细 and 校验问题 rows (a `records.Submission`), and of
        its 汇总 rows as its own problems count them (`combine.own_summary`; a workbook read
        directly: the summary splices them when no other record counts problems of its
        file, `combine._shared_files`); and those 汇总 rows ([] when none were made), for a
        run that reads them besides (tables: `cache.Cache.keep` hands them on)."""
        from perfxl.consolidate.combine import own_summary

        summary = own_summary(sub) if self.summary and sub.file.via is None else []
        xml = SubmissionXml(
            sub.file.path,
            self._rendered(K.INDICATORS, sub.indicators),
            self._rendered(K.PROBLEMS, sub.problems),
            self._rendered(K.SUMMARY, summary),
        )
        return xml, summary

    def with_summaries(self, subs: Iterable[Any], rows: SpillStore | None = None) -> None:
        """The 汇总 rows of each of ``subs`` rendered in this process and added to its
        `SubmissionXml` (made when it has none), as `render` renders them in a worker: the
        parent of a run whose workers do not render them (`summary` False), as a chunk of
        files arrives, while the workers read on (the summary only splices them in). The
        units' rows are rendered together (`summary_xml.render_each`: a unit's few rows
        alone cost several times their share), each unit's compressed apart. Problems
        are counted as the worker counted them (``tally``: the rows may have been sent
        without them, `cache.packed`). ``rows``: the run writes tables too, so the rows
        made here are also written to this spill (`Submission.summary_rows`) for them: made
        once, for the summary and the tables alike."""
        from perfxl.consolidate.combine import own_summary
        from perfxl.consolidate.summary_xml import deflated, render_each

        mine = [s for s in subs if s.stage == "targets" and s.file.via is None]
        if not mine:
            return
        key, styles, kind, height, memo = self._how(K.SUMMARY)
        runs = [own_summary(s, counted=True) for s in mine]
        for s, xml in zip(mine, render_each(runs, styles, kind, height, memo), strict=True):
            got = s.xml if s.xml is not None else SubmissionXml(s.file.path, None, None)
            s.xml = replace(got, summary=(key, deflated((xml,))))
        if rows is not None:
            for s, made in zip(mine, runs, strict=True):
                s.summary_rows = rows.put(made)

    def _rendered(
        self, table: K.Table, rows: Sequence[Any]
    ) -> tuple[tuple[Any, ...], Deflated] | None:
        """``rows`` of ``table`` rendered and compressed, with their `key` (None: no rows)."""
        from perfxl.consolidate.summary_xml import deflated, render_rows

        if not rows:
            return None
        key, styles, kind, height, memo = self._how(table)
        return key, deflated(render_rows(rows, styles, kind, height, memo))

    def _how(
        self, table: K.Table
    ) -> tuple[
        tuple[Any, ...],
        dict[str | None, list[int]],
        int | None,
        Callable[[Sequence[Any]], float | None],
        Any,
    ]:
        """How ``table``'s rows are rendered in this run: their `key`, the styles, the
        column holding each row's kind (None: one style), the row heights and the memos
        kept for that key (`_memo_for`), in the order the renderers take them."""
        paths = _paths(self.inputs, os.getcwd())
        key = key_for(paths, self.styles[table.sheet])
        styles, memo, height = _memo_for(table, key, self.styles[table.sheet], paths)
        kind = 0 if table.keys[0] == "row_kind" else None
        return key, styles, kind, height, memo


# Per table and key, in a worker: the styles rendered with (one object: the memos of a row
# style are found by its identity), the memos of cells (`summary_xml.new_memo`) and the row
# heights, kept from one file to the next (rule texts, indicator names, units recur).
_MEMOS: dict[tuple[Any, ...], tuple[dict[str | None, list[int]], Any, Any]] = {}


def _memo_for(
    table: K.Table, key: tuple[Any, ...], styles: dict[str | None, list[int]], paths: Paths
) -> tuple[dict[str | None, list[int]], Any, Callable[[Sequence[Any]], float | None]]:
    """What `RowsXml.render` keeps between files for ``table`` under ``key`` (which holds
    what ``paths`` shows: its file names are fixed once per text, in the memos)."""
    from perfxl.consolidate.summary_xml import new_memo

    got = _MEMOS.get((table.sheet, key))
    if got is None:
        if len(_MEMOS) > 8:  # another run in this process (tests): start afresh
            _MEMOS.clear()
        fixes = paths.fixes(table)
        got = _MEMOS[(table.sheet, key)] = (styles, new_memo(fixes), row_height(table, fixes))
    return got


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class SubmissionXml:
    """A submission's rendered rows (`RowsXml.render`): the file's name they were rendered
    with, and per table (指标明细, 校验问题, 汇总) the key and the compressed XML, or None."""

    path: str
    indicators: tuple[tuple[Any, ...], Deflated] | None
    problems: tuple[tuple[Any, ...], Deflated] | None
    summary: tuple[tuple[Any, ...], Deflated] | None = None  # its 汇总 rows


def key_for(paths: Paths, styles: dict[str | None, list[int]]) -> tuple[Any, ...]:
    """`RowsXml.key` of rows shown with ``paths`` and ``styles``."""
    return (
        paths.base,
        tuple(paths.prefixes),
        tuple(sorted((str(k), tuple(v)) for k, v in styles.items())),
    )


@lru_cache(maxsize=4)
def _paths(inputs: tuple[str, ...], cwd: str) -> Paths:
    """`Paths` of ``inputs`` (seen from ``cwd``), once per worker."""
    return Paths(inputs)


def write_summary(c: Consolidation, out: Path, info: RunInfo) -> None:
    """Write the summary workbook to ``out`` (replaced whole).

    Raises:
        WriteError: the file cannot be written (open in Excel/WPS, read-only folder).
    """
    from perfxl.write.atomic import atomic_path

    with atomic_path(out) as tmp:
        wb = new_workbook(tmp, "预算绩效目标汇总表", K.SUMMARY_MARKER)
        fmt = Formats(wb)
        paths = Paths(info.inputs)
        per_sheet = info.rows_per_sheet()
        # Rows as stored, shown later: the table, its sheet and the rows [a, b) it holds.
        streamed: list[tuple[K.Table, Any, Sequence[Any], int, int]] = []
        split: list[tuple[str, int]] = []
        rows_of: dict[str, Sequence[Any]] = {
            K.SUMMARY.sheet: c.summary,
            K.UNITS.sheet: c.units,
            K.INDICATORS.sheet: c.indicators,
            K.PROBLEMS.sheet: c.problems,
            K.FILES.sheet: c.files,
            K.VERSION_CHANGES.sheet: c.version_changes,
        }
        first_sheet_rows: dict[str, int] = {}  # rows on each table's first sheet
        for table in summary_tables(c):
            rows = rows_of[table.sheet]
            parts = spans(len(rows), per_sheet)
            if len(parts) > 1:
                split.append((table.sheet, len(parts)))
            first_sheet_rows[table.sheet] = parts[0][1]
            for i, (a, b) in enumerate(parts):
                ws = wb.add_worksheet(continued(table.sheet, i))
                draw_table(ws, table, b - a, fmt)
                if table in INSERTED:
                    streamed.append((table, ws, rows, a, b))
                else:
                    part = rows if len(parts) == 1 else _rows_between(rows, a, b)
                    _write_rows(ws, table, paths.rows(table, part), fmt)
        _charts(wb, c, fmt, first_sheet_rows[K.UNITS.sheet])
        _readme(wb, c, info, fmt, paths, continuation_text(split, per_sheet))
        wb.worksheets()[0].activate()
        wb.close()
        insert_rows(
            str(tmp),
            [
                SheetRows(
                    part=f"xl/worksheets/sheet{ws.index + 1}.xml",
                    rows=(),
                    first_row=2,
                    styles=fmt.styles(table),
                    kind_column=0 if table.keys[0] == "row_kind" else None,
                    nrows=b - a,
                    ncols=len(table.columns),
                    height=row_height(table, paths.fixes(table)),
                    pieces=table_pieces(rows, key_for(paths, fmt.styles(table)), a, b),
                    fixes=paths.fixes(table),
                )
                for table, ws, rows, a, b in streamed
            ],
        )


def _rows_between(rows: Sequence[Any], a: int, b: int) -> Iterator[Any]:
    """Rows ``a`` to ``b`` (excluded) of a table, read part by part (a spilled `Chain` is
    never read whole)."""
    for part, lo, hi in _parts_between(rows, a, b):
        yield from part if (lo, hi) == (0, len(part)) else part[lo:hi]


def _parts_between(rows: Sequence[Any], a: int, b: int) -> Iterator[tuple[Sequence[Any], int, int]]:
    """The parts of ``rows`` (a `spill.Chain`'s, else ``rows`` itself) holding its rows
    ``a`` to ``b`` (excluded): each part with the range ``[lo, hi)`` of its own rows."""
    from perfxl.consolidate.spill import Chain

    parts = rows.parts if isinstance(rows, Chain) else [rows]
    start = 0
    for part in parts:
        n = len(part)
        lo, hi = max(a - start, 0), min(b - start, n)
        start += n
        if lo < hi:
            yield part, lo, hi
        if start >= b:
            break


def table_pieces(rows: Sequence[Any], key: tuple[Any, ...], a: int, b: int) -> Iterator[Piece]:
    """The rows ``a`` to ``b`` (excluded) of a table in pieces: a spilled run's submissions
    rendered by the workers (`RowsXml`) as they are, when rendered with this run's names and
    styles (``key``), the other rows as stored (rendered by the summary, their file names
    shown as `Paths.fixes` has them). A submission whose rows go on in the next sheet gives
    each sheet its own rows: the worker's XML cut between rows (`summary_xml.rows_between`),
    or its stored rows."""
    from perfxl.consolidate.summary_xml import rows_between

    for part, lo, hi in _parts_between(rows, a, b):
        whole = (lo, hi) == (0, len(part))
        xml = getattr(part, "xml", None)
        if xml is not None and xml.key == key:
            done = xml.load()
            yield done if whole else rows_between(done, lo, hi)
        else:
            yield part if whole else part[lo:hi]


def with_continuation(
    lines: Sequence[tuple[str, str]], split: Sequence[tuple[str, int]], rows_per_sheet: int
) -> list[tuple[str, str]]:
    """A later stage's 说明 ``lines`` telling of the tables continued on further sheets: in
    its 工作表 line, or a 工作表 line of their own."""
    text = continuation_text(split, rows_per_sheet)
    if not text:
        return list(lines)
    out = list(lines)
    for i, (label, value) in enumerate(out):
        if label == "工作表":
            out[i] = (label, f"{value.rstrip('。')}；{text}。")
            return out
    return [*out, ("工作表", f"{text}。")]


def stage_lines(
    c: Consolidation,
    info: RunInfo,
    *,
    stage: tuple[str, str],
    figures: Sequence[tuple[str, str]],
    note: str,
) -> list[tuple[str, str]]:
    """The 说明 lines of a later stage's county summary: when and by which perfxl, the
    ``stage`` line (监控月份, 评分方案), the counts, the stage's ``figures``, the problems, the
    ``note`` on how its figures are computed, and the superseded versions."""
    return [
        ("生成时间", info.made.strftime("%Y-%m-%d %H:%M:%S")),
        ("perfxl 版本", __version__),
        stage,
        ("汇总单位数", str(len(c.chosen))),
        ("项目数", str(c.totals.get("projects", 0))),
        *figures,
        ("错误 / 警告", f"{c.error_count} / {c.warning_count}"),
        ("说明", note),
        ("被替代的版本", str(len(c.superseded))),
        *(
            [("工作表", f"提交情况：被替代的版本附较新版本的改动摘要；{VERSIONS_TEXT}。")]
            if c.version_changes
            else []
        ),
    ]


def summary_tables(c: Consolidation) -> tuple[K.Table, ...]:
    """The tables a targets summary holds: 版本变化 only when some version was superseded by
    one that changed something."""
    tables = (K.SUMMARY, K.UNITS, K.INDICATORS, K.PROBLEMS, K.FILES)
    return (*tables, K.VERSION_CHANGES) if c.version_changes else tables


class Formats:
    """The formats, by column kind, for plain, subtotal and total rows."""

    BASE: dict[str, dict[str, Any]] = {  # noqa: RUF012 - read-only table
        # Texts wrap: a long message or name grows its row instead of being cut off.
        "text": {"valign": "top", "text_wrap": True},
        # left-aligned: a number or a text as read; and a format distinct from "text" (two
        # equal formats would share one index, leaving the second without any).
        "value": {"valign": "top", "text_wrap": True, "align": "left"},
        "nowrap": {"valign": "top"},  # machine texts (SHA-256, times, links): one line
        "money": {"num_format": "#,##0.00", "valign": "top"},
        "pct": {"num_format": "0.00", "valign": "top"},
        "int": {"num_format": "0", "valign": "top"},
    }

    def __init__(self, wb: Any) -> None:
        common = {"border": 1, "border_color": "#BFBFBF", "font_size": 10}
        self.header = wb.add_format(
            {
                **common,
                "bold": True,
                "bg_color": "#DDEBF7",
                "text_wrap": True,
                "align": "center",
                "valign": "vcenter",
            }
        )
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.label = wb.add_format({"bold": True, "valign": "top"})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.by: dict[tuple[str | None, str], Any] = {}
        for kind, props in self.BASE.items():
            self.by[(None, kind)] = wb.add_format({**common, **props})
            for row_kind, bg in ((K.ROW_SUBTOTAL, "#F2F2F2"), (K.ROW_TOTAL, "#FFF2CC")):
                self.by[(row_kind, kind)] = wb.add_format(
                    {**common, **props, "bold": True, "bg_color": bg}
                )
        # Indexes given now, in this order, whatever the sheets write first: every summary
        # numbers its styles alike, so workers can render rows before it exists (`style_map`).
        for f in (self.header, self.title, self.label, self.wrap, *self.by.values()):
            f._get_xf_index()

    def get(self, row_kind: Any, kind: str) -> Any:
        return self.by.get((row_kind, kind)) or self.by[(None, kind)]

    def styles(self, table: K.Table) -> dict[str | None, list[int]]:
        """Style indexes (known once the workbook is closed) per row kind."""
        out: dict[str | None, list[int]] = {}
        for row_kind in (None, K.ROW_SUBTOTAL, K.ROW_TOTAL):
            out[row_kind] = [self.get(row_kind, kind_of(c))._get_xf_index() for c in table.columns]
        return out

    def used(self, ws: Any) -> None:
        """Register every format (xlsxwriter gives an index only to formats in use)."""
        for i, f in enumerate(self.by.values()):
            ws.set_column(200 + i, 200 + i, None, f, {"hidden": True})


def draw_table(ws: Any, table: K.Table, nrows: int, fmt: Formats) -> None:
    """A table's sheet with no row yet (they are inserted as XML later, `summary_xml`): its
    headers, column widths and formats, frozen panes, filter and print setup for ``nrows``
    rows."""
    ncols = len(table.columns)
    for i, col in enumerate(table.columns):
        ws.set_column(i, i, col.width, fmt.get(None, kind_of(col)))
        ws.write_string(0, i, col.header, fmt.header)
    header_lines = max(textfit.lines(c.header, c.width, FONT_SIZE) for c in table.columns)
    ws.set_row(0, max(HEADER_HEIGHT, round(textfit.lines_height(header_lines, FONT_SIZE), 1)))
    split = 3 if table.keys[0] == "row_kind" else 2
    ws.freeze_panes(1, split if table in (K.SUMMARY, K.UNITS) else 0)
    ws.autofilter(0, 0, max(nrows, 1), ncols - 1)
    ws.set_landscape()
    ws.set_paper(A3)
    ws.fit_to_pages(1, 0)  # one page wide, as many tall as the rows need
    ws.repeat_rows(0)
    last = table.index(PRINT_LAST[table.sheet]) if table.sheet in PRINT_LAST else ncols - 1
    _print_area(ws, max(nrows, 1), last)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_header(f'&C&"-,Bold"{ws.name}')  # a continuation sheet's own name
    ws.set_footer("&C第 &P 页，共 &N 页")


def _print_area(ws: Any, last_row: int, last_col: int) -> None:
    """Print rows 1 to ``last_row`` + 1 of columns A to ``last_col``, named by their cells.

    A full sheet's area holds every row, which xlsxwriter names by its columns alone
    (``'汇总（续1）'!$A:$P``): valid for Excel, but openpyxl cannot read it back ("Print area
    cannot be set to Defined name", and the sheet loses its print area). Its cells
    (``$A$1:$P$1048576``) say the same to Excel, LibreOffice and openpyxl alike.
    """
    from xlsxwriter.utility import quote_sheetname, xl_range_abs

    ws.print_area(0, 0, last_row, last_col)
    ws.print_area_range = f"{quote_sheetname(ws.name)}!{xl_range_abs(0, 0, last_row, last_col)}"


def _write_rows(ws: Any, table: K.Table, rows: Iterable[Sequence[Any]], fmt: Formats) -> None:
    kinds = [kind_of(c) for c in table.columns]
    has_kind = table.keys[0] == "row_kind"
    height = row_height(table)
    by_kind: dict[Any, list[Any]] = {}  # the columns' formats per row kind, looked up once
    number, text = ws.write_number, ws.write_string
    for r, row in enumerate(rows, start=1):
        rk = row[0] if has_kind else None
        formats = by_kind.get(rk)
        if formats is None:
            formats = by_kind[rk] = [fmt.get(rk, k) for k in kinds]
        if (h := height(row)) is not None:
            ws.set_row(r, h)
        for i, v in enumerate(row):
            if v is None or v == "":
                continue
            t = type(v)
            if t is int or t is float or (isinstance(v, int | float) and t is not bool):
                number(r, i, v, formats[i])
            else:
                text(r, i, v if t is str else str(v), formats[i])


def _charts(wb: Any, c: Consolidation, fmt: Formats, units_rows: int) -> None:
    """The 图表 sheet: every unit's progress against the schedule, and each unit's budget
    (the units on the first 乡镇合计 sheet, ``units_rows`` rows)."""
    ws = wb.add_worksheet(K.CHART_SHEET)
    ws.set_column(0, 0, 10)
    ws.set_column(1, 2, 16)
    heads = ("检查点", f"{K.PLAN_PROGRESS}（%）", "序时进度（%）")
    for i, h in enumerate(heads):
        ws.write_string(0, i, h, fmt.header)
    pct_keys = ("pct_mar", "pct_jun", "pct_oct", "pct_dec")
    for r, (cp, key, sched) in enumerate(
        zip(K.CHECKPOINTS, pct_keys, c.schedule, strict=True), start=1
    ):
        ws.write_string(r, 0, cp, fmt.get(None, "text"))
        ws.write_number(r, 1, c.totals.get(key) or 0, fmt.get(None, "pct"))
        ws.write_number(r, 2, round(sched, 2), fmt.get(None, "pct"))
    line = wb.add_chart({"type": "line"})
    for col, color in ((1, "#2F5597"), (2, "#C00000")):
        line.add_series(
            {
                "name": [K.CHART_SHEET, 0, col],
                "categories": [K.CHART_SHEET, 1, 0, 4, 0],
                "values": [K.CHART_SHEET, 1, col, 4, col],
                "marker": {"type": "circle"},
                "line": {"color": color, "dash_type": "solid" if col == 1 else "dash"},
                "data_labels": {"value": True, "font": CHART_TEXT} if col == 1 else {},
            }
        )
    line.set_title({"name": K.PROGRESS_CHART_TITLE, "name_font": CHART_TITLE})
    line.set_x_axis({"num_font": CHART_TEXT})
    line.set_y_axis({"min": 0, "max": 100, "num_font": CHART_TEXT})
    line.set_legend({"position": "bottom", "font": CHART_TEXT})
    ws.insert_chart("E2", line, {"x_scale": 1.4, "y_scale": 1.2})

    n = min(sum(1 for r in c.units if r[0] == K.ROW_UNIT), units_rows)
    if n:
        bar = wb.add_chart({"type": "bar"})
        name_col, budget_col = K.UNITS.index("unit_name"), K.UNITS.index("budget")
        units = c.units[:n]
        bar.add_series(
            {
                "name": "预算数（万元）",
                "categories": [K.UNITS.sheet, 1, name_col, n, name_col],
                "values": [K.UNITS.sheet, 1, budget_col, n, budget_col],
                # the chart's cached values (`summary_xml` inserts those rows after
                # xlsxwriter, which would find no cells to take them from)
                "categories_data": [_cached_value(r[name_col]) for r in units],
                "values_data": [_cached_value(r[budget_col]) for r in units],
                "fill": {"color": "#5B9BD5"},
            }
        )
        bar.set_title({"name": "各单位预算数（万元）", "name_font": CHART_TITLE})
        bar.set_legend({"none": True})
        bar.set_x_axis({"num_font": CHART_TEXT})
        bar.set_y_axis({"reverse": True, "num_font": CHART_TEXT})
        height = min(max(320, 22 * n + 120), 6000)
        bar.set_size({"width": 720, "height": height})
        ws.insert_chart("E20", bar)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _cached_value(v: Any) -> str | None:
    """A cell's value as a chart caches it (as xlsxwriter takes it from a cell it wrote:
    a number to Excel's precision, a text as it is, None for an empty cell)."""
    if v is None or v == "":
        return None
    if type(v) is not bool and isinstance(v, int | float):
        return f"{v:.16g}"
    return v if type(v) is str else str(v)


def units_chart_sheet(
    wb: Any,
    fmt: Formats,
    sheet: str,
    heads: Sequence[str],
    width: float,
    rows: Sequence[Any],
    kind: str,
    values: Callable[[Any], Sequence[float]],
) -> tuple[Any, int]:
    """The chart sheet of a later stage's summary and its count of units: a unit a row of
    ``rows`` (subtotals and the total left out), its name then its ``values`` (of ``kind``),
    under the ``heads``; the chart goes beside it (:func:`place_units_chart`)."""
    ws = wb.add_worksheet(sheet)
    ws.set_column(0, 0, 22)
    ws.set_column(1, len(heads) - 1, width)
    for i, h in enumerate(heads):
        ws.write_string(0, i, h, fmt.header)
    units = [u for u in rows if u.row_kind == K.ROW_UNIT]
    for r, u in enumerate(units, start=1):
        ws.write_string(r, 0, u.unit_name or u.unit_code or "", fmt.get(None, "text"))
        for i, v in enumerate(values(u), start=1):
            ws.write_number(r, i, v, fmt.get(None, kind))
    return ws, len(units)


def place_units_chart(
    ws: Any, chart: Any, n: int, column: int, title: str, y_axis: dict[str, Any]
) -> None:
    """Title, axes, legend and size (by the ``n`` units) of a chart of the units, placed
    beside their table from ``column``; the sheet printed landscape on one page wide."""
    chart.set_title({"name": title, "name_font": CHART_TITLE})
    chart.set_x_axis({"num_font": CHART_TEXT})
    chart.set_y_axis(y_axis)
    chart.set_legend({"position": "bottom", "font": CHART_TEXT})
    chart.set_size({"width": min(max(640, 60 * n + 200), 4000), "height": 400})
    ws.insert_chart(1, column, chart)  # beside the data table
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def readme_sheet(
    wb: Any, fmt: Formats, marker: str, lines: Sequence[tuple[str, str]], inputs: Sequence[Any]
) -> Any:
    """The 说明 sheet of a county summary: perfxl's marker (how a summary is recognised when
    it comes back as input), a (label, text) row per line, then the inputs; printed one page
    wide on portrait paper."""
    ws = wb.add_worksheet(K.README_SHEET)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 90)
    ws.write_string(0, 0, marker, fmt.title)
    for r, (k, v) in enumerate(lines, start=2):
        ws.write_string(r, 0, k, fmt.label)
        ws.write_string(r, 1, v, fmt.wrap)
    r = len(lines) + 3
    ws.write_string(r, 0, "输入", fmt.label)
    for i, path in enumerate(inputs):
        ws.write_string(r + i, 1, str(path), fmt.wrap)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    return ws


def _readme(
    wb: Any, c: Consolidation, info: RunInfo, fmt: Formats, paths: Paths, continuation: str
) -> None:
    n_units = sum(1 for r in c.units if r[0] == K.ROW_UNIT)
    lines: list[tuple[str, str]] = [
        ("生成时间", info.made.strftime("%Y-%m-%d %H:%M:%S")),
        ("perfxl 版本", __version__),
        ("校验配置", info.config or "默认配置"),
        ("应报单位名单", info.expected or "未提供（--expected）"),
        (
            "优先采用",
            "、".join(info.prefer) or "无（各单位采用保存时间最新的文件，见“提交情况”的版本依据）",
        ),
        ("读取文件数", str(len([r for r in c.files if r[K.FILES.index("source_file")]]))),
        *([(K.README_FOLDER, paths.base)] if paths.base else []),
        ("汇总单位数", str(n_units)),
        ("项目数", str(c.totals.get("projects", 0))),
        ("预算合计（万元）", figure(c.budget)),
        ("错误 / 警告", f"{c.error_count} / {c.warning_count}"),
        ("未提交单位", "、".join(f"{code}{name or ''}" for code, name in c.missing) or "无"),
        ("无法使用的文件", str(len(c.unreadable))),
        ("被替代的版本", str(len(c.superseded))),
        (
            "工作表",
            "汇总：每个项目一行（行类型为“单位小计”的行可用筛选隐藏）；乡镇合计：每个单位一行及合计；"
            "指标明细：每个指标一行；校验问题：每个问题一行；提交情况：应报单位与每个文件"
            "（被替代的版本附较新版本的改动摘要）；"
            + (f"{VERSIONS_TEXT}；" if c.version_changes else "")
            + (f"{continuation}；" if continuation else "")
            + "图表：预算与进度图。",
        ),
        (
            "说明",
            "金额单位为万元；进度（%）按计划金额 ÷ 预算数 × 100 重新计算，不采用工作簿中的公式结果；"
            "来源文件为相对于来源文件夹的路径。",
        ),
    ]
    ws = readme_sheet(wb, fmt, K.SUMMARY_MARKER, lines, info.inputs)
    fmt.used(ws)
