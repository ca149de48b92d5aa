"""The monitoring stage's arithmetic (执行监控): 序时进度, 执行率 and the warning lights.

Pure core: no I/O. Every percentage goes through :mod:`perfxl.numbers`, so ``compute``,
``validate`` and the county summary agree to the cent:

- 序时进度 of month X is ``X / 12 × 100`` at 2 decimals, halves up (7月底 → 58.33);
- 执行率 of a funds row is ``1-X月执行数 ÷ 调整后预算数 × 100`` (a blank 调整后预算数 means
  年初预算数; a blank 执行数 counts as 0, as the sheet's ``N()`` does); None, with a reason,
  when there is no budget to divide by or an amount is text (the sheet's formula is blank
  then too, `perfxl.layout.MonitoringForm.rate_formula`);
- a project's light compares its 年度资金总额 执行率 with 序时: green when it is at least
  序时 − ``yellow_gap`` points, yellow when at least 序时 − ``red_gap``, red below that;
- an indicator's light follows 完成目标可能性: 确定能 green, 有可能 yellow, 完全不可能 red.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Literal

from perfxl.model import FUNDS_ROWS, FundsRow, Project, ProjectMonitoring, Targets, month_number
from perfxl.numbers import number, percent

Light = Literal["green", "yellow", "red"]
RateReason = Literal["no_budget", "budget_text", "executed_text"]

LIGHT_TEXT: Final[dict[Light, str]] = {"green": "绿", "yellow": "黄", "red": "红"}
"""A light as the sheet shows it in text, so that it survives a black-and-white print."""
LIGHT_FILL: Final[dict[Light, str]] = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}
"""A light's cell fill (RGB), Excel's own good / neutral / bad colours."""
LIKELIHOOD: Final[dict[str, Light]] = {"确定能": "green", "有可能": "yellow", "完全不可能": "red"}
"""完成目标可能性 -> the indicator's light."""
DEFAULT_YELLOW_GAP: Final = Decimal(10)
DEFAULT_RED_GAP: Final = Decimal(30)

_HUNDRED = Decimal(100)


def schedule_percent(month: int) -> Decimal:
    """序时进度 at the end of ``month`` (1–12): ``month / 12 × 100``, 2 decimals, halves up."""
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise ValueError(f"the monitoring month must be 1..12, not {month!r}")
    return percent(Decimal(month), Decimal(12))


def month_of(targets: Targets) -> int | None:
    """The monitoring month X when it is usable (an integer 1–12), else None
    (:func:`perfxl.model.month_number`, what the JSON form holds)."""
    return month_number(targets.month)


def is_blank(value: Any) -> bool:
    """An empty cell: None or white space only."""
    return value is None or (isinstance(value, str) and not value.strip())


def budget_of(row: FundsRow) -> Any:
    """The full-year budget the row is measured against: 调整后预算数, else 年初预算数."""
    return row.initial if is_blank(row.adjusted) else row.adjusted


@dataclass(frozen=True)
class Rate:
    """A 执行率, or why there is none.

    Attributes:
        value: the percentage at 2 decimals; None when it cannot be computed.
        reason: why not: ``no_budget`` (blank or 0), ``budget_text`` or ``executed_text``
            (an amount typed as text that is not a number).
    """

    value: Decimal | None
    reason: RateReason | None = None


def execution_rate(row: FundsRow) -> Rate:
    """``executed ÷ (adjusted or initial) × 100``, half-up to 2 decimals."""
    budget = budget_of(row)
    if is_blank(budget):
        return Rate(None, "no_budget")
    b = number(budget)
    if b is None:
        return Rate(None, "budget_text")
    if b == 0:
        return Rate(None, "no_budget")
    if is_blank(row.executed):
        return Rate(percent(Decimal(0), b))
    e = number(row.executed)
    if e is None:
        return Rate(None, "executed_text")
    return Rate(percent(e, b))


