"""The data model of a unit's performance targets, and its JSON form (the contract).

The JSON form is what ``perfxl export`` prints and ``perfxl fill`` reads; other tools rely on
its names. Values are kept as read: an amount typed as text that is not a clear number stays
a string here (validation reports it), a target keeps its exact text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mypy_extensions import mypyc_attr

from perfxl.errors import DataError

SCHEMA_VERSION = "1"
PLAN_KEYS: tuple[str, ...] = ("mar", "jun", "oct", "dec")
INDICATOR_KEYS: tuple[str, ...] = ("level1", "level2", "level3", "description", "target", "basis")
AREA_KEYS: tuple[str, ...] = ("title", "description", "targets", "indicators")
MEASURE_KEYS: tuple[str, ...] = ("title", "text")
AMOUNT_KEYS: tuple[str, ...] = ("budget", "fiscal_funds", "other_funds")
STAGES: tuple[str, ...] = ("targets", "monitoring", "evaluation")
FUNDS_KEYS: tuple[str, ...] = ("initial", "adjusted", "executed", "forecast")
FUNDS_ROWS: tuple[str, ...] = ("total", "fiscal", "other")
PROGRESS_KEYS: tuple[str, ...] = ("current", "forecast", "likelihood", "deviation", "remedy")
EVAL_FUNDS_KEYS: tuple[str, ...] = ("initial", "budget", "executed", "points", "rate", "score")
EVAL_FUNDS_ROWS: tuple[str, ...] = ("total", "fiscal", "carryover", "other")
EVAL_HEADER_KEYS: tuple[str, ...] = ("department", "implementer", "achieved")
RESULT_KEYS: tuple[str, ...] = ("actual", "points", "score", "grade", "deviation")

# An amount as held by the model: a number in 万元, None for an empty cell, or the text typed
# when it is not unambiguously a number (kept so that nothing typed is lost); data given as
# JSON may hold anything else there (a list: fill refuses it, validation reports it). Any for
# that reason: the compiled build (setup.py) checks annotations at run time.
Amount = Any
# A text field as held by the model: text, None for an empty cell, or whatever else the cell or
# the JSON held (a number, TRUE: validation reports it), kept as it came so that nothing typed
# is lost. Any, not ``str | None``: the compiled build (setup.py) checks annotations at run
# time, and the model must take what a clerk typed.
Text = Any


@mypyc_attr(serializable=True)
@dataclass
class Indicator:
    """One row of the indicator table."""

    level1: Text = None
    level2: Text = None
    level3: Text = None
    description: Text = None
    target: Any = None
    basis: Text = None

    def is_blank(self) -> bool:
        """True when every field is empty: such a row is not an indicator."""
        return all(getattr(self, k) in (None, "") for k in INDICATOR_KEYS)


@mypyc_attr(serializable=True)
@dataclass
class SpendingPlan:
    """Cumulative amounts (万元) planned to be spent by each checkpoint."""

    mar: Amount = None
    jun: Amount = None
    oct: Amount = None
    dec: Amount = None

    def values(self) -> list[Amount]:
        """The four amounts in checkpoint order."""
        return [getattr(self, k) for k in PLAN_KEYS]


@mypyc_attr(serializable=True)
@dataclass
class FundsRow:
    """One row of the monitoring funds block (万元).

    ``initial`` is 年初预算数 (carried from the targets), ``adjusted`` 调整后预算数 (the
    full-year budget; blank means ``initial``), ``executed`` 1-X月执行数, ``forecast``
    全年预计执行数.
    """

    initial: Amount = None
    adjusted: Amount = None
    executed: Amount = None
    forecast: Amount = None


@mypyc_attr(serializable=True)
@dataclass
class IndicatorProgress:
    """The monitoring columns of one indicator row, aligned with ``Project.indicators``.

    ``current`` is 1-X月执行情况 and ``forecast`` 全年预计完成情况 (both as typed),
    ``likelihood`` 完成目标可能性 (确定能 / 有可能 / 完全不可能), ``deviation`` 偏差原因分析
    (经费保障 / 制度保障 / 人员保障 / 硬件保障 / 其他, or text), ``remedy`` 备注（整改措施）.
    """

    current: Any = None
    forecast: Any = None
    likelihood: Text = None
    deviation: Text = None
    remedy: Text = None


@mypyc_attr(serializable=True)
@dataclass
class ProjectMonitoring:
    """What one project's monitoring sheet (项目支出绩效目标执行监控表) adds to the project."""

    total: FundsRow = field(default_factory=FundsRow)
    fiscal: FundsRow = field(default_factory=FundsRow)
    other: FundsRow = field(default_factory=FundsRow)
    progress: Text = None
    indicators: list[IndicatorProgress] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the project's ``monitoring`` section."""
        d: dict[str, Any] = {
            r: {k: getattr(getattr(self, r), k) for k in FUNDS_KEYS} for r in FUNDS_ROWS
        }
        d["progress"] = self.progress
        d["indicators"] = [{k: getattr(x, k) for k in PROGRESS_KEYS} for x in self.indicators]
        return d

    @classmethod
    def from_dict(cls, data: Any, pointer: str) -> ProjectMonitoring:
        """Build from the JSON form; ``pointer`` names where the section is (for errors)."""
        m = _obj(data, pointer)
        rows = {
            r: FundsRow(**_pick(_obj(m.get(r), f"{pointer}/{r}"), FUNDS_KEYS)) for r in FUNDS_ROWS
        }
        return cls(
            progress=m.get("progress"),
            indicators=[
                IndicatorProgress(**_pick(_obj(x, f"{pointer}/indicators/{j}"), PROGRESS_KEYS))
                for j, x in enumerate(_list(m.get("indicators"), pointer + "/indicators"))
            ],
            **rows,
        )


