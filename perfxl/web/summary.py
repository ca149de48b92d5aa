"""The county summary of a round (``perfxl consolidate`` over every unit's latest version)
and the figures and chart data the summary page shows (a job of the pool).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from perfxl.web.rows import jsonable
from perfxl.web.staging import (
    config_file,
    config_from_text,
    link_or_copy,
    safe_name,
    strip_folder,
    suffix_for,
    user_errors,
)


def build_summary(
    files: list[tuple[Path, str]],
    *,
    expected: list[tuple[str, str | None]],
    config_text: str | None,
    out: Path,
) -> dict[str, Any]:
    """The county summary of a round's latest versions, exactly as ``perfxl consolidate DIR
    -o OUT --expected UNITS.csv [--config CONFIG]`` makes it, written to ``out``; and the
    figures the summary page shows, taken from the consolidation's own tables.

    The files are linked (or copied) into a private folder beside ``out`` under their
    display names (never names from uploads), with the expected units' CSV and the config
    beside them; the folder is removed afterwards.

    Args:
        files: (stored upload, display name such as ``910001-巨鹿镇-v3.xlsx``) per unit.
        expected: the round's units as (code, name).
        config_text: the round's config text (None: the shipped defaults).
        out: the summary workbook (.xlsx).

    Returns:
        JSON-able figures: ``stage``, ``month``, ``profile``, ``units`` (one per unit summed:
        ``code``, ``name``, ``file``, ``projects``, ``budget``, ``errors``, ``warnings`` and the
        stage's figures), ``missing`` (``code``, ``name``), ``unusable`` (``file``,
        ``reason``), ``totals``, ``charts`` (what `perfxl.web.charts.chart_svg` draws: the
        summary workbook's chart data), ``notes``, ``exit_code`` and ``report`` (what
        ``consolidate --format json`` prints, paths as display names).

    Raises:
        PerfxlError: no usable workbook at all (nothing written), the config is unusable, or
            ``out`` cannot be written.
    """
    from perfxl.consolidate import Options
    from perfxl.errors import DataError
    from perfxl.services import consolidate

    out = Path(out).resolve()
    config_from_text(config_text)  # an unusable config says so in the round's words
    if not files:
        raise DataError("本轮还没有单位上传工作簿，无法生成汇总表。")
    with tempfile.TemporaryDirectory(prefix=".perfxl-summary-", dir=out.parent) as tmp:
        folder = Path(tmp) / INPUT_FOLDER
        folder.mkdir()
        names: dict[str, str] = {}
        for src, shown in files:
            dest = folder / _unique(folder, safe_name(shown, suffix_for(Path(src), shown)))
            link_or_copy(Path(src), dest)
            names[str(Path(INPUT_FOLDER) / dest.name)] = dest.name
        _write_units_csv(Path(tmp) / UNITS_CSV, expected)
        config_path = config_file(Path(tmp), config_text)
        opts = Options(
            expected=Path(UNITS_CSV),
            jobs=1,  # already in a worker process of the app
            config=Path(config_path.name) if config_path else None,
        )
        # Run from the temp folder with relative paths, as a clerk runs the command in the
        # folder: the summary's 说明 sheet names 报送 and units.csv, never a temp path. The
        # working directory is the worker process's own (one task at a time).
        with _cwd(Path(tmp)), user_errors(None, Path(tmp), out.parent):
            report = consolidate([Path(INPUT_FOLDER)], out, opts)
        return summary_figures(report, names, INPUT_FOLDER)


INPUT_FOLDER = "报送"
UNITS_CSV = "应报单位.csv"


@contextlib.contextmanager
def _cwd(folder: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _unique(folder: Path, name: str) -> str:
    """``name``, or ``name (2)`` … when the folder already has it."""
    if not (folder / name).exists():
        return name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 2
    while (folder / f"{stem} ({n}){suffix}").exists():
        n += 1
    return f"{stem} ({n}){suffix}"


def _write_units_csv(path: Path, expected: list[tuple[str, str | None]]) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["单位编码", "单位名称"])
        for code, name in expected:
            w.writerow([code, name or ""])


def summary_figures(report: Any, names: dict[str, str], folder: str) -> dict[str, Any]:
    """The summary page's figures from a consolidation report (`ConsolidationReport`):
    every number read from the consolidation's tables; file paths shown by ``names``."""
    from perfxl.consolidate import columns as K

    c = report.result

    def shown(p: str | None) -> str | None:
        if p is None:
            return None
        return names.get(p) or (Path(p).name if p.startswith(folder) else p)

    counts: dict[str | None, dict[str, int]] = {}
    for pr in c.problems:
        d = counts.setdefault(pr.unit_code, {"errors": 0, "warnings": 0})
        if pr.severity == K.SEVERITY_ZH["error"]:
            d["errors"] += 1
        elif pr.severity == K.SEVERITY_ZH["warning"]:
            d["warnings"] += 1
    units: list[dict[str, Any]] = []
    charts: list[dict[str, Any]] = []
    if c.stage == "monitoring":
        for u in _of_kind(c.monitor_units, K.ROW_UNIT):
            d = counts.get(u.unit_code, {"errors": 0, "warnings": 0})
            units.append(
                _unit_row(
                    u,
                    shown,
                    executed=u.executed,
                    rate=u.rate,
                    schedule=u.schedule,
                    lights={"red": u.red, "yellow": u.yellow, "green": u.green},
                    indicator_lights={"red": u.indicators_red, "yellow": u.indicators_yellow},
                    **d,
                )
            )
        total = next(iter(_of_kind(c.monitor_units, K.ROW_TOTAL)), None)
        totals = {
            "projects": total.projects if total else 0,
            "budget": total.budget if total else 0.0,
            "executed": total.executed if total else 0.0,
            "rate": total.rate if total else None,
            "schedule": total.schedule if total else None,
        }
        charts.append(_monitoring_chart(c))
    elif c.stage == "evaluation":
        from perfxl.consolidate.eval_columns import LEVEL_KEYS, LEVEL_NAMES

        for u in _of_kind(c.eval_units, K.ROW_UNIT):
            d = counts.get(u.unit_code, {"errors": 0, "warnings": 0})
            units.append(
                _unit_row(
                    u,
                    shown,
                    executed=u.executed,
                    rate=u.rate,
                    scored=u.scored,
                    average=u.average,
                    levels={n: getattr(u, k) for k, n in zip(LEVEL_KEYS, LEVEL_NAMES, strict=True)},
                    **d,
                )
            )
        total = next(iter(_of_kind(c.eval_units, K.ROW_TOTAL)), None)
        totals = {
            "projects": total.projects if total else 0,
            "budget": total.budget if total else 0.0,
            "scored": total.scored if total else 0,
            "average": total.average if total else None,
            "levels": {
                n: getattr(total, k) if total else 0
                for k, n in zip(LEVEL_KEYS, LEVEL_NAMES, strict=True)
            },
        }
        charts.extend(_evaluation_charts(c))
    else:
        for u in _of_kind(c.units, K.ROW_UNIT):
            units.append(
                _unit_row(
                    u,
                    shown,
                    plan_percent=dict(
                        zip(
                            K.CHECKPOINTS, (u.pct_mar, u.pct_jun, u.pct_oct, u.pct_dec), strict=True
                        )
                    ),
                    errors=u.errors,
                    warnings=u.warnings,
                )
            )
        # the run's totals as `perfxl consolidate --format json` gives them: one answer; the
        # 预算数 as the 乡镇合计 total row and the report say it (text when no float holds
        # it: `numbers.total_cell`; the JSON's number is null or rounded then)
        figures = report.to_dict()
        total = next(iter(_of_kind(c.units, K.ROW_TOTAL)), None)
        totals = {
            "projects": figures["projects"],
            "budget": total.budget if total else figures["budget"],
            "plan_percent": figures["plan_percent"],
            "schedule": dict(zip(K.CHECKPOINTS, (round(s, 2) for s in c.schedule), strict=True)),
        }
        charts.extend(_targets_charts(c))
    totals["errors"] = c.error_count
    totals["warnings"] = c.warning_count
    totals["units"] = len(units)
    raw = report.to_dict()
    raw["summary"] = Path(raw["summary"]).name
    raw["superseded_files"] = [shown(p) for p in raw["superseded_files"]]
    raw["summaries_not_read"] = [shown(p) for p in raw["summaries_not_read"]]
    for f in raw["unusable_files"]:
        f["file"] = shown(f["file"])
    return jsonable(
        {
            "stage": c.stage,
            "month": c.month,
            "profile": c.profile,
            "units": units,
            "missing": [{"code": code, "name": name} for code, name in c.missing],
            "unusable": [{"file": f["file"], "reason": f["reason"]} for f in raw["unusable_files"]],
            "totals": totals,
            "charts": charts,
            "notes": [strip_folder(n, folder) for n in c.notes],
            "exit_code": c.exit_code,
            "report": raw,
        }
    )


