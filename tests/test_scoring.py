"""The self-evaluation scoring rules (issue 14): a table of cases worked out by hand.

Each case's expected figure is computed in the comment beside it, from the rules as the issue
states them (and ``perfxl/scoring.py``'s docstring repeats them): 正向 a ÷ t × p below the
target; 反向 (1 − (a − t) ÷ t) × p between t and 2t, 0 from 2t (``ratio``: t ÷ a × p);
等于 0: full only at 0; negatives count as 0; qualitative grades by their bands; 2 decimals,
halves up. The last test has LibreOffice compute the same rows with spreadsheet formulas of
the shape the docstring gives the sheet, and compares them with perfxl's figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine
from conftest import convert, libreoffice_profile
from patchfixtures import RECALC_ALWAYS

from perfxl.config import ConfigError, load_config
from perfxl.errors import PerfxlError
from perfxl.scoring import (
    DEFAULT,
    GRADES,
    PROFILES,
    IndicatorScore,
    PointsProblem,
    Profile,
    Rule,
    formula_target,
    funds_score,
    get_profile,
    indicator_score,
    level_of,
    quantitative_score,
    split_points,
    total,
)

D = Decimal
RATIO = PROFILES["ratio-reverse"]
TEN = D(10)
ACHIEVED, PARTLY, MISSED = GRADES  # 80–100 %, 60–80 %, 0–60 % of the points


@dataclass(frozen=True)
class Case:
    """One indicator row: what is typed, and what the rules give."""

    target: Any
    actual: Any
    score: str | None  # expected 得分, as text so that 10.00 and 10 both read as typed
    rule: Rule | None
    full: bool = False
    problems: tuple[str, ...] = ()
    points: Any = TEN
    profile: Profile = DEFAULT
    grade: Any = None
    typed: Any = None
    over: bool = False


CASES: dict[str, Case] = {
    # --- 正向 (≥, >, a range's lower bound) --------------------------------------------------
    # 96 ≥ 95 → full: 10.00
    "ge_above": Case("≥95%", 96, "10", "正向", True),
    # exactly the target: 95 ≥ 95 → full: 10.00
    "ge_exactly": Case("≥95%", 95, "10", "正向", True),
    # 90 ÷ 95 × 10 = 9.4736… → 9.47
    "ge_short": Case("≥95%", 90, "9.47", "正向"),
    # full-width target and actual: ＞＝９５％ is ≥95 %, ９０％ is 90 % → 9.47 as above
    "ge_full_width": Case("＞＝９５％", "９０％", "9.47", "正向"),
    # > behaves as ≥: 94.5 ÷ 95 × 10 = 9.9473… → 9.95
    "gt_short": Case(">95%", "94.5%", "9.95", "正向"),
    # Chinese words: 不低于95%, actual 0 → 0 ÷ 95 × 10 = 0.00
    "ge_word_zero": Case("不低于95%", 0, "0", "正向"),
    # 95%以上 is ≥; a negative actual counts as 0 → 0.00, with a warning
    "ge_negative_actual": Case("95%以上", -5, "0", "正向", problems=("negative_actual",)),
    # half a cent rounds up: 0.1 ÷ 8 × 10 = 0.125 → 0.13
    "ge_half_cent": Case("≥8", D("0.1"), "0.13", "正向"),
    # points split 16.66: 75 ÷ 100 × 16.66 = 12.495 → 12.50
    "ge_half_cent_points": Case("≥100%", 75, "12.50", "正向", points=D("16.66")),
    # a range scores 正向 against its lower bound: 85 ÷ 90 × 10 = 9.444… → 9.44
    "range_short": Case("90%-100%", 85, "9.44", "正向"),
    # a range's upper bound does not cap: 100 ≥ 90 → full 10.00
    "range_full": Case("90%～100%", 100, "10", "正向", True),
    # a plain 0.96 against a percent is 0.96 %: 0.96 ÷ 95 × 10 = 0.1010… → 0.10, warned
    "ge_fraction_for_percent": Case(
        "≥95%", 0.96, "0.10", "正向", problems=("fraction_for_percent",)
    ),
    # a target with no unit takes the actual's: 96% ≥ 95 → full
    "ge_unitless_target": Case("≥95", "96%", "10", "正向", True),
    # --- 等于 (=, a bare number) ----------------------------------------------------------------
    # a bare number is = to the parser; not 0, so as 正向: 1 ÷ 2 × 10 = 5.00
    "bare_short": Case("2个", 1, "5", "等于"),
    # 30人 ≥ 26人 → full
    "bare_above": Case("26人", "30人", "10", "等于", True),
    # a number cell target (100), actual 80 → 80 ÷ 100 × 10 = 8.00
    "number_cell_target": Case(100, 80, "8", "等于"),
    # =100%, 98 → as 正向: 98 ÷ 100 × 10 = 9.80
    "eq_hundred": Case("=100%", 98, "9.8", "等于"),
    # target 0: actual 0 ≤ 0 → full
    "eq_zero_met": Case("=0起", 0, "10", "等于", True),
    # target 0: actual 1 > 0 → 0.00
    "eq_zero_missed": Case("=0起", 1, "0", "等于"),
    # bare 0, actual −1 counts as 0 ≤ 0 → full, warned
    "eq_zero_negative": Case("0起", -1, "10", "等于", True, ("negative_actual",)),
    # --- 反向 linear (default profile) ---------------------------------------------------------
    # exactly the target: 10 ≤ 10 → full
    "le_exactly": Case("≤10万元", 10, "10", "反向", True),
    # twice the target: 20 ≥ 2 × 10 → 0.00
    "le_twice": Case("≤10万元", 20, "0", "反向"),
    # between: (1 − (15 − 10) ÷ 10) × 10 = 5.00
    "le_between": Case("≤10万元", 15, "5", "反向"),
    # just short of twice: (1 − 9.99 ÷ 10) × 10 = 0.01
    "le_just_under_twice": Case("≤10万元", D("19.99"), "0.01", "反向"),
    # beyond twice: 25 ≥ 20 → 0.00
    "le_beyond_twice": Case("≤10万元", 25, "0", "反向"),
    # 0 ≤ 10 → full
    "le_zero": Case("≤10万元", 0, "10", "反向", True),
    # 元 against 万元: 83380元 = 8.338万元 ≤ 10 → full
    "le_yuan_actual": Case("≤10万元", "83380元", "10", "反向", True),
    # 120000元 = 12万元: (1 − 2 ÷ 10) × 10 = 8.00
    "le_yuan_over": Case("≤10万元", "120000元", "8", "反向"),
    # 万元 against 元: 12万元 = 120000元: (1 − 20000 ÷ 100000) × 10 = 8.00
    "le_wan_actual": Case("≤100000元", "12万元", "8", "反向"),
    # < behaves as ≤: 6 天 against <5天: (1 − 1 ÷ 5) × 10 = 8.00
    "lt_between": Case("<5天", 6, "8", "反向"),
    # full-width: ≤１０万元, １５万元 → 5.00 as le_between
    "le_full_width": Case("≤１０万元", "１５万元", "5", "反向"),
    # 不超过 is ≤: 11 → (1 − 1 ÷ 10) × 16.67 = 15.003 → 15.00
    "le_word_points": Case("不超过10天", 11, "15", "反向", points=D("16.67")),
    # --- 反向 ratio (ratio-reverse profile) ----------------------------------------------------
    # exactly the target → full
    "ratio_exactly": Case("≤10万元", 10, "10", "反向", True, profile=RATIO),
    # twice: 10 ÷ 20 × 10 = 5.00 (linear would give 0); this profile's explain_over flags an
    # actual 30 % or more above the target (20 ≥ 13) whatever the direction
    "ratio_twice": Case("≤10万元", 20, "5", "反向", profile=RATIO, over=True),
    # four times: 10 ÷ 40 × 10 = 2.50 (40 ≥ 13: over)
    "ratio_four_times": Case("≤10万元", 40, "2.5", "反向", profile=RATIO, over=True),
    # 3 ÷ 7 × 10 = 4.2857… → 4.29 (7 ≥ 3.9: over)
    "ratio_days": Case("≤3天", 7, "4.29", "反向", profile=RATIO, over=True),
    # 10 ÷ 12.5 × 10 = 8.00; 12.5 < 10 × 1.3 = 13: not over
    "ratio_under_30": Case("≤10万元", D("12.5"), "8", "反向", profile=RATIO),
    # --- explain_over (ratio-reverse: 30 % over needs a reason) --------------------------------
    # 130 ≥ 100 × 1.3 → over, and full
    "over_at_30": Case("≥100人", 130, "10", "正向", True, profile=RATIO, over=True),
    # 129.99 < 130 → not over
    "over_below_30": Case("≥100人", D("129.99"), "10", "正向", True, profile=RATIO),
    # the default profile has no explain_over: 200 is not flagged
    "over_default": Case("≥100人", 200, "10", "正向", True),
    # --- what cannot be scored ------------------------------------------------------------------
    # % against ‰: incomparable, no score
    "units_permille": Case("≥95%", "95‰", None, "正向", problems=("incomparable_units",)),
    # 人 against 人次: incomparable
    "units_person_times": Case("≥26人", "26人次", None, "正向", problems=("incomparable_units",)),
    # text for a quantitative target
    "actual_text": Case("≥95%", "基本完成", None, "正向", problems=("qualitative_actual",)),
    # an actual written as a comparison is not a value
    "actual_comparison": Case("≥95%", "≥96%", None, "正向", problems=("qualitative_actual",)),
    # blank actual
    "actual_missing": Case("≥95%", None, None, "正向", problems=("missing_actual",)),
    # blank target
    "target_empty": Case("", 5, None, None, problems=("empty_target",)),
    # a negative target cannot be compared with actuals counted from 0
    "target_negative": Case("≥-5%", 3, None, "正向", problems=("negative_target",)),
    # no points for the row
    "no_points": Case("≥95%", 96, None, "正向", problems=("no_points",), points=None),
    # a typed 得分 that is not the rule's: 9.47 by the rule, 9.5 typed
    "typed_differs": Case("≥95%", 90, "9.47", "正向", problems=("score_differs",), typed=9.5),
    # a typed 得分 that is the rule's: no problem
    "typed_agrees": Case("≥95%", 90, "9.47", "正向", typed=D("9.47")),
    # --- 定性: bands 80–100 %, 60–80 %, 0–60 % of the points, both ends included -------------
    # 达成 band [8, 10]: 9 inside
    "grade_achieved_inside": Case(
        "规定期限内支付", "按期支付", "9", "定性", grade=ACHIEVED, typed=9
    ),
    # 10 = full
    "grade_achieved_full": Case(
        "规定期限内支付", None, "10", "定性", True, grade=ACHIEVED, typed=10
    ),
    # 8 is the band's lowest: inside
    "grade_achieved_low": Case("规定期限内支付", None, "8", "定性", grade=ACHIEVED, typed=8),
    # 7.99 < 8: outside (the typed score stays)
    "grade_achieved_below": Case(
        "规定期限内支付",
        None,
        "7.99",
        "定性",
        problems=("outside_band",),
        grade=ACHIEVED,
        typed=D("7.99"),
    ),
    # 部分达成 band [6, 8]: 8 (top) inside
    "grade_partly_top": Case("质量合格", None, "8", "定性", grade=PARTLY, typed=8),
    # 6 (bottom) inside
    "grade_partly_low": Case("质量合格", None, "6", "定性", grade=PARTLY, typed=6),
    # 5.99 < 6 outside
    "grade_partly_below": Case(
        "质量合格", None, "5.99", "定性", problems=("outside_band",), grade=PARTLY, typed=D("5.99")
    ),
    # 未达成 band [0, 6]: 6 inside, 6.01 outside
    "grade_missed_top": Case("质量合格", None, "6", "定性", grade=MISSED, typed=6),
    "grade_missed_above": Case(
        "质量合格", None, "6.01", "定性", problems=("outside_band",), grade=MISSED, typed=D("6.01")
    ),
    # no score typed: the band's lowest, 60 % × 10 = 6.00, warned; the grade typed in 实际完成值
    # as its short form 部分达成
    "grade_from_actual_default": Case(
        "群众满意", "部分达成", "6", "定性", problems=("score_defaulted",)
    ),
    # lowest of 达成 with 16.67 points: 80 % × 16.67 = 13.336 → 13.34
    "grade_default_split": Case(
        "规定期限内支付",
        None,
        "13.34",
        "定性",
        problems=("score_defaulted",),
        points=D("16.67"),
        grade=ACHIEVED,
    ),
    # a deadline (a date) is qualitative: 未达成 lowest is 0.00
    "grade_date_target": Case(
        "2023年12月31日前完成", None, "0", "定性", problems=("score_defaulted",), grade=MISSED
    ),
    # no grade: the typed score is kept but the grade is missing
    "grade_missing": Case(
        "规定期限内支付", "已按期完成", "9", "定性", problems=("missing_grade",), typed=9
    ),
    # a grade that is not one of the three
    "grade_unknown": Case(
        "规定期限内支付", None, None, "定性", problems=("unknown_grade",), grade="很好"
    ),
    # 得分 typed as text
    "grade_score_text": Case(
        "规定期限内支付",
        None,
        None,
        "定性",
        problems=("score_not_number",),
        grade=ACHIEVED,
        typed="九分",
    ),
}


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert {c.rule for c in CASES.values()} == {"正向", "反向", "等于", "定性", None}


@pytest.mark.parametrize("name", list(CASES))
def test_indicator_case(name: str) -> None:
    c = CASES[name]
    got = indicator_score(c.target, c.actual, c.points, c.profile, c.grade, c.typed)
    expected = None if c.score is None else D(c.score)
    assert (got.score, got.rule, got.full, got.problems, got.over) == (
        expected,
        c.rule,
        c.full,
        c.problems,
        c.over,
    )
    if got.score is not None and got.rule != "定性":
        assert got.score == got.score.quantize(D("0.01"))  # 2 decimals, exactly


def test_units_are_converted_before_comparing() -> None:
    r = indicator_score("≤10万元", "83380元", TEN)
    assert (r.actual, r.target) == (D("8.338"), D(10))
    r = indicator_score("≤100000元", "12万元", TEN)
    assert (r.actual, r.target) == (D(120000), D(100000))


def test_needs_reason_short_of_full_or_over() -> None:
    assert indicator_score("≥95%", 90, TEN).needs_reason
    assert not indicator_score("≥95%", 96, TEN).needs_reason
    assert indicator_score("≥100人", 130, TEN, RATIO).needs_reason
    assert not indicator_score("≥95%", None, TEN).needs_reason  # nothing scored yet


def test_qualitative_band_is_in_points() -> None:
    r = indicator_score("群众满意", None, D("16.67"), grade=PARTLY, typed_score=12)
    # 60 % × 16.67 = 10.002 → 10.00; 80 % × 16.67 = 13.336 → 13.34
    assert (r.band, r.grade, r.problems) == ((D("10.00"), D("13.34")), PARTLY, ())


def test_quantitative_score_refuses_a_qualitative_rule() -> None:
    with pytest.raises(ValueError):
        quantitative_score(D(1), D(1), TEN, "定性")


# --- 预算执行率 ------------------------------------------------------------------------------
FUNDS = [
    # the real form's 本年财政拨款 row: 89.974 ÷ 90 = 99.971…% → 99.97; × 10 = 9.997 → 10.00
    (90, 89.974, 10, "99.97", "10.00", None),
    # the real form's 0 / 0 / 0 row: no budget, no rate, no score
    (0, 0, 10, None, None, "no_budget"),
    # above the budget: 120 % → capped at 100 %: 10.00
    (100, 120, 10, "120.00", "10.00", None),
    # 1.01 ÷ 8 = 12.625 % → 12.63 (half up); × 10 ÷ 100 = 1.263 → 1.26
    (8, 1.01, 10, "12.63", "1.26", None),
    # 87.5 % of 5 points = 4.375 → 4.38 (half up)
    (100, 87.5, 5, "87.50", "4.38", None),
    # blank 全年执行数 counts as 0: 0.00 % → 0.00
    (100, None, 10, "0.00", "0.00", None),
    # a negative 执行数: −5.00 %, the score does not go below 0
    (100, -5, 10, "-5.00", "0.00", None),
    # text amounts: no rate
    ("九十", 80, 10, None, None, "budget_text"),
    (100, "五十", 10, None, None, "executed_text"),
    # 分值 typed as text: a rate, no score
    (100, 50, "十", "50.00", None, "points_text"),
    # 分值 left blank (not 0, not the profile's 10): a rate, no score, in the sheet too
    (100, 50, None, "50.00", None, "points_blank"),
    (100, 50, " ", "50.00", None, "points_blank"),
]


@pytest.mark.parametrize(("budget", "executed", "points", "rate", "score", "reason"), FUNDS)
def test_funds_case(
    budget: Any, executed: Any, points: Any, rate: str | None, score: str | None, reason: str | None
) -> None:
    got = funds_score(budget, executed, points)
    as_dec = (None if rate is None else D(rate), None if score is None else D(score))
    assert (got.rate, got.score, got.reason) == (*as_dec, reason)


def test_funds_full_when_the_score_reaches_the_points() -> None:
    assert funds_score(90, 89.974, 10).full  # 9.997 → 10.00
    assert not funds_score(100, 99.9, 10).full  # 9.99
    assert funds_score(100, 50, 20).score == D(10)
    assert not funds_score(100, 100, None).full  # no 分值, no score


# --- 分值 ---------------------------------------------------------------------------------
def _points(level1s: list[Any], typed: list[Any] | None = None, profile: Profile = DEFAULT) -> Any:
    s = split_points(level1s, typed or [None] * len(level1s), profile)
    return [None if p is None else str(p) for p in s.points], list(s.problems)


OUT, BEN, SAT, COST = "产出指标", "效益指标", "满意度指标", "成本指标"


def test_split_remainder_cents_go_to_the_first_rows() -> None:
    # 50 over 3 = 16.666…: 5000 cents = 3 × 1666 + 2 → 16.67, 16.67, 16.66 (sum 50.00)
    # 30 over 1 = 30; 10 over 3: 1000 = 3 × 333 + 1 → 3.34, 3.33, 3.33
    pts, problems = _points([OUT, OUT, OUT, BEN, SAT, SAT, SAT])
    assert pts == ["16.67", "16.67", "16.66", "30", "3.34", "3.33", "3.33"]
    assert problems == []


def test_split_of_fifty_over_seven() -> None:
    # 5000 cents = 7 × 714 + 2 → 7.15, 7.15, then five of 7.14: 14.30 + 35.70 = 50.00
    pts, _ = _points([OUT] * 7 + [BEN, SAT])
    assert pts[:7] == ["7.15", "7.15", "7.14", "7.14", "7.14", "7.14", "7.14"]


@pytest.mark.parametrize("rows", range(1, 41))
def test_split_always_adds_up_to_the_weight(rows: int) -> None:
    s = split_points([OUT] * rows + [BEN, SAT], [None] * (rows + 2))
    shares = [p for p in s.points[:rows] if p is not None]
    assert len(shares) == rows and sum(shares) == D(50)
    assert max(shares) - min(shares) <= D("0.01")


def test_split_cost_counts_with_output_and_names_without_zhibiao() -> None:
    # 2021 framework: 成本指标 shares 产出指标's 50 over 2 + 1 rows → 16.67, 16.67, 16.66
    pts, problems = _points(["产出", COST, "产出指标 ", BEN, SAT])
    assert pts == ["16.67", "16.67", "16.66", "30", "10"]
    assert problems == []


def test_split_typed_points_must_add_up() -> None:
    # typed 20 + 20 + 10 = 50: accepted
    pts, problems = _points([OUT, OUT, OUT, BEN, SAT], [20, 20, 10, None, None])
    assert pts[:3] == ["20", "20", "10"] and problems == []
    # typed 20 + 20 + 20 = 60 ≠ 50
    _, problems = _points([OUT, OUT, OUT, BEN, SAT], [20, 20, 20, None, None])
    assert problems == [PointsProblem("points_sum", OUT, (0, 1, 2), D(50), D(60))]


def test_split_partly_typed_keeps_the_other_shares() -> None:
    # 20 typed on the first row, a blank (spaces) on the third: the others keep their shares
    # 16.67 and 16.66: 20 + 16.67 + 16.66 = 53.33 ≠ 50
    pts, problems = _points([OUT, OUT, OUT, BEN, SAT], [20, None, " ", None, None])
    assert pts[:3] == ["20", "16.67", "16.66"]
    assert problems == [PointsProblem("points_sum", OUT, (0, 1, 2), D(50), D("53.33"))]


def test_split_a_weight_without_rows_is_not_redistributed() -> None:
    # no 满意度 rows: 产出 50 over 2 = 25, 效益 30; 10 points lost, reported
    pts, problems = _points([OUT, OUT, BEN])
    assert pts == ["25", "25", "30"]
    assert problems == [PointsProblem("no_rows", SAT, (), D(10))]


def test_split_unknown_first_level_and_bad_typed_points() -> None:
    pts, problems = _points([OUT, "其他", None, BEN, SAT], [None, 5, None, "三十", -1])
    # 其他指标 and a blank 一级指标 are in no group: the typed 5 kept, the blank row has none;
    # 三十 is not a number: the row has no points (perfxl and the sheet score nothing on
    # it); −1 is taken but reported
    assert pts == ["50", "5", None, None, "-1"]
    assert problems == [
        PointsProblem("unknown_level1", "其他指标", (1,)),
        PointsProblem("unknown_level1", None, (2,)),
        PointsProblem("points_not_number", BEN, (3,)),
        PointsProblem("negative_points", SAT, (4,), found=D(-1)),
        PointsProblem("points_sum", SAT, (4,), D(10), D(-1)),
    ]


def test_split_needs_one_typed_value_per_row() -> None:
    with pytest.raises(ValueError):
        split_points([OUT, BEN], [None])


# --- 总分 and 自评等级 -----------------------------------------------------------------------
def test_total_of_full_scores_is_exactly_100() -> None:
    # 10.00 + 16.67 + 16.67 + 16.66 + 30 + 10 = 100.00
    assert total([D("10.00"), D("16.67"), D("16.67"), D("16.66"), D(30), D(10)]) == D("100.00")


def test_total_leaves_out_blanks_and_rounds_once() -> None:
    # 9.47 + 5 = 14.47 (None and the text — left out, as SUM does)
    assert total([D("9.47"), None, "—", 5]) == D("14.47")
    # typed 8.125 + 1 = 9.125 → 9.13 (half up)
    assert total([D("8.125"), 1]) == D("9.13")
    assert total([]) == D("0.00")


@pytest.mark.parametrize(
    ("score", "level"),
    [
        ("100", "优"),
        ("90", "优"),  # 90 is 优
        ("89.99", "良"),
        ("80", "良"),  # 80 is 良
        ("79.99", "中"),
        ("60", "中"),  # 60 is 中
        ("59.99", "差"),
        ("0", "差"),
    ],
)
def test_level_boundaries(score: str, level: str) -> None:
    assert level_of(D(score)) == level
    assert level_of(D(score), RATIO) == level  # both profiles share the levels


def test_level_of_nothing() -> None:
    assert level_of(None) is None


# --- profiles and config ------------------------------------------------------------------
def test_profiles_by_name() -> None:
    assert get_profile("default") is DEFAULT
    assert get_profile("ratio-reverse").reverse == "ratio"
    with pytest.raises(PerfxlError) as err:
        get_profile("guangdong")
    assert "guangdong" in str(err.value)
    assert "default" in str(err.value) and "ratio-reverse" in str(err.value)


def test_config_selects_the_profile(tmp_path: Path) -> None:
    from perfxl.config import SHIPPED_PROFILE

    assert load_config(None).evaluation_profile == "default" == SHIPPED_PROFILE == DEFAULT.name
    f = tmp_path / "county.toml"
    f.write_text('[evaluation]\nprofile = "ratio-reverse"\n', encoding="utf-8")
    assert get_profile(load_config(f).evaluation_profile) is RATIO
    f.write_text('[evaluation]\nprofile = "nope"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(f)
    assert "evaluation.profile" in str(err.value) and "ratio-reverse" in str(err.value)


def test_formula_target() -> None:
    assert formula_target("≥９５％") == ("正向", D(95))
    assert formula_target("90%-100%") == ("正向", D(90))
    assert formula_target("≤10万元") == ("反向", D(10))
    assert formula_target("0起") == ("等于", D(0))
    assert formula_target("规定期限内支付") == ("定性", None)
    assert formula_target("≥-5%") == ("正向", None)
    assert formula_target(None) == (None, None)


# --- the same figures from spreadsheet formulas (LibreOffice) ------------------------------
def _sheet_formula(row: int, reverse: str) -> str:
    """得分 as the scoring docstring tells the sheet: columns actual, target, points, code."""
    x, t, p, d = (f"{c}{row}" for c in "ABCD")
    x = f"MAX(0,{x})"
    up = f"IF({x}>={t},1,{x}/{t})"
    if reverse == "ratio":
        down = f"IF({x}<={t},1,{t}/{x})"
    else:
        down = f"IF({x}<={t},1,IF({x}>=2*{t},0,1-({x}-{t})/{t}))"
    equal = f"IF({t}=0,IF({x}<=0,1,0),{up})"
    factor = f'IF({d}="正向",{up},IF({d}="反向",{down},{equal}))'
    return f"=ROUND({factor}*{p},2)"


def _numeric_cases() -> list[tuple[Decimal, Decimal, Decimal, Rule, str]]:
    """Every table case a formula can score, plus a sweep of half-cent boundaries."""
    out: list[tuple[Decimal, Decimal, Decimal, Rule, str]] = []
    for c in CASES.values():
        rule, target = formula_target(c.target)
        numeric = isinstance(c.actual, int | float | Decimal)
        if rule in ("正向", "反向", "等于") and target is not None and c.points and numeric:
            actual = D(repr(c.actual)) if isinstance(c.actual, float) else D(c.actual)
            out.append((actual, target, D(c.points), rule, c.profile.reverse))
    for pts in ("16.66", "16.67", "3.33", "3.34", "7.14", "10", "30"):
        for a, t in (("75", "100"), ("1.01", "8"), ("0.15", "1"), ("2.5", "4"), ("13", "20")):
            out.append((D(a), D(t), D(pts), "正向", "linear"))
            out.append((D(t) + D(a) / 10, D(t), D(pts), "反向", "linear"))
            out.append((D(t) + D(a) / 10, D(t), D(pts), "反向", "ratio"))
    return out


def _float_score(a: Decimal, t: Decimal, p: Decimal, rule: Rule, reverse: str) -> Decimal:
    """The score in binary floats with Python's round(): what perfxl must not do."""
    x, tf, pf = max(float(a), 0.0), float(t), float(p)
    if rule == "反向":
        f = 1 if x <= tf else (tf / x if reverse == "ratio" else max(0.0, 1 - (x - tf) / tf))
    elif rule == "等于" and tf == 0:
        f = 1 if x <= 0 else 0
    else:
        f = 1 if x >= tf else x / tf
    return D(repr(round(f * pf, 2)))


