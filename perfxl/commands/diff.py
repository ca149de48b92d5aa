"""``perfxl diff``: what changed between two versions of a unit's workbook."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from perfxl.cli import EXIT_OK, EXIT_PROBLEMS, echo_out, handle_errors


@click.command("diff")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="输出格式：text 每处变化一行；json 为变化记录列表。",
)
@handle_errors
def command(old: Path, new: Path, fmt: str) -> None:
    """比较同一单位的两个版本 OLD 和 NEW（工作簿，或 perfxl export / import 的 JSON 数据）。

    项目先按项目编码、再按项目名称对应；列出新增和删除的项目、每个改动的字段（两边的工作表
    和单元格），以及新增、删除和改动的指标。

    退出码：0 内容相同；1 有变化；2 输入无法使用（不是绩效目标工作簿或无法读取）。
    """
    from perfxl.services.yoy import diff_books

    result = diff_books(old, new)
    if fmt == "json":
        echo_out(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        for c in result.changes:
            where = "；".join(
                f"{side}：{' › '.join(x for x in (sheet, cell) if x)}"
                for side, sheet, cell in (
                    ("原", c.old_sheet, c.old_cell),
                    ("新", c.new_sheet, c.new_cell),
                )
                if sheet
            )
            click.echo(f"[{_KIND[c.kind]}] {c.text()}" + (f"（{where}）" if where else ""))
        for note in result.notes:
            click.echo(f"提示：{note}", err=True)
        click.echo(result.summary(), err=True)
    sys.exit(EXIT_OK if result.equal else EXIT_PROBLEMS)


_KIND = {"added": "新增", "removed": "删除", "changed": "改动"}
