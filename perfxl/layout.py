"""The form, declared once: which label sits where, which field lives in which cell.

Every sheet perfxl draws or reads (the project table, the cover, part one) is declared here
with its labels, input fields, column widths, table rows and the formulas it carries. The
writer draws the sheets from a :class:`Layout`, the reader finds the values with the same
one, compute and the annotations follow the cells the reader recorded, and messages name
their cells from it: nothing else in perfxl knows a cell address of the form.

Functions that draw, read or compute take a ``layout`` argument defaulting to
:data:`STANDARD`; a form revised next year is another ``Layout`` value.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, SupportsIndex

from perfxl import constants as C
from perfxl.cells import a1, col_letter, parse_a1
from perfxl.textnorm import normalize_label, normalize_text  # noqa: F401 (the layout's API)


@dataclass(frozen=True)
class Label:
    """A fixed text of the form. ``span`` is the merged range whose top-left is ``ref``.

    ``required`` is False for labels perfxl adds beside the published table: staff may delete
    them without harm, so the reader does not insist on them.
    """

    ref: str
    text: str
    span: str | None = None
    required: bool = True


@dataclass(frozen=True)
class Field:
    """An input cell.

    Attributes:
        key: path below the record, as in the JSON pointer (``code``, ``plan/mar``).
        ref: the cell.
        kind: ``text``, ``amount`` (万元, 2 decimals), ``lines`` (a list, one item a line),
            ``integer`` or ``choice``.
        span: the merged range whose top-left is ``ref``, when the input spans columns.
        label: what the form calls the field (the text of the label naming it).
    """

    key: str
    ref: str
    kind: str
    span: str | None = None
    label: str = ""

    @property
    def row(self) -> int:
        """The field's row."""
        return parse_a1(self.ref)[0]


@dataclass(frozen=True)
class CoverColumn:
    """A column of the cover's project list.

    Attributes:
        header: the header text.
        key: ``index`` (the running number), a project field key (the cell shown through a
            reference formula) or ``progress`` (12月底 amount over the budget).
        kind: ``index``, ``text``, ``amount`` or ``percent``.
        width: the column width (characters).
    """

    header: str
    key: str
    kind: str
    width: float


Columns = Mapping[str, tuple[int, int]]
"""key -> (first column, last column) of a table's cells (1-based)."""


@dataclass(frozen=True)
class ProjectForm:
    """The project sheet (项目支出绩效目标表)."""

    title: Label
    unit_line: Field  # written by fill, read only when there is no cover
    anchor: Label  # the label a project sheet is recognised by
    labels: tuple[Label, ...]
    fields: tuple[Field, ...]
    percent_cells: tuple[str, ...]  # the cumulative percentages under the plan amounts
    column_widths: tuple[float, ...]
    row_minimums: Mapping[str, float]  # field key -> the least height of its row (points)
    indicator_header_row: int
    indicator_first_row: int
    indicator_min_rows: int
    indicator_columns: Columns  # the description spans two columns

    @property
    def width(self) -> int:
        """The number of columns of the table."""
        return len(self.column_widths)

    def field(self, key: str) -> Field:
        """The input field of ``key`` (``budget``, ``plan/mar``)."""
        return _find(self.fields, key)

    @property
    def plan_fields(self) -> tuple[Field, ...]:
        """The plan amounts, in checkpoint order."""
        return tuple(f for f in self.fields if f.key.startswith("plan/"))

    @property
    def budget_cell(self) -> str:
        """The 预算数 cell every percentage divides by."""
        return self.field("budget").ref

    def title_formula(self) -> str:
        """The title: the project's name followed by 绩效目标表, or the blank form's title."""
        name = self.field("name").ref
        blank, suffix = C.PROJECT_TITLE_BLANK, C.PROJECT_TITLE_SUFFIX
        return f'=IF({name}="","{blank}",{name}&"{suffix}")'

    def percent_formulas(self, rows: int = 0, cols: int = 0) -> tuple[tuple[str, str], ...]:
        """(cell, formula without ``=``) of each percentage, the table moved by rows/cols."""
        budget = absolute(_moved(self.budget_cell, rows, cols))
        return tuple(
            (_moved(cell, rows, cols), percent_formula(_moved(f.ref, rows, cols), budget))
            for cell, f in zip(self.percent_cells, self.plan_fields, strict=True)
        )

    def indicator_span(self, row: int, key: str) -> str:
        """The cell (or merged range) of one indicator field in a row of the table."""
        return _span(row, *self.indicator_columns[key])

    def required_labels(self) -> tuple[Label, ...]:
        """The labels the reader insists on."""
        return tuple(lab for lab in self.labels if lab.required)


