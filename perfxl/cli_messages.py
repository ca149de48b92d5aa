"""click's own words in Chinese: usage errors, the help headings, "Aborted!".

click writes its errors and help headings in English (``Error: Invalid value for 'BOOK': …``,
``Usage:``, ``Options:``). perfxl's command group shows every click error through
`error_lines` (a Chinese sentence first; click's English text kept after it in brackets only
when the Chinese one is general and the English carries the detail), and every perfxl command
formats its help with `ChineseHelpFormatter`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache

import click


@cache
def _cjk() -> re.Pattern[str]:
    """CJK characters and full-width punctuation: compiled when first asked for (about 5 ms,
    a bitmap of the wide ranges), which only an error or the help does."""
    return re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def has_chinese(text: str) -> bool:
    """True when ``text`` holds a CJK character or full-width punctuation."""
    return _cjk().search(text) is not None


def usage_line(ctx: click.Context) -> str:
    """``用法：perfxl fill [OPTIONS] DATA [OUT]``."""
    pieces = " ".join(ctx.command.collect_usage_pieces(ctx))
    return f"用法：{ctx.command_path} {pieces}".rstrip()


def help_hint(ctx: click.Context) -> str | None:
    """``查看帮助：perfxl fill --help`` (None when the command has no help option)."""
    if ctx.command.get_help_option(ctx) is None:
        return None
    names = ctx.command.get_help_option_names(ctx)
    return f"查看帮助：{ctx.command_path} {max(names, key=len)}"


def error_lines(exc: click.ClickException) -> list[str]:
    """What perfxl prints on stderr for a click error: usage and help hint, then the error."""
    lines: list[str] = []
    ctx = exc.ctx if isinstance(exc, click.UsageError) else None
    if ctx is not None:
        lines.append(usage_line(ctx))
        hint = help_hint(ctx)
        if hint:
            lines.append(hint)
        lines.append("")
    english = exc.format_message()
    if not has_chinese(english):
        said = describe(exc)
        general = said.endswith(_GENERAL)  # else the Chinese says all the English does
        lines.append(f"错误：{said}（{english}）" if general else f"错误：{said}")
    elif isinstance(exc, click.BadParameter):  # perfxl's words, in click's English frame
        lines.append(f"错误：{describe(exc)}")
    else:  # perfxl's own message
        lines.append(f"错误：{english}")
    return lines


# What `describe` says when it cannot tell more than that something was refused.
_GENERAL = ("请检查这个值。", "的用法有误。", "命令行用法有误。", "命令未能执行。")


def describe(exc: click.ClickException) -> str:
    """One Chinese sentence saying what click refused."""
    if isinstance(exc, click.MissingParameter):
        kind = "选项" if exc.param_type == "option" or _is_option(exc.param) else "参数"
        return f"缺少{kind} {_param_name(exc)}，请补上。"
    if isinstance(exc, click.BadParameter):
        kind = "选项" if _is_option(exc.param) else "参数"
        return f"{kind} {_param_name(exc)} 的值无效：{_value_problem(exc)}"
    if isinstance(exc, click.NoSuchOption):
        text = f"没有选项 {exc.option_name}。"
        if exc.possibilities:
            text += f"是否想用 {'、'.join(sorted(exc.possibilities))}？"
        return text
    if isinstance(exc, click.exceptions.NoSuchCommand):
        text = f"没有命令“{exc.command_name}”。"
        if exc.ctx is not None and isinstance(exc.ctx.command, click.Group):
            text += f"可用命令：{'、'.join(exc.ctx.command.list_commands(exc.ctx))}。"
        return text
    if isinstance(exc, click.BadOptionUsage):
        if "does not take a value" in exc.message:
            return f"选项 {exc.option_name} 不接受值。"
        if "requires" in exc.message:
            return f"选项 {exc.option_name} 后面需要给出值。"
        return f"选项 {exc.option_name} 的用法有误。"
    if isinstance(exc, click.FileError):
        return f"无法打开文件“{exc.ui_filename}”。"
    m = re.match(r"Got unexpected extra arguments? \((.*)\)", exc.message)
    if m:
        return f"多余的参数：{m.group(1)}。请检查参数个数，含空格的路径请加引号。"
    if exc.message.startswith("Missing command"):
        return "缺少命令。"
    if isinstance(exc, click.UsageError):
        return "命令行用法有误。"
    return "命令未能执行。"


def _is_option(param: click.Parameter | None) -> bool:
    return isinstance(param, click.Option)


def _param_name(exc: click.BadParameter) -> str:
    hint = exc.param_hint
    if hint is not None:
        return hint if isinstance(hint, str) else " / ".join(hint)
    param = exc.param
    if isinstance(param, click.Option):
        return " / ".join(param.opts)
    if param is not None:
        return param.human_readable_name
    return ""


_PATH_PROBLEMS: Sequence[tuple[str, str]] = (
    ("does not exist", "“{name}”不存在，请检查文件名和所在文件夹。"),
    ("is a directory", "“{name}”是文件夹，这里需要一个文件。"),
    ("is a file", "“{name}”是文件，这里需要一个文件夹。"),
    ("is not readable", "“{name}”无法读取（没有读取权限）。"),
    ("is not writable", "“{name}”不可写入（没有写入权限）。"),
    ("is not executable", "“{name}”不可执行。"),
)


def _value_problem(exc: click.BadParameter) -> str:
    """What is wrong with the value, from the parameter's type (click's message is English)."""
    if has_chinese(exc.message):
        return exc.message
    m = re.match(r"^(?:File|Directory|Path) (['\"])(.*)\1 (.*)\.$", exc.message)
    if m:
        for english, zh in _PATH_PROBLEMS:
            if m.group(3).startswith(english):
                return zh.format(name=m.group(2))
    ptype = exc.param.type if exc.param is not None else None
    if isinstance(ptype, click.Choice):
        return f"可选值为 {'、'.join(map(str, ptype.choices))}。"
    if isinstance(ptype, click.IntRange | click.FloatRange):
        what = "整数" if isinstance(ptype, click.IntRange) else "数字"
        lo, hi = ptype.min, ptype.max
        if lo is not None and hi is not None:
            return f"应为 {lo} 到 {hi} 之间的{what}。"
        if lo is not None:
            return f"应为不小于 {lo} 的{what}。"
        return f"应为不大于 {hi} 的{what}。"
    if ptype is click.INT:
        return "应为整数。"
    if ptype is click.FLOAT:
        return "应为数字。"
    return "请检查这个值。"


ABORTED_MESSAGE = "已取消，操作未完成。"  # click's "Aborted!" (Ctrl-C: perfxl.outputs)


_SECTIONS = {
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Arguments": "参数",
}
_HELP_TEXTS = {
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
}
_EXTRAS = (
    (re.compile(r"^default: (.*)$"), r"默认：\1"),
    (re.compile(r"^required$"), "必填"),
    (re.compile(r"^env var: (.*)$"), r"环境变量：\1"),
)


def _zh_help(text: str) -> str:
    text = _HELP_TEXTS.get(text, text)

    def extras(m: re.Match[str]) -> str:
        parts = []
        for part in m.group(1).split("; "):
            for pattern, repl in _EXTRAS:
                part = pattern.sub(repl, part)
            parts.append(part)
        return "[" + "；".join(parts) + "]"

    return re.sub(r"\[([^\[\]]*)\]$", extras, text)


class ChineseHelpFormatter(click.HelpFormatter):
    """click's help layout with Chinese headings (用法、选项、命令) and option notes."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        with super().section(_SECTIONS.get(name, name)):
            yield

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(wrap_text(text, self.width, indent, indent))
        self.write("\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        # click's layout, measured in terminal columns: a Chinese character (in a help text,
        # or a placeholder such as ``--stage 阶段``) takes two.
        rows = [(a, _zh_help(b)) for a, b in rows]
        if not rows:
            return
        first_col = min(max(_columns(a) for a, _ in rows), col_max) + col_spacing
        indent = " " * self.current_indent
        for first, second in rows:
            self.write(f"{indent}{first}")
            if not second:
                self.write("\n")
                continue
            if _columns(first) <= first_col - col_spacing:
                self.write(" " * (first_col - _columns(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            width = max(self.width - first_col - 2, 10)
            lines = wrap_text(second, width).splitlines() or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


# Wrapping help text that mixes Chinese and English, as click's `wrap_text` does for English:
# paragraphs kept (a paragraph after a line holding only ``\b`` is not rewrapped), each
# filled to the width in terminal columns. A line may break between two Chinese characters
# (no space is added where a docstring's line ended between two of them), never inside an
# English word, never before a closing mark (，。） …) or after an opening one (（“ …).
_CLOSING = set("，。、；：！？）】」』》〉”’…")
_OPENING = set("（【「『《〈“‘")


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF" or ch in _CLOSING or ch in _OPENING


def wrap_text(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """``text``'s paragraphs filled to ``width`` terminal columns (indents included)."""
    paragraphs: list[tuple[int, bool, list[str]]] = []
    lines: list[str] = []
    for line in [*text.expandtabs().splitlines(), ""]:
        if line.strip():
            lines.append(line)
            continue
        if lines:
            raw = lines[0].strip() == "\b"
            body = lines[1:] if raw else lines
            indent = len(lines[0]) - len(lines[0].lstrip()) if not raw else 0
            paragraphs.append((indent, raw, body))
        lines = []
    out: list[str] = []
    for indent, raw, body in paragraphs:
        first, rest = initial_indent + " " * indent, subsequent_indent + " " * indent
        if raw:
            out.append("\n".join(first + line for line in body))
        else:
            out.append("\n".join(_fill(_joined(body), width, first, rest)))
    return "\n\n".join(out)


def _joined(lines: Sequence[str]) -> str:
    """A paragraph's lines as one text: joined with a space, except between two Chinese
    characters (a docstring's line break there is no space in the sentence)."""
    text = ""
    for line in (x.strip() for x in lines):
        if text and not (_wide(text[-1]) and _wide(line[0])):
            text += " "
        text += line
    return text


def _atoms(text: str) -> list[tuple[bool, str]]:
    """(a space before it, the piece) for each piece a line may not be broken inside."""
    atoms: list[tuple[bool, str]] = []
    space, glue = False, False  # glue: the next piece joins the last (after an opening mark)
    word = ""
    for ch in text + " ":
        if ch.isspace() or _wide(ch):
            if word:
                if glue:
                    _glue(atoms, word)
                else:
                    atoms.append((space, word))
                space, glue, word = False, False, ""
            if ch.isspace():
                space = True
                glue = False
            elif ch in _CLOSING and atoms and not space:
                _glue(atoms, ch)
            elif glue:
                _glue(atoms, ch)
                glue = ch in _OPENING
            else:
                atoms.append((space, ch))
                space, glue = False, ch in _OPENING
        else:
            word += ch
    return atoms


def _glue(atoms: list[tuple[bool, str]], piece: str) -> None:
    space, last = atoms[-1]
    atoms[-1] = (space, last + piece)


def _fill(text: str, width: int, first: str, rest: str) -> list[str]:
    lines: list[str] = []
    line, used, indent = first, _columns(first), first
    for space, piece in _atoms(text):
        size = _columns(piece)
        gap = 1 if space and line != indent else 0
        if line != indent and used + gap + size > width:
            lines.append(line)
            line, used, indent, gap = rest, _columns(rest), rest, 0
        while used + gap + size > width and len(piece) > 1 and line == indent:
            cut = _fit(piece, width - used)  # a piece longer than a line: cut, as click does
            lines.append(line + piece[:cut])
            piece, size = piece[cut:], _columns(piece[cut:])
            line, used, indent = rest, _columns(rest), rest
        line += " " * gap + piece
        used += gap + size
    if line != indent or not lines:
        lines.append(line)
    return lines


def _fit(piece: str, room: int) -> int:
    """How many of ``piece``'s characters fit in ``room`` columns (at least one)."""
    used = 0
    for i, ch in enumerate(piece):
        used += _columns(ch)
        if used > room:
            return max(i, 1)
    return len(piece)


def _columns(text: str) -> int:
    """How many terminal columns ``text`` takes (a wide or full-width character two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class ChineseContext(click.Context):
    """The context of every perfxl command: help is formatted in Chinese."""

    formatter_class = ChineseHelpFormatter


def adopt(cmd: click.Command) -> click.Command:
    """Give ``cmd`` (and a group's subcommands) the Chinese context; returns ``cmd``."""
    if cmd.context_class is click.Context:
        cmd.context_class = ChineseContext
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            adopt(sub)
    return cmd
