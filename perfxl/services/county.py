"""Services over many units' workbooks: the county summary and the disclosure document."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from perfxl.config import Config
    from perfxl.consolidate.combine import Consolidation
    from perfxl.consolidate.run import Options, ReadPlan
    from perfxl.consolidate.writer import RunInfo
    from perfxl.publish.api import PublishResult


def consolidate(
    inputs: Sequence[str | Path],
    out: Path,
    options: Options | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    on_found: Callable[[ReadPlan], None] | None = None,
) -> ConsolidationReport:
    """Consolidate the workbooks (and summaries) among ``inputs`` into the summary ``out``,
    and the long tables into ``options.tables`` when given (`perfxl.consolidate.consolidate`).
    """
    from perfxl.consolidate import consolidate as run

    opts = options
    result = run(inputs, out, opts, progress=progress, on_found=on_found)
    return ConsolidationReport(result, out, opts.tables if opts else None)


def gather(
    inputs: Sequence[str | Path], options: Options | None = None
) -> tuple[Consolidation, RunInfo]:
    """Read and combine the workbooks (and summaries) among ``inputs``, nothing written: the
    county's tables and what a summary's 说明 sheet would tell about the run (the Python
    API's consolidation, `perfxl.api.consolidate`).

    Raises:
        DataError: no workbook among ``inputs``, or the expected-units list is unusable.
        ConfigError: the config file is unusable.
    """
    from perfxl.consolidate.run import collector
    from perfxl.consolidate.run import gather as run

    with collector(enabled=False):  # as a consolidation runs: no cyclic GC while combining
        return run(inputs, options)


@dataclass
class ConsolidationReport:
    """What a consolidation run made.

    Attributes:
        result: the county's tables.
        summary: the summary workbook written.
        tables: the folder of CSV/Parquet tables, if any.
    """

    result: Consolidation
    summary: Path
    tables: Path | None = None

    @property
    def exit_code(self) -> int:
        """2 some file unusable; 1 errors or missing units; 0 all good."""
        return self.result.exit_code

    def to_dict(self) -> dict[str, Any]:
        """The run summary (what ``--format json`` prints)."""
        from perfxl.consolidate import columns as K
        from perfxl.numbers import round2

        r = self.result
        return {
            "summary": str(self.summary),
            "tables": str(self.tables) if self.tables else None,
            "units": sum(1 for u in r.units if u.row_kind == K.ROW_UNIT),
            "projects": r.totals.get("projects", 0),
            # a JSON number (null past a float's range: JSON has no Infinity), and exactly
            "budget": _finite(r.totals.get("budget", 0.0)),
            "budget_exact": None if r.budget is None else f"{round2(r.budget):f}",
            "plan_percent": {
                cp: r.totals.get(k)
                for cp, k in zip(
                    K.CHECKPOINTS, ("pct_mar", "pct_jun", "pct_oct", "pct_dec"), strict=True
                )
            },
            "errors": r.error_count,
            "warnings": r.warning_count,
            "missing_units": [{"unit_code": c, "unit_name": n} for c, n in r.missing],
            "superseded_files": [f.path for f in r.superseded],
            "summaries_not_read": [
                f.source_file for f in r.files if f.file_status == K.SUMMARY_SKIPPED
            ],
            "unusable_files": [
                {"file": f.path, "status": f.status, "reason": f.note} for f in r.unreadable
            ],
            "notes": list(r.notes),
            "exit_code": r.exit_code,
            **self._monitoring(),
        }

    def _monitoring(self) -> dict[str, Any]:
        """A monitoring run's county figures: stage, month, 执行率 against 序时, light counts."""
        from perfxl.consolidate import columns as K

        r = self.result
        if r.stage == "evaluation":
            return self._evaluation()
        if r.stage != "monitoring":
            return {"stage": r.stage}
        total = next((u for u in r.monitor_units if u.row_kind == K.ROW_TOTAL), None)
        return {
            "stage": r.stage,
            "month": r.month,
            "rate": total.rate if total else None,
            "schedule": total.schedule if total else None,
            "lights": {
                "red": total.red if total else 0,
                "yellow": total.yellow if total else 0,
                "green": total.green if total else 0,
            },
            "indicator_lights": {
                "red": total.indicators_red if total else 0,
                "yellow": total.indicators_yellow if total else 0,
            },
        }

    def _evaluation(self) -> dict[str, Any]:
        """A self-evaluation run's county figures: the profile, the mean 总分, grade counts."""
        from perfxl.consolidate import columns as K
        from perfxl.consolidate.eval_columns import LEVEL_KEYS, LEVEL_NAMES

        r = self.result
        total = next((u for u in r.eval_units if u.row_kind == K.ROW_TOTAL), None)
        return {
            "stage": r.stage,
            "profile": r.profile,
            "average": total.average if total else None,
            "scored": total.scored if total else 0,
            "levels": {
                name: getattr(total, key) if total else 0
                for key, name in zip(LEVEL_KEYS, LEVEL_NAMES, strict=True)
            },
        }


def _finite(value: float) -> float | None:
    """``value``, or None when it is not finite (a total past a float's range)."""
    import math

    return value if math.isfinite(value) else None


def publish(
    books: Sequence[Path],
    out: Path,
    *,
    pdf: bool = False,
    title: str | None = None,
    progress: Callable[[str], None] | None = None,
    stage: str | None = None,
    config: Config | None = None,
) -> PublishResult:
    """The disclosure document of one unit or a whole county (`perfxl.publish.publish`);
    ``progress`` hears each step of a long run (a county's PDF takes minutes). ``stage``
    picks ``targets``, ``monitoring`` or ``evaluation`` when the inputs hold several;
    ``config`` (the county settings, None for the shipped defaults) gives the monitoring
    lights' thresholds."""
    from perfxl.config import default_config
    from perfxl.publish import publish as run
    from perfxl.publish.monitoring import thresholds_of

    return run(
        list(books),
        out,
        pdf=pdf,
        title=title,
        progress=progress,
        stage=stage,
        thresholds=thresholds_of(config or default_config()),
    )
