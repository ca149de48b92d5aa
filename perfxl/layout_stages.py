"""The later stages' sheets of the form: 绩效运行监控 (mid-year) and 绩效自评 (year end).

Part of the form's one declaration (:mod:`perfxl.layout`), kept in a module of its own so
that a targets workbook (``perfxl validate``, a consolidation's workers) does not build them:
`perfxl.layout.Layout` makes the standard ones (`STANDARD`) when one of its stage forms is
first asked for. ``perfxl.layout.MonitoringForm`` and the other names still resolve here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from perfxl import constants as C
from perfxl import layout as L
from perfxl.cells import a1, col_letter
from perfxl.layout import (
    Columns,
    Field,
    Label,
    _find,
    _span,
    blank,
    not_number,
    stage_rate_formula,
)


class _StageForm:
    """What the monitoring and self-evaluation project sheets share (a plain base, not a
    dataclass: each form declares the attributes below as its fields)."""

    carried: tuple[Field, ...]
    fields: tuple[Field, ...]
    funds_rows: Mapping[str, int]
    funds_columns: Mapping[str, tuple[int, int]]
    column_widths: tuple[float, ...]
    indicator_columns: Columns
    TITLE: ClassVar[tuple[str, str]]  # the title when the name is blank, and its suffix

    @property
    def width(self) -> int:
        """The number of visible columns of the table (helper columns are to its right)."""
        return len(self.column_widths)

    def field(self, key: str) -> Field:
        """The carried or input field of ``key`` (``name``, ``total/executed``)."""
        return _find(self.carried + self.fields, key)

    def funds_cell(self, row_key: str, column_key: str) -> str:
        """The cell of a funds row's column (``total``, ``executed``)."""
        return a1(self.funds_rows[row_key], self.funds_columns[column_key][0])

    def title_formula(self) -> str:
        """The title: the project's name followed by the form's suffix (监控表, 自评表)."""
        name = self.field("name").ref
        blank, suffix = self.TITLE
        return f'=IF({name}="","{blank}",{name}&"{suffix}")'

    def indicator_span(self, row: int, key: str) -> str:
        """The cell (or merged range) of one indicator column in a row of the table."""
        return _span(row, *self.indicator_columns[key])


@dataclass(frozen=True)
class MonitoringForm(_StageForm):
    """The monitoring project sheet (项目支出绩效目标执行监控表).

    Under the targets' header (unit line, 项目编码, 项目名称): the funds block (rows 年度资金总额
    / 其中：财政资金 / 其他资金, one per ``funds_rows`` key, × ``funds_columns``), 年度总体目标
    (the targets' 绩效目标, carried) and 1-X月目标完成情况, then the indicator table. Carried
    cells are locked; ``fields`` are the clerk's inputs; label texts may hold ``{X}``.

    Attributes:
        carried: fields holding the targets (locked): code, name, the 年初预算数 of each funds
            row (``total/initial`` ...), goals.
        fields: the inputs (``total/adjusted``, ``progress`` ...).
        funds_rows: model key (``total``, ``fiscal``, ``other``) -> its row.
        rate_column: the 执行率 column of the funds block (a formula per row).
        light_cells: the project's light (执行率 against 序时), beside the funds block.
        indicator_columns: key -> columns; carried keys ``level1``..``target``, then the
            inputs ``current`` .. ``remedy`` and ``light``.
    """

    title: Label
    unit_line: Field
    anchor: Label
    labels: tuple[Label, ...]
    carried: tuple[Field, ...]
    fields: tuple[Field, ...]
    funds_rows: Mapping[str, int]
    funds_columns: Mapping[str, tuple[int, int]]  # initial/adjusted/executed/rate/forecast
    light_cell: str
    column_widths: tuple[float, ...]
    indicator_header_row: int
    indicator_first_row: int
    indicator_columns: Columns
    TITLE: ClassVar[tuple[str, str]] = (C.MONITORING_TITLE_BLANK, C.MONITORING_TITLE_SUFFIX)

    def budget_formula(self, row_key: str) -> str:
        """The budget a funds row's 执行率 divides by: 调整后预算数, or 年初预算数 when that is
        blank (`perfxl.monitoring.budget_of`)."""
        initial = self.funds_cell(row_key, "initial")
        adjusted = self.funds_cell(row_key, "adjusted")
        return f"IF({blank(adjusted)},{initial},{adjusted})"

    def rate_formula(self, row_key: str) -> str:
        """执行率 of a funds row, without ``=``: 1-X月执行数 over 调整后预算数, or over
        年初预算数 when that is blank; blank where `perfxl.monitoring.execution_rate` gives
        none (:func:`stage_rate_formula`)."""
        return stage_rate_formula(
            self.funds_cell(row_key, "executed"), self.budget_formula(row_key)
        )


