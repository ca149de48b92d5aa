"""The re-consolidation cache: the summary is the same with and without it, with 1 or 2 jobs;
names and times come from the run; a corrupt entry, a changed config, version, code or entry
format misses.

Every test keeps its cache under ``tmp_path`` (``PERFXL_CACHE_DIR`` too: never the user's).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from books import parts as book_parts
from books import sheet_rows as _sheet_rows
from click.testing import CliRunner
from conftest import county_demo, county_demo_made

import perfxl
from perfxl import layout as L
from perfxl.consolidate import Options, consolidate, extract
from perfxl.consolidate import cache as C
from perfxl.consolidate import columns as K


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(C.ENV, str(tmp_path / "user-cache"))


pytestmark = pytest.mark.usefixtures("fixed_clock")  # two runs' summaries compared


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The county demo (two versions of one unit, planted mistakes), a broken file and a
    workbook that is not ours."""
    import xlsxwriter

    folder = tmp_path_factory.mktemp("cache") / "inbox"
    county_demo_made(folder, n_projects=8)
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    wb = xlsxwriter.Workbook(str(folder / "notes.xlsx"))
    wb.set_properties({"created": dt.datetime(2023, 3, 1, 9, 0, 0)})  # never the run's time
    wb.add_worksheet("Sheet1").write_string(0, 0, "会议记录")
    wb.close()
    return folder


def _copy(inbox: Path, dest: Path) -> Path:
    """The inbox, every file dated in 2023: a file time never equals the run's 生成时间 (the
    two would share one string and shift the others' numbers)."""
    shutil.copytree(inbox, dest)
    for i, f in enumerate(sorted(dest.iterdir())):
        os.utime(f, (1_680_000_000 + i * 60, 1_680_000_000 + i * 60))
    return dest


def _cell(path: Path, sheet: str, label: str) -> str:
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        rows = wb.get_sheet_by_name(sheet).to_python()
    finally:
        wb.close()
    return str(next(r[1] for r in rows if r and r[0] == label))


def parts(path: Path) -> dict[str, bytes]:
    """Every part of the workbook, the volatile one stripped: the document's created time
    (the 说明 sheet's 生成时间 is fixed by `_fixed_clock`)."""
    assert _cell(path, K.README_SHEET, "生成时间") == "2024-01-02 03:04:05"
    return book_parts(path)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files read afresh in this process (``jobs=1``: no worker) from now on."""
    read: list[str] = []
    real: Callable[..., Any] = extract.extract_file

    def counted(path: str, *args: Any, **kwargs: Any) -> Any:
        read.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(extract, "extract_file", counted)
    return read


def _run(folder: Path, out: Path, cache: Path | None, jobs: int, **kw: Any) -> Any:
    return consolidate([folder], out, Options(jobs=jobs, cache=cache, **kw))


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.pxc"))


def test_summary_identical_with_and_without_cache_and_jobs(inbox: Path, tmp_path: Path) -> None:
    folder = _copy(inbox, tmp_path / "inbox")
    cache = tmp_path / "cache"
    ref = tmp_path / "ref.xlsx"
    _run(folder, ref, None, 1)
    want = parts(ref)
    assert _entries(cache) == []
    for i, jobs in enumerate((2, 1, 2, 1)):  # cold (fills the cache), then warm
        out = tmp_path / f"out{i}.xlsx"
        _run(folder, out, cache, jobs)
        got = parts(out)
        assert got.keys() == want.keys()
        for name in want:
            assert got[name] == want[name], (jobs, i, name)
    books = [f for f in folder.glob("*.xlsx") if f.name != "broken.xlsx"]
    assert len(_entries(cache)) == len(books)  # the broken file is read again every time
    nocache = tmp_path / "nocache.xlsx"
    _run(folder, nocache, None, 2)
    assert parts(nocache) == want


def _spliced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the summary writer does with each piece of 指标明细 and 校验问题 from now on:
    ``xml`` for rows rendered by a worker (spliced in), ``rows`` for rows it renders."""
    from perfxl.consolidate import writer
    from perfxl.consolidate.summary_xml import Deflated

    seen: list[str] = []
    real = writer.table_pieces

    def spy(*args: Any) -> Any:
        for piece in real(*args):
            seen.append("xml" if isinstance(piece, Deflated) else "rows")
            yield piece

    monkeypatch.setattr(writer, "table_pieces", spy)
    return seen


