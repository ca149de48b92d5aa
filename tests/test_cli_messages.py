"""Messages a Chinese clerk can read: no English line reaches stderr without Chinese on it.

A table of bad invocations across every command, run through click's own runner (the same
``main`` the ``perfxl`` script calls), checking the exit code and that every stderr line that
holds a Latin letter also holds a Chinese character.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from perfxl.cli import main

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(
        main, [str(a) for a in args], prog_name="perfxl", catch_exceptions=False
    )


def english_only_lines(text: str) -> list[str]:
    """Lines with a Latin letter and no Chinese character."""
    return [ln for ln in text.splitlines() if LATIN.search(ln) and not CJK.search(ln)]


def assert_chinese(result: Result) -> None:
    assert CJK.search(result.stderr), result.stderr
    assert english_only_lines(result.stderr) == [], result.stderr


# (arguments with {tmp} for the test folder, expected exit code)
BAD_INVOCATIONS: list[tuple[str, int]] = [
    ("", 2),  # no command: the group's help, as an error
    ("frobnicate", 2),
    ("--bogus", 2),
    ("template", 2),
    ("template {tmp}/t.xlsx --bogus", 2),
    ("template {tmp}/t.xlsx --proj 3", 2),
    ("template {tmp}/t.xlsx --projects many", 2),
    ("template {tmp}/t.xlsx --projects 9999", 2),
    ("template {tmp}/t.xlsx --year 3000", 2),
    ("template {tmp}/t.xlsx --framework 2030", 2),
    ("template {tmp}/t.xlsx extra", 2),
    ("fill", 2),
    ("fill {tmp}/data.json", 2),
    ("fill {tmp}/data.json {tmp}/o.xlsx --into", 2),
    ("fill {tmp}/data.json --into {tmp}/nope.xlsx", 2),
    ("fill {tmp} {tmp}/o.xlsx", 2),
    ("export", 2),
    ("export {tmp}/nope.xlsx", 2),
    ("export {tmp}", 2),
    ("export {tmp}/book.xlsx --engine excel", 2),
    ("export {tmp}/book.xlsx -o", 2),
    ("schema extra", 2),
    ("validate", 2),
    ("validate {tmp}/book.xlsx --format xml", 2),
    ("validate {tmp}/book.xlsx --config {tmp}/nope.toml", 2),
    ("compute", 2),
    ("compute {tmp}/nope.xlsx -o {tmp}/o.xlsx", 2),
    ("compute {tmp}/book.xlsx --format yaml --in-place", 2),
    ("consolidate", 2),
    ("consolidate {tmp}/book.xlsx", 2),
    ("consolidate {tmp}/nope.xlsx -o {tmp}/s.xlsx", 2),
    ("consolidate {tmp}/book.xlsx -o {tmp}/s.xlsx --jobs 0", 2),
    ("consolidate {tmp}/book.xlsx -o {tmp}/s.xlsx --expected {tmp}/nope.csv", 2),
    ("publish", 2),
    ("publish {tmp}/book.xlsx", 2),
    ("publish {tmp}/nope.xlsx -o {tmp}/o.docx", 2),
    ("addin", 2),
    ("addin frob", 2),
    ("addin build --projects x", 2),
    ("addin build --xlsm --interpreter x.exe", 2),
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "data.json").write_text("{}", encoding="utf-8")
    (tmp_path / "book.xlsx").write_bytes(b"")
    return tmp_path


@pytest.mark.parametrize(("args", "code"), BAD_INVOCATIONS)
def test_click_errors_are_chinese(folder: Path, args: str, code: int) -> None:
    result = run(*args.format(tmp=folder).split())
    assert result.exit_code == code, result.stderr
    assert_chinese(result)


def test_the_english_detail_follows_the_chinese(folder: Path) -> None:
    result = run("export", folder / "nope.xlsx")
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("错误：参数 BOOK 的值无效：")
    assert "nope.xlsx”不存在" in last and "(Invalid value for 'BOOK'" not in last
    assert "（Invalid value for 'BOOK': File" in last  # click's words kept, after the Chinese
    assert result.stderr.splitlines()[0] == "用法：perfxl export [OPTIONS] BOOK"


def test_help_and_version_are_chinese() -> None:
    for args in (["--help"], ["template", "-h"], ["validate", "--help"], ["addin", "build", "-h"]):
        result = run(*args)
        assert result.exit_code == 0
        assert english_only_lines(result.stdout) == [], result.stdout
        assert result.stdout.startswith("用法：")
    assert run("--version").stdout.startswith("perfxl 版本 ")


@pytest.mark.parametrize(
    ("raise_", "code", "text"),
    [
        (click.Abort, 1, "已取消"),
        (KeyboardInterrupt, 130, "已中断"),
    ],
)
def test_abort_is_chinese(raise_: Callable[[], BaseException], code: int, text: str) -> None:
    @click.command("boom")
    def boom() -> None:
        raise raise_()

    main.add_command(boom)
    try:
        result = run("boom")
    finally:
        main.commands.pop("boom")
    assert result.exit_code == code
    assert text in result.stderr and "Aborted" not in result.stderr
