"""``perfxl new monitoring``: the year's later forms, built from the targets workbook."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from perfxl.cli import EXIT_OK, EXIT_PROBLEMS, WORKBOOK_SUFFIXES, echo_problems, handle_errors


@click.group("new")
def command() -> None:
    """由预算绩效目标工作簿生成当年后续的填报表（如绩效运行监控表）。"""


@command.command("monitoring")
@click.argument("targets", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="写出的监控工作簿（.xlsx）。",
)
@click.option(
    "--month",
    type=click.IntRange(1, 12),
    default=7,
    show_default=True,
    help="监控月份 X：填报截至 X 月底的执行情况（7 即 1-7月）。",
)
@handle_errors
def monitoring(targets: Path, output: Path, month: int) -> None:
    """由绩效目标工作簿 TARGETS 生成项目支出绩效目标执行监控表 -o OUTPUT。

    每个项目、预算数、绩效目标和每条指标及其指标值（年度指标值）照搬并锁定，只留执行数、
    执行情况等填报格；执行率为公式，Excel、WPS、LibreOffice 打开即算。

    退出码：0 已生成；1 已生成，但读取目标表时发现问题（见提示）；2 无法使用（不是绩效目标
    工作簿、表格结构损坏、输出即输入或扩展名不对），未写出任何文件。
    """
    from perfxl.outputs import check_suffix, refuse_inputs
    from perfxl.services import new_monitoring

    check_suffix(output, WORKBOOK_SUFFIXES, "工作簿")
    refuse_inputs([output], [targets])
    report = new_monitoring(targets, output, month=month)
    echo_problems(report.problems)
    click.echo(
        f"已生成监控表：{output}（{report.projects} 个项目，{report.indicators} 条指标，"
        f"截至 {month}月底）",
        err=True,
    )
    sys.exit(EXIT_PROBLEMS if report.problems else EXIT_OK)
