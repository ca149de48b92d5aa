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
    "perfxl.rules.monitoring",
    "perfxl.rules.files",
)


def modules() -> list[ModuleType]:
    """Every family module (imported on first use)."""
    return [importlib.import_module(name) for name in FAMILIES]
