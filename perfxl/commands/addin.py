"""``perfxl addin build``: the Excel ribbon add-in, built on any OS."""

from __future__ import annotations

from pathlib import Path

import click

from perfxl.cli import handle_errors


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
@handle_errors
def build(
    output: Path | None,
    xlsm: bool,
    projects: int,
    interpreter: str | None,
    pythonpath: str | None,
) -> None:
    """生成“绩效目标”功能区加载项（.xlam），或带功能区的标准工作簿（--xlsm）。"""
    from perfxl.excel.addin import build_addin, build_xlsm, xlwings_template
    from perfxl.outputs import check_suffix, finishing, refuse_inputs

    check_suffix(output, [".xlsm"] if xlsm else [".xlam"], "带宏的工作簿" if xlsm else "加载项")
    refuse_inputs([output], [xlwings_template()])  # the one file the build reads
    if xlsm:
        if interpreter or pythonpath:
            raise click.UsageError(
                "--xlsm 工作簿不含配置表：请在工作簿旁或用户目录的 perfxl.conf 中设置解释器。"
            )
        out = build_xlsm(output or Path("perfxl-模板.xlsm"), projects=projects)
        made = f"已生成带功能区的工作簿：{out}"
    else:
        out = build_addin(
            output or Path("perfxl.xlam"), interpreter=interpreter, pythonpath=pythonpath
        )
        made = f"已生成加载项：{out}"
    with finishing(0):  # the file is written: a late Ctrl-C changes nothing
        click.echo(made, err=True)
