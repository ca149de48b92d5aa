"""Shared fixtures: paths from __file__, the example workbook, LibreOffice headless."""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
EXAMPLE_JSON = EXAMPLES / "suying-2023.json"
EXAMPLE_XLSX = EXAMPLES / "suying-2023.xlsx"


def county_demo() -> Any:
    """``tools/make_county_demo.py`` as a module (the county demo's generator and its names)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_county_demo", ROOT / "tools" / "make_county_demo.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def pytest_configure(config: pytest.Config) -> None:
    """The whole session caches consolidations in a temporary folder: fixtures of module or
    session scope run before each test's `_own_cache`, and their runs (commands and
    subprocesses too) wrote into the user's own cache folder (~/.cache/perfxl)."""
    folder = tempfile.mkdtemp(prefix="perfxl-test-cache-")
    config.stash[_SESSION_CACHE] = os.environ.get("PERFXL_CACHE_DIR")
    os.environ["PERFXL_CACHE_DIR"] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


def pytest_unconfigure(config: pytest.Config) -> None:
    """The caller's own PERFXL_CACHE_DIR (or none) back, for a pytest run inside a process."""
    before = config.stash.get(_SESSION_CACHE, None)
    if before is None:
        os.environ.pop("PERFXL_CACHE_DIR", None)
    else:
        os.environ["PERFXL_CACHE_DIR"] = before


_SESSION_CACHE = pytest.StashKey[str | None]()


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's consolidations (commands and subprocesses too) cache under a folder of its
    own: never the user's cache, and never a hit from another test's entry (a test that
    monkeypatches the reader must see its own reader run)."""
    monkeypatch.setenv("PERFXL_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def forked_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A consolidation's workers forked even if this test process runs other threads (an
    earlier test may leave one running), so that they inherit what the test monkeypatched
    in this process; `perfxl.consolidate.run.pool_context` would spawn them."""
    import multiprocessing

    from perfxl.consolidate import run

    monkeypatch.setattr(run, "pool_context", lambda: multiprocessing.get_context("fork"))


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The summary's 说明 sheet's 生成时间 fixed: the run's clock is the one thing two
    consolidations of the same files may differ in (and a file time in the same second would
    share its string, renumbering the rest), so their sheet XML can be compared."""
    from dataclasses import dataclass, field
    from datetime import datetime

    from perfxl.consolidate import writer

    @dataclass
    class FixedInfo(writer.RunInfo):
        made: datetime = field(default_factory=lambda: datetime(2024, 1, 2, 3, 4, 5))

    monkeypatch.setattr(writer, "RunInfo", FixedInfo)


@pytest.fixture(scope="session")
def example_data() -> dict[str, Any]:
    """The whole seed as data (a fresh copy per session)."""
    data: dict[str, Any] = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    return data


TOWNSHIPS = [("910001", "巨鹿县巨鹿镇人民政府本级"), ("910002", "巨鹿县王虎寨镇人民政府本级")]
"""The units of `books`."""


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory, example_data: dict[str, Any]) -> Path:
    """Two townships' workbooks (`TOWNSHIPS`, two projects each) in a folder; tests work on
    copies (`copy_folder`)."""
    from perfxl.model import Targets
    from perfxl.write.fill import write_new

    folder = tmp_path_factory.mktemp("townships") / "books"
    folder.mkdir()
    for code, name in TOWNSHIPS:
        d = copy.deepcopy(example_data)
        d["unit"] = {"code": code, "name": name}
        d["projects"] = d["projects"][:2]
        write_new(Targets.from_dict(d), folder / f"{code}.xlsx")
    return folder


def copy_folder(src: Path, dest: Path) -> Path:
    """The files of ``src`` copied into the new folder ``dest``."""
    dest.mkdir()
    for f in src.iterdir():
        (dest / f.name).write_bytes(f.read_bytes())
    return dest


@pytest.fixture(scope="session")
def example_book(tmp_path_factory: pytest.TempPathFactory, example_data: dict[str, Any]) -> Path:
    """The example workbook generated from the example data, in a temp folder."""
    from perfxl.model import Targets
    from perfxl.write.fill import write_new

    out = tmp_path_factory.mktemp("example") / "suying-2023.xlsx"
    write_new(Targets.from_dict(example_data), out)
    return out


def soffice() -> str:
    """The LibreOffice binary; fails (never skips) when it is missing."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.fail("LibreOffice headless is missing: run `bash tools/ensure-system-deps.sh`")
    return exe


