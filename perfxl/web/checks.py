"""What the web app asks of perfxl about an uploaded workbook: refuse it, or check it.

The app calls these in the worker processes of a process pool (a reader that crashes takes a
worker down, never the server), so every argument and every result is plain picklable data:
paths, strings, numbers, and JSON-able dicts; the readers get a private copy of the upload
(`perfxl.web.staging`). The other jobs of the pool: `perfxl.web.annotated`,
`perfxl.web.summary`, `perfxl.web.blank`, `perfxl.web.charts`, `perfxl.web.export`.

Round-level problems (a workbook of another stage, unit or year than the round's) are found
here, not in the rule catalogue: they exist only for a collection round. Their rule ids carry
the prefix ``web.``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from perfxl.problems import Problem
    from perfxl.read import ReadResult

from perfxl.problems import SEVERITY_ZH
from perfxl.web.labels import STAGE_BOOK
from perfxl.web.rows import SEVERITY_ORDER, affected_rows, cell_text, jsonable, sort_problems
from perfxl.web.staging import (
    ALLOWED_SUFFIXES,
    MAX_UPLOAD_BYTES,
    MB,
    clean,
    config_from_text,
    display_name,
    named,
    staged,
)

log = logging.getLogger(__name__)

# Where a message's advice starts: a sentence beginning with 请 after a full stop.
_FIX_START = re.compile(r"(?<=[。；！？])请")

SUMMARY_ADVICE = "请上传本单位填报的工作簿；汇总表由县里生成，不需上传。"
"""What an uploader who sent a county summary (`perfxl.errors.summary_verdict`) is told to do."""
INTERNAL_ERROR = "检查时发生内部错误，请稍后重新上传；仍有问题请联系县财政局。"
"""What the township reads when its check failed for no reason perfxl names (the
details go to the log); the county reads it in its own words (`views.plain`)."""

MAX_CHANGES = 100
"""Changes against the previous version listed with a result (the summary counts them all)."""


def refuse_reason(
    path: Path, original_name: str, *, max_bytes: int = MAX_UPLOAD_BYTES
) -> str | None:
    """Why an upload is refused before anything is stored, in Chinese; None: it is fine.

    Refused: an extension other than .xlsx/.xlsm/.xls/.ods; a file over ``max_bytes``;
    whatever perfxl's preflight (`perfxl.safety.preflight` with its `Limits`) or its reader
    refuses (empty, truncated, encrypted, another kind of file renamed, zip bombs, DTDs,
    oversized sheets or cells — each with its own message); and a workbook that opens but is
    not a performance workbook (no project sheet and no cover). The message names the file by
    ``original_name``, never by ``path``.

    Args:
        path: the uploaded bytes (a temp file of the app; its name is not used).
        original_name: the name the uploader's browser sent.
        max_bytes: the size limit (``--max-upload-mb``).
    """
    name = display_name(original_name)
    ext = Path(name).suffix.lower()
    if ext not in ALLOWED_SUFFIXES:
        what = f"扩展名为 {ext}" if ext else "没有扩展名"
        return (
            f"“{name}”{what}，不是可上传的工作簿。"
            "请上传 .xlsx、.xlsm、.xls 或 .ods 格式的 Excel/WPS 工作簿。"
        )
    try:
        size = Path(path).stat().st_size
    except OSError:
        return f"“{name}”：上传的文件未能保存，请重新上传。"
    if size > max_bytes:
        return (
            f"“{name}”大小 {size / MB:.1f} MB，超过上传上限 {max_bytes / MB:.0f} MB。"
            "请删除无关工作表、图片后另存再上传。"
        )
    tmp: Path | None = None
    try:
        with staged(Path(path), original_name) as tmp:
            return _refusal_of(tmp, name, max_bytes)
    except Exception:  # never a traceback to the uploader: say it plainly, log the rest
        log.exception("refuse_reason failed on %s", name)
        return (
            f"“{name}”无法作为工作簿读取（文件可能已损坏或格式不受支持）。"
            "请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。"
        )


def _refusal_of(tmp: Path, name: str, max_bytes: int) -> str | None:
    from perfxl.errors import NotAPerfxlWorkbookError, PerfxlError
    from perfxl.grid.calamine_grid import read_grid
    from perfxl.read import read_grid_model
    from perfxl.safety import DEFAULT_LIMITS

    limits = dataclasses.replace(DEFAULT_LIMITS, max_file_bytes=max_bytes)
    try:  # the reader runs the preflight first, then refuses oversized sheets and cells
        grid = read_grid(tmp, limits)
        read_grid_model(grid).require_perfxl("未上传", SUMMARY_ADVICE)
    except NotAPerfxlWorkbookError as exc:
        return named(name, clean(exc.message, tmp))
    except PerfxlError as exc:
        return named(name, clean(exc.message, tmp))
    return None


@dataclass(frozen=True)
class RoundInfo:
    """What a submission is checked against besides the rules (plain data)."""

    stage: str
    unit_code: str
    unit_name: str | None
    year: int


def check_submission(
    path: Path,
    original_name: str,
    *,
    stage: str,
    unit_code: str,
    unit_name: str | None,
    year: int,
    config_text: str | None,
    previous: Path | None,
) -> dict[str, Any]:
    """Check one uploaded version: the problems ``perfxl validate`` finds with the round's
    config, the round's own problems, the rows they sit in, and what changed since the unit's
    previous version.

    Args:
        path: the stored upload (its name is not used).
        original_name: the uploader's file name (messages use it).
        stage: the round's stage (``targets``, ``monitoring``, ``evaluation``).
        unit_code, unit_name: the unit the upload link belongs to.
        year: the round's year.
        config_text: the round's config file text (None: the shipped defaults).
        previous: the unit's previous version (None: the first one).

    Returns:
        JSON-able: ``status`` (``done``), ``errors``, ``warnings``, ``infos``, ``problems``
        (``severity``, ``severity_zh``, ``rule``, ``sheet``, ``cell``, ``message``, ``fix``,
        ``project_code``, ``value``; errors first, then warnings, then infos, each in sheet and
        cell order), ``rows`` (``sheet``, ``row``, ``cells``: ``ref``, ``value`` as text,
        ``marked``, ``severity``), ``changes`` (``summary``, ``items``, ``total``, ``equal``;
        None without ``previous``), ``projects``, ``unit_code``, ``unit_name``, ``stage``,
        ``year``, ``month``, ``message`` (None, or why the file could not be checked: then the
        one problem says it too). A file that cannot be read (or a config that cannot be
        used) is ``status`` ``failed`` with ``message``.
    """
    name = display_name(original_name)
    info = RoundInfo(stage, unit_code, unit_name, year)
    try:
        return _check(Path(path), name, original_name, info, config_text, previous)
    except Exception as exc:  # the app shows the message; the details go to the log
        from perfxl.errors import PerfxlError

        log.exception("check_submission failed on %s", name)
        from perfxl.config import ConfigError

        if isinstance(exc, ConfigError):  # the round's, not the file's: not named after it
            return _failed(exc.message)
        text = exc.message if isinstance(exc, PerfxlError) else INTERNAL_ERROR
        return _failed(named(name, text))


def _failed(message: str) -> dict[str, Any]:
    return {
        "status": "failed",
        "errors": 0,
        "warnings": 0,
        "infos": 0,
        "problems": [],
        "rows": [],
        "changes": None,
        "projects": 0,
        "unit_code": None,
        "unit_name": None,
        "stage": None,
        "year": None,
        "month": None,
        "message": message,
    }


def _check(
    path: Path,
    name: str,
    original_name: str,
    info: RoundInfo,
    config_text: str | None,
    previous: Path | None,
) -> dict[str, Any]:
    from perfxl.consolidate.rows import project_codes
    from perfxl.errors import PerfxlError
    from perfxl.grid.calamine_grid import read_grid
    from perfxl.services import validate_open_book

    config = config_from_text(config_text)
    with staged(path, original_name) as tmp:
        try:
            grid = read_grid(tmp)
        except PerfxlError as exc:
            return _failed(named(name, clean(exc.message, tmp)))
        report = validate_open_book(grid, config)
        res = report.read
        assert res is not None  # validate_open_book always reads
        if not res.is_perfxl:  # a county summary is named as one, as every command does
            from perfxl.errors import NotAPerfxlWorkbookError

            try:
                res.require_perfxl("未检查", SUMMARY_ADVICE)
            except NotAPerfxlWorkbookError as exc:
                return _failed(named(name, clean(exc.message, tmp)))
        problems = [_record(p, tmp) for p in report.problems]
        problems += round_problems(res, info)
        problems = sort_problems(problems, [s.name for s in grid.sheets])
        changes = _changes(previous, tmp) if previous is not None else None
        t = res.targets
        counts = {s: sum(1 for p in problems if p["severity"] == s) for s in SEVERITY_ORDER}
        return {
            "status": "done",
            "errors": counts["error"],
            "warnings": counts["warning"],
            "infos": counts["info"],
            "problems": problems,
            "rows": affected_rows(grid, problems),
            "changes": changes,
            "projects": len(t.projects),
            "project_codes": project_codes(res),
            "unit_code": jsonable(t.unit.code),
            "unit_name": jsonable(t.unit.name),
            "stage": t.stage,
            "year": jsonable(t.year),
            "month": jsonable(t.month),
            "message": None,
        }


def split_fix(message: str) -> tuple[str, str | None]:
    """A catalogue message as (what is wrong, how to fix it): the advice is the first
    sentence that starts with 请 after a full stop; (message, None) when there is none."""
    m = _FIX_START.search(message)
    if m is None or m.start() == 0:
        return message, None
    return message[: m.start()], message[m.start() :]


def _record(p: Problem, tmp: Path) -> dict[str, Any]:
    message, fix = split_fix(clean(p.message, tmp))
    return {
        "severity": p.severity,
        "severity_zh": SEVERITY_ZH[p.severity],
        "rule": p.rule,
        "sheet": p.sheet,
        "cell": p.cell,
        "message": message,
        "fix": fix,
        "project_code": p.project_code,
        "value": jsonable(p.value),
    }


def _web_problem(
    rule: str,
    message: str,
    fix: str,
    where: tuple[str | None, str | None],
    value: Any,
    severity: str = "error",
) -> dict[str, Any]:
    return {
        "severity": severity,
        "severity_zh": SEVERITY_ZH[severity],
        "rule": rule,
        "sheet": where[0],
        "cell": where[1],
        "message": message,
        "fix": fix,
        "project_code": None,
        "value": jsonable(value),
    }


def _unit_text(code: Any, name: Any) -> str:
    return f"{code}（{name}）" if name not in (None, "") else str(code)


def round_problems(res: ReadResult, info: RoundInfo) -> list[dict[str, Any]]:
    """The problems of a workbook in this round: another stage, unit or year than the
    round's (rules ``web.stage_mismatch``, ``web.unit_mismatch``, ``web.year_mismatch``;
    errors), the link's unit code with another unit's name (``web.unit_name_mismatch``, a
    warning), placed at the cover's cell when the workbook has one."""
    from perfxl.stages import stage_name

    t = res.targets
    out: list[dict[str, Any]] = []
    wanted = STAGE_BOOK.get(info.stage, info.stage)
    if t.stage != info.stage:
        out.append(
            _web_problem(
                "web.stage_mismatch",
                f"本轮收集的是{wanted}，上传的是{stage_name(t)}。",
                f"请上传本单位的{wanted}（可在本页下载本轮的空白表）。",
                (None, None),
                t.stage,
            )
        )
    code = t.unit.code
    code_text = cell_text(code).strip()  # a code typed as a number reads 910001, not 910001.0
    mine = _unit_text(info.unit_code, info.unit_name)
    if code_text and code_text != str(info.unit_code).strip():
        out.append(
            _web_problem(
                "web.unit_mismatch",
                f"该文件的单位编码是 {_unit_text(code_text, t.unit.name)}，本链接属于 {mine}。",
                "请确认上传的是本单位的工作簿；其他单位的工作簿请用该单位自己的上传链接上传。",
                _where(res, "/unit/code"),
                code,
            )
        )
    elif not code_text:
        out.append(
            _web_problem(
                "web.unit_mismatch",
                f"该文件没有填写单位编码，本链接属于 {mine}。",
                f"请在封面填写本单位编码 {info.unit_code} 后重新上传。",
                _where(res, "/unit/code"),
                None,
            )
        )
    elif _names_differ(t.unit.name, info.unit_name):
        out.append(
            _web_problem(
                "web.unit_name_mismatch",
                f"该文件的单位编码 {code_text} 属于本链接的单位，但单位名称填的是“"
                f"{cell_text(t.unit.name).strip()}”，本链接的单位是“{info.unit_name}”。",
                "请确认上传的是本单位的工作簿：是本单位的，请把封面的单位名称改为本单位名称；"
                "是其他单位的，请让该单位用自己的上传链接上传。",
                _where(res, "/unit/name"),
                t.unit.name,
                severity="warning",
            )
        )
    year_text = cell_text(t.year).strip()
    if year_text and re.sub(r"\D", "", year_text) != str(info.year):  # 2023 and “2023年” agree
        out.append(
            _web_problem(
                "web.year_mismatch",
                f"该文件的预算年度是 {t.year}，本轮收集的是 {info.year} 年度的工作簿。",
                f"请上传 {info.year} 年度的工作簿（或更正封面的预算年度）。",
                _where(res, "/year"),
                t.year,
            )
        )
    return out