@dataclass(frozen=True)
class MonitoringCover:
    """What the monitoring cover adds to the targets' cover: stage, month and 序时进度."""

    labels: tuple[Label, ...]
    stage: Field
    month: Field
    time_share: Field  # a formula: month / 12
    headers: tuple[str, ...]
    widths: tuple[float, ...]

    def time_share_formula(self) -> str:
        """序时进度 as a fraction (4 places), without ``=``; blank without a month, as
        `perfxl.model.month_number` reads one: a whole number 1-12 (not text, not 7.5)."""
        m = self.month.ref
        return f'IF(OR(NOT(ISNUMBER({m})),N({m})<1,N({m})>12,MOD(N({m}),1)<>0),"",ROUND({m}/12,4))'


@dataclass(frozen=True)
class EvaluationForm(_StageForm):
    """The self-evaluation project sheet (项目支出绩效自评表).

    The visible table is the official form; to its right, hidden helper columns hold per
    indicator row what the sheet's formulas need and a spreadsheet cannot parse from the
    carried text (the first-level group and its weight, the direction and the target's
    number, the actual as a number, the score counted in 总分). The 总分 row follows the
    last indicator row.
    """

    title: Label
    unit_line: Field
    anchor: Label
    labels: tuple[Label, ...]
    carried: tuple[Field, ...]
    fields: tuple[Field, ...]
    funds_rows: Mapping[str, int]
    funds_columns: Mapping[str, tuple[int, int]]  # initial/budget/executed/points/rate/score
    column_widths: tuple[float, ...]
    indicator_header_row: int
    indicator_first_row: int
    indicator_columns: Columns
    helper_columns: Mapping[str, int]  # group/weight/split/direction/target/actual/counted
    total_columns: Columns  # the 总分 row: label, points, score, level_label, level
    TITLE: ClassVar[tuple[str, str]] = (C.EVALUATION_TITLE_BLANK, C.EVALUATION_TITLE_SUFFIX)

    def indicator_cell(self, row: int, key: str) -> str:
        """The cell of an indicator column, or of a helper column, in a row of the table."""
        if key in self.helper_columns:
            return a1(row, self.helper_columns[key])
        return a1(row, self.indicator_columns[key][0])

    def total_row(self, last_indicator_row: int) -> int:
        """The 总分 row: right below the last indicator row."""
        return last_indicator_row + 1

    def total_cell(self, last_indicator_row: int, key: str) -> str:
        """A cell of the 总分 row (``points``, ``score``, ``level``)."""
        return a1(self.total_row(last_indicator_row), self.total_columns[key][0])

    def total_span(self, last_indicator_row: int, key: str) -> str:
        """A cell (or merged range) of the 总分 row."""
        return _span(self.total_row(last_indicator_row), *self.total_columns[key])

    # --- formulas (without ``=``); each implements a rule of `perfxl.scoring` ---------------
    def rate_formula(self, row_key: str) -> str:
        """执行率 of a funds row: 全年执行数 over 全年预算数 (4 places); blank where
        `perfxl.scoring.funds_rate` gives none (:func:`stage_rate_formula`)."""
        return stage_rate_formula(
            self.funds_cell(row_key, "executed"), self.funds_cell(row_key, "budget")
        )

    def funds_score_formula(self) -> str:
        """得分 of 年度资金总额: 执行率 × 分值, never above 分值, 2 places half up (as
        `perfxl.scoring.funds_score`); blank while 执行率 is blank, and for a 分值 that is
        blank or not a number (``points_blank``, ``points_text``)."""
        rate = self.funds_cell("total", "rate")
        points = self.funds_cell("total", "points")
        return (
            f'IF(OR({rate}="",NOT(ISNUMBER({points}))),"",ROUND(MIN(1,MAX(0,{rate}))*{points},2))'
        )

    def helper_range(self, key: str, first: int, last: int) -> str:
        col = col_letter(self.helper_columns[key])
        return f"${col}${first}:${col}${last}"

    def split_formula(self, row: int, first: int, last: int) -> str:
        """默认分值: the first-level group's weight split evenly over its rows in whole cents,
        the leftover cents one each to the group's first rows (as `perfxl.scoring`)."""
        group = self.indicator_cell(row, "group")
        cents = f"ROUND(N({self.indicator_cell(row, 'weight')})*100,0)"
        n = f"COUNTIF({self.helper_range('group', first, last)},{group})"
        col = col_letter(self.helper_columns["group"])
        k = f"COUNTIF(${col}${first}:{group},{group})"
        return f'IF({group}="","",(INT({cents}/{n})+IF({k}<=MOD({cents},{n}),1,0))/100)'

    def points_formula(self, row: int) -> str:
        """分值 as drawn: the default split (a typed 分值 replaces the formula)."""
        return self.indicator_cell(row, "split")

    def row_points(self, row: int) -> str:
        """The 分值 a row is scored on: the 分值 cell, or its 默认分值 when the cell is cleared
        (`perfxl.scoring.split_points`: a blank 分值 is the row's share)."""
        points = self.indicator_cell(row, "points")
        return f"IF({blank(points)},{self.indicator_cell(row, 'split')},{points})"

    def actual_formula(self, row: int) -> str:
        """实际数值: 实际完成值 when typed as a plain number, negatives counted as 0; blank
        for text (the units need perfxl: ``perfxl compute`` writes those scores)."""
        actual = self.indicator_cell(row, "actual")
        return f'IF(ISNUMBER({actual}),MAX(0,{actual}),"")'

    def score_factor(self, row: int, reverse: str) -> str:
        """The share of its 分值 a quantitative row scores (:meth:`score_formula`)."""
        from perfxl.scoring import DOWN, EQUAL, UP  # scoring imports errors, layout

        d, t, x = (self.indicator_cell(row, k) for k in ("direction", "target", "number"))
        up = f"IF({x}>={t},1,{x}/{t})"
        if reverse == "ratio":
            down = f"IF({x}<={t},1,{t}/{x})"
        else:
            down = f"IF({x}<={t},1,IF({x}>=2*{t},0,1-({x}-{t})/{t}))"
        equal = f"IF({t}=0,IF({x}<=0,1,0),{up})"
        return f'IF({d}="{UP}",{up},IF({d}="{DOWN}",{down},IF({d}="{EQUAL}",{equal},"")))'

    def score_formula(self, row: int, reverse: str) -> str:
        """得分 of a quantitative row from its helpers (as `perfxl.scoring.quantitative_score`).

        正向: full points at or above the target, else actual ÷ target of them; 反向
        (``linear``): full at or below the target, 0 at twice it or more, else
        1 − (actual − target) ÷ target of them; 反向 (``ratio``): target ÷ actual of them
        above the target; 等于: a 0 target scores full only for 0, otherwise as 正向.
        Rounded half up to 2 places; blank while 实际数值 or the direction is blank, and
        while the row has no 分值 (:meth:`row_points`: text, or no share: ``no_points``).
        """
        from perfxl.scoring import QUALITATIVE

        d, x = self.indicator_cell(row, "direction"), self.indicator_cell(row, "number")
        points = self.row_points(row)
        factor = self.score_factor(row, reverse)
        return (
            f'IF(OR({d}="",{d}="{QUALITATIVE}",{x}="",NOT(ISNUMBER({points}))),"",'
            f"ROUND({factor}*{points},2))"
        )

    def grade_formula(self, row: int, grades: Mapping[str, tuple[str, ...]]) -> str:
        """The grade a qualitative row is scored by: what 评价等级 names, or when that is
        blank what the 实际完成值 names (``grades``: grade -> the names that mean it, as
        `perfxl.scoring.grade_of`); blank for none."""
        grade, actual = self.indicator_cell(row, "grade"), self.indicator_cell(row, "actual")

        def named(cell: str) -> str:
            out = '""'
            for g, names in reversed(list(grades.items())):
                said = ",".join(f'{cell}="{n}"' for n in names)
                out = f'IF(OR({said}),"{g}",{out})'
            return out

        return f'IF({grade}<>"",{named(grade)},{named(actual)})'

    def lowest_share(
        self, row: int, lowest: Mapping[str, object], grades: Mapping[str, tuple[str, ...]]
    ) -> str:
        """The lowest share (percent) of its grade's band a qualitative row counts without a
        score (``lowest``: grade -> lowest share in percent; no grade: 0)."""
        grade = self.grade_formula(row, grades)
        share = "0"
        for g, low in reversed(list(lowest.items())):
            share = f'IF({grade}="{g}",{low},{share})'
        return share

    def counted_formula(
        self, row: int, lowest: Mapping[str, object], grades: Mapping[str, tuple[str, ...]]
    ) -> str:
        """计入总分 (as `perfxl.evaluation.RowResult.counted`): blank for a 分值 typed as text
        (the project has no 总分); the row's 得分 when it is a number; for a qualitative row
        with none typed, the lowest of its grade's band (:meth:`lowest_share`); a
        quantitative row with no 实际完成值, no 分值, or that no rule can score (an empty or
        negative target: no direction), counts 0 (left out, as `perfxl.scoring.total`
        leaves a blank score out); blank for a quantitative row whose 实际完成值 is text
        (its score needs perfxl)."""
        from perfxl.scoring import QUALITATIVE

        d, score, actual = (self.indicator_cell(row, k) for k in ("direction", "score", "actual"))
        points = self.row_points(row)
        share = self.lowest_share(row, lowest, grades)
        unscored = f'OR({d}="",{blank(actual)},NOT(ISNUMBER({points})))'
        fallback = f'IF({d}="{QUALITATIVE}",ROUND({share}*N({points})/100,2),IF({unscored},0,""))'
        typed_points = not_number(self.indicator_cell(row, "points"))
        return f'IF({typed_points},"",IF(ISNUMBER({score}),{score},{fallback}))'

    def points_total_formula(self, first: int, last: int) -> str:
        """The 总分 row's 分值 (`perfxl.evaluation.EvaluationResult.full_points`): 年度资金总额's
        and every indicator row's, a cleared 分值 counting its 默认分值 (:meth:`row_points`);
        a 分值 that is text counts nothing, as ``SUM`` leaves it out."""
        col = self.indicator_columns["points"][0]
        points = f"{a1(first, col)}:{a1(last, col)}"
        split = f"{self.indicator_cell(first, 'split')}:{self.indicator_cell(last, 'split')}"
        funds = self.funds_cell("total", "points")
        return f'SUM({funds},{points})+SUMPRODUCT(--(TRIM({points})=""),{split})'

    def funds_block_formula(self) -> str:
        """Whether 年度资金总额 leaves the project without 总分 (`perfxl.evaluation.NO_TOTAL`):
        its 全年预算数 not a number (``budget_text``), its 全年执行数 not one against a
        budget (``executed_text``), or a 执行率 with a 分值 that is no number (``points_text``,
        ``points_blank``). A blank or 0 budget does not: 总分 counts the rest."""
        budget, executed = (self.funds_cell("total", k) for k in ("budget", "executed"))
        rate, points = (self.funds_cell("total", k) for k in ("rate", "points"))
        return (
            f"OR({not_number(budget)},AND(N({budget})<>0,{not_number(executed)}),"
            f'AND({rate}<>"",NOT(ISNUMBER({points}))))'
        )

    def total_formula(self, first: int, last: int) -> str:
        """总分: the funds score plus every row's 计入总分, 2 places half up (blanks left out);
        blank while a row's 计入总分 is blank (a quantitative actual typed as text, whose score
        needs perfxl; a 分值 typed as text) or 年度资金总额 leaves the project without one
        (:meth:`funds_block_formula`)."""
        counted = self.helper_range("counted", first, last)
        funds = self.funds_cell("total", "score")
        return (
            f'IF(OR(SUMPRODUCT(({counted}="")*1)>0,{self.funds_block_formula()}),"",'
            f"ROUND(N({funds})+SUM({counted}),2))"
        )

    def level_formula(self, last: int, levels: tuple[tuple[str, object], ...], worst: str) -> str:
        """自评等级 from 总分 (``levels``: grade -> the lowest 总分 reaching it, best first)."""
        score = self.total_cell(last, "score")
        out = f'"{worst}"'
        for name, low in reversed(levels):
            out = f'IF({score}>={low},"{name}",{out})'
        return f'IF({score}="","",{out})'


