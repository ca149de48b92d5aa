"""Consolidate: find the files, read them in parallel, combine, write the summary."""

from __future__ import annotations

import gc
import os
import signal
from collections.abc import Callable, Container, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from perfxl import layout as L
from perfxl.consolidate import columns as K
from perfxl.consolidate.cache import unpacked
from perfxl.consolidate.combine import Consolidation, combine
from perfxl.consolidate.extract import extract_batch, extract_cached, warm_up
from perfxl.consolidate.records import Extracted, FileRecord
from perfxl.inputs import ADVISING_REASONS, discover, load_expected

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    from perfxl.config import Config
    from perfxl.consolidate.cache import Cache, Packed
    from perfxl.consolidate.spill import SpillStore
    from perfxl.consolidate.writer import RowsXml, RunInfo
    from perfxl.inputs import Found

Result = list["Extracted | Packed"]  # a chunk's results: `cache.unpacked` gives the records
Keep = Callable[[Result], list[Extracted]]  # what is done with some files' results, in order
Kept = Sequence["Extracted | Packed"]  # a chunk's results once kept (`Keep`: records)
Args = tuple[str | None, L.Layout, "Cache | None", "RowsXml | None", bool]
Task = Callable[..., Result]
T = TypeVar("T")


@dataclass
class Options:
    """How to consolidate.

    Attributes:
        expected: CSV of the units expected to submit (``单位编码,单位名称`` or
            ``unit_code,unit_name``; UTF-8 or GBK).
        jobs: worker processes; None for one per core, 1 to read in this process.
        config: validation config file.
        prefer: files to use for their unit whatever their saved and modification times.
        tables: folder for the CSV/Parquet tables.
        layout: the form the workbooks are read with (it goes to the worker processes).
        cache: folder of the per-file cache (`perfxl.consolidate.cache`); None reads every
            file afresh (the command passes the user's cache folder unless ``--no-cache``).
            A folder that cannot be made or written: the run goes on without a cache and
            the result's ``notes`` say so (`perfxl.consolidate.cache.unusable`).
        spill: from how many files on the rows of 指标明细 and 校验问题 are spilled to a
            temporary file beside the output while the run lasts (`perfxl.consolidate.spill`:
            memory flat in the number of files); None keeps them in memory (the Python API:
            the rows stay readable in the result). The command spills from `SPILL_FROM`.
            A spilled result's ``indicators``, ``problems`` and ``summary`` cannot be read
            once the run is over, and its ``chosen`` submissions keep no project rows.
    """

    expected: Path | None = None
    jobs: int | None = None
    config: Path | None = None
    prefer: Sequence[str] = field(default_factory=tuple)
    tables: Path | None = None
    layout: L.Layout = L.STANDARD
    cache: Path | None = None
    spill: int | None = None


@dataclass(frozen=True)
class ReadPlan:
    """How the files will be read: the progress display's estimate depends on it.

    Attributes:
        files: how many files.
        workers: processes reading them (1: in this process).
        chunk: files per task handed to a worker.
    """

    files: int
    workers: int
    chunk: int

    @property
    def first_round(self) -> int:
        """Files done once every worker has handed back its first task."""
        return min(self.files, self.workers * self.chunk)


SPILL_FROM = 50  # files (a county summary read as input holds many units): spilling costs no
# measurable CPU (31.4 s vs 31.6 s for 1,000 workbooks), below 50 files the rows take little room


def plan_for(files: int, jobs: int | None = None) -> ReadPlan:
    """Workers and chunk size for ``files`` files (``jobs`` None: one worker per core)."""
    n = jobs or os.cpu_count() or 1
    if n <= 1 or files < 4:
        return ReadPlan(files, 1, 1)
    return ReadPlan(files, min(n, files), chunk_size(files, n))


