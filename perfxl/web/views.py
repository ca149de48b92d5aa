"""What the pages say about rounds and versions (pure: no I/O, no web library).

A unit's status on the dashboard comes from its latest version: 未报送 (no version), 正在检查,
检查失败, 有错误, 仅有提醒 (warnings, no error) or 无问题. The ``kind`` is the stable name the
page uses in ``class="status status-<kind>"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from perfxl.problems import SEVERITY_ZH
from perfxl.web.labels import WEB_RULES

STATUS_ZH = {
    "missing": "未报送",
    "checking": "正在检查",
    "failed": "检查失败",
    "errors": "有错误",
    "warnings": "仅有提醒",
    "clean": "无问题",
}


# perfxl's own messages speak to whoever runs the command line (the county office) and name
# its commands; the pages reword them for who reads them, without changing perfxl's messages.
_FOR_EVERYONE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"按 ?perfxl validate ?的提示"), "按检查结果的提示"),
    (re.compile(r"[（(]--expected[)）]"), "（本轮的应报单位名单）"),
    (re.compile(r"由 ?perfxl new \w+ ?生成"), "由县财政局下发"),
    (re.compile(r"可用的编号见 ?perfxl validate --help ?或文档"), "可用的编号见 perfxl 的使用说明"),
    # A county summary uploaded by mistake; an amount saved as text (read.amount_text).
    (re.compile(r"这是 ?perfxl consolidate ?生成的"), "这是县里汇总生成的"),
    (re.compile(r"perfxl 读取数据时按"), "检查时按"),
    (re.compile(r"perfxl compute ?也不计算该项目的累计进度"), "该项目的累计进度也无法自动算出"),
    (re.compile(r"[（(]perfxl template ?生成[)）]"), "（县财政局下发）"),
    (re.compile(r"perfxl template ?生成的工作簿"), "县财政局下发的模板填报的工作簿"),
)
# A township uploads its own file: "ask the unit to send it again" means "send it again".
_FOR_TOWNSHIP: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"再提交，或让填报单位重新发送。"), "再上传。"),
    (re.compile(r"请重新获取或让填报单位重新发送。"), "请重新保存或重新复制这个文件后再上传。"),
    (re.compile(r"或让填报单位重新发送"), "或重新复制这个文件后再上传"),
    (re.compile(r"让填报单位重新发送"), "重新保存这个文件后再上传"),
)


# The web's own messages for a failed check (`pool.CRASH_MESSAGE`, `TIMEOUT_MESSAGE`,
# `BUG_MESSAGE`, `checks.INTERNAL_ERROR`) speak to the township that uploaded the file ("ask
# the county"); the county office reads them on its own pages as what it can do about them.
_LOG = "详细情况已记录在服务器日志中"
_FOR_COUNTY: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"请在 Excel 或 WPS 中打开并另存为 \.xlsx 后重新上传；如仍失败，请联系县财政局。"
        ),
        "可请该单位在 Excel 或 WPS 中打开并另存为 .xlsx 后重新上传；"
        "如仍失败，可下载原文件查看，" + _LOG + "。",
    ),
    (
        re.compile(r"请删除无关的工作表后另存为 \.xlsx 重新上传；如仍失败，请联系县财政局。"),
        "可请该单位删除无关的工作表后另存为 .xlsx 重新上传；"
        "如仍失败，可下载原文件查看，" + _LOG + "。",
    ),
    (
        re.compile(r"已记录在服务器日志中。请联系县财政局。"),
        "已记录在服务器日志中，请查看日志；问题排除后可请该单位重新上传。",
    ),
    (
        re.compile(r"请稍后重新上传；仍有问题请联系县财政局。"),
        _LOG + "；可请该单位稍后重新上传，仍失败时请查看日志。",
    ),
)


def plain(text: object, *, township: bool = False) -> str:
    """``text`` (a perfxl message) in the words of the page's reader: no command names; on
    a township's pages (``township``), the advice addressed to the township itself; on the
    county's, the web's advice to the township (a failed check) as what the county can do."""
    out = "" if text is None else str(text)
    rules = _FOR_EVERYONE + (_FOR_TOWNSHIP if township else _FOR_COUNTY)
    for pattern, words in rules:
        out = pattern.sub(words, out)
    return out


class Checked(Protocol):
    """The fields of a stored version the pages read."""

    @property
    def number(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def errors(self) -> int: ...
    @property
    def warnings(self) -> int: ...
    @property
    def infos(self) -> int: ...
    @property
    def result(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class Status:
    """A unit's (or a version's) status: its stable kind and Chinese label."""

    kind: str
    label: str


def status_of(version: Checked | None, extra_errors: int = 0) -> Status:
    """The status a version gives its unit (None: the unit has not submitted);
    ``extra_errors``: errors found between units (`duplicate_codes`)."""
    if version is None:
        kind = "missing"
    elif version.status == "checking":
        kind = "checking"
    elif version.status == "failed":
        kind = "failed"
    elif version.errors or extra_errors:
        kind = "errors"
    elif version.warnings:
        kind = "warnings"
    else:
        kind = "clean"
    return Status(kind, STATUS_ZH[kind])


def failure_message(version: Checked) -> str:
    """Why the check of a failed version gave no result (Chinese)."""
    result = version.result or {}
    message = result.get("message")
    return str(message) if message else "检查未能完成。"


def change_text(version: Checked | None, previous: Checked | None) -> str:
    """What changed since the previous version: the diff's summary when the check made one,
    else the problem counts before and after."""
    if version is None:
        return ""
    if previous is None:
        return "首次报送" if version.number == 1 else ""
    changes = (version.result or {}).get("changes")
    if isinstance(changes, dict) and changes.get("summary"):
        return str(changes["summary"])
    if version.status != "done" or previous.status != "done":
        return ""
    return f"错误 {previous.errors}→{version.errors}，警告 {previous.warnings}→{version.warnings}"


def local_time(value: datetime | None) -> str:
    """A stored (UTC) time as the server's local time, to the minute."""
    if value is None:
        return ""
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def is_late(deadline: datetime | None, uploaded_at: datetime | None) -> bool:
    """Whether a version came in after the round's deadline (uploads stay open after it:
    the county office decides what a late submission means; the pages and the export say
    which ones were late)."""
    return deadline is not None and uploaded_at is not None and uploaded_at > deadline