@dataclass(frozen=True)
class EvaluationCover:
    """What the self-evaluation cover adds to the targets' cover: stage and scoring profile."""

    labels: tuple[Label, ...]
    stage: Field
    profile: Field
    headers: tuple[str, ...]
    widths: tuple[float, ...]


@dataclass(frozen=True)
class CarriedRecordForm:
    """The monitoring workbook's record of what it carried (a very hidden sheet).

    One row per project (its sheet, its position from 1, then the values of
    ``MonitoringForm.carried`` in the order the project key row names them), each followed
    by one row per indicator (its position from 1 in the indicator column, then the values
    of ``MONITORING_CARRIED_INDICATOR_KEYS`` in the order the indicator key row names them).
    The key rows make the record read the same whatever the form's field order; the sheet
    is recognised by its title, not its name.

    Attributes:
        sheet: the sheet's name when perfxl draws it.
        title: the title cell and its text.
        header_row: the column headers, and the keys of a project row's values.
        indicator_keys_row: the keys of an indicator row's values.
        first_row: the first project row.
        columns: ``sheet``, ``project``, ``indicator`` -> column.
        first_value_column: the column of the first value.
    """

    sheet: str
    title: Label
    header_row: int
    indicator_keys_row: int
    first_row: int
    columns: Mapping[str, int]
    first_value_column: int


