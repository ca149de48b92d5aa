"""The services every front end calls: the command line, the Excel ribbon, a future web app.

Each service takes paths (or an open book's cells) and options, does the work through the
core and the edges (readers, writers), and returns a report object; a front end only turns
its input into these calls and shows the report (``to_dict()`` is what ``--format json``
prints). Nothing here prints, exits or imports a front end's library, and importing the
package imports no reader or writer (each service imports what it uses when called).

- `validation`: find workbooks, validate files or an open book (a monitoring workbook
  against its targets: ``targets_record``), annotate, choose versions;
- `computation`: the cumulative percentages of a file or an open book;
- `workbooks`: template, fill (a new workbook or an existing one), export, the monitoring
  workbook from a targets workbook (``new_monitoring``), the self-evaluation workbook from a
  targets or monitoring workbook (``new_evaluation``);
- `county`: consolidate (writes the summary), gather (reads and combines: the Python API), publish.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from perfxl.lazy import lazy_exports

if TYPE_CHECKING:
    from perfxl.services.computation import ComputeReport, compute_open_book, compute_workbook
    from perfxl.services.county import ConsolidationReport, consolidate, gather, publish
    from perfxl.services.validation import (
        Workbooks,
        annotate,
        choose_versions,
        find_inputs,
        find_workbooks,
        targets_record,
        validate_files,
        validate_open_book,
        validate_workbooks,
    )
    from perfxl.services.workbooks import (
        EvaluationReport,
        ExportReport,
        FillReport,
        MonitoringReport,
        export_open_book,
        export_workbook,
        fill_into,
        fill_new,
        make_template,
        new_evaluation,
        new_monitoring,
    )

# Each service's module, imported when the service is first asked for (PEP 562): a front end
# that uses one service loads only its module (`perfxl validate` loads no writer's service).
_MODULES: dict[str, str] = {
    "ComputeReport": "computation",
    "ConsolidationReport": "county",
    "EvaluationReport": "workbooks",
    "ExportReport": "workbooks",
    "FillReport": "workbooks",
    "MonitoringReport": "workbooks",
    "Workbooks": "validation",
    "annotate": "validation",
    "choose_versions": "validation",
    "compute_open_book": "computation",
    "compute_workbook": "computation",
    "consolidate": "county",
    "export_open_book": "workbooks",
    "export_workbook": "workbooks",
    "fill_into": "workbooks",
    "fill_new": "workbooks",
    "find_inputs": "validation",
    "find_workbooks": "validation",
    "gather": "county",
    "make_template": "workbooks",
    "new_evaluation": "workbooks",
    "new_monitoring": "workbooks",
    "publish": "county",
    "targets_record": "validation",
    "validate_files": "validation",
    "validate_open_book": "validation",
    "validate_workbooks": "validation",
}

__all__ = [
    "ComputeReport",
    "ConsolidationReport",
    "EvaluationReport",
    "ExportReport",
    "FillReport",
    "MonitoringReport",
    "Workbooks",
    "annotate",
    "choose_versions",
    "compute_open_book",
    "compute_workbook",
    "consolidate",
    "export_open_book",
    "export_workbook",
    "fill_into",
    "fill_new",
    "find_inputs",
    "find_workbooks",
    "gather",
    "make_template",
    "new_evaluation",
    "new_monitoring",
    "publish",
    "targets_record",
    "validate_files",
    "validate_open_book",
    "validate_workbooks",
]

__getattr__ = lazy_exports(__name__, _MODULES)  # a service (or its report), on first use