def project_light(
    rate: Decimal | None,
    schedule: Decimal,
    yellow_gap: Decimal = DEFAULT_YELLOW_GAP,
    red_gap: Decimal = DEFAULT_RED_GAP,
) -> Light | None:
    """Green at or above 序时 − yellow_gap, yellow at or above 序时 − red_gap, else red.

    None when there is no rate.
    """
    if rate is None:
        return None
    if rate >= schedule - yellow_gap:
        return "green"
    return "yellow" if rate >= schedule - red_gap else "red"


def indicator_light(likelihood: Any) -> Light | None:
    """The light of 完成目标可能性; None when it is blank or not one of the three choices."""
    return LIKELIHOOD.get("".join(likelihood.split())) if isinstance(likelihood, str) else None


@dataclass(frozen=True)
class MonitoringResult:
    """One project's figures as the monitoring sheet shows them.

    Attributes:
        index: the project's position.
        schedule: 序时进度 (None without a usable month).
        rates: funds row (total / fiscal / other) -> its 执行率.
        light: the project's light, from the 年度资金总额 执行率 against 序时; None without
            a month, a rate, or a 1-X月执行数 typed.
        indicator_lights: one per indicator progress row, in order.
    """

    index: int
    schedule: Decimal | None
    rates: dict[str, Rate] = field(default_factory=dict)
    light: Light | None = None
    indicator_lights: list[Light | None] = field(default_factory=list)

    @property
    def rate(self) -> Decimal | None:
        """The project's 执行率 (年度资金总额)."""
        r = self.rates.get("total")
        return None if r is None else r.value


def monitor_project(
    index: int,
    project: Project,
    month: int | None,
    yellow_gap: Decimal = DEFAULT_YELLOW_GAP,
    red_gap: Decimal = DEFAULT_RED_GAP,
) -> MonitoringResult:
    """The figures of one project; a project without a monitoring section has none."""
    schedule = None if month is None else schedule_percent(month)
    m = project.monitoring
    if m is None:
        return MonitoringResult(index, schedule)
    rates = {key: execution_rate(getattr(m, key)) for key in FUNDS_ROWS}
    total = rates["total"].value
    # A blank 1-X月执行数 is not yet reported (the sheet shows 0.00%): no light, not red.
    if schedule is None or is_blank(m.total.executed):
        light = None
    else:
        light = project_light(total, schedule, yellow_gap, red_gap)
    return MonitoringResult(
        index,
        schedule,
        rates,
        light,
        [indicator_light(x.likelihood) for x in m.indicators],
    )


def monitor(
    targets: Targets,
    yellow_gap: Decimal = DEFAULT_YELLOW_GAP,
    red_gap: Decimal = DEFAULT_RED_GAP,
) -> list[MonitoringResult]:
    """Every project's figures, in order (projects without a monitoring section included)."""
    month = month_of(targets)
    return [
        monitor_project(i, p, month, yellow_gap, red_gap) for i, p in enumerate(targets.projects)
    ]


def computed_figures(results: list[MonitoringResult]) -> str:
    """What a compute run says it computed (``已计算 N/M 个项目的…``): 执行率 and lights, or,
    without a monitoring month, the 执行率 only (``monitoring.month_invalid`` says why)."""
    if not results or any(r.schedule is not None for r in results):
        return "执行率和预警灯"
    return "执行率（没有有效的监控月份，序时进度和项目的预警灯未计算，见提示）"


def explained(m: ProjectMonitoring) -> bool:
    """Whether the sheet explains a shortfall: some indicator row gives both 偏差原因分析
    and 整改措施 (the form has no project-level reason cells)."""
    return any(not is_blank(x.deviation) and not is_blank(x.remedy) for x in m.indicators)


__all__ = [
    "LIGHT_FILL",
    "LIGHT_TEXT",
    "LIKELIHOOD",
    "Light",
    "MonitoringResult",
    "Rate",
    "budget_of",
    "computed_figures",
    "execution_rate",
    "explained",
    "indicator_light",
    "is_blank",
    "monitor",
    "monitor_project",
    "month_of",
    "project_light",
    "schedule_percent",
]
