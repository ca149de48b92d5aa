"""``perfxl consolidate``: many units' workbooks (or summaries) -> one summary workbook."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from perfxl.cli import EXIT_OK, echo_out, handle_errors, overwrite_option


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="写出的汇总工作簿（.xlsx）。已存在时替换它，只要它是 perfxl 汇总表（再次汇总到同一"
    "文件）；其他文件不覆盖，除非加 --overwrite。",
)
@overwrite_option
@click.option(
    "--expected",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="应报单位名单 CSV（表头“单位编码,单位名称”或 unit_code,unit_name；UTF-8 或 GBK 编码），"
    "用于列出未提交单位。",
)
@click.option("--jobs", "-j", type=click.IntRange(1, 256), help="并行进程数（默认：全部 CPU 核）。")
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="校验配置文件（TOML/JSON）。",
)
@click.option(
    "--prefer",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="优先采用此文件作为其单位的版本（可多次给出，每个单位一个），不论保存时间和修改时间；"
    "须是本次输入中可以汇总的工作簿（不能是无法读取、非绩效目标工作簿、其他阶段的表或汇总表）。",
)
@click.option(
    "--tables",
    type=click.Path(file_okay=False, path_type=Path),
    help="另把各明细表写成 CSV（装有 pyarrow 时也写 Parquet）到此文件夹：绩效目标汇总为 "
    "projects、units、indicators、problems、files；监控汇总为 monitoring（监控汇总）、"
    "monitoring_units（乡镇执行）、rectify（需整改）、problems、files；自评汇总为 evaluation"
    "（自评汇总）、evaluation_units（乡镇得分）、lowest（低分项目）、problems、files。",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="缓存文件夹：未改动的工作簿（按文件内容识别）不再重新读取和校验（默认：用户缓存"
    "文件夹下的 perfxl/consolidate，可用环境变量 PERFXL_CACHE_DIR 指定）。",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="不使用缓存：重新读取和校验每个工作簿，也不写入缓存。",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="结果摘要的输出格式（标准输出）。",
)
@handle_errors
def command(
    inputs: tuple[Path, ...],
    output: Path,
    overwrite: bool,
    expected: Path | None,
    jobs: int | None,
    config: Path | None,
    prefer: tuple[str, ...],
    tables: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
    fmt: str,
) -> None:
    """把各单位报送的工作簿汇总为一个汇总工作簿 OUTPUT。

    INPUT 为文件或文件夹（递归查找 .xlsx、.xlsm、.xls、.xlsb、.ods，跳过 ~$ 临时文件、输出文件
    本身和 perfxl 原地写入时留下的备份 BOOK.bak.xlsx，直接给出的文件照常读入）；也可以是
    perfxl 生成的汇总表（市汇总各县、省汇总各市），须作为文件直接给出——在文件夹中找到的汇总表
    只列出、不读入，也绝不替代单位直接报送的工作簿。

    同一单位有多个版本时，依次比较：工作簿自身的保存时间（Excel、WPS、LibreOffice 每次保存时
    写入，拷贝和邮寄不会改变）、文件修改时间、文件名（按自然顺序，取排在后面的，如 v2 在 v1
    之后）；“提交情况”表写明每个单位由哪一项决定。--prefer 可指定采用的文件（须在输入中，
    且是可以汇总的工作簿；每个单位只能指定一个，否则不汇总，退出码 2）。

    每个工作簿读取和校验的结果按文件内容（SHA-256）缓存：再次汇总时，未改动的工作簿直接取用缓存，
    只读取新报送或改动过的工作簿，汇总表与不用缓存时完全相同。perfxl 版本、校验配置改变时缓存
    自动失效，损坏的缓存条目被忽略并重建；文件名和修改时间总是取自本次运行。--no-cache 不用缓存。

    绩效运行监控表（perfxl new monitoring 生成）不汇总：在“提交情况”中列为“监控表（无法汇总）”
    并说明原因，不计入合计，也不替代该单位的绩效目标表（同一月份的监控表单独给出时生成监控汇总表）。

    绩效自评表（perfxl new evaluation 生成）只与自评表一起汇总：输入全部是自评表时生成县级自评
    汇总表（每个项目的得分和等级、各单位平均总分和等级分布、低分项目及偏差原因、等级分布图），
    得分由 perfxl 按评分方案重新计算；各自评表的评分方案须相同，否则不写出汇总表（退出码 2，
    列出各方案的文件）。与绩效目标表或监控表一起给出时，自评表列出但不汇总。

    退出码：0 全部正常；1 发现错误或有应报单位未提交；2 有文件不存在、无法读取、不是绩效目标
    工作簿或是绩效运行监控表（其余文件照常汇总），或根本没有找到绩效目标表（只有监控表时也是，
    不写出汇总表），或 --prefer 不可用（不写出汇总表）。
    """
    from perfxl.consolidate import Options
    from perfxl.services import consolidate

    line = ProgressLine() if sys.stderr.isatty() else None

    def found(plan: Any) -> None:
        click.echo(f"找到 {plan.files} 个工作簿，正在读取……", err=True)
        if line is not None:
            line.start(plan.files, plan.first_round)

    def tick(k: int) -> None:
        if line is not None:
            line.update(k)

    from perfxl.consolidate.tables import table_paths
    from perfxl.outputs import (
        SUMMARY,
        TABLES,
        check_suffix,
        is_summary_file,
        refuse_existing,
        refuse_inputs,
        replacing,
    )

    check_suffix(output, [".xlsx"], "汇总工作簿")
    paths = table_paths(tables) if tables else []
    refuse_inputs(  # an earlier summary found in an input folder is not read back: replaceable
        [output, *paths],
        [*inputs, expected, config, *prefer],
        replaceable=is_summary_file,
    )
    refuse_existing(paths, overwrite, kind=TABLES)  # every refusal before the summary's
    from perfxl.consolidate.cache import default_dir
    from perfxl.consolidate.run import SPILL_FROM

    opts = Options(
        expected=expected,
        jobs=jobs,
        config=config,
        prefer=prefer,
        tables=tables,
        cache=None if no_cache else (cache_dir or default_dir()),
        spill=SPILL_FROM,  # many files: the long rows wait on disk, memory stays flat
    )
    try:
        with replacing([output], SUMMARY, overwrite), replacing(paths, TABLES, overwrite):
            report = consolidate(inputs, output, opts, progress=tick, on_found=found)
    finally:
        if line is not None:
            line.finish()
    for note in report.result.notes:
        click.echo(note, err=True)
    from perfxl.outputs import finishing

    summary = report.to_dict()
    code = report.exit_code or EXIT_OK
    with finishing(code):  # every output is written: a late Ctrl-C changes nothing
        if fmt == "json":
            echo_out(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            echo_out(report_text(summary))
    sys.exit(code)


LIST_AT_MOST = 10  # names printed in full; beyond that a count (the workbook lists them all)


def _first(names: str, items: list[Any]) -> str:
    """The names, cut to the first `LIST_AT_MOST` with a count when there are more."""
    if len(items) <= LIST_AT_MOST:
        return names
    return "、".join(names.split("、")[:LIST_AT_MOST]) + f" 等 {len(items)} 个（见“提交情况”）"


class ProgressLine:
    """``读取 36/200，约 20 秒`` on one stderr line, redrawn at most five times a second."""

    def __init__(self) -> None:
        self.total = self.done = 0
        self.estimate: Any = None
        self.shown = 0.0

    def start(self, total: int, first_round: int) -> None:
        """Reading of ``total`` files begins."""
        from perfxl.consolidate.progress import Estimate

        self.total, self.estimate = total, Estimate(total, first_round)
        self._draw(time.monotonic(), force=True)

    def update(self, k: int) -> None:
        """``k`` more files read."""
        self.done += k
        self._draw(time.monotonic(), force=self.done >= self.total)

    def _draw(self, now: float, *, force: bool = False) -> None:
        from perfxl.consolidate.progress import format_seconds

        left = self.estimate.remaining(self.done, now) if self.estimate else None
        if not force and now - self.shown < 0.2:
            return
        self.shown = now
        eta = "正在估算剩余时间" if left is None else f"还需{format_seconds(left)}"
        if self.done >= self.total:
            eta = "读取完毕，正在写出汇总表"
        click.echo(f"\r\x1b[K读取 {self.done}/{self.total}，{eta}", err=True, nl=False)

    def finish(self) -> None:
        """End the line."""
        if self.total:
            click.echo("", err=True)


def _budget(exact: str | None) -> str:
    """The report's total 预算数 from its exact decimal text (`numbers.figure`)."""
    from decimal import Decimal

    from perfxl.numbers import MONEY_UNIT, figure

    return figure(None) if exact is None else f"{figure(Decimal(exact))} {MONEY_UNIT}"