@dataclass(frozen=True)
class CoverForm:
    """The cover (封面): the unit's fields and a linked row per project, then 合计."""

    title: Label
    anchor: Label
    labels: tuple[Label, ...]
    fields: tuple[Field, ...]
    note_row: int
    header_row: int
    first_project_row: int
    columns: tuple[CoverColumn, ...]

    @property
    def width(self) -> int:
        """The number of columns of the project list."""
        return len(self.columns)

    def field(self, key: str) -> Field:
        """The input field of ``key`` (``unit/code``, ``year``)."""
        return _find(self.fields, key)

    def column(self, key: str) -> int:
        """The column (1-based) of the project list showing ``key``."""
        return next(i for i, c in enumerate(self.columns, start=1) if c.key == key)

    @property
    def total_column(self) -> int:
        """The column of the total row holding 合计 (the project name's)."""
        return self.column("name")

    def progress_formula(self, row: int) -> str:
        """The 12月底进度 of a row, without ``=``: its 12月底 amount over its budget."""
        amount, budget = a1(row, self.column("plan/dec")), a1(row, self.column("budget"))
        return percent_formula(amount, budget)


@dataclass(frozen=True)
class OverallForm:
    """Part one (部门整体绩效目标): the summary, then the areas and measures tables.

    Each table is a section title row, a header row and one row per record (at least
    ``min_rows``); the measures' section title follows the last area row. The running number
    and the section titles sit in ``number_column``.
    """

    title: Label
    summary_label: Label
    summary: Field
    areas_section_row: int
    min_rows: int
    number_column: int
    area_columns: Columns
    measure_columns: Columns
    column_widths: tuple[float, ...]

    @property
    def width(self) -> int:
        """The number of columns of the sheet."""
        return len(self.column_widths)

    @staticmethod
    def header_row(section_row: int) -> int:
        """The header row of the table whose section title is on ``section_row``."""
        return section_row + 1

    @staticmethod
    def first_record_row(section_row: int) -> int:
        """The first record row of the table whose section title is on ``section_row``."""
        return section_row + 2

    @staticmethod
    def next_section_row(last_row: int) -> int:
        """The row of the next section title after a table ending on ``last_row``."""
        return last_row + 1


MONTH_MARK = "{X}"  # in a label's text: the monitoring month (1-{X}月执行数)


def month_label(text: str, month: int | None) -> str:
    """A label's text for the month: ``1-{X}月执行数`` -> ``1-7月执行数`` (``X`` when unknown)."""
    return text.replace(MONTH_MARK, str(month) if month else "X")


def label_month(text: str, actual: object) -> int | bool | None:
    """Whether ``actual`` reads as the label ``text``: False when not; for a label with the
    month in it, the month read (None when shown as ``X``); else True."""
    got = normalize_label(actual)
    if MONTH_MARK not in text:
        return got == normalize_label(text)
    parts = [re.escape(normalize_label(t)) for t in text.split(MONTH_MARK)]
    m = re.fullmatch(r"(\d{1,2}|X)".join(parts), got.replace("—", "-").replace("－", "-"))
    if m is None:
        return False
    return None if m.group(1) == "X" else int(m.group(1))


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


@dataclass(frozen=True)
class Layout:
    """Every sheet of the standard workbook."""

    project: ProjectForm
    cover: CoverForm
    overall: OverallForm
    monitoring: MonitoringForm = dataclasses.field(default_factory=lambda: _standard_monitoring())
    monitoring_cover: MonitoringCover = dataclasses.field(
        default_factory=lambda: _standard_monitoring_cover()
    )
    evaluation: EvaluationForm = dataclasses.field(default_factory=lambda: _standard_evaluation())
    evaluation_cover: EvaluationCover = dataclasses.field(
        default_factory=lambda: _standard_evaluation_cover()
    )
    carried_record: CarriedRecordForm = dataclasses.field(
        default_factory=lambda: _standard_carried_record()
    )

    def __reduce_ex__(self, protocol: SupportsIndex) -> str | tuple[Any, ...]:
        """`STANDARD` pickled by its name, any other layout by value: a consolidation's
        workers get the form with every task, and by value that was 9 KB pickled and
        unpickled per task into a new object, which the readers' memos (keyed by the
        layout's identity) did not know: about 1 % of a worker's time at 4 files a task."""
        if self is globals().get("STANDARD"):
            return "STANDARD"
        return super().__reduce_ex__(protocol)

    def field(self, key: str) -> Field:
        """The field of ``key`` on whichever sheet holds it (``budget``, ``unit/code``)."""
        for fields in (self.project.fields, self.cover.fields, (self.overall.summary,)):
            for f in fields:
                if f.key == key:
                    return f
        raise KeyError(key)


