"""``perfxl library``: the indicators of past years gathered into 指标库.xlsx."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from perfxl.cli import EXIT_OK, EXIT_PROBLEMS, WORKBOOK_SUFFIXES, handle_errors, overwrite_option


@click.command("library")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="写出的指标库（.xlsx），如 指标库.xlsx；已存在时不覆盖，除非是 library 此前生成、此后"
    "未改动的文件，或加 --overwrite。",
)
@overwrite_option
@handle_errors
def command(inputs: tuple[Path, ...], output: Path, overwrite: bool) -> None:
    """由历年的工作簿、县级汇总表（其“指标明细”）或 JSON 数据 INPUT…（可为文件夹）生成指标库 -o OUTPUT。

    每个不同的指标（二级指标 + 三级指标）一行：指标值的常见写法、指标值确定依据、使用次数，
    以及用过它的项目类别（按项目名称中的词判断：道路、补贴、维修、环保……）。每个文件都计数：
    同一单位只给一个版本。生成的指标库用于 perfxl template --library 和 perfxl rollover --library。

    退出码：0 已生成；1 已生成，但有输入无法使用（见提示）；2 没有可用的输入，未写出任何文件。
    """
    from perfxl.outputs import check_suffix, finishing, refuse_inputs, replacing
    from perfxl.services.yoy import build_library

    check_suffix(output, WORKBOOK_SUFFIXES, "工作簿")
    refuse_inputs([output], list(inputs))
    with replacing([output], "library", overwrite):
        report = build_library(list(inputs), output)
    code = EXIT_PROBLEMS if report.skipped else EXIT_OK
    with finishing(code):  # the library is written: a late Ctrl-C changes nothing
        for path, reason in report.skipped:
            click.echo(f"{path}: [未使用] {reason}", err=True)
        uses = sum(e.count for e in report.library.entries)
        click.echo(
            f"已生成指标库：{output}（{len(report.files)} 个文件，{uses} 条指标行，"
            f"{len(report.library.entries)} 个不同的指标）",
            err=True,
        )
    sys.exit(code)
