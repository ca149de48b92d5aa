"""Self-evaluation scoring (绩效自评): the profiles and the rules that score every row.

Pure core: no I/O. A :class:`Profile` holds every number and choice of a scoring scheme; the
shipped profiles are in :data:`PROFILES`, and a county picks one by name in its config
(``[evaluation] profile = "…"``, see :func:`get_profile`). Every figure is a Decimal computed
through :mod:`perfxl.numbers`; the one rounding is :func:`perfxl.numbers.round2` (2 decimals,
halves away from zero, Excel's ``ROUND(x, 2)``), applied once to each row score and once to
总分. The sheet's formulas implement the same rules; this docstring is the contract between
them (``docs/scoring.md`` says it again for people).

预算执行率 (the 年度资金总额 funds row, :func:`funds_score`):
    执行率 = :func:`perfxl.numbers.percent` (全年执行数, 全年预算数), a percent at 2 decimals
    (the sheet's ``ROUND(executed/budget, 4)`` fraction); a blank 全年执行数 counts as 0; no
    执行率 for a blank, text or 0 全年预算数, or a text 全年执行数. 得分 =
    ``round2(min(max(执行率, 0), 100) × 分值 / 100)`` — from the 执行率 as shown, never above
    分值, never below 0. In a sheet: ``ROUND(MIN(1,MAX(0,rate))*points,2)``. The 分值 is
    the cell's (``perfxl new`` writes the profile's ``funds_points`` there): one typed as text
    is no 分值 (``points_text``: no 得分, and `perfxl.evaluation` gives no 总分), as an
    indicator row's; a blank one likewise (``points_blank``: not 0 points, not the
    profile's; the sheet leaves 得分 blank too). :func:`funds_rate` is the 执行率 alone.

分值 of the indicator rows (:func:`split_points`):
    Each row counts in a weight group: its 一级指标 (spelt as :func:`perfxl.framework.canonical`
    spells it, so 产出 is 产出指标) when the profile's ``weights`` name it, else the group
    ``weight_of`` names (成本指标 counts with 产出指标). A group's weight is split evenly over
    its rows in whole cents, the leftover cents going one each to its first rows in sheet
    order: 50 over 3 rows is 16.67 / 16.67 / 16.66, 10 over 3 is 3.34 / 3.33 / 3.33, 50 over 7
    is 7.15 / 7.15 / 7.14 × 5. So the default points of a group add up to its weight exactly and
    a full score is exactly 100. In a sheet, with ``w`` the weight, ``n`` the group's rows and
    ``k`` this row's rank in its group (1 for the first; a running ``COUNTIF``):
    ``(INT(ROUND(w*100,0)/n)+IF(k<=MOD(ROUND(w*100,0),n),1,0))/100``. (An unrounded ``w/n``
    would give three full rows of 16.6667 → ROUND → 16.67 each, 50.01 in all.)
    A typed 分值 replaces the row's share; when any row of a group has one, the group's points
    (typed or share) must add up to its weight (problem ``points_sum``). A 分值 typed as text
    (``十``) is no 分值 at all (problem ``points_not_number``; the row has no points, not its
    share): a score on points nobody typed is no score (the sheet's formulas give none either;
    a cleared 分值 is no typed one: the row's share, in the sheet too). A weight group with no
    rows is NOT redistributed: its points are lost (the project can reach 100 − weight at most)
    and the problem ``no_rows`` says so (the targets' rules already require 产出, 效益 and 满意度
    rows). A row whose 一级指标 is in no group gets no share (problem ``unknown_level1``).

Quantitative rows (:func:`indicator_score`, :func:`quantitative_score`):
    The rule follows the comparison of the 年度指标值 as :func:`perfxl.targets.parse_target`
    reads it (:func:`rule_of`): ``≥``/``>`` and a range (its lower bound) → 正向; ``≤``/``<`` →
    反向; ``=`` → 等于. The parser gives ``=`` to a bare number (``2个``) too: 等于 with a
    target other than 0 scores exactly as 正向, so a bare number is 正向 in effect; ``≈``
    (约, 左右) scores as 等于. With ``a`` the actual (negatives counted as 0), ``t`` the target
    and ``p`` the points, 得分 = ``round2(p × f)``:

    - 正向: ``f = 1`` when ``a ≥ t``, else ``a ÷ t``;
    - 反向, ``linear`` (default): ``f = 1`` when ``a ≤ t``, ``0`` when ``a ≥ 2t``, else
      ``1 − (a − t) ÷ t``; ``ratio``: ``f = 1`` when ``a ≤ t``, else ``t ÷ a``;
    - 等于: when ``t = 0``, ``f = 1`` if ``a ≤ 0`` else ``0``; otherwise as 正向.

    The row is full (满分) when ``f = 1``. A negative target cannot be scored (negative actuals
    count as 0): problem ``negative_target``.

    The actual: a number cell is a number in the target's unit (96 against ``≥95%`` is 96 %).
    Text is read by the same parser (``９６％``, ``8.2万元``, ``83380元``) and must be a plain
    quantity (no comparison, no range), else ``qualitative_actual``. Units: the same unit, or
    one side without a unit (read in the other's unit), or two money units (元, 千元, 万元,
    百万元, 亿元; converted to 万元 as :func:`perfxl.targets.to_wan` does); anything else
    (``%`` against ``‰``, 人 against 人次) is ``incomparable_units``, never a guess. perfxl's
    parser reads a number cell as Excel's General format shows it, so a plain 0.96 against a
    percent target is 0.96 %, not 96 %: scored so, with the warning ``fraction_for_percent``
    (a reader that knows the cell's number format is a percent should pass the text it shows,
    ``96%``). A sheet formula sees only number cells: a text actual is scored by perfxl.

    :func:`formula_target` gives what a formula needs per row: the rule (the direction code,
    正向/反向/等于/定性) and the target number in the target's own unit, which is the unit a
    number cell's actual is read in.

Qualitative rows (定性: a text 年度指标值 such as 规定期限内支付):
    The clerk chooses a grade (``grade``, or the 实际完成值 itself when it is a grade's name or
    short form 达成 / 部分达成 / 未达成) and types 得分. The grade's band (``profile.bands``, in
    percent of the points) becomes points as ``round2(share × p / 100)`` at both ends, both
    ends included (80 % of 10 belongs to 达成年度指标 and to 部分达成…). A typed 得分 outside
    the band: ``outside_band`` (the typed score stays the row's score); none typed: the
    lowest of the band, with the warning ``score_defaulted``. No grade (``missing_grade``,
    ``unknown_grade``): a typed 得分 is the row's score all the same, unchecked against a band
    (the sheet's 计入总分 counts it too), and none typed is no score (0 in 总分).

explain_over (:func:`explain_over`):
    With ``profile.explain_over`` = X, a quantitative row whose actual is at least
    ``t × (1 + X / 100)`` (t > 0, same unit) needs 偏差原因分析 even at full points.

总分 and 自评等级 (:func:`total`, :func:`level_of`):
    总分 = ``round2`` of the sum of the funds score and the row scores (blanks left out).
    自评等级: the first of ``profile.levels`` whose lowest 总分 it reaches, else 差 — by the
    default 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 below (90 is 优, 89.99 良, 59.99 差).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Literal

from perfxl.framework import canonical
from perfxl.numbers import number, percent, round2, whole
from perfxl.numbers import total as decimal_sum
from perfxl.targets import Target, parse_target, to_wan

ReverseRule = Literal["linear", "ratio"]
"""How a 反向 (≤, <) indicator above its target scores: ``linear`` — (1 − (actual − target) ÷
target) × points, 0 at twice the target; ``ratio`` — target ÷ actual × points (older templates)."""

GRADES: Final = ("达成年度指标", "部分达成年度指标并具有一定效果", "未达成年度指标且效果较差")
"""The qualitative grades a clerk chooses, best first."""


@dataclass(frozen=True)
class Profile:
    """A scoring scheme.

    Attributes:
        name: the id used in config files and written on the cover and the summary (ASCII).
        title: the Chinese name shown to staff.
        funds_points: points of the 预算执行率 row (执行率 × points, never above points).
        weights: first-level indicator (一级指标) -> its points, split evenly over its rows
            unless the clerk types 分值. A first-level name missing here shares the weight of
            the one named in ``weight_of`` (成本指标 counts with 产出指标 by default).
        weight_of: first-level name -> the first-level whose weight it shares.
        reverse: the 反向 rule (see :data:`ReverseRule`).
        bands: qualitative grade -> (lowest, highest) share of the row's points, in percent.
        levels: 自评等级 -> the lowest 总分 that reaches it, best first; below the last: 差.
        explain_over: when set, an actual above its target by at least this many percent
            needs 偏差原因分析 too (some provinces); None: only rows short of full points do.
    """

    name: str
    title: str
    funds_points: Decimal = Decimal(10)
    weights: dict[str, Decimal] = field(
        default_factory=lambda: {
            "产出指标": Decimal(50),
            "效益指标": Decimal(30),
            "满意度指标": Decimal(10),
        }
    )
    weight_of: dict[str, str] = field(default_factory=lambda: {"成本指标": "产出指标"})
    reverse: ReverseRule = "linear"
    bands: dict[str, tuple[Decimal, Decimal]] = field(
        default_factory=lambda: {
            GRADES[0]: (Decimal(80), Decimal(100)),
            GRADES[1]: (Decimal(60), Decimal(80)),
            GRADES[2]: (Decimal(0), Decimal(60)),
        }
    )
    levels: tuple[tuple[str, Decimal], ...] = (
        ("优", Decimal(90)),
        ("良", Decimal(80)),
        ("中", Decimal(60)),
    )
    explain_over: Decimal | None = None


DEFAULT: Final = Profile(name="default", title="财政部通用评分（默认）")

PROFILES: Final[dict[str, Profile]] = {
    DEFAULT.name: DEFAULT,
    "ratio-reverse": Profile(
        name="ratio-reverse",
        title="反向指标按比值计分、超额30%需说明",
        reverse="ratio",
        explain_over=Decimal(30),
    ),
}
"""The shipped profiles by name."""

Rule = Literal["正向", "反向", "等于", "定性"]
"""How a row is scored; also the direction code a sheet's helper cell holds."""
UP: Final = "正向"
DOWN: Final = "反向"
EQUAL: Final = "等于"
QUALITATIVE: Final = "定性"

