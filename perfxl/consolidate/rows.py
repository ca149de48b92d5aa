"""A read workbook (model + problems) -> rows of the long tables. Pure: no I/O library."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from perfxl.consolidate.columns import SEVERITY_ZH, IndicatorRow, ProblemRow, ProjectRow
from perfxl.consolidate.records import FileRecord, Submission
from perfxl.numbers import whole
from perfxl.problems import Problem
from perfxl.read import ReadResult
from perfxl.targets import Target, parse_target

TARGET_KIND_ZH = {"quantitative": "定量", "qualitative": "定性", "empty": "空"}
_PROJECT_POINTER = re.compile(r"^/projects/(\d+)(/|$)")


# A row made from its fields' tuple at once: a NamedTuple's own constructor is a Python
# function (rows are made by the hundred per workbook); the row is the same in every way.
_new_row: Any = tuple.__new__
_PLAIN = frozenset({type(None), str, int, float})  # a problem's value kept as it is


def target_of(value: Any) -> Target:
    """`parse_target` (which remembers text targets)."""
    return parse_target(value)


def text_or_none(v: Any) -> str | None:
    """A code or name as text (codes read as numbers were already reported by the reader)."""
    if v is None or v == "":
        return None
    return v if isinstance(v, str) else str(v)


def link(file: str | None, sheet: str | None, cell: str | None) -> str | None:
    """A hyperlink address in Excel's form, ``file#'sheet'!cell`` (for =HYPERLINK or Ctrl+K)."""
    if not file:
        return None
    if not sheet:
        return file
    quoted = "'" + sheet.replace("'", "''") + "'"
    return f"{file}#{quoted}!{cell or 'A1'}"


def problem_row(
    p: Problem, unit_code: str | None, unit_name: str | None, project_code: Any, file: str | None
) -> ProblemRow:
    """One 校验问题 row (see `columns.PROBLEMS`); ``file`` is the source file as listed."""
    value = p.value if p.value is None or isinstance(p.value, str | int | float) else str(p.value)
    if isinstance(value, bool):
        value = str(value)
    return ProblemRow(
        unit_code,
        unit_name,
        SEVERITY_ZH.get(p.severity, p.severity),
        p.rule,
        p.message,
        text_or_none(p.project_code or project_code),
        file,
        p.sheet,
        p.cell,
        p.pointer,
        value,
        link(file, p.sheet, p.cell),
    )


def code_place(res: ReadResult, i: int) -> tuple[str | None, str | None]:
    """Where project ``i``'s 项目编码 stands (sheet, cell): what a duplicate code is reported at."""
    return res.locations.get(f"/projects/{i}/code", (res.project_sheet(i), None))


def project_codes(res: ReadResult) -> list[dict[str, str | None]]:
    """Every project's non-empty code with its sheet and cell, as the summary's rows hold them
    (the web dashboard counts codes shared between units from these, as consolidate does)."""
    out: list[dict[str, str | None]] = []
    for i, p in enumerate(res.targets.projects):
        if code := text_or_none(p.code):
            sheet, cell = code_place(res, i)
            out.append({"code": code, "sheet": sheet, "cell": cell})
    return out


def submission(res: ReadResult, problems: Iterable[Problem], record: FileRecord) -> Submission:
    """Every project, indicator and problem of one read workbook, as rows."""
    t = res.targets
    unit_code, unit_name = text_or_none(t.unit.code), text_or_none(t.unit.name)
    record.unit_code, record.unit_name = unit_code, unit_name
    record.projects = len(t.projects)
    file = record.path
    sub = Submission(file=record)
    codes: list[str | None] = []
    for i, p in enumerate(t.projects):
        code, name = text_or_none(p.code), text_or_none(p.name)
        codes.append(code)
        sheet, cell = code_place(res, i)
        plan = p.plan
        sub.projects.append(
            ProjectRow(
                unit_code,
                unit_name,
                code,
                name,
                p.budget,
                p.fiscal_funds,
                p.other_funds,
                plan.mar,
                plan.jun,
                plan.oct,
                plan.dec,
                len(p.indicators),
                file,
                sheet,
                cell,
            )
        )
        for j, ind in enumerate(p.indicators):
            raw = ind.target
            tgt = parse_target(raw)
            isheet, icell = res.locations.get(f"/projects/{i}/indicators/{j}/target", (sheet, None))
            sub.indicators.append(
                _new_row(
                    IndicatorRow,
                    (
                        unit_code,
                        unit_name,
                        code,
                        name,
                        j + 1,
                        ind.level1,
                        ind.level2,
                        ind.level3,
                        ind.description,
                        raw if type(raw) is str or raw is None else whole(raw),
                        TARGET_KIND_ZH[tgt.kind],
                        tgt.comparison,
                        None if tgt.number is None else whole(tgt.number),
                        tgt.unit,
                        ind.basis,
                        file,
                        isheet,
                        icell,
                    ),
                )
            )
    sub.problems = _problem_rows(problems, unit_code, unit_name, codes, file)
    return sub


def _problem_rows(
    problems: Iterable[Problem],
    unit_code: str | None,
    unit_name: str | None,
    codes: list[str | None],
    file: str,
) -> list[ProblemRow]:
    """`problem_row` of each problem, the project's code found from its pointer when the
    problem carries none (built inline: a workbook can have hundreds)."""
    out: list[ProblemRow] = []
    append = out.append
    sheet_links: dict[str, str] = {}  # sheet -> "file#'sheet'!"
    for p in problems:
        value = p.value
        if type(value) not in _PLAIN and (
            not (value is None or isinstance(value, str | int | float)) or isinstance(value, bool)
        ):
            value = str(value)
        code = p.project_code
        if not code:
            m = _PROJECT_POINTER.match(p.pointer or "")
            code = codes[int(m.group(1))] if m and int(m.group(1)) < len(codes) else None
        if type(code) is not str:
            code = text_or_none(code)
        sheet, cell = p.sheet, p.cell
        if not file:
            href = None
        elif not sheet:
            href = file
        else:
            base = sheet_links.get(sheet)
            if base is None:
                quoted = sheet.replace("'", "''")
                base = sheet_links[sheet] = f"{file}#'{quoted}'!"
            href = f"{base}{cell or 'A1'}"
        append(
            _new_row(
                ProblemRow,
                (
                    unit_code,
                    unit_name,
                    SEVERITY_ZH.get(p.severity, p.severity),
                    p.rule,
                    p.message,
                    code,
                    file,
                    sheet,
                    cell,
                    p.pointer,
                    value,
                    href,
                ),
            )
        )
    return out