def _names_differ(in_file: Any, of_link: str | None) -> bool:
    """Whether the workbook's 单位名称 names another unit than the link's: both given and
    neither contains the other (a 简称 such as 巨鹿镇 inside 巨鹿县巨鹿镇人民政府本级 is the
    same unit), spaces aside."""
    a = re.sub(r"\s+", "", cell_text(in_file) if in_file is not None else "")
    b = re.sub(r"\s+", "", of_link or "")
    return bool(a and b) and a not in b and b not in a


def _where(res: ReadResult, pointer: str) -> tuple[str | None, str | None]:
    from perfxl.validate import locate

    return locate(res, pointer)


def _changes(previous: Path, current: Path) -> dict[str, Any]:
    """What changed since the previous version (`perfxl.services.yoy.diff_books`); a
    previous version that cannot be compared gives a summary saying why."""
    from perfxl.diff import KIND_ZH
    from perfxl.errors import PerfxlError
    from perfxl.services.yoy import diff_books

    try:
        with staged(previous, "上一版本") as old:
            result = diff_books(old, current)
    except PerfxlError as exc:
        reason = exc.message.replace(str(current.parent), "")
        return {"summary": f"无法与上一版本比较：{reason}", "items": [], "total": 0, "equal": False}
    items = [
        {
            "kind": c.kind,
            "kind_zh": KIND_ZH[c.kind],
            "text": c.text(),
            "sheet": c.new_sheet or c.old_sheet,
            "cell": c.new_cell or c.old_cell,
        }
        for c in result.changes[:MAX_CHANGES]
    ]
    return {
        "summary": result.summary(),
        "items": items,
        "total": len(result.changes),
        "equal": result.equal,
    }


def dumps(result: dict[str, Any]) -> str:
    """A result as the JSON text stored with a version."""
    return json.dumps(result, ensure_ascii=False)