def _standard_monitoring() -> MonitoringForm:
    return _MONITORING  # a layout built before the monitoring form existed gets the standard one


def _standard_monitoring_cover() -> MonitoringCover:
    return _MONITORING_COVER


def _standard_evaluation() -> EvaluationForm:
    return _EVALUATION


def _standard_evaluation_cover() -> EvaluationCover:
    return _EVALUATION_COVER


def _standard_carried_record() -> CarriedRecordForm:
    return _CARRIED_RECORD


def _find(fields: tuple[Field, ...], key: str) -> Field:
    for f in fields:
        if f.key == key:
            return f
    raise KeyError(key)


def _moved(ref: str, rows: int, cols: int) -> str:
    r, c = parse_a1(ref)
    return a1(r + rows, c + cols)


def _span(row: int, c0: int, c1: int) -> str:
    return f"{a1(row, c0)}:{a1(row, c1)}" if c1 > c0 else a1(row, c0)


# --- formulas ---------------------------------------------------------------------------------
def absolute(ref: str) -> str:
    """``C4`` -> ``$C$4``."""
    r, c = parse_a1(ref)
    return f"${col_letter(c)}${r}"


def percent_formula(amount: str, budget: str) -> str:
    """An amount over the budget as a fraction rounded to 4 places; blank for a 0 budget
    (the targets' cumulative percentages: a text amount there is said by ``compute``)."""
    return f'IF(N({budget})=0,"",ROUND(N({amount})/{budget},4))'


def blank(ref: str) -> str:
    """True in a sheet for a cell perfxl reads as blank: empty or white space only."""
    return f'TRIM({ref})=""'


def not_number(ref: str) -> str:
    """True in a sheet for a cell holding neither a number nor a blank (text, TRUE): what
    perfxl makes no figure from (`perfxl.numbers.number`), where ``N()`` would count 0."""
    return f'AND(NOT(ISNUMBER({ref})),TRIM({ref})<>"")'


def stage_rate_formula(amount: str, budget: str) -> str:
    """A later stage's 执行率: ``amount`` over ``budget`` as a fraction rounded to 4 places,
    a blank amount counting as 0; blank where perfxl gives no 执行率
    (`perfxl.monitoring.execution_rate`, `perfxl.scoring.funds_rate`): a budget that is
    blank, 0 or not a number, or an amount that is not a number (text that reads as one
    included: perfxl makes no figure from it, `perfxl.held`)."""
    return (
        f'IF(OR(NOT(ISNUMBER({budget})),N({budget})=0,{not_number(amount)}),"",'
        f"ROUND(N({amount})/{budget},4))"
    )


def link_formula(quoted_sheet: str, ref: str, *, blank_stays_blank: bool) -> str:
    """A cover cell showing a project's cell.

    Texts keep a blank blank (a bare ``='1.x'!ref`` shows 0); amounts show 0.00 like the total.
    Numbers stay numbers: a code typed as a number still shows.
    """
    target = f"{quoted_sheet}!{ref}"
    return f'=IF({target}="","",{target})' if blank_stays_blank else f"={target}"


def sum_formula(col: int, first: int, last: int) -> str:
    """The total of a column of the project list."""
    return f"=SUM({a1(first, col)}:{a1(last, col)})"


def link_target(quoted_sheet: str, ref: str) -> str:
    """An internal hyperlink to a sheet's cell."""
    return f"#{quoted_sheet}!{ref}"


# The shapes of those formulas as found in a workbook (``$`` signs and case as staff left
# them; older workbooks have the bare reference): the compute write-back evaluates these.
LINK_PATTERN = re.compile(r"^=?(?:'((?:[^']|'')+)'|([^'!()\s]+))!\$?([A-Za-z]{1,3})\$?(\d+)$")
BLANK_LINK_PATTERN = re.compile(r'^=?IF\((.+)="","",(.+)\)$')
SUM_PATTERN = re.compile(r"^=?SUM\(\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)\)$")
PERCENT_PATTERN = re.compile(
    r'^=?IF\(N\(\$?([A-Z]{1,3})\$?(\d+)\)=0,"",ROUND\(N\(\$?([A-Z]{1,3})\$?(\d+)\)'
    r"/\$?([A-Z]{1,3})\$?(\d+),4\)\)$"
)

