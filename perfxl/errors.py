"""Failures that stop work on one file. Problems in the data are records, not exceptions.

The one exception tree of perfxl; every class derives from :class:`PerfxlError`::

    PerfxlError
    ├── UnreadableWorkbookError        the file cannot be opened
    │   ├── CorruptWorkbookError       empty, truncated, bad zip or checksum
    │   ├── NotAWorkbookError          something else named like a workbook, or a package
    │   │                              the write-back engine does not edit (Strict OOXML)
    │   ├── OldFormatWorkbookError     older than Excel 97
    │   ├── EncryptedWorkbookError     a password to open
    │   └── UnsafeWorkbookError        over a size limit, or a DTD/entity declaration
    │       └── UnsafeXmlError         ... met by the write-back engine in a part it edits
    ├── NotAPerfxlWorkbookError        opens, but holds no perfxl sheet
    ├── UnreadableDocumentError        a disclosure document ``import`` cannot use
    ├── DataError                      a JSON data file that cannot be used
    ├── NoProjectsError                a workbook without a project sheet, given to compute
    ├── WriteError                     the target cannot be written
    │   ├── OutputExistsError          a file there that is not the command's own earlier
    │   │                              output, and no overwrite asked for
    │   ├── WorkbookLockedError        open in Excel/WPS
    │   └── TargetNotWritableError     read-only, missing folder, wrong extension
    └── PatchError                     a write the write-back engine refuses
        ├── SheetNotFoundError, CellRefError, FormulaCellError, UnsupportedValueError
        └── (WorkbookLockedError, TargetNotWritableError are PatchErrors too)
"""

from __future__ import annotations

import errno

from perfxl import layout as L


class PerfxlError(Exception):
    """Base of every error perfxl raises on purpose.

    Attributes:
        path: the file concerned, when there is one.
        sheet: the sheet concerned, when there is one.
        cell: the cell concerned (A1 notation), when there is one.
        advises: the message itself says what to do (请重新获取…, 请另存为…): a report of
            it adds no general advice (`perfxl.rules.catalogue.advice_once`). Declared where
            the message is written, never guessed from its text.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        sheet: str | None = None,
        cell: str | None = None,
        advises: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.sheet = sheet
        self.cell = cell
        self.advises = advises

    def where(self) -> str:
        """The location as `file › sheet › cell`, leaving out what is unknown."""
        return " › ".join(p for p in (self.path, self.sheet, self.cell) if p)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


class UnreadableWorkbookError(PerfxlError):
    """The file is not a workbook perfxl can open (not a zip, encrypted, corrupt, too large)."""


class CorruptWorkbookError(UnreadableWorkbookError):
    """The file is damaged: empty, truncated, a bad zip or a bad checksum."""


class NotAWorkbookError(UnreadableWorkbookError):
    """The file is something else (CSV, HTML, PDF, Word, an owner file) named like a workbook,
    or a package the write-back engine cannot edit (encrypted, Strict OOXML, no workbook part)."""


class OldFormatWorkbookError(UnreadableWorkbookError):
    """A workbook in a format older than Excel 97 (BIFF2 to BIFF5 outside a compound file)."""


class EncryptedWorkbookError(UnreadableWorkbookError):
    """The workbook is protected by a password to open."""


class ReaderAbortedError(CorruptWorkbookError):
    """The reading library ended its process (an abort, not an exception) on this file.

    A damaged .xls can make calamine ask for terabytes and abort, which no ``except`` catches;
    .xls files are therefore read in a child process (``perfxl.grid.isolate``), whose death
    becomes this error. Built by ``perfxl.safety.reader_aborted``.

    Attributes:
        exitcode: the child's exit code (negative: the signal that ended it).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        exitcode: int | None = None,
        advises: bool = False,
    ) -> None:
        super().__init__(message, path=path, advises=advises)
        self.exitcode = exitcode


