"""``perfxl import``: a published disclosure document (.docx or text PDF) -> a workbook or data."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

import click

from perfxl.cli import (
    EXIT_OK,
    EXIT_PROBLEMS,
    echo_out,
    echo_problems,
    handle_errors,
    overwrite_option,
)


@click.command()
@click.argument("doc", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="写出的标准工作簿（.xlsx）或数据文件（.json）；已存在时不覆盖，除非是 perfxl 此前写出"
    "（工作簿：import 生成、此后未改动）的文件，或加 --overwrite。",
)
@overwrite_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json：把导入的数据（与 perfxl export 相同的 JSON）输出到标准输出。",
)
@click.option(
    "--year", type=click.IntRange(1990, 2100), help="预算年度（文档标题中没有年度时指定）。"
)
@handle_errors
def command(doc: Path, output: Path | None, overwrite: bool, fmt: str, year: int | None) -> None:
    """导入公开的预算绩效目标文本 DOC（Word .docx 或文字版 PDF），写出标准工作簿。

    第一部分（部门整体绩效目标）各节作为文字导入；第二部分每个项目表（按“项目编码”“预算数”
    “一级指标”等标签查找，不按位置）导入为一个项目。未能识别的表格、行和文字逐条列出（第几个
    表格、第几行），不会悄悄丢弃。

    退出码：0 全部导入；1 已导入，但有内容未能识别（见提示）；2 文档无法使用（不是 .docx/PDF、
    已加密、没有项目表），未写出任何文件。
    """
    from perfxl.importer import import_document
    from perfxl.outputs import (
        DATA,
        check_suffix,
        finishing,
        refuse_existing,
        refuse_inputs,
        replacing,
    )

    if output is None and fmt != "json":
        raise click.UsageError(
            "请用 -o 指定输出的工作簿（.xlsx）或数据文件（.json），或用 --format json 输出到标准输出。"
        )
    check_suffix(output, [".xlsx", ".json"], "工作簿（.xlsx）或 JSON 数据")
    refuse_inputs([output], [doc])
    json_out = output is not None and output.suffix.lower() == ".json"
    kind = DATA if json_out else "import"
    refuse_existing([output], overwrite, kind=kind)  # before the document is read
    result = import_document(doc, year=year)
    t = result.targets
    echo_problems(result.problems)
    from perfxl.io import dump_json

    data = dump_json(t.to_dict())  # as export writes data
    code = EXIT_PROBLEMS if result.problems else EXIT_OK
    with replacing([output], kind, overwrite):
        if output is not None and json_out:
            from perfxl.write.atomic import atomic_path

            with atomic_path(output) as tmp:
                Path(tmp).write_text(data, encoding="utf-8")
        elif output is not None:
            from perfxl.write.fill import write_new

            write_new(t, output)
    # With -o the file is written: a late Ctrl-C changes nothing. Without, the JSON on
    # standard output is the only output, and a Ctrl-C while it is printed interrupts it.
    with finishing(code) if output is not None else nullcontext():
        if output is not None:
            indicators = sum(len(p.indicators) for p in t.projects)
            click.echo(
                f"已导入：{output}（{len(t.projects)} 个项目，{indicators} 条指标）", err=True
            )
        if fmt == "json":
            echo_out(data, nl=False)
    sys.exit(code)
