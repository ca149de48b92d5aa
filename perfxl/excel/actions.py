"""What each ribbon button does to an open book, through the adapter and the core.

Every function takes an xlwings book (or anything with the same few calls), reads it into a
Grid, hands it to the services the CLI calls (`perfxl.services`: ``validate_open_book``,
``compute_open_book``, ``export_open_book``), writes the result back in batches and returns
the message to show the user.
"""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from perfxl import constants as C
from perfxl.cells import a1, parse_a1, shift
from perfxl.errors import NotAPerfxlWorkbookError, WriteError
from perfxl.excel import adapter as A
from perfxl.excel import annotate
from perfxl.outputs import DATA, NEW_EVALUATION, NEW_MONITORING, Refusal, replacing
from perfxl.problems import SEVERITY_ZH
from perfxl.read import ReadResult, read_grid_model


def read_book(book: Any) -> ReadResult:
    """The model of an open book, read exactly as ``perfxl export`` reads a file."""
    return read_grid_model(A.read_grid(book))


def validate_book(book: Any) -> str:
    """校验: what ``perfxl validate --annotate`` does to a file, done to the open book."""
    from perfxl.services import validate_open_book

    problems = validate_open_book(A.read_grid(book)).problems
    outcome = annotate.annotate_book(book, problems)
    counts: Counter[str] = Counter(p.severity for p in problems)
    if not problems:
        return f"校验通过：未发现问题。（“{C.RESULTS_SHEET}”工作表为空表）"
    summary = "，".join(f"{counts[s]} 个{SEVERITY_ZH[s]}" for s in SEVERITY_ZH if counts[s])
    msg = (
        f"校验完成：{summary}。\n问题单元格已标色，批注中写明了问题和改法；"
        f"全部问题列在“{C.RESULTS_SHEET}”工作表。"
    )
    if outcome.comments_skipped:
        msg += "\n以下单元格已有批注，未加 perfxl 批注：" + "、".join(outcome.comments_skipped[:10])
    if not outcome.record_kept:
        msg += "\n（此环境无法记录单元格原来的颜色，再次校验时标色不会自动恢复。）"
    return msg


def compute_book(book: Any) -> str:
    """计算进度: what ``perfxl compute`` writes, written into the open book.

    The core decides (:func:`perfxl.compute.compute` and
    :func:`perfxl.write.percentages.plan_writes`, as the CLI): a percentage or cover cell
    that still holds the template's formula is left to Excel, which computes it on the spot
    (the CLI writes the same figure as the formula's cached value); a cell whose formula
    staff replaced by a number gets the number, formatted ``0.00%``; perfxl's previous
    standard formula gets the current one (`perfxl.layout_previous`), said in the message;
    a changed formula is left alone and reported.
    """
    from perfxl.monitoring import computed_figures
    from perfxl.services import compute_open_book
    from perfxl.services.computation import updated_message

    grid = A.read_grid(book)
    read, computed, plan, problems, staged = compute_open_book(
        grid, lambda c: A.read_formulas(book, c)
    )
    monitoring: Any = staged if read.targets.stage == "monitoring" else None
    by_sheet: dict[tuple[str, str | None], dict[str, Any]] = defaultdict(dict)
    for w in plan.writes:
        if w.formula == "keep":
            continue  # the template's formula: Excel computes it
        if w.formula == "set":  # perfxl's previous formula: the current one, Excel computes it
            by_sheet[(w.sheet, None)][w.cell] = "=" + (w.formula_text or "")
            continue
        value = float(w.value) if isinstance(w.value, Decimal) else w.value
        by_sheet[(w.sheet, w.number_format)][w.cell] = value
    for (name, fmt), cells in by_sheet.items():
        A.write_formatted(book.sheets[name], cells, fmt)
    _calculate(book)
    if read.targets.stage == "evaluation":
        msg = evaluation_message(staged, read.targets.profile)  # the service's scores
    elif monitoring is not None:
        done = sum(m.rate is not None for m in monitoring)
        schedule = next((m.schedule for m in monitoring if m.schedule is not None), None)
        time = f"（截至 {read.targets.month}月底，序时进度 {schedule}%）" if schedule else ""
        msg = f"已计算 {done}/{len(monitoring)} 个项目的{computed_figures(monitoring)}{time}。"
    else:
        done = sum(p.percents is not None for p in computed.projects)
        msg = (
            f"已计算 {done}/{len(computed.projects)} 个项目的累计进度"
            f"（{'、'.join(C.L_CHECKPOINTS)}）。"
        )
    if (updated := updated_message(plan.updated)) is not None:
        msg += "\n" + updated
    if problems:
        lines = [f"“{p.sheet or ''}”{p.cell or ''}：{p.message}" for p in problems[:10]]
        more = f"\n……另有 {len(problems) - 10} 条" if len(problems) > 10 else ""
        msg += "\n以下项目或单元格未计算：\n" + "\n".join(lines) + more
    return msg


