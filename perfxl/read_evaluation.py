"""Grid + layout -> model for the self-evaluation stage: a self-evaluation project sheet
(项目支出绩效自评表) read into a Project (the carried targets) and its ProjectEvaluation, and
the scoring profile's name from the cover.

Formula cells (执行率, the scores, 总分, 自评等级) read as the values the spreadsheet app
cached (None in a workbook no app has recalculated). A 分值 that equals the row's default
share (the hidden 默认分值 beside it) is the default, read as None: only a 分值 the clerk
typed differently is a typed 分值.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from perfxl import constants as C
from perfxl import layout as L
from perfxl.cells import parse_a1, shift
from perfxl.model import Indicator, IndicatorResult, Project, ProjectEvaluation
from perfxl.read_monitoring import cover_value, locate_indicator, read_fields

if TYPE_CHECKING:
    from perfxl.grid import Grid, Sheet
    from perfxl.read import ReadResult, SheetInfo

_TOTAL = L.normalize_label(C.L_TOTAL_SCORE)


def read_evaluation_sheet(sheet: Sheet, dr: int, dc: int, info: SheetInfo, res: ReadResult) -> bool:
    """Read one self-evaluation sheet into ``res.targets.projects``; False when its labels
    are broken (problems recorded)."""
    from perfxl.read import FieldReader, check_labels

    form = res.layout.evaluation
    if not check_labels(sheet, form.labels, dr, dc, res):
        return False
    info.project_index = index = len(res.targets.projects)
    base = f"/projects/{index}"
    reader = FieldReader(sheet, res, dr, dc, "evaluation")
    p = Project(evaluation=ProjectEvaluation())
    e = p.evaluation
    assert e is not None
    read_fields(reader, form, p, e, f"{base}/evaluation")
    for row_key in form.funds_rows:
        keys = ("rate", "points", "score") if row_key == "total" else ("rate",)
        for key in keys:
            ref = shift(form.funds_cell(row_key, key), dr, dc)
            res.locations[f"{base}/evaluation/{row_key}/{key}"] = (sheet.name, ref)
            setattr(getattr(e, row_key), key, _number(sheet.get(*parse_a1(ref))))
    p.indicators, e.indicators, last = _read_rows(sheet, dr, dc, base, res)
    for key, attr in (("score", "score"), ("level", "level")):
        ref = shift(form.total_cell(last, key), dr, dc)
        res.locations[f"{base}/evaluation/{attr}"] = (sheet.name, ref)
        raw = sheet.get(*parse_a1(ref))
        setattr(e, attr, _number(raw) if key == "score" else _words(raw))
    res.targets.projects.append(p)
    return True


def _read_rows(
    sheet: Sheet, dr: int, dc: int, base: str, res: ReadResult
) -> tuple[list[Indicator], list[IndicatorResult], int]:
    """The indicator rows down to the 总分 row; and the last indicator row (layout's rows):
    the row above 总分, read or not (a row of formulas alone, never calculated, reads blank),
    else the last read."""
    from perfxl.read import as_target, as_text, indicator_rows, note_indicator_table

    form = res.layout.evaluation
    columns = form.indicator_columns
    first = form.indicator_first_row + dr
    inds: list[Indicator] = []
    results: list[IndicatorResult] = []
    last = form.indicator_first_row  # at least one row is drawn
    rows: list[int] = []
    total: int | None = None  # the 总分 row
    for r, raw in indicator_rows(sheet, columns, first, dc):
        if L.normalize_label(raw["level1"]) == _TOTAL:
            total = r
            break
        last = r - dr
        rows.append(r)
        locate_indicator(
            res,
            sheet,
            f"{base}/evaluation",
            len(inds),
            r,
            dc,
            columns,
            L.EVALUATION_INPUT_INDICATOR_KEYS,
            "actual",
        )
        inds.append(
            Indicator(
                level1=as_text(raw["level1"]),
                level2=as_text(raw["level2"]),
                level3=as_text(raw["level3"]),
                target=as_target(raw["target"]),
            )
        )
        split = sheet.get(r, form.helper_columns["split"] + dc)
        points = _number(raw["points"])
        if points is not None and _same(points, _number(split)):
            points = None  # the default share, not typed
        results.append(
            IndicatorResult(
                actual=_actual(raw["actual"], inds[-1].target),
                points=points,
                score=_number(raw["score"]),
                grade=as_text(raw["grade"]),
                deviation=as_text(raw["deviation"]),
            )
        )
    if total is not None:
        last = total - 1 - dr
    typed = {k: v for k, v in columns.items() if k not in L.EVALUATION_FORMULA_INDICATOR_KEYS}
    end = None if total is None else total - 1
    note_indicator_table(res, sheet, base, first, typed, dc, rows, end)
    return inds, results, last


def _actual(raw: Any, target: Any) -> Any:
    """实际完成值 as read: a number in a row whose 年度指标值 is a percentage is the fraction
    Excel stores for what the cell shows (0.96 shown as 96%: the form formats those cells as
    percentages, `perfxl.write.evaluation.PERCENT_ACTUAL_FORMAT`), read as that percent's text
    (``96%``), which `perfxl.scoring` reads in the target's unit; anything else as typed."""
    from decimal import Decimal

    from perfxl.read import as_target
    from perfxl.targets import parse_target

    value = as_target(raw)
    if isinstance(value, bool) or not isinstance(value, int | float) or target is None:
        return value
    try:
        percent = parse_target(target).is_percent
    except TypeError:
        return value
    if not percent:
        return value
    shown = (Decimal(repr(value)) * 100).normalize()
    return f"{shown:f}%"


def _same(a: Any, b: Any) -> bool:
    if not isinstance(a, int | float) or not isinstance(b, int | float):
        return False
    return abs(float(a) - float(b)) < 0.005


def _number(v: Any) -> Any:
    """A figure as read: a number stays a number (whole numbers as int), blank is None,
    text is kept as typed."""
    from perfxl.read import as_target

    if v is None or v == "":
        return None
    return as_target(v)


def _words(v: Any) -> str | None:
    from perfxl.read import as_text

    text: str | None = as_text(v)
    return text


def read_profile(grid: Grid, res: ReadResult) -> str | None:
    """The scoring profile's name from the cover's 评分方案 (``name（title）`` as written)."""
    from perfxl.read import as_text

    text = as_text(cover_value(grid, res, res.layout.evaluation_cover.profile.ref, "/profile"))
    if isinstance(text, str) and text.strip():
        return text.split("（")[0].split("(")[0].strip()
    return None
