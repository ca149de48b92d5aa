"""The compiled build (``PERFXL_MYPYC=1``, setup.py) gives the same answers as pure Python.

The compiled wheel is built once for the module (tools/build_compiled.py: mypyc and gcc, a few
minutes) and unpacked into a folder; every command then runs twice as a subprocess, with the
checkout's pure perfxl and with the compiled one first on ``PYTHONPATH``, on the same inputs,
and the outputs are compared: stdout JSON, the workbooks' zip parts (the run's own time
masked). Compiled code checks the annotated types of every call at run time, which pure
Python does not: a call the annotations do not cover fails here, not at a county.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(ROOT / "tools"))

import build_compiled  # noqa: E402  (tools/ is no package)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

_MAIN = "import sys; from perfxl.cli import main; sys.argv[0] = 'perfxl'; main()"


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The compiled perfxl, unpacked (its folder goes first on ``PYTHONPATH``)."""
    dest = tmp_path_factory.mktemp("compiled") / "site"
    build_compiled.build(dest)
    return dest


def perfxl(code: Path, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``perfxl ARGS`` with the perfxl found at ``code`` (the checkout or the compiled build)."""
    env = {**os.environ, "PYTHONPATH": str(code), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-c", _MAIN, *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def both(compiled: Path, *args: str | Path, cwd: Path) -> tuple[Any, Any]:
    """The same command run pure and compiled: their (exit code, stdout, stderr)."""
    pure = perfxl(ROOT, *args, cwd=cwd)
    comp = perfxl(compiled, *args, cwd=cwd)
    return (
        (pure.returncode, pure.stdout, pure.stderr),
        (comp.returncode, comp.stdout, comp.stderr),
    )


def summary_parts(path: Path) -> dict[str, bytes]:
    """Every zip part of a summary inflated, the run's time masked: the document's times and
    the 说明 sheet's 生成时间 (a shared string of its own: the inputs' times are years older)."""
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        made = next(
            str(r[1]) for r in wb.get_sheet_by_name("说明").to_python() if r and r[0] == "生成时间"
        )
    finally:
        wb.close()
    with zipfile.ZipFile(path) as z:
        out = {n: z.read(n) for n in z.namelist()}
    out.pop("docProps/core.xml", None)
    shared = out["xl/sharedStrings.xml"]
    assert shared.count(f">{made}<".encode()) == 1
    out["xl/sharedStrings.xml"] = shared.replace(f">{made}<".encode(), b">T<")
    return out


def test_the_listed_modules_are_compiled_and_say_so(compiled: Path, tmp_path: Path) -> None:
    names = build_compiled.compiled_modules()
    assert "perfxl.read" in names and "perfxl.consolidate.extract" in names
    probe = (
        "import importlib, json, sys; "
        "print(json.dumps({m: importlib.import_module(m).__file__ for m in sys.argv[1:]}))"
    )
    env = {**os.environ, "PYTHONPATH": str(compiled)}
    pure_too = ["perfxl.cli", "perfxl.consolidate.cache", "perfxl.rules.context"]
    proc = subprocess.run(
        [sys.executable, "-c", probe, *names, *pure_too],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    files = json.loads(proc.stdout)
    for m in names:
        assert files[m].startswith(str(compiled)) and files[m].endswith(".so"), (m, files[m])
    for m in pure_too:
        assert files[m].startswith(str(compiled)) and files[m].endswith(".py"), (m, files[m])
    assert perfxl(compiled, "--version", cwd=tmp_path).stdout == "perfxl 版本 0.1.0（编译版）\n"
    assert perfxl(ROOT, "--version", cwd=tmp_path).stdout == "perfxl 版本 0.1.0（纯 Python 版）\n"


def _county(dest: Path) -> Path:
    """The example county's workbooks, with fixed file times (never the run's second)."""
    shutil.copytree(EXAMPLES / "county", dest)
    for i, f in enumerate(sorted(dest.glob("*.xlsx"))):
        os.utime(f, (1_680_000_000 + i * 60, 1_680_000_000 + i * 60))
    return dest


def test_consolidation_is_the_same_compiled(compiled: Path, tmp_path: Path) -> None:
    county = _county(tmp_path / "来文")
    want = perfxl(ROOT, "consolidate", county, "-o", "pure.xlsx", "--no-cache", cwd=tmp_path)
    assert want.returncode == 1, want.stderr  # the example county has problems to report
    expected = summary_parts(tmp_path / "pure.xlsx")
    assert len(expected) > 10
    cache = tmp_path / "cache"
    runs = {
        "jobs 1": ["--jobs", "1", "--no-cache"],
        "jobs 2": ["--jobs", "2", "--no-cache"],
        "cache filled": ["--jobs", "2", "--cache-dir", cache],
        "from the cache": ["--jobs", "1", "--cache-dir", cache],
    }
    for name, opts in runs.items():
        out = tmp_path / f"compiled {name}.xlsx"
        got = perfxl(compiled, "consolidate", county, "-o", out, *opts, cwd=tmp_path)
        assert (got.returncode, got.stderr) == (want.returncode, want.stderr), name
        assert summary_parts(out) == expected, name
    assert list(cache.rglob("*.pxc")), "the compiled run wrote no cache entry"


@pytest.mark.parametrize(
    "book", ["suying-2023-monitoring.xlsx", "suying-2023-evaluation.xlsx"], ids=["监控", "自评"]
)
def test_stage_summaries_are_the_same_compiled(compiled: Path, tmp_path: Path, book: str) -> None:
    src = tmp_path / book
    shutil.copy2(EXAMPLES / book, src)
    os.utime(src, (1_680_000_000, 1_680_000_000))
    pure, comp = (
        perfxl(code, "consolidate", src, "-o", f"{name}.xlsx", "--no-cache", cwd=tmp_path)
        for code, name in ((ROOT, "pure"), (compiled, "compiled"))
    )
    assert pure.returncode in (0, 1), pure.stderr
    assert (comp.returncode, comp.stderr) == (pure.returncode, pure.stderr)
    assert summary_parts(tmp_path / "compiled.xlsx") == summary_parts(tmp_path / "pure.xlsx")


def test_validation_of_the_hostile_corpus_is_the_same_compiled(
    compiled: Path, hostile_corpus: Path, tmp_path: Path
) -> None:
    pure, comp = both(compiled, "validate", "--format", "json", hostile_corpus, cwd=tmp_path)
    assert pure[0] == 2, pure[2][-2000:]  # the corpus holds files no reader may open
    report = json.loads(pure[1])
    assert report["unreadable"] >= 5 and len(report["problems"]) > 100
    assert comp == pure


def test_examples_are_read_validated_and_computed_the_same_compiled(
    compiled: Path, tmp_path: Path
) -> None:
    books = ["suying-2023.xlsx", "suying-2023-monitoring.xlsx", "suying-2023-evaluation.xlsx"]
    for book in books:
        for cmd in (["validate", "--format", "json"], ["export"]):
            pure, comp = both(compiled, *cmd, EXAMPLES / book, cwd=tmp_path)
            assert pure[0] in (0, 1) and pure[1], (book, cmd, pure[2])
            assert comp == pure, (book, cmd)
        made = {}
        for code, name in ((ROOT, "pure"), (compiled, "compiled")):
            out = tmp_path / f"{name}-{book}"
            done = perfxl(
                code, "compute", EXAMPLES / book, "-o", out, "--format", "json", cwd=tmp_path
            )
            made[name] = tuple(
                s.replace(str(out), "OUT") if isinstance(s, str) else s
                for s in (done.returncode, done.stdout, done.stderr)
            )
        assert made["compiled"] == made["pure"], book
        assert _unstamped(tmp_path / f"compiled-{book}") == _unstamped(tmp_path / f"pure-{book}")


def _unstamped(path: Path) -> dict[str, bytes]:
    from books import parts

    return parts(path, unstamp=True)


def test_data_of_any_shape_is_refused_the_same_compiled(compiled: Path, tmp_path: Path) -> None:
    """The model keeps what JSON data holds, whatever its type, for fill and validation to
    refuse in words (its annotations say Any where a clerk's data may hold anything)."""
    data = json.loads((EXAMPLES / "suying-2023.json").read_text(encoding="utf-8"))
    project = data["projects"][0]
    project["budget"] = [1, 2]
    project["plan"]["mar"] = {"万元": 3}
    project["indicators"][0]["level3"] = True
    project["name"] = 12
    src = tmp_path / "data.json"
    src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    pure, comp = both(compiled, "fill", src, "out.xlsx", cwd=tmp_path)
    assert pure[0] == 2 and "Traceback" not in pure[2], pure[2]
    assert comp == pure
    assert not (tmp_path / "out.xlsx").exists()