def test_rows_rendered_by_the_workers_give_the_same_summary(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spilled run splices in the rows its workers rendered (and the cache kept): the same
    summary as rows rendered by the writer, with 1 or 2 jobs, cold and warm; in another
    folder the entries' records are rendered again once (the files not read), kept under
    that folder's names, and the next run there splices those in."""
    folder = _copy(inbox, tmp_path / "inbox")
    cache = tmp_path / "cache"
    ref = tmp_path / "ref.xlsx"
    _run(folder, ref, None, 1, tables=tmp_path / "ref")  # nothing spilled: all in the writer
    want = parts(ref)
    want_tables = {p.name: p.read_bytes() for p in (tmp_path / "ref").iterdir()}
    assert len(want_tables) >= 3
    seen = _spliced(monkeypatch)
    for i, jobs in enumerate((2, 1, 2, 1)):  # no cache; then cold (fills it), then warm
        out = tmp_path / f"out{i}.xlsx"
        seen.clear()
        # warm: the long rows stay compressed as the entry holds them, read back for the tables
        _run(folder, out, cache if i else None, jobs, spill=0, tables=tmp_path / f"t{i}")
        assert seen.count("xml") >= 4, (i, seen)  # every unit's indicators and problems
        assert parts(out) == want, (i, jobs)
        got_tables = {p.name: p.read_bytes() for p in (tmp_path / f"t{i}").iterdir()}
        assert got_tables == want_tables, i
    entry = next(iter(_entries(cache)))
    found = C._decode(entry.read_bytes(), "x.xlsx")
    assert found is not None and all(s.xml is not None for s in found.submissions)
    moved = tmp_path / "elsewhere"  # the same bytes, in another folder
    shutil.copytree(folder, moved, copy_function=shutil.copy2)
    read = _counting(monkeypatch)
    seen.clear()
    out = tmp_path / "moved.xlsx"
    _run(moved, out, cache, 1, spill=0)
    # The entries' rows were rendered for the other folder: rendered again from the entries'
    # records, not from the files (only the broken one, never cached, is read), and kept so.
    assert read == ["broken.xlsx"]
    assert seen.count("xml") >= 4  # rendered by the worker again, spliced
    fresh = tmp_path / "fresh.xlsx"
    _run(moved, fresh, None, 1)
    assert parts(out) == parts(fresh)
    read.clear()
    seen.clear()
    again = tmp_path / "moved-again.xlsx"
    _run(moved, again, cache, 1, spill=0)
    assert read == ["broken.xlsx"]  # every other file from the cache ...
    assert seen.count("xml") >= 4  # ... with its rows as rendered for this folder
    assert parts(again) == parts(fresh)


def test_cached_files_are_not_read_again_and_take_this_runs_name_and_time(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _copy(inbox, tmp_path / "first")
    cache = tmp_path / "cache"
    _run(first, tmp_path / "warmup.xlsx", cache, 1)
    # The same bytes under other names, in another folder, with other modification times.
    second = tmp_path / "second"
    second.mkdir()
    for i, f in enumerate(sorted(first.glob("*.xlsx"))):
        dest = second / f"renamed-{f.name}"
        shutil.copyfile(f, dest)
        os.utime(dest, (1_700_000_000 + i * 3600, 1_700_000_000 + i * 3600))
    read = _counting(monkeypatch)
    out = tmp_path / "cached.xlsx"
    _run(second, out, cache, 1)
    assert read == ["renamed-broken.xlsx"]  # every other file came from the cache
    fresh = tmp_path / "fresh.xlsx"
    _run(second, fresh, None, 1)
    assert parts(out) == parts(fresh)
    files = _sheet_rows(out, K.FILES.sheet)
    shown = {str(r[K.FILES.index("source_file")]) for r in files[1:]}
    assert all(s.startswith("renamed-") for s in shown if s)
    assert all("\x00" not in str(v) for row in files for v in row)
    problems = _sheet_rows(out, K.PROBLEMS.sheet)
    assert len(problems) > 1
    assert all("\x00" not in str(v) for row in problems for v in row)


def test_a_changed_workbook_is_read_again(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfxl.model import Targets
    from perfxl.read import read_workbook
    from perfxl.write.fill import write_new

    folder = _copy(inbox, tmp_path / "inbox")
    cache = tmp_path / "cache"
    _run(folder, tmp_path / "warmup.xlsx", cache, 1)
    book = sorted(f for f in folder.glob("*.xlsx") if "-" in f.name)[0]
    targets: Targets = read_workbook(book).targets
    targets.projects[0].name = "新报送的项目名称"
    write_new(targets, book)
    # Saved and modified in the past: never the run's 生成时间 (see `_copy`).
    when = dt.datetime(2023, 4, 1, 9, 30, tzinfo=dt.UTC)
    county_demo().stamp(book, when, "某镇财政所")
    os.utime(book, (when.timestamp(), when.timestamp()))
    read = _counting(monkeypatch)
    out = tmp_path / "out.xlsx"
    _run(folder, out, cache, 1)
    assert sorted(read) == sorted([book.name, "broken.xlsx"])
    names = [r[K.SUMMARY.index("project_name")] for r in _sheet_rows(out, K.SUMMARY.sheet)]
    assert "新报送的项目名称" in names
    fresh = tmp_path / "fresh.xlsx"
    _run(folder, fresh, None, 1)
    assert parts(out) == parts(fresh)


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty", "other-magic"])
def test_a_corrupt_entry_is_ignored_and_rebuilt(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    folder = _copy(inbox, tmp_path / "inbox")
    cache = tmp_path / "cache"
    ref = tmp_path / "ref.xlsx"
    _run(folder, ref, cache, 1)
    entries = _entries(cache)
    victim = entries[0]
    blob = victim.read_bytes()
    if damage == "truncate":
        victim.write_bytes(blob[: len(blob) // 2])
    elif damage == "flip":
        victim.write_bytes(blob[:-10] + bytes([blob[-10] ^ 0xFF]) + blob[-9:])
    elif damage == "garbage":
        victim.write_bytes(os.urandom(len(blob)))
    elif damage == "empty":
        victim.write_bytes(b"")
    else:
        victim.write_bytes(b"XXXXXXXX" + blob[8:])
    read = _counting(monkeypatch)
    out = tmp_path / "out.xlsx"
    _run(folder, out, cache, 1)
    assert len(read) == 2  # the damaged entry's workbook and the broken file
    assert parts(out) == parts(ref)
    assert victim.read_bytes() == blob  # rebuilt whole
    assert _entries(cache) == entries


@pytest.mark.parametrize("models", ["none", "bytes"])
def test_an_entry_laid_out_as_format_8_is_a_miss_and_rebuilt(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, models: str
) -> None:
    """An entry in format 8's layout (a third part after the rows: the submissions' packed
    models, None since workers stopped packing them, bytes in older entries), intact and
    found where this format's entry would be (never, in use: the format is in the salt), is
    not an error: a miss, read afresh and written again in this format."""
    import hashlib
    import pickle

    folder = _copy(inbox, tmp_path / "inbox")
    cache = tmp_path / "cache"
    ref = tmp_path / "ref.xlsx"
    _run(folder, ref, cache, 1)
    entries = _entries(cache)
    new = {e: e.read_bytes() for e in entries}
    head = len(C.MAGIC) + C.DIGEST
    for entry, blob in new.items():
        body, at = blob[head:], 0
        for _ in range(2):  # the records, then the rows: each after its length
            (size,) = C._LENGTH.unpack_from(body, at)
            at += C._LENGTH.size + size
        one = None if models == "none" else os.urandom(300)
        third = pickle.dumps([one], protocol=pickle.HIGHEST_PROTOCOL)
        old = body[:at] + C._LENGTH.pack(len(third)) + third + body[at:]
        entry.write_bytes(C.MAGIC + hashlib.sha256(old).digest() + old)
    read = _counting(monkeypatch)
    out = tmp_path / "out.xlsx"
    _run(folder, out, cache, 1)
    assert len(read) == len(list(folder.glob("*.xlsx")))
    assert parts(out) == parts(ref)
    assert {e: e.read_bytes() for e in _entries(cache)} == new  # rebuilt whole


def test_an_entry_for_another_file_is_not_trusted(inbox: Path, tmp_path: Path) -> None:
    """An intact entry whose record names other bytes (copied over by hand) is a miss."""
    folder = _copy(inbox, tmp_path / "inbox")
    cache = C.Cache.open(tmp_path / "cache", None, L.STANDARD)
    books = sorted(f for f in folder.glob("*.xlsx") if "-" in f.name)
    a, b = (str(p) for p in books[:2])
    extract.extract_cached(a, cache=cache)
    extract.extract_cached(b, cache=cache)
    da, db = C.file_digest(a), C.file_digest(b)
    assert cache.load(a, da) is not None
    shutil.copyfile(cache.entry(db), cache.entry(da))
    assert cache.load(a, da) is None
    assert not cache.entry(da).exists()  # removed, to be written again


def test_a_changed_config_misses(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _copy(inbox, tmp_path / "inbox")
    cache = tmp_path / "cache"
    config = tmp_path / "config.toml"
    config.write_text("[plan]\nmax_lag = 20.0\n", encoding="utf-8")
    _run(folder, tmp_path / "a.xlsx", cache, 1, config=config)
    read = _counting(monkeypatch)
    _run(folder, tmp_path / "b.xlsx", cache, 1, config=config)
    assert read == ["broken.xlsx"]
    config.write_text("[plan]\nmax_lag = 25.0\n", encoding="utf-8")  # same name, other content
    read.clear()
    out = tmp_path / "c.xlsx"
    _run(folder, out, cache, 1, config=config)
    assert len(read) == len(list(folder.glob("*.xlsx")))
    read.clear()
    _run(folder, tmp_path / "d.xlsx", cache, 1)  # no config at all: the defaults' own entries
    assert len(read) == len(list(folder.glob("*.xlsx")))
    fresh = tmp_path / "fresh.xlsx"
    _run(folder, fresh, None, 1, config=config)
    assert parts(out) == parts(fresh)


@pytest.mark.parametrize("what", ["version", "code", "format"])
def test_another_perfxl_misses(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    folder = _copy(inbox, tmp_path / "inbox")
    cache = tmp_path / "cache"
    _run(folder, tmp_path / "a.xlsx", cache, 1)
    if what == "version":
        monkeypatch.setattr(perfxl, "__version__", "99.0.0")
    elif what == "code":
        monkeypatch.setattr(C, "code_fingerprint", lambda: "0" * 64)
    else:  # the entry format alone: another salt, so other keys
        monkeypatch.setattr(C, "FORMAT", C.FORMAT - 1)
    read = _counting(monkeypatch)
    _run(folder, tmp_path / "b.xlsx", cache, 1)
    assert len(read) == len(list(folder.glob("*.xlsx")))
    read.clear()
    _run(folder, tmp_path / "c.xlsx", cache, 1)  # and the new perfxl's entries hit
    assert read == ["broken.xlsx"]


def test_salt_covers_version_code_config_and_layout(tmp_path: Path) -> None:
    from dataclasses import replace

    base = C.salt_for(None, L.STANDARD)
    assert C.salt_for(None, L.STANDARD) == base
    cfg = tmp_path / "c.toml"
    cfg.write_text("[plan]\nmax_lag = 20.0\n", encoding="utf-8")
    assert C.salt_for(str(cfg), L.STANDARD) != base
    other = replace(L.STANDARD, project=replace(L.STANDARD.project, indicator_first_row=99))
    assert C.salt_for(None, other) != base


def test_a_summary_given_as_input_is_read_afresh(inbox: Path, tmp_path: Path) -> None:
    """A county summary names the files it lists beside itself: never cached, and the city
    summary is the same with the cache."""
    folder = _copy(inbox, tmp_path / "county")
    county = tmp_path / "县汇总.xlsx"
    _run(folder, county, None, 1)
    cache = tmp_path / "cache"
    ref = tmp_path / "city-ref.xlsx"
    consolidate([county], ref, Options(jobs=1))
    for i in range(2):
        out = tmp_path / f"city{i}.xlsx"
        consolidate([county], out, Options(jobs=1, cache=cache))
        assert parts(out) == parts(ref)
    assert _entries(cache) == []


def test_cli_cache_dir_no_cache_and_default(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfxl.cli import main

    folder = _copy(inbox, tmp_path / "inbox")
    runner = CliRunner()
    mine = tmp_path / "mine"
    r = runner.invoke(main, ["consolidate", str(folder), "-o", str(tmp_path / "a.xlsx"),
                             "--cache-dir", str(mine), "--jobs", "1"])  # fmt: skip
    assert r.exit_code == 2, r.output  # broken.xlsx: 有文件无法读取
    assert _entries(mine)
    r = runner.invoke(main, ["consolidate", str(folder), "-o", str(tmp_path / "b.xlsx"),
                             "--no-cache", "--jobs", "1"])  # fmt: skip
    assert r.exit_code == 2, r.output  # broken.xlsx: 有文件无法读取
    user = tmp_path / "user-cache"  # PERFXL_CACHE_DIR (the autouse fixture)
    assert not user.exists()
    assert parts(tmp_path / "a.xlsx") == parts(tmp_path / "b.xlsx")
    r = runner.invoke(main, ["consolidate", str(folder), "-o", str(tmp_path / "c.xlsx"),
                             "--jobs", "1"])  # fmt: skip
    assert r.exit_code == 2, r.output  # broken.xlsx: 有文件无法读取
    assert parts(tmp_path / "c.xlsx") == parts(tmp_path / "a.xlsx")
    assert len(_entries(user / "consolidate")) == len(_entries(mine))
    assert C.default_dir() == user / "consolidate"


def test_default_dir_without_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(C.ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(C.sys, "platform", "linux")
    assert C.default_dir() == tmp_path / "xdg" / "perfxl" / "consolidate"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert C.default_dir() == tmp_path / "home" / ".cache" / "perfxl" / "consolidate"


def test_entries_get_the_users_umask(inbox: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    folder = _copy(inbox, tmp_path / "inbox")
    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "perfxl.cli", "consolidate", str(folder), "-o",
           str(tmp_path / "a.xlsx"), "--cache-dir", str(cache), "--jobs", "2"]  # fmt: skip
    proc = subprocess.run(
        cmd, capture_output=True, text=True, check=False, preexec_fn=lambda: os.umask(0o027)
    )
    assert proc.returncode == 2, proc.stderr  # broken.xlsx: 有文件无法读取
    assert "汇总表：" in proc.stderr + proc.stdout  # the summary was written all the same
    modes = {e.stat().st_mode & 0o777 for e in _entries(cache)}
    assert modes == {0o640}
    assert not [p for p in cache.rglob("*") if p.is_file() and p.suffix != ".pxc"]  # no temps


def test_temp_files_left_by_a_killed_run_are_swept(inbox: Path, tmp_path: Path) -> None:
    folder = _copy(inbox, tmp_path / "inbox")
    cache = tmp_path / "cache"
    cache.mkdir()
    stale = cache / f"{C.TEMP_PREFIX}killed.tmp"
    stale.write_bytes(b"half an entry")
    os.utime(stale, (1_600_000_000, 1_600_000_000))
    live = cache / f"{C.TEMP_PREFIX}another-run.tmp"  # a concurrent run's, being written
    live.write_bytes(b"")
    _run(folder, tmp_path / "a.xlsx", cache, 2)
    assert not stale.exists()
    assert live.exists()
    assert {p.name for p in cache.iterdir() if p.is_file()} == {live.name}


def test_sums_made_by_the_workers_give_the_same_tables(inbox: Path) -> None:
    """The projects' percentages and the units' totals made where each file is read
    (`combine.Sums`) give the tables made from the projects themselves."""
    import copy

    from perfxl.consolidate import combine, run

    files = sorted(str(f) for f in inbox.glob("*.xlsx"))
    extracted = run.read_all(files, jobs=1)
    subs = [s for e in extracted for s in e.submissions]
    assert len(subs) >= 5 and all(isinstance(s.sums, combine.Sums) for s in subs)
    plain = copy.deepcopy(extracted)
    for e in plain:
        for s in e.submissions:
            s.sums = None
    got, want = combine.combine(extracted), combine.combine(plain)
    assert got.summary == want.summary and got.units == want.units
    assert got.totals == want.totals and len(got.summary) > len(got.chosen)


def test_county_totals_fall_back_when_a_sum_would_round() -> None:
    from decimal import Decimal

    from perfxl.consolidate import combine

    grand = dict.fromkeys(combine.MONEY, Decimal("1E+30"))
    assert combine._add_exactly(dict(grand), dict.fromkeys(combine.MONEY, Decimal(0)))
    assert not combine._add_exactly(grand, dict.fromkeys(combine.MONEY, Decimal("0.01")))


def test_a_spilled_run_keeps_a_workers_rows_without_unpickling_them(
    inbox: Path, tmp_path: Path
) -> None:
    """A worker's stored result (`Packed`) handed to a spilled run's parent: its long rows go
    to the spill as the entry's compressed bytes, and read back as the rows unpacked."""
    from perfxl.consolidate.combine import problem_counts
    from perfxl.consolidate.spill import Decoded, SpillStore

    book = next(p for p in sorted(inbox.rglob("*.xlsx")))
    cache = C.Cache.open(tmp_path / "cache", None, L.STANDARD)
    packed = extract.extract_cached(str(book), cache=cache)
    assert isinstance(packed, C.Packed)
    want = packed.unpack().submissions
    assert want and want[0].problems and want[0].indicators
    with SpillStore(tmp_path) as store:
        got = C.unpacked(packed, store).submissions
        assert [s.file.path for s in got] == [str(book)] * len(want)
        for s, w in zip(got, want, strict=True):
            assert s.indicators == [] and s.problems == []  # not unpickled: spilled
            assert isinstance(s.spilled[0], Decoded) and isinstance(s.spilled[1], Decoded)
            assert list(s.spilled[0]) == w.indicators
            assert list(s.spilled[1]) == w.problems
            assert s.tally == problem_counts(w.problems)


def test_a_spilled_run_without_cache_gets_the_rows_packed_by_the_worker(
    inbox: Path, tmp_path: Path
) -> None:
    """No cache, rows rendered (a spilled run): the worker packs its result (`cache.packed`),
    whose rows reach the spill unpickled and read back as extract_file made them, with the
    rows' XML the worker rendered."""
    from perfxl.consolidate.spill import Decoded, SpillStore
    from perfxl.consolidate.writer import RowsXml, style_map

    book = next(p for p in sorted(inbox.rglob("*.xlsx")))
    want = extract.extract_file(str(book)).submissions
    assert want and want[0].problems and want[0].indicators
    got = extract.extract_cached(str(book), rows_xml=RowsXml((str(inbox),), style_map()))
    assert isinstance(got, C.Packed) and got.xml is not None and got.xml[0] is not None
    with SpillStore(tmp_path) as store:
        subs = C.unpacked(got, store).submissions
        assert [s.file.path for s in subs] == [str(book)] * len(want)
        for s, w in zip(subs, want, strict=True):
            assert isinstance(s.spilled[0], Decoded) and s.problems == []
            assert list(s.spilled[0]) == w.indicators
            assert list(s.spilled[1]) == w.problems
            assert s.xml is not None and s.xml.path == str(book)


def test_only_targets_rows_must_come_rendered_from_the_cache() -> None:
    """A spilled run reads a cache hit again only when rows the workers render (a targets
    submission's) are missing or were rendered elsewhere; a monitoring or self-evaluation
    submission's 校验问题 rows are never rendered by them, so their hit is used as it is."""
    from perfxl.consolidate import run as R
    from perfxl.consolidate.records import Extracted, FileRecord, Submission
    from perfxl.consolidate.rows import problem_row
    from perfxl.problems import Problem

    path = "in/910001.xlsx"
    prob = Problem("demo.rule", "warning", "说明", file=path, sheet="封面", cell="B2")
    row = problem_row(prob, "910001", "巨鹿镇", None, path)
    keys = ("indicators-key", "problems-key", "summary-key")
    for stage, used in (("monitoring", True), ("evaluation", True), ("targets", False)):
        sub = Submission(file=FileRecord(path=path, status=K.USED), stage=stage, problems=[row])
        found = Extracted(files=[sub.file], submissions=[sub])
        assert R._rendered_here(found, path, keys) is used, stage
    rendered = Submission(file=FileRecord(path=path, status=K.USED), problems=[row])
    rendered.xml = SimpleNamespace(
        path=path, indicators=None, problems=(keys[1], b""), summary=(keys[2], b"")
    )
    found = Extracted(files=[rendered.file], submissions=[rendered])
    assert R._rendered_here(found, path, keys)
    assert not R._rendered_here(found, "moved/910001.xlsx", keys)  # rendered under another name
    assert not R._rendered_here(found, path, ("indicators-key", "another folder", keys[2]))
    assert not R._rendered_here(found, path, (*keys[:2], "another folder"))  # its 汇总 rows


def test_long_rows_kept_by_columns_come_back_named() -> None:
    """An entry keeps a list of long rows by columns (`cache._columns`): read back under a
    name, every text that held the placeholder holds the name (file, link, a message
    quoting it), the others are the very values, the rows of their own class; rows not of
    one named-tuple class are kept as they are; a pack of another shape is refused."""
    import pickle

    from perfxl.consolidate.rows import problem_row
    from perfxl.problems import Problem

    ph = C.PLACEHOLDER
    rows = [
        problem_row(
            Problem("demo.rule", sev, f"见 {ph} 第 {i} 行", sheet=sheet, cell=f"B{i}", value=v),
            "910001",
            "巨鹿镇",
            None,
            ph,
        )
        for i, (sev, sheet, v) in enumerate(
            [("warning", "封面", 1.5), ("error", None, None), ("warning", "项目1", "a\x00b")]
        )
    ]
    pack = C._columns(rows)
    assert pack[0] == "c" and pack[2] == len(rows)
    names = type(rows[0])._fields
    assert {names[j] for j in pack[4]} == {"message", "source_file", "link"}
    path = "乡镇/910001 v2.xlsx"
    want = [C._rename_row(r, path) for r in rows]
    for got in (C._rows(pack, path), C._named(pack, rows, path)):
        assert got == want and all(type(r) is type(rows[0]) for r in got)
    assert want[0].link == f"{path}#'封面'!B0" and want[1].link == path
    assert C._rows(pickle.loads(pickle.dumps(pack)), path) == want
    odd = [("a", ph), ("b", 2)]  # plain tuples: no columns, pickled as they are
    assert C._columns(odd)[0] == "p" and C._rows(C._columns(odd), "x") == [("a", "x"), ("b", 2)]
    assert C._rows((), path) == []
    for bad in (("c", type(rows[0]), 3, pack[3][:-1], ()), ("c", dict, 3, pack[3], ()), ("z",)):
        with pytest.raises(pickle.UnpicklingError):
            C._rows(bad, path)


def test_entries_load_while_the_workers_read_the_new_files(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With 2 jobs, the files without an entry go to the workers first (importing what they
    read with themselves), and the entries are loaded while the workers read; an entry that
    turns out unsound is read afterwards: the summary is the one of a run without the
    cache."""
    import multiprocessing

    from perfxl.consolidate import run as R

    folder = _copy(inbox, tmp_path / "inbox")
    cache = tmp_path / "cache"
    _run(folder, tmp_path / "warmup.xlsx", cache, 1)
    entries = _entries(cache)
    assert len(entries) >= 5
    for e in entries[:3]:  # files to read afresh, from the start (with broken.xlsx: 4)
        e.unlink()
    entries[3].write_bytes(entries[3].read_bytes()[:-7])  # found unsound when loaded
    workers: list[int] = []
    real = R._cached

    def spy(*args: Any, **kwargs: Any) -> Any:
        workers.append(len(multiprocessing.active_children()))
        return real(*args, **kwargs)

    monkeypatch.setattr(R, "_cached", spy)
    warmed: list[int] = []
    monkeypatch.setattr(R, "warm_up", lambda *_: warmed.append(1))
    out = tmp_path / "out.xlsx"
    _run(folder, out, cache, 2)
    assert workers and workers[0] >= 1  # the pool was reading while the entries loaded
    assert warmed == []  # the workers imported what they read with on their own meanwhile
    fresh = tmp_path / "fresh.xlsx"
    _run(folder, fresh, None, 1)
    assert parts(out) == parts(fresh)
    assert len(_entries(cache)) == len(entries)  # every one rebuilt


@pytest.mark.parametrize("example", ["suying-2023-monitoring.xlsx", "suying-2023-evaluation.xlsx"])
def test_monitoring_and_evaluation_runs_are_the_same_from_the_cache(
    example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A monitoring or self-evaluation run (their rows kept with the records by columns):
    the same summary cold, filling the cache and from it (no file read again)."""
    from conftest import ROOT

    from perfxl import constants as CV
    from perfxl.write.patch import CellWrite, WorkbookPatch

    data = (ROOT / "examples" / example).read_bytes()
    cell = next(f.ref for f in L.COVER_FIELDS if f.key == "unit/code")
    folder = tmp_path / "in"
    folder.mkdir()
    for i, code in enumerate(["910001", "910002", "910003"]):
        patch = WorkbookPatch(data)
        patch.write_cells([CellWrite(CV.COVER_SHEET, cell, code)])
        (folder / f"{code}.xlsx").write_bytes(patch.to_bytes())
        os.utime(folder / f"{code}.xlsx", (1_680_000_000 + i, 1_680_000_000 + i))
    cache = tmp_path / "cache"
    want = tmp_path / "cold.xlsx"
    ref = _run(folder, want, None, 1)
    assert ref.stage in ("monitoring", "evaluation")
    _run(folder, tmp_path / "fill.xlsx", cache, 1)
    assert len(_entries(cache)) == 3
    read = _counting(monkeypatch)
    out = tmp_path / "warm.xlsx"
    got = _run(folder, out, cache, 1)
    assert read == [] and got.stage == ref.stage
    assert parts(out) == parts(want) == parts(tmp_path / "fill.xlsx")


BAD = {"broken.xlsx", "notes.xlsx"}


def test_digests_by_two_threads_are_the_files_own_in_order(tmp_path: Path) -> None:
    """Many files are hashed by two threads: each file's SHA-256, in the files' order, None
    for a file that cannot be read."""
    from perfxl.consolidate import run

    files = []
    for i in range(70):
        f = tmp_path / f"f{i}.bin"
        f.write_bytes(os.urandom(i * 100 + 1))
        files.append(str(f))
    files.insert(40, str(tmp_path / "missing.bin"))
    want = [C.file_digest(p) if os.path.exists(p) else None for p in files]
    assert len(files) >= 64  # past the count hashed in one thread
    assert run._digests(files) == want and want[40] is None
    assert run._digests(files[:5]) == want[:5]


def test_an_entry_reloaded_to_be_rendered_again_is_checked(inbox: Path, tmp_path: Path) -> None:
    """`Cache.reload` (a moved folder: an entry's records rendered again) gives the records as
    reading gives them to `Cache.keep`, under the placeholder with the file's time now; an
    entry that is gone or corrupt gives None (the file is read again), never its bytes."""
    book = tmp_path / "910001.xlsx"
    shutil.copyfile(next(iter(sorted(inbox.glob("*.xlsx")))), book)
    cache = C.Cache.open(tmp_path / "cache", None, L.STANDARD)
    assert cache.reload(str(book)) is None  # no entry yet
    want = extract.extract_file(str(book), shown=C.PLACEHOLDER)
    extract.extract_cached(str(book), cache=cache)
    os.utime(book, (1_700_000_000, 1_700_000_000))
    got = cache.reload(str(book))
    assert got is not None and got.files[0].path == C.PLACEHOLDER
    assert got.files[0].mtime == 1_700_000_000
    assert [s.xml for s in got.submissions] == [None] * len(want.submissions)
    for g, w in zip(got.submissions, want.submissions, strict=True):
        assert (g.projects, g.indicators, g.problems) == (w.projects, w.indicators, w.problems)
    entry = _entries(tmp_path / "cache")[0]
    blob = bytearray(entry.read_bytes())
    blob[-1] ^= 0xFF
    entry.write_bytes(bytes(blob))
    assert cache.reload(str(book)) is None


def _said_once(stderr: str, folder: Path, what: str) -> None:
    """The note naming ``folder`` and what a run without a cache costs, on one line, once."""
    lines = [ln for ln in stderr.splitlines() if "本次不使用缓存" in ln]
    assert len(lines) == 1, stderr
    assert f"缓存文件夹 {folder} {what}" in lines[0]
    assert "重新汇总会较慢" in lines[0]


def test_a_cache_dir_that_cannot_be_made_is_said_once_and_the_run_goes_on(
    inbox: Path, tmp_path: Path
) -> None:
    from perfxl.cli import main

    folder = _copy(inbox, tmp_path / "inbox")
    (tmp_path / "a-file").write_bytes(b"not a folder")
    blocked = tmp_path / "a-file" / "cache"
    runner = CliRunner()
    r = runner.invoke(main, ["consolidate", str(folder), "-o", str(tmp_path / "a.xlsx"),
                             "--cache-dir", str(blocked), "--jobs", "2"])  # fmt: skip
    assert r.exit_code == 2, r.output  # broken.xlsx: 有文件无法读取
    _said_once(r.stderr, blocked, "无法创建（路径中有一项是文件，不是文件夹）")
    assert (tmp_path / "a-file").read_bytes() == b"not a folder"
    r = runner.invoke(main, ["consolidate", str(folder), "-o", str(tmp_path / "b.xlsx"),
                             "--no-cache", "--jobs", "1"])  # fmt: skip
    assert "本次不使用缓存" not in r.stderr
    assert parts(tmp_path / "a.xlsx") == parts(tmp_path / "b.xlsx")


def test_a_default_cache_folder_that_cannot_be_made_is_said_once(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfxl.cli import main

    folder = _copy(inbox, tmp_path / "inbox")
    where = tmp_path / "env" / "consolidate"  # the default folder: a file holds its name
    where.parent.mkdir()
    where.write_bytes(b"")
    monkeypatch.setenv(C.ENV, str(where.parent))
    r = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(tmp_path / "a.xlsx"),
                                  "--jobs", "1"])  # fmt: skip
    assert r.exit_code == 2, r.output  # broken.xlsx: 有文件无法读取
    _said_once(r.stderr, where, "无法创建（同名文件已存在，不是文件夹）")
    assert (tmp_path / "a.xlsx").is_file()


def test_a_writable_cache_folder_is_left_as_it_was_by_the_check(tmp_path: Path) -> None:
    cache = tmp_path / "new" / "cache"
    assert C.unusable(cache) is None
    assert cache.is_dir()
    assert list(cache.iterdir()) == []  # the file made to try it is gone


def _unwritable_folder(tmp_path: Path) -> tuple[Path, Callable[[], None]]:
    """A folder no file can be made in, and how to give it back: a 0o555 folder for a user;
    root writes in those, so for root a sysfs folder (/sys/kernel refuses every new file,
    EACCES, whoever asks)."""
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        return locked, lambda: locked.chmod(0o755)
    return Path("/sys/kernel"), lambda: None


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_read_only_cache_folder_is_said_once(inbox: Path, tmp_path: Path) -> None:
    folder = _copy(inbox, tmp_path / "inbox")
    locked, give_back = _unwritable_folder(tmp_path)
    before = sorted(locked.iterdir())
    try:
        result = _run(folder, tmp_path / "a.xlsx", locked, 1)
    finally:
        give_back()
    assert [n for n in result.notes if "本次不使用缓存" in n] == [
        f"缓存文件夹 {locked} 无法写入（没有写入权限）：本次不使用缓存，重新汇总会较慢。"
    ]
    assert sorted(locked.iterdir()) == before


def test_workers_render_the_summary_rows_only_for_a_cache(inbox: Path, tmp_path: Path) -> None:
    """A cache entry keeps the unit's 汇总 rows rendered (a later run splices them); a run
    without a cache leaves them to the parent (they cost a worker more than they save)."""
    from perfxl.consolidate.writer import RowsXml, style_map

    book = next(p for p in sorted(inbox.rglob("*.xlsx")))
    runs = {
        cached: extract.extract_cached(
            str(book),
            cache=C.Cache.open(tmp_path / "c", None, L.STANDARD) if cached else None,
            rows_xml=RowsXml((str(inbox),), style_map(), summary=cached),
        )
        for cached in (True, False)
    }
    for cached, got in runs.items():
        assert isinstance(got, C.Packed) and got.xml and got.xml[0] is not None
        assert got.xml[0].indicators is not None and got.xml[0].problems is not None
        assert (got.xml[0].summary is not None) is cached
