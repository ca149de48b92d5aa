"""``perfxl addin build``: the Excel ribbon add-in, built on any OS."""

from __future__ import annotations

from pathlib import Path

import click

from perfxl.cli import handle_errors, overwrite_option


@click.group()
def command() -> None:
    """Excel 功能区加载项（xlwings）。"""


@command.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="写出的文件（默认 perfxl.xlam；与 --xlsm 同用时默认 perfxl-模板.xlsm）。",
)
@click.option(
    "--xlsm",
    is_flag=True,
    help="改为生成带同一功能区和宏的标准工作簿（.xlsm），供不安装加载项的单位使用。",
)
@click.option("--projects", default=1, show_default=True, help="--xlsm：空白项目表的张数。")
@click.option("--interpreter", help="Windows 上 Python 解释器的完整路径（pythonw.exe）。")
@click.option("--pythonpath", help="额外的 Python 模块搜索路径。")
@overwrite_option
@handle_errors
def build(
    output: Path | None,
    xlsm: bool,
    projects: int,
    interpreter: str | None,
    pythonpath: str | None,
    overwrite: bool,
) -> None:
    """生成“绩效目标”功能区加载项（.xlam），或带功能区的标准工作簿（--xlsm）。

    输出文件已存在时：perfxl 生成的加载项、本命令此前生成且此后未改动的 --xlsm 工作簿直接替换；
    其他文件（包括各单位已填报的 .xlsm 工作簿）不覆盖（退出码 2），除非加 --overwrite（先把
    原文件备份为 *.bak.*）。
    """
    from perfxl.excel.addin import build_addin, build_xlsm, xlwings_template
    from perfxl.outputs import ADDIN, ADDIN_XLSM, check_suffix, finishing, refuse_inputs, replacing

    check_suffix(output, [".xlsm"] if xlsm else [".xlam"], "带宏的工作簿" if xlsm else "加载项")
    target = output or Path("perfxl-模板.xlsm" if xlsm else "perfxl.xlam")
    refuse_inputs([target], [xlwings_template()])  # the one file the build reads
    if xlsm and (interpreter or pythonpath):
        raise click.UsageError(
            "--xlsm 工作簿不含配置表：请在工作簿旁或用户目录的 perfxl.conf 中设置解释器。"
        )
    with replacing([target], ADDIN_XLSM if xlsm else ADDIN, overwrite):
        if xlsm:
            out = build_xlsm(target, projects=projects)
            made = f"已生成带功能区的工作簿：{out}"
        else:
            out = build_addin(target, interpreter=interpreter, pythonpath=pythonpath)
            made = f"已生成加载项：{out}"
    with finishing(0):  # the file is written: a late Ctrl-C changes nothing
        click.echo(made, err=True)
