"""What a monitoring workbook carried from the targets, and how its cells differ from it (pure).

``perfxl new monitoring`` copies each project's 项目编码, 项目名称, 年初预算数 (the three funds
rows), 绩效目标 and every indicator's 一级 / 二级 / 三级指标 and 指标值 into locked cells, and
keeps the same values in a very hidden sheet (:class:`perfxl.layout.CarriedRecordForm`):
the :class:`CarriedRecord`. ``perfxl validate`` compares the carried cells read back with
that record, or, given ``--targets``, with a record made from the targets workbook itself
(:func:`record_of`), and `perfxl.rules.monitoring` reports each :class:`Difference`.

Projects are paired by 项目编码, then by the sheet they were drawn on, then by 项目名称;
indicators by their place in the table (a row inserted or deleted shifts nothing else), rows
that moved apart paired by 一级 / 二级 / 三级指标. Values are compared as the cells show them:
white space does not count, 8 and 8.00 are the same amount.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from perfxl import constants as C
from perfxl import layout as L
from perfxl.model import (
    Indicator,
    IndicatorProgress,
    IndicatorResult,
    Project,
    ProjectEvaluation,
    ProjectMonitoring,
    Targets,
)
from perfxl.numbers import money, number

if TYPE_CHECKING:
    from perfxl.problems import Problem
    from perfxl.read import ReadResult

Source = Literal["record", "targets"]
DifferenceKind = Literal["changed", "added", "missing"]

# A monitoring sheet's 年初预算数 cells hold the targets' amounts.
INITIAL_KEYS: Mapping[str, str] = {
    "total/initial": "budget",
    "fiscal/initial": "fiscal_funds",
    "other/initial": "other_funds",
}


@dataclass(frozen=True)
class CarriedProject:
    """One project as the targets held it when the monitoring workbook was drawn.

    Attributes:
        sheet: the monitoring sheet it was drawn on (None when unknown).
        values: carried field key (``code``, ``total/initial``, ``goals`` ...) -> value.
        indicators: the non-blank indicators, each indicator key (``level1`` .. ``target``)
            -> value.
    """

    sheet: str | None
    values: Mapping[str, Any]
    indicators: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class CarriedRecord:
    """What a monitoring workbook carried.

    Attributes:
        projects: in the targets' order.
        source: ``record`` (the workbook's own record) or ``targets`` (made from a targets
            workbook given to ``validate --targets``).
    """

    projects: tuple[CarriedProject, ...]
    source: Source = "record"


@dataclass(frozen=True)
class Difference:
    """A carried value that is not what the targets hold.

    Attributes:
        kind: ``changed`` (a cell edited), ``added`` (a project or indicator row the
            targets do not have), ``missing`` (one of the targets' that is gone).
        project: the monitoring workbook's project index (None for a missing project).
        carried: the record's project (None for an added project).
        key: the field or indicator key that differs (``changed``); None otherwise.
        indicator: the indicator index in the monitoring workbook (``changed`` and ``added``
            of an indicator; for ``missing``, the row now in its place, None when none).
        expected: what the targets hold (``changed``).
        actual: what the monitoring workbook holds (``changed``).
        row: the indicator concerned: the targets' (``changed``, ``missing``) or the
            monitoring workbook's (``added``); None for a project field or a project.
    """

    kind: DifferenceKind
    project: int | None
    carried: CarriedProject | None
    key: str | None = None
    indicator: int | None = None
    expected: Any = None
    actual: Any = None
    row: Mapping[str, Any] | None = None


def carried_value(p: Project, key: str) -> Any:
    """The targets' value behind a carried field of the monitoring sheet (``goals``: the
    绩效目标 lines as the one cell shows them)."""
    if key in INITIAL_KEYS:
        return getattr(p, INITIAL_KEYS[key])
    if key == "goals":
        return "\n".join(str(g) for g in p.goals) if p.goals else None
    return getattr(p, key)


def monitoring_sheet_names(t: Targets) -> list[str]:
    """The project sheet names ``perfxl new monitoring`` gives ``t``'s projects."""
    from perfxl.write.fill import project_sheet_name

    taken = {C.COVER_SHEET, C.OVERALL_SHEET}
    return [project_sheet_name(i, p.name, taken) for i, p in enumerate(t.projects)]


