"""One read 绩效自评表 -> the county self-evaluation summary's rows (runs in a worker process).

Every score, 总分 and 自评等级 comes from `perfxl.evaluation.evaluate_project` under the
workbook's own scoring profile (the one its cover names; the default when it names none), so
the summary shows the very figures ``compute`` writes into the township's workbook, whatever
the workbook's cached formula values say. Amounts are taken as the cells hold them
(`perfxl.held`): one typed as text shows as typed and gives no 执行率, as in ``compute``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from perfxl.consolidate.columns import ITEM_INDICATOR
from perfxl.consolidate.eval_columns import EvalLowRow, EvalProjectRow
from perfxl.consolidate.records import FileRecord, Submission
from perfxl.consolidate.rows import problem_row, text_or_none
from perfxl.evaluation import evaluate_project
from perfxl.held import held_targets, text_amounts
from perfxl.numbers import to_float
from perfxl.problems import Problem
from perfxl.read import ReadResult
from perfxl.scoring import DEFAULT, Profile


def evaluation_submission(
    res: ReadResult, problems: Iterable[Problem], record: FileRecord, profile: Profile | None
) -> Submission:
    """Every project's scores, and its rows short of full points with their reasons, of one
    self-evaluation workbook scored by ``profile`` (None: the default profile)."""
    t = held_targets(res.targets, text_amounts(res.problems))  # as the sheet's formulas take it
    prof = profile or DEFAULT
    unit_code, unit_name = text_or_none(t.unit.code), text_or_none(t.unit.name)
    record.unit_code, record.unit_name = unit_code, unit_name
    record.projects = len(t.projects)
    file = record.path
    sub = Submission(file=record, stage="evaluation", profile=prof.name)
    for i, p in enumerate(t.projects):
        result = evaluate_project(p, prof)
        code, name = text_or_none(p.code), text_or_none(p.name)
        sheet, cell = res.locations.get(f"/projects/{i}/code", (res.project_sheet(i), None))
        e = p.evaluation
        total = to_float(result.total)
        short = result.short_rows
        sub.scores.append(
            EvalProjectRow(
                unit_code,
                unit_name,
                code,
                name,
                _amount(e.total.budget) if e else None,
                _amount(e.total.executed) if e else None,
                to_float(result.funds.rate),
                to_float(result.funds.score),
                total,
                result.level,
                len(short),
                file,
                sheet,
                cell,
            )
        )
        for r in short:
            j = r.index
            ind = p.indicators[j]
            typed = e.indicators[j] if e is not None and j < len(e.indicators) else None
            base = f"/projects/{i}/evaluation/indicators/{j}"
            isheet, icell = res.locations.get(
                f"{base}/deviation", res.locations.get(base, (sheet, None))
            )
            sub.short.append(
                EvalLowRow(
                    ITEM_INDICATOR,
                    None,
                    unit_code,
                    unit_name,
                    code,
                    name,
                    total,
                    result.level,
                    j + 1,
                    text_or_none(ind.level3),
                    _amount(ind.target),
                    _amount(typed.actual) if typed else None,
                    to_float(r.points),
                    to_float(r.counted),
                    text_or_none(r.deviation),
                    file,
                    isheet,
                    icell,
                )
            )
    for prob in problems:
        sub.problems.append(problem_row(prob, unit_code, unit_name, None, file))
    return sub


def _amount(v: Any) -> Any:
    """A value as the cell holds it (a blank string is no value)."""
    return None if v is None or (isinstance(v, str) and not v.strip()) else v
