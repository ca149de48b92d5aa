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
