"""One workbook opened for patching: several edits, then one write."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from perfxl.errors import NotAWorkbookError, TargetNotWritableError, os_reason
from perfxl.write.patch import opc, safeio
from perfxl.write.patch.model import AnnotationLike, CellWrite, PatchResult
from perfxl.write.patch.package import Package
from perfxl.write.patch.workbook import Book
from perfxl.write.patch.writecells import apply_writes

SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")


class WorkbookPatch:
    """Edits of one workbook, held in memory until :meth:`save` or :meth:`to_bytes`.

    Example:
        >>> patch = WorkbookPatch.open("乡镇.xlsx")               # doctest: +SKIP
        >>> patch.write_cells([CellWrite("项目1", "C5", 12.5)])  # doctest: +SKIP
        >>> patch.save()                                         # doctest: +SKIP
    """

    def __init__(self, data: bytes, path: Path | None = None) -> None:
        """Open workbook bytes; ``path`` is where they came from (for in-place saves).

        Raises:
            NotAWorkbookError: not an .xlsx/.xlsm package.
        """
        self.source = data
        self.path = path
        self.pkg = Package(data, str(path) if path else None)
        self.book = Book(self.pkg)
        self.cells_written = 0
        self.cells_annotated = 0
        self.comments_skipped: list[str] = []
        self.restore_skipped: list[str] = []

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> WorkbookPatch:
        """Read a workbook file.

        Raises:
            NotAWorkbookError: missing file or not a workbook.
        """
        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise NotAWorkbookError(f"无法读取文件（{os_reason(exc)}）。", path=str(p)) from exc
        return cls(data, p)

    def write_cells(self, writes: Iterable[CellWrite]) -> int:
        """Set cell values (see :class:`CellWrite`); returns how many writes were applied."""
        n = apply_writes(self.pkg, self.book, writes)
        self.cells_written += n
        return n

    def annotate(self, annotations: Iterable[AnnotationLike]) -> int:
        """Replace perfxl's annotations by these; returns how many cells were filled."""
        from perfxl.write.patch import annotation_write  # only annotating needs it

        out = annotation_write.annotate(self.pkg, self.book, annotations)
        self.cells_annotated += out.cells
        self.comments_skipped += out.comments_skipped
        self.restore_skipped += out.restore_skipped
        return out.cells

    def clear_annotations(self) -> int:
        """Remove perfxl's annotations; returns how many cells got their style back."""
        from perfxl.write.patch import annotation_write

        out = annotation_write.clear(self.pkg, self.book)
        self.restore_skipped += out.restore_skipped
        return out.cells

    def to_bytes(self) -> bytes:
        """The edited workbook."""
        return self.pkg.to_bytes()

    def _check_suffix(self, target: Path) -> None:
        """Refuse a target whose extension contradicts the package (a macro book as .xlsx)."""
        ctype = opc.content_type(self.pkg, self.book.part) or ""
        macro = "macroEnabled" in ctype
        template = ".template" in ctype
        want = (".xltm" if template else ".xlsm") if macro else (".xltx" if template else ".xlsx")
        if target.suffix.lower() in SUFFIXES and target.suffix.lower() != want:
            raise TargetNotWritableError(
                f"工作簿的类型要求扩展名 {want}，不能保存为 {target.suffix}"
                "（否则 Excel 会拒绝打开，或宏会丢失）。",
                path=str(target),
            )

    def save(
        self, out: str | os.PathLike[str] | None = None, *, backup: bool = True
    ) -> PatchResult:
        """Write the workbook safely to ``out`` (default: in place, keeping ``BOOK.bak.xlsx``).

        Nothing is written (and no backup made) when saving in place changed no byte.

        Raises:
            WorkbookLockedError, TargetNotWritableError: the target cannot be written now,
                or its extension does not fit the workbook (an .xlsm saved as .xlsx).
        """
        target = Path(out) if out is not None else self.path
        if target is None:
            raise ValueError("no target: give `out` for a workbook opened from bytes")
        in_place = self.path is not None and target.resolve() == self.path.resolve()
        self._check_suffix(target)
        changed, removed = tuple(self.pkg.changed()), tuple(self.pkg.removed())
        data = self.to_bytes()
        written: Path | None = target
        bak = None
        if in_place and data == self.source:
            safeio.check_target(target)
            written = None
        else:
            bak = safeio.save(
                target, data, previous=self.source if in_place else None, backup=backup
            )
        return PatchResult(
            path=written,
            backup=bak,
            changed_parts=changed,
            removed_parts=removed,
            cells_written=self.cells_written,
            cells_annotated=self.cells_annotated,
            comments_skipped=tuple(self.comments_skipped),
            restore_skipped=tuple(self.restore_skipped),
        )
