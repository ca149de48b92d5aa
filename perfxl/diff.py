"""What changed between two versions of a unit's targets (pure core: two models in, a result
out).

Projects are matched by 项目编码 (a code found once on each side), then by 项目名称. Every
field of a matched project that differs is a change, with its sheet and cell on both sides
when the inputs were workbooks (the reader's locations); indicators are matched within a
project by 二级指标 and 三级指标, then by row, and are added, removed or changed field by
field. The result is a plain record: the command prints it, consolidation can put its
one-line :meth:`DiffResult.summary` beside a superseded version and its changes on a sheet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from perfxl import constants as C
from perfxl.carried import INITIAL_KEYS
from perfxl.framework import canonical
from perfxl.model import (
    AREA_KEYS,
    INDICATOR_KEYS,
    MEASURE_KEYS,
    PLAN_KEYS,
    Indicator,
    Project,
    Targets,
)
from perfxl.monitoring import month_of
from perfxl.numbers import money, number
from perfxl.rules.base import project_label, squash
from perfxl.rules.schema_rules import LABELS, PART_LABELS

Locations = Mapping[str, tuple[str, str]]
"""JSON pointer -> (sheet, cell), as `perfxl.read.ReadResult.locations` holds them."""

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
KIND_ZH = {ADDED: "新增", REMOVED: "删除", CHANGED: "改动"}
AMOUNT_FIELDS = frozenset(
    {"budget", "fiscal_funds", "other_funds", *(f"plan/{k}" for k in PLAN_KEYS)}
)
PROJECT_FIELDS: tuple[str, ...] = (
    "code",
    "name",
    "budget",
    "fiscal_funds",
    "other_funds",
    "purpose",
    *(f"plan/{k}" for k in PLAN_KEYS),
    "goals",
)
TOP_FIELDS: tuple[tuple[str, str], ...] = (
    ("/unit/code", LABELS["unit/code"]),
    ("/unit/name", LABELS["unit/name"]),
    ("/year", LABELS["year"]),
    ("/month", C.L_MONTH),
    ("/profile", C.L_PROFILE),
    ("/framework", LABELS["framework"]),
    ("/overall/summary", PART_LABELS["overall/summary"]),
)
_SHOWN = 3  # changes named in the one-line summary

# What a later stage adds to a project (``Project.monitoring`` / ``Project.evaluation``): the
# label of each row, column and field the clerk fills. Figures the sheet derives (执行率, the
# funds 得分) are left out: they change when what they come from changes, which is listed.
STAGE_ROWS: dict[str, dict[str, str]] = {
    "monitoring": {"total": C.L_FUNDS_TOTAL, "fiscal": "财政资金", "other": C.L_FUNDS_OTHER},
    "evaluation": {
        "total": C.L_FUNDS_TOTAL,
        "fiscal": "本年财政拨款",
        "carryover": C.L_FUNDS_CARRYOVER,
        "other": C.L_FUNDS_OTHER,
    },
}
STAGE_FIELDS: dict[str, dict[str, str]] = {
    "monitoring": {
        "initial": C.L_INITIAL,
        "adjusted": C.L_ADJUSTED,
        "executed": "1-X月执行数",
        "forecast": C.L_FORECAST,
        "progress": "1-X月目标完成情况",
    },
    "evaluation": {
        "initial": C.L_INITIAL,
        "budget": C.L_BUDGET_YEAR,
        "executed": C.L_EXECUTED_YEAR,
        "points": C.L_POINTS,
        "department": C.L_DEPARTMENT,
        "implementer": C.L_IMPLEMENTER,
        "achieved": C.L_ACHIEVED,
    },
}
STAGE_INDICATOR_FIELDS: dict[str, dict[str, str]] = {
    "monitoring": {
        "current": "1-X月执行情况",
        "forecast": C.L_FORECAST_DONE,
        "likelihood": C.L_LIKELIHOOD,
        "deviation": C.L_DEVIATION,
        "remedy": C.L_REMEDY,
    },
    "evaluation": {
        "actual": C.L_ACTUAL,
        "points": C.L_POINTS,
        "score": C.L_SCORE,
        "grade": C.L_GRADE,
        "deviation": C.L_DEVIATION_REMEDY,
    },
}
STAGE_AMOUNTS = frozenset({"initial", "adjusted", "executed", "forecast", "budget"})
# A later stage's 年初预算数 of these rows is the targets' amount carried (`perfxl.carried`):
# one cell, read into the project's field (key) and the stage's row (value) alike.
CARRIED_INITIAL: dict[str, str] = {field: key.split("/")[0] for key, field in INITIAL_KEYS.items()}


@dataclass(frozen=True)
class Change:
    """One difference.

    Attributes:
        kind: ``added``, ``removed`` or ``changed``.
        scope: ``unit`` (cover, part one), ``project`` (a whole project), ``field`` (a field
            of a project), ``indicator`` (a whole indicator row, or one of its fields).
        label: what changed, in Chinese (预算数, 指标值, 项目 …).
        project: the project's name (the newer side's, else the older's); None for ``unit``.
        code: the project's code, likewise.
        field: the field's key under the project (``fiscal_funds``, ``indicators/2/target``)
            or the JSON pointer of a unit field; None for a whole project.
        old, new: the values (None on the side where it does not exist).
        old_sheet, old_cell, new_sheet, new_cell: where each side is (None when the side
            has no such thing or the input was JSON data).
    """

    kind: str
    scope: str
    label: str
    project: str | None = None
    code: str | None = None
    field: str | None = None
    old: Any = None
    new: Any = None
    old_sheet: str | None = None
    old_cell: str | None = None
    new_sheet: str | None = None
    new_cell: str | None = None

    def text(self) -> str:
        """The change in one Chinese line (without its cells)."""
        who = f"项目“{self.project}”" if self.project is not None else ""
        if self.scope == "project":
            return f"{KIND_ZH[self.kind]}{who}"
        if self.kind == CHANGED:
            return f"{who}{self.label}：{show(self.old, self.field)} → {show(self.new, self.field)}"
        value = self.new if self.kind == ADDED else self.old
        return f"{who}{KIND_ZH[self.kind]}{self.label}：{show(value, self.field)}"


@dataclass
class DiffResult:
    """Every change from ``old`` to ``new``.

    Attributes:
        old, new: the inputs as given.
        changes: in the newer version's order (removed projects last).
        notes: for the reader, about the comparison itself (two kinds of form compared).
    """

    old: str
    new: str
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        """True when nothing changed."""
        return not self.changes

    def projects(self, kind: str) -> list[Change]:
        """Whole projects added or removed (``kind``)."""
        return [c for c in self.changes if c.scope == "project" and c.kind == kind]

    @property
    def changed_projects(self) -> list[str]:
        """Names of the projects present on both sides with something changed."""
        seen: dict[str, None] = {}
        for c in self.changes:
            if c.scope in ("field", "indicator") and c.project is not None:
                seen[c.project] = None
        return list(seen)

    def summary(self) -> str:
        """One Chinese line: how many projects were added, removed, changed, and the first
        few changes (what consolidation writes beside a superseded version)."""
        if self.equal:
            return "内容相同，没有改动。"
        added, removed = self.projects(ADDED), self.projects(REMOVED)
        fields = [c for c in self.changes if c.scope != "project"]
        parts = []
        if added:
            parts.append(f"新增项目 {len(added)} 个")
        if removed:
            parts.append(f"删除项目 {len(removed)} 个")
        if fields:
            n = len(self.changed_projects)
            parts.append(f"{n} 个项目共 {len(fields)} 处改动" if n else f"{len(fields)} 处改动")
        shown = "；".join(c.text() for c in self.changes[:_SHOWN])
        more = "等" if len(self.changes) > _SHOWN else ""
        return f"{'，'.join(parts)}：{shown}{more}。"

    def to_dict(self) -> dict[str, Any]:
        """What ``diff --format json`` prints."""
        return {
            "old": self.old,
            "new": self.new,
            "equal": self.equal,
            "summary": self.summary(),
            "projects_added": len(self.projects(ADDED)),
            "projects_removed": len(self.projects(REMOVED)),
            "projects_changed": len(self.changed_projects),
            "changes": [asdict(c) for c in self.changes],
            "notes": self.notes,
        }


def show(value: Any, key: str | None = None) -> str:
    """A value as a change shows it: amounts in 万元, text in quotes, （空） for nothing; a
    whole 分项绩效目标 or 工作保障措施 (``key`` its pointer) field by field, as the form
    names them, its blank fields left out."""
    if _blank(value):
        return "（空）"
    if isinstance(value, Mapping):
        part = [*(key or "").strip("/").split("/"), "", ""][1]  # /overall/areas/4 -> areas
        shown = [
            PART_LABELS.get(f"{part}/{k}", str(k)) + show(v)
            for k, v in value.items()
            if not _blank(v)
        ]
        return "，".join(shown) or "（空）"
    if key in AMOUNT_FIELDS or _stage_amount(key):
        return money(value)
    if isinstance(value, list):
        value = "\n".join(map(str, value))
    return f"“{value}”"


def diff(
    old: Targets,
    new: Targets,
    *,
    old_path: str = "",
    new_path: str = "",
    old_locations: Locations | None = None,
    new_locations: Locations | None = None,
) -> DiffResult:
    """Every change from ``old`` to ``new`` (see the module's docstring).

    Args:
        old, new: the two models.
        old_path, new_path: how the result names the inputs.
        old_locations, new_locations: the readers' pointer -> (sheet, cell) maps; None for
            JSON data (changes then carry no cells).
    """
    d = _Differ(old_locations or {}, new_locations or {}, month_of(new) or month_of(old))
    od, nd = old.to_dict(), new.to_dict()
    for pointer, label in TOP_FIELDS:
        d.value("unit", label, pointer, _top(old, od, pointer), _top(new, nd, pointer))
    for part, keys in (("areas", AREA_KEYS), ("measures", MEASURE_KEYS)):
        d.records(part, keys, getattr(old.overall, part), getattr(new.overall, part))
    pairs, removed = match_projects(old.projects, new.projects)
    for j, i in pairs:
        if i is None:
            d.whole_project(ADDED, new.projects[j], j, new=True)
        else:
            d.project(old.projects[i], i, new.projects[j], j)
    for i in removed:
        d.whole_project(REMOVED, old.projects[i], i, new=False)
    return DiffResult(old_path, new_path, d.changes)


def match_projects(
    old: list[Project], new: list[Project]
) -> tuple[list[tuple[int, int | None]], list[int]]:
    """Pair projects: by a code found once on each side, then by name.

    Returns:
        (new index, old index or None when added) in the newer order, and the old indexes
        left unmatched (removed).
    """
    matched: dict[int, int] = {}
    for key in (_code_key, _name_key):
        free_old = [i for i in range(len(old)) if i not in matched.values()]
        olds = _unique(old, free_old, key)
        news = _unique(new, [j for j in range(len(new)) if j not in matched], key)
        for k, j in news.items():
            if k in olds:
                matched[j] = olds[k]
    pairs = [(j, matched.get(j)) for j in range(len(new))]
    return pairs, [i for i in range(len(old)) if i not in matched.values()]


def _unique(ps: list[Project], idx: list[int], key: Any) -> dict[str, int]:
    found: dict[str, list[int]] = defaultdict(list)
    for i in idx:
        if k := key(ps[i]):
            found[k].append(i)
    return {k: v[0] for k, v in found.items() if len(v) == 1}


def _code_key(p: Project) -> str:
    return str(p.code).strip() if not _blank(p.code) else ""


def _name_key(p: Project) -> str:
    return squash(p.name)


def _top(t: Targets, data: dict[str, Any], pointer: str) -> Any:
    """A top-level field as compared: the 监控月份 as typed on the cover (the JSON form holds
    null for one that is no month, ``七月`` or 13), anything else as the JSON form holds it."""
    return t.month if pointer == "/month" else _at(data, pointer)


def _at(data: dict[str, Any], pointer: str) -> Any:
    value: Any = data
    for part in pointer.strip("/").split("/"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


class _Differ:
    """Collects the changes, locating each side through its reader's locations."""

    def __init__(self, old_loc: Locations, new_loc: Locations, month: int | None = None) -> None:
        self.old_loc, self.new_loc = old_loc, new_loc
        self.month = month  # a monitoring workbook's month: 1-X月执行数 is named 1-7月执行数
        self.changes: list[Change] = []

    def value(self, scope: str, label: str, pointer: str, a: Any, b: Any) -> None:
        """A field of the unit (cover, part one) at ``pointer`` on both sides."""
        if not same(a, b, None):
            self.add(CHANGED, scope, label, None, None, pointer, a, b, pointer, pointer)

    def add(
        self,
        kind: str,
        scope: str,
        label: str,
        project: str | None,
        code: str | None,
        key: str | None,
        a: Any,
        b: Any,
        old_ptr: str | None,
        new_ptr: str | None,
    ) -> None:
        if self.month:
            label = label.replace("1-X月", f"1-{self.month}月")
        os_, oc = self.old_loc.get(old_ptr, (None, None)) if old_ptr else (None, None)
        ns, nc = self.new_loc.get(new_ptr, (None, None)) if new_ptr else (None, None)
        self.changes.append(Change(kind, scope, label, project, code, key, a, b, os_, oc, ns, nc))

    def records(self, part: str, keys: tuple[str, ...], olds: list[Any], news: list[Any]) -> None:
        label = PART_LABELS[f"overall/{part}"]
        for n in range(max(len(olds), len(news))):
            ptr = f"/overall/{part}/{n}"
            a = olds[n] if n < len(olds) else None
            b = news[n] if n < len(news) else None
            if a is None or b is None:
                kind = ADDED if a is None else REMOVED
                first = f"{ptr}/{keys[0]}"
                rec = {k: getattr(a or b, k) for k in keys}
                self.add(
                    kind,
                    "unit",
                    f"{label}第 {n + 1} 项",
                    None,
                    None,
                    ptr,
                    None if a is None else rec,
                    None if b is None else rec,
                    first if a else None,
                    first if b else None,
                )
                continue
            for k in keys:
                sub = PART_LABELS.get(f"{part}/{k}", k)
                self.value(
                    "unit", f"{label}第 {n + 1} 项{sub}", f"{ptr}/{k}", getattr(a, k), getattr(b, k)
                )

    def whole_project(self, kind: str, p: Project, i: int, *, new: bool) -> None:
        ptr = f"/projects/{i}/code"
        self.add(
            kind,
            "project",
            "项目",
            project_label(p, i),
            _text_or_none(p.code),
            None,
            None if new else _name(p, i),
            _name(p, i) if new else None,
            None if new else ptr,
            ptr if new else None,
        )

    def project(self, a: Project, i: int, b: Project, j: int) -> None:
        name, code = project_label(b, j), _text_or_none(b.code) or _text_or_none(a.code)
        stage = next((s for s in STAGE_FIELDS if getattr(a, s) and getattr(b, s)), None)
        for key in PROJECT_FIELDS:
            va, vb = _project_value(a, key), _project_value(b, key)
            if same(va, vb, key):
                continue
            label = LABELS.get(key, key)
            if stage is not None and key in CARRIED_INITIAL:  # as both forms name the cell
                label = f"{STAGE_ROWS[stage][CARRIED_INITIAL[key]]}{STAGE_FIELDS[stage]['initial']}"
            self.add(
                CHANGED,
                "field",
                label,
                name,
                code,
                key,
                va,
                vb,
                f"/projects/{i}/{key}",
                f"/projects/{j}/{key}",
            )
        self.indicators(a, i, b, j, name, code)
        for stage in STAGE_FIELDS:
            self.stage(stage, a, i, b, j, name, code)

    def stage(
        self, stage: str, a: Project, i: int, b: Project, j: int, name: str, code: str | None
    ) -> None:
        """What a later stage's section (monitoring, evaluation) changed in a project: every
        field the clerk fills, funds rows by row and column, indicator rows paired as above."""
        sa, sb = getattr(a, stage), getattr(b, stage)
        if sa is None and sb is None:
            return
        da: dict[str, Any] = sa.to_dict() if sa is not None else {}
        db: dict[str, Any] = sb.to_dict() if sb is not None else {}

        def check(key: str, label: str, va: Any, vb: Any, amount: bool) -> None:
            if not same(va, vb, "budget" if amount else None):
                ptr = f"{stage}/{key}"
                self.add(
                    CHANGED, "field", label, name, code, ptr, va, vb,
                    f"/projects/{i}/{ptr}", f"/projects/{j}/{ptr}",
                )  # fmt: skip

        fields = STAGE_FIELDS[stage]
        for row, row_label in STAGE_ROWS[stage].items():
            ra, rb = da.get(row) or {}, db.get(row) or {}
            for col in (k for k in fields if k in ra or k in rb):
                if col == "initial" and row in CARRIED_INITIAL.values():
                    continue  # the project's own amount, compared (and listed) above
                check(f"{row}/{col}", f"{row_label}{fields[col]}", ra.get(col), rb.get(col), True)
        for key in (k for k in fields if not isinstance(da.get(k, db.get(k)), dict)):
            if key in da or key in db:
                check(key, fields[key], da.get(key), db.get(key), key in STAGE_AMOUNTS)
        ia, ib = da.get("indicators") or [], db.get("indicators") or []
        olds = [n for n, x in enumerate(a.indicators) if not x.is_blank()]
        news = [n for n, x in enumerate(b.indicators) if not x.is_blank()]
        pairs = match_indicators([a.indicators[n] for n in olds], [b.indicators[n] for n in news])
        for n, m in pairs:
            if m is None:
                continue  # a new indicator is listed as added already
            on, nn = olds[m], news[n]
            xa = ia[on] if on < len(ia) else {}
            xb = ib[nn] if nn < len(ib) else {}
            for k, label in STAGE_INDICATOR_FIELDS[stage].items():
                va, vb = xa.get(k), xb.get(k)
                if not same(va, vb, None):
                    ptr = f"{stage}/indicators/{nn}/{k}"
                    level3 = _s(b.indicators[nn].level3) or ""
                    self.add(
                        CHANGED, "indicator", f"指标“{level3}”{label}", name, code, ptr, va, vb,
                        f"/projects/{i}/{stage}/indicators/{on}/{k}", f"/projects/{j}/{ptr}",
                    )  # fmt: skip

    def indicators(
        self, a: Project, i: int, b: Project, j: int, name: str, code: str | None
    ) -> None:
        olds = [x for x in a.indicators if not x.is_blank()]
        news = [x for x in b.indicators if not x.is_blank()]
        pairs = match_indicators(olds, news)
        matched_old = {m for _, m in pairs if m is not None}
        for n, m in pairs:
            nptr = f"/projects/{j}/indicators/{n}"
            if m is None:
                self.add(
                    ADDED,
                    "indicator",
                    "指标",
                    name,
                    code,
                    f"indicators/{n}",
                    None,
                    _indicator_text(news[n]),
                    None,
                    nptr,
                )
                continue
            optr = f"/projects/{i}/indicators/{m}"
            for k in INDICATOR_KEYS:
                va, vb = getattr(olds[m], k), getattr(news[n], k)
                if not same(va, vb, None):
                    self.add(
                        CHANGED,
                        "indicator",
                        LABELS[k],
                        name,
                        code,
                        f"indicators/{n}/{k}",
                        va,
                        vb,
                        f"{optr}/{k}",
                        f"{nptr}/{k}",
                    )
        for m in range(len(olds)):
            if m not in matched_old:
                self.add(
                    REMOVED,
                    "indicator",
                    "指标",
                    name,
                    code,
                    f"indicators/{m}",
                    _indicator_text(olds[m]),
                    None,
                    f"/projects/{i}/indicators/{m}",
                    None,
                )


def match_indicators(old: list[Indicator], new: list[Indicator]) -> list[tuple[int, int | None]]:
    """Pair indicator rows: by 二级 + 三级指标 (in order for repeats), then a row left on both
    sides at the same position under the same 二级指标 (its 三级指标 rewritten).

    Returns:
        (new row, old row or None when added), in the newer order.
    """
    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for m, x in enumerate(old):
        by_key[_indicator_key(x)].append(m)
    out: dict[int, int | None] = {}
    for n, x in enumerate(new):
        same_key = by_key.get(_indicator_key(x))
        out[n] = same_key.pop(0) if same_key else None
    used = {m for m in out.values() if m is not None}
    for n, got in out.items():
        if (
            got is None
            and n < len(old)
            and n not in used
            and canonical(_s(old[n].level2)) == canonical(_s(new[n].level2))
        ):
            out[n] = n
            used.add(n)
    return sorted(out.items())


def _indicator_key(x: Indicator) -> tuple[str, str]:
    return canonical(_s(x.level2)) or "", squash(x.level3)


def _indicator_text(x: Indicator) -> str:
    return " ".join(str(v) for v in (x.level2, x.level3, x.target) if not _blank(v))


def _project_value(p: Project, key: str) -> Any:
    if key.startswith("plan/"):
        return getattr(p.plan, key.split("/")[1])
    if key == "goals":
        return [g for g in p.goals if g.strip()]
    return getattr(p, key)


def same(a: Any, b: Any, key: str | None) -> bool:
    """Whether two values are the same: blanks are equal, amounts compare as numbers (8.4 and
    8.40 are one amount), anything else as it is."""
    if _blank(a) and _blank(b):
        return True
    if key in AMOUNT_FIELDS:
        na, nb = number(a), number(b)
        if na is not None and nb is not None:
            return na == nb
    return bool(a == b)


def _stage_amount(key: str | None) -> bool:
    """``monitoring/total/executed`` and the like: an amount of a later stage's funds rows."""
    parts = (key or "").split("/")
    return len(parts) == 3 and parts[0] in STAGE_ROWS and parts[2] in STAGE_AMOUNTS


def _blank(v: Any) -> bool:
    return v is None or v == "" or v == []


def _s(v: Any) -> str | None:
    return None if v is None else str(v)


def _text_or_none(v: Any) -> str | None:
    return None if _blank(v) else str(v)


def _name(p: Project, i: int) -> str:
    return project_label(p, i)