def file_size(n: int) -> str:
    """``n`` bytes as a short Chinese-friendly size."""
    if n < 1024:
        return f"{n} 字节"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def sorted_problems(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Errors first, then warnings, then infos (stable: the check's own order within each)."""
    rank = {"error": 0, "warning": 1, "info": 2}
    return sorted(problems, key=lambda p: rank.get(str(p.get("severity")), 3))


FOLD_AFTER = 10
"""Warnings and infos on one page up to which their groups show open; more are folded."""

ROWS_PER_GROUP = 5
"""Rows shown under one warning or info group (the check keeps about as many per rule)."""

_ROW_OF_CELL = re.compile(r"^\$?[A-Za-z]{1,3}\$?(\d+)$")


@dataclass(frozen=True)
class ProblemGroup:
    """The warnings (or infos) of one rule on a result page, with the rows they sit in."""

    severity: str
    rule: str
    title: str
    problems: list[dict[str, Any]]
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class ProblemView:
    """A result's problems as a page shows them: the errors in full with their rows, then the
    warnings and infos grouped by rule (folded when there are many)."""

    errors: list[dict[str, Any]]
    error_rows: list[dict[str, Any]]
    groups: list[ProblemGroup]
    open: bool

    @property
    def count(self) -> int:
        """Every problem of the view."""
        return len(self.errors) + sum(len(g.problems) for g in self.groups)


def rule_title(rule: str, problems: list[dict[str, Any]]) -> str:
    """What kind of problem ``rule`` finds, in a few Chinese words (the catalogue's title)."""
    if rule in WEB_RULES:
        return WEB_RULES[rule]
    from perfxl.rules.catalogue import CATALOGUE  # only when a page lists problems

    entry = CATALOGUE.get(rule)  # type: ignore[call-overload]
    if entry is not None:
        return str(entry.title)
    first = str(problems[0].get("message") or rule) if problems else rule
    return first if len(first) <= 30 else first[:30] + "…"


def _row_key(p: Mapping[str, Any]) -> tuple[str, int] | None:
    m = _ROW_OF_CELL.match(str(p.get("cell") or ""))
    return (str(p.get("sheet")), int(m.group(1))) if m and p.get("sheet") else None


def _rows_of(problems: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = {k for p in problems if (k := _row_key(p)) is not None}
    return [r for r in rows if (str(r.get("sheet")), int(r.get("row") or 0)) in keys]


def problem_view(problems: list[dict[str, Any]], rows: list[dict[str, Any]]) -> ProblemView:
    """The page's view of a result's ``problems`` and affected ``rows`` (see `ProblemView`):
    groups in the order their rule first appears (warnings before infos, as sorted)."""
    ordered = sorted_problems(list(problems))
    errors = [p for p in ordered if p.get("severity") == "error"]
    by_rule: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for p in ordered:
        if p.get("severity") != "error":
            by_rule.setdefault((str(p.get("severity")), str(p.get("rule"))), []).append(p)
    groups = [
        ProblemGroup(
            sev, rule, rule_title(rule, items), items, _rows_of(items, rows)[:ROWS_PER_GROUP]
        )
        for (sev, rule), items in by_rule.items()
    ]
    rest = len(ordered) - len(errors)
    return ProblemView(errors, _rows_of(errors, rows), groups, open=rest <= FOLD_AFTER)


def unit_label(code: str, name: str | None) -> str:
    """``910001 巨鹿镇`` (or just the code)."""
    return f"{code} {name}" if name else code


def download_name(code: str, name: str | None, number: int, ext: str, suffix: str = "") -> str:
    """The file name a download gets: built from the unit and version, never the upload's name;
    safe on any file system whatever the unit's code and name (`staging.unit_stem`)."""
    from perfxl.web.staging import unit_stem

    ext = ext if ext.startswith(".") else f".{ext}"
    return f"{unit_stem(code, name)}-v{number}{suffix}{ext}"


def _num(v: Any, digits: int = 2) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return str(v)


def _lights(d: Any) -> str:
    if not isinstance(d, dict):
        return ""
    names = (("red", "红"), ("yellow", "黄"), ("green", "绿"))
    return " ".join(f"{zh}{d[k]}" for k, zh in names if k in d)


def _levels(d: Any) -> str:
    if not isinstance(d, dict):
        return ""
    return " ".join(f"{k}{v}" for k, v in d.items())


def _plan(d: Any) -> str:
    if not isinstance(d, dict):
        return ""
    return " / ".join(_num(v, 1) for v in d.values())


def summary_table(figures: dict[str, Any]) -> dict[str, Any]:
    """The summary page's unit table for the round's stage: headers, one row per unit (code
    and cells as text) and the 合计 row, from `build_summary`'s figures."""
    stage = figures.get("stage") or "targets"
    head = ["单位编码", "单位名称", "项目数", "预算数（万元）"]
    extra: list[tuple[str, Any]]
    if stage == "monitoring":
        extra = [
            ("执行数（万元）", lambda u: _num(u.get("executed"))),
            ("执行率（%）", lambda u: _num(u.get("rate"))),
            ("序时进度（%）", lambda u: _num(u.get("schedule"))),
            ("预警（项目）", lambda u: _lights(u.get("lights"))),
        ]
    elif stage == "evaluation":
        extra = [
            ("已自评项目", lambda u: _num(u.get("scored"))),
            ("平均总分", lambda u: _num(u.get("average"))),
            ("等级", lambda u: _levels(u.get("levels"))),
        ]
    else:
        extra = [("支出计划进度（3/6/10/12月，%）", lambda u: _plan(u.get("plan_percent")))]
    tail = [("错误", lambda u: _num(u.get("errors"))), ("警告", lambda u: _num(u.get("warnings")))]
    columns = extra + tail

    def cells(u: dict[str, Any]) -> list[str]:
        base = [_num(u.get("projects")), _num(u.get("budget"))]
        return base + [str(f(u)) for _, f in columns]

    rows = [
        {"code": str(u.get("code") or ""), "name": u.get("name") or "", "cells": cells(u)}
        for u in figures.get("units") or []
        if isinstance(u, dict)
    ]
    units = [u for u in figures.get("units") or [] if isinstance(u, dict)]
    totals = figures.get("totals")
    total = None
    county: dict[str, int] = {}
    if isinstance(totals, dict):
        # The 合计 row counts the units' problems; problems of no unit (a unit missing from
        # the list, a file not read) are the county's, said under the table.
        summed = {k: sum(int(u.get(k) or 0) for u in units) for k in ("errors", "warnings")}
        total = cells({**totals, **summed})
        county = {
            k: int(totals.get(k) or 0) - summed[k]
            for k in ("errors", "warnings")
            if int(totals.get(k) or 0) > summed[k]
        }
    return {
        "headers": head + [h for h, _ in columns],
        "rows": rows,
        "total": total,
        "county": county,
    }


def _code_entries(result: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The project codes a check found, as ``{"code", "sheet", "cell"}`` records (the check
    result's ``project_codes``: records, or plain code strings)."""
    entries = []
    for item in (result or {}).get("project_codes") or []:
        record = item if isinstance(item, dict) else {"code": item}
        code = record.get("code")
        if code is not None and str(code).strip():
            entries.append({**record, "code": str(code).strip()})
    return entries


def duplicate_codes(
    latest: Mapping[int, Checked], labels: Mapping[int, str]
) -> dict[int, list[dict[str, Any]]]:
    """Problems between units, as ``perfxl consolidate`` finds them among the units' latest
    versions: a 项目编码 in the workbooks of two units or more gives each of its projects a
    ``consolidate.duplicate_code`` error (the catalogue's message).

    Args:
        latest: unit id -> its latest version (only checked ones take part).
        labels: unit id -> how the message names the unit: by its upload link
            (``910001 巨鹿镇``), so one workbook sent through two links names both units.

    Returns:
        unit id -> problem records (``severity``, ``severity_zh``, ``rule``, ``sheet``,
        ``cell``, ``message``, ``fix``, ``project_code``, ``value``, and ``others``: the
        labels of the other units with that code) for the units concerned.
    """
    from perfxl.rules.catalogue import make

    checked = {uid: v for uid, v in latest.items() if v.status == "done"}
    owners: dict[str, list[int]] = {}
    for uid, v in checked.items():
        for code in dict.fromkeys(e["code"] for e in _code_entries(v.result)):
            owners.setdefault(code, []).append(uid)
    found: dict[int, list[dict[str, Any]]] = {}
    for uid, v in checked.items():
        for entry in _code_entries(v.result):
            who = owners.get(entry["code"], [])
            if len(who) < 2:
                continue
            names = "、".join(labels.get(o, str(o)) for o in who)
            code = entry["code"]
            p = make("consolidate.duplicate_code", code=code, units=names)
            message, _, fix = p.message.partition("。请")
            found.setdefault(uid, []).append(
                {
                    "severity": p.severity,
                    "severity_zh": SEVERITY_ZH.get(p.severity, p.severity),
                    "rule": p.rule,
                    "sheet": entry.get("sheet"),
                    "cell": entry.get("cell"),
                    "message": message + "。" if fix else p.message,
                    "fix": f"请{fix}" if fix else None,
                    "project_code": code,
                    "value": code,
                    "others": [labels.get(o, str(o)) for o in who if o != uid],
                }
            )
    return found


@dataclass(frozen=True)
class BetweenGroup:
    """The problems of one unit shared with the same other units: one line of the round page."""

    others: str
    """The other units, ``910009 张王疃乡`` (joined with 、)."""
    codes: list[str]
    """The shared 项目编码, each once, in the workbook's order."""
    problems: int
    """The problems (one per project: the errors the summary counts)."""

    @property
    def text(self) -> str:
        """``与 910009 张王疃乡 的工作簿有 20 个相同的项目编码``."""
        text = f"与 {self.others} 的工作簿有 {len(self.codes)} 个相同的项目编码"
        if self.problems != len(self.codes):  # a code on two projects: two errors
            text += f"（涉及 {self.problems} 个项目）"
        return text


def between_groups(problems: list[dict[str, Any]]) -> list[BetweenGroup]:
    """``duplicate_codes`` records of one unit grouped by the other units concerned, in order
    of first appearance (records without ``others`` form one group each)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for p in problems:
        others = "、".join(p.get("others") or []) or str(p.get("message", ""))
        grouped.setdefault(others, []).append(p)
    return [
        BetweenGroup(
            others,
            list(dict.fromkeys(str(p.get("project_code")) for p in items)),
            len(items),
        )
        for others, items in grouped.items()
    ]
