"""A config file (``--config``) that cannot be parsed is refused in Chinese, at its line and
column: JSON in the words of the JSON data files (`perfxl.io`), TOML's commonest mistakes
each said in their own words and any other one in a general sentence; never the parser's
English. A config not in UTF-8 is refused as such, not with a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_XLSX = ROOT / "examples" / "suying-2023.xlsx"
ENGLISH = re.compile(r"[A-Za-z]{4,}")  # a word of the parser's: Expected, Expecting, line
ALLOWED = {"TOML", "JSON", "default", "config", "toml"}  # names, not the parser's text


def _refusal(tmp_path: Path, name: str, text: str) -> str:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(f)
    assert info.value.path == str(f)
    message = info.value.message
    assert set(ENGLISH.findall(message)) <= ALLOWED, message
    return message


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[codes\n", "第 1 行第 7 列：表头缺少结尾的 ]"),
        ('[codes]\nproject = "a\nb"\n', "第 2 行第 13 列：文本缺少结尾的引号"),
        ("framework = 2015 x\n", "第 1 行第 18 列：一行只能写一个“键 = 值”"),
        ("framework = abc\n", "第 1 行第 13 列：值无效（文本须用英文双引号括起"),
        ('[codes]\nproject = "\\d"\n', "第 2 行第 14 列：文本中的反斜杠 \\ 未转义"),
        ("[codes]\n[codes]\n", "第 2 行第 7 列：同一个表声明了两次"),
        ('framework = "2015"\nframework = "2021"\n', "第 2 行第 19 列：同一个键赋值了两次"),
        ("[basis]\naccepted = [1, 2\n", "文件末尾：列表缺少结尾的 ]"),
        ("[[a\n", "第 1 行第 4 列：数组表头缺少结尾的 ]]"),
        ("framework\n", "第 1 行第 10 列：键名后面缺少等号 ="),
        ("x = 1979-13-01\n", "第 1 行第"),  # a date tomllib refuses: some sentence, located
    ],
)
def test_a_toml_syntax_error_is_said_in_chinese_where_it_is(
    tmp_path: Path, text: str, said: str
) -> None:
    message = _refusal(tmp_path, "c.toml", text)
    assert message.startswith("配置文件不是有效的 TOML：")
    assert said in message


def test_an_unknown_toml_message_gets_a_general_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tomllib

    loads = tomllib.loads

    def odd(text: str) -> dict[str, object]:
        if text != "x = 1\n":  # the shipped defaults
            return loads(text)
        raise tomllib.TOMLDecodeError("Something new in a later Python (at line 3, column 5)")

    monkeypatch.setattr(tomllib, "loads", odd)
    message = _refusal(tmp_path, "c.toml", "x = 1\n")
    assert message == (
        "配置文件不是有效的 TOML：第 3 行第 5 列：格式有误，请对照 default-config.toml 检查这一处。"
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"codes": {"project": }}', "第 1 行第 23 列：此处缺少值（或多了一个逗号）"),
        ('{"framework": "2015",}', "第 1 行第 21 列：最后一项后面多了英文逗号，请删去"),
        ('{"framework" "2015"}', "第 1 行第 14 列：缺少英文冒号"),
        ('{"framework": "2015"} x', "第 1 行第 23 列：JSON 已结束，后面还有多余内容"),
    ],
)
def test_a_json_syntax_error_is_said_as_for_data_files(
    tmp_path: Path, text: str, said: str
) -> None:
    message = _refusal(tmp_path, "c.json", text)
    assert message == f"配置文件不是有效的 JSON：{said}。"


def test_a_config_not_in_utf8_is_refused_in_chinese(tmp_path: Path) -> None:
    f = tmp_path / "gbk.toml"
    f.write_bytes('framework = "中文"\n'.encode("gbk"))
    with pytest.raises(ConfigError, match="不是 UTF-8 编码"):
        load_config(f)


def test_the_command_says_it_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[codes\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(EXAMPLE_XLSX), "--config", str(bad)])
    assert res.exit_code == 2
    assert f"错误：{bad}: 配置文件不是有效的 TOML：第 1 行第 7 列：表头缺少结尾的 ]。" in res.output
    assert "Expected" not in res.output
