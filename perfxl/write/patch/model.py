"""What the engine takes (cell writes, annotations) and what it returns (results)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from perfxl.problems import Severity
from perfxl.write.patch.values import CellValue

FormulaMode = Literal["refuse", "keep", "replace", "set"]


@dataclass(frozen=True)
class CellWrite:
    """One value to put into one cell.

    Attributes:
        sheet: the sheet's tab name.
        cell: A1 reference (``"B7"``; ``$`` signs are ignored).
        value: number, text (always stored as text, ``"=1+1"`` included), bool,
            date/datetime/time (stored as a serial number), or None to empty the
            cell while keeping its style.
        number_format: e.g. ``"0.00%"``; derived from the cell's own format, so
            borders and fonts stay. None keeps the cell's format.
        formula: what to do when the cell holds a formula. ``"refuse"`` (default)
            raises :class:`FormulaCellError`; ``"keep"`` keeps the formula and
            writes ``value`` as its cached result (the cell must hold a formula);
            ``"replace"`` drops the formula (not allowed for the anchor of a shared
            or array formula) and writes the value; ``"set"`` puts ``formula_text`` in
            place of the cell's formula (the cell must hold one; not the anchor of a shared
            or array formula) with ``value`` as its cached result.
        formula_text: the formula ``"set"`` writes, without ``=`` (as a ``<f>`` element holds
            it: English function names, A1 references).
    """

    sheet: str
    cell: str
    value: CellValue
    number_format: str | None = None
    formula: FormulaMode = "refuse"
    formula_text: str | None = None


class AnnotationLike(Protocol):
    """Anything with these attributes can be annotated (e.g. :class:`perfxl.problems.Problem`)."""

    @property
    def sheet(self) -> str | None: ...
    @property
    def cell(self) -> str | None: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def message(self) -> str: ...
    @property
    def rule(self) -> str: ...


@dataclass(frozen=True)
class Annotation:
    """One problem to show in the workbook.

    Attributes:
        sheet: tab name, or None for a problem of the whole file.
        cell: A1 cell or range (``"B7"``, ``"B7:D7"``), or None.
        severity: ``error`` (light red), ``warning`` (light yellow), ``info`` (light blue).
        message: the text of the comment and of the 说明 column.
        rule: the rule id shown in the 规则 column.
    """

    sheet: str | None
    cell: str | None
    severity: Severity
    message: str
    rule: str = ""


@dataclass(frozen=True)
class PatchResult:
    """What a call changed.

    Attributes:
        path: the file written (None when nothing was written).
        backup: the backup of the previous file (in-place writes), or None.
        changed_parts: zip parts whose bytes changed or that were added.
        removed_parts: zip parts that were removed.
        cells_written: cells given a value (or emptied) by :func:`write_cells`.
        cells_annotated: cells filled by :func:`annotate`.
        comments_skipped: ``Sheet!B7`` cells left without a perfxl comment because
            the user already has one there (the fill and the 校验结果 row are there).
        restore_skipped: ``Sheet!B7`` cells whose style was changed after
            annotating (or a sheet that is gone), so clearing left them as they are.
    """

    path: Path | None
    backup: Path | None
    changed_parts: tuple[str, ...]
    removed_parts: tuple[str, ...]
    cells_written: int = 0
    cells_annotated: int = 0
    comments_skipped: tuple[str, ...] = field(default=())
    restore_skipped: tuple[str, ...] = field(default=())