@mypyc_attr(serializable=True)
@dataclass
class EvaluationFundsRow:
    """One row of the self-evaluation funds block (万元).

    ``initial`` is 年初预算数 (carried from the targets; 上年结转资金 has none there),
    ``budget`` 全年预算数, ``executed`` 全年执行数; ``rate`` 执行率 (a fraction, computed),
    and on the 年度资金总额 row only ``points`` 分值 and ``score`` 得分. ``points`` is the
    cell's (``perfxl new`` writes the profile's ``funds_points``): blank is no 分值, not the
    profile's, nor 0 (no 得分, in perfxl and in the sheet; `perfxl.scoring.funds_score`).
    """

    initial: Amount = None
    budget: Amount = None
    executed: Amount = None
    points: Any = None
    rate: Any = None
    score: Any = None


@mypyc_attr(serializable=True)
@dataclass
class IndicatorResult:
    """The self-evaluation columns of one indicator row, aligned with ``Project.indicators``.

    ``actual`` is 实际完成值 (as typed), ``points`` 分值 (typed; None: the profile's even
    split), ``score`` 得分, ``grade`` 评价等级 (a qualitative row's grade, one of
    ``perfxl.scoring.GRADES``), ``deviation`` 偏差原因分析及改进措施.
    """

    actual: Any = None
    points: Any = None
    score: Any = None
    grade: Text = None
    deviation: Text = None


@mypyc_attr(serializable=True)
@dataclass
class ProjectEvaluation:
    """What one project's self-evaluation sheet (项目支出绩效自评表) adds to the project."""

    total: EvaluationFundsRow = field(default_factory=EvaluationFundsRow)
    fiscal: EvaluationFundsRow = field(default_factory=EvaluationFundsRow)
    carryover: EvaluationFundsRow = field(default_factory=EvaluationFundsRow)
    other: EvaluationFundsRow = field(default_factory=EvaluationFundsRow)
    department: Text = None  # 主管部门
    implementer: Text = None  # 实施单位
    achieved: Text = None  # 年度总体目标的实际完成情况
    indicators: list[IndicatorResult] = field(default_factory=list)
    score: Any = None  # 总分
    level: Text = None  # 自评等级

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the project's ``evaluation`` section."""
        d: dict[str, Any] = {
            r: {k: getattr(getattr(self, r), k) for k in EVAL_FUNDS_KEYS} for r in EVAL_FUNDS_ROWS
        }
        d.update({k: getattr(self, k) for k in EVAL_HEADER_KEYS})
        d["indicators"] = [{k: getattr(x, k) for k in RESULT_KEYS} for x in self.indicators]
        d["score"] = self.score
        d["level"] = self.level
        return d

    @classmethod
    def from_dict(cls, data: Any, pointer: str) -> ProjectEvaluation:
        """Build from the JSON form; ``pointer`` names where the section is (for errors)."""
        m = _obj(data, pointer)
        rows = {
            r: EvaluationFundsRow(**_pick(_obj(m.get(r), f"{pointer}/{r}"), EVAL_FUNDS_KEYS))
            for r in EVAL_FUNDS_ROWS
        }
        return cls(
            total=rows["total"],
            fiscal=rows["fiscal"],
            carryover=rows["carryover"],
            other=rows["other"],
            department=m.get("department"),
            implementer=m.get("implementer"),
            achieved=m.get("achieved"),
            indicators=[
                IndicatorResult(**_pick(_obj(x, f"{pointer}/indicators/{j}"), RESULT_KEYS))
                for j, x in enumerate(_list(m.get("indicators"), pointer + "/indicators"))
            ],
            score=m.get("score"),
            level=m.get("level"),
        )