class UnsafeWorkbookError(UnreadableWorkbookError):
    """The file exceeds a size limit or holds a construct refused for safety (DTD, bomb).

    Attributes:
        part: the zip member concerned, when there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        part: str | None = None,
        advises: bool = False,
    ) -> None:
        super().__init__(message, path=path, advises=advises)
        self.part = part


class UnsafeXmlError(UnsafeWorkbookError):
    """A part the write-back engine edits carries a DOCTYPE or entity declaration."""


_SUMMARY_KINDS = {"targets": "绩效目标", "monitoring": "绩效运行监控", "evaluation": "绩效自评"}


def summary_verdict(outcome: str, stage: str | None = None, advice: str = "") -> str:
    """How every command says that a summary written by ``perfxl consolidate`` was given
    where a unit's workbook is needed (validate, export, compute, library, publish …): the
    one wording, so a reviewer who opened the wrong file learns what it is.

    Args:
        outcome: what was not done with it (``未校验``, ``未收入``).
        stage: the summary's kind (``targets``, ``monitoring``, ``evaluation``) when known.
        advice: what to do instead (a full sentence), or nothing.
    """
    kind = _SUMMARY_KINDS.get(stage or "", "")
    return f"这是 perfxl consolidate 生成的{kind}汇总表，不是单位报送的工作簿，{outcome}。{advice}"


_NOT_PERFXL_VERDICT = "不是绩效目标工作簿"
_NOT_PERFXL_ADVICE = "请提交用绩效目标表模板填报的工作簿。"


class NotAPerfxlWorkbookError(PerfxlError):
    """The workbook opened but holds no project sheet and no cover sheet.

    ``MESSAGE`` is the verdict every command gives such a workbook (``validate`` reports it as
    ``file.not_perfxl``, ``consolidate`` as 非绩效目标工作簿; the others stop with exit code 2).
    """

    VERDICT = _NOT_PERFXL_VERDICT
    ADVICE = _NOT_PERFXL_ADVICE
    """What the verdict tells the one who gave the file (``consolidate.not_perfxl`` says its
    own advice, to the county, instead)."""

    @staticmethod
    def message_for(layout: L.Layout) -> str:
        """The verdict, naming the anchor cells of ``layout`` (``MESSAGE``: the standard form's):
        ``VERDICT``：why。``ADVICE``."""
        project, cover = layout.project.anchor, layout.cover.anchor
        return (
            f"{_NOT_PERFXL_VERDICT}：没有项目绩效目标表（{project.ref} 为“{project.text}”），"
            f"也没有封面（{cover.ref} 为“{cover.text}”）。{_NOT_PERFXL_ADVICE}"
        )

    MESSAGE = message_for(L.STANDARD)

    def __init__(
        self,
        message: str | None = None,
        *,
        path: str | None = None,
        sheet: str | None = None,
        cell: str | None = None,
    ) -> None:
        super().__init__(message or self.MESSAGE, path=path, sheet=sheet, cell=cell)


class UnreadableDocumentError(PerfxlError):
    """A document given to ``perfxl import`` cannot be used: not a Word or PDF file, encrypted,
    damaged, or without a project table (nothing is written)."""


class DataError(PerfxlError):
    """A data file (JSON) cannot be used at all: not JSON, or not an object of the contract."""


class WriteError(PerfxlError):
    """A workbook cannot be written: open in Excel/WPS, read-only, or the target is unusable."""


class OutputExistsError(WriteError):
    """An output names a file that is already there, is not an earlier output of the same
    command still as perfxl wrote it (`perfxl.outputs.own_output`), and overwriting it was not
    asked for (``--overwrite``, ``overwrite=True``): nothing was written."""


class PatchError(PerfxlError):
    """A write the write-back engine (:mod:`perfxl.write.patch`) refuses."""


class WorkbookLockedError(PatchError, WriteError):
    """Excel or WPS has the target open (``~$BOOK.xlsx`` beside it) or the OS refuses the rename."""


class TargetNotWritableError(PatchError, WriteError):
    """The target is read-only or its folder is missing or not writable."""


class SheetNotFoundError(PatchError):
    """A write names a sheet the workbook does not have (or a chart sheet)."""


class CellRefError(PatchError, ValueError):
    """A cell reference is not A1 notation or lies outside Excel's grid."""


class FormulaCellError(PatchError):
    """A write would drop a formula without being told to, or keep one that is not there."""


class UnsupportedValueError(PatchError, TypeError):
    """A value Excel cannot store (NaN, infinity, text over 32,767 characters, bad type)."""


class ArgumentError(PerfxlError, TypeError):
    """A Python API call with an argument of the wrong type or out of range (the command line
    checks its options itself)."""


class NoProjectsError(PerfxlError):
    """A workbook with a cover but no project sheet was given where projects are computed
    (``compute``): there is nothing to compute, and nothing is written."""


_OS_REASONS = {
    errno.EROFS: "磁盘或文件夹是只读的",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "磁盘配额已用完",
    errno.ENAMETOOLONG: "文件名过长",
    errno.EACCES: "没有访问权限",
    errno.EPERM: "没有访问权限",
    errno.ENOENT: "文件或文件夹不存在",
    errno.EISDIR: "这是一个文件夹",
    errno.EIO: "磁盘读写出错",
    errno.EFBIG: "文件超过了磁盘允许的大小",
    errno.EMFILE: "同时打开的文件过多",
    errno.ENFILE: "同时打开的文件过多",
}


def os_reason(exc: OSError, *, writing: bool = False) -> str:
    """Why the OS refused a file operation, in the clerk's words (mapped from ``errno``);
    the OS's own text for a reason not mapped, so that it can still be looked up.

    ``writing``: the operation wrote a file (a permission refused is then 没有写入权限).
    """
    if writing and exc.errno in (errno.EACCES, errno.EPERM):
        return "没有写入权限"
    said = _OS_REASONS.get(exc.errno or 0)
    if said is not None:
        return said
    return f"系统拒绝了该操作（{exc.strerror or exc}）"