def report_text(r: dict[str, Any]) -> str:
    """The run summary in Chinese, for a person."""
    from perfxl.consolidate import columns as K

    lines = [
        f"汇总表：{r['summary']}",
        f"单位 {r['units']} 个，项目 {r['projects']} 个，预算合计 {_budget(r['budget_exact'])}；"
        f"错误 {r['errors']} 个，警告 {r['warnings']} 个（见“校验问题”）。",
    ]
    if r.get("stage") == "monitoring":
        rate = "—" if r["rate"] is None else f"{r['rate']:.2f}%"
        schedule = "—" if r["schedule"] is None else f"{r['schedule']:.2f}%"
        lights, ind = r["lights"], r["indicator_lights"]
        lines.append(
            f"绩效运行监控（1-{r['month']}月）：{K.ALL_UNITS}执行率 {rate}，序时进度 {schedule}；"
            f"项目红灯 {lights['red']} 个、黄灯 {lights['yellow']} 个、绿灯 {lights['green']} 个；"
            f"指标红灯 {ind['red']} 个、黄灯 {ind['yellow']} 个（见“需整改”）。"
        )
    elif r.get("stage") == "evaluation":
        average = "—" if r["average"] is None else f"{r['average']:.2f}"
        levels = "、".join(f"{k} {v} 个" for k, v in r["levels"].items())
        lines.append(
            f"绩效自评（评分方案 {r['profile'] or 'default'}）：已评分项目 {r['scored']} 个，"
            f"{K.ALL_UNITS}平均总分 {average}；自评等级 {levels}（见“乡镇得分”“低分项目”）。"
        )
    else:
        pct = "，".join(
            f"{cp} {'—' if v is None else f'{v:.2f}%'}" for cp, v in r["plan_percent"].items()
        )
        lines.append(f"{K.PLAN_PROGRESS}：{pct}")
    if r["missing_units"]:
        names = "、".join(f"{m['unit_code']}{m['unit_name'] or ''}" for m in r["missing_units"])
        lines.append(f"未提交（{len(r['missing_units'])}）：{_first(names, r['missing_units'])}")
    if r["superseded_files"]:
        lines.append(
            f"被新版本替代的文件 {len(r['superseded_files'])} 个（未汇总；各单位采用哪个文件、"
            "依据什么时间，见汇总表“提交情况”）。"
        )
    if r["summaries_not_read"]:
        lines.append(
            f"在文件夹中找到 perfxl 汇总表 {len(r['summaries_not_read'])} 个，未读入"
            "（如需汇总，请把汇总表作为文件直接给出）。"
        )
    unusable = r["unusable_files"]
    for f in unusable[:LIST_AT_MOST]:
        lines.append(f"无法使用：{f['file']}（{f['status']}）{f['reason']}")
    if len(unusable) > LIST_AT_MOST:
        lines.append(
            f"……另有 {len(unusable) - LIST_AT_MOST} 个文件无法使用"
            f"（共 {len(unusable)} 个，完整列表见“提交情况”）。"
        )
    if r["tables"]:
        lines.append(f"明细表（CSV/Parquet）：{r['tables']}")
    return "\n".join(lines)
