"""Atomic file output: write beside the target, then rename over it.

Every file perfxl writes goes through here or through the patch engine's
:mod:`perfxl.write.patch.safeio` (the same temp-file scheme): a run that fails or is
interrupted leaves the old file or the new one, never half of one, and no temp file.
The new file gets the user's umask (or the replaced file's mode), not ``mkstemp``'s 0600.
A write the OS refuses (disk full, read-only disk, a name too long) is a
``TargetNotWritableError`` naming the target (`perfxl.write.patch.safeio.write_refused`).
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

from perfxl.write.patch.safeio import (
    check_target,
    done_with_temp,
    keep_replaced,
    lock,
    new_temp,
    output_mode,
    remove_stale,
    stamp_file,
    write_refused,
)


def check_writable(path: Path) -> None:
    """Refuse to write a workbook that Excel, WPS or LibreOffice has open, or a read-only one.

    Raises:
        WriteError: with the reason, naming the file.
    """
    check_target(path)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``; renamed over it only when the block succeeds."""
    check_writable(target)
    remove_stale(target)  # left by a killed run
    fd, tmp = new_temp(target)
    try:
        try:
            lock(fd)  # a concurrent run's remove_stale leaves a temp in use alone
            if os.name != "posix":  # Windows cannot rename a file held open
                os.close(fd)
                fd = -1
            yield tmp
            stamp_file(tmp, target)  # asked for by stamped_as (this command's own output)
        except OSError as exc:
            if not _about(exc, tmp):
                raise  # reading another file failed: not this write's to explain
            _release_writer(exc)
            raise write_refused(exc, target) from exc
        try:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp, output_mode(target))
            keep_replaced(target)  # asked for by backup_replaced (template --overwrite)
            os.replace(tmp, target)
        except OSError as exc:
            raise write_refused(exc, target) from exc
    finally:
        if fd >= 0:
            os.close(fd)
        done_with_temp(tmp)


def _release_writer(exc: OSError) -> None:
    """Close, quietly and now, what a writer that failed on a full disk left open on the temp
    file: openpyxl's ``ZipFile`` would otherwise flush again when collected at exit and print
    ``Exception ignored … No space left on device`` under the Chinese message."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        traceback.clear_frames(exc.__traceback__)  # the writer's finished frames hold it
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _about(exc: OSError, tmp: Path) -> bool:
    """Whether ``exc``, raised while a writer filled ``tmp``, is about writing it: it names
    ``tmp`` or no file at all (a full disk fails ``write``, which names none)."""
    if exc.filename is None:
        return True
    try:
        return Path(os.fsdecode(exc.filename)) == tmp
    except TypeError:  # a descriptor, not a name
        return False


def write_atomic(target: Path, writer: Callable[[Path], None]) -> None:
    """Call ``writer(tmp)`` and move the result over ``target``."""
    with atomic_path(target) as tmp:
        writer(tmp)


def write_text_atomic(target: Path, text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)


def copy_atomic(src: Path, target: Path) -> None:
    """Copy ``src`` (say, a file made in a temp folder) to ``target`` atomically."""
    with atomic_path(target) as tmp:
        shutil.copyfile(src, tmp)