def evaluation_message(results: Any, profile: str | None) -> str:
    """计算进度 on a self-evaluation workbook: how many projects have their 总分, the count of
    each 自评等级 and the lowest 总分 (every figure from :func:`perfxl.evaluation.evaluate`,
    as the service returns it)."""
    scored = [r for r in results or [] if r.total is not None]
    msg = (
        f"已计算 {len(scored)}/{len(results or [])} 个项目的执行率、各指标得分、总分和自评等级"
        f"（评分方案 {profile or '未注明'}）。"
    )
    from perfxl.scoring import PROFILES, WORST_LEVEL

    levels = Counter(r.level for r in scored)
    if levels:
        chosen = PROFILES.get(profile or "")
        order = [name for name, _ in chosen.levels] if chosen is not None else []
        order += [WORST_LEVEL, *sorted(lv for lv in levels if lv is not None)]
        shown = list(dict.fromkeys(lv for lv in order if levels[lv]))
        msg += "\n自评等级：" + "，".join(f"{lv} {levels[lv]} 个" for lv in shown)
        low = min(scored, key=lambda r: r.total)
        msg += f"；最低总分 {low.total}。"
    if len(scored) < len(results or []):
        msg += "\n其余项目有无法计分的指标（实际完成值无法与年度指标值比较），总分暂空，请点“校验”查看。"
    return msg


def _calculate(book: Any) -> None:
    """Recalculate now, in case the user set calculation to manual."""
    with contextlib.suppress(NotImplementedError):  # the remote engine computes on its side
        book.app.calculate()


EXPORT_REFUSAL = Refusal(
    "此前点“导出 JSON”（或 perfxl export）", "请先把它改名或移到别处，再点“导出 JSON”。"
)


def export_book(book: Any) -> str:
    """导出 JSON: write the book's data next to it, as ``perfxl export -o`` does.

    The JSON file already there is replaced only when it is perfxl's export, unchanged since
    (`perfxl.outputs.replacing`, as the command); a file edited by hand, or anything else, is
    refused (there is no ``--overwrite`` on a button: the message says to move it).

    Raises:
        OutputExistsError: ``<book>.json`` is there and is not perfxl's untouched export.
    """
    from perfxl.services import export_open_book

    report = export_open_book(A.read_grid(book))
    if not report.ok:
        lines = [f"{p.sheet or ''} {p.cell or ''}：{p.message}" for p in report.problems]
        raise NotAPerfxlWorkbookError(
            "工作簿结构有误，未导出。请按下列提示修复后重试：\n" + "\n".join(lines[:10])
        )
    out = json_path(book.fullname)
    with replacing([out], DATA, False, words=EXPORT_REFUSAL):
        report.write(out)
    return f"已导出：{out}"


def json_path(fullname: str) -> Path:
    """Where 导出 JSON writes: beside the workbook, same name, ``.json``.

    Raises:
        WriteError: the book was never saved (it has no folder yet).
    """
    p = Path(fullname)
    if not p.is_absolute() and str(p.parent) in ("", "."):
        raise WriteError("工作簿尚未保存，无法确定导出位置。请先保存工作簿，再点“导出 JSON”。")
    return p.with_suffix(".json")