def _of_kind(rows: list[Any], kind: str) -> list[Any]:
    """The rows of a consolidation table of one kind (units, or the total)."""
    return [r for r in rows if r.row_kind == kind]


def _unit_row(u: Any, shown: Callable[[str | None], str | None], **more: Any) -> dict[str, Any]:
    """One unit of the summary page: who, its file (as ``shown``), its projects and budget,
    then the stage's own figures ``more``."""
    return {
        "code": u.unit_code,
        "name": u.unit_name,
        "file": shown(u.source_file),
        "projects": u.projects,
        "budget": u.budget,
        **more,
    }


def _label(u: Any) -> str:
    """A unit as the summary workbook's charts name it."""
    return str(u.unit_name or u.unit_code or "")


def _targets_charts(c: Any) -> list[dict[str, Any]]:
    """The 图表 sheet's two charts: every unit's cumulative plan against 序时进度, and each
    unit's 预算数 (the 乡镇合计 rows)."""
    from perfxl.consolidate import columns as K

    keys = ("pct_mar", "pct_jun", "pct_oct", "pct_dec")
    charts = [
        {
            "kind": "line",
            "title": K.PROGRESS_CHART_TITLE,
            "unit": "%",
            "max": 100,
            "labels": list(K.CHECKPOINTS),
            "series": [
                {
                    "name": f"{K.PLAN_PROGRESS}（%）",
                    "values": [c.totals.get(k) or 0 for k in keys],
                },
                {"name": "序时进度（%）", "values": [round(s, 2) for s in c.schedule]},
            ],
        }
    ]
    units = _of_kind(c.units, K.ROW_UNIT)
    if units:
        charts.append(
            {
                "kind": "bar",
                "title": "各单位预算数（万元）",
                "unit": "万元",
                "max": None,
                "labels": [_label(u) for u in units],
                "series": [{"name": "预算数（万元）", "values": [u.budget for u in units]}],
            }
        )
    return charts


