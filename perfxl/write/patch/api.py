"""One-call entry points: open, edit, save safely."""

from __future__ import annotations

import os
from collections.abc import Iterable

from perfxl.write.patch.model import AnnotationLike, CellWrite, PatchResult
from perfxl.write.patch.session import WorkbookPatch

PathLike = str | os.PathLike[str]


def write_cells(
    path: PathLike, writes: Iterable[CellWrite], *, out: PathLike | None = None, backup: bool = True
) -> PatchResult:
    """Write values into an existing workbook, changing nothing else.

    Args:
        path: the .xlsx/.xlsm to edit.
        writes: the values (see :class:`CellWrite`).
        out: where to write; default in place (then ``BOOK.bak.xlsx`` keeps the old file).
        backup: False to skip the backup of an in-place write.

    Raises:
        NotAWorkbookError, SheetNotFoundError, CellRefError, FormulaCellError,
        UnsupportedValueError, WorkbookLockedError, TargetNotWritableError.
    """
    patch = WorkbookPatch.open(path)
    patch.write_cells(writes)
    return patch.save(out, backup=backup)


def annotate(
    path: PathLike,
    annotations: Iterable[AnnotationLike],
    *,
    out: PathLike | None = None,
    backup: bool = True,
) -> PatchResult:
    """Replace perfxl's annotations of a workbook with ``annotations``.

    Fills the cells, comments on them (author "perfxl") and lists every problem
    in a 校验结果 sheet; earlier perfxl annotations are removed first, so calling
    it twice gives the same file as calling it once. Cell values never change.

    Raises:
        NotAWorkbookError, CellRefError, WorkbookLockedError, TargetNotWritableError.
    """
    patch = WorkbookPatch.open(path)
    patch.annotate(annotations)
    return patch.save(out, backup=backup)


def clear_annotations(
    path: PathLike, *, out: PathLike | None = None, backup: bool = True
) -> PatchResult:
    """Remove every perfxl annotation: cell styles back, comments and 校验结果 gone.

    Raises:
        NotAWorkbookError, WorkbookLockedError, TargetNotWritableError.
    """
    patch = WorkbookPatch.open(path)
    patch.clear_annotations()
    return patch.save(out, backup=backup)
