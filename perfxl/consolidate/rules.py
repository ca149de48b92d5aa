"""The problems consolidation itself finds across files (`perfxl.consolidate.combine` emits
them); their entries are in the catalogue."""

from __future__ import annotations

from perfxl.rules.catalogue import RuleId, ids_of

EMITS: frozenset[RuleId] = ids_of("consolidate.")
