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

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, SupportsIndex

from perfxl import constants as C
from perfxl.cells import a1, col_letter, parse_a1
from perfxl.textnorm import normalize_label, normalize_text  # noqa: F401 (the layout's API)

if TYPE_CHECKING:  # the later stages' sheets, built on first use (`Layout.stage_forms`)
    from perfxl.layout_stages import CarriedRecordForm as CarriedRecordForm
    from perfxl.layout_stages import EvaluationCover as EvaluationCover
    from perfxl.layout_stages import EvaluationForm as EvaluationForm
    from perfxl.layout_stages import MonitoringCover as MonitoringCover
    from perfxl.layout_stages import MonitoringForm as MonitoringForm
    from perfxl.layout_stages import StageForms as StageForms
else:

    def __getattr__(name: str) -> Any:
        """The later stages' classes under their names here (`perfxl.layout_stages`)."""
        if name in _STAGE_NAMES:
            from perfxl import layout_stages

            return getattr(layout_stages, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_STAGE_NAMES = frozenset(
    {
        "CarriedRecordForm",
        "EvaluationCover",
        "EvaluationForm",
        "MonitoringCover",
        "MonitoringForm",
        "StageForms",
    }
)


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


@dataclass(frozen=True)
class Layout:
    """Every sheet of the standard workbook."""

    project: ProjectForm
    cover: CoverForm
    overall: OverallForm
    stages: StageForms | None = None
    """The later stages' sheets (`perfxl.layout_stages`); None for the standard ones, built
    when one is first asked for (a targets workbook never asks)."""

    @property
    def monitoring(self) -> MonitoringForm:
        """The monitoring project sheet (项目支出绩效目标执行监控表)."""
        return self.stage_forms().monitoring

    @property
    def monitoring_cover(self) -> MonitoringCover:
        """What the monitoring cover adds to the targets' cover."""
        return self.stage_forms().monitoring_cover

    @property
    def evaluation(self) -> EvaluationForm:
        """The self-evaluation project sheet (项目支出绩效自评表)."""
        return self.stage_forms().evaluation

    @property
    def evaluation_cover(self) -> EvaluationCover:
        """What the self-evaluation cover adds to the targets' cover."""
        return self.stage_forms().evaluation_cover

    @property
    def carried_record(self) -> CarriedRecordForm:
        """The monitoring workbook's record of what it carried (a very hidden sheet)."""
        return self.stage_forms().carried_record

    def stage_labels(self, stage: str) -> tuple[Label, tuple[Label, ...]]:
        """The anchor and labels of a later stage's project sheet (``monitoring``,
        ``evaluation``): what the reader tells the sheet by, without building the standard
        stage forms."""
        if self.stages is not None:
            form = self.stages.monitoring if stage == "monitoring" else self.stages.evaluation
            return form.anchor, form.labels
        if stage == "monitoring":
            return MONITORING_ANCHOR, MONITORING_LABELS
        return EVALUATION_ANCHOR, EVALUATION_LABELS

    def stage_forms(self) -> StageForms:
        """``stages``, or the standard later-stage sheets when it is None."""
        if self.stages is not None:
            return self.stages
        from perfxl import layout_stages

        return layout_stages.STANDARD

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

# The later stages' project sheets, as the reader tells them from the targets' project sheet
# (they share its anchor): declared here, so that telling them apart does not build their
# forms (`perfxl.layout_stages`, which takes these).
MONITORING_ANCHOR = Label("A3", C.L_CODE)
MONITORING_LABELS: tuple[Label, ...] = (
    Label("H2", C.MONEY_UNIT_LABEL, "H2:J2", required=False),
    MONITORING_ANCHOR,
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
)
EVALUATION_ANCHOR = Label("A3", C.L_CODE)
EVALUATION_LABELS: tuple[Label, ...] = (
    Label("G2", C.MONEY_UNIT_LABEL, "G2:I2", required=False),
    EVALUATION_ANCHOR,
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
)

MONITORING_CARRIED_INDICATOR_KEYS: tuple[str, ...] = ("level1", "level2", "level3", "target")
MONITORING_INPUT_INDICATOR_KEYS: tuple[str, ...] = (
    "current",
    "forecast",
    "likelihood",
    "deviation",
    "remedy",
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


STANDARD: Layout = Layout(
    project=_PROJECT,
    cover=_COVER,
    overall=_OVERALL,
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