# The line above every project table: the unit's 6-digit code followed by its name.
UNIT_LINE_PATTERN = re.compile(r"^\s*(\d{6})\s*(.*?)\s*$")


def unit_line(code: str | None, name: str | None) -> str | None:
    """The unit line of a project table (None when both are blank)."""
    return f"{code or ''}{name or ''}" or None


# --- the standard workbook --------------------------------------------------------------------
_PROJECT_ANCHOR = Label("A3", C.L_CODE)
_PROJECT = ProjectForm(
    title=Label("A1", "", "A1:G1"),
    unit_line=Field("unit_line", "A2", "text", "A2:E2"),
    anchor=_PROJECT_ANCHOR,
    labels=(
        Label("F2", C.MONEY_UNIT_LABEL, "F2:G2", required=False),
        _PROJECT_ANCHOR,
        Label("D3", C.L_NAME),
        Label("A4", C.L_BUDGET_GROUP, "A4:A5"),
        Label("B4", C.L_BUDGET),
        Label("D4", C.L_FISCAL),
        Label("F4", C.L_OTHER),
        Label("A6", C.L_PLAN_GROUP, "A6:A8"),
        Label("B6", C.L_CHECKPOINTS[0]),
        Label("C6", C.L_CHECKPOINTS[1]),
        Label("D6", C.L_CHECKPOINTS[2]),
        Label("E6", C.L_CHECKPOINTS[3]),
        Label("F6", C.L_PLAN_SCOPE, "F6:G6", required=False),
        Label("F7", C.L_PLAN_AMOUNTS, "F7:G7", required=False),
        Label("F8", C.L_PLAN_PERCENT, "F8:G8", required=False),
        Label("A9", C.L_GOALS),
        Label("A10", C.L_LEVEL1),
        Label("B10", C.L_LEVEL2),
        Label("C10", C.L_LEVEL3),
        Label("D10", C.L_DESCRIPTION, "D10:E10"),
        Label("F10", C.L_TARGET),
        Label("G10", C.L_BASIS),
    ),
    fields=(
        Field("code", "B3", "text", "B3:C3", C.L_CODE),
        Field("name", "E3", "text", "E3:G3", C.L_NAME),
        Field("budget", "C4", "amount", None, C.L_BUDGET),
        Field("fiscal_funds", "E4", "amount", None, C.L_FISCAL),
        Field("other_funds", "G4", "amount", None, C.L_OTHER),
        Field("purpose", "B5", "text", "B5:G5", C.L_BUDGET_GROUP),
        Field("plan/mar", "B7", "amount", None, C.L_CHECKPOINTS[0]),
        Field("plan/jun", "C7", "amount", None, C.L_CHECKPOINTS[1]),
        Field("plan/oct", "D7", "amount", None, C.L_CHECKPOINTS[2]),
        Field("plan/dec", "E7", "amount", None, C.L_CHECKPOINTS[3]),
        Field("goals", "B9", "lines", "B9:G9", C.L_GOALS),
    ),
    percent_cells=("B8", "C8", "D8", "E8"),
    column_widths=(14, 17, 16, 13, 13, 14, 16),
    row_minimums={"purpose": 30.0, "goals": 66.0},
    indicator_header_row=10,
    indicator_first_row=11,
    indicator_min_rows=20,
    indicator_columns={
        "level1": (1, 1),
        "level2": (2, 2),
        "level3": (3, 3),
        "description": (4, 5),
        "target": (6, 6),
        "basis": (7, 7),
    },
)

_COVER_KEYS = (
    ("index", "index", 12),
    ("name", "text", 44),
    ("code", "text", 24),
    ("budget", "amount", 12),
    ("fiscal_funds", "amount", 12),
    ("other_funds", "amount", 12),
    ("plan/mar", "amount", 11),
    ("plan/jun", "amount", 11),
    ("plan/oct", "amount", 11),
    ("plan/dec", "amount", 11),
    ("progress", "percent", 14),
)