def read_all(
    files: Sequence[str],
    *,
    jobs: int | None = None,
    config: str | None = None,
    progress: Callable[[int], None] | None = None,
    expand: Container[str] | None = None,
    layout: L.Layout = L.STANDARD,
    cache: Cache | None = None,
    spill: SpillStore | None = None,
    rows_xml: RowsXml | None = None,
    rows: bool = True,
) -> list[Extracted]:
    """Extract every file, in parallel when ``jobs`` allows; results in the files' order.

    A worker process that dies (a reading library aborting on a damaged file) breaks the
    pool; the chunks it left unfinished are read again, each file in a child process of its
    own, so only the culprit is listed as 无法读取.

    ``progress`` is called with the number of files done each time some are (a chunk at a
    time in parallel). ``expand``: the files whose summaries are read (None: every file).
    ``layout``: the form the workbooks are read with. ``cache``: what earlier runs read
    (`perfxl.consolidate.cache`): a file found there by its bytes is not read again, and
    the files read are stored there. ``spill``: where each file's long rows go as soon as
    they arrive (`perfxl.consolidate.spill`). ``rows_xml``: the workers render each
    submission's long rows as the summary will hold them (`perfxl.consolidate.writer.RowsXml`);
    ``rows`` False: nothing else reads those rows (no tables), so a worker without a cache
    does not send the rows it rendered (`perfxl.consolidate.cache.packed`).
    """
    items = [(f, expand is None or f in expand) for f in files]
    keep = _keeper(spill, rows_xml, rows)
    args: Args = (config, layout, cache, rows_xml, rows)
    if cache is None:
        return _read(items, jobs, args, progress, keep)
    # The files without an entry go to the workers first; the entries are loaded here while
    # they read (a re-consolidation: thousands of hits, a few files read).
    digests = _digests([path for path, _ in items])
    stored = [i for i, d in enumerate(digests) if d is not None and cache.holds(d)]
    early = sorted(set(range(len(items))).difference(stored))
    hits: dict[int, Extracted] = {}

    def load() -> None:
        hits.update(_cached(items, stored, digests, cache, progress, keep, spill, rows_xml))

    got: dict[int, Extracted] = {}
    if early:
        todo = [items[i] for i in early]
        read = _read(todo, jobs, args, progress, keep, meanwhile=load if stored else None)
        got.update(zip(early, read, strict=True))
    else:
        load()
    late = [i for i in stored if i not in hits]  # an entry unsound, or rendered elsewhere
    if late:  # the workers render the entries' records again (the files read if unsound)
        todo = [items[i] for i in late]
        read = _read(todo, jobs, args, progress, keep, again=True)
        got.update(zip(late, read, strict=True))
    return [hits[i] if i in hits else got[i] for i in range(len(items))]


def _digests(paths: list[str]) -> list[str | None]:
    """`_digest` of every file, in order, by two threads when there are many (reading and
    hashing release the GIL: 2,000 workbooks in ~0.12 s instead of ~0.21 s)."""
    if len(paths) < 64:
        return [_digest(p) for p in paths]
    from concurrent.futures import ThreadPoolExecutor

    half = len(paths) // 2
    with ThreadPoolExecutor(2, thread_name_prefix="perfxl-digest") as pool:
        first, second = pool.map(_each_digest, (paths[:half], paths[half:]))
    return [*first, *second]


def _each_digest(paths: list[str]) -> list[str | None]:
    return [_digest(p) for p in paths]


def _digest(path: str) -> str | None:
    """The SHA-256 of the file (None when it cannot be read: a worker lists it as 无法读取,
    with the reason)."""
    from perfxl.consolidate.cache import file_digest

    try:
        return file_digest(path)
    except OSError:
        return None


def _keeper(spill: SpillStore | None, rows_xml: RowsXml | None = None, rows: bool = True) -> Keep:
    """What is done with some files' results (a chunk's) as they arrive: unpacked, and
    their long rows spilled when ``spill`` is given (the parent never holds them all).

    With ``rows_xml`` whose workers leave the 汇总 rows to the parent (`RowsXml.summary`
    False: no cache), the submissions' 汇总 rows are rendered here as their chunk arrives
    (`RowsXml.with_summaries`), while the workers read on: this process is nearly idle
    then, and once they are done the summary only splices the rows in (a superseded
    version's, or a unit's whose file other records count problems of, are simply not
    used). ``rows``: the 汇总 rows are read besides (tables): those made here to render
    are spilled for them too (`Submission.summary_rows`), not made a second time."""
    if spill is None:
        return lambda found: [unpacked(e) for e in found]
    from perfxl.consolidate.spill import spill_rows

    if rows_xml is None or rows_xml.summary:
        return lambda found: [spill_rows(unpacked(e, spill), spill) for e in found]
    render = partial(rows_xml.with_summaries, rows=spill if rows else None)

    def keep(found: Result) -> list[Extracted]:
        got = [unpacked(e, spill) for e in found]
        render(s for e in got for s in e.submissions)
        return [spill_rows(e, spill) for e in got]

    return keep


