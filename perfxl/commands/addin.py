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
    default="perfxl.xlam",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="写出的加载项文件。",
)
@click.option("--interpreter", help="Windows 上 Python 解释器的完整路径（pythonw.exe）。")
@click.option("--pythonpath", help="额外的 Python 模块搜索路径。")
@handle_errors
def build(output: Path, interpreter: str | None, pythonpath: str | None) -> None:
    """生成“绩效目标”功能区加载项（.xlam）。"""
    from perfxl.excel.addin import build_addin

    build_addin(output, interpreter=interpreter, pythonpath=pythonpath)
    click.echo(f"已生成加载项：{output}", err=True)
