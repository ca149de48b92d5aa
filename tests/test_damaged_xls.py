"""Issue 11: one bad file never aborts a batch, even when the reading library aborts.

A LibreOffice .xls of the example with one byte changed makes python-calamine ask for 1.2 TB
and abort its process (SIGABRT, exit 134), which no ``except`` catches. Found by damaging the
Workbook stream at seeded random offsets (seed 2, trial 37: 32 random bytes) and reduced to
one byte: the low byte of the first-row field (rwMic) of the next-to-last sheet's DIMENSIONS
record (BIFF record 0x0200), 0x00 -> 0xE2, so the first row lies past the last and calamine
reserves an underflowed rows x columns. The record is found by walking the BIFF stream, not
by a file offset: LibreOffice's .xls layout depends on the source file's path. perfxl reads
.xls files in a child process, so the file is refused in Chinese and the batch goes on.
"""

from __future__ import annotations

import faulthandler
import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import olefile
import pytest
from conftest import EXAMPLE_XLSX, ROOT, convert

from perfxl import constants as C
from perfxl import layout as L
from perfxl.consolidate import columns as K
from perfxl.write.patch import CellWrite, WorkbookPatch

BEFORE, AFTER = 0x00, 0xE2
DIMENSIONS = 0x0200


def _damage(xls: Path) -> None:
    """Set the low byte of rwMic in the next-to-last sheet's DIMENSIONS record to 0xE2."""
    ole = olefile.OleFileIO(str(xls), write_mode=True)
    try:
        stream = bytearray(ole.openstream("Workbook").read())
        payloads, i = [], 0
        while i + 4 <= len(stream):
            kind, length = struct.unpack_from("<HH", stream, i)
            if kind == DIMENSIONS:
                payloads.append(i + 4)
            i += 4 + length
        assert len(payloads) >= 2, "no DIMENSIONS records: LibreOffice wrote another format"
        at = payloads[-2]  # a project sheet near the end, as found by the damage search
        assert stream[at] == BEFORE, "LibreOffice wrote another layout: reproduce again"
        stream[at] = AFTER
        ole.write_stream("Workbook", bytes(stream))
    finally:
        ole.close()


MESSAGE = (
    "读取该 .xls 文件时读取组件异常退出，文件可能已损坏。"
    "请用 Excel 或 WPS 打开后另存为 .xlsx 再提交。"
)
ENGLISH = ("panicked", "memory allocation", "backtrace", "RUST_BACKTRACE")


def _good_books(folder: Path, codes: list[str]) -> list[Path]:
    """The example workbook once per unit code (distinct units, so none replaces another)."""
    data = EXAMPLE_XLSX.read_bytes()
    cell = next(f.ref for f in L.COVER_FIELDS if f.key == "unit/code")
    out = []
    for code in codes:
        patch = WorkbookPatch(data)
        patch.write_cells([CellWrite(C.COVER_SHEET, cell, code)])
        path = folder / f"{code}.xlsx"
        path.write_bytes(patch.to_bytes())
        out.append(path)
    return out


