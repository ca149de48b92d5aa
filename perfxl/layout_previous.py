"""The later stages' formulas as perfxl drew them before they followed its rules for text and
blank cells: kept, as code, to recognise them in workbooks already in the field.

Until then the monitoring and self-evaluation sheets counted a text amount or 分值 as 0
(``N()``) and a cleared 分值 as 0 points, where perfxl makes no figure or scores the row's
share (`docs/scoring.md`, “The sheet's formulas”): two answers for one number. Each function
here gives the text the form drew in one cell then (without ``=``), built from the same
:mod:`perfxl.layout` declaration as the current formula of that cell, so a moved or revised
form is followed too. ``compute`` puts the current formula in place of one of these
(`perfxl.write.percentages.percent_write`, `perfxl.write.scores`) and says so as an update;
any other formula is the user's and is left alone. Pure core; nothing draws these any more.
"""

from __future__ import annotations

from collections.abc import Mapping

from perfxl.cells import a1
from perfxl.layout import EvaluationForm, MonitoringCover, MonitoringForm, percent_formula


def monitoring_rate(form: MonitoringForm, row_key: str) -> str:
    """执行率: 1-X月执行数 over 调整后预算数 (年初预算数 when it is ``""``), text counted 0."""
    initial = form.funds_cell(row_key, "initial")
    adjusted = form.funds_cell(row_key, "adjusted")
    budget = f'IF({adjusted}="",{initial},{adjusted})'
    return percent_formula(form.funds_cell(row_key, "executed"), budget)


def time_share(cover: MonitoringCover) -> str:
    """序时进度: any number but 0 taken for a month (13 gave 108.33 %)."""
    m = cover.month.ref
    return f'IF(N({m})=0,"",ROUND({m}/12,4))'


def evaluation_rate(form: EvaluationForm, row_key: str) -> str:
    """执行率: 全年执行数 over 全年预算数, text counted 0."""
    return percent_formula(form.funds_cell(row_key, "executed"), form.funds_cell(row_key, "budget"))


def funds_score(form: EvaluationForm) -> str:
    """得分 of 年度资金总额: a blank or text 分值 counted 0."""
    rate = form.funds_cell("total", "rate")
    points = form.funds_cell("total", "points")
    return f'IF({rate}="","",ROUND(MIN(1,MAX(0,{rate}))*N({points}),2))'


def score(form: EvaluationForm, row: int, reverse: str) -> str:
    """得分 of a quantitative row: a cleared or text 分值 counted 0."""
    from perfxl.scoring import QUALITATIVE  # scoring imports errors, layout

    d, x = form.indicator_cell(row, "direction"), form.indicator_cell(row, "number")
    points = f"N({form.indicator_cell(row, 'points')})"
    factor = form.score_factor(row, reverse)
    return f'IF(OR({d}="",{d}="{QUALITATIVE}",{x}=""),"",ROUND({factor}*{points},2))'


def counted(
    form: EvaluationForm,
    row: int,
    lowest: Mapping[str, object],
    grades: Mapping[str, tuple[str, ...]],
) -> str:
    """计入总分: a text 分值 counted 0 (so 总分 was made without the row's points)."""
    from perfxl.scoring import QUALITATIVE

    d, score_, actual = (form.indicator_cell(row, k) for k in ("direction", "score", "actual"))
    points = f"N({form.indicator_cell(row, 'points')})"
    share = form.lowest_share(row, lowest, grades)
    fallback = (
        f'IF({d}="{QUALITATIVE}",ROUND({share}*{points}/100,2),IF(OR({d}="",{actual}=""),0,""))'
    )
    return f"IF(ISNUMBER({score_}),{score_},{fallback})"


def points_total(form: EvaluationForm, first: int, last: int) -> str:
    """The 总分 row's 分值: a cleared 分值 counted 0."""
    col = form.indicator_columns["points"][0]
    funds = form.funds_cell("total", "points")
    return f"N({funds})+SUM({a1(first, col)}:{a1(last, col)})"


def total(form: EvaluationForm, first: int, last: int) -> str:
    """总分: made whatever 年度资金总额's amounts and 分值 held."""
    counted_ = form.helper_range("counted", first, last)
    funds = form.funds_cell("total", "score")
    return f'IF(SUMPRODUCT(({counted_}="")*1)>0,"",ROUND(N({funds})+SUM({counted_}),2))'