def _cached(
    items: list[tuple[str, bool]],
    stored: list[int],
    digests: list[str | None],
    cache: Cache,
    progress: Callable[[int], None] | None,
    keep: Keep,
    spill: SpillStore | None = None,
    rows_xml: RowsXml | None = None,
) -> dict[int, Extracted]:
    """The files the cache holds, by their index in ``items`` (``stored``: those with an
    entry; ``digests``: every file's SHA-256), loaded in this process: a hit costs one
    unpickling, less than handing it to a worker; with ``spill``, the long rows go to it
    without being unpickled.

    With ``rows_xml`` (the workers render the rows), an entry whose rendered rows were made
    under another name, input folder or working directory is left to a worker, which
    renders its records again as this run shows them and stores them so
    (`cache.rendered_again`): else the parent would render those rows on every later run
    (a moved folder, another working directory)."""
    keys = _keys(rows_xml)
    hits: dict[int, Extracted] = {}
    for i in stored:
        path, digest = items[i][0], digests[i]
        if digest is None:
            continue
        found = cache.load(path, digest, spill)
        if found is not None and (keys is None or _rendered_here(found, path, keys)):
            hits[i] = keep([found])[0]
    if hits and progress:
        progress(len(hits))
    return hits


def _keys(rows_xml: RowsXml | None) -> tuple[Any, ...] | None:
    """`RowsXml.key` of 指标明细, 校验问题 and 汇总 for this run (None: the workers render
    nothing)."""
    if rows_xml is None:
        return None
    from perfxl.consolidate import columns as K

    return rows_xml.key(K.INDICATORS), rows_xml.key(K.PROBLEMS), rows_xml.key(K.SUMMARY)


def _rendered_here(found: Extracted, path: str, keys: tuple[Any, ...]) -> bool:
    """Whether every submission of a cache hit whose rows the workers render carries them
    rendered under ``path`` and this run's ``keys`` (`_keys`)."""
    from perfxl.consolidate.extract import renders_rows

    for s in found.submissions:
        if not renders_rows(s):
            continue
        xml = s.xml
        if xml is None or xml.path != path:
            return False
        for key, done in zip(keys, (xml.indicators, xml.problems, xml.summary), strict=True):
            if done is not None and done[0] != key:
                return False
    return True


def _read(
    items: list[tuple[str, bool]],
    jobs: int | None,
    args: Args,
    progress: Callable[[int], None] | None,
    keep: Keep,
    meanwhile: Callable[[], None] | None = None,
    again: bool = False,
) -> list[Extracted]:
    """`read_all` of the files the cache did not hold (``args``: the config file, the
    layout, the cache, how rows are rendered and whether they are sent, handed to
    `extract_cached`); ``meanwhile`` is done in this process once the workers have their
    files (first, when there are no workers). ``again``: files whose entries hold rows
    rendered elsewhere, rendered again from them (`cache.rendered_again`)."""
    from perfxl.consolidate.cache import rendered_again, rendered_again_batch

    one, batch = (
        (rendered_again, rendered_again_batch) if again else (extract_cached, extract_batch)
    )
    config, layout, cache, rows_xml, rows = args
    plan = plan_for(len(items), jobs)
    if plan.workers <= 1:
        if meanwhile is not None:
            meanwhile()
        out: list[Extracted] = []
        found: Result = []  # kept a chunk at a time, as from workers (`_keeper`)
        step = chunk_size(len(items), 2)
        # reading makes short-lived cycles: collect them (at the threshold workers use)
        with collector(enabled=True), _thresholds(READING_GC):
            for path, exp in items:
                found.append(one(path, config, exp, layout, cache, rows_xml, rows))
                if len(found) >= step:
                    out.extend(keep(found))
                    found = []
                if progress:
                    progress(1)
            out.extend(keep(found))
        return out
    if meanwhile is None:  # imported once here; forked workers inherit the modules
        warm_up(config)
    # else this process has entries to load: the workers import them while it does (about
    # 0.2 s of CPU each, and 0.2 s less before the first entry is loaded)
    chunks = chunked(items, plan.chunk, plan.workers)
    done = _run_pool(batch, chunks, plan.workers, args, progress, keep, meanwhile)
    left = [i for i, d in enumerate(done) if d is None]
    if left:  # a worker died (a reader aborted): those chunks again, each file in its own child
        todo = [chunks[i] for i in left]
        isolated = _run_pool(extract_isolated, todo, plan.workers, args, progress, keep)
        for i, d in zip(left, isolated, strict=True):
            done[i] = d if d is not None else keep(extract_isolated(chunks[i], *args))
    return [unpacked(e) for chunk in done for e in chunk or ()]


