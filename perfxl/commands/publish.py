"""``perfxl publish``: the disclosure document (Word, optionally PDF) from workbooks."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from perfxl.cli import EXIT_OK, EXIT_PROBLEMS, echo_problems, handle_errors


@click.command()
@click.argument("books", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="输出的 Word 文档（.docx）。",
)
@click.option(
    "--pdf", is_flag=True, help="同时用 LibreOffice 生成 PDF（与 .docx 同名），目录带页码。"
)
@click.option("--title", help="封面标题（默认：单位名称 + 年度；多个单位时为县名 + 年度）。")
@handle_errors
def command(books: tuple[Path, ...], output: Path, pdf: bool, title: str | None) -> None:
    """生成预算绩效目标公开文本：BOOK 为一个工作簿时生成该单位的文本；

    为多个工作簿或文件夹时，生成全县文本（前为汇总表和收入的报送文件，后依次为各单位）。
    同一单位有多个版本时只收入一个，与 consolidate 的选择相同（先比较工作簿保存时间，再比较
    文件修改时间，最后按文件名）。不存在的文件与无法读取的文件一样列出，其余照常生成。
    工作簿结构有误的单位不收入文本并给出提示，退出码 1；没有可用的单位时退出码 2。
    绩效运行监控表不收入公开文本（监控表的公开将在后续版本提供）：与其他文件一起给出时列出、
    不影响退出码；只给出监控表时退出码 2。
    """
    from perfxl.outputs import check_suffix, refuse_inputs
    from perfxl.services import publish

    check_suffix(output, [".docx"], "Word 文档")
    refuse_inputs([output, output.with_suffix(".pdf") if pdf else None], books)
    result = publish(list(books), output, pdf=pdf, title=title, progress=_progress)
    echo_problems(p for p in result.problems if p.severity == "error")
    for file, reason in result.skipped:
        click.echo(f"{file}: [未收入] {reason}", err=True)
    for file in result.summaries:
        click.echo(f"{file}：perfxl 生成的汇总表，不是单位报送的工作簿，未收入。", err=True)
    for file, verdict in result.monitoring:
        click.echo(f"{file}：[未收入] {verdict}", err=True)
    if result.superseded:
        click.echo(
            f"同一单位的旧版本 {len(result.superseded)} 个未收入（各单位收入的文件见文档中的"
            "“本文收入的报送文件”表）。",
            err=True,
        )
    click.echo(
        f"已生成：{result.docx}（{result.units} 个单位，{result.projects} 个项目表）", err=True
    )
    if result.pdf is not None:
        click.echo(f"已生成：{result.pdf}", err=True)
    sys.exit(EXIT_PROBLEMS if result.skipped else EXIT_OK)


def _progress(message: str) -> None:
    """Each step of a long publish on stderr (a county's PDF takes minutes)."""
    click.echo(message, err=True)
