"""The fast paths of consolidation give exactly what the slow paths give.

* the schema's plain-Python check (`schema_fast.FastCheck`) only ever vouches for data that
  jsonschema accepts, so validation's findings are jsonschema's;
* the summary's streamed rows (rendered column by column in chunks, strings inline, no
  row or cell references, fragments deflated apart and spliced) read back as the values
  given, in every reader, and are byte for byte what the cell-by-cell rule writes.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine
from damage import comparable, damaged

from perfxl.config import Config
from perfxl.consolidate.run import chunk_size, chunked
from perfxl.consolidate.summary_xml import SheetRows, insert_rows
from perfxl.rules import schema_rules
from perfxl.rules.base import Context
from perfxl.rules.schema_fast import FAST_SCHEMA_FINGERPRINT, fast_check_for, fingerprint
from perfxl.rules.schema_rules import validator_for
from perfxl.schema import load_schema

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "suying-2023.json"

BAD: list[Any] = [
    None,
    "",
    " ",
    -1,
    -0.5,
    1.234,
    8.39,
    0.1 + 0.2,
    3,
    2.0,
    True,
    False,
    [],
    {},
    "abc",
    math.nan,
    math.inf,
    1e-3,
    "2021",
    "2015",
    "产出指标",
    "数量",
    "效益",
    "满意度指标",
    "服务对象满意度",
    2023,
    2023.0,
    1999,
    "1",
    "万元",
    "910001",
    "13052923P000000000001",
]


def _seed() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SEED.read_text(encoding="utf-8"))
    data.setdefault("framework", "2015")
    if data.get("framework") is None:
        data["framework"] = "2015"
    return data


def _paths(x: Any, pre: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield pre
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _paths(v, (*pre, k))
    elif isinstance(x, list):
        for i, v in enumerate(x[:3]):
            yield from _paths(v, (*pre, i))


def _mutations(data: dict[str, Any], n: int, seed: int) -> Iterator[dict[str, Any]]:
    """Deterministic damage: one or two values replaced (or keys removed) anywhere."""
    paths = [p for p in _paths(data) if p]
    return damaged(data, paths, BAD, n, seed, lambda rng: rng.choice((1, 1, 2)))


def test_fast_check_is_on_for_the_packaged_schema() -> None:
    assert fingerprint(load_schema()) == FAST_SCHEMA_FINGERPRINT, (
        "the packaged schema changed: bring schema_fast.FastCheck in line with it, then "
        "update FAST_SCHEMA_FINGERPRINT"
    )
    cfg = Config()
    assert fast_check_for(cfg.project_code, cfg.unit_code) is not None


@pytest.mark.parametrize("framework", ["2015", "2021"])
def test_fast_check_never_passes_what_jsonschema_refuses(framework: str) -> None:
    cfg = Config()
    fast = fast_check_for(cfg.project_code, cfg.unit_code)
    full = validator_for(cfg.project_code, cfg.unit_code)
    assert fast is not None
    data = _seed()
    data["framework"] = framework
    if framework == "2021":  # 2015's 产出/成本 pair is 2021's 成本 level: make it valid
        for p in data["projects"]:
            for ind in p["indicators"]:
                if str(ind["level2"]).startswith("成本"):
                    ind["level1"], ind["level2"] = "成本指标", "经济成本指标"
    assert full.is_valid(data) and fast.valid(data)  # the fast path is taken on clean data
    passed = 0
    for d in _mutations(data, 600, seed=int(framework)):
        if fast.valid(d):
            passed += 1
            assert full.is_valid(d), next(iter(full.iter_errors(d))).message
    assert passed > 20  # harmless changes (a text for a text) still take the fast path


def test_schema_findings_equal_jsonschema_findings() -> None:
    """What `check` yields equals jsonschema's own errors turned into findings."""
    cfg = Config()
    full = validator_for(cfg.project_code, cfg.unit_code)
    for d in [_seed(), *_mutations(_seed(), 120, seed=7)]:
        ctx = Context(targets=None, data=d, config=cfg, framework="2015")
        data = dict(d)
        if data.get("framework") is None:
            data["framework"] = "2015"
        expected = [
            f
            for err in full.iter_errors(data)
            for f in schema_rules.error_findings(err, cfg, "2015")
        ]
        assert comparable(schema_rules.check(ctx)) == comparable(expected)


