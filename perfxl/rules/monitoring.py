"""The monitoring form's rules (执行监控): funds that add up, shortfalls explained, answers
in the target's terms, and the carried targets left as they were.

Runs only on a monitoring workbook (``targets.stage == "monitoring"``); a targets workbook
yields nothing. The carried cells (项目编码 ... 年度指标值) are compared with what the
workbook carried (``Context.carried``: its own record, or the targets workbook given to
``validate --targets``; without either those rules are silent). Amounts are compared in decimal arithmetic (:mod:`perfxl.numbers`); an amount
that is text is the reader's to report, so it is left out here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, Final

from perfxl.carried import (
    CARRIED_LABELS,
    INITIAL_KEYS,
    CarriedProject,
    Difference,
    canonical,
    compare,
    indicator_name,
    shown,
)
from perfxl.held import held_targets
from perfxl.model import (
    FUNDS_KEYS,
    FUNDS_ROWS,
    FundsRow,
    Indicator,
    IndicatorProgress,
    Targets,
)
from perfxl.monitoring import (
    LIGHT_TEXT,
    budget_of,
    explained,
    indicator_light,
    is_blank,
    monitor_project,
    month_of,
    schedule_percent,
)
from perfxl.numbers import number
from perfxl.rules.base import Context, Finding, project_label
from perfxl.rules.catalogue import RuleId, ids_of
from perfxl.targets import Target, parse_target, to_wan

EMITS: frozenset[RuleId] = ids_of("monitoring.")

RATE_RULES: Final[frozenset[str]] = frozenset(
    {"monitoring.amount_negative", "monitoring.month_invalid", "monitoring.month_labels"}
)
"""The findings ``compute`` reports with its 执行率 and lights: what changes or stops a figure
it writes (an amount typed as text stops one too; compute says so itself, `perfxl.write.rates`)."""

ROW_LABELS: dict[str, str] = {"total": "年度资金总额", "fiscal": "财政资金", "other": "其他资金"}
COLUMN_LABELS: dict[str, str] = {
    "initial": "年初预算数",
    "adjusted": "调整后预算数",
    "executed": "1-{month}月执行数",
    "forecast": "全年预计执行数",
}
ANSWER_LABELS: dict[str, str] = {"current": "1-{month}月执行情况", "forecast": "全年预计完成情况"}
KIND_LABELS: dict[str, str] = {"quantitative": "定量值", "qualitative": "定性描述"}


def check(ctx: Context) -> Iterator[Finding]:
    """Every monitoring rule over every project with a monitoring section."""
    t = ctx.targets
    if t.stage != "monitoring":
        return
    cfg = ctx.config
    tol = Decimal(repr(cfg.tolerance)) + Decimal("1e-9")
    yellow, red = Decimal(repr(cfg.yellow_gap)), Decimal(repr(cfg.red_gap))
    month = month_of(t)
    shown_month = "X" if month is None else str(month)
    if month is None:
        yield Finding("monitoring.month_invalid", "/month", t.month, {"what": _month_said(t.month)})
    else:
        yield from _month_labels(month, ctx.label_months)
    held = held_targets(t, ctx.as_text)  # the amounts as the sheet's formulas take them
    for i, p in enumerate(held.projects):
        m = p.monitoring
        if m is None:
            continue
        base = f"/projects/{i}/monitoring"
        name = project_label(p, i)
        ok = explained(m)
        for key in FUNDS_ROWS:
            row: FundsRow = getattr(m, key)
            yield from _row(row, f"{base}/{key}", name, ROW_LABELS[key], shown_month, ok)
        yield from _funds_sum(m.total, m.fiscal, m.other, base, name, tol, shown_month)
        yield from _negative(m, base, name, shown_month)
        result = monitor_project(i, p, month, yellow, red)
        rate, schedule = result.rate, result.schedule
        if result.light in ("yellow", "red") and not ok and rate is not None and schedule:
            yield Finding(
                "monitoring.lag_unexplained",
                f"{base}/total/executed",
                m.total.executed,
                {
                    "project": name,
                    "rate": rate,
                    "schedule": schedule,
                    "lag": schedule - rate,
                    "light": LIGHT_TEXT[result.light],
                },
            )
        for j, (ind, prog) in enumerate(zip(p.indicators, m.indicators, strict=False)):
            yield from _indicator(ind, prog, f"{base}/indicators/{j}", shown_month)
    if ctx.carried is not None:
        for d in compare(t, ctx.carried, ctx.project_sheets):
            yield carried_finding(d, t, ctx.project_sheets)


def _month_said(value: Any) -> str:
    """What is wrong with a 监控月份 that is no month (`perfxl.monitoring.month_of`), as
    ``monitoring.month_invalid`` says it."""
    if is_blank(value):
        return "未填写"
    if isinstance(value, str) and value.strip().isdigit() and 1 <= int(value.strip()) <= 12:
        return f"“{value}”以文本形式保存（表内序时进度的公式不把文本当作数字）"
    shown = ("TRUE" if value else "FALSE") if isinstance(value, bool) else value
    return f"“{shown}”不是 1 到 12 的整数"


def _month_labels(
    month: int, label_months: Sequence[tuple[str, str, str, int]]
) -> Iterator[Finding]:
    """The cover's month (the one 序时进度 is computed from) against the months the project
    sheets' labels show (``1-7月执行数``: what their 执行数 run to): one finding at the cover,
    naming the first sheet that disagrees."""
    other = [x for x in label_months if x[3] != month]
    if not other:
        return
    sheet, cell, label, shown = other[0]
    fields = {
        "month": month,
        "shown": shown,
        "sheet": sheet,
        "cell": cell,
        "label": label,
        "count": len(other),
        "share": schedule_percent(month),
    }
    yield Finding("monitoring.month_labels", "/month", month, fields)


def _row(
    row: FundsRow, where: str, project: str, label: str, month: str, ok: bool
) -> Iterator[Finding]:
    """Within one funds row: 执行数 within the budget, 全年预计 not below 执行数."""
    budget_raw = budget_of(row)
    budget, executed, forecast = number(budget_raw), number(row.executed), number(row.forecast)
    if executed is not None and budget is not None and executed > budget and not ok:
        adjusted = not is_blank(row.adjusted)
        yield Finding(
            "monitoring.executed_over_budget",
            f"{where}/executed",
            row.executed,
            {
                "project": project,
                "row": label,
                "month": month,
                "executed": executed,
                "budget_label": COLUMN_LABELS["adjusted" if adjusted else "initial"],
                "budget": budget,
            },
        )
    if executed is not None and forecast is not None and forecast < executed:
        yield Finding(
            "monitoring.forecast_below_executed",
            f"{where}/forecast",
            row.forecast,
            {
                "project": project,
                "row": label,
                "month": month,
                "forecast": forecast,
                "executed": executed,
            },
        )


def _negative(m: Any, base: str, project: str, month: str) -> Iterator[Finding]:
    """A negative amount typed in the funds rows (the targets' own were checked when they
    were declared: the schema's family does not run on a monitoring workbook)."""
    for key in FUNDS_ROWS:
        row: FundsRow = getattr(m, key)
        for col in FUNDS_KEYS:
            value = number(getattr(row, col))
            if value is not None and value < 0:
                yield Finding(
                    "monitoring.amount_negative",
                    f"{base}/{key}/{col}",
                    getattr(row, col),
                    {
                        "project": project,
                        "row": ROW_LABELS[key],
                        "column": COLUMN_LABELS[col].format(month=month),
                        "amount": value,
                    },
                )


def _funds_sum(
    total: FundsRow,
    fiscal: FundsRow,
    other: FundsRow,
    base: str,
    project: str,
    tol: Decimal,
    month: str,
) -> Iterator[Finding]:
    """财政资金 + 其他资金 = 年度资金总额 in each column.

    The 调整后预算数 column compares the budgets in force (a blank cell means 年初预算数) and
    is skipped when no row was adjusted; a column is skipped when an amount in it is text,
    when 年度资金总额 is blank, or when both sources are.
    """
    zero = Decimal(0)
    for col in FUNDS_KEYS:
        rows = (total, fiscal, other)
        if col == "adjusted":
            if all(is_blank(r.adjusted) for r in rows):
                continue
            raw = [budget_of(r) for r in rows]
        else:
            raw = [getattr(r, col) for r in rows]
        if any(number(v) is None and not is_blank(v) for v in raw):
            continue  # an amount that is text: the reader reports it
        t, f, o = (number(v) for v in raw)
        if t is None or (f is None and o is None):
            continue
        s = (f or zero) + (o or zero)
        if abs(s - t) > tol:
            yield Finding(
                "monitoring.funds_sum",
                f"{base}/total/{col}",
                raw[0],
                {
                    "project": project,
                    "column": COLUMN_LABELS[col].format(month=month),
                    "fiscal": f or zero,
                    "other": o or zero,
                    "sum": s,
                    "total": t,
                },
            )


def _indicator(
    ind: Indicator, prog: IndicatorProgress, where: str, month: str
) -> Iterator[Finding]:
    """One indicator row: a shortfall explained, answers in the target's terms."""
    level3 = "" if ind.level3 is None else str(ind.level3)
    light = indicator_light(prog.likelihood)
    if light in ("yellow", "red"):
        missing = [
            (key, text)
            for key, text in (("deviation", "偏差原因分析"), ("remedy", "备注（整改措施）"))
            if is_blank(getattr(prog, key))
        ]
        if missing:
            yield Finding(
                "monitoring.indicator_unexplained",
                f"{where}/{missing[0][0]}",
                getattr(prog, missing[0][0]),
                {
                    "level3": level3,
                    "likelihood": str(prog.likelihood).strip(),
                    "light": LIGHT_TEXT[light],
                    "missing": "和".join(f"“{text}”" for _, text in missing),
                },
            )
    target = _parse(ind.target)
    if target is None or target.kind == "empty":
        return
    for key, label in ANSWER_LABELS.items():
        value = getattr(prog, key)
        answer = _parse(value)
        if answer is None or answer.kind == "empty":
            continue
        fields = {
            "level3": level3,
            "label": label.format(month=month),
            "text": answer.text,
            "target": target.text,
        }
        if target.kind != answer.kind:
            yield Finding(
                "monitoring.kind_mismatch",
                f"{where}/{key}",
                value,
                {
                    **fields,
                    "target_kind": KIND_LABELS[target.kind],
                    "kind": KIND_LABELS[answer.kind],
                },
            )
        elif _units_differ(target, answer):
            yield Finding(
                "monitoring.unit_mismatch",
                f"{where}/{key}",
                value,
                {**fields, "unit": answer.unit, "target_unit": target.unit},
            )


def _parse(value: Any) -> Target | None:
    """A 指标值 or an answer parsed; None for a value no cell can hold."""
    try:
        return parse_target(value)
    except TypeError:
        return None


def _units_differ(target: Target, answer: Target) -> bool:
    """Both quantities carry a unit and they are not the same (元 and 万元 convert)."""
    if target.kind != "quantitative" or not target.unit or not answer.unit:
        return False
    if target.unit == answer.unit:
        return False
    return to_wan(target) is None or to_wan(answer) is None


# --- the carried targets ----------------------------------------------------------------------
def carried_finding(d: Difference, t: Targets, sheets: tuple[str | None, ...]) -> Finding:
    """A carried value edited, or a project or indicator added or deleted, as a finding at
    its cell (a deleted indicator at the row now in its place; a deleted project at no cell)."""
    i = d.project
    project = _carried_name(d.carried, t, i)
    if d.kind == "changed":
        assert i is not None and d.key is not None
        if d.indicator is None:
            where = f"/projects/{i}/{INITIAL_KEYS.get(d.key, d.key)}"
            what = f"项目“{project}”的{CARRIED_LABELS[d.key]}"
            value = getattr(t.projects[i], INITIAL_KEYS.get(d.key, d.key))
        else:
            where = f"/projects/{i}/indicators/{d.indicator}/{d.key}"
            what = f"项目“{project}”指标“{indicator_name(d.row)}”的{CARRIED_LABELS[d.key]}"
            value = d.actual
        amount = d.key in INITIAL_KEYS
        fields = {
            "what": what,
            "before": shown(d.expected, amount),
            "after": shown(d.actual, amount),
        }
        return Finding("monitoring.carried_changed", where, value, fields)
    if d.kind == "added":
        assert i is not None
        if d.row is None:
            p = t.projects[i]
            code = canonical(p.code)
            fields = {
                "what": f"工作表“{sheets[i] if i < len(sheets) else ''}”的项目“{project}”"
                + (f"（项目编码 {p.code}）" if code is not None else ""),
                "kind": "项目",
                "unit": "张项目表",
            }
            return Finding("monitoring.carried_added", f"/projects/{i}/name", p.name, fields)
        fields = {
            "what": f"项目“{project}”的指标“{indicator_name(d.row, levels=True)}”"
            f"（年度指标值{shown(d.row.get('target'), False)}）",
            "kind": "指标",
            "unit": "一行",
        }
        where = f"/projects/{i}/indicators/{d.indicator}/level3"
        return Finding("monitoring.carried_added", where, d.row.get("level3"), fields)
    if d.row is None or i is None:  # a project deleted
        c = d.carried
        code = None if c is None else c.values.get("code")
        fields = {
            "what": f"的项目“{project}”"
            + (f"（项目编码 {code}）" if canonical(code) is not None else ""),
            "fix": "该项目的监控表",
        }
        return Finding("monitoring.carried_missing", "", None, fields)
    n = len(t.projects[i].indicators)
    if d.indicator is not None:
        where = f"/projects/{i}/indicators/{d.indicator}"
    else:
        where = f"/projects/{i}/indicators/{n - 1}" if n else f"/projects/{i}/name"
    fields = {
        "what": f"项目“{project}”的指标“{indicator_name(d.row, levels=True)}”"
        f"（年度指标值{shown(d.row.get('target'), False)}）",
        "fix": "该指标行（一级、二级、三级指标和年度指标值照目标表填写）",
    }
    return Finding("monitoring.carried_missing", where, None, fields)


def _carried_name(c: CarriedProject | None, t: Targets, index: int | None) -> str:
    """A project as the targets name it, else as the monitoring workbook does."""
    name = None if c is None else c.values.get("name")
    if canonical(name) is not None:
        return str(name).strip()
    if index is not None:
        return project_label(t.projects[index], index)
    return "（未命名）"
