"""``perfxl new monitoring`` / ``perfxl new evaluation``: the year's later forms, built from the
targets workbook."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from perfxl.cli import (
    EXIT_OK,
    EXIT_PROBLEMS,
    WORKBOOK_SUFFIXES,
    echo_problems,
    handle_errors,
    overwrite_option,
)

F = TypeVar("F", bound=Callable[..., Any])


def _output(what: str) -> Callable[[F], F]:
    """The ``-o/--output`` option: the ``what`` (监控, 自评) workbook written."""
    option = click.option(
        "-o",
        "--output",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"写出的{what}工作簿（.xlsx）；已存在时不覆盖，除非是本命令此前生成、此后未改动的"
        "文件，或加 --overwrite。",
    )
    return lambda func: option(overwrite_option(func))


def _previous(form: str) -> Callable[[F], F]:
    """The ``--from`` option: the earlier ``form`` (监控表, 自评表) to carry from."""
    return click.option(
        "--from",
        "previous",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help=f"此前生成并已填报的{form}：目标表有变动（如新增项目）时重新生成，"
        "按项目编码（其次项目名称）和一二三级指标带入原填报内容；新增的留空，已删除的列出提示。",
    )


def _refuse(output: Path, source: Path, previous: Path | None) -> None:
    """Exit 2 (nothing written) when ``output`` is no workbook name or is one of the inputs."""
    from perfxl.outputs import check_suffix, refuse_inputs

    check_suffix(output, WORKBOOK_SUFFIXES, "工作簿")
    refuse_inputs([output], [source, previous])


def _finish(report: Any, output: Path, made: str, detail: str, previous: Path | None) -> NoReturn:
    """Tell what was written (``made``: 监控表, 自评表; ``detail``: its month or profile), the
    problems and notes, and exit 1 when reading found problems, else 0."""
    from perfxl.outputs import finishing

    code = EXIT_PROBLEMS if report.problems else EXIT_OK
    with finishing(code):  # the workbook is written: a late Ctrl-C changes nothing
        echo_problems(report.problems)
        for note in report.notes:
            click.echo(f"提示：{note}", err=True)
        kept = f"，{report.kept} 个项目带入原填报内容" if previous is not None else ""
        click.echo(
            f"已生成{made}：{output}（{report.projects} 个项目，{report.indicators} 条指标，"
            f"{detail}{kept}）",
            err=True,
        )
    sys.exit(code)


def _profile_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse an empty ``--profile`` (exit 2): it would be taken for no option at all."""
    if value is not None and not value.strip():
        from perfxl.scoring import PROFILES

        names = "、".join(f"{n}（{p.title}）" for n, p in PROFILES.items())
        raise click.BadParameter(
            f"评分方案名称不能为空。可用的评分方案：{names}；"
            "不给 --profile 时沿用 --from 原自评表或配置文件的评分方案。",
            ctx=ctx,
            param=param,
        )
    return value


@click.group("new")
def command() -> None:
    """由预算绩效目标工作簿生成当年后续的填报表（绩效运行监控表、绩效自评表）。"""


@command.command("monitoring")
@click.argument("targets", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_output("监控")
@click.option(
    "--month",
    type=click.IntRange(1, 12),
    default=None,
    help="监控月份 X：填报截至 X 月底的执行情况（7 即 1-7月）。默认 7；"
    "用 --from 时默认沿用原监控表的月份。",
)
@_previous("监控表")
@handle_errors
def monitoring(
    targets: Path, output: Path, overwrite: bool, month: int | None, previous: Path | None
) -> None:
    """由绩效目标工作簿 TARGETS 生成项目支出绩效目标执行监控表 -o OUTPUT。

    每个项目、预算数、绩效目标和每条指标及其指标值（年度指标值）照搬并锁定，只留执行数、
    执行情况等填报格；执行率为公式，Excel、WPS、LibreOffice 打开即算。带入的值另记在隐藏的
    “目标表带入记录”工作表中，perfxl validate 据此指出被改动的目标值。

    退出码：0 已生成；1 已生成，但读取目标表时发现问题（见提示）；2 无法使用（不是绩效目标
    工作簿、表格结构损坏、--from 不是监控表、输出即输入或扩展名不对），未写出任何文件。

    目标表有变动时，用 --from 指定原监控表重新生成到新文件（从不覆盖原监控表）。
    """
    from perfxl.outputs import NEW_MONITORING, replacing
    from perfxl.services import new_monitoring

    _refuse(output, targets, previous)
    with replacing([output], NEW_MONITORING, overwrite):
        report = new_monitoring(targets, output, month=month, previous=previous)
    _finish(report, output, "监控表", f"截至 {report.month}月底", previous)


@command.command("evaluation")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_output("自评")
@click.option(
    "--profile",
    default=None,
    callback=_profile_name,
    help="评分方案名称（default：财政部通用评分；ratio-reverse：反向指标按比值计分）。"
    "缺省时用 --from 原自评表的评分方案，否则用县级配置文件 [evaluation] profile（内置为 default）。"
    "方案名称写在封面上。",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="县级配置文件（TOML 或 JSON），评分方案取自其中 [evaluation] profile；缺省用内置配置。",
)
@_previous("自评表")
@handle_errors
def evaluation(
    source: Path,
    output: Path,
    overwrite: bool,
    profile: str | None,
    config_path: Path | None,
    previous: Path | None,
) -> None:
    """由绩效目标工作簿（或绩效运行监控表）SOURCE 生成项目支出绩效自评表 -o OUTPUT。

    每个项目、年初预算数、绩效目标（预期目标）和每条指标及其指标值（年度指标值）照搬并锁定，
    只留全年预算数、全年执行数、实际完成值等填报格；由监控表生成时，调整后预算数作为全年预算数
    的默认值。执行率、得分、总分和自评等级为公式，Excel、WPS、LibreOffice 打开即算（实际完成值
    带单位的文字，如“8.2万元”，其得分由 perfxl compute 计算）。

    退出码：0 已生成；1 已生成，但读取来源工作簿时发现问题（见提示）；2 无法使用（不是绩效
    目标工作簿、表格结构损坏、评分方案不存在、--from 不是自评表、输出即输入或扩展名不对），
    未写出任何文件。
    """
    from perfxl.outputs import NEW_EVALUATION, replacing
    from perfxl.services import new_evaluation

    _refuse(output, source, previous)
    with replacing([output], NEW_EVALUATION, overwrite):
        report = new_evaluation(
            source, output, profile=profile, previous=previous, config_path=config_path
        )
    _finish(report, output, "自评表", f"评分方案 {report.profile}", previous)
