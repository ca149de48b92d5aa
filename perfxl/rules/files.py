"""Whole-file findings: no check of their own, `perfxl.validate` emits them for a file it
cannot read, an input that does not exist (or a folder without a workbook), or a workbook
that is not a performance target workbook."""

from __future__ import annotations

from perfxl.rules.catalogue import RuleId

EMITS: frozenset[RuleId] = frozenset(
    {
        "file.unreadable",
        "file.missing",
        "file.not_perfxl",
    }
)
