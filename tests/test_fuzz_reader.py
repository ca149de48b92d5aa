"""Fuzzing: mutated valid workbooks only ever give problems or perfxl's own errors.

hypothesis mutates a real perfxl workbook — cell values and types, deleted cells, inserted
and deleted rows, renamed, shuffled and deleted sheets, broken and odd merges — or its bytes
(flipped bytes, truncation). The reader (both engines) and ``validate_file`` must return
problems or raise a ``PerfxlError``; any other exception is a bug.

The suite runs a bounded number of examples; the longer run is::

    PERFXL_FUZZ_EXAMPLES=2000 .venv/bin/pytest tests/test_fuzz_reader.py
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import json
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from perfxl.errors import PerfxlError
from perfxl.read import read_workbook
from perfxl.validate import validate_file

EXAMPLES = int(os.environ.get("PERFXL_FUZZ_EXAMPLES", "25"))
SEED = Path(__file__).resolve().parents[1] / "examples" / "suying-2023.json"


@functools.cache
def base_bytes() -> bytes:
    """A valid perfxl workbook with two projects (cover, overall, two project sheets)."""
    from perfxl.model import Targets
    from perfxl.write.fill import build_workbook

    data = json.loads(SEED.read_text(encoding="utf-8"))
    data["projects"] = data["projects"][:2]
    buf = io.BytesIO()
    build_workbook(Targets.from_dict(data)).save(buf)
    return buf.getvalue()


texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "项目编码",
            "单位编码",
            "一级指标",
            "8.39万元",
            "８．３９",
            "1,234.50",
            "≥95%",
            "#DIV/0!",
            '=HYPERLINK("http://x","y")',
            "=1/0",
            "=A1",
            "  ",
            "",
        ]
    ),
).map(lambda s: ILLEGAL_CHARACTERS_RE.sub("", s))
values = st.one_of(
    st.none(),
    texts,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
)
rows = st.integers(min_value=1, max_value=40)
cols = st.integers(min_value=1, max_value=12)
edit = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 5), rows, cols, values),
    st.tuples(st.just("insert_rows"), st.integers(0, 5), rows, st.integers(1, 3)),
    st.tuples(st.just("delete_rows"), st.integers(0, 5), rows, st.integers(1, 3)),
    st.tuples(st.just("delete_cols"), st.integers(0, 5), cols, st.integers(1, 2)),
    st.tuples(st.just("rename"), st.integers(0, 5), texts),
    st.tuples(st.just("move"), st.integers(0, 5), st.integers(-4, 4)),
    st.tuples(st.just("remove"), st.integers(0, 5)),
    st.tuples(st.just("unmerge"), st.integers(0, 5)),
    st.tuples(
        st.just("merge"), st.integers(0, 5), rows, cols, st.integers(0, 3), st.integers(0, 3)
    ),
    st.tuples(st.just("hide"), st.integers(0, 5)),
)
byte_edit = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1, exclude_max=True), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.floats(0, 1, exclude_max=True)),
    st.tuples(st.just("drop_part"), st.integers(0, 40)),
)


def _apply(wb: Any, e: tuple[Any, ...]) -> None:
    if not wb.worksheets:
        return
    ws = wb.worksheets[e[1] % len(wb.worksheets)]
    op = e[0]
    if op == "set":
        cell = ws.cell(row=e[2], column=e[3])
        if type(cell).__name__ == "MergedCell":
            return  # openpyxl cannot write into a merge's covered cell
        cell.value = e[4]
        if isinstance(e[4], str) and e[4].startswith("="):
            cell.data_type = "s"  # half the time text that looks like a formula …
            if e[2] % 2:
                cell.data_type = "f"  # … and half a real formula without a cached value
    elif op == "insert_rows":
        ws.insert_rows(e[2], e[3])
    elif op == "delete_rows":
        ws.delete_rows(e[2], e[3])
    elif op == "delete_cols":
        ws.delete_cols(e[2], e[3])
    elif op == "rename":
        name = "".join(ch for ch in e[2] if ch not in "[]:*?/\\")[:31].strip("'")
        if name and name.lower() not in {s.title.lower() for s in wb.worksheets}:
            ws.title = name
    elif op == "move":
        wb.move_sheet(ws, offset=e[2])
    elif op == "remove" and len(wb.worksheets) > 1:
        wb.remove(ws)
    elif op == "unmerge":
        for rng in list(ws.merged_cells.ranges)[:5]:
            ws.unmerge_cells(str(rng))
    elif op == "merge":
        with contextlib.suppress(ValueError):  # openpyxl refuses some overlaps
            ws.merge_cells(
                start_row=e[2], start_column=e[3], end_row=e[2] + e[4], end_column=e[3] + e[5]
            )
    elif op == "hide" and sum(s.sheet_state == "visible" for s in wb.worksheets) > 1:
        ws.sheet_state = "hidden"


def _apply_bytes(data: bytes, e: tuple[Any, ...]) -> bytes:
    if e[0] == "flip":
        if not data:
            return data
        b = bytearray(data)
        b[int(e[1] * len(b))] ^= e[2]
        return bytes(b)
    if e[0] == "truncate":
        return data[: int(e[1] * len(data))]
    try:  # a part left out of a package that earlier edits may have broken
        src = zipfile.ZipFile(io.BytesIO(data))
        names = src.namelist()
        drop = names[e[1] % len(names)]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for n in names:
                if n != drop:
                    dst.writestr(n, src.read(n))
    except (
        zipfile.BadZipFile,
        zlib.error,
        ValueError,
        EOFError,
        ZeroDivisionError,
        NotImplementedError,  # a flipped flag bit: "strong encryption", "patched data"
        RuntimeError,  # a flipped flag bit: "File ... is encrypted, password required"
    ):
        return data
    return out.getvalue()


def _check(path: Path) -> None:
    for engine in ("calamine", "openpyxl"):
        with contextlib.suppress(PerfxlError):
            read_workbook(path, engine=engine)
    report = validate_file(path)
    assert report.problems is not None


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking costs minutes here
)
@given(edits=st.lists(edit, min_size=1, max_size=12), raw=st.lists(byte_edit, max_size=2))
def test_mutated_workbooks_give_problems_or_perfxl_errors(
    tmp_path: Path, edits: list[tuple[Any, ...]], raw: list[tuple[Any, ...]]
) -> None:
    wb = load_workbook(io.BytesIO(base_bytes()))
    for e in edits:
        with contextlib.suppress(ValueError, KeyError, IndexError):  # openpyxl refuses an edit
            _apply(wb, e)
    if all(ws.sheet_state != "visible" for ws in wb.worksheets):
        wb.worksheets[0].sheet_state = "visible"  # openpyxl cannot save a book with none
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    for e in raw:
        data = _apply_bytes(data, e)
    path = tmp_path / "fuzzed 工作簿.xlsx"
    path.write_bytes(data)
    _check(path)
    assert path.read_bytes() == data  # the input is never touched


@pytest.mark.parametrize("bit", [0x01, 0x20, 0x40])  # encrypted, patched data, strong encryption
def test_flag_bits_zipfile_cannot_open_are_problems_or_perfxl_errors(
    tmp_path: Path, bit: int
) -> None:
    """A flipped flag bit in the central directory makes zipfile itself raise (not BadZipFile):
    the fuzz step leaves such bytes as they are (it used to fail the run at random), and perfxl
    reads them as any damaged workbook: problems or a refusal of its own."""
    data = bytearray(base_bytes())
    data[data.find(b"PK\x01\x02") + 8] ^= bit  # the first member's general-purpose flags
    assert _apply_bytes(bytes(data), ("drop", 1)) == bytes(data)
    path = tmp_path / "flags.xlsx"
    path.write_bytes(bytes(data))
    _check(path)
    assert path.read_bytes() == bytes(data)
