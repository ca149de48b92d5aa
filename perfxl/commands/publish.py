"""``perfxl publish``: the disclosure document (Word, optionally PDF) from workbooks."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from perfxl.cli import EXIT_OK, EXIT_PROBLEMS, echo_problems, handle_errors, overwrite_option


@click.command()
@click.argument("books", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="输出的 Word 文档（.docx）；它（或 --pdf 的 PDF）已存在时不覆盖，除非是 publish 此前"
    "生成（文档此后未改动）的文件，或加 --overwrite。",
)
@overwrite_option
@click.option(
    "--pdf", is_flag=True, help="同时用 LibreOffice 生成 PDF（与 .docx 同名），目录带页码。"
)
@click.option("--title", help="封面标题（默认：单位名称 + 年度；多个单位时为县名 + 年度）。")
@click.option(
    "--stage",
    type=click.Choice(["targets", "monitoring", "evaluation"]),
    # click would show the three values as the placeholder, a line without a Chinese word
    # (too long for the option column): the help names them instead
    metavar="阶段",
    help="输入中有多种表（绩效目标表、绩效运行监控表、绩效自评表）时，公开哪一种。阶段为 targets"
    "（绩效目标公开文本）、monitoring（运行监控公开文本）或 evaluation（绩效自评公开文本）；其他表"
    "列出但不收入。缺省按输入的表决定，有多种时不生成。",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="县级配置文件（TOML 或 JSON），监控表的预警灯阈值取自其中 [monitoring]，与 compute "
    "相同；缺省用内置配置。",
)
@handle_errors
def command(
    books: tuple[Path, ...],
    output: Path,
    overwrite: bool,
    pdf: bool,
    title: str | None,
    stage: str | None,
    config_path: Path | None,
) -> None:
    """生成公开文本：BOOK 为一个工作簿时生成该单位的文本；

    为多个工作簿或文件夹时，生成全县文本（前为汇总表和收入的报送文件，后依次为各单位）。
    绩效目标表生成预算绩效目标公开文本；绩效运行监控表（同一月份）生成项目支出绩效运行监控
    情况（总体情况、各项目的执行监控表，执行率、序时进度和绿/黄/红预警与 compute 相同）；
    绩效自评表生成项目支出绩效自评情况（总体情况：执行率、平均分、各自评等级的项目数和得分较低
    的项目；各项目的绩效自评表，得分、总分和自评等级与 compute 相同，按工作簿封面的评分方案）。
    多种表混在一起时不生成（退出码 2，列出文件），用 --stage 选定一种，其他表列出但不收入。
    同一单位有多个版本时只收入一个，与 consolidate 的选择相同（先比较工作簿保存时间，再比较
    文件修改时间，最后按文件名）。不存在的文件与无法读取的文件一样列出，其余照常生成。
    工作簿结构有误的单位不收入文本并给出提示，退出码 1；监控表、自评表中带入的目标值被改动
    （或项目、指标行被增删）时，文本按其“目标表带入记录”收入，逐格提示，退出码 1；没有可用的
    单位时退出码 2。
    """
    from perfxl.config import load_config
    from perfxl.errors import summary_verdict
    from perfxl.outputs import check_suffix, finishing, refuse_inputs, replacing
    from perfxl.publish.api import carried_edited, project_kind
    from perfxl.services import publish

    check_suffix(output, [".docx"], "Word 文档")
    outputs = [output, output.with_suffix(".pdf") if pdf else None]
    refuse_inputs(outputs, [*books, config_path])
    with replacing(outputs, "publish", overwrite):
        result = publish(
            list(books),
            output,
            pdf=pdf,
            title=title,
            progress=_progress,
            stage=stage,
            config=load_config(config_path),
        )
    edited = carried_edited(result.problems)
    code = EXIT_PROBLEMS if result.skipped or edited else EXIT_OK
    with finishing(code):  # the document (and PDF) is written: a late Ctrl-C changes nothing
        echo_problems(p for p in result.problems if p.severity == "error")
        for file, reason in result.skipped:
            click.echo(f"{file}: [未收入] {reason}", err=True)
        for file in result.summaries:
            click.echo(f"{file}：{summary_verdict('未收入')}", err=True)
        for file, verdict in result.other_stage:
            click.echo(f"{file}：[未收入] {verdict}", err=True)
        if result.superseded:
            click.echo(
                f"同一单位的旧版本 {len(result.superseded)} 个未收入（各单位收入的文件见文档中的"
                "“本文收入的报送文件”表）。",
                err=True,
            )
        kind = project_kind(result.stage)
        click.echo(
            f"已生成：{result.docx}（{result.units} 个单位，{result.projects} 个{kind}）",
            err=True,
        )
        if result.pdf is not None:
            click.echo(f"已生成：{result.pdf}", err=True)
    sys.exit(code)


def _progress(message: str) -> None:
    """Each step of a long publish on stderr (a county's PDF takes minutes)."""
    click.echo(message, err=True)