def test_a_changed_schema_turns_the_fast_check_off(monkeypatch: pytest.MonkeyPatch) -> None:
    changed = load_schema()
    changed["$defs"]["amount"]["minimum"] = 1
    monkeypatch.setattr("perfxl.schema.load_schema", lambda: copy.deepcopy(changed))
    fast_check_for.cache_clear()
    try:
        assert fast_check_for("^x$", "^y$") is None
    finally:
        fast_check_for.cache_clear()


# --- the streamed rows --------------------------------------------------------------------


def _book(path: Path, *, text_header: bool = True) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    # a fixed time: two books made a second apart (a busy machine) compare equal part by part
    wb.set_properties({"created": dt.datetime(2024, 1, 2, 3, 4, 5)})
    ws = wb.add_worksheet("表")
    fmt = wb.add_format({"num_format": "0.00"})
    for c in range(6):
        if text_header:
            ws.write_string(0, c, f"列{c}", fmt)
        else:
            ws.write_number(0, c, c, fmt)
    wb.close()


ROWS: list[tuple[Any, ...]] = [
    ("甲", 1, 2.5, None, "a&b<c>", "甲"),
    ("乙", 2, 3.25, "x", "甲", None),
    ("甲", 1, 2.5, None, "a&b<c>", "甲"),  # same types as row 1: the cached template
    ("", 0, math.nan, True, dt.date(2023, 3, 1), "  空格  "),  # slow path: "", NaN, bool, date
    (None, None, None, None, None, None),
    ("丙", -4, math.inf, "_x0041_", "行1\n行2", 10**15),
]
EXPECTED: list[tuple[Any, ...]] = [
    ("甲", 1, 2.5, None, "a&b<c>", "甲"),
    ("乙", 2, 3.25, "x", "甲", None),
    ("甲", 1, 2.5, None, "a&b<c>", "甲"),
    (None, 0, None, "True", "2023-03-01", "  空格  "),
    (None, None, None, None, None, None),
    ("丙", -4, None, "_x0041_", "行1\n行2", 10**15),
]


def _insert(path: Path) -> None:
    insert_rows(
        str(path),
        [
            SheetRows(
                part="xl/worksheets/sheet1.xml",
                rows=iter(ROWS),
                first_row=2,
                styles={None: [1] * 6},
                nrows=len(ROWS),
                ncols=6,
            )
        ],
    )


def _calamine(path: Path) -> list[list[Any]]:
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    rows: list[list[Any]] = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    return rows


@pytest.mark.parametrize("text_header", [True, False])
def test_streamed_rows_read_back_in_every_reader(tmp_path: Path, text_header: bool) -> None:
    path = tmp_path / "s.xlsx"
    _book(path, text_header=text_header)
    _insert(path)
    ws = openpyxl.load_workbook(path).worksheets[0]
    got = [tuple(r) for r in ws.iter_rows(min_row=2, max_row=1 + len(ROWS), values_only=True)]
    # openpyxl reads 1e15 as an int and gives an inline text as stored: the literal _x0041_
    # is stored escaped (_x005F_x0041_)
    assert got == [tuple("_x005F_x0041_" if v == "_x0041_" else v for v in r) for r in EXPECTED]
    rows = _calamine(path)
    assert len(rows) == 1 + len(ROWS)  # the empty row keeps its place
    for want, row in zip(EXPECTED, rows[1:], strict=True):  # calamine decodes: text exactly
        assert [None if v == "" else v for v in row] == [
            float(v) if isinstance(v, int) else v for v in want
        ]
    assert ws.cell(2, 1).number_format == "0.00"  # the style index of the given format
    assert ws.cell(6, 1).number_format == "0.00"  # an empty cell keeps its style too
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
        sst = zf.read("xl/sharedStrings.xml").decode() if text_header else ""
    assert '<dimension ref="A1:F7"/>' in sheet
    # strings inline, rows and cells without references: position independent
    assert 't="s"' not in sheet.partition("</row>")[2] and "inlineStr" in sheet
    assert sheet.count(' r="') == 1 + 6  # the header row and its cells only
    assert "甲" not in sst  # the table holds only what xlsxwriter wrote