@pytest.fixture(scope="session")
def hostile_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tools/make_bad_corpus.py's corpus, LibreOffice's files included, made once a session
    (about 10 s) for every test that only reads it (tests/test_hostile_corpus.py proves
    that nothing perfxl does writes into it)."""
    from books import bad_corpus

    soffice()
    mbc = bad_corpus()
    folder = tmp_path_factory.mktemp("hostile") / "来文 汇总 folder"
    mbc.make_corpus(folder)
    return folder


# Plain helpers such as convert() cannot ask for fixtures; this one hands them the session's
# temp factory, so their files (LibreOffice profiles) live under pytest's temp root too.
_SESSION: list[pytest.TempPathFactory] = []
_PROFILES: dict[str, Path] = {}


@pytest.fixture(scope="session", autouse=True)
def _ctrl_c_as_at_a_terminal() -> Iterator[None]:
    """Ctrl-C (SIGINT) raises KeyboardInterrupt in the tests, as in a command typed at a
    terminal, also when the suite runs as a background job (``... &`` in a script): there the
    shell starts Python with SIGINT ignored, and the tests that raise a real SIGINT to check
    the interruption handling would see nothing happen."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture(scope="session", autouse=True)
def _session_temp(tmp_path_factory: pytest.TempPathFactory) -> None:
    _SESSION[:] = [tmp_path_factory]


_DEMOS: dict[int, tuple[Path, list[str]]] = {}


def county_demo_made(folder: Path, n_projects: int) -> list[Path]:
    """`make_county_demo.generate` into ``folder``: generated once a session per size (about
    2.5 s), then copied. Generating gives the same bytes every time, and the copy keeps the
    files' modification times (they tell a unit's versions apart); returns the workbooks."""
    if n_projects not in _DEMOS:
        assert _SESSION, "county_demo_made() is for use inside a test"
        first = _SESSION[0].mktemp(f"county-demo-{n_projects}")
        written = county_demo().generate(first, n_projects)
        _DEMOS[n_projects] = (first, [p.name for p in written])
    first, names = _DEMOS[n_projects]
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.xlsx"):  # as `generate` does
        old.unlink()
    for path in first.iterdir():
        shutil.copy2(path, folder / path.name)
    return [folder / name for name in names]


def libreoffice_profile(name: str = "default", settings: str | None = None) -> Path:
    """A LibreOffice user profile for the whole session, under pytest's temp root.

    One profile per ``name`` is made once and reused by every conversion of the session (the
    conversions run one after another), which spares LibreOffice building a profile at each
    start. ``settings`` is a ``registrymodifications.xcu`` written into a new profile.
    """
    if name not in _PROFILES:
        assert _SESSION, "libreoffice_profile() is for use inside a test"
        profile = _SESSION[0].mktemp(f"libreoffice-{name}")
        if settings is not None:
            (profile / "user").mkdir()
            (profile / "user" / "registrymodifications.xcu").write_text(settings, encoding="utf-8")
        _PROFILES[name] = profile
    return _PROFILES[name]


def convert(
    files: list[Path], fmt: str, outdir: Path, *, timeout: int = 180, profile: Path | None = None
) -> list[Path]:
    """Convert files with LibreOffice headless (one process, the session's private profile).

    ``fmt`` is a LibreOffice filter spec such as ``pdf`` or ``csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1``.
    ``profile`` defaults to :func:`libreoffice_profile` (LibreOffice's default settings).
    Returns the converted files, asserting each exists.
    """
    if profile is None:
        profile = libreoffice_profile()
    cmd = [
        soffice(),
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        fmt,
        "--outdir",
        str(outdir),
        *map(str, files),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, proc.stderr
    ext = fmt.split(":")[0]
    outs = []
    for f in files:
        candidates = sorted(outdir.glob(f"{f.stem}*.{ext}"))
        assert candidates, f"LibreOffice wrote no {ext} for {f.name}: {proc.stdout} {proc.stderr}"
        outs.extend(candidates)
    return outs
