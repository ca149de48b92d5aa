"""Failures that stop work on one file. Problems in the data are records, not exceptions."""

from __future__ import annotations

from perfxl import constants as C


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
    """The workbook opened but holds no project sheet and no cover sheet.

    ``MESSAGE`` is the verdict every command gives such a workbook (``validate`` reports it as
    ``file.not_perfxl``, ``consolidate`` as 非绩效目标工作簿; the others stop with exit code 2).
    """

    MESSAGE = (
        f"不是绩效目标工作簿：没有项目绩效目标表（A3 为“{C.L_CODE}”），也没有封面"
        f"（A3 为“{C.L_UNIT_CODE}”）。请提交用绩效目标表模板填报的工作簿。"
    )

    def __init__(
        self,
        message: str | None = None,
        *,
        path: str | None = None,
        sheet: str | None = None,
        cell: str | None = None,
    ) -> None:
        super().__init__(message or self.MESSAGE, path=path, sheet=sheet, cell=cell)


class DataError(PerfxlError):
    """A data file (JSON) cannot be used at all: not JSON, or not an object of the contract."""


class WriteError(PerfxlError):
    """A workbook cannot be written: open in Excel/WPS, read-only, or the target is unusable."""
