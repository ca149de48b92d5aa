"""Safe output: backups, refusal when open elsewhere, no half-written file even under SIGKILL."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import patchfixtures as pf
import pytest
from handshake import STALL, kill_when_ready

from perfxl.write.patch import (
    CellWrite,
    TargetNotWritableError,
    WorkbookLockedError,
    backup_path,
    write_cells,
)
from perfxl.write.patch.safeio import TMP_MARK, remove_stale, stale_temp_files

P = pf.PROJECT


def test_in_place_write_keeps_a_backup(tmp_path: Path) -> None:
    book = pf.rich_workbook(tmp_path)
    original = book.read_bytes()
    result = write_cells(book, [CellWrite(P, "A9", 1)])
    assert result.path == book and result.backup == tmp_path / "乡镇.bak.xlsx" == backup_path(book)
    assert result.backup.read_bytes() == original
    first = book.read_bytes()
    assert first != original
    write_cells(book, [CellWrite(P, "A9", 2)])  # the backup is overwritten by the next write
    assert backup_path(book).read_bytes() == first
    assert backup_path(tmp_path / "x.xlsm").name == "x.bak.xlsm"
    assert not stale_temp_files(book)


def test_no_backup_when_asked_and_no_write_when_nothing_changes(tmp_path: Path) -> None:
    book = pf.rich_workbook(tmp_path)
    write_cells(book, [CellWrite(P, "A9", 1)], backup=False)
    assert not backup_path(book).exists()
    mtime = book.stat().st_mtime_ns
    result = write_cells(book, [CellWrite(P, "A9", 1)])  # same value again: same bytes
    assert result.path is None and result.backup is None
    assert book.stat().st_mtime_ns == mtime and not backup_path(book).exists()


@pytest.mark.parametrize("owner", ["~$乡镇.xlsx", ".~lock.乡镇.xlsx#"])
def test_refuses_a_workbook_open_elsewhere(tmp_path: Path, owner: str) -> None:
    book = pf.rich_workbook(tmp_path)
    original = book.read_bytes()
    (tmp_path / owner).write_bytes(b"")
    with pytest.raises(WorkbookLockedError, match="请先关闭工作簿") as info:
        write_cells(book, [CellWrite(P, "A9", 1)])
    assert info.value.path == str(book)
    assert book.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([book.name, owner])
    # Writing to another file is fine: the open workbook is only read.
    write_cells(book, [CellWrite(P, "A9", 1)], out=tmp_path / "copy.xlsx")


@pytest.mark.parametrize("owner", ["~$公开.docx", ".~lock.公开.docx#"])
def test_a_document_open_elsewhere_is_called_a_document(tmp_path: Path, owner: str) -> None:
    """The published text (.docx) is refused as a 文档 open in Word or WPS, not a workbook."""
    from perfxl.write.patch.safeio import check_target

    (tmp_path / owner).write_bytes(b"")
    with pytest.raises(WorkbookLockedError) as info:
        check_target(tmp_path / "公开.docx")
    assert info.value.message.startswith("文档正在被其他程序（Word、WPS 或 LibreOffice）打开")
    assert "工作簿" not in info.value.message


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_refuses_a_read_only_target(tmp_path: Path) -> None:
    book = pf.rich_workbook(tmp_path)
    book.chmod(0o444)
    with pytest.raises(TargetNotWritableError):
        write_cells(book, [CellWrite(P, "A9", 1)])


def test_read_only_check_and_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = pf.rich_workbook(tmp_path)
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(TargetNotWritableError, match="只读"):
        write_cells(book, [CellWrite(P, "A9", 1)])
    monkeypatch.undo()
    with pytest.raises(TargetNotWritableError, match="文件夹不存在"):
        write_cells(book, [CellWrite(P, "A9", 1)], out=tmp_path / "nope" / "x.xlsx")


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_file_mode_is_kept(tmp_path: Path) -> None:
    book = pf.rich_workbook(tmp_path)
    book.chmod(0o640)
    write_cells(book, [CellWrite(P, "A9", 1)])
    assert stat.S_IMODE(book.stat().st_mode) == 0o640


CHILD = (
    STALL
    + r"""
import os, sys
from perfxl.write.patch import CellWrite, safeio, write_cells
book, stall_call, phase = sys.argv[1], int(sys.argv[2]), sys.argv[3]
calls = {"n": 0}
real_write, real_fsync = safeio._write_all, safeio._fsync

def write_all(fd, data):
    calls["n"] += 1
    if calls["n"] == stall_call and phase == "data":
        os.write(fd, data[: len(data) // 2])
        stall()
    real_write(fd, data)

def fsync(fd):
    if calls["n"] == stall_call and phase == "fsync":
        stall()
    real_fsync(fd)

safeio._write_all, safeio._fsync = write_all, fsync
write_cells(book, [CellWrite("项目1", "A9", 123.0)])
"""
)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
@pytest.mark.parametrize(
    ("stall_call", "phase"),
    [(1, "data"), (2, "data"), (2, "fsync")],
    ids=["during-backup", "during-data", "before-rename"],
)
def test_sigkill_mid_write_leaves_the_workbook_intact(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, stall_call: int, phase: str
) -> None:
    book = pf.rich_workbook(tmp_path)
    original = book.read_bytes()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH", "")]
        ),
    }
    log = tmp_path_factory.mktemp("child") / "child.log"  # tmp_path holds only the book
    kill_when_ready([sys.executable, "-c", CHILD, str(book), str(stall_call), phase], log, env)
    assert book.read_bytes() == original
    bak = backup_path(book)
    if bak.exists():
        assert bak.read_bytes() == original
    leftovers = [p for p in tmp_path.iterdir() if p not in (book, bak)]
    prefixes = (f".{book.name}{TMP_MARK}", f".{bak.name}{TMP_MARK}")
    assert leftovers and all(p.name.startswith(prefixes) for p in leftovers)
    assert not any(
        p.suffix in (".xlsx", ".xlsm") for p in leftovers
    )  # never mistaken for a workbook
    # The next write cleans up the dead run's temp file and succeeds.
    write_cells(book, [CellWrite(P, "A9", 7.0)])
    assert not stale_temp_files(book) and not stale_temp_files(bak)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([book.name, bak.name])


@pytest.mark.skipif(os.name != "posix", reason="flock")
def test_a_temp_file_in_use_is_not_removed(tmp_path: Path) -> None:
    import fcntl

    book = tmp_path / "b.xlsx"
    book.write_bytes(b"x")
    live = tmp_path / f".b.xlsx{TMP_MARK}live"
    live.write_bytes(b"partial")
    fd = os.open(live, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        remove_stale(book)
        assert live.exists()
    finally:
        os.close(fd)
    remove_stale(book)
    assert not live.exists()
