"""The rows of the workbook shown with a result, and the problems in the order shown."""

from __future__ import annotations

import math
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from perfxl.grid import Grid


MAX_ROWS = 200
"""Rows of the grid shown with a result at most (the page folds all but the errors' rows)."""

ROWS_PER_RULE = 5
"""Rows shown for one warning or info rule (its first problem cells); an error's row is always
shown, within `MAX_ROWS`."""

MAX_ROW_CELLS = 16
"""Columns of one shown row at most (the project form is 8 wide; a cover row a few more)."""

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def sort_problems(problems: list[dict[str, Any]], sheets: list[str]) -> list[dict[str, Any]]:
    """Errors first, then warnings, then infos; within each, file-level problems first, then
    by sheet (workbook order), row and column; ties keep their order."""
    from perfxl.cells import parse_a1

    order = {s: i for i, s in enumerate(sheets)}

    def key(item: tuple[int, dict[str, Any]]) -> tuple[int, int, int, int, int]:
        n, p = item
        sev = SEVERITY_ORDER.get(p["severity"], 3)
        if p["sheet"] is None:
            return (sev, -1, 0, 0, n)
        try:
            row, col = parse_a1(p["cell"]) if p["cell"] else (0, 0)
        except ValueError:
            row, col = 0, 0
        return (sev, order.get(p["sheet"], len(order)), row, col, n)

    return [p for _, p in sorted(enumerate(problems), key=key)]


def affected_rows(grid: Grid, problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The grid rows the problems sit in (in the problems' order, each row once): every
    error's row, the first `ROWS_PER_RULE` rows of each warning or info rule, at most
    `MAX_ROWS` in all; each cell's value as text, the problem cells of a shown row marked with
    their worst severity."""
    from perfxl.cells import col_letter, parse_a1

    sheets = {s.name: s for s in grid.sheets}
    located: list[tuple[tuple[str, int], int, dict[str, Any]]] = []
    for p in problems:
        sheet, cell = p["sheet"], p["cell"]
        if sheet not in sheets or not cell:
            continue
        try:
            row, col = parse_a1(cell)
        except ValueError:
            continue
        located.append(((sheet, row), col, p))
    order: list[tuple[str, int]] = []
    per_rule: dict[str, set[tuple[str, int]]] = {}
    for key, _col, p in located:
        rule_rows = per_rule.setdefault(str(p.get("rule")), set())
        if key in order:
            rule_rows.add(key)
            continue
        if len(order) >= MAX_ROWS:
            break
        if p["severity"] != "error" and len(rule_rows) >= ROWS_PER_RULE:
            continue
        order.append(key)
        rule_rows.add(key)
    marks: dict[tuple[str, int], dict[int, str]] = {key: {} for key in order}
    for key, col, p in located:
        if key not in marks:
            continue
        have = marks[key].get(col)
        if have is None or SEVERITY_ORDER[p["severity"]] < SEVERITY_ORDER[have]:
            marks[key][col] = p["severity"]
    out = []
    for sheet, row in order:
        s = sheets[sheet]
        values = s.rows[row - 1] if 0 < row <= len(s.rows) else []
        used = max((i + 1 for i, v in enumerate(values) if v not in (None, "")), default=0)
        width = min(max(used, *marks[(sheet, row)]), MAX_ROW_CELLS)
        cells = []
        for c in range(1, width + 1):
            sev = marks[(sheet, row)].get(c)
            cells.append(
                {
                    "ref": f"{col_letter(c)}{row}",
                    "value": cell_text(s.get(row, c)),
                    "marked": sev is not None,
                    "severity": sev,
                }
            )
        out.append({"sheet": sheet, "row": row, "cells": cells})
    return out


def cell_text(v: Any) -> str:
    """A cell's value as a page shows it: numbers without float noise, dates in ISO form."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        if v.is_integer():
            return str(int(v))
        return f"{v:.10f}".rstrip("0").rstrip(".")
    if isinstance(v, datetime):
        return v.isoformat(sep=" ", timespec="seconds").removesuffix(" 00:00:00")
    if isinstance(v, (date, time)):
        return v.isoformat()
    return str(v)


def jsonable(v: Any) -> Any:
    """A value that ``json.dumps`` takes and that reads back the same (else its text)."""
    if v is None or isinstance(v, (str, bool, int)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    return cell_text(v)