def _perfxl(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: its own process (an abort must not take pytest down)."""
    return subprocess.run(
        [sys.executable, "-m", "perfxl.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "RUST_BACKTRACE": "1"},
    )


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder: the damaged .xls (LibreOffice's .xls of the example, one byte changed) and
    two good workbooks of other units."""
    work = tmp_path_factory.mktemp("xls")
    (xls,) = convert([EXAMPLE_XLSX], "xls", work)
    _damage(xls)
    data = xls.read_bytes()
    folder = tmp_path_factory.mktemp("来文") / "乡镇 报送"
    folder.mkdir()
    (folder / "损坏 910001.xls").write_bytes(bytes(data))
    _good_books(folder, ["920001", "920002"])
    return folder


@pytest.mark.libreoffice
def test_the_damaged_xls_aborts_a_bare_calamine_process(batch: Path) -> None:
    """The premise: read in a process of its own, calamine aborts on this file."""
    code = (
        "import sys, python_calamine\n"
        "wb = python_calamine.CalamineWorkbook.from_path(sys.argv[1])\n"
        "for m in wb.sheets_metadata: wb.get_sheet_by_name(m.name).to_python()\n"
    )
    bad = str(batch / "损坏 910001.xls")
    proc = subprocess.run([sys.executable, "-c", code, bad], capture_output=True, timeout=120)
    assert proc.returncode == -6, proc.stderr[-500:]


@pytest.mark.libreoffice
def test_validate_refuses_it_in_chinese_and_validates_the_others(batch: Path) -> None:
    r = _perfxl("validate", "--format", "json", str(batch))
    assert r.returncode == 2, r.stderr[-2000:]
    records = json.loads(r.stdout)["problems"]
    unreadable = [p for p in records if p["rule"] == "file.unreadable"]
    assert [Path(p["file"]).name for p in unreadable] == ["损坏 910001.xls"]
    assert MESSAGE in unreadable[0]["message"] and "损坏 910001.xls" in unreadable[0]["message"]
    checked = {Path(p["file"]).name for p in records if p["rule"] != "file.unreadable"}
    assert checked == {"920001.xlsx", "920002.xlsx"}
    assert not [w for w in ENGLISH if w in r.stderr], r.stderr[-2000:]


@pytest.mark.libreoffice
def test_consolidate_lists_it_as_unreadable_and_sums_the_others(
    batch: Path, tmp_path: Path
) -> None:
    out = tmp_path / "汇总.xlsx"
    r = _perfxl("consolidate", str(batch), "-o", str(out), "--format", "json")
    assert r.returncode == 2, r.stderr[-2000:]
    report = json.loads(r.stdout)
    (bad,) = report["unusable_files"]
    assert Path(bad["file"]).name == "损坏 910001.xls" and MESSAGE in bad["reason"]
    assert report["units"] == 2 and out.exists()
    assert not [w for w in ENGLISH if w in r.stderr], r.stderr[-2000:]


@pytest.mark.usefixtures("forked_workers")  # they inherit the aborting reader
def test_a_worker_that_dies_breaks_no_consolidation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader aborting a worker process (here any file named 崩溃) costs only that file:
    the chunks the broken pool left are read again, each file in a child of its own."""
    from perfxl.consolidate.run import read_all
    from perfxl.grid import calamine_grid

    files = [str(p) for p in _good_books(tmp_path, [f"93000{i}" for i in range(5)])]
    culprit = tmp_path / "崩溃.xlsx"
    culprit.write_bytes(Path(files[0]).read_bytes())
    files.insert(2, str(culprit))
    real = calamine_grid._open  # python-calamine opening the file (or the preflight's package)

    def aborting(path: Any, *args: Any, **kwargs: Any) -> Any:
        if "崩溃" in str(path):
            faulthandler.disable()  # pytest's dump of the dying process is no news here
            os.abort()  # as calamine does when an allocation fails
        return real(path, *args, **kwargs)

    # Workers are forked after this, so they inherit it (and so do their children).
    monkeypatch.setattr(calamine_grid, "_open", aborting)
    seen: list[int] = []
    extracted = read_all(files, jobs=2, progress=seen.append)
    records = [f for e in extracted for f in e.files]
    assert [r.path for r in records] == files
    assert {r.path: r.status for r in records if r.status != K.USED} == {str(culprit): K.UNREADABLE}
    (note,) = [r.note for r in records if r.path == str(culprit)]
    assert "读取该文件时读取组件异常退出" in note and "崩溃.xlsx" in note
    assert sum(seen) == len(files)


def test_isolated_call_answers_raises_and_survives_an_abort() -> None:
    from perfxl.errors import UnreadableWorkbookError
    from perfxl.grid.isolate import ChildDied, call
    from perfxl.safety import UnsafeWorkbookError

    assert call(divmod, 7, 2) == (3, 1)
    with pytest.raises(UnsafeWorkbookError) as info:
        call(_refuse, "a.xls")
    assert isinstance(info.value, UnreadableWorkbookError)
    assert (info.value.path, info.value.part, info.value.message) == ("a.xls", "p", "拒绝")
    with pytest.raises(ChildDied) as died:
        call(os.abort)
    assert died.value.exitcode == -6


def _refuse(path: str) -> None:
    from perfxl.safety import UnsafeWorkbookError

    raise UnsafeWorkbookError("拒绝", path=path, part="p")
