"""The problems consolidation itself finds across files (`perfxl.consolidate.combine` emits
them); their entries are in the catalogue."""

from __future__ import annotations

from perfxl.rules.catalogue import RuleId

EMITS: frozenset[RuleId] = frozenset(
    {
        "consolidate.duplicate_code",
        "consolidate.unit_missing",
        "consolidate.unit_unlisted",
        "consolidate.file_unreadable",
        "consolidate.not_perfxl",
        "consolidate.monitoring_workbook",
        "consolidate.evaluation_workbook",
        "consolidate.no_unit_code",
    }
)