WORST_LEVEL: Final = "差"
"""The 自评等级 below every level of a profile."""

GRADE_SHORT: Final[dict[str, str]] = {"达成": GRADES[0], "部分达成": GRADES[1], "未达成": GRADES[2]}
"""Short forms of the grades a clerk may type."""
GRADE_NAMES: Final[dict[str, tuple[str, ...]]] = {
    g: (g, *(short for short, full in GRADE_SHORT.items() if full == g)) for g in GRADES
}
"""What 评价等级 or a 实际完成值 may say to name a grade (:func:`grade_of`), as the sheet's
计入总分 spells them (`perfxl.layout.EvaluationForm.counted_formula`)."""

MONEY_UNITS: Final = ("元", "千元", "万元", "百万元", "亿元")
"""Units converted into each other (through 万元, as :func:`perfxl.targets.to_wan`)."""

RateReason = Literal["no_budget", "budget_text", "executed_text", "points_text", "points_blank"]
"""Why a funds row has no 执行率 or no 得分: a blank or 0 budget, an amount or 分值 typed as
text, a blank 分值."""

ScoreProblem = Literal[
    "empty_target",
    "negative_target",
    "missing_actual",
    "qualitative_actual",
    "incomparable_units",
    "negative_actual",
    "fraction_for_percent",
    "no_points",
    "missing_grade",
    "unknown_grade",
    "outside_band",
    "score_defaulted",
    "score_not_number",
    "score_differs",
]
"""What :func:`indicator_score` finds. Errors (no score, or a wrong one): ``empty_target``
(no 年度指标值), ``negative_target``, ``missing_actual`` (实际完成值 blank),
``qualitative_actual`` (text that is not a plain quantity, for a quantitative target),
``incomparable_units``, ``no_points`` (the row has no 分值), ``missing_grade`` (a qualitative
row without a grade), ``unknown_grade``, ``outside_band`` (a typed score outside its grade's
band), ``score_not_number`` (得分 typed as text), ``score_differs`` (a typed 得分 on a
quantitative row that is not the rule's). Warnings (scored anyway): ``negative_actual``
(counted as 0), ``fraction_for_percent`` (see the module docstring), ``score_defaulted`` (no
score typed: the lowest of the band)."""