def add_project_book(book: Any, name: str | None = None) -> str:
    """新增项目: copy the last project sheet, empty its input cells, name it after the project."""
    from perfxl.write.fill import project_sheet_name

    res = read_book(book)
    infos = [s for s in res.sheets if s.project_index is not None]
    if not infos:
        raise NotAPerfxlWorkbookError(
            "工作簿中没有可作为样板的项目表。请用 perfxl template 生成标准工作簿后再新增项目。"
        )
    last = infos[-1]
    taken = {s.name for s in res.sheets}
    new_name = project_sheet_name(len(infos), name, taken)
    sheet = book.sheets[last.name].copy(after=book.sheets[last.name], name=new_name)
    dr, dc = last.row_offset, last.col_offset
    form = res.layout.project
    cells: dict[str, Any] = {shift(f.ref, dr, dc): None for f in form.fields}
    if name:
        cells[shift(form.field("name").ref, dr, dc)] = name
    A.write_values(sheet, cells)
    last_row = sheet.used_range.last_cell.row
    columns = form.indicator_columns.values()
    first = shift(a1(form.indicator_first_row, min(c0 for c0, _ in columns)), dr, dc)
    end_col = max(c1 for _, c1 in columns) + dc
    if last_row >= parse_a1(first)[0]:
        with A.unprotected(sheet):
            sheet.range(first, (last_row, end_col)).clear_contents()
    return (
        f"已新增项目表“{new_name}”（复制自“{last.name}”，填报内容已清空）。\n"
        "请填写项目编码、名称、金额和指标；封面的项目清单不会自动增加这一行。"
    )


def new_monitoring_book(book: Any, month: int = 7) -> str:
    """新建监控表: what ``perfxl new monitoring BOOK -o BOOK-监控.xlsx --month N`` writes,
    built from the open targets workbook's saved file, beside it; never over an existing file.

    Raises:
        WriteError: the book was never saved, or ``<book>-监控.xlsx`` exists already (the
            button then offers :func:`rerun_monitoring_book`).
    """
    from perfxl.services import new_monitoring

    src = _saved(book)
    out = monitoring_path(book.fullname)
    if out.exists():
        raise WriteError(
            f"{out} 已存在，未覆盖。如目标表有变动需要重新生成，请在 Excel 中再点“新建监控表”"
            "并选择“是”（按当前目标表生成新文件，带入原监控表已填报的内容），"
            "或在命令行用 perfxl new monitoring --from 带入原填报内容。"
        )
    with replacing([out], NEW_MONITORING, False):  # stamped as the command's output
        report = new_monitoring(src, out, month=month)
    msg = (
        f"已生成监控表：{out}\n（{report.projects} 个项目，{report.indicators} 条指标，"
        f"截至 {report.month}月底；依据已保存的目标表文件，未保存的修改不在其中）"
    )
    if report.problems:
        msg += f"\n读取目标表时发现 {len(report.problems)} 个问题，请先点“校验”查看。"
    return msg


def rerun_monitoring_book(book: Any, month: int | None = None) -> str:
    """新建监控表 when the monitoring workbook exists: ``perfxl new monitoring BOOK --from
    LATEST -o NEXT`` — rebuilt from the open targets workbook's saved file, what was typed
    into the latest ``<book>-监控….xlsx`` carried onto the matching projects and indicators,
    written to the next free ``<book>-监控(n).xlsx``; no existing file is changed.

    Args:
        book: the open targets workbook.
        month: the monitoring month; None keeps the latest workbook's.

    Raises:
        WriteError: the book was never saved, or there is no monitoring workbook to carry
            from.
        PerfxlError: the latest monitoring workbook cannot be read or is not one.
    """
    from perfxl.services import new_monitoring

    src = _saved(book)
    previous, out = _latest_and_next(book.fullname, "监控")
    with replacing([out], NEW_MONITORING, False):  # a free name: stamped, nothing replaced
        report = new_monitoring(src, out, month=month, previous=previous)
    msg = (
        f"已重新生成监控表：{out}\n（依据当前目标表；{report.kept} 个项目带入了"
        f"“{previous.name}”中已填报的内容，共 {report.projects} 个项目、{report.indicators} 条"
        f"指标，截至 {report.month}月底。原监控表未改动，请在新文件中继续填报。）"
    )
    return msg + _rerun_notes(report.notes, report.problems)


