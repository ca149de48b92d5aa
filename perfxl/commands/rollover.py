"""``perfxl rollover``: next year's workbook from this year's (or from imported data)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from perfxl.cli import (
    EXIT_OK,
    EXIT_PROBLEMS,
    WORKBOOK_SUFFIXES,
    echo_problems,
    handle_errors,
    overwrite_option,
    schema_field,
)


@click.command("rollover")
@click.argument("book", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--year",
    required=True,
    type=int,
    callback=schema_field("/year"),
    help="新的预算年度（如 2024）。",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="写出的新年度工作簿（.xlsx）；已存在时不覆盖，除非是 rollover 此前生成、此后未改动的"
    "文件，或加 --overwrite。",
)
@overwrite_option
@click.option(
    "--keep-amounts",
    is_flag=True,
    help="保留预算数、资金来源和资金支出计划（延续项目金额不变时）；默认清空待填。",
)
@click.option(
    "--library",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="指标库（perfxl library 生成）：加入“指标库”工作表，项目表的三级指标可按二级指标下拉选择。",
)
@handle_errors
def command(
    book: Path,
    year: int,
    output: Path,
    overwrite: bool,
    keep_amounts: bool,
    library: Path | None,
) -> None:
    """由上年的工作簿（或 perfxl export / import 的 JSON 数据）BOOK 生成新年度的工作簿 -o OUTPUT。

    单位、部门整体绩效目标、每个项目的名称、资金用途、绩效目标和绩效指标照搬；预算数、
    资金来源和资金支出计划清空待填（--keep-amounts 保留）。项目编码照搬，校验时编码中的年度
    与新年度不符的逐个提示核对（code.year_mismatch），已下达新编码的请改填。

    BOOK 须是绩效目标表：绩效运行监控表和绩效自评表不含资金用途、资金支出计划、绩效指标描述
    和指标值确定依据，不能用来生成新年度的工作簿。--year 须晚于 BOOK 的预算年度。

    退出码：0 已生成；1 已生成，但读取 BOOK 时发现问题（见提示）；2 无法使用（不是绩效目标
    工作簿，是监控表或自评表，--year 不晚于原预算年度，表格结构损坏，输出即输入或扩展名不对），
    未写出任何文件。
    """
    from perfxl.outputs import check_suffix, finishing, refuse_inputs, replacing
    from perfxl.rollover import RolloverError
    from perfxl.services.yoy import rollover_book

    check_suffix(output, WORKBOOK_SUFFIXES, "工作簿")
    refuse_inputs([output], [book, library])
    try:
        with replacing([output], "rollover", overwrite):
            report = rollover_book(book, output, year, keep_amounts=keep_amounts, library=library)
    except RolloverError as exc:  # the pure core knows the model, not the file: name it
        exc.path = exc.path or str(book)
        raise
    code = EXIT_PROBLEMS if report.problems else EXIT_OK
    with finishing(code):  # the workbook is written: a late Ctrl-C changes nothing
        echo_problems(report.problems)
        amounts = (
            "金额照搬" if keep_amounts else f"{report.cleared} 个项目的金额和支出计划已清空待填"
        )
        lib = f"，指标库 {report.library} 条" if report.library else ""
        click.echo(
            f"已生成 {year} 年度工作簿：{output}（{report.projects} 个项目，{amounts}{lib}）。"
            "项目编码照搬，请按 perfxl validate 的提示逐个核对。",
            err=True,
        )
    sys.exit(code)
