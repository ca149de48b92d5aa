"""The command line: thin — parse arguments, call the services (`perfxl.services`), print
their reports.

Exit codes (every command): 0 ok; 1 problems found (the work was done, see the messages);
2 unusable input (nothing was written); 130 interrupted (Ctrl-C); 141 the reader of standard
output closed it early (``perfxl export BOOK | head -1``).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from perfxl import __version__
from perfxl.cli_messages import ABORTED_MESSAGE, ChineseContext, adopt, error_lines
from perfxl.errors import PerfxlError
from perfxl.problems import SEVERITY_ZH, Problem

EXIT_OK, EXIT_PROBLEMS, EXIT_UNUSABLE = 0, 1, 2
EXIT_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a Unix tool whose reader went away

# Commands that live in their own modules, imported only when used (keeps start-up fast).
LAZY_COMMANDS: dict[str, str] = {
    "compute": "perfxl.commands.compute:command",
    "publish": "perfxl.commands.publish:command",
    "validate": "perfxl.commands.validate:command",
    "addin": "perfxl.commands.addin:command",
    "consolidate": "perfxl.commands.consolidate:command",
    "new": "perfxl.commands.new:command",
    "import": "perfxl.commands.import_:command",
    "rollover": "perfxl.commands.rollover:command",
    "diff": "perfxl.commands.diff:command",
    "library": "perfxl.commands.library:command",
    "serve": "perfxl.commands.serve:command",
}


class LazyGroup(click.Group):
    """A click group whose commands from LAZY_COMMANDS are imported on first use.

    It also speaks Chinese for click: usage errors, "Aborted!" and the help headings
    (see `perfxl.cli_messages`); usage errors keep exit code 2.
    """

    context_class = ChineseContext

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module, _, attr = LAZY_COMMANDS[cmd_name].partition(":")
            cmd: click.Command = getattr(importlib.import_module(module), attr)
            return adopt(cmd)
        found = super().get_command(ctx, cmd_name)
        return None if found is None else adopt(found)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """click's ``main``; in standalone mode click's errors are shown in Chinese."""
        extra["windows_expand_args"] = windows_expand_args
        from perfxl import heap

        heap.own()  # the command line's process is perfxl's: its allocator may be tuned
        # A Ctrl-C is an interruption until a command says its work is done: what an earlier
        # run in this process noted is forgotten (none was when the module is not loaded yet:
        # a command that writes nothing never loads it).
        outputs = sys.modules.get("perfxl.outputs")
        if outputs is not None:
            outputs.reset_finished()
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help(), err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            for line in error_lines(exc):
                click.echo(line, err=True)
            sys.exit(exc.exit_code)
        except click.Abort as exc:
            if isinstance(exc.__cause__, KeyboardInterrupt):  # Ctrl-C outside handle_errors
                from perfxl.outputs import stop_interrupted

                stop_interrupted()  # temp files removed, message, exit 130
            click.echo(f"\n{ABORTED_MESSAGE}", err=True)
            sys.exit(EXIT_PROBLEMS)
        # click's standalone mode exits 0 after a command that returns; ``ctx.exit(n)`` gives n
        sys.exit(rv if isinstance(rv, int) and not isinstance(rv, bool) else EXIT_OK)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn perfxl's own errors into a message on stderr and the documented exit code.

    An ``OSError`` that no module turned into a ``PerfxlError`` is said the same way (the file
    and the reason in Chinese, exit 2): a clerk never meets a traceback for a full disk.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PerfxlError as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            from perfxl.outputs import stop_interrupted

            stop_interrupted()  # temp files removed, message, exit 130
        except BrokenPipeError:
            stop_broken_pipe()
        except OSError as exc:
            stop_os_error(exc)

    return wrapper


def stop_broken_pipe() -> None:
    """The reader of our output closed it (``| head -1``): that is its choice, not an error.

    End as a Unix tool does when SIGPIPE kills it: no message, no traceback, exit 141; temp
    files removed (a file being written is left as it was). Standard output is pointed at the
    null device first, so that flushing it at exit cannot fail again.
    """
    from perfxl.write.patch.safeio import discard_temps

    discard_temps()
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real descriptor (a test runner's capture): nothing to do
        pass
    sys.exit(EXIT_PIPE)


_OUT_PIECE = 2048  # characters: at most 8 KiB of UTF-8, what Python's buffer writes whole


def echo_out(text: str, *, nl: bool = True) -> None:
    """Print ``text`` (a report, the JSON) on standard output in small pieces.

    A single large write that the OS cuts short because the reader closed the pipe
    (``| head -1``) is taken by Python as done, the rest dropped without a word, and the
    command would end as if everything had been read. Pieces that fit Python's buffer are
    written whole or fail with ``BrokenPipeError``, which ends the command quietly with
    `EXIT_PIPE` (`stop_broken_pipe`).
    """
    text = text + "\n" if nl else text
    for i in range(0, len(text), _OUT_PIECE):
        click.echo(text[i : i + _OUT_PIECE], nl=False)


def stop_os_error(exc: OSError) -> None:
    """The last resort for an OS error: temp files removed, ``错误：FILE: reason``, exit 2."""
    from perfxl.errors import os_reason
    from perfxl.write.patch.safeio import discard_temps

    discard_temps()
    names = [os.fsdecode(n) for n in (exc.filename, exc.filename2) if isinstance(n, (str, bytes))]
    where = f"{' → '.join(names)}: " if names else ""
    click.echo(f"错误：{where}无法完成文件操作：{os_reason(exc)}。", err=True)
    sys.exit(EXIT_UNUSABLE)


def echo_problems(problems: Iterable[Problem]) -> None:
    """Problems on stderr, one a line: where, severity, message."""
    for p in problems:
        where = " › ".join(x for x in (p.file, p.sheet, p.cell) if x)
        click.echo(f"{where}: [{SEVERITY_ZH[p.severity]}] {p.message} ({p.rule})", err=True)


def _version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """``--version``: the release and which build it is (pure Python or compiled)."""
    if not value or ctx.resilient_parsing:
        return
    from perfxl import compiled

    click.echo(f"perfxl 版本 {__version__}（{'编译版' if compiled() else '纯 Python 版'}）")
    ctx.exit()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_version,
    help="显示版本号（纯 Python 版或编译版）并退出。",
)
def main() -> None:
    """perfxl — 预算绩效目标表工具：生成、填写、读取、校验、计算和汇总工作簿。

    退出码：0 正常；1 发现问题（已完成，见提示）；2 输入无法使用（未写出任何文件）；130 已中断（Ctrl-C，未写出不完整的文件）；141 标准输出的读取方提前关闭（如 | head），输出就此停止。
    """


def schema_field(pointer: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """An option callback refusing a value the schema refuses at ``pointer``, in its words."""

    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        from perfxl.rules.schema_rules import field_messages

        if value is None:
            return value
        problems = field_messages(pointer, value)
        if not problems and isinstance(value, str):  # what no cell holds as typed (32,767)
            from perfxl.io import text_refusals

            problems = [f"该值{m}" for m in text_refusals(value)]
        if problems:
            raise click.BadParameter("".join(problems), ctx=ctx, param=param)
        return value

    return check


WORKBOOK_SUFFIXES = (".xlsx",)  # what openpyxl writes for a new workbook (no macros)

F = TypeVar("F", bound=Callable[..., Any])


def overwrite_option(func: F) -> F:
    """The ``--overwrite`` option of every command that writes a file (`perfxl.outputs`)."""
    return click.option(
        "--overwrite",
        is_flag=True,
        help="输出文件已存在、且不是本命令此前写出（此后未改动）的文件时，仍覆盖它（先把原文件"
        "备份为 *.bak.*）；不加则不覆盖，未写出任何文件（退出码 2）。",
    )(func)


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--projects",
    "-n",
    default=1,
    show_default=True,
    type=click.IntRange(0, 500),
    help="项目工作表数量。",
)
@click.option("--unit-code", callback=schema_field("/unit/code"), help="单位编码（6 位）。")
@click.option("--unit-name", callback=schema_field("/unit/name"), help="单位名称。")
@click.option("--year", type=int, callback=schema_field("/year"), help="预算年度。")
@click.option(
    "--framework",
    type=click.Choice(["2015", "2021"]),
    default="2015",
    show_default=True,
    help="指标体系版本。",
)
@click.option(
    "--library",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="指标库（perfxl library 生成）：加入“指标库”工作表，项目表的三级指标可按二级指标下拉选择。",
)
@overwrite_option
@handle_errors
def template(
    out: Path,
    projects: int,
    unit_code: str | None,
    unit_name: str | None,
    year: int | None,
    framework: str,
    library: Path | None,
    overwrite: bool,
) -> None:
    """生成空白的标准工作簿 OUT（封面、部门整体绩效目标、项目表）。

    OUT 已存在时不覆盖（退出码 2），除非它是 template 此前生成、此后未改动的文件，或加 --overwrite。
    """
    from perfxl.outputs import check_suffix, finishing, refuse_inputs, replacing
    from perfxl.services import make_template

    check_suffix(out, WORKBOOK_SUFFIXES, "工作簿")
    refuse_inputs([out], [library])
    with replacing([out], "template", overwrite):
        kept = replaced_note(out, overwrite)
        kept = f"；{kept}" if kept else ""
        make_template(
            out,
            projects=projects,
            unit_code=unit_code,
            unit_name=unit_name,
            year=year,
            framework=framework,
            library=library,
        )
    lib = "，含指标库" if library else ""
    with finishing(EXIT_OK):  # the workbook is written: a late Ctrl-C changes nothing
        click.echo(f"已生成模板：{out}（{projects} 个项目表{lib}{kept}）", err=True)


def replaced_note(out: Path | None, overwrite: bool = True) -> str:
    """What the report adds when writing ``out`` replaces a file kept as its backup (with
    ``--overwrite``), said before the write (after it, ``out`` is the new file)."""
    from perfxl.write.patch.safeio import backup_path

    if out is None or not overwrite or not out.is_file():
        return ""
    return f"原文件备份为 {backup_path(out).name}"


@main.command()
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--into",
    "into",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="填入已有工作簿（只改写填报单元格，其余内容保留）。",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="与 --into 同用：另存为此文件；省略则原地写入并保留备份 BOOK.bak.xlsx。",
)
@overwrite_option
@handle_errors
def fill(
    data: Path, out: Path | None, into: Path | None, output: Path | None, overwrite: bool
) -> None:
    """把数据文件 DATA（JSON）写入新工作簿 OUT，或用 --into 写入已有工作簿。

    OUT（或 -o 的文件）已存在时不覆盖（退出码 2），除非它是 fill 此前写出、此后未改动的文件，
    或加 --overwrite；要把数据填入已有工作簿请用 --into。
    数据不符合规范时照样写入（便于下发上年数据供更正），并提示问题，退出码 1。
    """
    from perfxl import services

    if (out is None) == (into is None):
        raise click.UsageError("请给出输出文件 OUT，或用 --into 指定已有工作簿（二选一）。")
    from perfxl.outputs import check_suffix, finishing, refuse_inputs, replacing

    check_suffix(out, WORKBOOK_SUFFIXES, "工作簿")
    check_suffix(output, [into.suffix] if into else WORKBOOK_SUFFIXES, "与原工作簿同类型的工作簿")
    refuse_inputs(
        [out, output],
        [data, into],
        hint="原地写入请省略 -o（会先保留备份 BOOK.bak.xlsx）。" if into else "",
    )
    with replacing([out, output], "fill", overwrite, hint=_into_hint(data, out)):
        replaced = replaced_note(out or output, overwrite)
        if into is not None:  # DATA "-": standard input
            report = services.fill_into(data, into, output)  # in place: BOOK.bak.xlsx first
        else:
            assert out is not None
            report = services.fill_new(data, out)
    if into is not None:
        bak = f"原文件备份为 {report.backup.name}" if report.backup else replaced
        lines = [*report.notes, f"已写入：{report.written}" + (f"（{bak}）" if bak else "")]
    else:
        kept = f"；{replaced}" if replaced else ""
        lines = [f"已写入：{out}（{report.projects} 个项目{kept}）"]
    code = EXIT_PROBLEMS if report.problems else EXIT_OK
    with finishing(code):  # the workbook is written: a late Ctrl-C changes nothing
        for line in lines:
            click.echo(line, err=True)
        echo_problems(report.problems)
    sys.exit(code)


def _into_hint(data: Path, out: Path | None) -> str:
    """What a clerk who named a filled workbook as ``fill``'s OUT most likely meant."""
    if out is None:
        return ""
    return (
        f"要把数据填入这个已有的工作簿（保留其中其他内容），请用 perfxl fill {data} --into {out}。"
    )


