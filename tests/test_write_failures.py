"""Writes the OS refuses (read-only disk, disk full, a name too long once perfxl adds its
suffixes) end in a Chinese message naming the file and the reason, exit 2, and leave no temp
file; never a traceback. Also: compute refuses a workbook without a project (exit 2, nothing
written), and its count says how many projects were written in full."""

from __future__ import annotations

import errno
import gc
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

from perfxl.cli import main
from perfxl.errors import TargetNotWritableError
from perfxl.model import Targets
from perfxl.write.atomic import write_atomic
from perfxl.write.fill import write_new

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TARGETS = EXAMPLES / "suying-2023.xlsx"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def refused(res: Result, name: str, reason: str) -> bool:
    """Exit 2 with the Chinese message naming the file and the reason, no traceback."""
    out = res.stderr
    return (
        res.exit_code == 2
        and not isinstance(res.exception, OSError)
        and "Traceback" not in res.output
        and out.startswith("错误：")
        and name in out
        and reason in out
    )


def fail_file_writes(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """``os.write`` to a regular file (not the terminal's descriptors) fails with ``code``."""
    real = os.write

    def write(fd: int, data: Any) -> int:
        if fd > 2 and stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(code, os.strerror(code))
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)


def fail_temp_files(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """Creating a temp file fails with ``code`` (the folder is on a read-only disk, say)."""

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        raise OSError(code, os.strerror(code), str(kwargs.get("dir", "")))

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


# --- the OS refuses the write ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "reason"),
    [(errno.EROFS, "只读"), (errno.ENOSPC, "磁盘空间不足"), (errno.EACCES, "没有写入权限")],
)
def test_compute_in_place_refused_by_the_os(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, reason: str
) -> None:
    book = tmp_path / "book.xlsx"
    shutil.copyfile(TARGETS, book)
    before = book.read_bytes()
    with monkeypatch.context() as mp:
        if code == errno.ENOSPC:
            fail_file_writes(mp, code)
        else:
            fail_temp_files(mp, code)
        res = invoke("compute", book, "--in-place")
    assert refused(res, "book", reason), res.output
    assert book.read_bytes() == before
    assert files(tmp_path) == ["book.xlsx"]  # no temp file, no backup


@pytest.mark.parametrize(("code", "reason"), [(errno.EROFS, "只读"), (errno.ENOSPC, "磁盘空间")])
def test_template_refused_by_the_os(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, reason: str
) -> None:

    def save(wb: openpyxl.Workbook, filename: str) -> None:
        Path(filename).write_bytes(b"PK\x03\x04 half")  # half a file, then the disk is full
        raise OSError(code, os.strerror(code))

    with monkeypatch.context() as mp:
        if code == errno.ENOSPC:  # openpyxl writes through a Python file object, not os.write
            mp.setattr(openpyxl.Workbook, "save", save)
        else:
            fail_temp_files(mp, code)
        res = invoke("template", tmp_path / "模板.xlsx")
    assert refused(res, "模板.xlsx", reason), res.output
    assert files(tmp_path) == []


def test_export_refused_by_the_os(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Path.write_text

    def write_text(path: Path, text: str, *args: Any, **kwargs: Any) -> int:
        real(path, text[:10], *args, **kwargs)  # a buffered write names no file when it fails
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as mp:
        mp.setattr(Path, "write_text", write_text)
        res = invoke("export", TARGETS, "-o", tmp_path / "d.json")
    assert refused(res, "d.json", "磁盘空间不足"), res.output
    assert files(tmp_path) == []


def test_a_writer_left_open_on_a_full_disk_is_closed_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openpyxl's ZipFile, left open by a failed save, flushes again when collected: at exit
    that printed ``Exception ignored … No space left on device`` under the message."""
    said: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", said.append)

    class Flushes:
        def __del__(self) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def writer(tmp: Path) -> None:
        left_open = Flushes()
        assert left_open
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(TargetNotWritableError, match="磁盘空间不足") as info:
        write_atomic(tmp_path / "x.xlsx", writer)
    del info
    gc.collect()
    assert said == []
    assert files(tmp_path) == []


def test_any_other_os_error_is_said_in_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last resort (`perfxl.cli.handle_errors`): an OS error raised anywhere else."""
    from perfxl import services

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(tmp_path / "x.xlsx"))

    monkeypatch.setattr(services, "make_template", broken)
    res = invoke("template", tmp_path / "x.xlsx")
    assert refused(res, "x.xlsx", "读写出错"), res.output