_COVER_ANCHOR = Label("A3", C.L_UNIT_CODE)
_COVER = CoverForm(
    title=Label("A1", C.COVER_TITLE, "A1:K1"),
    anchor=_COVER_ANCHOR,
    labels=(
        _COVER_ANCHOR,
        Label("A4", C.L_UNIT_NAME),
        Label("A5", C.L_YEAR),
        Label("A6", C.L_MONEY_UNIT),
        Label("A7", C.L_FRAMEWORK),
        Label("A8", C.L_SCHEMA_VERSION),
    ),
    fields=(
        Field("unit/code", "B3", "text", "B3:D3", C.L_UNIT_CODE),
        Field("unit/name", "B4", "text", "B4:D4", C.L_UNIT_NAME),
        Field("year", "B5", "integer", None, C.L_YEAR),
        Field("money_unit", "B6", "text", None, C.L_MONEY_UNIT),
        Field("framework", "B7", "choice", None, C.L_FRAMEWORK),
        Field("schema_version", "B8", "text", None, C.L_SCHEMA_VERSION),
    ),
    note_row=9,
    header_row=10,
    first_project_row=11,
    columns=tuple(
        CoverColumn(header, key, kind, width)
        for header, (key, kind, width) in zip(C.COVER_HEADERS, _COVER_KEYS, strict=True)
    ),
)

_OVERALL = OverallForm(
    title=Label("A1", C.OVERALL_TITLE, "A1:E1"),
    summary_label=Label("A2", C.L_SUMMARY_SECTION, "A2:E2"),
    summary=Field("overall/summary", "A3", "text", "A3:E3", C.L_SUMMARY_SECTION),
    areas_section_row=5,
    min_rows=5,
    number_column=1,
    area_columns={"title": (2, 2), "description": (3, 3), "targets": (4, 4), "indicators": (5, 5)},
    measure_columns={"title": (2, 2), "text": (3, 5)},
    column_widths=(6, 18, 40, 48, 48),
)

