"""The form, declared once: which label sits where and which field lives in which cell.

The writer draws the sheets from these declarations and the reader finds the values with
them; nothing else in perfxl knows a cell address of the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from perfxl import constants as C


@dataclass(frozen=True)
class Label:
    """A fixed text of the form. ``span`` is the merged range whose top-left is ``ref``."""

    ref: str
    text: str
    span: str | None = None


@dataclass(frozen=True)
class Field:
    """An input cell.

    Attributes:
        key: path below the record, as in the JSON pointer (``code``, ``plan/mar``).
        ref: the cell.
        kind: ``text``, ``amount`` (万元, 2 decimals), ``lines`` (a list, one item a line),
            ``integer`` or ``choice``.
        span: the merged range whose top-left is ``ref``, when the input spans columns.
    """

    key: str
    ref: str
    kind: str
    span: str | None = None


# --- project sheet (项目支出绩效目标表) ------------------------------------------------------
PROJECT_WIDTH = 7  # columns A..G
PROJECT_TITLE = Label("A1", "", "A1:G1")
PROJECT_UNIT_LINE = Field("unit_line", "A2", "text", "A2:E2")  # written by fill, not read
PROJECT_ANCHOR = Label("A3", C.L_CODE)

PROJECT_LABELS: tuple[Label, ...] = (
    Label("F2", C.MONEY_UNIT_LABEL, "F2:G2"),
    PROJECT_ANCHOR,
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
    Label("F6", C.L_PLAN_SCOPE, "F6:G6"),
    Label("F7", C.L_PLAN_AMOUNTS, "F7:G7"),
    Label("F8", C.L_PLAN_PERCENT, "F8:G8"),
    Label("A9", C.L_GOALS),
    Label("A10", C.L_LEVEL1),
    Label("B10", C.L_LEVEL2),
    Label("C10", C.L_LEVEL3),
    Label("D10", C.L_DESCRIPTION, "D10:E10"),
    Label("F10", C.L_TARGET),
    Label("G10", C.L_BASIS),
)

PROJECT_FIELDS: tuple[Field, ...] = (
    Field("code", "B3", "text", "B3:C3"),
    Field("name", "E3", "text", "E3:G3"),
    Field("budget", "C4", "amount"),
    Field("fiscal_funds", "E4", "amount"),
    Field("other_funds", "G4", "amount"),
    Field("purpose", "B5", "text", "B5:G5"),
    Field("plan/mar", "B7", "amount"),
    Field("plan/jun", "C7", "amount"),
    Field("plan/oct", "D7", "amount"),
    Field("plan/dec", "E7", "amount"),
    Field("goals", "B9", "lines", "B9:G9"),
)
# The cumulative percentages (computed, not read into the model), under the plan amounts.
PROJECT_PERCENT_CELLS: tuple[str, ...] = ("B8", "C8", "D8", "E8")
PROJECT_BUDGET_CELL = "C4"

INDICATOR_HEADER_ROW = 10
INDICATOR_FIRST_ROW = 11
INDICATOR_MIN_ROWS = 20
# key -> (first column, last column) of the indicator table; the description spans D:E.
INDICATOR_COLUMNS: dict[str, tuple[int, int]] = {
    "level1": (1, 1),
    "level2": (2, 2),
    "level3": (3, 3),
    "description": (4, 5),
    "target": (6, 6),
    "basis": (7, 7),
}

# --- cover sheet (封面) ----------------------------------------------------------------------
COVER_WIDTH = len(C.COVER_HEADERS)
COVER_TITLE = Label("A1", C.COVER_TITLE, "A1:K1")
COVER_ANCHOR = Label("A3", C.L_UNIT_CODE)
COVER_LABELS: tuple[Label, ...] = (
    COVER_ANCHOR,
    Label("A4", C.L_UNIT_NAME),
    Label("A5", C.L_YEAR),
    Label("A6", C.L_MONEY_UNIT),
    Label("A7", C.L_FRAMEWORK),
    Label("A8", C.L_SCHEMA_VERSION),
)
COVER_FIELDS: tuple[Field, ...] = (
    Field("unit/code", "B3", "text", "B3:D3"),
    Field("unit/name", "B4", "text", "B4:D4"),
    Field("year", "B5", "integer"),
    Field("money_unit", "B6", "text"),
    Field("framework", "B7", "choice"),
    Field("schema_version", "B8", "text"),
)
COVER_NOTE_ROW = 9
COVER_HEADER_ROW = 10
COVER_FIRST_PROJECT_ROW = 11

# --- overall sheet (部门整体绩效目标) --------------------------------------------------------
OVERALL_WIDTH = 5
OVERALL_TITLE = Label("A1", C.OVERALL_TITLE, "A1:E1")
OVERALL_SUMMARY_LABEL = Label("A2", C.L_SUMMARY_SECTION, "A2:E2")
OVERALL_SUMMARY = Field("overall/summary", "A3", "text", "A3:E3")
OVERALL_AREAS_SECTION_ROW = 5  # the areas table starts here; measures follow the areas
OVERALL_MIN_ROWS = 5
# key -> (first column, last column); column A holds the running number (derived).
AREA_COLUMNS: dict[str, tuple[int, int]] = {
    "title": (2, 2),
    "description": (3, 3),
    "targets": (4, 4),
    "indicators": (5, 5),
}
MEASURE_COLUMNS: dict[str, tuple[int, int]] = {"title": (2, 2), "text": (3, 5)}


def normalize_label(text: object) -> str:
    """Label text compared loosely: no white space, half-width brackets, colon and percent."""
    if text is None:
        return ""
    return _normalize(text if isinstance(text, str) else str(text))


@lru_cache(maxsize=16384)  # labels and the cells compared with them repeat across sheets
def _normalize(text: str) -> str:
    return "".join(text.split()).translate(_LABEL_FOLD)


_LABEL_FOLD = str.maketrans({"（": "(", "）": ")", "：": ":", "％": "%"})
