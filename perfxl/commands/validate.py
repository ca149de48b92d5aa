"""``perfxl validate``: check workbooks, print the problems, optionally mark them in the book."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from itertools import groupby
from pathlib import Path

import click

from perfxl.cli import echo_out, handle_errors, overwrite_option
from perfxl.problems import SEVERITY_ZH
from perfxl.validate import ValidationReport, totals


@click.command("validate")
@click.argument("books", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="输出格式：text 按文件和工作表分组；json 为问题记录列表。",
)
@click.option(
    "--annotate",
    "annotate_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="把问题标注到工作簿副本 OUT.xlsx（底色、批注和“校验结果”表）；只能用于一个工作簿。",
)
@click.option("--in-place", is_flag=True, help="直接在原工作簿中标注（保留备份 BOOK.bak.xlsx）。")
@overwrite_option
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="县级校验配置文件（TOML 或 JSON），缺省用内置配置。",
)
@click.option(
    "--targets",
    "targets",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="监控表（或自评表）所依据的目标表：逐格核对其中带入的目标值（项目编码、名称、"
    "年初预算数、年度总体目标、各指标及年度指标值）是否与目标表一致；只能用于一个工作簿。"
    "不给出时按工作簿自带的带入记录核对（较早生成、没有带入记录的工作簿不核对）。",
)
@handle_errors
def command(
    books: tuple[Path, ...],
    fmt: str,
    annotate_out: Path | None,
    in_place: bool,
    overwrite: bool,
    config_path: Path | None,
    targets: Path | None,
) -> None:
    """校验工作簿 BOOK…（或文件夹中的全部工作簿）：逐格检查数据规范和审核规则，列出每个问题所在的工作表和单元格。

    在文件夹中查找时跳过 ~$ 临时文件和 perfxl 的备份 BOOK.bak.xlsx（--in-place 留下的，再次
    校验时不重复标注）；直接给出的文件照常校验。--annotate 的 OUT 已存在时：是此前标注、此后
    未改动的副本则直接替换；其他文件不覆盖（退出码 2），加 --overwrite 则覆盖并先备份。

    退出码：0 无错误（可有警告）；1 有错误；2 有文件无法读取（或 --targets 不是可用的目标表）。
    """
    from perfxl.config import load_config

    if annotate_out is not None and in_place:
        raise click.UsageError("--annotate 与 --in-place 只能二选一。")
    if annotate_out is not None:  # the one file written besides the books (--in-place)
        from perfxl.outputs import refuse_existing, refuse_inputs

        refuse_inputs(
            [annotate_out],
            [*books, config_path, targets],
            hint="原地标注请用 --in-place（会先保留备份 BOOK.bak.xlsx）。",
        )
        refuse_existing([annotate_out], overwrite, kind=ANNOTATED)  # before reading anything
    from perfxl.errors import summary_verdict
    from perfxl.services import annotate, find_workbooks, targets_record, validate_workbooks

    found = find_workbooks(books, exclude=[annotate_out] if annotate_out else [])
    for p in found.summaries:  # an earlier county summary among the townships' files
        click.echo(f"{p}：{summary_verdict('未校验')}", err=True)
    if found.backups:  # BOOK.bak.xlsx left by an earlier --in-place: not a submission
        click.echo(found.backups, err=True)
    if annotate_out is not None and len(found.paths) + len(found.unusable) != 1:
        raise click.UsageError(
            "--annotate OUT.xlsx 只能用于一个工作簿；多个工作簿请用 --in-place。"
        )
    if targets is not None and len(found.paths) + len(found.unusable) != 1:
        raise click.UsageError(
            "--targets 只能用于一个监控表：目标表属于一个单位，请逐个校验各单位的监控表。"
        )
    if annotate_out is not None and found.paths:
        from perfxl.outputs import check_suffix

        check_suffix(annotate_out, [found.paths[0].suffix], "与原工作簿同类型的标注副本")
    carried = targets_record(targets) if targets is not None else None
    batch = validate_workbooks(found, load_config(config_path), carried)
    reports = batch.reports
    if targets is not None:
        for r in reports:
            if r.read is not None and r.read.targets.stage not in ("monitoring", "evaluation"):
                click.echo(
                    f"{r.path}：不是绩效运行监控表，--targets 未使用（只用于核对监控表或自评表）。",
                    err=True,
                )
    if fmt == "json":
        echo_out(json.dumps(batch.to_dict(), ensure_ascii=False, indent=2))
    else:
        echo_out(render_text(reports, batch.superseded), nl=False)
    if annotate_out is not None or in_place:
        from perfxl.outputs import finishing, replacing

        readable = [r for r in reports if r.read is not None]
        for r in readable:
            with replacing([annotate_out], ANNOTATED, overwrite):
                result = annotate(r, annotate_out)
            note = f"（备份：{result.backup}）" if result.backup else ""
            # The report was printed before any workbook was annotated: the work is complete
            # only once the last annotation is written; a late Ctrl-C then changes nothing.
            last = r is readable[-1]
            with finishing(batch.exit_code) if last else nullcontext():
                click.echo(f"已标注：{result.path or r.path}{note}", err=True)
    sys.exit(batch.exit_code)


ANNOTATED = "annotate"  # what --annotate writes, as stamped (perfxl.outputs)


def render_text(
    reports: Sequence[ValidationReport], superseded: dict[str, tuple[str, str]] | None = None
) -> str:
    """Problems grouped by file and sheet, each with cell, severity and message; a total line.

    ``superseded``: older versions (`perfxl.services.choose_versions`), marked as such in their heading.
    """
    older = superseded or {}
    lines: list[str] = []
    for r in reports:
        if r.path in older:
            newer, basis = older[r.path]
            lines.append(f"{r.path}（旧版本：同一单位采用 {newer}，依据{basis}）")
        else:
            lines.append(f"{r.path}")
        if not r.problems:
            lines.append("  未发现问题。")
        for sheet, group in groupby(r.problems, key=lambda p: p.sheet):
            lines.append(f"  [{sheet}]" if sheet else "  [整个文件]")
            for p in group:
                cell = p.cell or "-"
                lines.append(f"    {cell:<6} {SEVERITY_ZH[p.severity]}  {p.message}  ({p.rule})")
    n = totals(reports)  # the JSON's totals too
    total = (
        f"共 {len(reports)} 个文件：错误 {n['errors']} 个，警告 {n['warnings']} 个，"
        f"提示 {n['infos']} 个"
    )
    if n["unreadable"]:
        total += f"，无法读取 {n['unreadable']} 个"
    if n["not_perfxl"]:
        total += f"，非绩效目标工作簿 {n['not_perfxl']} 个"
    if n["summaries"]:  # named as what they are
        total += f"，汇总表 {n['summaries']} 个（未校验）"
    if older:
        total += f"；其中 {len(older)} 个是同一单位的旧版本（汇总和公开时不采用）"
    lines.append(total + "。")
    return "\n".join(lines) + "\n"