PointsCode = Literal[
    "unknown_level1", "points_sum", "no_rows", "points_not_number", "negative_points"
]
"""What :func:`split_points` finds: a row whose 一级指标 is in no weight group; typed points of
a group not adding up to its weight; a weight group with no rows (its points are lost); a 分值
typed as text (the row has no points); a negative 分值."""


def get_profile(name: str) -> Profile:
    """The shipped profile called ``name``.

    Raises:
        perfxl.errors.PerfxlError: no profile has that name; the message lists the names
            there are. (Imported when raised: :mod:`perfxl.errors` imports the layout, which
            imports this module's direction codes.)
    """
    try:
        return PROFILES[name]
    except (KeyError, TypeError):
        from perfxl.errors import PerfxlError

        names = "、".join(f"{n}（{p.title}）" for n, p in PROFILES.items())
        raise PerfxlError(f"未知的评分方案“{name}”。可用的评分方案：{names}。") from None


# --- 预算执行率 ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FundsScore:
    """The 年度资金总额 row's 执行率 and 得分.

    Attributes:
        rate: 执行率 in percent at 2 decimals; None when it cannot be computed.
        score: 得分 at 2 decimals; None without a rate or with a text 分值.
        points: the 分值 it was scored on.
        reason: why rate or score is None.
    """

    rate: Decimal | None
    score: Decimal | None
    points: Decimal | None
    reason: RateReason | None = None

    @property
    def full(self) -> bool:
        """Whether the row scores its full 分值 (a 执行率 of 99.95 % rounds to it)."""
        return (
            self.score is not None and self.points is not None and self.score == round2(self.points)
        )


