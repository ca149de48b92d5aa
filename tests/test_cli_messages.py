"""Messages a Chinese clerk can read: no English line reaches stderr without Chinese on it.

A table of bad invocations across every command, run through click's own runner (the same
``main`` the ``perfxl`` script calls), checking the exit code and that every stderr line that
holds a Latin letter also holds a Chinese character.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

import perfxl
from perfxl.cli import main
from perfxl.errors import DataError
from perfxl.io import load_json, schema_problems

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


def test_a_refusal_said_in_full_in_chinese_has_no_english_tail(folder: Path) -> None:
    result = run("export", folder / "nope.xlsx")
    last = result.stderr.strip().splitlines()[-1]
    assert (
        last
        == "错误：参数 BOOK 的值无效：“"
        + str(folder / "nope.xlsx")
        + "”不存在，请检查文件名和所在文件夹。"
    )
    assert "Invalid value" not in result.stderr
    assert result.stderr.splitlines()[0] == "用法：perfxl export [OPTIONS] BOOK"


def test_the_english_detail_follows_a_general_chinese_sentence() -> None:
    """Where perfxl can only say that a value was refused, click's English (which may say
    why) follows in brackets."""
    from perfxl.cli_messages import error_lines

    class Odd(click.ParamType):
        name = "odd"

    param = click.Option(["--odd"], type=Odd())
    exc = click.BadParameter("needs an odd number of commas", param=param)
    assert error_lines(exc)[-1] == (
        "错误：选项 --odd 的值无效：请检查这个值。"
        "（Invalid value for '--odd': needs an odd number of commas）"
    )


def test_help_and_version_are_chinese() -> None:
    for args in (["--help"], ["template", "-h"], ["validate", "--help"], ["addin", "build", "-h"]):
        result = run(*args)
        assert result.exit_code == 0
        assert english_only_lines(result.stdout) == [], result.stdout
        assert result.stdout.startswith("用法：")
    assert run("--version").stdout == f"perfxl 版本 {perfxl.__version__}（纯 Python 版）\n"


def _command_paths(cmd: click.Command, ctx: click.Context) -> list[list[str]]:
    """Every command and subcommand below ``cmd``, as the words after ``perfxl``."""
    out = [ctx.command_path.split()[1:]]
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            assert sub is not None
            sub_ctx = click.Context(sub, info_name=name, parent=ctx, **sub.context_settings)
            out += _command_paths(sub, sub_ctx)
    return out


# A clause ends at Chinese punctuation, or at an English full stop before a space.
_CLAUSES = re.compile(r"(?<=[。！？；])|(?<=[.!?])\s+")
_WORD = re.compile(r"[A-Za-z]{2,}")


def test_every_command_s_help_is_chinese() -> None:
    """``perfxl X -h`` for every command: no clause holds an English word without a Chinese
    character. The help is laid out wide enough that click wraps nothing (one paragraph, one
    option a line), so what is judged is the text, not where a terminal breaks it; an option
    whose name and value placeholder are too long for click's first column gets a line of its
    own, which must then say something in Chinese (``--stage [targets|monitoring|evaluation]``
    was such a line)."""
    root = click.Context(main, info_name="perfxl", **main.context_settings)
    paths = _command_paths(main, root)
    assert ["publish"] in paths and ["new", "monitoring"] in paths and ["addin", "build"] in paths
    english = []
    for path in paths:
        result = CliRunner().invoke(main, [*path, "-h"], prog_name="perfxl", terminal_width=10**4)
        assert result.exit_code == 0 and result.stdout.startswith("用法："), (path, result.output)
        english += [
            (" ".join(path), clause.strip())
            for line in result.stdout.splitlines()
            for clause in _CLAUSES.split(line)
            if _WORD.search(clause) and not CJK.search(clause)
        ]
    assert english == []


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


# --- fill: the schema's messages are validation's Chinese wording ------------------------


def test_fill_schema_problems_are_worded_like_validation(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    bad = json.loads(json.dumps(example_data))
    bad["projects"][0]["budget"] = "8.39万元"
    del bad["unit"]["name"]
    bad["year"] = 1999
    bad["money_unit"] = "元"
    bad["projects"][1]["code"] = "X1"
    bad["projects"][3]["plan"]["mar"] = -1
    bad["overall"]["areas"][0]["title"] = 5
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    result = run("fill", src, tmp_path / "bad.xlsx")
    assert result.exit_code == 1
    assert_chinese(result)
    for english in ("is not of type", "is a required property", "is less than", "is not one of"):
        assert english not in result.stderr
    problems = {p.pointer: p for p in schema_problems(bad, file="bad.json")}
    assert {p.rule for p in problems.values()} == {"fill.schema"}
    assert set(problems) == {
        "/projects/0/budget",
        "/unit/name",
        "/year",
        "/money_unit",
        "/projects/1/code",
        "/projects/3/plan/mar",
        "/overall/areas/0/title",
    }
    assert "“预算数”应为数字，实际为“8.39万元”" in problems["/projects/0/budget"].message
    assert "“单位名称”未填写" in problems["/unit/name"].message
    assert "“预算年度”的值 1999 超出允许范围（应不小于 2000）" in problems["/year"].message
    assert "“金额单位”的值“元”无效，可选：万元" in problems["/money_unit"].message
    assert "“项目编码”“X1”格式不符" in problems["/projects/1/code"].message
    assert "“3月底”为负数（-1.00 万元）" in problems["/projects/3/plan/mar"].message
    assert "“分项名称”应为文本" in problems["/overall/areas/0/title"].message


def test_fill_and_validate_share_one_wording(example_data: dict[str, Any]) -> None:
    """fill's message holds validate's message for the same field, word for word."""
    from perfxl.config import default_config
    from perfxl.rules.base import Context
    from perfxl.rules.catalogue import make
    from perfxl.rules.schema_rules import check

    bad = json.loads(json.dumps(example_data))
    bad["projects"][2]["budget"] = "8.39万元"
    ctx = Context(targets=None, data=bad, config=default_config(), framework="2015")
    (finding,) = check(ctx)
    wording = make(finding.rule, value=finding.value, **finding.fields).message
    (problem,) = schema_problems(bad)
    assert wording.rstrip("。") in problem.message


# --- data files that cannot be used: Chinese, naming the file, exit 2 ---------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"[1, 2]", "最外层应为一个 JSON 对象"),
        (b"3", "实际为数字"),
        (b'"text"', "实际为文本"),
        (b"null", "实际为null"),
        # a trailing comma: one message, at the comma, on every Python (3.13 words it itself)
        (b'{"a": 1,}', "第 1 行第 8 列：最后一项后面多了英文逗号"),
        (b'{"a": [1, 2,\n  ]}', "第 1 行第 12 列：最后一项后面多了英文逗号"),
        (b'{"a": 1, "b"}', "第 1 行第 13 列：缺少英文冒号"),
        (b'{"a": [1, , 2]}', "第 1 行第 11 列：此处缺少值"),
        (b'{"a": 1} x', "后面还有多余内容"),
        (b"", "文件为空"),
        (b"\xb0\xa1{}", "不是 UTF-8 编码"),
        (b'{"projects": {}}', "/projects"),
    ],
)
def test_unusable_data_file(tmp_path: Path, content: bytes, expected: str) -> None:
    src = tmp_path / "数据.json"
    src.write_bytes(content)
    result = run("fill", src, tmp_path / "o.xlsx")
    assert result.exit_code == 2 and expected in result.stderr and "数据.json" in result.stderr
    assert_chinese(result)
    assert not (tmp_path / "o.xlsx").exists()
    piped = CliRunner().invoke(main, ["fill", "-", str(tmp_path / "o.xlsx")], input=content)
    assert piped.exit_code == 2 and expected in piped.stderr and "标准输入" in piped.stderr


def test_fill_reads_standard_input(tmp_path: Path) -> None:
    from conftest import EXAMPLE_JSON

    out = tmp_path / "o.xlsx"
    result = CliRunner().invoke(main, ["fill", "-", str(out)], input=EXAMPLE_JSON.read_bytes())
    assert result.exit_code == 0, result.stderr
    assert out.exists()


def test_missing_data_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="文件不存在") as info:
        load_json(tmp_path / "nope.json")
    assert info.value.path == str(tmp_path / "nope.json")
    with pytest.raises(DataError, match="文件夹"):
        load_json(tmp_path)


# --- options and outputs refused by the rules the data follows ----------------------------


def _unit_code_pattern() -> str:
    from perfxl.schema import load_schema

    pattern: str = load_schema()["properties"]["unit"]["properties"]["code"]["pattern"]
    return pattern


@pytest.mark.parametrize(
    "code", ["12345", "1234567", "91000a", "９１０００１", " 910001", "910001"]
)
def test_template_unit_code_follows_the_schema(tmp_path: Path, code: str) -> None:
    out = tmp_path / "t.xlsx"
    result = run("template", out, "--unit-code", code)
    if re.search(_unit_code_pattern(), code):
        assert result.exit_code == 0, result.stderr
        return
    assert result.exit_code == 2 and not out.exists()
    assert_chinese(result)
    assert f"错误：选项 --unit-code 的值无效：“单位编码”“{code}”格式不符，应为6 位数字" in (
        result.stderr
    )


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--year", "1999", "“预算年度”的值 1999 超出允许范围（应不小于 2000）"),
        ("--year", "2101", "“预算年度”的值 2101 超出允许范围（应不大于 2100）"),
        ("--unit-name", "", "“单位名称”未填写"),
    ],
)
def test_template_options_follow_the_schema(
    tmp_path: Path, option: str, value: str, expected: str
) -> None:
    out = tmp_path / "t.xlsx"
    result = run("template", out, option, value)
    assert result.exit_code == 2 and not out.exists()
    assert expected in result.stderr
    assert_chinese(result)


@pytest.fixture
def real(tmp_path: Path) -> Path:
    from conftest import EXAMPLE_JSON, EXAMPLE_XLSX

    (tmp_path / "book.xlsx").write_bytes(EXAMPLE_XLSX.read_bytes())
    (tmp_path / "data.json").write_bytes(EXAMPLE_JSON.read_bytes())
    return tmp_path


# (arguments, the output that must not appear, the extension asked for)
WRONG_SUFFIX: list[tuple[str, str, str]] = [
    ("fill data.json out.json", "out.json", ".xlsx"),
    ("fill data.json out", "out", ".xlsx"),
    ("fill data.json --into book.xlsx -o out.xlsm", "out.xlsm", ".xlsx"),
    ("template out.docx", "out.docx", ".xlsx"),
    ("export book.xlsx -o out.xlsx", "out.xlsx", ".json"),
    ("publish book.xlsx -o out.xlsx", "out.xlsx", ".docx"),
    ("consolidate book.xlsx -o out.csv", "out.csv", ".xlsx"),
    ("compute book.xlsx -o out.json", "out.json", ".xlsx"),
    ("validate book.xlsx --annotate out.json", "out.json", ".xlsx"),
    ("addin build -o out.xlsx", "out.xlsx", ".xlam"),
    ("addin build --xlsm -o out.xlam", "out.xlam", ".xlsm"),
]


@pytest.mark.parametrize(("args", "output", "want"), WRONG_SUFFIX)
def test_output_extension_contradicting_the_format_is_refused(
    real: Path, monkeypatch: pytest.MonkeyPatch, args: str, output: str, want: str
) -> None:
    monkeypatch.chdir(real)
    before = (real / "book.xlsx").read_bytes()
    result = run(*args.split())
    assert result.exit_code == 2, result.stderr
    assert f"错误：{output}: 输出文件的扩展名" in result.stderr and f"扩展名应为 {want}" in (
        result.stderr
    )
    assert_chinese(result)
    assert not (real / output).exists()
    assert (real / "book.xlsx").read_bytes() == before
    assert sorted(p.name for p in real.iterdir()) == ["book.xlsx", "data.json"]


def test_check_suffix() -> None:
    from perfxl.outputs import OutputSuffixError, check_suffix

    check_suffix(None, [".xlsx"], "工作簿")
    check_suffix(Path("汇总 2024.XLSX"), [".xlsx"], "工作簿")
    check_suffix(Path("a.xlsm"), [".xlsx", ".xlsm"], "工作簿")
    with pytest.raises(OutputSuffixError, match=r"请改用 汇总\.xlsx") as info:
        check_suffix(Path("dir/汇总.csv"), [".xlsx"], "汇总工作簿")
    assert info.value.path == str(Path("dir/汇总.csv")) and info.value.exit_code == 2
    with pytest.raises(OutputSuffixError, match=r"扩展名应为 \.xlsx 或 \.json。请改用 p\.xlsx"):
        check_suffix(Path("p.docx"), [".xlsx", ".json"], "工作簿（.xlsx）或 JSON 数据")


def test_a_real_process_speaks_chinese(tmp_path: Path) -> None:
    """The script's own entry (``python -m perfxl.cli``), not only click's test runner."""
    import subprocess
    import sys

    for args, code in (
        (["export", str(tmp_path / "nope.xlsx")], 2),
        (["template", str(tmp_path / "t.xlsx"), "--unit-code", "12345"], 2),
        (["fill", "-", str(tmp_path / "o.xlsx")], 2),
        (["template", str(tmp_path / "t.docx")], 2),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "perfxl.cli", *args],
            input="[]",
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == code, proc.stderr
        assert CJK.search(proc.stderr) and english_only_lines(proc.stderr) == [], proc.stderr


def test_a_chinese_placeholder_keeps_the_option_column_aligned() -> None:
    """``--stage 阶段``: the help of every option starts at the same terminal column, a
    Chinese character counted as the two columns it takes (click counts one)."""
    import unicodedata

    def columns(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    result = run("publish", "-h")
    rows = [ln for ln in result.stdout.splitlines() if ln.startswith("  -")]
    assert any(ln.startswith("  --stage 阶段 ") for ln in rows), result.stdout
    # the option and its placeholder, then the spaces up to its help
    starts = {columns(m[0]) for ln in rows if (m := re.match(r"  \S+(?: \S+)*?  +", ln))}
    assert len(starts) == 1 and len(rows) == 7, (starts, result.stdout)


def _columns(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_every_command_s_help_fits_an_80_column_terminal_without_breaking_words() -> None:
    """``perfxl X -h`` in an 80-column terminal, for every command: each line fits in 80
    columns (a Chinese character takes two; click counted one and ran lines to ~130 columns),
    no English word or option name is cut in two (``mon`` / ``itoring`` was), nothing is lost
    or added but white space against the unwrapped layout, and no space appears between two
    Chinese characters that the command's own text does not have (click joined a docstring's
    lines with a space: ``输出文件 本身``)."""
    root = click.Context(main, info_name="perfxl", **main.context_settings)
    word = re.compile(r"[A-Za-z][A-Za-z0-9_.$*-]*")
    for path in _command_paths(main, root):
        cmd: Any = main
        for name in path:
            cmd = cmd.get_command(root, name)
        own = " ".join([cmd.help or "", *(getattr(p, "help", None) or "" for p in cmd.params)])

        def help_at(width: int, path: list[str] = path) -> str:
            result = CliRunner().invoke(
                main, [*path, "-h"], prog_name="perfxl", terminal_width=width
            )
            assert result.exit_code == 0, result.output
            return result.stdout

        narrow, wide = help_at(80), help_at(10**4)
        assert [ln for ln in narrow.splitlines() if _columns(ln) > 80] == [], path
        if isinstance(cmd, click.Group):  # its commands' short help is cut to fit, by design
            narrow, wide = (text.partition("命令：")[0] for text in (narrow, wide))
        assert re.sub(r"\s", "", narrow) == re.sub(r"\s", "", wide), path
        assert set(word.findall(wide)) <= set(word.findall(narrow)), (path, narrow)
        spaced = re.findall(f"(?=({CJK.pattern} {CJK.pattern}))", narrow)
        assert [s for s in spaced if s not in own] == [], (path, narrow)
