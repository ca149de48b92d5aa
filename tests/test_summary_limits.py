"""A large summary read back as an input (`safety.LARGE_LIMITS`), a zip bomb still refused.

The limits are scaled down so that the example county's summary plays a province's: its
校验问题 sheet (2.7 MB of XML, some 2,500 rows) is over the first limits and within the
second ones, which let a member or a sheet be larger only when it expands as text does
and every cell of its range is there.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from perfxl import safety
from perfxl.consolidate import columns as K
from perfxl.consolidate.run import Options, consolidate
from perfxl.grid.calamine_grid import read_grid

KB = 1024
# The first limits: the summary's long sheets are over them.
SMALL = safety.Limits(max_part_bytes=1000 * KB, max_total_bytes=2000 * KB, max_sheet_rows=1000)
# With the second ones, as `LARGE_LIMITS` has them.
LARGE = replace(
    SMALL,
    sane_ratio=safety.LARGE_LIMITS.sane_ratio,
    max_sane_part_bytes=8000 * KB,
    max_sane_total_bytes=16000 * KB,
    max_sane_sheet_cells=safety.LARGE_LIMITS.max_sane_sheet_cells,
)


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("limits") / "summary.xlsx"
    consolidate([ROOT / "examples" / "county"], out, Options(jobs=1))
    return out


def test_the_large_limits_have_the_first_limits_of_the_default() -> None:
    large, default = safety.LARGE_LIMITS, safety.DEFAULT_LIMITS
    assert (large.max_part_bytes, large.max_total_bytes) == (
        default.max_part_bytes,
        default.max_total_bytes,
    )
    assert (large.max_sheet_rows, large.max_ratio) == (default.max_sheet_rows, default.max_ratio)
    assert default.sane_ratio == 0 and default.max_sane_sheet_cells == 0  # a unit's workbook
    assert large.sane_ratio < large.max_ratio  # text, far below a bomb's ratio


def test_a_large_summary_passes_the_large_limits_only(summary: Path) -> None:
    with zipfile.ZipFile(summary) as z:
        sizes = {i.filename: (i.file_size, i.compress_size) for i in z.infolist()}
    part, packed = max(sizes.values())
    assert SMALL.max_part_bytes < part < LARGE.max_sane_part_bytes  # the test's premise
    assert part < LARGE.sane_ratio * packed
    with pytest.raises(safety.UnsafeWorkbookError, match="上限"):
        read_grid(summary, SMALL)
    grid = read_grid(summary, LARGE)
    problems = next(s for s in grid.sheets if s.name == K.PROBLEMS.sheet)
    assert len(problems.rows) > SMALL.max_sheet_rows  # a sheet over the first row limit too


def test_a_sheet_of_many_rows_passes_only_when_dense(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    for r in range(1, 1201):
        wb.active.append([f"第{r}行", r, r * 1.5])
    wb.save(tmp_path / "rows.xlsx")
    with pytest.raises(safety.UnsafeWorkbookError, match="1200 行"):
        read_grid(tmp_path / "rows.xlsx", SMALL)
    assert len(read_grid(tmp_path / "rows.xlsx", LARGE).sheets[0].rows) == 1200
    far = Workbook()
    far.active["A1"] = "x"
    far.active["C5000"] = "y"  # a range of 15,000 cells from a part of a few hundred bytes
    far.save(tmp_path / "far.xlsx")
    with pytest.raises(safety.UnsafeWorkbookError) as info:
        read_grid(tmp_path / "far.xlsx", LARGE)
    assert "5000 行 × 3 列" in info.value.message and "（1000 行" in info.value.message


def _with_pad(
    tmp_path: Path, body: bytes, declared: int | None = None, base: Path | None = None
) -> Path:
    """``base`` (an empty openpyxl workbook when None) with a member xl/media/pad.bin holding
    ``body``; ``declared``: the size its central directory entry claims instead."""
    from openpyxl import Workbook

    if base is None:
        base = tmp_path / "base.xlsx"
        Workbook().save(base)
    out = tmp_path / "pad.xlsx"
    with (
        zipfile.ZipFile(base) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
        zout.writestr("xl/media/pad.bin", body)
    if declared is not None:  # the central directory lies about the size
        data = bytearray(out.read_bytes())
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
            assert z.getinfo("xl/media/pad.bin")
        cd = bytes(data).find(b"xl/media/pad.bin", data.find(b"PK\x01\x02")) - 46
        data[cd + 24 : cd + 28] = declared.to_bytes(4, "little")
        out.write_bytes(bytes(data))
    return out


def test_a_zip_bomb_is_refused_with_the_same_message(tmp_path: Path) -> None:
    bomb = _with_pad(tmp_path, b"0" * 3_000_000)  # expands a thousand times
    messages = []
    for limits in (SMALL, LARGE):
        with pytest.raises(safety.UnsafeWorkbookError) as info:
            safety.preflight(bomb, limits)
        messages.append(info.value.message)
    assert messages[0] == messages[1] and "1000 MB" not in messages[0]
    assert "xl/media/pad.bin" in messages[0] and "压缩炸弹" in messages[0]


def test_a_lying_size_is_counted_against_the_first_limit(tmp_path: Path) -> None:
    lie = _with_pad(tmp_path, b"0" * 3_000_000, declared=1000)
    with pytest.raises(safety.UnreadableWorkbookError):
        safety.preflight(lie, LARGE)


def _text_pad() -> bytes:
    """2.6 MB of words that compress about 3 to 1, as text does."""
    import random

    rnd = random.Random(17)
    words = [f"指标{rnd.randrange(10**6)}".encode() for _ in range(5000)]
    return b" ".join(rnd.choice(words) for _ in range(200_000))


def test_text_that_expands_as_text_does_may_be_larger(tmp_path: Path) -> None:
    text = _with_pad(tmp_path, _text_pad())
    with pytest.raises(safety.UnsafeWorkbookError, match=r"部件 xl/media/pad\.bin 解压后超过"):
        safety.preflight(text, SMALL)
    assert safety.preflight(text, LARGE).kind == "xlsx"
    with pytest.raises(safety.UnsafeWorkbookError, match="总大小"):
        safety.preflight(text, replace(LARGE, max_sane_total_bytes=2000 * KB))


def _same(a: Any, b: Any) -> None:
    assert [vars(f) for f in a.files] == [vars(f) for f in b.files]
    assert a.changes == b.changes
    assert len(a.submissions) == len(b.submissions) > 0
    for x, y in zip(a.submissions, b.submissions, strict=True):
        assert vars(x.file) == vars(y.file)
        assert (x.projects, x.indicators, x.problems) == (y.projects, y.indicators, y.problems)


@pytest.mark.parametrize("rows", [None, 50])
def test_a_summary_read_as_a_stream_gives_what_its_grid_gives(
    summary: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int | None
) -> None:
    from perfxl.consolidate import summary_input, writer
    from perfxl.consolidate.extract import extract_file

    if rows is not None:  # continuation sheets too
        monkeypatch.setattr(writer, "SHEET_ROWS", rows)
        consolidate([ROOT / "examples" / "county"], tmp_path / "split.xlsx", Options(jobs=1))
        summary = tmp_path / "split.xlsx"
    whole = extract_file(str(summary))
    streamed = []
    real = summary_input.read_summary_file

    def spy(*args: Any) -> Any:
        streamed.append(real(*args))
        return streamed[-1]

    monkeypatch.setattr(summary_input, "STREAM_FROM", 0)
    monkeypatch.setattr(summary_input, "read_summary_file", spy)
    again = extract_file(str(summary))
    assert streamed and streamed[0] is again  # read as a stream
    _same(again, whole)
    assert sum(len(s.problems) for s in again.submissions) > 2000
    # Not a summary (its document properties say so): read as any other file, not tried as
    # a stream.
    book = ROOT / "examples" / "suying-2023.xlsx"
    tried = len(streamed)
    assert extract_file(str(book)).submissions[0].problems is not None
    assert len(streamed) == tried


def test_a_bomb_named_as_an_input_is_refused_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfxl.consolidate import summary_input
    from perfxl.consolidate.extract import extract_file

    bomb = _with_pad(tmp_path, b"0" * 9_000_000)  # over `ratio_floor`, a thousand to one
    before = extract_file(str(bomb)).files[0]
    monkeypatch.setattr(summary_input, "STREAM_FROM", 0)
    after = extract_file(str(bomb)).files[0]
    assert after.status == before.status == K.UNREADABLE
    assert after.note == before.note and "压缩比" in after.note


def test_only_a_summary_perfxl_wrote_is_trusted_to_be_large(
    summary: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file named as an input gets the larger limits only when its document properties
    say perfxl wrote it as a summary: a township's workbook over the default limits is
    refused whether it is named or found in a folder, with the same message."""
    from perfxl.consolidate.extract import extract_file

    monkeypatch.setattr(safety, "DEFAULT_LIMITS", SMALL)
    monkeypatch.setattr(safety, "LARGE_LIMITS", LARGE)
    named = extract_file(str(summary))
    assert named.files[0].status != K.UNREADABLE and len(named.submissions) > 1
    assert extract_file(str(summary), expand_summary=False).files[0].status == K.SUMMARY_SKIPPED

    book = _with_pad(tmp_path, _text_pad(), base=ROOT / "examples" / "suying-2023.xlsx")
    with pytest.raises(safety.UnsafeWorkbookError):
        safety.preflight(book, SMALL)
    assert safety.preflight(book, LARGE).kind == "xlsx"  # what a named file passed before
    as_named, as_found = (extract_file(str(book), expand_summary=e).files[0] for e in (True, False))
    assert as_named.status == as_found.status == K.UNREADABLE
    assert as_named.note == as_found.note and "xl/media/pad.bin 解压后超过" in as_named.note


def test_a_large_stage_summary_reads_its_properties_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A monitoring summary named as an input, large enough to be tried as a stream (not a
    targets summary: not streamed) and over the default limits: whether perfxl wrote it is
    read from its docProps/core.xml once, not once for the stream and again for the limits."""
    from perfxl import outputs
    from perfxl.consolidate import summary_input
    from perfxl.consolidate.extract import extract_file

    monitoring = tmp_path / "in"
    monitoring.mkdir()
    (monitoring / "m.xlsx").write_bytes(
        (ROOT / "examples" / "suying-2023-monitoring.xlsx").read_bytes()
    )
    stage = tmp_path / "监控汇总.xlsx"
    consolidate([monitoring], stage, Options(jobs=1))
    reads: list[Path] = []
    real = outputs.is_summary_file

    def counted(path: Path) -> bool:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(outputs, "is_summary_file", counted)
    monkeypatch.setattr(summary_input, "STREAM_FROM", 0)
    monkeypatch.setattr(safety, "DEFAULT_LIMITS", safety.Limits(max_sheet_rows=5))
    got = extract_file(str(stage)).files[0]
    assert got.status == K.SUMMARY_SKIPPED and "监控汇总表" in got.note  # read, with LARGE_LIMITS
    assert reads == [stage]
