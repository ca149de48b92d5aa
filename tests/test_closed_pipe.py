"""A reader that closes perfxl's standard output early (``perfxl export BOOK | head -1``) ends
the command quietly with 141, as a Unix tool killed by SIGPIPE: no traceback, no message, and
no output silently cut short under an exit code that says all was printed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfxl.cli import EXIT_PIPE, main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_JSON = ROOT / "examples" / "suying-2023.json"
EXAMPLE_XLSX = ROOT / "examples" / "suying-2023.xlsx"
PIPE = 64 * 1024  # a pipe's buffer (Linux, macOS): every output below is many times larger


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a workbook of 228 projects (its JSON is about 0.6 MB) and 12 copies of
    the example (validate's JSON about 1.7 MB)."""
    folder = tmp_path_factory.mktemp("big")
    data = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    data["projects"] = data["projects"] * 12
    src = folder / "big.json"
    src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(main, ["fill", str(src), str(folder / "big.xlsx")])
    assert res.exit_code == 0, res.output
    (folder / "copies").mkdir()
    for i in range(12):
        shutil.copyfile(EXAMPLE_XLSX, folder / "copies" / f"{i}.xlsx")
    return folder


def first_line_then_close(*args: object) -> tuple[int, bytes, str]:
    """Run perfxl with ``args``, read one line of its output, close the pipe (the handshake:
    the child is blocked writing the rest), and return its exit code, the line and stderr."""
    child = subprocess.Popen(
        [sys.executable, "-m", "perfxl.cli", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    line = child.stdout.readline()
    child.stdout.close()
    said = child.stderr.read().decode("utf-8", "replace")
    return child.wait(), line, said


@pytest.mark.parametrize(
    "args",
    [
        ("export", "big.xlsx"),
        ("validate", "--format", "json", "copies"),
        ("validate", "copies"),
    ],
    ids=["export", "validate json", "validate text"],
)
def test_a_closed_pipe_ends_quietly(big: Path, args: tuple[str, ...]) -> None:
    *head, last = args
    code, line, said = first_line_then_close(*head, big / last)
    assert line  # the reader got its line
    assert code == EXIT_PIPE == 141, said
    assert "Traceback" not in said and "Broken" not in said and "错误" not in said, said


def test_the_whole_output_is_larger_than_any_pipe(big: Path) -> None:
    """The handshake holds: the child cannot have written everything before the close."""
    res = CliRunner().invoke(main, ["export", str(big / "big.xlsx")])
    assert len(res.stdout.encode()) > 4 * PIPE
    for fmt in ("json", "text"):
        res = CliRunner().invoke(main, ["validate", "--format", fmt, str(big / "copies")])
        assert len(res.stdout.encode()) > 4 * PIPE