def record_of(
    t: Targets,
    sheets: Sequence[str | None] | None = None,
    *,
    layout: L.Layout = L.STANDARD,
    source: Source = "record",
) -> CarriedRecord:
    """The record of what a monitoring workbook drawn from ``t`` carries.

    Args:
        t: the targets (a monitoring workbook's monitoring sections are ignored).
        sheets: the sheet each project is drawn on; None for the names
            ``perfxl new monitoring`` gives them.
        layout: the form (its carried fields).
        source: what the record is made from.
    """
    names: Sequence[str | None] = monitoring_sheet_names(t) if sheets is None else sheets
    keys = [f.key for f in layout.monitoring.carried]
    return CarriedRecord(
        tuple(
            CarriedProject(
                names[i] if i < len(names) else None,
                {k: carried_value(p, k) for k in keys},
                tuple(
                    {k: getattr(ind, k) for k in L.MONITORING_CARRIED_INDICATOR_KEYS}
                    for ind in p.indicators
                    if not ind.is_blank()
                ),
            )
            for i, p in enumerate(t.projects)
        ),
        source,
    )


# --- the record sheet's rows ------------------------------------------------------------------
def record_rows(
    record: CarriedRecord, project_keys: Sequence[str], indicator_keys: Sequence[str]
) -> list[list[Any]]:
    """The rows of the record sheet: per project ``[sheet, n, None, *values]`` (values in
    ``project_keys`` order), then per indicator ``[None, n, j, *values]`` (``indicator_keys``
    order); ``n`` and ``j`` count from 1."""
    rows: list[list[Any]] = []
    for n, p in enumerate(record.projects, start=1):
        rows.append([p.sheet, n, None, *(p.values.get(k) for k in project_keys)])
        rows.extend(
            [None, n, j, *(ind.get(k) for k in indicator_keys)]
            for j, ind in enumerate(p.indicators, start=1)
        )
    return rows


def record_from_rows(
    rows: Iterable[Sequence[Any]], project_keys: Sequence[str], indicator_keys: Sequence[str]
) -> CarriedRecord:
    """The record read back from :func:`record_rows`; a row whose positions are not numbers
    is left out."""
    sheets: dict[int, str | None] = {}
    values: dict[int, dict[str, Any]] = {}
    indicators: dict[int, dict[int, dict[str, Any]]] = {}
    for row in rows:
        n = _position(row[1]) if len(row) > 1 else None
        if n is None:
            continue
        if n not in values:
            sheets[n], values[n] = None, {}
        data = row[3:]
        if len(row) < 3 or row[2] is None:
            if row[0] is not None:
                sheets[n] = str(row[0])
            values[n].update(zip(project_keys, _padded(data, len(project_keys)), strict=True))
        elif (j := _position(row[2])) is not None:
            indicators.setdefault(n, {})[j] = dict(
                zip(indicator_keys, _padded(data, len(indicator_keys)), strict=True)
            )
    return CarriedRecord(
        tuple(
            CarriedProject(
                sheets[n],
                values[n],
                tuple(indicators.get(n, {})[j] for j in sorted(indicators.get(n, {}))),
            )
            for n in sorted(values)
        )
    )


def _padded(values: Sequence[Any], n: int) -> list[Any]:
    return [*values[:n], *([None] * (n - len(values)))]


def _position(v: Any) -> int | None:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return v if type(v) is int and v >= 1 else None