def funds_rate(budget: Any, executed: Any) -> tuple[Decimal | None, RateReason | None]:
    """执行率 = 全年执行数 ÷ 全年预算数 in percent at 2 decimals, and why there is none
    (module docstring).

    Args:
        budget: 全年预算数 as typed.
        executed: 全年执行数 as typed (blank counts as 0).
    """
    if _blank(budget):
        return None, "no_budget"
    b = number(budget)
    if b is None:
        return None, "budget_text"
    if b == 0:
        return None, "no_budget"
    e = Decimal(0) if _blank(executed) else number(executed)
    if e is None:
        return None, "executed_text"
    return percent(e, b), None


def funds_score(budget: Any, executed: Any, points: Any) -> FundsScore:
    """执行率 = 全年执行数 ÷ 全年预算数, 得分 = 执行率 × 分值 capped at 分值 (module docstring).

    Args:
        budget: 全年预算数 as typed.
        executed: 全年执行数 as typed (blank counts as 0).
        points: 分值 as its cell holds it (``profile.funds_points`` in a workbook from
            ``perfxl new``); blank or text: a 执行率 but no 得分.
    """
    p = None if _blank(points) else number(points)
    rate, why = funds_rate(budget, executed)
    if rate is None:
        return FundsScore(None, None, p, why)
    if p is None:
        return FundsScore(rate, None, None, "points_blank" if _blank(points) else "points_text")
    return FundsScore(rate, round2(min(max(rate, Decimal(0)), Decimal(100)) * p / 100), p)


# --- 分值 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointsProblem:
    """A problem with the 分值 of the indicator rows.

    Attributes:
        code: what is wrong (:data:`PointsCode`).
        level1: the weight group (or, for ``unknown_level1``, the 一级指标 as spelt; None
            when blank).
        rows: the rows concerned, as positions in the list given to :func:`split_points`.
        expected: the group's weight (``points_sum``, ``no_rows``).
        found: what the rows' points add up to (``points_sum``), or the typed value.
    """

    code: PointsCode
    level1: str | None
    rows: tuple[int, ...] = ()
    expected: Decimal | None = None
    found: Decimal | None = None


@dataclass(frozen=True)
class Split:
    """The points of every indicator row.

    Attributes:
        points: per row, the 分值 it is scored on: typed, else its share; None for a row in
            no weight group with nothing typed, and for a 分值 typed as text.
        shares: per row, its even share of the group's weight (the sheet's 默认分值); None
            for a row in no group.
        groups: per row, its weight group (a key of ``profile.weights``), or None.
        problems: what is wrong, in row order, then the groups without rows.
    """

    points: tuple[Decimal | None, ...]
    shares: tuple[Decimal | None, ...]
    groups: tuple[str | None, ...]
    problems: tuple[PointsProblem, ...] = ()


