"""County consolidation: many units' workbooks (or lower-level summaries) -> one summary.

Modules: `discover` (input files, expected units), `extract` (one file -> rows, run in worker
processes), `summary_input` (a summary read back as input), `combine` (versions, totals,
cross-file problems; pure), `writer` + `summary_xml` (the summary workbook), `tables` (CSV and
Parquet), `run` (the whole flow). Importing this package does no work.
"""

from __future__ import annotations

from perfxl.consolidate.run import Options, consolidate

__all__ = ["Options", "consolidate"]