# --- comparing --------------------------------------------------------------------------------
def canonical(value: Any) -> Decimal | str | None:
    """A carried value as compared: a number as a Decimal, text without white space (a list
    of lines joined), None when blank."""
    if isinstance(value, list):
        value = "\n".join("" if v is None else str(v) for v in value)
    if value is None:
        return None
    if not isinstance(value, str):  # text is never an amount: no need to ask
        n = number(value)
        if n is not None:
            return n
    text = "".join(str(value).split())
    return text or None


def same(a: Any, b: Any) -> bool:
    """Whether two carried values show the same."""
    return canonical(a) == canonical(b)


def _key_text(value: Any) -> str | None:
    c = canonical(value)
    return None if c is None else str(c)


def _indicator_key(ind: Mapping[str, Any]) -> tuple[Decimal | str | None, ...]:
    return tuple(canonical(ind.get(k)) for k in L.MONITORING_CARRIED_INDICATOR_KEYS)


def _levels(ind: Mapping[str, Any]) -> tuple[str | None, ...] | None:
    key = tuple(_key_text(ind.get(k)) for k in ("level1", "level2", "level3"))
    return None if key == (None, None, None) else key


def match(
    new: Sequence[Any], old: Sequence[Any], keys: Sequence[Callable[[Any], Hashable | None]]
) -> dict[int, int]:
    """Pair each item of ``new`` with an unused one of ``old`` (index -> index): by the first
    key, then the next, among those still unpaired; an empty key pairs nothing."""
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for key in keys:
        free: dict[Hashable, list[int]] = {}
        for j, o in enumerate(old):
            k = key(o)
            if j not in used and k is not None:
                free.setdefault(k, []).append(j)
        for i, n in enumerate(new):
            k = key(n)
            if i in pairs or k is None or not free.get(k):
                continue
            j = free[k].pop(0)
            pairs[i] = j
            used.add(j)
    return pairs


def align(
    now: Sequence[Mapping[str, Any]], then: Sequence[Mapping[str, Any]]
) -> list[tuple[int | None, int | None]]:
    """Indicator rows of the monitoring sheet (``now``) against the targets' (``then``), in
    table order, as (now index, then index) pairs; None on one side for a row added or gone.

    Equal rows anchor the alignment; between anchors, rows pair by 一二三级指标, then in order.
    """
    a = [_indicator_key(x) for x in then]
    b = [_indicator_key(x) for x in now]
    out: list[tuple[int | None, int | None]] = []
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, a0, a1, b0, b1 in sm.get_opcodes():
        if op == "equal":
            out.extend((b0 + k, a0 + k) for k in range(a1 - a0))
            continue
        olds, news = list(range(a0, a1)), list(range(b0, b1))
        pairs = match([now[i] for i in news], [then[j] for j in olds], [_levels])
        rest = [j for j in range(len(olds)) if j not in pairs.values()]
        for i in range(len(news)):
            if i not in pairs and rest:
                pairs[i] = rest.pop(0)
        # rows gone first: they sat where the block's first row now is
        out.extend((None, olds[j]) for j in rest)
        out.extend((news[i], olds[pairs[i]] if i in pairs else None) for i in range(len(news)))
    return out


def compare(
    t: Targets,
    record: CarriedRecord,
    sheets: Sequence[str | None] = (),
    *,
    layout: L.Layout = L.STANDARD,
) -> list[Difference]:
    """Every carried value of the monitoring workbook ``t`` that is not the record's.

    Args:
        t: the monitoring workbook as read.
        record: what it carried.
        sheets: the sheet each of ``t``'s projects was read from (pairs projects whose
            项目编码 was edited).
        layout: the form (its carried fields).
    """
    mine = record_of(t, list(sheets) or [None] * len(t.projects), layout=layout)
    pairs = _project_pairs(mine, record)
    out: list[Difference] = []
    keys = [f.key for f in layout.monitoring.carried]
    for i, p in enumerate(mine.projects):
        if i not in pairs:
            out.append(Difference("added", i, None))
            continue
        then = record.projects[pairs[i]]
        for key in keys:
            if key in then.values and not same(p.values.get(key), then.values[key]):
                out.append(
                    Difference(
                        "changed", i, then, key, expected=then.values[key], actual=p.values.get(key)
                    )
                )
        out.extend(_indicators(i, p, then))
    for j in sorted(set(range(len(record.projects))) - set(pairs.values())):
        out.append(Difference("missing", None, record.projects[j]))
    return out


