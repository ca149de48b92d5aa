"""Read a workbook into a Grid with python-calamine (fast; cached values, never formulas).

Every file goes through ``perfxl.safety.preflight`` first (size limits, zip sanity, zip
bombs, encryption, DTDs), so calamine only ever sees a file that is what it claims to be.
Formulas are never evaluated: a formula cell reads as the value the spreadsheet app cached.
python-calamine hands back an empty string for a cached error (``#DIV/0!``); the error text is
restored here from the sheet XML so it is kept and reported (as text the reader cannot take
for a number) instead of looking like a blank cell. A formula with no cached value (as openpyxl
writes them) reads as empty; ``formula_cells`` lists those so a caller can say so.

A legacy .xls is read in a child process (``perfxl.grid.isolate``): a lying record in a
damaged one can make calamine allocate terabytes and abort the process, which no ``except``
catches; the child's death becomes a ``ReaderAbortedError``. .xlsx and .ods stay in process.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mypy_extensions import mypyc_attr

from perfxl.errors import UnreadableWorkbookError
from perfxl.grid import Grid, Sheet, normalize_rows
from perfxl.grid.tails import may_hold_unsaved
from perfxl.safety import (
    DEFAULT_LIMITS,
    EncryptedWorkbookError,
    Limits,
    Preflight,
    UnsafeWorkbookError,
    check_text,
    library_error,
    preflight,
    reader_aborted,
)

if TYPE_CHECKING:
    from perfxl.grid.ods import OdsSheet


@mypyc_attr(serializable=True)
@dataclass
class FormulaCells:
    """Formula cells whose cached value is not an ordinary value, by sheet name.

    Attributes:
        errors: (row, col) -> error text (``#DIV/0!``, ``#N/A`` …) cached by the app.
        no_value: (row, col) of formulas with no cached value (read as empty).
    """

    errors: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    no_value: dict[str, list[tuple[int, int]]] = field(default_factory=dict)


def read_grid(
    path: str | Path,
    limits: Limits = DEFAULT_LIMITS,
    *,
    keep_sheets: bool = False,
    data: bytes | None = None,
) -> Grid:
    """Every sheet's values and merged ranges, after the preflight check (``data``: the
    file's bytes when the caller read them already, `perfxl.safety.read_whole`).

    Raises:
        UnreadableWorkbookError: the file cannot be opened as a workbook, or is refused
            (a subclass from ``perfxl.safety`` says why).
    """
    grid, _ = read_grid_checked(path, limits, missing=False, keep_sheets=keep_sheets, data=data)
    return grid


def read_grid_checked(
    path: str | Path,
    limits: Limits = DEFAULT_LIMITS,
    *,
    missing: bool = True,
    keep_sheets: bool = False,
    data: bytes | None = None,
) -> tuple[Grid, FormulaCells]:
    """The Grid and what was noticed about formula cells (cached errors, missing values).

    Args:
        path: the workbook.
        limits: size limits.
        missing: also list formulas without a cached value (parses every sheet holding
            formulas; perfxl's own templates hold many).
        keep_sheets: keep the worksheet parts inflated (``Grid.sheet_xml``).
        data: the file's bytes, when the caller read them already (`perfxl.safety.preflight`).

    Raises:
        UnreadableWorkbookError: as ``read_grid``; ``ReaderAbortedError`` when the child
            process reading an .xls died (calamine aborts on some damaged .xls files).
    """
    p = str(path)
    pre = preflight(p, limits, keep_sheets=keep_sheets, data=data)
    if pre.kind == "xls":  # a damaged .xls can abort calamine's process: read it in a child
        from perfxl.grid.isolate import ChildDied, call

        try:
            return call(_read_checked, p, pre, limits, missing)
        except ChildDied as exc:
            raise reader_aborted(p, exc.exitcode) from None
    return _read_checked(p, pre, limits, missing)


def _read_checked(
    p: str, pre: Preflight, limits: Limits, missing: bool
) -> tuple[Grid, FormulaCells]:
    """``read_grid_checked`` once the file has passed the preflight check."""
    import python_calamine

    ods = _ods_tables(p, limits) if pre.kind == "ods" else {}
    try:
        wb = _open(p, pre.package)
    except python_calamine.PasswordError as exc:
        raise EncryptedWorkbookError(
            "工作簿设置了打开密码（已加密），无法读取。请取消密码后另存再提交。",
            path=p,
            advises=True,
        ) from exc
    except BaseException as exc:  # calamine raises its own error types, and panics
        raise calamine_error(exc, p) from exc
    sheets: list[Sheet] = []
    try:
        for meta in wb.sheets_metadata:
            if "WorkSheet" not in str(meta.typ):
                continue
            sh = wb.get_sheet_by_name(meta.name)
            # An .xlsx sheet's range was measured against its XML by the preflight: one
            # dense enough may be larger (`Limits.sheet_caps`).
            check_size(p, meta.name, sh.height, sh.width, limits, dense=pre.kind == "xlsx")
            rows = normalize_rows(sh.to_python(skip_empty_area=False))
            if meta.name in ods:  # calamine gives no merged ranges for .ods
                merged = ods[meta.name].merged
            else:
                merged = [
                    (r1 + 1, c1 + 1, r2 + 1, c2 + 1)
                    for (r1, c1), (r2, c2) in (sh.merged_cell_ranges or [])
                ]
            sheets.append(
                Sheet(
                    name=meta.name,
                    rows=rows,
                    merged=merged,
                    visible=str(meta.visible).rpartition(".")[2] == "Visible",
                )
            )
    except UnreadableWorkbookError:
        raise
    except BaseException as exc:  # a corrupt part surfaces only when its sheet is read
        raise calamine_error(exc, p) from exc
    finally:
        wb.close()
    formulas = FormulaCells()
    if pre.kind == "xlsx" and (missing or pre.error_parts):
        try:
            formulas = formula_cells(p, missing=missing)
        except BaseException as exc:  # calamine read the sheets; a quirk here must not lose them
            raise calamine_error(exc, p) from exc
        for sheet in sheets:
            _restore_errors(sheet, formulas.errors.get(sheet.name, {}))
    for sheet in sheets:
        check_text(p, sheet, limits)
    mark_unsaved_tails(p, pre, sheets)
    return Grid(path=p, sheets=sheets, core=pre.core, sheet_xml=pre.sheets), formulas


def mark_unsaved_tails(path: str, pre: Preflight, sheets: list[Sheet]) -> None:
    """Each sheet's `Sheet.unsaved_tail`, from the preflight's by worksheet part
    (`Preflight.unsaved_tails`; the workbook's names of the parts read only when it has one:
    the package the preflight checked, else the file)."""
    if not pre.unsaved_tails:
        return
    try:
        with zipfile.ZipFile(io.BytesIO(pre.package) if pre.package else path) as zf:
            parts = sheet_parts(zf)
    except (OSError, KeyError, ValueError, SyntaxError, zipfile.BadZipFile):
        return  # the parse that would follow cannot read it either (`perfxl.read`)
    for sheet in sheets:
        sheet.unsaved_tail = pre.unsaved_tails.get(parts.get(sheet.name, ""), 0)


def _open(path: str, package: bytes | None) -> Any:
    """The workbook opened by python-calamine: from the preflight's package (the file as
    checked, its worksheets inflated already: `perfxl.safety.Preflight.package`) when there
    is one, else from the file. From bytes calamine guesses the format, and where opening
    fails says only that it cannot tell it: the file is then opened by its name, for the
    reason calamine gives reading it so (the same refusal as without the package)."""
    import python_calamine

    if package is not None:
        from perfxl import heap

        heap.opened_package()  # many read by a process of perfxl's own: its heap kept
        try:
            return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(package))
        except BaseException as exc:  # calamine's own error types, and panics
            if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
                raise
    return python_calamine.CalamineWorkbook.from_path(path)


def calamine_error(exc: BaseException, path: str) -> UnreadableWorkbookError:
    """What calamine, zipfile or the XML parser raised, as a refusal in Chinese.

    A Rust panic inside calamine (a damaged .xls) arrives as ``PanicException``, which is not
    an ``Exception``; it is caught here too. Interrupts and exits pass through.
    """
    if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
        raise exc
    return library_error(exc, path)


def _ods_tables(path: str, limits: Limits) -> dict[str, OdsSheet]:
    """Merged ranges of an .ods, its sheets' content extent checked before calamine reads it
    (the .ods reader imported here: an .xlsx never needs it)."""
    from perfxl.grid.ods import read_ods_tables

    try:
        tables = read_ods_tables(path)
    except Exception as exc:  # zipfile and the XML parser: a damaged content.xml
        raise library_error(exc, path) from exc
    for name, t in tables.items():
        check_size(path, name, t.rows, t.cols, limits)
    return tables


def check_size(
    path: str, sheet: str, height: int, width: int, limits: Limits, *, dense: bool = False
) -> None:
    """Refuse a sheet whose used range passes ``limits`` (``dense``: a sheet whose XML was
    proved dense may have more rows).

    Raises:
        UnsafeWorkbookError: the range is too large (the message names the sheet).
    """
    max_rows, max_cells = limits.sheet_caps(dense)
    if height > max_rows or height * width > max_cells:
        raise UnsafeWorkbookError(
            f"工作表“{sheet}”中有内容的单元格分布在 {height} 行 × {width} 列的区域内，超过上限"
            f"（{max_rows} 行、{max_cells} 个单元格）。"
            "请删除多余的行列后另存再提交。",
            path=path,
            advises=True,
        )


def _restore_errors(sheet: Sheet, errors: dict[tuple[int, int], str]) -> None:
    for (r, c), text in errors.items():
        while len(sheet.rows) < r:
            sheet.rows.append([])
        row = sheet.rows[r - 1]
        while len(row) < c:
            row.append(None)
        if row[c - 1] is None:
            row[c - 1] = text


_ERROR_CELL = re.compile(rb"\bt=\"e\"")
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def formula_cells(path: str | Path, *, missing: bool = True) -> FormulaCells:
    """Formula cells with a cached error or no cached value, read from the sheet XML.

    Only sheets whose XML shows such a cell are parsed (a byte search first), with defusedxml.
    The file must have passed ``preflight``.
    """
    out = FormulaCells()
    with zipfile.ZipFile(path) as zf:
        parts = sheet_parts(zf)
        for name, part in parts.items():
            try:
                data = zf.read(part)
            except KeyError:
                continue
            has_err = _ERROR_CELL.search(data) is not None
            no_value = missing and may_hold_unsaved(data)
            if has_err or no_value:
                errors, empty = _parse_formula_cells(data)
                if errors:
                    out.errors[name] = errors
                if empty and missing:
                    out.no_value[name] = empty
    return out


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip member of its XML, from workbook.xml and its relationships."""
    from defusedxml import ElementTree as ET

    names = set(zf.namelist())
    wb_part = next((n for n in ("xl/workbook.xml",) if n in names), None)
    if wb_part is None:
        return {}
    rels_part = "xl/_rels/workbook.xml.rels"
    targets: dict[str, str] = {}
    if rels_part in names:
        for rel in ET.fromstring(zf.read(rels_part)).iter(f"{_PKG_REL}Relationship"):
            target = rel.get("Target") or ""
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            targets[rel.get("Id") or ""] = target
    out: dict[str, str] = {}
    for sheet in ET.fromstring(zf.read(wb_part)).iter(f"{_MAIN}sheet"):
        rid = sheet.get(f"{_REL}id") or ""
        if rid in targets and sheet.get("name") is not None:
            out[str(sheet.get("name"))] = targets[rid]
    return out


def _parse_formula_cells(data: bytes) -> tuple[dict[tuple[int, int], str], list[tuple[int, int]]]:
    from perfxl.cells import parse_a1

    errors: dict[tuple[int, int], str] = {}
    missing: list[tuple[int, int]] = []
    for ref, kind, formula, value in sheet_cells(io.BytesIO(data)):
        if ref:
            pos = parse_a1(ref)
            if kind == "e" and value:
                errors[pos] = str(value)
            elif formula is not None and not value:
                missing.append(pos)
    return errors, missing


def sheet_cells(xml: Any) -> Iterator[tuple[str | None, str | None, str | None, str | None]]:
    """Each ``<c>`` of a worksheet's XML (a file object), parsed with defusedxml as it is
    read: its reference, its type (``t``), its formula's text (None: no formula; "" for a
    shared formula's follower) and its saved value's text (None: none saved)."""
    from defusedxml.ElementTree import iterparse

    for _, el in iterparse(xml):
        if el.tag != f"{_MAIN}c":
            continue
        f = el.find(f"{_MAIN}f")
        v = el.find(f"{_MAIN}v")
        formula = None if f is None else f.text or ""
        yield el.get("r"), el.get("t"), formula, None if v is None else v.text
        el.clear()