@pytest.mark.parametrize("deflater", ["installed", "zlib"])
def test_rows_rendered_elsewhere_are_spliced_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deflater: str
) -> None:
    """Rows rendered and compressed apart (`deflated`, as a worker does: by python-isal
    where installed, else zlib) and rows rendered while writing give the very sheet XML of
    the same rows rendered in one go."""
    import importlib.util
    import zlib

    from perfxl.consolidate import summary_xml
    from perfxl.consolidate.summary_xml import deflated, render_rows

    styles = {None: [1] * 6}
    xml = b"".join(render_rows(ROWS * 50, styles))
    by_zlib = zlib.compressobj(1, zlib.DEFLATED, -15)
    zlib_bytes = by_zlib.compress(xml) + by_zlib.flush(zlib.Z_SYNC_FLUSH)
    if deflater == "zlib":
        monkeypatch.setattr(summary_xml, "deflater", lambda: zlib)
        assert deflated([xml]).data == zlib_bytes
    elif importlib.util.find_spec("isal") is not None:  # a dependency on x86_64 and aarch64
        from isal import isal_zlib

        assert summary_xml.deflater() is isal_zlib
        assert deflated([xml]).data != zlib_bytes  # another deflater's bytes ...
    got = deflated([xml])
    assert zlib.decompressobj(-15).decompress(got.data) == xml  # ... inflating to the same
    assert (got.crc, got.size) == (zlib.crc32(xml), len(xml))
    whole, spliced = tmp_path / "whole.xlsx", tmp_path / "spliced.xlsx"
    for path in (whole, spliced):
        _book(path)
    _insert(whole)
    pieces: list[Any] = [
        ROWS[:2],
        deflated(render_rows(ROWS[2:4], styles)),
        deflated(render_rows(ROWS[4:5], styles)),
        ROWS[5:],
    ]
    spec = SheetRows(
        part="xl/worksheets/sheet1.xml",
        rows=[],
        first_row=2,
        styles=styles,
        nrows=len(ROWS),
        ncols=6,
        pieces=pieces,
    )
    insert_rows(str(spliced), [spec])
    with zipfile.ZipFile(whole) as a, zipfile.ZipFile(spliced) as b:
        assert a.testzip() is None and b.testzip() is None  # CRCs combined right
        names = a.namelist()
        assert names == b.namelist()
        for name in names:
            assert a.read(name) == b.read(name), name
    ws = openpyxl.load_workbook(spliced).worksheets[0]
    assert ws.cell(7, 6).value == 10**15 and ws.cell(4, 5).value == "a&b<c>"
    assert len(_calamine(spliced)) == 1 + len(ROWS)


def test_chunk_size_keeps_every_worker_busy() -> None:
    assert chunk_size(3, 2) == 1
    assert chunk_size(1000, 2) == 16
    assert chunk_size(100, 2) == 6
    for files in (10, 100, 1000, 5000):
        for workers in (1, 2, 8):
            c = chunk_size(files, workers)
            assert c >= 1 and math.ceil(files / c) >= min(files, 4 * workers)


@pytest.mark.parametrize(("files", "workers"), [(1000, 2), (100, 2), (7, 2), (333, 8), (1, 1)])
def test_tasks_shrink_towards_the_end(files: int, workers: int) -> None:
    """Every file once, in order; no task over `chunk_size`; the last tasks a file each, and
    each task no more than a ``2 * workers``-th of the files left (the workers finish
    together)."""
    items = list(range(files))
    chunk = chunk_size(files, workers)
    tasks = chunked(items, chunk, workers)
    assert [i for t in tasks for i in t] == items
    assert all(1 <= len(t) <= chunk for t in tasks)
    left = files
    for t in tasks:
        assert len(t) <= max(1, math.ceil(left / (2 * workers)))
        left -= len(t)
    assert len(tasks[-1]) == 1
    if files >= 1000:
        assert len(tasks) <= math.ceil(files / chunk) + 4 * workers * 2  # few tasks added