@mypyc_attr(serializable=True)
@dataclass
class Project:
    """One project table (项目支出绩效目标表)."""

    code: Any = None
    name: Any = None
    budget: Amount = None
    fiscal_funds: Amount = None
    other_funds: Amount = None
    purpose: Any = None
    plan: SpendingPlan = field(default_factory=SpendingPlan)
    goals: list[str] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    # The monitoring stage's additions (None in a targets document).
    monitoring: ProjectMonitoring | None = None
    # The self-evaluation stage's additions (None in a targets or monitoring document).
    evaluation: ProjectEvaluation | None = None


@mypyc_attr(serializable=True)
@dataclass
class Area:
    """A sub-area of the unit's overall targets (分项绩效目标)."""

    title: Text = None
    description: Text = None
    targets: Text = None
    indicators: Text = None


@mypyc_attr(serializable=True)
@dataclass
class Measure:
    """A work guarantee measure (工作保障措施)."""

    title: Text = None
    text: Text = None


@mypyc_attr(serializable=True)
@dataclass
class Overall:
    """Part one: the unit's overall targets (部门整体绩效目标)."""

    summary: Text = None
    areas: list[Area] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)


@mypyc_attr(serializable=True)
@dataclass
class Unit:
    """The budget unit: a 6-digit code and its name."""

    code: Any = None
    name: Any = None