def new_evaluation_book(book: Any) -> str:
    """新建自评表: what ``perfxl new evaluation BOOK -o BOOK-自评.xlsx`` writes, built from the
    open targets or monitoring workbook's saved file, beside it; never over an existing file.

    A monitoring workbook's 调整后预算数 becomes the 全年预算数, as on the command line; the
    scoring profile is the shipped config's (``[evaluation] profile``).

    Raises:
        WriteError: the book was never saved, or ``<book>-自评.xlsx`` exists already (the
            button then offers :func:`rerun_evaluation_book`).
        PerfxlError: the open book is a self-evaluation workbook itself, or cannot be read.
    """
    from perfxl.services import new_evaluation

    src = _saved(book, "自评表", "新建自评表")
    _refuse_evaluation_source(book)
    out = evaluation_path(book.fullname)
    if out.exists():
        raise WriteError(
            f"{out} 已存在，未覆盖。如目标表（或监控表）有变动需要重新生成，请在 Excel 中再点"
            "“新建自评表”并选择“是”（生成新文件，带入原自评表已填报的内容），"
            "或在命令行用 perfxl new evaluation --from 带入原填报内容。"
        )
    with replacing([out], NEW_EVALUATION, False):  # stamped as the command's output
        report = new_evaluation(src, out)
    made_from = "监控表" if report.source == "monitoring" else "目标表"
    msg = (
        f"已生成自评表：{out}\n（{report.projects} 个项目，{report.indicators} 条指标，"
        f"评分方案 {report.profile}；依据已保存的{made_from}文件，未保存的修改不在其中）"
    )
    if report.problems:
        msg += f"\n读取{made_from}时发现 {len(report.problems)} 个问题，请先点“校验”查看。"
    return msg


def rerun_evaluation_book(book: Any) -> str:
    """新建自评表 when the self-evaluation workbook exists: ``perfxl new evaluation BOOK --from
    LATEST -o NEXT`` — rebuilt from the open workbook's saved file, what was typed into the
    latest ``<book>-自评….xlsx`` carried onto the matching projects and indicators (its
    scoring profile kept), written to the next free ``<book>-自评(n).xlsx``; no existing file
    is changed.

    Raises:
        WriteError: the book was never saved, or there is no self-evaluation workbook to
            carry from.
        PerfxlError: the latest self-evaluation workbook cannot be read or is not one.
    """
    from perfxl.services import new_evaluation

    src = _saved(book, "自评表", "新建自评表")
    _refuse_evaluation_source(book)
    previous, out = _latest_and_next(book.fullname, "自评")
    with replacing([out], NEW_EVALUATION, False):  # a free name: stamped, nothing replaced
        report = new_evaluation(src, out, previous=previous)
    made_from = "监控表" if report.source == "monitoring" else "目标表"
    msg = (
        f"已重新生成自评表：{out}\n（依据当前{made_from}；{report.kept} 个项目带入了"
        f"“{previous.name}”中已填报的内容，共 {report.projects} 个项目、{report.indicators} 条"
        f"指标，评分方案 {report.profile}。原自评表未改动，请在新文件中继续填报。）"
    )
    return msg + _rerun_notes(report.notes, report.problems)


def _latest_and_next(fullname: str, tag: str) -> tuple[Path, Path]:
    """The latest ``<book>-<tag>….xlsx`` a rebuild carries from, and the first free name it
    writes to.

    Raises:
        WriteError: there is no such workbook to carry from.
    """
    versions = _versions(fullname, tag)
    if not versions:
        raise WriteError(f"没有找到 {_beside(fullname, tag, 1)}，无需重新生成。")
    return versions[-1], _beside(fullname, tag, len(versions) + 1)


def _rerun_notes(notes: list[str], problems: list[Any]) -> str:
    """What a rebuild adds to its message: the first ten notes, and the problems count."""
    msg = ""
    if notes:
        more = f"\n……另有 {len(notes) - 10} 条" if len(notes) > 10 else ""
        msg += "\n" + "\n".join(notes[:10]) + more
    if problems:
        msg += f"\n读取时发现 {len(problems)} 个问题，请先点“校验”查看。"
    return msg


