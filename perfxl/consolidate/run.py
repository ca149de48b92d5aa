"""Consolidate: find the files, read them in parallel, combine, write the summary."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from perfxl.consolidate.combine import Consolidation, combine
from perfxl.consolidate.discover import find_inputs, load_expected
from perfxl.consolidate.extract import extract_file, warm_up
from perfxl.consolidate.records import Extracted


@dataclass
class Options:
    """How to consolidate.

    Attributes:
        expected: CSV of the units expected to submit (``unit_code,unit_name``).
        jobs: worker processes; None for one per core, 1 to read in this process.
        config: validation config file.
        prefer: files to use for their unit whatever their modification time.
        tables: folder for the CSV/Parquet tables.
    """

    expected: Path | None = None
    jobs: int | None = None
    config: Path | None = None
    prefer: Sequence[str] = field(default_factory=tuple)
    tables: Path | None = None


def read_all(
    files: Sequence[str],
    *,
    jobs: int | None = None,
    config: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Extracted]:
    """Extract every file, in parallel when ``jobs`` allows; results in the files' order."""
    work = partial(extract_file, config_path=config)
    n = jobs or os.cpu_count() or 1
    if n <= 1 or len(files) < 4:
        with _collector(enabled=True):  # reading makes short-lived cycles: collect them
            return list(_tick(map(work, files), progress))
    warm_up()  # imported once here; forked workers inherit the modules
    # gc.enable: workers collect as usual even when forked from a caller that paused it.
    with ProcessPoolExecutor(max_workers=min(n, len(files)), initializer=gc.enable) as pool:
        return list(_tick(pool.map(work, files, chunksize=chunk_size(len(files), n)), progress))


def chunk_size(files: int, workers: int) -> int:
    """Files per task: enough to make the per-task cost (a pickle round trip) negligible,
    few enough that every worker gets several chunks and none is left with a long tail."""
    return max(1, min(16, files // (workers * 8)))


def _tick(it: Iterator[Extracted], progress: Callable[[int], None] | None) -> Iterator[Extracted]:
    for e in it:
        if progress:
            progress(1)
        yield e


def schedule_for(config: object | None) -> tuple[float, ...]:
    """序时进度 per checkpoint from the config (checkpoint months and calendar)."""
    from perfxl.model import PLAN_KEYS

    try:
        from perfxl.config import default_config
        from perfxl.rules.progress import elapsed_percent
    except ImportError:  # pragma: no cover - validation not installed
        return (25.0, 50.0, 10 / 12 * 100, 100.0)
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
    on_found: Callable[[int], None] | None = None,
) -> Consolidation:
    """Consolidate the workbooks (and summaries) in ``inputs`` into the summary ``out``.

    Raises:
        DataError: an input or the expected-units list is missing or unusable.
        ConfigError: the config file is unusable.
        WriteError: the summary cannot be written.
    """
    # The collector is paused while millions of rows (tuples, no cycles) are held: each full
    # collection walks every live object, costing seconds and freeing nothing.
    with _collector(enabled=False):
        return _consolidate(inputs, out, options, progress=progress, on_found=on_found)


@contextmanager
def _collector(*, enabled: bool) -> Iterator[None]:
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
            gc.enable()
        else:
            gc.disable()


def _consolidate(
    inputs: Sequence[str | Path],
    out: Path,
    options: Options | None,
    *,
    progress: Callable[[int], None] | None,
    on_found: Callable[[int], None] | None,
) -> Consolidation:
    from perfxl.consolidate.writer import RunInfo, write_summary

    opt = options or Options()
    files = find_inputs(inputs)
    expected = load_expected(opt.expected) if opt.expected else None
    config = None
    if opt.config is not None:
        from perfxl.config import load_config

        config = load_config(opt.config)  # fails early, before the workers start
    if on_found:
        on_found(len(files))
    extracted = read_all(
        files, jobs=opt.jobs, config=str(opt.config) if opt.config else None, progress=progress
    )
    wanted = {os.path.realpath(p) for p in opt.prefer}
    prefer = [f for f in files if os.path.realpath(f) in wanted]
    result = combine(extracted, expected=expected, prefer=prefer, schedule=schedule_for(config))
    info = RunInfo(
        inputs=[str(i) for i in inputs],
        expected=str(opt.expected) if opt.expected else None,
        config=str(opt.config) if opt.config else None,
        prefer=prefer,
    )
    write_summary(result, out, info)
    if opt.tables is not None:
        from perfxl.consolidate.tables import write_tables

        write_tables(result, opt.tables)
    return result