def test_the_sweep_has_cases_a_float_rounds_differently() -> None:
    """The formula comparison is worth running: floats get some of these half cents wrong."""
    wrong = [c for c in _numeric_cases() if _float_score(*c) != quantitative_score(*c)[0]]
    # 0.1 ÷ 8 × 10 = 0.125 → 0.13 (a float: 0.12); 75 % of 3.34 = 2.505 → 2.51 (a float: 2.5)
    assert (D("0.1"), D(8), D(10), "正向", "linear") in wrong
    assert (D(75), D(100), D("3.34"), "正向", "linear") in wrong


@pytest.mark.libreoffice
def test_libreoffice_formulas_give_perfxl_figures(tmp_path: Path) -> None:
    cases = _numeric_cases()
    assert len(cases) >= 120
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for r, (a, t, p, rule, reverse) in enumerate(cases, start=1):
        ws.append([float(a), float(t), float(p), rule, _sheet_formula(r, reverse)])
        # 总分 and 自评等级 of the row's score plus 80 (crossing 90 somewhere): ROUND(SUM) and IFs
        ws.cell(r, 6, f"=ROUND(SUM(E{r},80),2)")
        ws.cell(r, 7, f'=IF(F{r}>=90,"优",IF(F{r}>=80,"良",IF(F{r}>=60,"中","差")))')
    src = tmp_path / "cases.xlsx"
    wb.save(src)
    out = tmp_path / "lo"
    out.mkdir()
    convert([src], "xlsx", out, profile=libreoffice_profile("recalc", RECALC_ALWAYS))
    book = python_calamine.CalamineWorkbook.from_path(str(out / "cases.xlsx"))
    rows = book.get_sheet_by_index(0).to_python()
    book.close()
    for (a, t, p, rule, reverse), row in zip(cases, rows, strict=True):
        score, _ = quantitative_score(a, t, p, rule, reverse)
        assert D(repr(row[4])) == score, (a, t, p, rule, reverse, row)
        assert D(repr(row[5])) == total([score, 80])
        assert row[6] == level_of(total([score, 80]))


def test_indicator_score_record_defaults() -> None:
    r = IndicatorScore(None, None)
    assert (r.full, r.problems, r.over, r.needs_reason) == (False, (), False, False)