def _project_pairs(mine: CarriedRecord, record: CarriedRecord) -> dict[int, int]:
    """``mine``'s projects paired with the record's: by 项目编码, sheet, then 项目名称."""
    return match(
        mine.projects,
        record.projects,
        [
            lambda p: _key_text(p.values.get("code")),
            lambda p: p.sheet,
            lambda p: _key_text(p.values.get("name")),
        ],
    )


def _indicators(index: int, now: CarriedProject, then: CarriedProject) -> list[Difference]:
    out: list[Difference] = []
    pairs = align(now.indicators, then.indicators)
    for n, (i, j) in enumerate(pairs):
        if i is not None and j is not None:
            for key in L.MONITORING_CARRIED_INDICATOR_KEYS:
                a, b = now.indicators[i].get(key), then.indicators[j].get(key)
                if not same(a, b):
                    out.append(Difference("changed", index, then, key, i, b, a, then.indicators[j]))
        elif i is not None:
            out.append(Difference("added", index, then, None, i, row=now.indicators[i]))
        elif j is not None:
            after = next((p[0] for p in pairs[n + 1 :] if p[0] is not None), None)
            out.append(Difference("missing", index, then, None, after, row=then.indicators[j]))
    return out


# --- how messages name them -------------------------------------------------------------------
CARRIED_LABELS: Mapping[str, str] = {
    "code": C.L_CODE,
    "name": C.L_NAME,
    "goals": C.L_ANNUAL_GOALS,
    "total/initial": f"{C.L_FUNDS_TOTAL}的{C.L_INITIAL}",
    "fiscal/initial": f"财政资金的{C.L_INITIAL}",
    "other/initial": f"{C.L_FUNDS_OTHER}的{C.L_INITIAL}",
    "level1": C.L_LEVEL1,
    "level2": C.L_LEVEL2,
    "level3": C.L_LEVEL3,
    "target": C.L_ANNUAL_TARGET,
}
"""A carried field key -> what the form calls it."""


def indicator_name(row: Mapping[str, Any] | None, *, levels: bool = False) -> str:
    """An indicator by its 三级指标 (all three levels when ``levels`` or it has none)."""
    parts = [
        "" if row is None or row.get(k) is None else str(row.get(k)).strip()
        for k in ("level1", "level2", "level3")
    ]
    if not levels and parts[2]:
        return parts[2]
    return "/".join(parts)


def shown(value: Any, amount: bool) -> str:
    """A carried value in a message: quoted as the cell shows it, ``空白`` when blank; an
    amount as ``8.00 万元``."""
    c = canonical(value)
    if c is None:
        return "空白"
    if amount and isinstance(c, Decimal):
        return f"“{money(c)}”"
    if isinstance(value, list):
        value = " ".join(str(v) for v in value if v is not None)
    return "“" + " ".join(str(value).split()) + "”"