def group_of(level1: Any, profile: Profile = DEFAULT) -> str | None:
    """The weight group of a 一级指标: itself, or the group it shares (``weight_of``)."""
    name = canonical(level1) if isinstance(level1, str) else None
    if name is None:
        return None
    if name in profile.weights:
        return name
    shared = profile.weight_of.get(name)
    return shared if shared in profile.weights else None


def even_split(weight: Decimal, rows: int) -> list[Decimal]:
    """``weight`` over ``rows`` in whole cents, the leftover cents one each to the first rows."""
    cents = int(round2(weight) * 100)
    base, extra = divmod(cents, rows)
    return [Decimal(base + (1 if i < extra else 0)) / 100 for i in range(rows)]


def split_points(level1s: Sequence[Any], typed: Sequence[Any], profile: Profile = DEFAULT) -> Split:
    """The 分值 of every indicator row and the problems with them (module docstring).

    Args:
        level1s: each row's 一级指标, in sheet order (filled down over merged cells).
        typed: each row's typed 分值, None (or blank) where none is typed.
        profile: the scoring profile.

    Raises:
        ValueError: the two sequences differ in length.
    """
    if len(level1s) != len(typed):
        raise ValueError("one typed 分值 (or None) per row")
    groups = tuple(group_of(n, profile) for n in level1s)
    shares: list[Decimal | None] = [None] * len(groups)
    problems: list[PointsProblem] = []
    missing: list[PointsProblem] = []
    for g, weight in profile.weights.items():
        rows = [i for i, gi in enumerate(groups) if gi == g]
        if not rows:
            missing.append(PointsProblem("no_rows", g, (), weight))
            continue
        for i, share in zip(rows, even_split(weight, len(rows)), strict=True):
            shares[i] = share
    unknown: dict[str | None, list[int]] = {}
    for i, gi in enumerate(groups):
        if gi is None:
            raw = level1s[i]
            unknown.setdefault(canonical(raw) if isinstance(raw, str) else None, []).append(i)
    problems += [PointsProblem("unknown_level1", n, tuple(rows)) for n, rows in unknown.items()]
    points: list[Decimal | None] = list(shares)
    typed_groups: set[str] = set()
    for i, t in enumerate(typed):
        if _blank(t):
            continue
        d = number(t)
        if d is None:  # not a number: scored on nothing (no share), in the sheet too
            problems.append(PointsProblem("points_not_number", groups[i], (i,)))
            points[i] = None
            continue
        if d < 0:
            problems.append(PointsProblem("negative_points", groups[i], (i,), found=d))
        points[i] = d
        group = groups[i]
        if group is not None:
            typed_groups.add(group)
    for g, weight in profile.weights.items():
        if g in typed_groups:
            rows = [i for i, gi in enumerate(groups) if gi == g]
            found = decimal_sum(points[i] for i in rows)
            if found != weight:
                problems.append(PointsProblem("points_sum", g, tuple(rows), weight, found))
    problems.sort(key=lambda p: p.rows[:1] or (len(groups),))
    return Split(tuple(points), tuple(shares), groups, tuple(problems + missing))


# --- indicator rows -----------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorScore:
    """How one indicator row scores.

    Attributes:
        score: 得分 at 2 decimals (for a qualitative row, as typed, or the band's lowest);
            None when the row cannot be scored (see ``problems``).
        rule: the rule applied (正向, 反向, 等于, 定性); None for an empty 年度指标值.
        full: whether the row scores its full points.
        problems: what is wrong (:data:`ScoreProblem`), errors and warnings alike.
        over: the actual is above the target by the profile's ``explain_over`` or more.
        actual: the actual as compared: in the target's unit, negatives as 0.
        target: the target number as compared (a range's lower bound).
        band: a qualitative row's band in points (lowest, highest), when it has a grade.
        grade: the grade a qualitative row was scored by.
    """

    score: Decimal | None
    rule: Rule | None
    full: bool = False
    problems: tuple[ScoreProblem, ...] = ()
    over: bool = False
    actual: Decimal | None = None
    target: Decimal | None = None
    band: tuple[Decimal, Decimal] | None = None
    grade: str | None = None

    @property
    def needs_reason(self) -> bool:
        """Whether 偏差原因分析及改进措施 is required: scored short of full points, or over."""
        return (self.score is not None and not self.full) or self.over


