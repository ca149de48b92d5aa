"""What the pages say about rounds and versions (pure: no I/O, no web library).

A unit's status on the dashboard comes from its latest version: 未报送 (no version), 正在检查,
检查失败, 有错误, 仅有提醒 (warnings, no error) or 无问题. The ``kind`` is the stable name the
page uses in ``class="status status-<kind>"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

STAGE_ZH = {"targets": "绩效目标", "monitoring": "绩效运行监控", "evaluation": "绩效自评"}
STAGE_BOOK = {"targets": "绩效目标表", "monitoring": "绩效运行监控表", "evaluation": "绩效自评表"}
STATUS_ZH = {
    "missing": "未报送",
    "checking": "正在检查",
    "failed": "检查失败",
    "errors": "有错误",
    "warnings": "仅有提醒",
    "clean": "无问题",
}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


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


def status_of(version: Checked | None) -> Status:
    """The status a version gives its unit (None: the unit has not submitted)."""
    if version is None:
        kind = "missing"
    elif version.status == "checking":
        kind = "checking"
    elif version.status == "failed":
        kind = "failed"
    elif version.errors:
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


def unit_label(code: str, name: str | None) -> str:
    """``910001 巨鹿镇`` (or just the code)."""
    return f"{code} {name}" if name else code


def download_name(code: str, name: str | None, number: int, ext: str, suffix: str = "") -> str:
    """The file name a download gets: built from the unit and version, never the upload's name."""
    ext = ext if ext.startswith(".") else f".{ext}"
    parts = [code, *([name] if name else []), f"v{number}{suffix}"]
    return "-".join(parts) + ext


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
