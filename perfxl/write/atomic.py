"""Atomic file output: write beside the target, then rename over it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from perfxl.errors import WriteError


def owner_file(path: Path) -> Path:
    """The lock file Excel and WPS keep beside an open workbook (``~$BOOK.xlsx``)."""
    return path.with_name("~$" + path.name)


def check_writable(path: Path) -> None:
    """Refuse to write a workbook that Excel or WPS has open, or a read-only one.

    Raises:
        WriteError: with the reason, naming the file.
    """
    if owner_file(path).exists():
        raise WriteError(
            "该工作簿正在被 Excel 或 WPS 打开（存在锁定文件 "
            f"{owner_file(path).name}）。请先关闭工作簿再运行。",
            path=str(path),
        )
    if path.exists() and not os.access(path, os.W_OK):
        raise WriteError("文件为只读，无法写入。请取消只读属性或另存到其他位置。", path=str(path))
    if not path.parent.exists():
        raise WriteError("目标文件夹不存在。", path=str(path))


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``; renamed over it only when the block succeeds."""
    check_writable(target)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".perfxl-tmp", dir=target.parent
    )
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
