"""Failures of the write-back engine; all derive from :class:`perfxl.errors.PerfxlError`."""

from __future__ import annotations

from perfxl.errors import PerfxlError, UnreadableWorkbookError, WriteError


class PatchError(PerfxlError):
    """Base of every error raised by :mod:`perfxl.write.patch`."""


class NotAWorkbookError(PatchError, UnreadableWorkbookError):
    """The file is not an .xlsx/.xlsm package the engine can edit (not a zip, encrypted, strict)."""


class UnsafeXmlError(NotAWorkbookError):
    """A part carries a DOCTYPE or entity declaration; such parts are refused, never expanded."""


class WorkbookLockedError(PatchError, WriteError):
    """Excel or WPS has the target open (``~$BOOK.xlsx`` beside it) or the OS refuses the rename."""


class SheetNotFoundError(PatchError):
    """A write names a sheet the workbook does not have (or a chart sheet)."""


class CellRefError(PatchError, ValueError):
    """A cell reference is not A1 notation or lies outside Excel's grid."""


class FormulaCellError(PatchError):
    """A write would drop a formula without being told to, or keep one that is not there."""


class UnsupportedValueError(PatchError, TypeError):
    """A value Excel cannot store (NaN, infinity, text over 32,767 characters, bad type)."""


class TargetNotWritableError(PatchError, WriteError):
    """The target is read-only or its folder is missing or not writable."""