@main.command()
@click.argument("book", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="写入此 JSON 文件（默认输出到标准输出）。",
)
@overwrite_option
@click.option(
    "--engine",
    type=click.Choice(["calamine", "openpyxl"]),
    default="calamine",
    show_default=True,
    help="读取引擎。",
)
@handle_errors
def export(book: Path, output: Path | None, engine: str, overwrite: bool) -> None:
    """读取工作簿 BOOK，输出其数据（JSON）。

    表格结构损坏（标签缺失或移动）或不是绩效目标工作簿时不输出，并指出原因，退出码 2。
    -o 的文件已存在时不覆盖（退出码 2），除非它是 perfxl 写出的 JSON 数据，或加 --overwrite。
    """
    from perfxl.outputs import DATA, check_suffix, refuse_inputs, replacing

    check_suffix(output, [".json"], "JSON 数据")
    refuse_inputs([output], [book])
    with replacing([output], DATA, overwrite):
        _export(book, output, engine)


def _export(book: Path, output: Path | None, engine: str) -> None:
    """`export`'s work, its output's rule arranged (`perfxl.outputs.replacing`)."""
    from perfxl.outputs import finishing
    from perfxl.services import export_workbook

    report = export_workbook(book, engine=engine)  # not perfxl: exit 2, as validate says
    echo_problems(report.problems)
    if not report.ok:
        click.echo("错误：工作簿结构有误，未导出。请按上面的提示修复后重试。", err=True)
        sys.exit(EXIT_UNUSABLE)
    code = EXIT_PROBLEMS if report.errors else EXIT_OK
    if output:
        report.write(output)
        with finishing(code):  # the JSON file is written: a late Ctrl-C changes nothing
            click.echo(f"已导出：{output}", err=True)
    else:  # what is printed is the only output: a Ctrl-C while printing interrupts it
        echo_out(report.text(), nl=False)
    sys.exit(code)


@main.command()
@handle_errors
def schema() -> None:
    """输出数据格式的 JSON Schema（Draft 2020-12）。"""
    from perfxl.schema import schema_text

    echo_out(schema_text(), nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
