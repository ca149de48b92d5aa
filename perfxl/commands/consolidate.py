"""``perfxl consolidate``: many units' workbooks (or summaries) -> one summary workbook."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from perfxl.cli import EXIT_OK, handle_errors


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="写出的汇总工作簿（.xlsx）。",
)
@click.option(
    "--expected",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="应报单位名单 CSV（表头 unit_code,unit_name），用于列出未提交单位。",
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
    help="优先采用此文件作为其单位的版本（可多次给出），不论修改时间。",
)
@click.option(
    "--tables",
    type=click.Path(file_okay=False, path_type=Path),
    help="另把各明细表写成 CSV（装有 pyarrow 时也写 Parquet）到此文件夹。",
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
    expected: Path | None,
    jobs: int | None,
    config: Path | None,
    prefer: tuple[str, ...],
    tables: Path | None,
    fmt: str,
) -> None:
    """把各单位报送的工作簿汇总为一个汇总工作簿 OUTPUT。

    INPUT 为文件或文件夹（递归查找 .xlsx、.xlsm、.xls，跳过 ~$ 临时文件）；也可以是
    perfxl 生成的汇总表（市汇总各县、省汇总各市）。同一单位有多个版本时采用修改时间最新的。

    退出码：0 全部正常；1 发现错误或有应报单位未提交；2 有文件无法读取或不是绩效目标工作簿
    （其余文件照常汇总）。
    """
    from perfxl.consolidate import Options, consolidate

    tty = sys.stderr.isatty()
    bar: Any = None

    def found(n: int) -> None:
        nonlocal bar
        click.echo(f"找到 {n} 个工作簿，正在读取……", err=True)
        if tty and n:
            bar = click.progressbar(length=n, label="读取", file=sys.stderr)
            bar.__enter__()

    def tick(k: int) -> None:
        if bar is not None:
            bar.update(k)

    opts = Options(expected=expected, jobs=jobs, config=config, prefer=prefer, tables=tables)
    try:
        result = consolidate(inputs, output, opts, progress=tick, on_found=found)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    report = report_dict(result, output, tables)
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(report_text(report))
    sys.exit(result.exit_code or EXIT_OK)


def report_dict(result: Any, output: Path, tables: Path | None) -> dict[str, Any]:
    """The run summary (what ``--format json`` prints)."""
    from perfxl.consolidate import columns as K

    return {
        "summary": str(output),
        "tables": str(tables) if tables else None,
        "units": sum(1 for r in result.units if r[0] == K.ROW_UNIT),
        "projects": result.totals.get("projects", 0),
        "budget": result.totals.get("budget", 0.0),
        "plan_percent": {
            cp: result.totals.get(k)
            for cp, k in zip(
                K.CHECKPOINTS, ("pct_mar", "pct_jun", "pct_oct", "pct_dec"), strict=True
            )
        },
        "errors": result.error_count,
        "warnings": result.warning_count,
        "missing_units": [{"unit_code": c, "unit_name": n} for c, n in result.missing],
        "superseded_files": [f.path for f in result.superseded],
        "unusable_files": [
            {"file": f.path, "status": f.status, "reason": f.note} for f in result.unreadable
        ],
        "exit_code": result.exit_code,
    }


def report_text(r: dict[str, Any]) -> str:
    """The run summary in Chinese, for a person."""
    lines = [
        f"汇总表：{r['summary']}",
        f"单位 {r['units']} 个，项目 {r['projects']} 个，预算合计 {r['budget']:,.2f} 万元；"
        f"错误 {r['errors']} 个，警告 {r['warnings']} 个（见“校验问题”）。",
    ]
    pct = "，".join(
        f"{cp} {'—' if v is None else f'{v:.2f}%'}" for cp, v in r["plan_percent"].items()
    )
    lines.append(f"全县累计计划进度：{pct}")
    if r["missing_units"]:
        names = "、".join(f"{m['unit_code']}{m['unit_name'] or ''}" for m in r["missing_units"])
        lines.append(f"未提交（{len(r['missing_units'])}）：{names}")
    if r["superseded_files"]:
        lines.append(
            f"被新版本替代的文件（{len(r['superseded_files'])}）："
            + "、".join(r["superseded_files"])
        )
    for f in r["unusable_files"]:
        lines.append(f"无法使用：{f['file']}（{f['status']}）{f['reason']}")
    if r["tables"]:
        lines.append(f"明细表（CSV/Parquet）：{r['tables']}")
    return "\n".join(lines)
