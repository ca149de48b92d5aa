"""Loading the JSON data file and checking it against the schema (no workbook libraries)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfxl.errors import DataError
from perfxl.model import Targets
from perfxl.problems import Problem
from perfxl.rules.catalogue import RuleId, make

EMITS: frozenset[RuleId] = frozenset({"fill.schema"})
STDIN = "-"
STDIN_NAME = "标准输入"

# Python's JSON error texts, with what they mean for a person editing the file.
_JSON_ERRORS: tuple[tuple[str, str], ...] = (
    ("Expecting value", "此处缺少值（或多了一个逗号）"),
    ("Expecting property name enclosed in double quotes", "字段名须用英文双引号括起（或多了逗号）"),
    ("Expecting ',' delimiter", "缺少英文逗号"),
    ("Expecting ':' delimiter", "缺少英文冒号"),
    ("Unterminated string", "字符串缺少结尾的英文双引号"),
    ("Invalid control character", "字符串中有未转义的控制字符（如换行，应写作 \\n）"),
    ("Invalid \\escape", "反斜杠转义无效（路径中的 \\ 应写作 \\\\）"),
    ("Invalid \\uXXXX escape", "\\u 转义无效"),
    ("Extra data", "JSON 已结束，后面还有多余内容"),
)
_JSON_KINDS = {
    list: "列表（[…]）",
    str: "文本",
    int: "数字",
    float: "数字",
    bool: "true/false",
    type(None): "null",
}


def display_name(path: Path | str) -> str:
    """How messages name the data file ("-" is standard input)."""
    return STDIN_NAME if str(path) == STDIN else str(path)


def load_json(path: Path | str) -> Any:
    """Read a JSON data file; ``-`` reads standard input.

    Raises:
        DataError: the file is missing, not UTF-8 or not JSON (in Chinese, naming the file).
    """
    name = display_name(path)
    try:
        raw = sys.stdin.buffer.read() if str(path) == STDIN else Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise DataError("文件不存在，请检查文件名和所在文件夹。", path=name) from exc
    except IsADirectoryError as exc:
        raise DataError("这是文件夹，这里需要一个 JSON 数据文件。", path=name) from exc
    except PermissionError as exc:
        raise DataError("没有读取权限，无法打开文件。", path=name) from exc
    except OSError as exc:
        raise DataError(f"无法读取文件（{exc.strerror or exc}）。", path=name) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"文件不是 UTF-8 编码（第 {exc.start + 1} 个字节无法解码），"
            "请用 UTF-8 编码另存后重试。",
            path=name,
        ) from exc
    if not text.strip():
        raise DataError("文件为空，不是 JSON 数据。", path=name)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        comma = _trailing_comma(text, exc)
        if comma is not None:  # one wording whichever Python's decoder found it
            line = text.count("\n", 0, comma) + 1
            col = comma - text.rfind("\n", 0, comma)
            where, what = f"第 {line} 行第 {col} 列", "最后一项后面多了英文逗号，请删去"
        else:
            where = f"第 {exc.lineno} 行第 {exc.colno} 列"
            what = next((zh for en, zh in _JSON_ERRORS if exc.msg.startswith(en)), "格式有误")
        raise DataError(
            f"不是有效的 JSON：{where}：{what}（{exc.msg}）。",
            path=name,
        ) from exc


def _trailing_comma(text: str, exc: json.JSONDecodeError) -> int | None:
    """Where a comma stands before the ``}`` or ``]`` that closes its object or list, when
    that is what ``exc`` met: Python 3.13 says so ("Illegal trailing comma", at the comma);
    earlier releases expect a name or a value at the closing bracket."""
    if exc.msg.startswith("Illegal trailing comma"):
        return exc.pos
    if not exc.msg.startswith(("Expecting property name", "Expecting value")):
        return None
    if exc.pos >= len(text) or text[exc.pos] not in "}]":
        return None
    before = len(text[: exc.pos].rstrip()) - 1
    return before if before >= 0 and text[before] == "," else None


@dataclass(frozen=True)
class LoadedData:
    """A data file read for ``fill``.

    Attributes:
        raw: the JSON object as written in the file.
        targets: the model built from it.
        problems: where it breaks the schema (``fill.schema``, worded like validation's).
        name: how messages name the file.
    """

    raw: dict[str, Any]
    targets: Targets
    problems: list[Problem]
    name: str


def load_data(path: Path | str) -> LoadedData:
    """Read a data file, build the model and check it against the schema.

    Raises:
        DataError: the file cannot be read, is not JSON, is not a JSON object, or its parts are
            not shaped like the contract (an object where a list belongs …), naming the file.
    """
    name = display_name(path)
    raw = load_json(path)
    if not isinstance(raw, dict):
        kind = _JSON_KINDS.get(type(raw), type(raw).__name__)
        raise DataError(
            f"数据文件的最外层应为一个 JSON 对象（{{…}}，见 perfxl schema），实际为{kind}。",
            path=name,
        )
    try:
        targets = Targets.from_dict(raw)
    except DataError as exc:
        if exc.path is None:
            exc.path = name
        raise
    return LoadedData(raw, targets, schema_problems(raw, file=name), name)


def schema_problems(data: Any, *, file: str | None = None) -> list[Problem]:
    """Every place where ``data`` breaks the packaged schema, as ``fill.schema`` problems.

    The checks and the wording are validation's (`perfxl.rules.schema_rules`): a message names
    the field by its Chinese label, and the problem carries the JSON pointer.
    """
    from perfxl.config import default_config
    from perfxl.framework import FRAMEWORKS
    from perfxl.rules.schema_rules import findings

    if not isinstance(data, dict):
        detail = "数据文件的最外层应为一个 JSON 对象"
        return [make("fill.schema", file=file, pointer="/", detail=detail)]
    config = default_config()
    fw = data.get("framework")
    framework = fw if isinstance(fw, str) and fw in FRAMEWORKS else config.framework
    if data.get("framework") is None:
        data = {**data, "framework": framework}  # as validation does: the county default
    out = []
    for f in sorted(findings(data, config, framework), key=lambda f: _pointer_key(f.pointer)):
        fields = dict(f.fields)
        fields.setdefault("value", f.value)
        detail = make(f.rule, **fields).message.rstrip("。")
        value = f.value if _small(f.value) else None
        out.append(make("fill.schema", file=file, pointer=f.pointer, value=value, detail=detail))
    return out


def _pointer_key(pointer: str) -> tuple[tuple[int, int, str], ...]:
    """Pointers in document order: ``/projects/2`` before ``/projects/10``."""
    parts = pointer.strip("/").split("/")
    return tuple((1, int(p), "") if p.isdigit() else (0, 0, p) for p in parts)


def _small(v: Any) -> bool:
    return v is None or isinstance(v, str | int | float | bool)


def dump_json(data: Any) -> str:
    """The data as perfxl writes it: UTF-8, indented, Chinese kept readable."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
