"""Rows spilled to disk (`perfxl.consolidate.spill`): the summary and the tables are the same
as when every row stays in memory, with 1 or 2 jobs; the temporary folder is gone after the
run, after a failure and after Ctrl-C."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from books import csv_and_cells
from books import parts as _parts
from click.testing import CliRunner
from conftest import county_demo_made

from perfxl.consolidate import Options, consolidate, run
from perfxl.consolidate.columns import SummaryRow
from perfxl.consolidate.spill import PREFIX, Chain, SpillStore

pytestmark = pytest.mark.usefixtures("fixed_clock")  # two runs' summaries compared


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few dozen workbooks: the county demo (two versions of one unit, planted mistakes,
    a missing unit) three times over in dated subfolders (every unit in three versions, the
    newest chosen by file time), a broken file and a workbook that is not ours."""
    root = tmp_path_factory.mktemp("spill")
    demo = root / "demo"
    county_demo_made(demo, n_projects=8)
    folder = root / "inbox"
    stamp = 1_680_000_000
    for k in range(3):
        sub = folder / f"round{k}"
        sub.mkdir(parents=True)
        for f in sorted(demo.glob("*.xlsx")):
            shutil.copyfile(f, sub / f.name)
            stamp += 60
            os.utime(sub / f.name, (stamp, stamp))
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    shutil.copyfile(demo / "units.csv", root / "units.csv")
    return folder