def test_collector_is_restored() -> None:
    import gc

    from perfxl.consolidate.run import collector

    assert gc.isenabled()
    with collector(enabled=False):
        assert not gc.isenabled()
        with collector(enabled=True):  # the in-process reading path
            assert gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(RuntimeError), collector(enabled=True):
            raise RuntimeError
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_collector_back_on_leaves_the_run_s_objects_in_the_oldest_generation() -> None:
    """What a run made while the collector was paused is not walked when it is switched back
    on (it joins the oldest generation, still collectable), and objects a caller froze stay
    frozen."""
    import gc

    from perfxl.consolidate.run import collector

    assert gc.isenabled() and gc.get_freeze_count() == 0
    with collector(enabled=False):
        made = [[i] for i in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert id(made) in oldest and id(made[-1]) in oldest
    assert not any(o is made for o in gc.get_objects(generation=0))

    frozen = [[0]]
    gc.freeze()
    try:
        with collector(enabled=False):
            made = [[i] for i in range(10)]
        assert gc.isenabled() and gc.get_freeze_count() > 0
        everywhere = {id(o) for o in gc.get_objects()}  # generations 0-2: not the frozen
        assert id(frozen) not in everywhere and id(made) in everywhere
    finally:
        gc.unfreeze()


def test_workers_collect_only_what_they_make_and_less_often() -> None:
    """A worker freezes what it inherited and collects at `READING_GC`; the in-process
    reading path sets the same thresholds and gives the old ones back."""
    import gc
    from concurrent.futures import ProcessPoolExecutor

    from perfxl.consolidate import run as R

    with ProcessPoolExecutor(1, initializer=R._worker_init) as pool:
        assert pool.submit(gc.get_threshold).result() == R.READING_GC
        assert pool.submit(gc.get_freeze_count).result() > 1000
        assert pool.submit(gc.isenabled).result()
    old = gc.get_threshold()
    assert old != R.READING_GC
    with R._thresholds(R.READING_GC):
        assert gc.get_threshold() == R.READING_GC
    assert gc.get_threshold() == old


def test_row_height_memo_starts_afresh_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker's row-height memo lives for many files: bounded, and the heights are the
    same after it is emptied."""
    from perfxl.consolidate import columns as K
    from perfxl.consolidate import writer

    i = K.PROBLEMS.index("message")
    rows = [
        tuple(
            ("很长的校验问题说明，" * (3 + k % 5) + str(k)) if j == i else None
            for j in range(len(K.PROBLEMS.columns))
        )
        for k in range(12)
    ]
    want = [writer.row_height(K.PROBLEMS)(r) for r in rows]
    assert len({h for h in want if h is not None}) > 1
    monkeypatch.setattr(writer, "MEASURED_MAX", 3)
    height = writer.row_height(K.PROBLEMS)
    assert [height(r) for r in rows * 2] == want * 2
    assert sum(map(len, height.lines)) <= 4 * len(height.lines)
    assert max(map(len, height.lines)) <= 4


def _reference_row(row: tuple[Any, ...], st: list[int], default: list[int], h: Any) -> bytes:
    """One row's XML written cell by cell, as the summary's rule has it (the reference the
    column-by-column renderer must match byte for byte)."""
    from perfxl.consolidate.summary_xml import text_xml

    cells: list[str] = []
    empty: list[str] = []
    for i, v in enumerate(row):
        t = type(v)
        if v is not None and t is not str and (t is bool or not isinstance(v, int | float)):
            v, t = str(v), str
        if t is str and v != "":
            edge = v[:1].isspace() or v[-1:].isspace()
            head = '<is><t xml:space="preserve">' if edge else "<is><t>"
            cell = f'<c s="{st[i]}" t="inlineStr">{head}{text_xml(v)}</t></is></c>'
        elif t is int or (t is float and math.isfinite(v)):
            cell = f'<c s="{st[i]}"><v>{v!r}</v></c>'
        else:
            empty.append(f'<c s="{default[i]}"/>')
            continue
        cells.extend(empty)
        empty = []
        cells.append(cell)
    if not cells and empty:
        cells.append(empty[0])
    attrs = "" if h is None else f' ht="{h:g}" customHeight="1"'
    return f"<row{attrs}>{''.join(cells)}</row>".encode()


TRICKY: list[tuple[Any, ...]] = [
    ("总计", "甲", 1, 2.5, "a&b<c>", None),
    ("小计", "乙", 1.0, -0.0, "x", ""),  # 1.0 after 1 in the same column: not "1"
    ("总计", "甲", True, 0.0, " 前空格", "后空格 "),
    (None, "控\x01制", 10**20, math.nan, "_x0041_ 与 _x", "\n"),
    (None, None, None, None, None, None),
    ("", "", "", "", "", ""),
    ("项目", dt.date(2023, 3, 1), -7, math.inf, "行1\n行2" * 30, "尾"),
    ("项目", "很长的文字" * 3000, 3, 1e-3, "&amp;", "  "),  # past Excel's 32767 characters
    ("小计", "甲", 1, 2.5, "a&b<c>", None),
]


@pytest.mark.parametrize("chunk", [1, 2, 3, 2048])
def test_rows_by_column_match_the_cell_by_cell_rule(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rendered column by column in chunks, with runs of row styles (a kind column), mixed
    types in a column, memos shared between calls and row heights, every row's XML is the
    one the cell-by-cell rule gives."""
    from perfxl.consolidate import summary_xml

    monkeypatch.setattr(summary_xml, "CHUNK", chunk)
    monkeypatch.setattr(summary_xml, "_TEXTS_MAX", 3)  # memos emptied as they go
    styles: dict[str | None, list[int]] = {
        None: [1, 2, 3, 4, 5, 6],
        "小计": [11, 12, 13, 14, 15, 16],
        "总计": [21, 22, 23, 24, 25, 26],
    }

    def height(row: Any) -> float | None:
        return 30.5 if isinstance(row[1], str) and len(row[1]) > 2 else None

    want = b"".join(
        _reference_row(r, styles.get(r[0], styles[None]), styles[None], height(r)) for r in TRICKY
    )
    memo = summary_xml.new_memo()
    for _ in range(2):  # the second time from the memos
        got = b"".join(summary_xml.render_rows(TRICKY, styles, 0, height, memo))
        assert got == want
    assert b'<c s="13"><v>1.0</v></c>' in got and b"<v>-0.0</v>" in got
    assert b"_x0001_" in got and b"_x005F_x0041_" in got and b"&amp;amp;" in got


@pytest.mark.parametrize("chunk", [1, 2, 3, 2048])
def test_runs_rendered_together_give_each_run_its_own_xml(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`render_each` (units' 汇总 rows rendered together, then cut apart): each run's XML
    is the cell-by-cell rule's for its rows, whatever the chunks (a run longer than one, an
    empty run, runs of another row length), memos shared and emptied as they go."""
    from perfxl.consolidate import summary_xml

    monkeypatch.setattr(summary_xml, "CHUNK", chunk)
    monkeypatch.setattr(summary_xml, "_TEXTS_MAX", 3)
    styles: dict[str | None, list[int]] = {None: [1, 2, 3, 4, 5, 6], "小计": [11] * 6}

    def height(row: Any) -> float | None:
        return 30.5 if isinstance(row[1], str) and len(row[1]) > 2 else None

    short = [("小计", "a"), ("甲", "乙丙丁", 3)]
    runs = [TRICKY[:3], [], TRICKY[3:], TRICKY[1:2], short, TRICKY * 2]
    memo = summary_xml.new_memo()
    for _ in range(2):  # the second time from the memos
        got = summary_xml.render_each(runs, styles, 0, height, memo)
        assert len(got) == len(runs)
        for run, xml in zip(runs, got, strict=True):
            want = [
                _reference_row(r, styles.get(r[0], styles[None]), styles[None], height(r))
                for r in run
            ]
            assert xml == b"".join(want)
    assert got[1] == b"" and got[0] + got[2] == b"".join(
        summary_xml.render_rows(TRICKY, styles, 0, height)
    )


def test_rows_of_mixed_length_and_shown_paths(tmp_path: Path) -> None:
    """Rows of different lengths in one piece render one by one; file names fixed in the
    memos (`Paths.fixes`) give the XML of the rows shown first (`Paths.rows`), heights too."""
    from perfxl.consolidate import columns as K
    from perfxl.consolidate import writer
    from perfxl.consolidate.summary_xml import new_memo, render_rows

    styles: dict[str | None, list[int]] = {None: [1, 2, 3]}
    rows = [("a", 1), ("b", 2, "c"), (None,)]
    want = b"".join(_reference_row(r, styles[None], styles[None], None) for r in rows)
    assert b"".join(render_rows(rows, styles)) == want

    folder = tmp_path / "县"
    folder.mkdir()
    paths = writer.Paths([str(folder)])
    src = str(folder / "乡" / "a.xlsx")
    i, m = K.PROBLEMS.index("source_file"), K.PROBLEMS.index("message")
    n = len(K.PROBLEMS.columns)
    problems = [
        tuple(
            src if j == i else (f"文件 {src} 有误。" * k) if j == m else f"v{j}" for j in range(n)
        )
        for k in range(1, 6)
    ]
    st = {None: list(range(n))}
    fixes = paths.fixes(K.PROBLEMS)
    assert set(fixes) == {i, m}
    shown = list(paths.rows(K.PROBLEMS, problems))
    assert shown[0][i] == "乡/a.xlsx" and src not in shown[3][m]
    plain = b"".join(render_rows(shown, st, None, writer.row_height(K.PROBLEMS)))
    fixed = b"".join(
        render_rows(problems, st, None, writer.row_height(K.PROBLEMS, fixes), new_memo(fixes))
    )
    assert fixed == plain and b"customHeight" in plain
    assert str(folder).encode() not in fixed


def test_number_columns_match_the_cell_by_cell_rule() -> None:
    """Columns of numbers only (ints, floats, None, NaN, infinities, -0.0) rendered at once
    give the cell-by-cell rule's XML; a bool among them is its text."""
    from perfxl.consolidate.summary_xml import render_rows

    rows: list[tuple[Any, ...]] = [
        (1, 2.5, None, 7),
        (2, -0.0, math.nan, None),
        (3, 1e300, math.inf, -math.inf),
        (4, 0.1 + 0.2, 5, 6.0),
        (5, None, None, None),
        (6, 2, 10**30, True),
    ]
    styles: dict[str | None, list[int]] = {None: [7, 8, 9, 10]}
    want = b"".join(_reference_row(r, styles[None], styles[None], None) for r in rows)
    got = b"".join(render_rows(rows, styles))
    assert got == want
    assert b"<v>0.30000000000000004</v>" in got and b"<v>1e+300</v>" in got
    assert b"nan" not in got and b"inf" not in got and b">True<" in got


def test_line_counts_of_ascii_texts_are_textfit_s() -> None:
    """The row-height memo's shortcut for ASCII texts (project codes, file names: one line
    up to the column's width) counts every text as `textfit.lines` does, at the boundary
    and past it, with CJK, newlines and a file name shown relative."""
    from perfxl import textfit
    from perfxl.consolidate import columns as K
    from perfxl.consolidate import writer

    for table in (K.SUMMARY, K.INDICATORS, K.PROBLEMS, K.UNITS, K.FILES):
        for col in table.columns:
            for fix in (None, lambda v: v.removeprefix("/县/")):
                lines = writer._Lines(col.width, fix)
                for n in range(1, int(col.width * 2) + 4):
                    for text in ("7" * n, "/县/" + "a" * n, "a" * n + "中", "a" * n + "\nb"):
                        shown = fix(text) if fix else text
                        want = textfit.lines(shown, col.width, writer.FONT_SIZE)
                        assert lines[text] == lines.count(text) == want, (col.key, text)
    assert writer._ascii_fits(20) > (20 - 1) / 2  # longer than the CJK-safe length


def test_row_heights_by_column_match_row_by_row() -> None:
    """`RowHeight.columns` (a piece's rows at once) gives each row's own height, with file
    names fixed, values of any type (an unhashable one: row by row) and one-line columns."""
    from perfxl.consolidate import columns as K
    from perfxl.consolidate import writer

    n = len(K.PROBLEMS.columns)
    m, v = K.PROBLEMS.index("message"), K.PROBLEMS.index("value")
    rows = [
        tuple(
            ("问题说明很长。" * (4 * k) + "\n" * (k % 2)) if j == m else (k if j == v else f"短{j}")
            for j in range(n)
        )
        for k in range(8)
    ]
    rows.append(tuple(None for _ in range(n)))
    rows.append(tuple("甲\n乙" if j == v else None for j in range(n)))  # its column: 2 lines
    rows.append(tuple(None for _ in range(n)))
    for extra in ([], [tuple([["列表"]] * n)]):
        got = rows + extra
        height = writer.row_height(K.PROBLEMS)
        want = [writer.row_height(K.PROBLEMS)(r) for r in got] if not extra else None
        by_columns = height.columns(list(zip(*got, strict=True)))
        if want is not None:
            assert by_columns == want
        assert len(by_columns) == len(got)
        assert (
            len({h for h in by_columns if h is not None}) > 2
            and by_columns[-1 - len(extra)] is None
        )
    assert writer.row_height(K.PROBLEMS).columns(list(zip(*rows[:1], strict=True))) == [None]


def test_columns_of_one_new_text_or_of_texts_all_new_match_the_cell_by_cell_rule() -> None:
    """A column holding one new text in every row (the unit, its file), and a column whose
    texts are all new and all different (links to each cell), give the cell-by-cell rule's
    XML, escapes included; the second kind is kept in the memo the first time (the places
    of problems recur across workbooks) and no more once it did not recur."""
    from perfxl.consolidate.summary_xml import new_memo, render_rows

    styles: dict[str | None, list[int]] = {None: [1, 2, 3]}
    memo = new_memo()
    for f in range(4):
        unit = "单位 &" if f == 2 else f"单位{f}"  # one with an escape
        rows = [(unit, f"文件{f}#'表'!A{k}", "固定") for k in range(5)]
        if f == 3:
            rows.append((unit, " 前空格", "固定"))  # one needing `__missing__`'s path
        want = b"".join(_reference_row(r, styles[None], styles[None], None) for r in rows)
        assert b"".join(render_rows(rows, styles, None, None, memo)) == want
        links = next(iter(memo.plans.values())).texts[1]
        if f == 0:
            assert "文件0#'表'!A3" in links
        elif f in (1, 2):
            assert not any(k and k.startswith(f"文件{f}") for k in links)
    assert "文件3#'表'!A3" in links and " 前空格" in links  # not all new: kept again


@pytest.mark.parametrize(
    "odd",
    ["甲\n乙", "制\t表", "全角\u3000空格", "不换\u00a0行", "下_划线", "回车\r", "控\x01制", "非\ufffe字",
     "非\uffff字", "_x0041_", "a&b", "<b>", "末尾 ", "\u3000首", "", "很长" * 20000],
)  # fmt: skip
def test_texts_made_at_once_match_the_cell_by_cell_rule(
    odd: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New texts made together (`_Texts.cells`: the checks on the joined texts and on their
    UTF-8) give the cell-by-cell rule's XML beside one odd text: a tab or line feed inside,
    other spaces, an underscore, or one that needs an escape or keeps its edge whitespace;
    only those are made one by one."""
    from perfxl.consolidate import summary_xml

    one_by_one: list[str] = []
    missing = summary_xml._Texts.__missing__

    def counted(self: Any, s: str) -> bytes:
        one_by_one.append(s)
        return missing(self, s)

    monkeypatch.setattr(summary_xml._Texts, "__missing__", counted)
    styles: dict[str | None, list[int]] = {None: [1, 2]}
    for where in range(3):  # the odd text first, in the middle, last
        texts = [f"第{k}行，汉字与 ascii" for k in range(4)]
        texts.insert(where * 2, odd)
        rows = [(t, f"唯一{k}{t[:3]}") for k, t in enumerate(texts)]
        want = b"".join(_reference_row(r, styles[None], styles[None], None) for r in rows)
        assert b"".join(summary_xml.render_rows(rows, styles)) == want
    plain = odd in ("甲\n乙", "制\t表", "全角\u3000空格", "不换\u00a0行", "下_划线")
    assert (odd not in one_by_one) == plain
