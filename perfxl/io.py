"""Loading the JSON data file and checking it against the schema (no workbook libraries)."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfxl.errors import DataError, os_reason
from perfxl.model import Targets, json_kind
from perfxl.numbers import MAX_AMOUNT
from perfxl.problems import Problem
from perfxl.rules.catalogue import RuleId, make

if TYPE_CHECKING:
    from perfxl.rules.base import Finding

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
        raise DataError(f"无法读取文件（{os_reason(exc)}）。", path=name) from exc
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
        where, what = json_syntax(text, exc)
        raise DataError(
            f"不是有效的 JSON：{where}：{what}（{exc.msg}）。",
            path=name,
        ) from exc


def json_syntax(text: str, exc: json.JSONDecodeError) -> tuple[str, str]:
    """Where ``text`` stops being JSON and what is wrong there, in Chinese (a data file's, a
    config's): a trailing comma in one wording at the comma whichever Python's decoder found
    it (`_trailing_comma`), else the meaning of the decoder's message (`_JSON_ERRORS`)."""
    comma = _trailing_comma(text, exc)
    if comma is not None:
        line = text.count("\n", 0, comma) + 1
        col = comma - text.rfind("\n", 0, comma)
        return f"第 {line} 行第 {col} 列", "最后一项后面多了英文逗号，请删去"
    what = next((zh for en, zh in _JSON_ERRORS if exc.msg.startswith(en)), "格式有误")
    return f"第 {exc.lineno} 行第 {exc.colno} 列", what


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
        kind = json_kind(raw)
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
    found = _schema_findings(raw)
    refusals = [*(_detail(f) for f in found if _unwritable(raw, f)), *cell_refusals(raw)]
    if refusals:
        raise DataError(_refusal_message(refusals), path=name)
    return LoadedData(raw, targets, _fill_problems(found, name), name)


# Excel's limit for the text of one cell; openpyxl cuts a longer text there without a word.
CELL_TEXT_LIMIT = 32767
_REFUSALS_SHOWN = 20


def _unwritable(raw: Any, f: Finding) -> bool:
    """Whether a schema finding is about a value no cell holds as given: a list or an object
    where one value belongs, or an amount beyond what Excel keeps to the cent.

    Other schema errors (a number in a text field, a negative amount) are written as they are,
    so that last year's data goes out for correction; these cannot be: refused, nothing written.
    """
    value = _at(raw, f.pointer)
    if f.rule == "schema.range":  # Infinity is not a number: said once, by `cell_refusals`
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return number and math.isfinite(value) and abs(value) > MAX_AMOUNT
    return isinstance(value, list | dict) and f.rule in ("schema.other", "schema.type")


def _at(data: Any, pointer: str) -> Any:
    """The value at a JSON pointer (None when there is none)."""
    for part in pointer.strip("/").split("/") if pointer.strip("/") else ():
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return None
    return data


def cell_refusals(data: Any) -> list[str]:
    """What in the data no workbook cell can hold as given, one message each (empty: none).

    A number that is not finite (NaN, Infinity: Python's JSON reads them, JSON has none), a
    text with a lone surrogate (not a character: nothing can encode it), a text longer than a
    cell holds (Excel and openpyxl cut it), and a goal holding a line break (the goals are one
    cell, a goal a line: it would come back as two goals). Written, each would be lost or
    changed without a word; ``fill`` refuses the file instead.
    """
    from perfxl.rules.schema_rules import label_of

    out: list[str] = []
    for pointer, value in _leaves(data, ""):
        label = label_of(pointer)
        if isinstance(value, float) and not math.isfinite(value):
            out.append(
                f"{pointer}：“{label}”的值为 {json.dumps(value)}，不是数字（JSON 中没有这样的值，"
                "工作簿也无法保存）。请填写数字，空白写 null。"
            )
        elif isinstance(value, str):
            out.extend(f"{pointer}：“{label}”{m}" for m in text_refusals(value))
    projects = data.get("projects") if isinstance(data, dict) else None
    for i, p in enumerate(projects if isinstance(projects, list) else ()):
        goals = p.get("goals") if isinstance(p, dict) else None
        if isinstance(goals, list) and all(isinstance(g, str) for g in goals):
            out.extend(_goal_refusals(goals, f"/projects/{i}/goals"))
    return out


def _leaves(data: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    """Every value below ``data`` that is not an object or a list, with its pointer."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, f"{pointer}/{str(k).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _leaves(v, f"{pointer}/{i}")
    else:
        yield pointer, data


def text_refusals(text: str) -> list[str]:
    """Why a text cannot go into a cell as it is (the field's label goes before each)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        return [
            f"第 {exc.start + 1} 个字符是单独的代理码位（\\u{code:04x}），不是有效的字符，"
            "无法写入工作簿。请删去或改正该字符（多见于复制粘贴或转换出错的文本）。"
        ]
    n = _stored_length(text)
    if n <= CELL_TEXT_LIMIT:
        return []
    return [
        f"有 {n} 个字符，超过 Excel 单元格最多 {CELL_TEXT_LIMIT} 个字符的上限，写入会被截断。"
        f"请缩短到 {CELL_TEXT_LIMIT} 个字符以内。"
    ]


def _goal_refusals(goals: list[str], pointer: str) -> list[str]:
    """A project's goals go into one cell, a goal a line (`perfxl.write.sheets.project_value`)."""
    from perfxl.constants import L_GOALS

    out = [
        f"{pointer}/{j}：“{L_GOALS}”第 {j + 1} 条含有换行：工作簿中每条绩效目标占一行，读回时会"
        "被拆成多条。请把它拆成多条，或删去换行。"
        for j, g in enumerate(goals)
        if "\n" in g or "\r" in g
    ]
    n = _stored_length("\n".join(goals))
    if n > CELL_TEXT_LIMIT and all(_stored_length(g) <= CELL_TEXT_LIMIT for g in goals):
        out.append(
            f"{pointer}：“{L_GOALS}”共 {len(goals)} 条，写入同一个单元格（每条一行）共 {n} 个"
            f"字符，超过 Excel 单元格最多 {CELL_TEXT_LIMIT} 个字符的上限，写入会被截断。请精简。"
        )
    return out


def _stored_length(text: str) -> int:
    """How long a text is in a cell as Excel counts it: as stored (characters XML cannot hold
    take their escape, `perfxl.xstring`), in UTF-16 units (a character beyond U+FFFF is two)."""
    from perfxl.xstring import escape

    return len(escape(text).encode("utf-16-le")) // 2


def _refusal_message(refusals: list[str]) -> str:
    more = len(refusals) - _REFUSALS_SHOWN
    lines = refusals[:_REFUSALS_SHOWN] + ([f"……另有 {more} 处"] if more > 0 else [])
    return "数据中有工作簿单元格无法照原样保存的值，未写出任何文件：\n  " + "\n  ".join(lines)


def schema_problems(data: Any, *, file: str | None = None) -> list[Problem]:
    """Every place where ``data`` breaks the packaged schema, as ``fill.schema`` problems.

    The checks and the wording are validation's (`perfxl.rules.schema_rules`): a message names
    the field by its Chinese label, and the problem carries the JSON pointer.
    """
    if not isinstance(data, dict):
        detail = "数据文件的最外层应为一个 JSON 对象"
        return [make("fill.schema", file=file, pointer="/", detail=detail)]
    return _fill_problems(_schema_findings(data), file)


def _schema_findings(data: dict[str, Any]) -> list[Finding]:
    """The schema's findings over a data file, in document order."""
    from perfxl.config import default_config
    from perfxl.framework import FRAMEWORKS
    from perfxl.rules.schema_rules import findings

    config = default_config()
    fw = data.get("framework")
    framework = fw if isinstance(fw, str) and fw in FRAMEWORKS else config.framework
    if data.get("framework") is None:
        data = {**data, "framework": framework}  # as validation does: the county default
    return sorted(findings(data, config, framework), key=lambda f: _pointer_key(f.pointer))


def _message(f: Finding) -> str:
    """A schema finding's message as validation words it (its value among the fields)."""
    fields = dict(f.fields)
    fields.setdefault("value", f.value)
    return make(f.rule, **fields).message


def _detail(f: Finding) -> str:
    """A finding's message, with the pointer before it."""
    return f"{f.pointer}：{_message(f)}"


def _fill_problems(found: list[Finding], file: str | None) -> list[Problem]:
    out = []
    for f in found:
        detail = _message(f).rstrip("。")
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
