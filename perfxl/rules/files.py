"""Whole-file findings: no check of their own, `perfxl.validate` emits them for a file it
cannot read or that is not a performance target workbook."""

from __future__ import annotations

from perfxl.rules.catalogue import RuleId

EMITS: frozenset[RuleId] = frozenset(
    {
        "file.unreadable",
        "file.not_perfxl",
    }
)
