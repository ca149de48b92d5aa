"""Show problems in the workbook (fills, comments, a 校验结果 sheet) and take them out again.

Annotating first clears every earlier perfxl annotation, so the result depends
only on the workbook without annotations and the list given: annotating twice
gives the same bytes as once. Values are never touched; a cell that did not
exist gets an empty styled ``<c>`` that clearing removes again.

Clearing restores each filled cell from the record kept by
:mod:`perfxl.write.patch.manifest`:

* exactly (the original style index, the original ``<c>``/``<row>`` text) when
  the cell still has the index perfxl gave it and both xfs still mean what they
  meant (same fingerprint: nothing renumbered styles.xml in between);
* otherwise, when the cell still shows a perfxl fill (LibreOffice or Excel
  re-saved and renumbered the styles, or a number format was written since),
  by giving its current style the original fill back;
* otherwise (the user re-coloured the cell) not at all; it is reported.

perfxl's comments are those by author "perfxl", or, because LibreOffice drops
comment authors, those on cells the record lists whose text starts with a
severity tag such as 【错误】.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from perfxl.cells import a1, parse_a1
from perfxl.constants import RESULTS_SHEET
from perfxl.errors import SheetNotFoundError
from perfxl.write.patch import manifest, notes, opc
from perfxl.write.patch import xmltext as xt
from perfxl.write.patch.annotation_plan import FILLS, AnnotationPlan, plan
from perfxl.write.patch.model import AnnotationLike
from perfxl.write.patch.package import Package
from perfxl.write.patch.report import results_sheet
from perfxl.write.patch.sheet_edit import SheetXml, cell_parts, style_of
from perfxl.write.patch.styles import Styles
from perfxl.write.patch.workbook import Book

# What a filled cell was before, as kept in the record (>= 0: its explicit s attribute).
NO_S, NEW_CELL, NEW_ROW, NEW_IN_EMPTY_ROW, NEW_IN_EMPTY_SHEET = -1, -2, -3, -4, -5


@dataclass
class Outcome:
    """Counts and cells worth telling the caller about."""

    cells: int = 0
    comments_skipped: list[str] = field(default_factory=list)
    restore_skipped: list[str] = field(default_factory=list)


def _restyle(xml: str, s: int | None) -> str:
    end = xml.index(">") + 1
    tag = xml[:end]
    tag = xt.del_attr(tag, "s") if s is None else xt.set_attr(tag, "s", str(s))
    return tag + xml[end:]


def _styles(pkg: Package, book: Book) -> Styles | None:
    part = book.styles_part()
    return Styles(pkg.text(part), part) if part and pkg.has(part) else None


class _Restorer:
    """Puts filled cells of one sheet back, following the record."""

    def __init__(self, sx: SheetXml, styles: Styles | None, record: dict[str, Any]) -> None:
        self.sx = sx
        self.styles = styles
        self.xf: dict[str, str] = record.get("xf") or {}
        self.fill: dict[str, str] = record.get("fill") or {}

    def same(self, index: int) -> bool:
        return self.styles is not None and self.styles.fingerprint(index) == self.xf.get(str(index))

    def cell(self, ref: str, code: int, applied: int, look: int) -> bool:
        """Restore one cell; ``look`` is the style whose fill the cell showed before."""
        sx = self.sx
        r, c = parse_a1(ref, strict=True)
        cur = sx.cell(r, c)
        if cur is None:
            return False
        base = max(code, 0)
        if style_of(cur) == applied and self.same(applied) and self.same(base):
            xml: str | None = None
            parts = cell_parts(cur, sx.p)
            if code >= 0:
                xml = _restyle(cur, code)
            elif code == NO_S or parts.has_value or parts.formula:
                xml = _restyle(cur, None)
            elif code in (NEW_ROW, NEW_IN_EMPTY_SHEET):
                sx.drop_if_empty.add(r)
                sx.collapse_sheet_data |= code == NEW_IN_EMPTY_SHEET
            elif code == NEW_IN_EMPTY_ROW:
                sx.collapse_if_empty.add(r)
            sx.put(r, c, xml)
            return True
        styles, fill = self.styles, self.fill.get(str(look))
        if styles is None or fill is None or styles.fill_rgb(style_of(cur)) not in FILLS.values():
            return False
        sx.put(r, c, _restyle(cur, styles.with_fill_xml(style_of(cur), fill)))
        return True


def clear(pkg: Package, book: Book) -> Outcome:
    """Remove every perfxl annotation; returns the cells restored and those left alone."""
    out = Outcome()
    record = manifest.load(pkg) or {}
    styles = _styles(pkg, book)
    for name, entries in (record.get("cells") or {}).items():
        try:
            sref = book.sheet(name)
        except SheetNotFoundError:
            out.restore_skipped += [f"{name}!{e[0]}" for e in entries]
            continue
        sx = SheetXml(pkg.text(sref.part), sref.part)
        restorer = _Restorer(sx, styles, record)
        for ref, code, applied, look in entries:
            if restorer.cell(ref, code, applied, look):
                out.cells += 1
            else:
                out.restore_skipped.append(f"{name}!{ref}")
        pkg.set_text(sref.part, sx.render())
    if styles is not None:
        pkg.set_text(styles.part, styles.text)
    for sheet in book.sheets():
        if sheet.name == RESULTS_SHEET:
            book.remove_sheet(sheet)
            break
    noted: dict[str, list[str]] = record.get("notes") or {}
    for sheet in book.sheets():
        if sheet.is_worksheet and pkg.has(sheet.part):
            notes.remove_notes(pkg, sheet.part, set(noted.get(sheet.name, ())))
    if record.get("vmlDefault") and not any(n.lower().endswith(".vml") for n in pkg.names()):
        opc.remove_default(pkg, "vml")
    manifest.drop(pkg)
    return out


def _plan(book: Book, annotations: Iterable[AnnotationLike]) -> AnnotationPlan:
    def resolve(name: str) -> str | None:
        try:
            return book.sheet(name).name
        except SheetNotFoundError:
            return None

    return plan(annotations, resolve)


def _fill_sheet(
    sx: SheetXml, styles: Styles, cells: dict[tuple[int, int], str], record: dict[str, Any]
) -> list[list[Any]]:
    entries: list[list[Any]] = []
    for (r, c), severity in sorted(cells.items()):
        cur, ref = sx.cell(r, c), a1(r, c)
        if cur is None:
            row = sx.row(r)
            if sx.sheet_data.self_closing:
                code = NEW_IN_EMPTY_SHEET
            elif row is None:
                code = NEW_ROW
            else:
                code = NEW_IN_EMPTY_ROW if row.span.self_closing else NEW_CELL
            base = sx.inherited_style(r, c) or 0
            s = styles.with_fill(base, FILLS[severity])
            sx.put(r, c, f'<{sx.p}c r="{ref}" s="{s}"/>')
        else:
            attr = xt.get_attr(cur[: cur.index(">") + 1], "s")
            code = int(attr) if attr is not None else NO_S
            base = int(attr or 0)
            s = styles.with_fill(base, FILLS[severity])
            sx.put(r, c, _restyle(cur, s))
        entries.append([ref, code, s, base])
        for index in {max(code, 0), s}:
            record["xf"][str(index)] = styles.fingerprint(index)
        record["fill"][str(base)] = styles.fill_of(base)
    return entries


def annotate(pkg: Package, book: Book, annotations: Iterable[AnnotationLike]) -> Outcome:
    """Clear earlier annotations, then fill, comment and list ``annotations``."""
    previous = clear(pkg, book)
    out = Outcome(restore_skipped=previous.restore_skipped)
    todo_plan = _plan(book, annotations)
    styles = _styles(pkg, book)
    record: dict[str, Any] = {"v": 1, "cells": {}, "xf": {}, "fill": {}, "notes": {}}
    for name, cells in todo_plan.fills.items():
        if styles is None:
            break
        sref = book.sheet(name)
        sx = SheetXml(pkg.text(sref.part), sref.part)
        record["cells"][name] = _fill_sheet(sx, styles, cells, record)
        out.cells += len(cells)
        pkg.set_text(sref.part, sx.render())
    for name in todo_plan.lines:
        part = book.sheet(name).part
        todo = [notes.Note(r, c, text) for r, c, text in todo_plan.notes(name)]
        skipped, added_default = notes.add_notes(pkg, part, todo)
        out.comments_skipped += [f"{name}!{ref}" for ref in skipped]
        record["notes"][name] = [a1(n.row, n.col) for n in todo if a1(n.row, n.col) not in skipped]
        if added_default:
            record["vmlDefault"] = 1
    header = link = 0
    if styles is not None:
        header, link = styles.font_style(bold=True), styles.font_style(link=True)
        pkg.set_text(styles.part, styles.text)
    book.add_sheet(RESULTS_SHEET, results_sheet(todo_plan.rows, header, link))
    manifest.save(pkg, record)
    return out