def _monitoring_chart(c: Any) -> dict[str, Any]:
    """The 执行率图表 sheet's chart: each unit's 执行率 with the 序时进度 line."""
    from perfxl.consolidate import columns as K

    units = _of_kind(c.monitor_units, K.ROW_UNIT)
    month = f"1-{c.month}月" if c.month else ""
    return {
        "kind": "bar",
        "title": f"各单位{month}执行率与序时进度（%）",
        "unit": "%",
        "max": 100,
        "labels": [_label(u) for u in units],
        "series": [{"name": "执行率（%）", "values": [u.rate or 0 for u in units]}],
        "line": {"name": "序时进度（%）", "values": [u.schedule or 0 for u in units]},
    }


def _evaluation_charts(c: Any) -> list[dict[str, Any]]:
    """The 等级分布 sheet's chart (each unit's projects by 自评等级, stacked), and each
    unit's mean 总分 from the 乡镇得分 table."""
    from perfxl.consolidate import columns as K
    from perfxl.consolidate.eval_columns import LEVEL_KEYS, LEVEL_NAMES

    units = _of_kind(c.eval_units, K.ROW_UNIT)
    if not units:
        return []
    return [
        {
            "kind": "stacked",
            "title": "各单位项目自评等级分布（个）",
            "unit": "个",
            "max": None,
            "labels": [_label(u) for u in units],
            "series": [
                {"name": n, "values": [getattr(u, k) for u in units]}
                for k, n in zip(LEVEL_KEYS, LEVEL_NAMES, strict=True)
            ],
        },
        {
            "kind": "bar",
            "title": "各单位平均总分",
            "unit": "分",
            "max": 100,
            "labels": [_label(u) for u in units],
            "series": [{"name": "平均总分", "values": [u.average or 0 for u in units]}],
        },
    ]