_MONITORING = MonitoringForm(
    title=Label("A1", "", "A1:J1"),
    unit_line=Field("unit_line", "A2", "text", "A2:G2"),
    anchor=L.MONITORING_ANCHOR,
    labels=L.MONITORING_LABELS,
    carried=(
        Field("code", "B3", "text", "B3:D3", C.L_CODE),
        Field("name", "F3", "text", "F3:J3", C.L_NAME),
        Field("total/initial", "C5", "amount", None, C.L_INITIAL),
        Field("fiscal/initial", "C6", "amount", None, C.L_INITIAL),
        Field("other/initial", "C7", "amount", None, C.L_INITIAL),
        Field("goals", "C8", "lines", "C8:J8", C.L_ANNUAL_GOALS),
    ),
    fields=(
        *(
            Field(f"{row}/{col}", f"{letter}{r}", "amount", span, label)
            for row, r in (("total", 5), ("fiscal", 6), ("other", 7))
            for col, letter, span, label in (
                ("adjusted", "D", None, C.L_ADJUSTED),
                ("executed", "E", None, C.L_EXECUTED),
                ("forecast", "G", f"G{r}:I{r}", C.L_FORECAST),
            )
        ),
        Field("progress", "C9", "text", "C9:J9", C.L_PROGRESS),
    ),
    funds_rows={"total": 5, "fiscal": 6, "other": 7},
    funds_columns={
        "initial": (3, 3),
        "adjusted": (4, 4),
        "executed": (5, 5),
        "rate": (6, 6),
        "forecast": (7, 9),
    },
    light_cell="J5",
    column_widths=(12, 14, 16, 14, 14, 14, 12, 14, 18, 7),
    indicator_header_row=10,
    indicator_first_row=11,
    indicator_columns={
        "level1": (1, 1),
        "level2": (2, 2),
        "level3": (3, 3),
        "target": (4, 4),
        "current": (5, 5),
        "forecast": (6, 6),
        "likelihood": (7, 7),
        "deviation": (8, 8),
        "remedy": (9, 9),
        "light": (10, 10),
    },
)