def _refuse_evaluation_source(book: Any) -> None:
    """A self-evaluation workbook is not a source for another one (the button belongs to the
    targets or monitoring workbook)."""
    from perfxl.errors import PerfxlError

    if read_book(book).targets.stage == "evaluation":
        raise PerfxlError(
            "本工作簿已是绩效自评表，无需再生成。请在目标表（或监控表）中点“新建自评表”；"
            "自评表可直接填写，再点“计算进度”算出得分、“校验”检查。"
        )


def _saved(book: Any, made: str = "监控表", button: str = "新建监控表") -> Path:
    """The open book's file; refused when the book was never saved."""
    src = Path(book.fullname)
    if not src.is_absolute() and str(src.parent) in ("", "."):
        raise WriteError(f"工作簿尚未保存，无法生成{made}。请先保存工作簿，再点“{button}”。")
    return src


def monitoring_path(fullname: str, n: int = 1) -> Path:
    """Where 新建监控表 writes: beside the workbook, ``<book>-监控.xlsx``; the n-th
    re-generation from 2 on ``<book>-监控(n).xlsx``."""
    return _beside(fullname, "监控", n)


def monitoring_versions(fullname: str) -> list[Path]:
    """The monitoring workbooks 新建监控表 wrote beside the book, oldest first
    (``<book>-监控.xlsx``, then ``<book>-监控(2).xlsx`` ...); the list stops at the first gap."""
    return _versions(fullname, "监控")


def evaluation_path(fullname: str, n: int = 1) -> Path:
    """Where 新建自评表 writes: beside the workbook, ``<book>-自评.xlsx``; the n-th
    re-generation from 2 on ``<book>-自评(n).xlsx``."""
    return _beside(fullname, "自评", n)


def evaluation_versions(fullname: str) -> list[Path]:
    """The self-evaluation workbooks 新建自评表 wrote beside the book, oldest first; the list
    stops at the first gap."""
    return _versions(fullname, "自评")


def _beside(fullname: str, tag: str, n: int) -> Path:
    p = Path(fullname)
    return p.with_name(f"{p.stem}-{tag}.xlsx" if n == 1 else f"{p.stem}-{tag}({n}).xlsx")


def _versions(fullname: str, tag: str) -> list[Path]:
    out: list[Path] = []
    n = 1
    while (p := _beside(fullname, tag, n)).exists():
        out.append(p)
        n += 1
    return out


HELP_TEXT = (
    "perfxl 绩效目标工具\n\n"
    "校验：检查全部项目表，问题单元格标色并加批注，汇总到“校验结果”工作表。\n"
    "计算进度：按预算数计算各节点累计进度（%），写入计划金额下一行（模板公式保留）。\n"
    "新增项目：复制最后一张项目表为空白新表。\n"
    "导出 JSON：把工作簿数据导出为同名 .json 文件（与工作簿放在同一文件夹；已有的同名文件若不是"
    "此前导出、此后未改动的，不覆盖）。\n"
    "新建监控表：由本目标表生成绩效运行监控表“<工作簿名>-监控.xlsx”（同一文件夹，不覆盖已有文件）；"
    "监控表已存在时可选择重新生成：按当前目标表生成“<工作簿名>-监控(2).xlsx”等新文件，"
    "带入原监控表已填报的内容。\n"
    "新建自评表：由本目标表（或监控表）生成绩效自评表“<工作簿名>-自评.xlsx”（同一文件夹，"
    "不覆盖已有文件；监控表的调整后预算数带入为全年预算数）；自评表已存在时可选择重新生成"
    "“<工作簿名>-自评(2).xlsx”等新文件，带入原自评表已填报的内容。\n"
    "计算进度和校验按钮也适用于监控表和自评表：在自评表中，计算进度算出执行率、各指标得分、"
    "总分和自评等级，校验检查资金合计、偏差原因、分值和定性指标的得分范围等。\n\n"
    "按钮报错时：记下提示内容，检查“perfxl.conf”中的 Python 路径；"
    "详细说明见 perfxl 的 README“在 Excel 中使用 perfxl”一节。"
)


def help_text(book: Any) -> str:
    """帮助: what the buttons do."""
    return HELP_TEXT
