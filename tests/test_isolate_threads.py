"""A legacy .xls read in a child process (`perfxl.grid.isolate`) from a host running other
threads (a Jupyter kernel, a web server): the child is a new interpreter, never a fork, which
could inherit a lock another thread holds and wait on it forever (Python 3.12+ warns so). It
answers, raises and dies as a forked child does."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLE_XLSX, ROOT, convert

from perfxl.errors import UnreadableWorkbookError
from perfxl.grid import isolate
from perfxl.grid.isolate import ChildDied, call

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no fork on Windows")


@pytest.fixture
def host_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Another Python thread alive for the test (released after it), and no fork allowed."""

    def no_fork(*args: object) -> None:
        raise AssertionError("forked in a process running another thread")

    monkeypatch.setattr(isolate, "_forked", no_fork)
    release, started = threading.Event(), threading.Event()

    def host() -> None:
        started.set()
        release.wait()

    other = threading.Thread(target=host, name="host-thread")
    other.start()
    started.wait()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*fork.*", category=DeprecationWarning)
            yield
    finally:
        release.set()
        other.join()


@pytest.mark.usefixtures("host_thread")
def test_with_another_thread_the_child_is_spawned_and_answers_raises_and_dies(
    tmp_path: Path,
) -> None:
    from perfxl.grid.calamine_grid import read_grid

    assert threading.active_count() > 1
    assert call(divmod, 7, 2) == (3, 1)
    assert call(os.getpid) != os.getpid()
    fake = tmp_path / "旧表.xls"
    fake.write_text("不是工作簿", encoding="utf-8")
    with pytest.raises(UnreadableWorkbookError) as info:  # raised in the child, again here
        call(read_grid, str(fake))
    assert info.value.path == str(fake)
    assert "不是 Excel 工作簿" in info.value.message  # the reader's Chinese refusal, kept
    with pytest.raises(ChildDied) as died:
        call(os.abort)
    assert died.value.exitcode == -6


@pytest.fixture(scope="module")
def xls(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example workbook as a legacy .xls (LibreOffice's)."""
    (made,) = convert([EXAMPLE_XLSX], "xls", tmp_path_factory.mktemp("xls"))
    return made


@pytest.mark.libreoffice
def test_with_another_thread_an_xls_is_read_the_same(xls: Path, host_thread: None) -> None:
    """The same grid from a spawned child as from a forked one (a fresh process forks)."""
    from perfxl.grid.calamine_grid import read_grid

    spawned = read_grid(xls)
    code = (
        "import sys; from perfxl.grid.calamine_grid import read_grid\n"
        "g = read_grid(sys.argv[1]); print(repr([(s.name, s.rows, s.merged) for s in g.sheets]))"
    )
    forked = subprocess.run(
        [sys.executable, "-c", code, str(xls)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert repr([(s.name, s.rows, s.merged) for s in spawned.sheets]) == forked.stdout.strip()
    assert len(spawned.sheets) > 1


def test_a_process_with_one_thread_forks_the_child() -> None:
    """A fresh process (the command line) forks: a few milliseconds, the modules imported."""
    code = (
        "import os\n"
        "from perfxl.grid import isolate\n"
        "forks = []\n"
        "real = isolate._forked\n"
        "isolate._forked = lambda fn, args: (forks.append(1), real(fn, args))[1]\n"
        "assert isolate.call(os.getpid) != os.getpid()\n"
        "print(len(forks))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "1"