_MONITORING_COVER = MonitoringCover(
    labels=(
        Label("C5", C.L_STAGE),
        Label("C6", C.L_MONTH),
        Label("C7", C.L_TIME_SHARE),
    ),
    stage=Field("stage", "D5", "text", None, C.L_STAGE),
    month=Field("month", "D6", "integer", None, C.L_MONTH),
    time_share=Field("time_share", "D7", "percent", None, C.L_TIME_SHARE),
    headers=C.MONITORING_COVER_HEADERS,
    widths=(8, 44, 24, 13, 13, 13, 11, 8),
)

_EVAL_FUNDS = (("total", 6), ("fiscal", 7), ("carryover", 8), ("other", 9))
_EVALUATION = EvaluationForm(
    title=Label("A1", "", "A1:I1"),
    unit_line=Field("unit_line", "A2", "text", "A2:F2"),
    anchor=L.EVALUATION_ANCHOR,
    labels=L.EVALUATION_LABELS,
    carried=(
        Field("code", "B3", "text", "B3:D3", C.L_CODE),
        Field("name", "F3", "text", "F3:I3", C.L_NAME),
        Field("total/initial", "C6", "amount", None, C.L_INITIAL),
        Field("fiscal/initial", "C7", "amount", None, C.L_INITIAL),
        Field("other/initial", "C9", "amount", None, C.L_INITIAL),
        Field("goals", "B11", "lines", "B11:E11", C.L_EXPECTED),
    ),
    fields=(
        Field("department", "B4", "text", "B4:D4", C.L_DEPARTMENT),
        Field("implementer", "F4", "text", "F4:I4", C.L_IMPLEMENTER),
        Field("carryover/initial", "C8", "amount", None, C.L_INITIAL),
        *(
            Field(f"{row}/{col}", f"{letter}{r}", "amount", None, label)
            for row, r in _EVAL_FUNDS
            for col, letter, label in (
                ("budget", "D", C.L_BUDGET_YEAR),
                ("executed", "E", C.L_EXECUTED_YEAR),
            )
        ),
        Field("achieved", "F11", "text", "F11:I11", C.L_ACHIEVED),
    ),
    funds_rows=dict(_EVAL_FUNDS),
    funds_columns={
        "initial": (3, 3),
        "budget": (4, 4),
        "executed": (5, 5),
        "points": (6, 6),
        "rate": (7, 7),
        "score": (8, 8),
    },
    column_widths=(11, 12, 22, 14, 14, 9, 9, 16, 26),
    indicator_header_row=12,
    indicator_first_row=13,
    indicator_columns={
        "level1": (1, 1),
        "level2": (2, 2),
        "level3": (3, 3),
        "target": (4, 4),
        "actual": (5, 5),
        "points": (6, 6),
        "score": (7, 7),
        "grade": (8, 8),
        "deviation": (9, 9),
    },
    helper_columns={
        "group": 11,
        "weight": 12,
        "split": 13,
        "direction": 14,
        "target": 15,
        "number": 16,
        "counted": 17,
    },
    total_columns={
        "label": (1, 5),
        "points": (6, 6),
        "score": (7, 7),
        "level_label": (8, 8),
        "level": (9, 9),
    },
)

