"""The one scorer of a self-evaluation (绩效自评): every score, 总分 and 自评等级 perfxl shows.

Pure core: no I/O. :func:`evaluate_project` scores one project's self-evaluation by the rules
of :mod:`perfxl.scoring` under a :class:`perfxl.scoring.Profile`; :func:`evaluate` scores every
project of a document. compute, validate, consolidate and publish all take their figures from
here and never recompute a score another way ("one answer for every number").

What counts in 总分 (:attr:`RowResult.counted`) follows the sheet's hidden 计入总分 helper
(`perfxl.layout.EvaluationForm.counted_formula`), so perfxl's 总分 is the sheet's:

- a row with a score counts its score (a quantitative row: the rule's score, even when a
  different one was typed over the formula — validate reports that; a qualitative row: the
  typed score, even outside its band — validate reports that too);
- a qualitative row with no score typed counts the lowest of its grade's band (0 without a
  grade), with the warning ``score_defaulted``;
- a row no rule can score for want of input (no 实际完成值, no 分值, an empty or negative
  年度指标值) counts 0;
- a quantitative row whose 实际完成值 cannot be compared with its target (text that is not a
  quantity, or units that do not convert) counts nothing at all: ``counted`` is None and so
  are the project's 总分 and 自评等级 (the sheet leaves them blank too) until it is fixed.

A figure that is not a number scores nothing either, and the project has no 总分 and no
自评等级 until it is one (counting it as 0 would make a total on a 0 nobody typed; the sheet's
formulas leave the same cells blank, `perfxl.layout.EvaluationForm.total_formula`):

- a 分值 typed as text (``十``): the row has no 分值 (``points`` None, as the sheet's ``SUM``
  of the 分值 column leaves it out), no 得分, and ``counted`` is None;
- a 全年预算数 or 全年执行数 of 年度资金总额 that is text (typed so, or held so in its cell:
  give :func:`evaluate` the model as the cells hold it, `perfxl.held.held_targets`): no 执行率,
  no 得分 (:attr:`perfxl.scoring.FundsScore.reason` ``budget_text`` / ``executed_text``);
- the 分值 of 年度资金总额 typed as text or blank: its 执行率 but no 得分 (``points_text``,
  ``points_blank``), as an indicator row's text 分值 (a blank one is no share: ``perfxl new``
  writes the profile's there; a cleared indicator 分值 is the row's share).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from perfxl.model import EVAL_FUNDS_ROWS, IndicatorResult, Project, ProjectEvaluation, Targets
from perfxl.scoring import (
    DEFAULT,
    QUALITATIVE,
    FundsScore,
    IndicatorScore,
    PointsProblem,
    Profile,
    RateReason,
    Rule,
    ScoreProblem,
    funds_rate,
    funds_score,
    get_profile,
    indicator_score,
    level_of,
    split_points,
    total,
)

UNSCORABLE: Final[frozenset[str]] = frozenset({"qualitative_actual", "incomparable_units"})
"""Problems that leave a row out of 总分 altogether (and so 总分 blank)."""
FUNDS_TEXT: Final[frozenset[str]] = frozenset({"budget_text", "executed_text"})
"""Why 年度资金总额 has no 执行率 when that leaves the project without 总分: an amount that is
text (a blank or 0 budget gives no 执行率 in the sheet either, and 总分 counts the rest)."""
NO_TOTAL: Final[frozenset[str]] = FUNDS_TEXT | {"points_text", "points_blank"}
"""Why 年度资金总额 has no 得分 when that leaves the project without 总分: :data:`FUNDS_TEXT`,
or its 分值 typed as text or left blank (module docstring)."""


@dataclass(frozen=True)
class RowResult:
    """How one indicator row of a project scores.

    Attributes:
        index: the row's position in ``Project.indicators`` (and ``evaluation.indicators``).
        group: its weight group (a key of ``profile.weights``), or None.
        points: the 分值 it is scored on (typed, else its even share); None when it has none.
        share: its even share of the group's weight (the sheet's 默认分值).
        typed_points: whether the 分值 was typed (not the default share).
        scored: what :func:`perfxl.scoring.indicator_score` gives.
        counted: what the row adds to 总分 (module docstring); None: the row is unscorable and
            the project has no 总分.
        deviation: the 偏差原因分析及改进措施 as typed.
    """

    index: int
    group: str | None
    points: Decimal | None
    share: Decimal | None
    typed_points: bool
    scored: IndicatorScore
    counted: Decimal | None
    deviation: str | None = None

    @property
    def score(self) -> Decimal | None:
        """得分 by the rule (a qualitative row: as typed, or its band's lowest)."""
        return self.scored.score

    @property
    def rule(self) -> Rule | None:
        """The rule applied (正向, 反向, 等于, 定性); None for an empty 年度指标值."""
        return self.scored.rule

    @property
    def full(self) -> bool:
        """Whether the row scores its full points."""
        return self.scored.full

    @property
    def problems(self) -> tuple[ScoreProblem, ...]:
        """What :func:`perfxl.scoring.indicator_score` found (errors and warnings)."""
        return self.scored.problems

    @property
    def needs_reason(self) -> bool:
        """Whether 偏差原因分析及改进措施 is required (short of full points, or over)."""
        return self.scored.needs_reason

    @property
    def short(self) -> bool:
        """Scored short of its full points (what the summary lists with its reason)."""
        return self.counted is not None and self.points is not None and not self.full


@dataclass(frozen=True)
class EvaluationResult:
    """One project's self-evaluation, scored.

    Attributes:
        profile: the profile's name.
        funds: the 年度资金总额 row's 执行率 and 得分.
        rates: 执行率 of every funds row (``total``, ``fiscal``, ``carryover``, ``other``) in
            percent at 2 decimals, as :func:`perfxl.scoring.funds_score` gives it; None where
            it cannot be computed (a blank or 0 全年预算数, an amount typed as text).
        rate_reasons: per funds row, why it has no 执行率 (``no_budget``, ``budget_text``,
            ``executed_text``), or None.
        rows: one per indicator of ``Project.indicators``, in order.
        points_problems: what is wrong with the 分值 (typed not adding up, …); the rows of
            each problem are positions in ``rows``.
        total: 总分 (2 decimals); None when a row cannot be scored, or a 分值 (of a row or of
            年度资金总额) or an amount of 年度资金总额 is text (module docstring).
        level: 自评等级; None without 总分.
    """

    profile: str
    funds: FundsScore
    rates: dict[str, Decimal | None]
    rows: tuple[RowResult, ...]
    points_problems: tuple[PointsProblem, ...]
    total: Decimal | None
    level: str | None
    rate_reasons: dict[str, RateReason | None] = field(default_factory=dict)

    @property
    def short_rows(self) -> tuple[RowResult, ...]:
        """The rows scored short of full points, lowest share of their points first."""

        def key(r: RowResult) -> tuple[Decimal, int]:
            assert r.counted is not None and r.points is not None
            share = r.counted / r.points if r.points else Decimal(0)
            return share, r.index

        return tuple(sorted((r for r in self.rows if r.short), key=key))

    @property
    def full_points(self) -> Decimal:
        """The points the project can reach: the funds row's and every row's (100 by default)."""
        funds = self.funds.points or Decimal(0)
        return funds + sum((r.points for r in self.rows if r.points is not None), Decimal(0))


def _counted(s: IndicatorScore) -> Decimal | None:
    if s.score is not None:
        return s.score
    if s.rule == QUALITATIVE:
        return s.band[0] if s.band is not None else Decimal(0)
    if UNSCORABLE.intersection(s.problems):
        return None
    return Decimal(0)


def evaluate_project(p: Project, profile: Profile = DEFAULT) -> EvaluationResult:
    """Score one project's self-evaluation (a project without one scores as all blank).

    Args:
        p: the project; its ``evaluation`` holds what was typed (``indicators`` aligned with
            ``p.indicators``; missing entries count as blank).
        profile: the scoring profile.
    """
    e = p.evaluation if p.evaluation is not None else ProjectEvaluation()
    inputs: Sequence[IndicatorResult] = [
        e.indicators[i] if i < len(e.indicators) else IndicatorResult()
        for i in range(len(p.indicators))
    ]
    funds = funds_score(e.total.budget, e.total.executed, e.total.points)
    row_rates = {
        key: funds_rate(getattr(e, key).budget, getattr(e, key).executed) for key in EVAL_FUNDS_ROWS
    }
    split = split_points([ind.level1 for ind in p.indicators], [x.points for x in inputs], profile)
    text_points = {i for pp in split.problems if pp.code == "points_not_number" for i in pp.rows}
    rows: list[RowResult] = []
    for i, (ind, x) in enumerate(zip(p.indicators, inputs, strict=True)):
        points = split.points[i]
        scored = indicator_score(ind.target, x.actual, points, profile, x.grade, x.score)
        rows.append(
            RowResult(
                index=i,
                group=split.groups[i],
                points=points,
                share=split.shares[i],
                typed_points=x.points is not None and not _blank(x.points),
                scored=scored,
                counted=None if i in text_points else _counted(scored),
                deviation=x.deviation,
            )
        )
    counted = [r.counted for r in rows]
    if any(c is None for c in counted) or funds.reason in NO_TOTAL:
        tot: Decimal | None = None
    else:
        tot = total([funds.score, *counted])
    return EvaluationResult(
        profile=profile.name,
        funds=funds,
        rates={key: rate for key, (rate, _) in row_rates.items()},
        rows=tuple(rows),
        points_problems=split.problems,
        total=tot,
        level=level_of(tot, profile),
        rate_reasons={key: why for key, (_, why) in row_rates.items()},
    )


def evaluate(t: Targets, profile: Profile | None = None) -> list[EvaluationResult]:
    """Score every project of ``t`` (by ``profile``, else the profile ``t.profile`` names,
    else the default).

    Raises:
        perfxl.errors.PerfxlError: ``t.profile`` names no shipped profile.
    """
    if profile is None:
        profile = get_profile(t.profile) if t.profile else DEFAULT
    return [evaluate_project(p, profile) for p in t.projects]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