def _run_pool(
    task: Task,
    chunks: list[list[tuple[str, bool]]],
    workers: int,
    args: Args,
    progress: Callable[[int], None] | None,
    keep: Keep | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list[Kept | None]:
    """``task(chunk, *args)`` over every chunk in a pool of ``workers`` processes; None for the
    chunks a dead worker took with it (a worker dying breaks the pool: every unfinished chunk
    is None). ``args``: the config file, the layout, the cache, how rows are rendered and
    whether they are sent;
    ``keep``: applied to each chunk's results as they arrive (None: only unpacked,
    `cache.unpacked`); ``meanwhile``: done here
    once every chunk is handed out (the workers read while it runs)."""
    done: list[Kept | None] = [None] * len(chunks)
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(chunks)),
        mp_context=pool_context(),
        initializer=_worker_init,
    )
    try:
        with _sigint_blocked():  # workers start with Ctrl-C ignored (the parent handles it)
            futures = {pool.submit(task, c, *args): i for i, c in enumerate(chunks)}
        if meanwhile is not None:
            meanwhile()
        for fut in as_completed(futures):
            i = futures.pop(fut)  # its result (every file of the chunk) is let go once kept
            try:
                result = fut.result()
            except BrokenProcessPool:
                continue
            done[i] = keep(result) if keep is not None else [unpacked(e) for e in result]
            if progress:
                progress(len(chunks[i]))
    except BaseException:  # Ctrl-C or a failure: stop the workers now, not after their work
        _stop(pool)
        raise
    pool.shutdown()
    return done


def pool_context() -> BaseContext:
    """How the workers start: forked where that is safe (this process runs no other Python
    thread: the workers start warm, with the modules `warm_up` imported), else spawned. A
    process with other threads (a Jupyter kernel, a web server, a test runner) may hold a
    lock in one of them at the fork, which the child would wait on forever (Python 3.12+
    warns so). Python's own count: a thread joined a moment ago (`_digests`' pair) is gone
    from it at once, while the system may list it a little longer."""
    import multiprocessing
    import threading

    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def extract_isolated(
    items: list[tuple[str, bool]],
    config: str | None = None,
    layout: L.Layout = L.STANDARD,
    cache: Cache | None = None,
    rows_xml: RowsXml | None = None,
    rows: bool = True,
) -> Result:
    """`extract_batch`, each file read in a child process of its own: a file whose reader
    kills its process is listed as 无法读取 and the others are read."""
    from perfxl.grid.isolate import ChildDied, call
    from perfxl.safety import reader_aborted

    out: Result = []
    for path, expand in items:
        try:
            out.append(call(extract_cached, path, config, expand, layout, cache, rows_xml, rows))
        except ChildDied as exc:
            why = reader_aborted(path, exc.exitcode)
            rec = FileRecord(path, K.UNREADABLE, note=why.message, advised=why.advises)
            out.append(Extracted(files=[rec]))
    return out


def _worker_init() -> None:
    """Workers are perfxl's own processes (`perfxl.heap.own`), ignore Ctrl-C (the parent
    stops them) and collect garbage, even when forked
    from a caller that paused the collector: not what they inherited (frozen: never walked,
    nor its pages copied by the walk) and only at `READING_GC`."""
    from perfxl import heap

    heap.own()  # a process of perfxl's own, reading many workbooks
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    gc.freeze()
    gc.set_threshold(*READING_GC)
    gc.enable()


# The collector's thresholds while files are read: reading a workbook frees nearly all it
# makes by reference counting, so at the default (700 allocations) the collector ran about
# twice per workbook for nothing found (0.4-0.5 ms of 17); at 5,000 it runs about once in
# 200 workbooks, the memory the same.
READING_GC = (5000, 20, 20)