_EVALUATION_COVER = EvaluationCover(
    labels=(
        Label("C5", C.L_STAGE),
        Label("C6", C.L_PROFILE),
    ),
    stage=Field("stage", "D5", "text", None, C.L_STAGE),
    profile=Field("profile", "D6", "text", "D6:F6", C.L_PROFILE),
    headers=C.EVALUATION_COVER_HEADERS,
    widths=(8, 44, 24, 13, 13, 11, 10, 10),
)

_CARRIED_RECORD = CarriedRecordForm(
    sheet=C.CARRIED_SHEET,
    title=Label("A1", C.CARRIED_TITLE),
    header_row=2,
    indicator_keys_row=3,
    first_row=4,
    columns={"sheet": 1, "project": 2, "indicator": 3},
    first_value_column=4,
)


@dataclass(frozen=True)
class StageForms:
    """The later stages' sheets of one `perfxl.layout.Layout` (``Layout.stages``)."""

    monitoring: MonitoringForm
    monitoring_cover: MonitoringCover
    evaluation: EvaluationForm
    evaluation_cover: EvaluationCover
    carried_record: CarriedRecordForm


STANDARD = StageForms(
    monitoring=_MONITORING,
    monitoring_cover=_MONITORING_COVER,
    evaluation=_EVALUATION,
    evaluation_cover=_EVALUATION_COVER,
    carried_record=_CARRIED_RECORD,
)
"""The standard workbook's later-stage sheets."""