@mypyc_attr(serializable=True)
@dataclass
class Targets:
    """Everything one unit declares: part one and every project table."""

    unit: Unit = field(default_factory=Unit)
    year: Any = None
    money_unit: Text = "万元"
    framework: Any = "2015"
    overall: Overall = field(default_factory=Overall)
    projects: list[Project] = field(default_factory=list)
    schema_version: str = SCHEMA_VERSION
    # "targets" (the declaration), "monitoring" (执行监控, month ``month`` = 1-X月) or
    # "evaluation" (绩效自评, at year end: no month; scored by the profile ``profile``).
    # ``month`` as typed on the cover: only an integer 1-12 is a month (:func:`month_number`;
    # anything else is reported, ``monitoring.month_invalid``, and its JSON form is null).
    stage: str = "targets"
    month: Any = None
    profile: Text = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (the contract).

        ``stage`` and ``month`` are written only for the later stages (and ``profile``, the
        scoring profile's name, for the self-evaluation), so a targets document is exactly
        what it always was. ``month`` is the month :func:`month_number` makes of the cover's
        cell, null for one that is no month (``七月``, 13: the schema's integer 1-12 or null;
        validation says what was typed, ``monitoring.month_invalid``).
        """
        d: dict[str, Any] = {"schema_version": self.schema_version}
        if self.stage != "targets":
            d["stage"] = self.stage
            d["month"] = month_number(self.month)
        if self.stage == "evaluation":
            d["profile"] = self.profile
        d.update(
            {
                "unit": {"code": self.unit.code, "name": self.unit.name},
                "year": self.year,
                "money_unit": self.money_unit,
                "framework": self.framework,
                "overall": {
                    "summary": self.overall.summary,
                    "areas": [{k: getattr(a, k) for k in AREA_KEYS} for a in self.overall.areas],
                    "measures": [
                        {k: getattr(m, k) for k in MEASURE_KEYS} for m in self.overall.measures
                    ],
                },
                "projects": [_project_to_dict(p) for p in self.projects],
            }
        )
        return d

    @classmethod
    def from_dict(cls, data: Any) -> Targets:
        """Build the model from the JSON form; missing keys become empty.

        Values are taken as they are (checking them is validation's job), but the shape must
        be the contract's: objects where objects belong and lists where lists belong.

        Raises:
            DataError: when the data is not shaped like the contract.
        """
        d = _obj(data, "")
        unit = _obj(d.get("unit"), "/unit")
        overall = _obj(d.get("overall"), "/overall")
        return cls(
            schema_version=str(d.get("schema_version") or SCHEMA_VERSION),
            stage=str(d.get("stage") or "targets"),
            month=d.get("month"),
            profile=d.get("profile"),
            unit=Unit(code=unit.get("code"), name=unit.get("name")),
            year=d.get("year"),
            money_unit=d.get("money_unit", "万元"),
            framework=d.get("framework", "2015"),
            overall=Overall(
                summary=overall.get("summary"),
                areas=[
                    Area(**_pick(_obj(a, f"/overall/areas/{i}"), AREA_KEYS))
                    for i, a in enumerate(_list(overall.get("areas"), "/overall/areas"))
                ],
                measures=[
                    Measure(**_pick(_obj(m, f"/overall/measures/{i}"), MEASURE_KEYS))
                    for i, m in enumerate(_list(overall.get("measures"), "/overall/measures"))
                ],
            ),
            projects=[
                _project_from_dict(p, i)
                for i, p in enumerate(_list(d.get("projects"), "/projects"))
            ],
        )


def month_number(value: Any) -> int | None:
    """The monitoring month X a typed 监控月份 is: an integer 1-12 (a whole float too), else
    None (blank, 13, 7.5, ``七月``, a ``7`` typed as text, ``True``)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 12:
        return value
    return None


def _project_to_dict(p: Project) -> dict[str, Any]:
    d: dict[str, Any] = {
        "code": p.code,
        "name": p.name,
        "budget": p.budget,
        "fiscal_funds": p.fiscal_funds,
        "other_funds": p.other_funds,
        "purpose": p.purpose,
        "plan": {k: getattr(p.plan, k) for k in PLAN_KEYS},
        "goals": list(p.goals),
        # The row's JSON object, field by field in INDICATOR_KEYS' order (not a copy of
        # vars(): the compiled build's classes have no __dict__).
        "indicators": [{k: getattr(ind, k) for k in INDICATOR_KEYS} for ind in p.indicators],
    }
    if p.monitoring is not None:
        d["monitoring"] = p.monitoring.to_dict()
    if p.evaluation is not None:
        d["evaluation"] = p.evaluation.to_dict()
    return d


def _project_from_dict(data: Any, i: int) -> Project:
    where = f"/projects/{i}"
    p = _obj(data, where)
    plan = _obj(p.get("plan"), where + "/plan")
    goals = _list(p.get("goals"), where + "/goals")
    return Project(
        code=p.get("code"),
        name=p.get("name"),
        budget=p.get("budget"),
        fiscal_funds=p.get("fiscal_funds"),
        other_funds=p.get("other_funds"),
        purpose=p.get("purpose"),
        plan=SpendingPlan(**_pick(plan, PLAN_KEYS)),
        goals=[g if isinstance(g, str) else str(g) for g in goals],
        indicators=[
            Indicator(**_pick(_obj(x, f"{where}/indicators/{j}"), INDICATOR_KEYS))
            for j, x in enumerate(_list(p.get("indicators"), where + "/indicators"))
        ],
        monitoring=(
            None
            if p.get("monitoring") is None
            else ProjectMonitoring.from_dict(p.get("monitoring"), where + "/monitoring")
        ),
        evaluation=(
            None
            if p.get("evaluation") is None
            else ProjectEvaluation.from_dict(p.get("evaluation"), where + "/evaluation")
        ),
    )


def _obj(value: Any, pointer: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DataError(f"数据 {pointer or '/'} 应为对象（JSON object），实际为{json_kind(value)}")
    return value


def _list(value: Any, pointer: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise DataError(f"数据 {pointer} 应为数组（JSON array），实际为{json_kind(value)}")
    return value


# What a JSON value is, as a message says it to a clerk editing the file (never Python's names).
_JSON_KINDS: dict[type, str] = {
    dict: "对象（{…}）",
    list: "列表（[…]）",
    str: "文本",
    int: "数字",
    float: "数字",
    bool: "true/false",
    type(None): "null",
}


def json_kind(value: Any) -> str:
    """The kind of a JSON value in Chinese: 文本, 数字, 列表（[…]）, 对象（{…}）…"""
    return _JSON_KINDS.get(type(value), "无法识别的值")


def _pick(d: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: d.get(k) for k in keys}