@contextmanager
def _thresholds(values: tuple[int, int, int]) -> Iterator[None]:
    """The collector's thresholds set to ``values`` for a while, then as they were."""
    old = gc.get_threshold()
    gc.set_threshold(*values)
    try:
        yield
    finally:
        gc.set_threshold(*old)


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT held back while workers are forked (they inherit the mask, not the handler);
    a Ctrl-C in that moment reaches this process right after."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what is queued and end the worker processes at once (not after their work).

    The executor's internals are reached for because its public API only waits: the workers,
    the result pipe and the thread that reads it (CPython 3.11-3.13 names).
    """
    procs = list((getattr(pool, "_processes", None) or {}).values())
    results = getattr(pool, "_result_queue", None)
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.join(timeout=1)
    # A worker killed while sending leaves half a message in the pipe; once this process's
    # copy of the pipe's write end is closed too, the reader sees the end instead of waiting.
    writer = getattr(results, "_writer", None)
    if writer is not None:
        writer.close()
    if manager is not None:
        manager.join(timeout=1)


def chunk_size(files: int, workers: int) -> int:
    """Files per task: enough to make the per-task cost (a pickle round trip) negligible,
    few enough that every worker gets several chunks and none is left with a long tail."""
    return max(1, min(16, files // (workers * 8)))


def chunked(items: list[T], chunk: int, workers: int) -> list[list[T]]:
    """``items`` in tasks of ``chunk`` (`chunk_size`), shrinking towards the end: a task is
    at most a ``2 * workers``-th of what is left, so the workers' last tasks are a file or
    two and they finish together (with tasks of 16 to the end, one worker idled for half a
    task's time on average while the other finished its last)."""
    out: list[list[T]] = []
    i, n = 0, len(items)
    while i < n:
        size = min(chunk, max(1, -(-(n - i) // (2 * workers))))
        out.append(items[i : i + size])
        i += size
    return out


def schedule_for(config: object | None) -> tuple[float, ...]:
    """序时进度 per checkpoint from the config (checkpoint months and calendar)."""
    from perfxl.config import default_config
    from perfxl.model import PLAN_KEYS
    from perfxl.rules.progress import elapsed_percent

    cfg = config or default_config()
    months = getattr(cfg, "checkpoints", {"mar": 3, "jun": 6, "oct": 10, "dec": 12})
    how = getattr(cfg, "calendar", "months")
    return tuple(round(elapsed_percent(months[k], how, None), 2) for k in PLAN_KEYS)


def consolidate(
    inputs: Sequence[str | Path],
    out: Path,
    options: Options | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    on_found: Callable[[ReadPlan], None] | None = None,
) -> Consolidation:
    """Consolidate the workbooks (and summaries) in ``inputs`` into the summary ``out``.

    An input that does not exist, or a folder without a workbook, is listed as 无法读取 and
    the others go on. ``out`` is never read as an input, and a summary found in a folder is
    reported, not read (name it as an input to consolidate summaries).

    Raises:
        DataError: no workbook at all among the inputs, or the expected-units list is unusable.
        WriteError: ``out`` is open in Excel/WPS or not writable (checked before any reading).
        ConfigError: the config file is unusable.
        WriteError: the summary cannot be written.
    """
    # The collector is paused while millions of rows (tuples, no cycles) are held: each full
    # collection walks every live object, costing seconds and freeing nothing.
    with collector(enabled=False):
        return _consolidate(inputs, out, options, progress=progress, on_found=on_found)


@contextmanager
def collector(*, enabled: bool) -> Iterator[None]:
    """The cyclic garbage collector switched on or off for a while, then as it was."""
    was = gc.isenabled()
    if enabled:
        gc.enable()
    else:
        gc.disable()
    try:
        yield
    finally:
        if was:
            _enable_collector()
        else:
            gc.disable()


def _enable_collector() -> None:
    """The collector switched back on after a run that paused it, without walking what the
    run made: every object made while it was paused sits in the youngest generation, so the
    first allocation after `gc.enable` would walk them all (millions of rows: 0.14 s for
    2,000 workbooks, freeing nothing). Frozen and unfrozen, they join the oldest generation
    instead, still collectable, walked at its next collection. Left as they are when the
    caller froze objects itself (`gc.unfreeze` would thaw those too)."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
    gc.enable()


def _consolidate(
    inputs: Sequence[str | Path],
    out: Path,
    options: Options | None,
    *,
    progress: Callable[[int], None] | None,
    on_found: Callable[[ReadPlan], None] | None,
) -> Consolidation:
    from perfxl.write.patch.safeio import check_target

    opt = options or Options()
    check_target(out)  # a locked or read-only output fails now, not after reading every file
    result, info = gather(
        inputs, opt, exclude=[out], progress=progress, on_found=on_found, spill_beside=out.parent
    )
    try:
        write_outputs(result, out, info, opt)
    finally:
        if result.spill is not None:  # the spilled rows are read: the temporary file goes
            result.spill.close()
    return result


def write_outputs(result: Consolidation, out: Path, info: RunInfo, opt: Options) -> None:
    """The summary (and the tables) of ``result`` written."""
    from perfxl.consolidate.writer import write_summary

    if result.stage == "monitoring":
        from perfxl.consolidate.monitor_writer import write_monitoring_summary

        write_monitoring_summary(result, out, info)
    elif result.stage == "evaluation":
        from perfxl.consolidate.eval_writer import write_evaluation_summary

        write_evaluation_summary(result, out, info)
    else:
        write_summary(result, out, info)
    if opt.tables is not None:
        from perfxl.consolidate.tables import write_tables
        from perfxl.outputs import wrote

        wrote(out)  # a Ctrl-C while the tables are written says the summary is new

        result.notes.extend(write_tables(result, opt.tables)[1])


def gather(
    inputs: Sequence[str | Path],
    options: Options | None = None,
    *,
    exclude: Sequence[str | Path] = (),
    progress: Callable[[int], None] | None = None,
    on_found: Callable[[ReadPlan], None] | None = None,
    spill_beside: Path | None = None,
) -> tuple[Consolidation, RunInfo]:
    """Find, read and combine the inputs: the county's tables, and what the 说明 sheet tells
    about the run; nothing is written.

    With ``options.spill`` files or more, the long rows are spilled to a temporary folder in
    ``spill_beside`` (None: the system's temp folder): the result's ``spill``, which the
    caller closes once the rows are written; on any failure (Ctrl-C included) it is removed
    here.

    Raises:
        DataError: no workbook at all among the inputs, nothing to sum (every workbook
            listed as of another stage), monitoring workbooks of different months,
            self-evaluation workbooks of different scoring profiles, the expected-units
            list is unusable, a ``--prefer`` file is not among the inputs (`preferred`), is
            no unit's version (unreadable, not ours, another stage, a summary: `combine`), or
            two name versions of one unit.
        ConfigError: the config file is unusable.
    """
    from perfxl.consolidate.writer import RunInfo

    opt = options or Options()
    found = discover(inputs, exclude=exclude)
    if not found.files:
        raise found.nothing_found()
    files = found.files
    prefer = preferred(found, opt.prefer)  # a --prefer not among the inputs fails here
    expected = load_expected(opt.expected) if opt.expected else None
    config = None
    if opt.config is not None:
        from perfxl.config import load_config

        config = load_config(opt.config)  # fails early, before the workers start
    cache = None
    notes = [n for n in (found.backups_note(),) if n]
    if opt.cache is not None:
        from perfxl.consolidate.cache import Cache, unusable

        why = unusable(opt.cache)  # a folder that cannot be written: no cache, said once
        if why is None:
            cache = Cache.open(opt.cache, str(opt.config) if opt.config else None, opt.layout)
        else:
            notes.append(why)
    if on_found:
        on_found(plan_for(len(files), opt.jobs))
    store = None
    if opt.spill is not None and len(files) >= opt.spill:
        from perfxl.consolidate.spill import SpillStore

        store = SpillStore(spill_beside)
        store.reader = _reader(opt)
    rows_xml = None
    if store is not None:  # the summary will splice in the rows the workers render
        from perfxl.consolidate.writer import RowsXml, style_map

        rows_xml = RowsXml(tuple(str(i) for i in inputs), style_map(), cache is not None)
    try:
        result = _combined(found, opt, prefer, config, expected, cache, progress, store, rows_xml)
    except BaseException:
        if store is not None:
            store.close()
        raise
    result.spill = store
    result.notes[:0] = notes
    info = RunInfo(
        inputs=[str(i) for i in inputs],
        expected=str(opt.expected) if opt.expected else None,
        config=str(opt.config) if opt.config else None,
        prefer=prefer,
    )
    return result, info


def preferred(found: Found, prefer: Sequence[str]) -> list[str]:
    """The inputs ``--prefer`` names, as discovery spelled them.

    A ``--prefer`` that is not among the inputs would decide nothing, and the run would
    choose by time what the reviewer meant to choose by hand: it is refused before any file
    is read (two that name versions of one unit are refused once the units are known,
    `perfxl.consolidate.combine.choose_versions`).

    Raises:
        DataError: a ``--prefer`` file is not among the files found, naming it.
    """
    from perfxl.errors import DataError

    among = {os.path.realpath(f) for f in found.files}
    backups = {os.path.realpath(f) for f in found.backups}
    for p in prefer:
        real = os.path.realpath(p)
        if real in among:
            continue
        why = (
            "它是文件夹中 perfxl 的备份文件（*.bak.xlsx），不读入；如确要采用，请把它直接列为输入"
            if real in backups
            else "请把它列为输入（或放入所给的文件夹），或者去掉这个 --prefer"
        )
        raise DataError(
            f"--prefer 指定的文件不在本次汇总的输入中：{why}。未写出汇总表。", path=str(p)
        )
    wanted = {os.path.realpath(p) for p in prefer}
    return [f for f in found.files if os.path.realpath(f) in wanted]


def _reader(opt: Options) -> Callable[[str], Extracted]:
    """How this run reads one file in this process (`SpillStore.reader`: rows a worker
    rendered and did not send, read again should anything read them)."""

    from perfxl.consolidate.extract import extract_file

    config = str(opt.config) if opt.config else None
    return partial(extract_file, config_path=config, layout=opt.layout)


def _combined(
    found: Found,
    opt: Options,
    prefer: list[str],
    config: Config | None,
    expected: list[tuple[str, str | None]] | None,
    cache: Cache | None,
    progress: Callable[[int], None] | None,
    store: SpillStore | None,
    rows_xml: RowsXml | None = None,
) -> Consolidation:
    """`gather`'s reading and combining."""
    extracted = read_all(
        found.files,
        jobs=opt.jobs,
        config=str(opt.config) if opt.config else None,
        progress=progress,
        expand=found.explicit,
        layout=opt.layout,
        cache=cache,
        spill=store,
        rows_xml=rows_xml,
        rows=opt.tables is not None,  # else only the summary reads them: spliced as rendered
    )
    extracted.extend(
        Extracted(files=[FileRecord(p, K.UNREADABLE, note=why, advised=why in ADVISING_REASONS)])
        for p, why in found.unusable
    )
    from perfxl.consolidate.eval_combine import (
        evaluation_run,
        evaluation_tables,
        without_evaluation,
    )
    from perfxl.consolidate.monitor_combine import (
        monitor_tables,
        monitoring_run,
        without_monitoring,
    )

    evaluation = evaluation_run(extracted)  # every workbook a 自评表 of one profile
    if not evaluation:
        without_evaluation(extracted)
    monitoring = not evaluation and monitoring_run(extracted)  # every one a 监控表 of one month
    if monitoring:  # the self-evaluation workbooks' verdicts (a worker's) name the summed kind
        from perfxl.stages import MONITORING, for_summed

        for f in (f for e in extracted for f in e.files if f.status == K.EVALUATION_SKIPPED):
            f.note = for_summed(f.note, MONITORING)
    if not monitoring and not evaluation:
        _refuse_only_monitoring(extracted)
        without_monitoring(extracted)
    result = combine(
        extracted,
        expected=expected,
        prefer=prefer,
        schedule=schedule_for(config),
        layout=opt.layout,
        summary_rows=opt.tables is not None,  # else only the summary reads them
    )
    if monitoring:
        monitor_tables(result)
    if evaluation:
        evaluation_tables(result)
    return result


def _refuse_only_monitoring(extracted: Sequence[Extracted]) -> None:
    """Every input a 绩效运行监控表: nothing to sum, and no summary is written (exit 2).

    Raises:
        DataError: with each file's verdict.
    """
    from perfxl.errors import DataError

    records = [f for e in extracted for f in e.files]
    skipped = (K.MONITORING_SKIPPED, K.EVALUATION_SKIPPED)
    if not records or any(f.status not in skipped for f in records):
        return
    first = records[0].note
    more = f"（共 {len(records)} 个监控表）" if len(records) > 1 else ""
    raise DataError(f"没有可汇总的绩效目标表：{first}{more}", path=records[0].path)
