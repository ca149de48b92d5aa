"""Services that compute a workbook's cumulative percentages: a file, or an open book."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from perfxl.compute import ComputeResult
    from perfxl.config import Config
    from perfxl.evaluation import EvaluationResult
    from perfxl.grid import Grid
    from perfxl.monitoring import MonitoringResult
    from perfxl.problems import Problem
    from perfxl.read import ReadResult
    from perfxl.write.percentages import ComputeOutcome, FormulaMap, PercentageWrites


def compute_open_book(
    grid: Grid,
    formulas: Callable[[list[tuple[str, str]]], FormulaMap],
    config: Config | None = None,
) -> tuple[
    ReadResult,
    ComputeResult,
    PercentageWrites,
    list[Problem],
    list[MonitoringResult] | list[EvaluationResult] | None,
]:
    """The percentages of an open book's cells and the cells to write, as ``compute`` decides
    them for a file (`perfxl.write.percentages.plan_percentages`); the caller writes them.

    A monitoring workbook (stage ``monitoring``) gets its 执行率, lights and 序时进度 as
    ``compute`` gives a file (`perfxl.write.rates.plan_monitoring`, ``config``'s light
    thresholds); the last item is then its figures per project (None for targets). A
    self-evaluation workbook gets its scores, 总分 and 自评等级
    (`perfxl.write.scores.plan_evaluation`; the last item its scores per project).

    Args:
        grid: the book's cells.
        formulas: reads the formulas of (sheet, cell)s from the book.
        config: the county settings; None for the shipped defaults.

    Raises:
        NotAPerfxlWorkbookError: the book has neither a project sheet nor a cover.
    """
    from decimal import Decimal

    from perfxl import layout as L
    from perfxl.compute import ComputeResult, Totals
    from perfxl.config import default_config
    from perfxl.errors import NotAPerfxlWorkbookError
    from perfxl.read import read_grid_model
    from perfxl.write.percentages import outcome_problems, plan_percentages

    read = read_grid_model(grid)
    if read.summary is not None:  # a county summary: said as what it is
        read.require_perfxl("未计算")
    if not any(s.kind in ("project", "monitoring", "evaluation", "cover") for s in read.sheets):
        anchor = L.PROJECT_ANCHOR
        raise NotAPerfxlWorkbookError(
            f"工作簿中没有项目绩效目标表（{anchor.ref} 为“{anchor.text}”）或封面，无法计算。",
            path=read.path,
        )
    if read.targets.stage == "monitoring":
        from perfxl.write.rates import monitoring_problems, plan_monitoring

        cfg = config or default_config()
        results, plan = plan_monitoring(
            read,
            grid,
            formulas,
            yellow_gap=Decimal(repr(cfg.yellow_gap)),
            red_gap=Decimal(repr(cfg.red_gap)),
        )
        empty = ComputeResult([], Totals(Decimal(0), Decimal(0), Decimal(0), (), None))
        return read, empty, plan, monitoring_problems(read, results, plan), results
    if read.targets.stage == "evaluation":
        from perfxl.write.scores import evaluation_problems, plan_evaluation

        scores, plan = plan_evaluation(read, grid, formulas)
        empty = ComputeResult([], Totals(Decimal(0), Decimal(0), Decimal(0), (), None))
        return read, empty, plan, evaluation_problems(read, scores, plan), scores
    computed, plan = plan_percentages(read, grid, formulas)
    return read, computed, plan, outcome_problems(read, computed, plan), None


def updated_message(updated: list[tuple[str, str]]) -> str | None:
    """What ``compute`` (and the ribbon's 计算进度) says of the formulas it brought up to date;
    None when there were none."""
    if not updated:
        return None
    sheets = len({sheet for sheet, _ in updated})
    return (
        f"已将 {sheets} 个工作表中 {len(updated)} 个单元格的旧版公式更新为当前公式"
        "（旧版公式把文本或空白的金额、分值当作 0 计算，与 perfxl 的结果不一致）。"
    )


@dataclass
class ComputeReport:
    """What ``compute`` did to a workbook file.

    Attributes:
        outcome: the engine's outcome (read, computed, problems, what was written).
        target: the file written.
    """

    outcome: ComputeOutcome
    target: Path

    @property
    def problems(self) -> list[Problem]:
        """Why projects or cells got no percentage."""
        return self.outcome.problems

    @property
    def stage(self) -> str:
        """``targets`` (cumulative percentages), ``monitoring`` (执行率 and lights) or
        ``evaluation`` (scores, 总分 and 自评等级)."""
        if self.outcome.evaluation is not None:
            return "evaluation"
        return "targets" if self.outcome.monitoring is None else "monitoring"

    @property
    def done(self) -> int:
        """Projects whose percentages (monitoring: 执行率; evaluation: 总分) were computed."""
        if self.outcome.evaluation is not None:
            return sum(e.total is not None for e in self.outcome.evaluation)
        if self.outcome.monitoring is not None:
            return sum(m.rate is not None for m in self.outcome.monitoring)
        return sum(p.percents is not None for p in self.outcome.computed.projects)

    @property
    def total(self) -> int:
        """Projects in the workbook."""
        if self.outcome.evaluation is not None:
            return len(self.outcome.evaluation)
        if self.outcome.monitoring is not None:
            return len(self.outcome.monitoring)
        return len(self.outcome.computed.projects)

    @property
    def backup(self) -> Path | None:
        """The backup an in-place write kept."""
        return self.outcome.result.backup

    @property
    def updated(self) -> list[tuple[str, str]]:
        """(sheet, cell) of each formula perfxl's previous standard one that now holds the
        current one (`perfxl.layout_previous`): an update, not a problem."""
        return self.outcome.updated

    def _updated_dict(self) -> list[dict[str, str]]:
        return [{"sheet": sheet, "cell": cell} for sheet, cell in self.updated]

    def to_dict(self) -> dict[str, Any]:
        """The JSON report: percentages per project (numbers, 2 decimals) and the problems."""
        if self.outcome.evaluation is not None:
            return self._evaluation_dict(self.outcome.evaluation)
        if self.outcome.monitoring is not None:
            return self._monitoring_dict(self.outcome.monitoring)
        read, computed = self.outcome.read, self.outcome.computed
        projects = []
        for pp in computed.projects:
            p = read.targets.projects[pp.index]
            projects.append(
                {
                    "index": pp.index,
                    "sheet": read.project_sheet(pp.index),
                    "code": p.code,
                    "name": p.name,
                    "percents": None if pp.percents is None else [float(x) for x in pp.percents],
                }
            )
        t = computed.totals
        return {
            "file": read.path,
            "output": str(self.target),
            "backup": str(self.backup) if self.backup else None,
            "projects": projects,
            "totals": {
                "budget": float(t.budget),
                "plan": [float(x) for x in t.plan],
                "percent": None if t.percent is None else float(t.percent),
            },
            "problems": [p.to_dict() for p in self.problems],
        }

    def _monitoring_dict(self, results: list[MonitoringResult]) -> dict[str, Any]:
        """The monitoring stage's report: the month and its 序时进度 (null without a month
        from 1 to 12), and per project its 执行率 (年度资金总额,
        财政资金, 其他资金; percentages, 2 decimals) and lights (绿/黄/红 or null)."""
        from perfxl.monitoring import LIGHT_TEXT, month_of

        read = self.outcome.read
        schedule = next((m.schedule for m in results), None)
        projects = []
        for m in results:
            p = read.targets.projects[m.index]
            rates = {k: None if r.value is None else float(r.value) for k, r in m.rates.items()}
            projects.append(
                {
                    "index": m.index,
                    "sheet": read.project_sheet(m.index),
                    "code": p.code,
                    "name": p.name,
                    "rate": None if m.rate is None else float(m.rate),
                    "rates": rates,
                    "light": LIGHT_TEXT[m.light] if m.light else None,
                    "indicator_lights": [LIGHT_TEXT[x] if x else None for x in m.indicator_lights],
                }
            )
        return {
            "file": read.path,
            "output": str(self.target),
            "backup": str(self.backup) if self.backup else None,
            "stage": "monitoring",
            "month": month_of(read.targets),  # null for none usable, as 序时进度
            "schedule": None if schedule is None else float(schedule),
            "projects": projects,
            "formulas_updated": self._updated_dict(),
            "problems": [p.to_dict() for p in self.problems],
        }

    def _evaluation_dict(self, results: list[EvaluationResult]) -> dict[str, Any]:
        """The self-evaluation's report: the profile, and per project 执行率 (percent),
        the funds score, 总分, 自评等级 and each indicator row's 分值 and 得分 (numbers at 2
        decimals; null where perfxl cannot score)."""

        def f(v: Any) -> float | None:
            return None if v is None else float(v)

        read = self.outcome.read
        projects = []
        for i, e in enumerate(results):
            p = read.targets.projects[i]
            projects.append(
                {
                    "index": i,
                    "sheet": read.project_sheet(i),
                    "code": p.code,
                    "name": p.name,
                    "rate": f(e.funds.rate),
                    "funds_score": f(e.funds.score),
                    "total": f(e.total),
                    "level": e.level,
                    "rows": [
                        {
                            "points": f(r.points),
                            "score": f(r.score),
                            "counted": f(r.counted),
                            "rule": r.rule,
                            "full": r.full,
                            "problems": list(r.problems),
                        }
                        for r in e.rows
                    ],
                }
            )
        return {
            "file": read.path,
            "output": str(self.target),
            "backup": str(self.backup) if self.backup else None,
            "stage": "evaluation",
            "profile": results[0].profile if results else read.targets.profile,
            "projects": projects,
            "formulas_updated": self._updated_dict(),
            "problems": [p.to_dict() for p in self.problems],
        }


def compute_workbook(
    book: str | Path,
    out: str | Path | None = None,
    config: Config | None = None,
    *,
    overwrite: bool = False,
) -> ComputeReport:
    """Compute a workbook's percentages and write them back (``out`` None: in place, with
    ``BOOK.bak.xlsx``), changing nothing else (`perfxl.write.percentages.compute_workbook`,
    which replaces an existing ``out`` only when ``compute`` wrote it, or with ``overwrite``).

    ``config`` (the county settings, None for the shipped defaults) gives a monitoring
    workbook's light thresholds, the same ones ``validate`` applies. A workbook without a
    project is refused (``NoProjectsError``), nothing written.
    """
    from decimal import Decimal

    from perfxl.write.percentages import compute_workbook as write_percentages

    def gaps() -> tuple[Decimal, Decimal]:
        # Only a monitoring workbook needs them: a targets workbook loads no config
        # (the shipped defaults cost ~20 ms of imports at the command line).
        from perfxl.config import default_config

        cfg = config or default_config()
        return Decimal(repr(cfg.yellow_gap)), Decimal(repr(cfg.red_gap))

    outcome = write_percentages(book, out, gaps=gaps, require_projects=True, overwrite=overwrite)
    return ComputeReport(outcome, Path(out or book))
