"""The county self-evaluation summary's tables, from the chosen self-evaluation submissions
(pure).

Scores and grades are the ones the worker took from `perfxl.evaluation`; a township's mean
总分 is `perfxl.numbers.mean` of its projects' 总分 (the projects with one), its 执行率 its
全年执行数 total over its 全年预算数 total (`perfxl.numbers`). Every input must be scored by
one profile: a summary mixing two scoring schemes would rank figures that do not compare.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from perfxl.consolidate import columns as K
from perfxl.consolidate.combine import Consolidation
from perfxl.consolidate.eval_columns import (
    LEVEL_KEYS,
    LOWEST,
    EvalLowRow,
    EvalProjectRow,
    EvalUnitRow,
)
from perfxl.consolidate.monitor_combine import mark_used, without_stage
from perfxl.consolidate.records import Extracted, Submission
from perfxl.errors import DataError
from perfxl.numbers import (
    checked_total,
    cumulative_percent,
    mean,
    number,
    to_float,
    total,
    total_cell,
)
from perfxl.scoring import WORST_LEVEL, get_profile


def evaluation_run(extracted: Sequence[Extracted]) -> bool:
    """Whether the inputs are self-evaluation workbooks: at least one, and nothing else.

    Raises:
        DataError: the workbooks are scored by different profiles (each named with its files).
    """
    subs = [s for e in extracted for s in e.submissions]
    if not subs or any(s.stage != "evaluation" for s in subs):
        return False
    by_profile: dict[str | None, list[str]] = defaultdict(list)
    for s in subs:
        by_profile[s.profile].append(s.file.path)
    if len(by_profile) > 1:
        from perfxl.stages import files_text

        parts = "；".join(f"{_profile_text(p)}：{files_text(f)}" for p, f in by_profile.items())
        raise DataError(
            f"自评表的评分方案不一致（{parts}）：县级自评汇总只汇总同一评分方案的自评表，"
            "得分才可比较。请按县配置的评分方案重新生成（perfxl new evaluation --profile 方案名 "
            "--from 原自评表），或只给出同一评分方案的文件。",
            path=subs[0].file.path,
        )
    mark_used(subs)
    return True


def without_evaluation(extracted: Sequence[Extracted]) -> None:
    """Other workbooks among the inputs: the self-evaluation ones stay listed only."""
    without_stage(extracted, "evaluation")


def evaluation_tables(out: Consolidation) -> None:
    """Fill ``out``'s 自评汇总, 乡镇得分 and 低分项目 from its chosen submissions."""
    out.stage = "evaluation"
    out.profile = next((s.profile for s in out.chosen), None)
    names = level_names(out.profile)
    for s in out.chosen:
        out.evaluation.extend(s.scores)
        f = s.file
        out.eval_units.append(
            _unit_row(K.ROW_UNIT, f.unit_code, f.unit_name, s.scores, names, f.path)
        )
    n = len(out.chosen)
    name = K.TOTAL_OF.format(n=n)
    budget, exact = checked_total(r.budget for r in out.evaluation)
    executed, e_exact = checked_total(r.executed for r in out.evaluation)
    out.totals = {"projects": len(out.evaluation), "budget": float(budget)}
    out.budget = budget if exact else None
    row = _unit_row(K.ROW_TOTAL, None, name, out.evaluation, names, None)
    # each total as the report says it (`numbers.total_cell`): never empty, inf or rounded
    cells = total_cell(out.budget), total_cell(executed if e_exact else None)
    out.eval_units.append(row._replace(budget=cells[0], executed=cells[1]))
    out.lowest = lowest(out.chosen)


def level_names(profile: str | None) -> list[str]:
    """The 自评等级 of a profile, best first (the summary's 优, 良, 中, 差 columns)."""
    return [name for name, _ in get_profile(profile or "default").levels] + [WORST_LEVEL]


def _unit_row(
    kind: str,
    code: str | None,
    name: str | None,
    rows: Sequence[EvalProjectRow],
    names: Sequence[str],
    source: str | None,
) -> EvalUnitRow:
    totals = [Decimal(repr(r.total)) for r in rows if r.total is not None]
    counts = dict.fromkeys(LEVEL_KEYS, 0)
    for r in rows:
        if r.level in names:
            counts[LEVEL_KEYS[min(names.index(r.level), len(LEVEL_KEYS) - 1)]] += 1
    budget, executed = total(r.budget for r in rows), total(r.executed for r in rows)
    return EvalUnitRow._make(
        (
            kind,
            code,
            name,
            len(rows),
            len(totals),
            to_float(mean(totals)),
            to_float(max(totals)) if totals else None,
            to_float(min(totals)) if totals else None,
            *counts.values(),
            float(budget),
            float(executed),
            to_float(cumulative_percent(executed, budget)),
            source,
        )
    )


def lowest(chosen: Sequence[Submission], n: int = LOWEST) -> list[EvalLowRow]:
    """The ``n`` lowest-scoring projects of the county (lowest 总分 first; ties by unit and
    project code), each followed by its rows short of full points and their reasons."""
    scored: list[tuple[Decimal, str, str, Submission, EvalProjectRow]] = []
    for s in chosen:
        for r in s.scores:
            t = number(r.total)
            if t is not None:
                scored.append((t, r.unit_code or "", r.project_code or "", s, r))
    scored.sort(key=lambda x: x[:3])
    rows: list[EvalLowRow] = []
    for rank, (_, _, _, s, r) in enumerate(scored[:n], start=1):
        rows.append(
            EvalLowRow(
                K.ITEM_PROJECT,
                rank,
                r.unit_code,
                r.unit_name,
                r.project_code,
                r.project_name,
                r.total,
                r.level,
                None,
                None,
                None,
                None,
                None,
                None,
                _reasons(s, r),
                r.source_file,
                r.sheet,
                r.cell,
            )
        )
        rows.extend(x._replace(rank=rank) for x in s.short if _same(x, r))
    return rows


def _same(x: EvalLowRow, r: EvalProjectRow) -> bool:
    return (x.project_code, x.sheet) == (r.project_code, r.sheet)


def _reasons(s: Submission, r: EvalProjectRow) -> str | None:
    """The project's reasons, one line per short row that has one."""
    lines = [
        f"{x.indicator or x.number}：{x.deviation}" for x in s.short if _same(x, r) and x.deviation
    ]
    return "\n".join(lines) or None


def _profile_text(name: Any) -> str:
    return f"评分方案 {name}" if name else "未注明评分方案（按默认方案）"