def _spills(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{PREFIX}*"))


def _books(inbox: Path) -> int:
    return len(list(inbox.rglob("*.xlsx")))


def test_spilled_summary_and_tables_identical_to_in_memory(inbox: Path, tmp_path: Path) -> None:
    assert _books(inbox) >= 30
    units = inbox.parent / "units.csv"
    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    ref = consolidate(
        [inbox], ref_dir / "sum.xlsx", Options(jobs=1, expected=units, tables=ref_dir / "t")
    )
    assert ref.spill is None and isinstance(ref.problems, list)
    assert len(ref.problems) > 100 and len(ref.indicators) > 100 and ref.superseded
    want = _parts(ref_dir / "sum.xlsx")
    want_tables = {p.name: p.read_bytes() for p in (ref_dir / "t").iterdir()}
    for jobs in (1, 2):
        out_dir = tmp_path / f"spill{jobs}"
        out_dir.mkdir()
        got = consolidate(
            [inbox],
            out_dir / "sum.xlsx",
            Options(jobs=jobs, expected=units, tables=out_dir / "t", spill=0),
        )
        assert isinstance(got.problems, Chain) and isinstance(got.indicators, Chain)
        assert isinstance(got.summary, Chain) and len(got.summary) == len(ref.summary)
        assert got.spill is not None and not got.spill.folder.exists()
        assert len(got.problems) == len(ref.problems)
        assert len(got.indicators) == len(ref.indicators)
        assert (got.error_count, got.warning_count) == (ref.error_count, ref.warning_count)
        assert got.exit_code == ref.exit_code
        parts = _parts(out_dir / "sum.xlsx")
        assert parts.keys() == want.keys()
        for name in want:
            assert parts[name] == want[name], (jobs, name)
        assert {p.name: p.read_bytes() for p in (out_dir / "t").iterdir()} == want_tables
        assert _spills(out_dir) == []


def test_the_command_spills_from_its_threshold(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfxl.cli import main

    ref = tmp_path / "ref.xlsx"
    consolidate([inbox], ref, Options(jobs=1))
    seen: list[SpillStore | None] = []
    real = run.write_outputs

    def spy(result: Any, *args: Any) -> None:
        seen.append(result.spill)
        assert result.spill is not None and result.spill.folder.parent == tmp_path
        assert result.spill.size > 0  # the rows are on disk while the summary is written
        real(result, *args)

    monkeypatch.setattr(run, "SPILL_FROM", 10)
    monkeypatch.setattr(run, "write_outputs", spy)
    out = tmp_path / "cmd.xlsx"
    res = CliRunner().invoke(
        main, ["consolidate", str(inbox), "-o", str(out), "--jobs", "2", "--no-cache"]
    )
    assert res.exit_code == 2, res.output  # the broken file
    assert len(seen) == 1
    assert _parts(out) == _parts(ref)
    assert _spills(tmp_path) == []


@pytest.mark.parametrize("where", ["reading", "writing"])
@pytest.mark.parametrize("exc", [KeyboardInterrupt, OSError])
def test_the_spill_is_removed_on_failure_and_ctrl_c(
    inbox: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    exc: type[BaseException],
) -> None:
    made: list[SpillStore] = []
    real_init = SpillStore.__init__

    def tracked(self: SpillStore, beside: Path | None = None) -> None:
        real_init(self, beside)
        made.append(self)

    monkeypatch.setattr(SpillStore, "__init__", tracked)

    def fail(*args: Any, **kwargs: Any) -> None:
        assert made and made[0].folder.is_dir() and made[0].size > 0
        raise exc("stopped")

    if where == "reading":
        monkeypatch.setattr(run, "combine", fail)
    else:
        monkeypatch.setattr(run, "write_outputs", fail)
    with pytest.raises(exc):
        consolidate([inbox], tmp_path / "sum.xlsx", Options(jobs=1, spill=0))
    assert len(made) == 1 and not made[0].folder.exists()
    assert _spills(tmp_path) == []
    assert not (tmp_path / "sum.xlsx").exists()


def test_no_spill_below_the_threshold(inbox: Path, tmp_path: Path) -> None:
    got = consolidate([inbox], tmp_path / "sum.xlsx", Options(jobs=1, spill=10_000))
    assert got.spill is None and isinstance(got.problems, list)


def test_chain_and_spilled_read_back_in_order(tmp_path: Path) -> None:
    with SpillStore(tmp_path) as store:
        a = store.put([("a", 1), ("b", 2)])
        empty = store.put([])
        b = store.put([("c", 3.5)])
        rows: Chain[tuple[Any, ...]] = Chain([a, empty])
        rows.extend(b)
        rows.append(("d", None))
        assert len(rows) == 4 and len(a) == 2 and len(empty) == 0
        assert list(rows) == [("a", 1), ("b", 2), ("c", 3.5), ("d", None)]
        assert rows[2] == ("c", 3.5) and rows[-1] == ("d", None) and rows[1:3] == list(rows)[1:3]
        assert a == [("a", 1), ("b", 2)] and rows == list(rows)
        with pytest.raises(IndexError):
            rows[4]
        # Rows of one named-tuple class go by columns, and come back of that class.
        named = [SummaryRow(*(f"{i}-{j}" if j % 3 else i for j in range(22))) for i in range(5)]
        mixed = [named[0], ("x", 1)]
        got = [list(store.put(r)) for r in (named, mixed)]
        assert got == [named, mixed] and all(type(r) is SummaryRow for r in got[0])
        assert type(got[1][0]) is SummaryRow and type(got[1][1]) is tuple
        folder = store.folder
        assert folder.parent == tmp_path and folder.is_dir()
    assert not folder.exists()
    with pytest.raises(RuntimeError):
        list(a)


def test_rows_the_summary_splices_are_not_sent_without_tables(inbox: Path, tmp_path: Path) -> None:
    """Without tables and without a cache, a worker sends no 指标明细 or 校验问题 rows it
    rendered (only their counts): the summary splices the XML, the same summary as in
    memory, and no file is read a second time. The unit's 汇总 rows come rendered: by
    the parent as each file arrives (no cache; one job: as each file is read), by the
    worker when a cache keeps them (a cold run filling one)."""
    from perfxl.consolidate.spill import Reread

    units = inbox.parent / "units.csv"
    ref = tmp_path / "ref.xlsx"
    consolidate([inbox], ref, Options(jobs=1, expected=units))
    for jobs in (1, 2):
        out = tmp_path / f"sum{jobs}.xlsx"
        got = consolidate([inbox], out, Options(jobs=jobs, expected=units, spill=0))
        assert _parts(out) == _parts(ref), jobs
        assert got.spill is not None and got.spill.again == {}  # nothing read again
        handles = [h for s in got.chosen if s.spilled for h in s.spilled]
        assert handles and all(isinstance(h, Reread) for h in handles if len(h)), jobs
        # no cache: the parent rendered the 汇总 rows while the workers read on
        _summary_spliced(got)
        cached = tmp_path / f"cached{jobs}.xlsx"
        opt = Options(jobs=jobs, expected=units, spill=0, cache=tmp_path / f"cache{jobs}")
        got = consolidate([inbox], cached, opt)  # a cold run that fills a cache
        assert _parts(cached) == _parts(ref), jobs
        _summary_spliced(got)


def _summary_spliced(got: Any) -> None:
    """Every unit's 汇总 rows come as its worker rendered them (a handle with their XML, the
    rows themselves never made: `Reread`), but for the units whose problem counts a
    cross-file problem adds to (a project code two units use): made and rendered here."""
    from perfxl.consolidate.spill import Reread

    parts = got.summary.parts
    assert len(parts) == len(got.chosen)
    named = {
        r.source_file for r in got.problems.parts[-1] if r.rule == "consolidate.duplicate_code"
    }
    assert len(named) == 2
    for s, part in zip(got.chosen, parts, strict=True):
        if s.file.path in named:
            assert part.xml is None and not isinstance(part, Reread), s.file.path
        else:
            assert part.xml is not None and isinstance(part, Reread), s.file.path


def test_rows_not_sent_are_read_again_when_something_reads_them(
    inbox: Path, tmp_path: Path
) -> None:
    """Rows a worker rendered and did not send are read from the file again should anything
    read them (here: the rendered XML set aside, so the writer renders the rows itself):
    the same summary; a file changed since it was read is refused, never misread."""
    from perfxl.errors import DataError

    folder = tmp_path / "inbox"
    shutil.copytree(inbox, folder)
    ref = tmp_path / "ref.xlsx"
    consolidate([folder], ref, Options(jobs=1))
    result, info = run.gather([folder], Options(jobs=2, spill=0), spill_beside=tmp_path)
    assert result.spill is not None
    try:
        parts = [
            *result.indicators.parts,  # type: ignore[union-attr]
            *result.problems.parts,  # type: ignore[union-attr]
            *result.summary.parts,  # type: ignore[union-attr]
        ]
        assert sum(getattr(p, "xml", None) is not None for p in parts) >= 8
        # no cache: the parent rendered the 汇总 rows as the files arrived
        assert sum(p.xml is not None for p in result.summary.parts) >= 6  # type: ignore[union-attr]
        for p in parts:
            if getattr(p, "xml", None) is not None:
                p.xml = None  # type: ignore[union-attr]
        out = tmp_path / "again.xlsx"
        run.write_outputs(result, out, info, Options())
        assert _parts(out) == _parts(ref)
        assert result.spill.again  # read again, in this process
        result.spill.again.clear()
        s = next(s for s in result.chosen if s.spilled and len(s.spilled[1]))
        with open(s.file.path, "ab") as fh:  # other bytes: another version
            fh.write(b"\0")
        with pytest.raises(DataError, match="汇总过程中文件被改动"):
            list(s.spilled[1])
    finally:
        result.spill.close()


def test_summary_rows_not_made_are_read_again_when_something_reads_them(
    inbox: Path, tmp_path: Path
) -> None:
    """A cold run filling a cache: the workers render the units' 汇总 rows, which the run
    does not make (`spill.Reread`); set aside, the writer makes them from the files again:
    the same summary."""
    ref = tmp_path / "ref.xlsx"
    consolidate([inbox], ref, Options(jobs=1))
    opt = Options(jobs=2, spill=0, cache=tmp_path / "cache")
    result, info = run.gather([inbox], opt, spill_beside=tmp_path)
    assert result.spill is not None
    try:
        summary = result.summary.parts  # type: ignore[union-attr]
        assert sum(p.xml is not None for p in summary) >= 6
        for p in summary:
            p.xml = None
        out = tmp_path / "again.xlsx"
        run.write_outputs(result, out, info, Options())
        assert _parts(out) == _parts(ref)
        assert result.spill.again  # read again, in this process
    finally:
        result.spill.close()


@pytest.mark.parametrize("cached", [False, True])
def test_tables_take_the_summary_rows_made_for_the_sheet(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached: bool
) -> None:
    """A spilled run writing tables makes each unit's 汇总 rows once, for the summary and the
    tables alike: no more often than a run without tables; and projects.csv holds the
    sheet's cells. Without a cache the parent makes them as it renders them while the
    workers read on; a first run filling a cache (``cached``) makes them in the worker that
    renders them into the cache entry, which hands them to the parent for the tables."""
    from collections import Counter

    from perfxl.consolidate import columns as K
    from perfxl.consolidate import combine

    made: Counter[str] = Counter()
    unit_summary = combine.unit_summary

    def counted(s: Any, *args: Any) -> list[SummaryRow]:
        made[s.file.path] += 1
        return unit_summary(s, *args)

    def cache(name: str) -> Path | None:  # each run fills a cache of its own
        return tmp_path / name if cached else None

    monkeypatch.setattr(combine, "unit_summary", counted)
    consolidate([inbox], tmp_path / "plain.xlsx", Options(jobs=1, spill=0, cache=cache("c1")))
    plain, made = made, Counter()
    out = tmp_path / "sum.xlsx"
    opt = Options(jobs=1, spill=0, tables=tmp_path / "t", cache=cache("c2"))
    got = consolidate([inbox], out, opt)
    assert made == plain and max(made.values()) <= 2  # twice: a unit a cross-file problem counts
    assert sum(made[s.file.path] == 1 for s in got.chosen) >= 6
    if cached:  # the rows went to the parent, not into the entries: as a run without tables
        entries = [
            {p.name: p.read_bytes() for p in (tmp_path / c).rglob("*.pxc")} for c in ("c1", "c2")
        ]
        assert entries[0] == entries[1] and len(entries[0]) >= 10
    rows, cells = csv_and_cells(tmp_path / "t" / "projects.csv", out, K.SUMMARY.sheet)
    assert len(rows) == len(cells) > len(got.chosen) + 1
    source = K.SUMMARY.index("source_file")  # the summary's is relative to the input folder
    for row, cell in zip(rows[1:], cells[1:], strict=True):
        shown = ["" if v is None else str(v) for v in cell]
        assert row[:source] + row[source + 1 :] == shown[:source] + shown[source + 1 :]
        assert row[source].endswith(shown[source])
