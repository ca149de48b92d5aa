"""Write back into an existing .xlsx/.xlsm without loading and re-saving it.

Only the zip parts that must change are rewritten, and inside them only the
elements that must change; every other part is copied as its original compressed
bytes, in the original order, with the original time stamps. A township's images,
charts, buttons, macros (vbaProject.bin), comments, conditional formats, data
validation, defined names, print settings and external links therefore survive
untouched, and the same input always gives the same output bytes.

Public API::

    write_cells(path, writes, *, out=None, backup=True) -> PatchResult
    annotate(path, annotations, *, out=None, backup=True) -> PatchResult
    clear_annotations(path, *, out=None, backup=True) -> PatchResult

    WorkbookPatch.open(path) / WorkbookPatch(data, path=None)
        .write_cells(writes) -> int
        .annotate(annotations) -> int
        .clear_annotations() -> int
        .to_bytes() -> bytes
        .save(out=None, *, backup=True) -> PatchResult

    CellWrite(sheet, cell, value, number_format=None, formula="refuse", formula_text=None)
    Annotation(sheet, cell, severity, message, rule="")   # perfxl.problems.Problem fits too

Values (:class:`CellWrite`): numbers, text (written as inline strings, so
sharedStrings.xml is never touched, and never as a formula: ``"=1+1"`` stays
text), booleans, dates (serial numbers, 1904 system honoured) and None (value
removed, style kept). ``number_format`` derives a new style from the cell's own
one. A formula cell is refused unless ``formula="keep"`` (the formula stays and
``value`` becomes its cached result, which value readers such as python-calamine
return), ``formula="replace"``, or ``formula="set"`` (``formula_text`` takes the
formula's place, ``value`` its cached result: perfxl's current formula in place of
its previous one). New cells and rows are inserted in order,
``<dimension>`` is widened, and ``fullCalcOnLoad="1"`` is set in workbook.xml.

Annotations (:func:`annotate`): a fill cloned from the cell's own style (error
FFC7CE, warning FFEB9C, info DDEBF7), a comment by author "perfxl" merged into
the sheet's own comments and VML drawing (a cell that already has a user comment
keeps it and gets no perfxl comment; see ``PatchResult.comments_skipped``), and a
校验结果 sheet with 工作表, 单元格, 级别, 规则, 说明 and a link to each cell. Earlier
perfxl annotations are cleared first: annotating twice gives the same bytes as
once. The original style index of each filled cell is remembered in custom
document properties (docProps/custom.xml, ``perfxl.annotations.N``; see
:mod:`perfxl.write.patch.manifest` for why there), so :func:`clear_annotations`
gives back every cell's value and style, byte for byte in every part but
styles.xml (which keeps the appended, now unused, entries for the next run). After
LibreOffice or Excel re-saved the file (styles renumbered, comment authors lost)
clearing still removes the fills, comments and sheet (see
:mod:`perfxl.write.patch.annotation_write`).

Saving (:mod:`perfxl.write.patch.safeio`): temp file ``.BOOK.xlsx.perfxl-tmp-*``
beside the target, fsync, ``os.replace``; in-place writes keep the previous file
as ``BOOK.bak.xlsx`` (``<stem>.bak<suffix>``, overwritten each time); a workbook
open in Excel/WPS (``~$BOOK.xlsx``) or LibreOffice is refused with
:class:`WorkbookLockedError`; a target whose extension contradicts the package
(an .xlsm saved as .xlsx) with :class:`TargetNotWritableError`. A run killed
mid-write leaves the old file and at most a temp file, removed by the next write.
"""

from typing import TYPE_CHECKING

from perfxl.errors import (
    CellRefError,
    FormulaCellError,
    NotAWorkbookError,
    PatchError,
    SheetNotFoundError,
    TargetNotWritableError,
    UnsafeXmlError,
    UnsupportedValueError,
    WorkbookLockedError,
)
from perfxl.lazy import lazy_exports

if TYPE_CHECKING:
    from perfxl.write.patch.api import annotate, clear_annotations, write_cells
    from perfxl.write.patch.model import Annotation, AnnotationLike, CellWrite, PatchResult
    from perfxl.write.patch.safeio import backup_path
    from perfxl.write.patch.session import WorkbookPatch

# The engine is imported when one of its names is first used, not with the package: a caller
# needing one module (the ribbon's adapter reads ``manifest``) loads no more (PEP 562).
_LAZY = {
    "annotate": "api",
    "clear_annotations": "api",
    "write_cells": "api",
    "Annotation": "model",
    "AnnotationLike": "model",
    "CellWrite": "model",
    "PatchResult": "model",
    "backup_path": "safeio",
    "WorkbookPatch": "session",
}


__getattr__ = lazy_exports(__name__, _LAZY)  # the engine's public names, on first use


__all__ = [
    "Annotation",
    "AnnotationLike",
    "CellRefError",
    "CellWrite",
    "FormulaCellError",
    "NotAWorkbookError",
    "PatchError",
    "PatchResult",
    "SheetNotFoundError",
    "TargetNotWritableError",
    "UnsafeXmlError",
    "UnsupportedValueError",
    "WorkbookLockedError",
    "WorkbookPatch",
    "annotate",
    "backup_path",
    "clear_annotations",
    "write_cells",
]
