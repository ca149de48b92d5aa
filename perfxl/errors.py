"""Failures that stop work on one file. Problems in the data are records, not exceptions."""

from __future__ import annotations


class PerfxlError(Exception):
    """Base of every error perfxl raises on purpose.

    Attributes:
        path: the file concerned, when there is one.
        sheet: the sheet concerned, when there is one.
        cell: the cell concerned (A1 notation), when there is one.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        sheet: str | None = None,
        cell: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.sheet = sheet
        self.cell = cell

    def where(self) -> str:
        """The location as `file › sheet › cell`, leaving out what is unknown."""
        return " › ".join(p for p in (self.path, self.sheet, self.cell) if p)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


class UnreadableWorkbookError(PerfxlError):
    """The file is not a workbook perfxl can open (not a zip, encrypted, corrupt, too large)."""


class LayoutError(PerfxlError):
    """A sheet looks like a perfxl sheet but a label is missing or moved."""


class NotAPerfxlWorkbookError(PerfxlError):
    """The workbook opened but holds no project sheet and no cover sheet."""


class DataError(PerfxlError):
    """A data file (JSON) cannot be used at all: not JSON, or not an object of the contract."""


class WriteError(PerfxlError):
    """A workbook cannot be written: open in Excel/WPS, read-only, or the target is unusable."""
