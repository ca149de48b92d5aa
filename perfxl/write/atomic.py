"""Atomic file output: write beside the target, then rename over it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from perfxl.write.patch.safeio import TMP_MARK, check_target


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
    # Named like the patch engine's temp files, so a killed run's leftovers are recognised.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}{TMP_MARK}", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_atomic(target: Path, writer: Callable[[Path], None]) -> None:
    """Call ``writer(tmp)`` and move the result over ``target``."""
    with atomic_path(target) as tmp:
        writer(tmp)