_MONITORING_ANCHOR = Label("A3", C.L_CODE)
_MONITORING = MonitoringForm(
    title=Label("A1", "", "A1:J1"),
    unit_line=Field("unit_line", "A2", "text", "A2:G2"),
    anchor=_MONITORING_ANCHOR,
    labels=(
        Label("H2", C.MONEY_UNIT_LABEL, "H2:J2", required=False),
        _MONITORING_ANCHOR,
        Label("E3", C.L_NAME),
        Label("A4", C.L_FUNDS, "A4:B4"),
        Label("C4", C.L_INITIAL),
        Label("D4", C.L_ADJUSTED),
        Label("E4", C.L_EXECUTED),
        Label("F4", C.L_RATE),
        Label("G4", C.L_FORECAST, "G4:I4"),
        Label("J4", C.L_LIGHT),
        Label("A5", C.L_FUNDS_TOTAL, "A5:B5"),
        Label("A6", C.L_FUNDS_FISCAL, "A6:B6"),
        Label("A7", C.L_FUNDS_OTHER, "A7:B7"),
        Label("A8", C.L_ANNUAL_GOALS, "A8:B8"),
        Label("A9", C.L_PROGRESS, "A9:B9"),
        Label("A10", C.L_LEVEL1),
        Label("B10", C.L_LEVEL2),
        Label("C10", C.L_LEVEL3),
        Label("D10", C.L_ANNUAL_TARGET),
        Label("E10", C.L_CURRENT),
        Label("F10", C.L_FORECAST_DONE),
        Label("G10", C.L_LIKELIHOOD),
        Label("H10", C.L_DEVIATION),
        Label("I10", C.L_REMEDY),
        Label("J10", C.L_LIGHT),
    ),
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
MONITORING_CARRIED_INDICATOR_KEYS: tuple[str, ...] = ("level1", "level2", "level3", "target")
MONITORING_INPUT_INDICATOR_KEYS: tuple[str, ...] = (
    "current",
    "forecast",
    "likelihood",
    "deviation",
    "remedy",
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

_EVALUATION_ANCHOR = Label("A3", C.L_CODE)
_EVAL_FUNDS = (("total", 6), ("fiscal", 7), ("carryover", 8), ("other", 9))
_EVALUATION = EvaluationForm(
    title=Label("A1", "", "A1:I1"),
    unit_line=Field("unit_line", "A2", "text", "A2:F2"),
    anchor=_EVALUATION_ANCHOR,
    labels=(
        Label("G2", C.MONEY_UNIT_LABEL, "G2:I2", required=False),
        _EVALUATION_ANCHOR,
        Label("E3", C.L_NAME),
        Label("A4", C.L_DEPARTMENT),
        Label("E4", C.L_IMPLEMENTER),
        Label("A5", C.L_FUNDS_WAN, "A5:B5"),
        Label("C5", C.L_INITIAL),
        Label("D5", C.L_BUDGET_YEAR),
        Label("E5", C.L_EXECUTED_YEAR),
        Label("F5", C.L_POINTS),
        Label("G5", C.L_RATE),
        Label("H5", C.L_SCORE),
        Label("A6", C.L_FUNDS_TOTAL, "A6:B6"),
        Label("A7", C.L_FUNDS_THIS_YEAR, "A7:B7"),
        Label("A8", C.L_FUNDS_CARRYOVER, "A8:B8"),
        Label("A9", C.L_FUNDS_OTHER, "A9:B9"),
        Label("A10", C.L_ANNUAL_GOALS, "A10:A11"),
        Label("B10", C.L_EXPECTED, "B10:E10"),
        Label("F10", C.L_ACHIEVED, "F10:I10"),
        Label("A12", C.L_LEVEL1),
        Label("B12", C.L_LEVEL2),
        Label("C12", C.L_LEVEL3),
        Label("D12", C.L_ANNUAL_TARGET),
        Label("E12", C.L_ACTUAL),
        Label("F12", C.L_POINTS),
        Label("G12", C.L_SCORE),
        Label("H12", C.L_GRADE),
        Label("I12", C.L_DEVIATION_REMEDY),
    ),
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
EVALUATION_CARRIED_INDICATOR_KEYS: tuple[str, ...] = ("level1", "level2", "level3", "target")
EVALUATION_INPUT_INDICATOR_KEYS: tuple[str, ...] = (
    "actual",
    "points",
    "score",
    "grade",
    "deviation",
)
EVALUATION_FORMULA_INDICATOR_KEYS: tuple[str, ...] = ("points", "score")
"""The indicator columns the self-evaluation form fills with its own formulas in every row
(分值's default split until one is typed, a quantitative row's 得分): in a workbook no app
has calculated, those cells hold formulas without a saved result by design."""

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

STANDARD: Layout = Layout(
    project=_PROJECT,
    cover=_COVER,
    overall=_OVERALL,
    monitoring=_MONITORING,
    monitoring_cover=_MONITORING_COVER,
    evaluation=_EVALUATION,
    evaluation_cover=_EVALUATION_COVER,
    carried_record=_CARRIED_RECORD,
)
"""The standard workbook's form."""


def field(key: str, layout: Layout = STANDARD) -> Field:
    """The field of ``key`` in a layout (the standard one by default)."""
    return layout.field(key)


# The standard form's parts under their long-standing names (tests and tools use them).
PROJECT_WIDTH = _PROJECT.width
PROJECT_TITLE = _PROJECT.title
PROJECT_UNIT_LINE = _PROJECT.unit_line
PROJECT_ANCHOR = _PROJECT.anchor
PROJECT_LABELS = _PROJECT.labels
PROJECT_FIELDS = _PROJECT.fields
PROJECT_PERCENT_CELLS = _PROJECT.percent_cells
PROJECT_BUDGET_CELL = _PROJECT.budget_cell
INDICATOR_HEADER_ROW = _PROJECT.indicator_header_row
INDICATOR_FIRST_ROW = _PROJECT.indicator_first_row
INDICATOR_MIN_ROWS = _PROJECT.indicator_min_rows
INDICATOR_COLUMNS = _PROJECT.indicator_columns
COVER_WIDTH = _COVER.width
COVER_TITLE = _COVER.title
COVER_ANCHOR = _COVER.anchor
COVER_LABELS = _COVER.labels
COVER_FIELDS = _COVER.fields
COVER_NOTE_ROW = _COVER.note_row
COVER_HEADER_ROW = _COVER.header_row
COVER_FIRST_PROJECT_ROW = _COVER.first_project_row
OVERALL_WIDTH = _OVERALL.width
OVERALL_TITLE = _OVERALL.title
OVERALL_SUMMARY_LABEL = _OVERALL.summary_label
OVERALL_SUMMARY = _OVERALL.summary
OVERALL_AREAS_SECTION_ROW = _OVERALL.areas_section_row
OVERALL_MIN_ROWS = _OVERALL.min_rows
AREA_COLUMNS = _OVERALL.area_columns
MEASURE_COLUMNS = _OVERALL.measure_columns
