"""What the web app asks of perfxl about an uploaded workbook: pure functions over paths.

The app calls these in the worker processes of a process pool (a reader that crashes takes a
worker down, never the server), so every argument and every result is plain picklable data:
paths, strings, numbers, and JSON-able dicts.

An upload is stored under its sha256 without an extension, and its original name is the
uploader's; neither is handed to a reader. Each function copies (or hard-links) the file into a
private temp folder under a safe name built from the original name and the extension that
matches what the preflight found inside, so the readers pick the right engine and every
message names the file as the uploader knows it (never a temp path).

Round-level problems (a workbook of another stage, unit or year than the round's) are found
here, not in the rule catalogue: they exist only for a collection round. Their rule ids carry
the prefix ``web.``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from perfxl.config import Config
    from perfxl.grid import Grid
    from perfxl.problems import Problem
    from perfxl.read import ReadResult

log = logging.getLogger(__name__)

MB = 1024 * 1024
MAX_UPLOAD_BYTES = 50 * MB
"""The default size limit of one upload (``perfxl serve --max-upload-mb``)."""

ALLOWED_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm", ".xls", ".ods")
"""Extensions an upload may have."""

MAX_ROWS = 200
"""Rows of the grid shown with a result at most (the page folds all but the errors' rows)."""

ROWS_PER_RULE = 5
"""Rows shown for one warning or info rule (its first problem cells); an error's row is always
shown, within `MAX_ROWS`."""

MAX_ROW_CELLS = 16
"""Columns of one shown row at most (the project form is 8 wide; a cover row a few more)."""

MAX_CHANGES = 100
"""Changes against the previous version listed with a result (the summary counts them all)."""

STAGE_ZH: dict[str, str] = {
    "targets": "绩效目标表",
    "monitoring": "绩效运行监控表",
    "evaluation": "绩效自评表",
}

WEB_RULES: dict[str, str] = {
    "web.stage_mismatch": "工作簿类型与本轮不符",
    "web.unit_mismatch": "单位编码与上传链接不符",
    "web.unit_name_mismatch": "单位名称与上传链接不符",
    "web.year_mismatch": "预算年度与本轮不符",
}
"""The round-level rules (ids and titles); errors, but ``web.unit_name_mismatch`` a warning
(the code, which the county sums by, is right)."""

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
# Where a message's advice starts: a sentence beginning with 请 after a full stop.
_FIX_START = re.compile(r"(?<=[。；！？])请")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


# --------------------------------------------------------------------------- staging


def display_name(original_name: str) -> str:
    """The uploaded file's name as shown in messages: its last path part, cleaned."""
    base = re.split(r"[/\\]", original_name or "")[-1]
    base = _UNSAFE_NAME.sub("_", base).strip()
    return base or "上传的文件"


def _safe_name(original_name: str, suffix: str) -> str:
    """A file name for the staged copy: the original stem (cut so the name stays far below
    the 255-byte limit of file systems) and ``suffix``."""
    stem = display_name(original_name)
    low = stem.lower()
    for s in (*ALLOWED_SUFFIXES, ".xlsb"):
        if low.endswith(s):
            stem = stem[: -len(s)]
            break
    stem = stem.lstrip(".") or "workbook"
    while len(stem.encode("utf-8")) > 150:
        stem = stem[:-1]
    return stem + suffix


def _suffix_for(path: Path, original_name: str) -> str:
    """The extension the staged copy gets: what the preflight says the file is; the original
    extension when it agrees (a macro workbook stays .xlsm)."""
    from perfxl.errors import UnreadableWorkbookError
    from perfxl.safety import preflight

    ext = Path(display_name(original_name)).suffix.lower()
    try:
        kind = preflight(path).kind
    except UnreadableWorkbookError:
        return ext if ext in ALLOWED_SUFFIXES else ".xlsx"
    if kind == "xlsx":
        return ext if ext in (".xlsx", ".xlsm") else ".xlsx"
    return "." + kind


@contextlib.contextmanager
def staged(path: Path, original_name: str, suffix: str | None = None) -> Iterator[Path]:
    """``path`` under a safe name in a private temp folder (removed afterwards).

    A hard link when the temp folder is on the same file system, else a copy: readers only
    read it, and nothing is ever written through it.
    """
    with tempfile.TemporaryDirectory(prefix="perfxl-web-") as tmp:
        name = _safe_name(original_name, suffix or _suffix_for(Path(path), original_name))
        dest = Path(tmp) / name
        _link_or_copy(Path(path), dest)
        yield dest


def _link_or_copy(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


def _clean(message: str, tmp: Path | None) -> str:
    """A message without any temp path in it (the file's name stays)."""
    if tmp is not None:
        message = message.replace(str(tmp.parent) + os.sep, "").replace(str(tmp.parent), "")
    return message


def _named(name: str, message: str) -> str:
    """``“name”：message`` unless the message already names the file."""
    return message if name in message else f"“{name}”：{message}"


@contextlib.contextmanager
def user_errors(name: str | None, *folders: Path) -> Iterator[None]:
    """perfxl errors leaving the block are made fit for a page: no temp path in the message
    (``folders``), ``path`` cleared (``str(exc)`` would put it in front), and the message
    naming the uploaded file ``name`` when there is one; sheet and cell are kept."""
    from perfxl.errors import PerfxlError

    try:
        yield
    except PerfxlError as exc:
        message = exc.message
        if exc.path:
            message = message.replace(str(exc.path), Path(str(exc.path)).name)
        for folder in folders:
            message = _strip(message, str(folder))
        exc.message = _named(name, message) if name else message
        exc.args = (exc.message,)
        exc.path = None
        raise


# --------------------------------------------------------------------------- config


def config_from_text(config_text: str | None) -> Config:
    """The round's validation settings from the county's config file text, parsed as
    :func:`perfxl.config.load_config` parses a file (JSON when the text is a JSON object,
    else TOML), over the shipped defaults; None or blank: the shipped defaults.

    Raises:
        ConfigError: the text is not usable (its message in Chinese, naming no temp path).
    """
    from perfxl.config import ConfigError, load_config

    if config_text is None or not config_text.strip():
        return load_config(None)
    with tempfile.TemporaryDirectory(prefix="perfxl-web-") as tmp:
        p = _config_file(Path(tmp), config_text)
        assert p is not None
        try:
            return load_config(p)
        except ConfigError as exc:
            exc.message = "本轮的县级配置有误：" + _clean(exc.message, p)
            exc.args = (exc.message,)
            exc.path = None
            raise


# --------------------------------------------------------------------------- refuse


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
        read_grid_model(grid).require_perfxl()
    except NotAPerfxlWorkbookError as exc:
        return _named(name, _clean(exc.message, tmp))
    except PerfxlError as exc:
        return _named(name, _clean(exc.message, tmp))
    return None


# --------------------------------------------------------------------------- check


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
        if isinstance(exc, PerfxlError):
            text = exc.message
        else:
            text = "检查时发生内部错误，请稍后重新上传；仍有问题请联系县财政局。"
        return _failed(_named(name, text))


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
            return _failed(_named(name, _clean(exc.message, tmp)))
        report = validate_open_book(grid, config)
        res = report.read
        assert res is not None  # validate_open_book always reads
        if not res.is_perfxl:
            from perfxl.errors import NotAPerfxlWorkbookError

            return _failed(_named(name, NotAPerfxlWorkbookError.message_for(res.layout)))
        problems = [_record(p, tmp) for p in report.problems]
        problems += round_problems(res, info)
        problems = sort_problems(problems, [s.name for s in grid.sheets])
        changes = _changes(previous, tmp) if previous is not None else None
        t = res.targets
        counts = {s: sum(1 for p in problems if p["severity"] == s) for s in _SEVERITY_ORDER}
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
            "unit_code": _jsonable(t.unit.code),
            "unit_name": _jsonable(t.unit.name),
            "stage": t.stage,
            "year": _jsonable(t.year),
            "month": _jsonable(t.month),
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
    message, fix = split_fix(_clean(p.message, tmp))
    return {
        "severity": p.severity,
        "severity_zh": _SEVERITY_ZH[p.severity],
        "rule": p.rule,
        "sheet": p.sheet,
        "cell": p.cell,
        "message": message,
        "fix": fix,
        "project_code": p.project_code,
        "value": _jsonable(p.value),
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
        "severity_zh": _SEVERITY_ZH[severity],
        "rule": rule,
        "sheet": where[0],
        "cell": where[1],
        "message": message,
        "fix": fix,
        "project_code": None,
        "value": _jsonable(value),
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
    wanted = STAGE_ZH.get(info.stage, info.stage)
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


def sort_problems(problems: list[dict[str, Any]], sheets: list[str]) -> list[dict[str, Any]]:
    """Errors first, then warnings, then infos; within each, file-level problems first, then
    by sheet (workbook order), row and column; ties keep their order."""
    from perfxl.cells import parse_a1

    order = {s: i for i, s in enumerate(sheets)}

    def key(item: tuple[int, dict[str, Any]]) -> tuple[int, int, int, int, int]:
        n, p = item
        sev = _SEVERITY_ORDER.get(p["severity"], 3)
        if p["sheet"] is None:
            return (sev, -1, 0, 0, n)
        try:
            row, col = parse_a1(p["cell"]) if p["cell"] else (0, 0)
        except ValueError:
            row, col = 0, 0
        return (sev, order.get(p["sheet"], len(order)), row, col, n)

    return [p for _, p in sorted(enumerate(problems), key=key)]


def affected_rows(grid: Grid, problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The grid rows the problems sit in (in the problems' order, each row once): every
    error's row, the first `ROWS_PER_RULE` rows of each warning or info rule, at most
    `MAX_ROWS` in all; each cell's value as text, the problem cells of a shown row marked with
    their worst severity."""
    from perfxl.cells import col_letter, parse_a1

    sheets = {s.name: s for s in grid.sheets}
    located: list[tuple[tuple[str, int], int, dict[str, Any]]] = []
    for p in problems:
        sheet, cell = p["sheet"], p["cell"]
        if sheet not in sheets or not cell:
            continue
        try:
            row, col = parse_a1(cell)
        except ValueError:
            continue
        located.append(((sheet, row), col, p))
    order: list[tuple[str, int]] = []
    per_rule: dict[str, set[tuple[str, int]]] = {}
    for key, _col, p in located:
        rule_rows = per_rule.setdefault(str(p.get("rule")), set())
        if key in order:
            rule_rows.add(key)
            continue
        if len(order) >= MAX_ROWS:
            break
        if p["severity"] != "error" and len(rule_rows) >= ROWS_PER_RULE:
            continue
        order.append(key)
        rule_rows.add(key)
    marks: dict[tuple[str, int], dict[int, str]] = {key: {} for key in order}
    for key, col, p in located:
        if key not in marks:
            continue
        have = marks[key].get(col)
        if have is None or _SEVERITY_ORDER[p["severity"]] < _SEVERITY_ORDER[have]:
            marks[key][col] = p["severity"]
    out = []
    for sheet, row in order:
        s = sheets[sheet]
        values = s.rows[row - 1] if 0 < row <= len(s.rows) else []
        used = max((i + 1 for i, v in enumerate(values) if v not in (None, "")), default=0)
        width = min(max(used, *marks[(sheet, row)]), MAX_ROW_CELLS)
        cells = []
        for c in range(1, width + 1):
            sev = marks[(sheet, row)].get(c)
            cells.append(
                {
                    "ref": f"{col_letter(c)}{row}",
                    "value": cell_text(s.get(row, c)),
                    "marked": sev is not None,
                    "severity": sev,
                }
            )
        out.append({"sheet": sheet, "row": row, "cells": cells})
    return out


def cell_text(v: Any) -> str:
    """A cell's value as a page shows it: numbers without float noise, dates in ISO form."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        if v.is_integer():
            return str(int(v))
        return f"{v:.10f}".rstrip("0").rstrip(".")
    if isinstance(v, datetime):
        return v.isoformat(sep=" ", timespec="seconds").removesuffix(" 00:00:00")
    if isinstance(v, (date, time)):
        return v.isoformat()
    return str(v)


def _jsonable(v: Any) -> Any:
    """A value that ``json.dumps`` takes and that reads back the same (else its text)."""
    if v is None or isinstance(v, (str, bool, int)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return cell_text(v)


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


# --------------------------------------------------------------------------- annotate


def annotated_copy(path: Path, original_name: str, config_text: str | None, out: Path) -> Path:
    """The upload with its problems marked as ``perfxl validate --annotate`` marks them
    (`perfxl.services.annotate`: a fill and a comment on each problem cell, the 校验结果
    sheet), written atomically; the round-level ``web.`` problems are not marked (they are
    about the round, not a cell's content).

    An .xlsx or .xlsm upload keeps its format: the copy is ``out`` with that suffix. The
    write-back engine edits OOXML only, so an .xls or .ods upload is first rewritten as an
    .xlsx holding its sheets' values and merged ranges (formatting is not carried), and the
    copy is ``out`` with the suffix .xlsx.

    Args:
        path: the stored upload.
        original_name: the uploader's file name.
        config_text: the round's config text (None: the shipped defaults).
        out: where to write (its suffix is replaced as above).

    Returns:
        The path written.

    Raises:
        PerfxlError: the upload cannot be read or is not a perfxl workbook (the message names
            ``original_name``), or ``out`` cannot be written.
    """
    from perfxl.errors import NotAPerfxlWorkbookError, PerfxlError
    from perfxl.services import annotate, validate_files

    name = display_name(original_name)
    config = config_from_text(config_text)
    with (
        staged(Path(path), original_name) as tmp,
        user_errors(name, tmp.parent, Path(out).parent),
    ):
        report = validate_files([tmp], config).reports[0]
        if report.read is None:
            if report.not_perfxl:
                raise NotAPerfxlWorkbookError()
            detail = report.problems[0].message if report.problems else "无法读取。"
            raise PerfxlError(detail)
        if tmp.suffix.lower() in (".xlsx", ".xlsm"):
            target = Path(out).with_suffix(tmp.suffix.lower())
            annotate(report, target)
            return target
        target = Path(out).with_suffix(".xlsx")
        book = tmp.with_suffix(".converted.xlsx")
        _grid_to_xlsx(tmp, book)
        report.path = str(book)
        annotate(report, target)
        return target


def _grid_to_xlsx(src: Path, dest: Path) -> None:
    """An .xls/.ods workbook's sheets (values, merged ranges, hidden state) as an .xlsx."""
    from openpyxl import Workbook

    from perfxl.grid.calamine_grid import read_grid

    grid = read_grid(src)
    wb = Workbook()
    for blank in list(wb.worksheets):
        wb.remove(blank)
    for sheet in grid.sheets:
        ws = wb.create_sheet(sheet.name[:31])
        for row in sheet.rows:
            ws.append([_xlsx_value(v) for v in row])
        for r1, c1, r2, c2 in sheet.merged:
            if (r1, c1) != (r2, c2):
                ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        if not sheet.visible:
            ws.sheet_state = "hidden"
    if not wb.worksheets:
        wb.create_sheet("Sheet1")
    wb.save(dest)


def _xlsx_value(v: Any) -> Any:
    """A grid value openpyxl writes as the same value (text starting with = stays text)."""
    if isinstance(v, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", v)
    return v


# --------------------------------------------------------------------------- summary


def build_summary(
    files: list[tuple[Path, str]],
    *,
    expected: list[tuple[str, str | None]],
    config_text: str | None,
    out: Path,
) -> dict[str, Any]:
    """The county summary of a round's latest versions, exactly as ``perfxl consolidate DIR
    -o OUT --expected UNITS.csv [--config CONFIG]`` makes it, written to ``out``; and the
    figures the summary page shows, taken from the consolidation's own tables.

    The files are linked (or copied) into a private folder beside ``out`` under their
    display names (never names from uploads), with the expected units' CSV and the config
    beside them; the folder is removed afterwards.

    Args:
        files: (stored upload, display name such as ``910001-巨鹿镇-v3.xlsx``) per unit.
        expected: the round's units as (code, name).
        config_text: the round's config text (None: the shipped defaults).
        out: the summary workbook (.xlsx).

    Returns:
        JSON-able figures: ``stage``, ``month``, ``profile``, ``units`` (one per unit summed:
        ``code``, ``name``, ``file``, ``projects``, ``budget``, ``errors``, ``warnings`` and the
        stage's figures), ``missing`` (``code``, ``name``), ``unusable`` (``file``,
        ``reason``), ``totals``, ``charts`` (what `perfxl.web.charts.chart_svg` draws: the
        summary workbook's chart data), ``notes``, ``exit_code`` and ``report`` (what
        ``consolidate --format json`` prints, paths as display names).

    Raises:
        PerfxlError: no usable workbook at all (nothing written), the config is unusable, or
            ``out`` cannot be written.
    """
    from perfxl.consolidate import Options
    from perfxl.errors import DataError
    from perfxl.services import consolidate

    out = Path(out).resolve()
    config_from_text(config_text)  # an unusable config says so in the round's words
    if not files:
        raise DataError("本轮还没有单位上传工作簿，无法生成汇总表。")
    with tempfile.TemporaryDirectory(prefix=".perfxl-summary-", dir=out.parent) as tmp:
        folder = Path(tmp) / INPUT_FOLDER
        folder.mkdir()
        names: dict[str, str] = {}
        for src, shown in files:
            dest = folder / _unique(folder, _safe_name(shown, _suffix_for(Path(src), shown)))
            _link_or_copy(Path(src), dest)
            names[str(Path(INPUT_FOLDER) / dest.name)] = dest.name
        _write_units_csv(Path(tmp) / UNITS_CSV, expected)
        config_path = _config_file(Path(tmp), config_text)
        opts = Options(
            expected=Path(UNITS_CSV),
            jobs=1,  # already in a worker process of the app
            config=Path(config_path.name) if config_path else None,
        )
        # Run from the temp folder with relative paths, as a clerk runs the command in the
        # folder: the summary's 说明 sheet names 报送 and units.csv, never a temp path. The
        # working directory is the worker process's own (one task at a time).
        with _cwd(Path(tmp)), user_errors(None, Path(tmp), out.parent):
            report = consolidate([Path(INPUT_FOLDER)], out, opts)
        return summary_figures(report, names, INPUT_FOLDER)


INPUT_FOLDER = "报送"
UNITS_CSV = "应报单位.csv"


@contextlib.contextmanager
def _cwd(folder: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _config_file(folder: Path, config_text: str | None) -> Path | None:
    """The round's config text as a file in ``folder`` (.json or .toml by its content);
    None when there is none."""
    if config_text is None or not config_text.strip():
        return None
    json_like = config_text.lstrip("\ufeff \t\r\n").startswith("{")
    path = folder / ("县级配置.json" if json_like else "县级配置.toml")
    path.write_text(config_text, encoding="utf-8")
    return path


def _unique(folder: Path, name: str) -> str:
    """``name``, or ``name (2)`` … when the folder already has it."""
    if not (folder / name).exists():
        return name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 2
    while (folder / f"{stem} ({n}){suffix}").exists():
        n += 1
    return f"{stem} ({n}){suffix}"


def _write_units_csv(path: Path, expected: list[tuple[str, str | None]]) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["单位编码", "单位名称"])
        for code, name in expected:
            w.writerow([code, name or ""])


def summary_figures(report: Any, names: dict[str, str], folder: str) -> dict[str, Any]:
    """The summary page's figures from a consolidation report (`ConsolidationReport`):
    every number read from the consolidation's tables; file paths shown by ``names``."""
    from perfxl.consolidate import columns as K

    c = report.result

    def shown(p: str | None) -> str | None:
        if p is None:
            return None
        return names.get(p) or (Path(p).name if p.startswith(folder) else p)

    counts: dict[str | None, dict[str, int]] = {}
    for pr in c.problems:
        d = counts.setdefault(pr.unit_code, {"errors": 0, "warnings": 0})
        if pr.severity == K.SEVERITY_ZH["error"]:
            d["errors"] += 1
        elif pr.severity == K.SEVERITY_ZH["warning"]:
            d["warnings"] += 1
    units: list[dict[str, Any]] = []
    charts: list[dict[str, Any]] = []
    if c.stage == "monitoring":
        for u in c.monitor_units:
            if u.row_kind != K.ROW_UNIT:
                continue
            d = counts.get(u.unit_code, {"errors": 0, "warnings": 0})
            units.append(
                {
                    "code": u.unit_code,
                    "name": u.unit_name,
                    "file": shown(u.source_file),
                    "projects": u.projects,
                    "budget": u.budget,
                    "executed": u.executed,
                    "rate": u.rate,
                    "schedule": u.schedule,
                    "lights": {"red": u.red, "yellow": u.yellow, "green": u.green},
                    "indicator_lights": {"red": u.indicators_red, "yellow": u.indicators_yellow},
                    **d,
                }
            )
        total = next((u for u in c.monitor_units if u.row_kind == K.ROW_TOTAL), None)
        totals = {
            "projects": total.projects if total else 0,
            "budget": total.budget if total else 0.0,
            "executed": total.executed if total else 0.0,
            "rate": total.rate if total else None,
            "schedule": total.schedule if total else None,
        }
        charts.append(_monitoring_chart(c))
    elif c.stage == "evaluation":
        from perfxl.consolidate.eval_columns import LEVEL_KEYS, LEVEL_NAMES

        for u in c.eval_units:
            if u.row_kind != K.ROW_UNIT:
                continue
            d = counts.get(u.unit_code, {"errors": 0, "warnings": 0})
            units.append(
                {
                    "code": u.unit_code,
                    "name": u.unit_name,
                    "file": shown(u.source_file),
                    "projects": u.projects,
                    "budget": u.budget,
                    "executed": u.executed,
                    "rate": u.rate,
                    "scored": u.scored,
                    "average": u.average,
                    "levels": {
                        n: getattr(u, k) for k, n in zip(LEVEL_KEYS, LEVEL_NAMES, strict=True)
                    },
                    **d,
                }
            )
        total = next((u for u in c.eval_units if u.row_kind == K.ROW_TOTAL), None)
        totals = {
            "projects": total.projects if total else 0,
            "budget": total.budget if total else 0.0,
            "scored": total.scored if total else 0,
            "average": total.average if total else None,
            "levels": {
                n: getattr(total, k) if total else 0
                for k, n in zip(LEVEL_KEYS, LEVEL_NAMES, strict=True)
            },
        }
        charts.extend(_evaluation_charts(c))
    else:
        for u in c.units:
            if u.row_kind != K.ROW_UNIT:
                continue
            units.append(
                {
                    "code": u.unit_code,
                    "name": u.unit_name,
                    "file": shown(u.source_file),
                    "projects": u.projects,
                    "budget": u.budget,
                    "plan_percent": dict(
                        zip(
                            K.CHECKPOINTS, (u.pct_mar, u.pct_jun, u.pct_oct, u.pct_dec), strict=True
                        )
                    ),
                    "errors": u.errors,
                    "warnings": u.warnings,
                }
            )
        totals = {
            "projects": c.totals.get("projects", 0),
            "budget": c.totals.get("budget", 0.0),
            "plan_percent": {
                cp: c.totals.get(k)
                for cp, k in zip(
                    K.CHECKPOINTS, ("pct_mar", "pct_jun", "pct_oct", "pct_dec"), strict=True
                )
            },
            "schedule": dict(zip(K.CHECKPOINTS, (round(s, 2) for s in c.schedule), strict=True)),
        }
        charts.extend(_targets_charts(c))
    totals["errors"] = c.error_count
    totals["warnings"] = c.warning_count
    totals["units"] = len(units)
    raw = report.to_dict()
    raw["summary"] = Path(raw["summary"]).name
    raw["superseded_files"] = [shown(p) for p in raw["superseded_files"]]
    raw["summaries_not_read"] = [shown(p) for p in raw["summaries_not_read"]]
    for f in raw["unusable_files"]:
        f["file"] = shown(f["file"])
    return _jsonable(
        {
            "stage": c.stage,
            "month": c.month,
            "profile": c.profile,
            "units": units,
            "missing": [{"code": code, "name": name} for code, name in c.missing],
            "unusable": [{"file": f["file"], "reason": f["reason"]} for f in raw["unusable_files"]],
            "totals": totals,
            "charts": charts,
            "notes": [_strip(n, folder) for n in c.notes],
            "exit_code": c.exit_code,
            "report": raw,
        }
    )


def _strip(text: str, folder: str) -> str:
    return text.replace(folder + os.sep, "").replace(folder, "")


def _label(u: Any) -> str:
    """A unit as the summary workbook's charts name it."""
    return str(u.unit_name or u.unit_code or "")


def _targets_charts(c: Any) -> list[dict[str, Any]]:
    """The 图表 sheet's two charts: the county's cumulative plan against 序时进度, and each
    unit's 预算数 (the 乡镇合计 rows)."""
    from perfxl.consolidate import columns as K

    keys = ("pct_mar", "pct_jun", "pct_oct", "pct_dec")
    charts = [
        {
            "kind": "line",
            "title": "累计支出计划进度与序时进度（全县，%）",
            "unit": "%",
            "max": 100,
            "labels": list(K.CHECKPOINTS),
            "series": [
                {"name": "全县累计计划进度（%）", "values": [c.totals.get(k) or 0 for k in keys]},
                {"name": "序时进度（%）", "values": [round(s, 2) for s in c.schedule]},
            ],
        }
    ]
    units = [u for u in c.units if u.row_kind == K.ROW_UNIT]
    if units:
        charts.append(
            {
                "kind": "bar",
                "title": "各单位预算数（万元）",
                "unit": "万元",
                "max": None,
                "labels": [_label(u) for u in units],
                "series": [{"name": "预算数（万元）", "values": [u.budget for u in units]}],
            }
        )
    return charts


def _monitoring_chart(c: Any) -> dict[str, Any]:
    """The 执行率图表 sheet's chart: each unit's 执行率 with the 序时进度 line."""
    from perfxl.consolidate import columns as K

    units = [u for u in c.monitor_units if u.row_kind == K.ROW_UNIT]
    month = f"1-{c.month}月" if c.month else ""
    return {
        "kind": "bar",
        "title": f"各单位{month}执行率与序时进度（%）",
        "unit": "%",
        "max": 100,
        "labels": [_label(u) for u in units],
        "series": [{"name": "执行率（%）", "values": [u.rate or 0 for u in units]}],
        "line": {"name": "序时进度（%）", "values": [u.schedule or 0 for u in units]},
    }


def _evaluation_charts(c: Any) -> list[dict[str, Any]]:
    """The 等级分布 sheet's chart (each unit's projects by 自评等级, stacked), and each
    unit's mean 总分 from the 乡镇得分 table."""
    from perfxl.consolidate import columns as K
    from perfxl.consolidate.eval_columns import LEVEL_KEYS, LEVEL_NAMES

    units = [u for u in c.eval_units if u.row_kind == K.ROW_UNIT]
    if not units:
        return []
    return [
        {
            "kind": "stacked",
            "title": "各单位项目自评等级分布（个）",
            "unit": "个",
            "max": None,
            "labels": [_label(u) for u in units],
            "series": [
                {"name": n, "values": [getattr(u, k) for u in units]}
                for k, n in zip(LEVEL_KEYS, LEVEL_NAMES, strict=True)
            ],
        },
        {
            "kind": "bar",
            "title": "各单位平均总分",
            "unit": "分",
            "max": 100,
            "labels": [_label(u) for u in units],
            "series": [{"name": "平均总分", "values": [u.average or 0 for u in units]}],
        },
    ]


# --------------------------------------------------------------------------- template


def template_for(
    stage: str,
    year: int,
    out: Path,
    source: Path | None,
    *,
    unit_code: str | None = None,
    unit_name: str | None = None,
    config_text: str | None = None,
) -> Path:
    """The blank workbook of a round for a unit, written atomically to ``out`` (.xlsx).

    - ``targets``: the standard template (`perfxl.services.make_template`) for ``year``,
      with the unit's code and name when given;
    - ``monitoring``: the 绩效运行监控表 (`perfxl.services.new_monitoring`, 7月) drawn from
      ``source``, the unit's latest 绩效目标表 (of the round this one follows);
    - ``evaluation``: the 绩效自评表 (`perfxl.services.new_evaluation`, the config's
      scoring profile) drawn from ``source``, the unit's latest 绩效目标表 or 绩效运行监控表.

    Returns:
        ``out``.

    Raises:
        PerfxlError: a later stage without ``source`` (the unit must first have a targets
            submission), ``source`` unusable, or ``out`` cannot be written.
    """
    from perfxl.errors import PerfxlError
    from perfxl.services import make_template, new_evaluation, new_monitoring

    out = Path(out)
    if stage == "targets":
        with user_errors(None, out.parent):
            return make_template(out, year=year, unit_code=unit_code, unit_name=unit_name)
    if stage not in ("monitoring", "evaluation"):
        raise PerfxlError(f"未知的收集阶段“{stage}”。")
    what = STAGE_ZH[stage]
    if source is None:
        earlier = "绩效目标表" if stage == "monitoring" else "绩效目标表（或绩效运行监控表）"
        raise PerfxlError(
            f"{what}由本单位的{earlier}生成，但本单位还没有可用的{earlier}上传记录。"
            f"请先在目标表收集轮次中上传本单位的{earlier}，再下载{what}。"
        )
    config_from_text(config_text)  # unusable: said in the round's words
    with (
        staged(Path(source), "上一阶段的工作簿") as src,
        tempfile.TemporaryDirectory(prefix="perfxl-web-") as tmp,
        user_errors(None, src.parent, Path(tmp), out.parent),
    ):
        if stage == "monitoring":
            new_monitoring(src, out)
        else:
            new_evaluation(src, out, config_path=_config_file(Path(tmp), config_text))
    return out
