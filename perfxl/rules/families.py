"""The rule families validation runs, in report order (each declares the ids it emits)."""

from __future__ import annotations

import importlib
from types import ModuleType

FAMILIES: tuple[str, ...] = (
    "perfxl.rules.schema_rules",
    "perfxl.rules.amounts",
    "perfxl.rules.progress",
    "perfxl.rules.indicators",
    "perfxl.rules.target_values",
    "perfxl.rules.cost",
    "perfxl.rules.boilerplate",
    "perfxl.rules.code_year",
    "perfxl.rules.monitoring",
    "perfxl.rules.evaluation",
    "perfxl.rules.files",
)

# A targets workbook: every family but the later stages' own, whose checks find nothing in it
# (each returns at once for another stage), so that validating it imports neither them nor
# what they need (the carried targets, the monitoring and scoring modules: ~20 ms of a
# `perfxl validate`, whose budget is 300 ms).
TARGETS_FAMILIES: tuple[str, ...] = tuple(
    name for name in FAMILIES if name not in ("perfxl.rules.monitoring", "perfxl.rules.evaluation")
)

# A monitoring workbook carries targets that were checked when they were declared (and has no
# spending plan or 依据 columns): only its own rules run, so nothing is reported twice.
MONITORING_FAMILIES: tuple[str, ...] = (
    "perfxl.rules.monitoring",
    "perfxl.rules.files",
)

# A self-evaluation workbook likewise carries checked targets: its own rules (the funds adding
# up, the scores, the carried targets) and the file rules run.
EVALUATION_FAMILIES: tuple[str, ...] = (
    "perfxl.rules.evaluation",
    "perfxl.rules.files",
)


def modules(stage: str | None = None) -> list[ModuleType]:
    """The family modules (imported on first use) a stage runs: a monitoring or a
    self-evaluation workbook its own (`MONITORING_FAMILIES`, `EVALUATION_FAMILIES`), any other
    the targets' (`TARGETS_FAMILIES`)."""
    names = {"monitoring": MONITORING_FAMILIES, "evaluation": EVALUATION_FAMILIES}.get(
        stage or "", TARGETS_FAMILIES
    )
    return [importlib.import_module(name) for name in names]
