"""``perfxl compute``: compute the cumulative plan percentages and write them into the book."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from perfxl.cli import (
    EXIT_OK,
    EXIT_PROBLEMS,
    echo_out,
    echo_problems,
    handle_errors,
    overwrite_option,
)

if TYPE_CHECKING:
    from perfxl.problems import Problem
    from perfxl.services import ComputeReport


@click.command("compute")
@click.argument("book", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="另存为此文件（扩展名与原工作簿相同），原工作簿不变。",
)
@click.option("--in-place", is_flag=True, help="直接写入原工作簿（先保留备份 BOOK.bak.xlsx）。")
@overwrite_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json：在标准输出打印每个项目的百分比和问题记录。",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="县级配置文件（TOML 或 JSON），监控表的预警灯阈值取自其中 [monitoring]，与 validate 相同；缺省用内置配置。",
)
@handle_errors
def command(
    book: Path,
    output: Path | None,
    in_place: bool,
    overwrite: bool,
    fmt: str,
    config_path: Path | None,
) -> None:
    """计算工作簿 BOOK 中每个项目的资金支出计划累计进度（%）并写回工作簿。

    累计进度 = 截至该时点的计划金额 ÷ 预算数 × 100（空白按 0 计），四舍五入保留两位小数，
    写入各项目表“累计进度（%）”一行及封面的“12月底进度（%）”和合计行。保留模板公式，只写入
    计算结果；工作簿中的其他内容（图片、图表、宏、批注、条件格式等）一字节不改。perfxl 此前版本
    生成的监控表、自评表中的旧版公式更新为当前公式（提示中说明，不影响退出码）。

    必须二选一：-o OUT.xlsx 另存，或 --in-place 原地写入。OUT 已存在时不覆盖（退出码 2），
    除非它是 compute 此前另存、此后未改动的文件，或加 --overwrite。

    退出码：0 全部项目已计算；1 有项目未计算或数字有问题（金额不是数字或以文本保存、预算数为空
    或为 0、金额为负数、自评表的计分问题、公式被改动、表格标签被移动，见提示），其余项目已写入；
    2 无法使用（不是 .xlsx/.xlsm 工作簿、没有项目表、文件被 Excel/WPS 打开、目标不可写），未写出
    任何文件。
    """
    from perfxl.services import compute_workbook
    from perfxl.services.computation import updated_message

    if (output is None) == (not in_place):
        raise click.UsageError(
            "请用 -o OUT.xlsx 另存到新文件，或用 --in-place 直接写入原工作簿（二选一）。"
        )
    from perfxl.outputs import check_suffix, finishing, refuse_inputs, replacing

    check_suffix(output, [book.suffix], "与原工作簿同类型的工作簿")
    refuse_inputs(
        [output],
        [book, config_path],
        hint="原地写入请用 --in-place（会先保留备份 BOOK.bak.xlsx）。",
    )
    config = None  # the shipped defaults, loaded only if a monitoring workbook needs them
    if config_path is not None:
        from perfxl.config import load_config

        config = load_config(config_path)
    with replacing([output], "compute", overwrite):
        report = compute_workbook(book, output, config, overwrite=overwrite)
    code = EXIT_PROBLEMS if report.problems else EXIT_OK
    with finishing(code):  # the workbook is written: a late Ctrl-C changes nothing
        echo_problems(report.problems)
        if (updated := updated_message(report.updated)) is not None:
            click.echo(updated, err=True)
        what = "得分、总分和自评等级" if report.stage == "evaluation" else "累计进度"
        if report.outcome.monitoring is not None:  # without a month, no lights
            from perfxl.monitoring import computed_figures

            what = computed_figures(report.outcome.monitoring)
        msg = _count_line(report, what)
        if report.backup is not None:
            msg += f"（原文件备份为 {report.backup.name}）"
        click.echo(msg, err=True)
        if report.stage == "evaluation" and fmt != "json":
            for line in _evaluation_lines(report):
                click.echo(line)
        if fmt == "json":
            echo_out(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    sys.exit(code)


def _count_line(report: ComputeReport, what: str) -> str:
    """``已计算 N/M 个项目的…，写入：FILE``: N counts the projects computed and written in
    full; a project computed but with a cell left alone (its formula was changed, see the
    problems) is counted apart, and so are cover cells left alone."""
    partly = _partly_written(report)
    done = report.done - len(partly)
    line = f"已计算 {done}/{report.total} 个项目的{what}"
    if partly:
        line += f"（另有 {len(partly)} 个项目已计算，但有单元格未写入，见上面的提示）"
    return f"{line}，写入：{report.target}"


def _partly_written(report: ComputeReport) -> set[int]:
    """The projects computed whose sheet has a cell left alone (``compute.formula_changed``)."""
    read = report.outcome.read
    sheets = {s.name: s.project_index for s in read.sheets if s.project_index is not None}
    left = {sheets[p.sheet] for p in report.problems if _left_alone(p) and p.sheet in sheets}
    return {i for i in left if _computed(report, i)}


def _left_alone(problem: Problem) -> bool:
    """Whether ``problem`` says a cell was not written (its formula is not perfxl's)."""
    return problem.rule == "compute.formula_changed"


def _computed(report: ComputeReport, index: int) -> bool:
    """Whether project ``index`` counts among ``report.done`` (its figures were computed)."""
    out = report.outcome
    if out.evaluation is not None:
        return index < len(out.evaluation) and out.evaluation[index].total is not None
    if out.monitoring is not None:
        return any(m.index == index and m.rate is not None for m in out.monitoring)
    return any(p.index == index and p.percents is not None for p in out.computed.projects)


def _evaluation_lines(report: Any) -> list[str]:
    """The text report of a self-evaluation: per project its 总分 and 自评等级."""
    d = report.to_dict()
    lines = [f"评分方案：{d['profile']}"]
    for p in d["projects"]:
        total = "—（未计算，原因见提示）" if p["total"] is None else f"{p['total']:.2f}"
        level = p["level"] or "—"
        lines.append(f"{p['index'] + 1}. {p['name'] or p['sheet']}：总分 {total}，自评等级 {level}")
    return lines