def edited_notes(
    old: Targets, record: CarriedRecord | None, sheets: Sequence[str | None] = ()
) -> list[str]:
    """For ``new monitoring --from OLD``: each carried value edited in ``OLD`` (against its
    own record), which the new workbook does not keep (it carries the current targets)."""
    if record is None:
        return []
    notes: list[str] = []
    for d in compare(old, record, sheets):
        if d.kind != "changed" or d.key is None or d.project is None:
            continue
        name = None if d.carried is None else d.carried.values.get("name")
        project = str(name).strip() if canonical(name) is not None else f"第 {d.project + 1} 个项目"
        what = f"项目“{project}”"
        if d.indicator is not None:
            what += f"指标“{indicator_name(d.row)}”"
        amount = d.key in INITIAL_KEYS
        notes.append(
            f"原监控表中{what}的{CARRIED_LABELS[d.key]}由目标表的{shown(d.expected, amount)}"
            f"改成了{shown(d.actual, amount)}；新监控表按当前目标表带入，未沿用这一改动。"
        )
    return notes


# --- a later form made from a monitoring or self-evaluation workbook ---------------------------
def restore(
    t: Targets,
    record: CarriedRecord,
    sheets: Sequence[str | None] = (),
    *,
    layout: L.Layout = L.STANDARD,
) -> tuple[Targets, list[Difference]]:
    """``t``, a monitoring or self-evaluation workbook as read, with what it carried taken
    from its ``record`` rather than from its cells; and every :class:`Difference` between
    the two (:func:`compare`).

    What ``new evaluation``, ``new monitoring`` and ``publish`` make of such a workbook
    carries the targets, not an edit of them: an edited value is the record's again, a
    project or indicator row the record does not hold is left out, and one it holds that was
    deleted is back, with nothing typed for it. What was typed stays with its project and
    indicator. ``t`` is not changed; with no difference it is what is returned.
    """
    diffs = compare(t, record, sheets, layout=layout)
    if not diffs:
        return t, diffs
    mine = record_of(t, list(sheets) or [None] * len(t.projects), layout=layout)
    pairs = _project_pairs(mine, record)
    keys = [f.key for f in layout.monitoring.carried]
    gone = {d.project for d in diffs if d.kind != "changed" and d.row is not None}
    order: list[tuple[int | None, int]]
    if len(pairs) == len(t.projects) == len(record.projects):  # the workbook's order
        order = [(i, pairs[i]) for i in range(len(t.projects))]
    else:  # a project added or deleted: the targets' order
        back = {j: i for i, j in pairs.items()}
        order = [(back.get(j), j) for j in range(len(record.projects))]
    projects: list[Project] = []
    for i, j in order:
        then = record.projects[j]
        if i is None:
            projects.append(_recorded_project(then, t.stage, keys))
            continue
        p = copy.deepcopy(t.projects[i])
        for key in keys:
            if key in then.values and not same(carried_value(p, key), then.values[key]):
                _set_carried(p, key, then.values[key])
        _restore_indicators(p, mine.projects[i], then, reshape=i in gone)
        projects.append(p)
    out = copy.copy(t)
    out.projects = projects
    return out, diffs


def _set_carried(p: Project, key: str, value: Any) -> None:
    """Set a carried project field (and the stage's copy of a 年初预算数) to ``value``."""
    if key == "goals":
        p.goals = [] if value is None else str(value).split("\n")
        return
    setattr(p, INITIAL_KEYS.get(key, key), value)
    if key in INITIAL_KEYS:
        row = key.split("/")[0]
        for section in (p.monitoring, p.evaluation):
            if section is not None:
                getattr(section, row).initial = value


def _typed_rows(p: Project) -> list[tuple[list[Any], type]]:
    """The stage sections' rows aligned with ``p.indicators``, each with its blank row's type."""
    out: list[tuple[list[Any], type]] = []
    if p.monitoring is not None:
        out.append((p.monitoring.indicators, IndicatorProgress))
    if p.evaluation is not None:
        out.append((p.evaluation.indicators, IndicatorResult))
    return out