def test_a_closed_pipe_is_not_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``perfxl export BOOK | head``: the reader's choice; it ends quietly with 141 (as a Unix
    tool killed by SIGPIPE), the last resort for OS errors leaves it alone."""
    from perfxl import services

    def closed(*args: Any, **kwargs: Any) -> None:
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    monkeypatch.setattr(services, "make_template", closed)
    res = invoke("template", tmp_path / "x.xlsx")
    assert res.exit_code == 141 and res.stderr == "", res.output


# --- names too long once perfxl adds its suffixes (real, not simulated) ----------------------
def long_name(n_bytes: int, suffix: str = ".xlsx") -> str:
    return "a" * (n_bytes - len(suffix)) + suffix


@pytest.mark.parametrize("n", [246 + 5, 236, 250])
def test_template_name_too_long(tmp_path: Path, n: int) -> None:
    res = invoke("template", tmp_path / long_name(n))
    assert refused(res, "aaaa", "文件名过长"), res.output
    assert files(tmp_path) == []


@pytest.mark.parametrize("n", [236, 243, 251])
def test_compute_in_place_name_too_long(tmp_path: Path, n: int) -> None:
    book = tmp_path / long_name(n)
    shutil.copyfile(TARGETS, book)
    res = invoke("compute", book, "--in-place")
    assert refused(res, "aaaa", "文件名过长"), res.output
    assert files(tmp_path) == [book.name]  # no backup, no temp file
    assert book.read_bytes() == TARGETS.read_bytes()


@pytest.mark.parametrize("n", [236, 251])
def test_validate_in_place_name_too_long(tmp_path: Path, n: int) -> None:
    book = tmp_path / long_name(n)
    shutil.copyfile(TARGETS, book)
    res = invoke("validate", book, "--in-place")
    assert refused(res, "aaaa", "文件名过长"), res.output
    assert files(tmp_path) == [book.name]


def test_consolidate_output_name_too_long(tmp_path: Path) -> None:
    out = tmp_path / long_name(240)
    res = invoke("consolidate", TARGETS, "-o", out, "-j", "1")
    assert refused(res, "aaaa", "文件名过长"), res.output
    assert files(tmp_path) == []


# --- compute: a workbook without a project --------------------------------------------------
def test_compute_refuses_a_workbook_without_projects(tmp_path: Path) -> None:
    zero = tmp_path / "zero.xlsx"
    assert invoke("template", "-n", "0", zero).exit_code == 0
    before = zero.read_bytes()
    res = invoke("compute", zero, "-o", tmp_path / "z.xlsx")
    assert res.exit_code == 2 and res.stderr.startswith("错误：") and "没有项目" in res.stderr, (
        res.output
    )
    res = invoke("compute", zero, "--in-place")
    assert res.exit_code == 2 and "没有项目" in res.output, res.output
    assert files(tmp_path) == ["zero.xlsx"] and zero.read_bytes() == before  # no backup


# --- compute: the count says what was written ----------------------------------------------
def test_compute_counts_only_projects_written_in_full(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    book = tmp_path / "book.xlsx"
    write_new(Targets.from_dict(example_data), book)
    wb = openpyxl.load_workbook(book)
    wb.worksheets[3]["C8"] = "=C7*2"  # staff changed a percentage formula: left alone
    wb.save(book)
    res = invoke("compute", book, "-o", tmp_path / "out.xlsx")
    assert res.exit_code == 1, res.output
    assert "compute.formula_changed" in res.output
    total = len(example_data["projects"])
    assert f"已计算 {total - 1}/{total} 个项目" in res.output, res.output
    assert "1 个项目已计算，但有单元格未写入" in res.output, res.output