def rule_of(target: Target) -> Rule | None:
    """The rule a parsed 年度指标值 is scored by; None when it is empty."""
    if target.kind == "empty":
        return None
    if target.kind == "qualitative":
        return QUALITATIVE
    if target.comparison in (">=", ">"):
        return UP
    if target.comparison in ("<=", "<"):
        return DOWN
    return EQUAL


def formula_target(target: Any) -> tuple[Rule | None, Decimal | None]:
    """What a sheet formula needs of a row's 年度指标值: (direction code, target number).

    The number is in the target's own unit (the unit a number cell's actual is read in), a
    range's lower bound; None for a qualitative, empty or negative target (no formula: a
    negative target cannot be scored).
    """
    t = target if isinstance(target, Target) else parse_target(target)
    rule = rule_of(t)
    n = _target_number(t)
    return rule, (n if n is not None and n >= 0 else None)


def quantitative_score(
    actual: Decimal, target: Decimal, points: Decimal, rule: Rule, reverse: ReverseRule = "linear"
) -> tuple[Decimal, bool]:
    """(得分, full) of a quantitative row by the rules of the module docstring.

    ``actual`` below 0 counts as 0; ``target`` is at least 0; ``rule`` is 正向, 反向 or 等于.
    """
    a = max(actual, Decimal(0))
    if rule == EQUAL and target == 0:
        return (round2(points), True) if a <= 0 else (Decimal(0), False)
    if rule == DOWN:
        if a <= target:
            return round2(points), True
        if reverse == "ratio":
            return round2(points * target / a), False
        if a >= 2 * target:
            return Decimal(0), False
        return round2(points * (1 - (a - target) / target)), False
    if rule in (UP, EQUAL):
        if a >= target:
            return round2(points), True
        return round2(points * a / target), False
    raise ValueError(f"not a quantitative rule: {rule}")


def explain_over(
    actual: Decimal | None, target: Decimal | None, profile: Profile = DEFAULT
) -> bool:
    """Whether an actual above its target by ``profile.explain_over`` percent or more (target
    above 0, both in one unit) needs 偏差原因分析 even at full points."""
    x = profile.explain_over
    if x is None or actual is None or target is None or target <= 0:
        return False
    return actual >= target * (1 + x / 100)


def indicator_score(
    target: Target | Any,
    actual: Any,
    points: Any,
    profile: Profile = DEFAULT,
    grade: Any = None,
    typed_score: Any = None,
) -> IndicatorScore:
    """Score one indicator row by the rules of the module docstring.

    Args:
        target: the 年度指标值, parsed or as in the cell.
        actual: 实际完成值 as typed (number or text).
        points: the row's 分值 (from :func:`split_points`); None when it has none.
        profile: the scoring profile.
        grade: a qualitative row's chosen grade (one of ``profile.bands``, or a short form).
        typed_score: 得分 as typed (a qualitative row's score; on a quantitative row it must
            be the rule's).
    """
    t = target if isinstance(target, Target) else parse_target(target)
    rule = rule_of(t)
    if rule is None:
        return IndicatorScore(None, None, problems=("empty_target",))
    p = None if _blank(points) else number(points)
    if rule == QUALITATIVE:
        return _qualitative(actual, p, profile, grade, typed_score)
    problems: list[ScoreProblem] = []
    target_n = _target_number(t)
    assert target_n is not None  # a quantitative target has a number
    if target_n < 0:
        return IndicatorScore(None, rule, problems=("negative_target",), target=target_n)
    a, unit, code = _read_actual(actual)
    if code is not None:
        return IndicatorScore(None, rule, problems=(code,), target=target_n)
    assert a is not None
    compared = _in_target_unit(a, unit, t)
    if compared is None:
        return IndicatorScore(None, rule, problems=("incomparable_units",), target=target_n)
    if compared < 0:
        problems.append("negative_actual")
        compared = Decimal(0)
    if t.is_percent and unit is None and 0 < compared <= 1 < target_n:
        problems.append("fraction_for_percent")
    over = explain_over(compared, target_n, profile)
    if p is None:
        problems.append("no_points")
        return IndicatorScore(None, rule, False, tuple(problems), over, compared, target_n)
    score, full = quantitative_score(compared, target_n, p, rule, profile.reverse)
    if not _blank(typed_score):
        typed = number(typed_score)
        if typed is None:
            problems.append("score_not_number")
        elif typed != score:
            problems.append("score_differs")
    return IndicatorScore(score, rule, full, tuple(problems), over, compared, target_n)