def _restore_indicators(
    p: Project, now: CarriedProject, then: CarriedProject, reshape: bool
) -> None:
    """``p``'s indicators as the record holds them: values put back; with ``reshape`` (a row
    added or deleted), the rows in the record's order, each with what was typed in it."""
    at = [k for k, ind in enumerate(p.indicators) if not ind.is_blank()]  # now's rows in p
    aligned = align(now.indicators, then.indicators)
    for a, b in aligned:
        if a is not None and b is not None:
            ind = p.indicators[at[a]]
            for key in L.MONITORING_CARRIED_INDICATOR_KEYS:
                value = then.indicators[b].get(key)
                if not same(getattr(ind, key), value):
                    setattr(ind, key, value)
    if not reshape:
        return
    sections = _typed_rows(p)
    rows: list[list[Any]] = [[] for _ in sections]
    inds: list[Indicator] = []
    for a, b in aligned:
        if b is None:  # a row the targets do not have
            continue
        if a is None:  # a row deleted: back, blank
            inds.append(_recorded_indicator(then.indicators[b]))
        else:
            inds.append(p.indicators[at[a]])
        for n, (typed, blank) in enumerate(sections):
            k = None if a is None else at[a]
            rows[n].append(typed[k] if k is not None and k < len(typed) else blank())
    p.indicators = inds
    for (typed, _), new in zip(sections, rows, strict=True):
        typed[:] = new


def _recorded_indicator(row: Mapping[str, Any]) -> Indicator:
    return Indicator(**{k: row.get(k) for k in L.MONITORING_CARRIED_INDICATOR_KEYS})


def _recorded_project(then: CarriedProject, stage: str | None, keys: Sequence[str]) -> Project:
    """A project deleted from the workbook, back from its record, nothing typed for it."""
    p = Project(indicators=[_recorded_indicator(x) for x in then.indicators])
    if stage == "monitoring":
        p.monitoring = ProjectMonitoring(indicators=[IndicatorProgress() for _ in p.indicators])
    elif stage == "evaluation":
        p.evaluation = ProjectEvaluation(indicators=[IndicatorResult() for _ in p.indicators])
    for key in keys:
        if key in then.values:
            _set_carried(p, key, then.values[key])
    return p


def restored_read(res: ReadResult, made: str) -> tuple[Targets, list[Problem]]:
    """A monitoring or self-evaluation workbook read for a form made from it (``made``:
    新自评表, 新监控表, 公开文本): its targets with what it carried taken from its record
    (:func:`restore`), and a problem at each cell whose edit is not carried, as ``validate``
    reports it, saying what ``made`` holds instead. A workbook without a record, or of the
    targets stage, is as read, with no problem."""
    t = res.targets
    if res.carried is None or t.stage not in ("monitoring", "evaluation"):
        return t, []
    from dataclasses import replace

    from perfxl.rules.catalogue import make
    from perfxl.rules.evaluation import for_evaluation
    from perfxl.rules.monitoring import carried_finding
    from perfxl.validate import locate

    sheets = tuple(res.project_sheet(i) for i in range(len(t.projects)))
    out, diffs = restore(t, res.carried, sheets)
    problems: list[Problem] = []
    for d in diffs:
        f = carried_finding(d, t, sheets)
        if t.stage == "evaluation":
            f = for_evaluation(f)
        sheet, cell = locate(res, f.pointer) if f.pointer else (None, None)
        problem = make(
            f.rule,
            file=res.path,
            sheet=sheet,
            cell=cell,
            pointer=f.pointer or None,
            value=f.value,
            **f.fields,
        )
        problems.append(replace(problem, message=problem.message + _instead(d, made)))
    return out, problems


def _instead(d: Difference, made: str) -> str:
    """What the form made holds instead of the edit ``d``."""
    if d.kind == "changed":
        return (
            f"{made}按目标表带入记录取{shown(d.expected, d.key in INITIAL_KEYS)}，未沿用这一改动。"
        )
    if d.kind == "added":
        return f"{made}未收入这{'张项目表' if d.row is None else '一行'}。"
    what = "该项目" if d.row is None or d.project is None else "该指标"
    return f"{made}按目标表带入记录恢复了{what}（填报内容为空）。"