def lowest_shares(profile: Profile = DEFAULT) -> dict[str, int | float]:
    """Grade -> the lowest share (percent) of its band, as the sheet's 计入总分 spells it
    (`perfxl.layout.EvaluationForm.counted_formula`: 80, not 80.0)."""
    return {g: whole(float(low)) for g, (low, _) in profile.bands.items()}


def band_points(grade: str, points: Decimal, profile: Profile = DEFAULT) -> tuple[Decimal, Decimal]:
    """A grade's band in points: ``round2(share × points / 100)`` at both ends.

    Raises:
        KeyError: the profile has no such grade.
    """
    low, high = profile.bands[grade]
    return round2(low * points / 100), round2(high * points / 100)


def grade_of(value: Any, profile: Profile = DEFAULT) -> str | None:
    """A grade of the profile from a typed value (spaces ignored, short forms accepted)."""
    if not isinstance(value, str):
        return None
    g = "".join(value.split())
    g = GRADE_SHORT.get(g, g)
    return g if g in profile.bands else None


def _qualitative(
    actual: Any, points: Decimal | None, profile: Profile, grade: Any, typed_score: Any
) -> IndicatorScore:
    problems: list[ScoreProblem] = []
    typed = None if _blank(typed_score) else number(typed_score)
    if not _blank(typed_score) and typed is None:
        problems.append("score_not_number")
    chosen = grade_of(grade, profile) if not _blank(grade) else grade_of(actual, profile)
    if chosen is None:  # the typed score stands (the sheet counts it), unchecked against a band
        problems.append("missing_grade" if _blank(grade) else "unknown_grade")
        full = typed is not None and points is not None and typed == round2(points)
        return IndicatorScore(typed, QUALITATIVE, full, tuple(problems))
    if points is None:
        problems.append("no_points")
        return IndicatorScore(typed, QUALITATIVE, False, tuple(problems), grade=chosen)
    low, high = band_points(chosen, points, profile)
    if typed is None:
        if "score_not_number" in problems:
            return IndicatorScore(
                None, QUALITATIVE, False, tuple(problems), band=(low, high), grade=chosen
            )
        problems.append("score_defaulted")
        score = low
    else:
        score = typed
        if not low <= typed <= high:
            problems.append("outside_band")
    return IndicatorScore(
        score, QUALITATIVE, score == points, tuple(problems), band=(low, high), grade=chosen
    )


# --- 总分 and 自评等级 ---------------------------------------------------------------------


def total(scores: Sequence[Any]) -> Decimal:
    """总分: the sum of the scores (blanks and text left out, as ``SUM``), 2 decimals half up."""
    return round2(decimal_sum(scores))


def level_of(score: Decimal | None, profile: Profile = DEFAULT) -> str | None:
    """自评等级 of a 总分: the first level whose lowest 总分 it reaches, else 差; None for None."""
    if score is None:
        return None
    for name, lowest in profile.levels:
        if score >= lowest:
            return name
    return WORST_LEVEL


# --- helpers ------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _target_number(t: Target) -> Decimal | None:
    return None if t.number is None else Decimal(repr(t.number))


def _read_actual(actual: Any) -> tuple[Decimal | None, str | None, ScoreProblem | None]:
    """(number, unit, None), or (None, None, the problem)."""
    if _blank(actual):
        return None, None, "missing_actual"
    n = number(actual)
    if n is not None:
        return n, None, None
    if not isinstance(actual, str):
        return None, None, "qualitative_actual"
    parsed = parse_target(actual)
    if parsed.kind != "quantitative" or parsed.comparison != "=" or parsed.upper is not None:
        return None, None, "qualitative_actual"
    return _target_number(parsed), parsed.unit, None


def _in_target_unit(value: Decimal, unit: str | None, target: Target) -> Decimal | None:
    """The actual in the target's unit; None when the units cannot be compared."""
    if unit is None or target.unit is None or unit == target.unit:
        return value
    if unit in MONEY_UNITS and target.unit in MONEY_UNITS:
        per_unit = to_wan(Target(text="1", kind="quantitative", number=1.0, unit=unit))
        per_target = to_wan(Target(text="1", kind="quantitative", number=1.0, unit=target.unit))
        assert per_unit is not None and per_target is not None
        return value * Decimal(repr(per_unit)) / Decimal(repr(per_target))
    return None
