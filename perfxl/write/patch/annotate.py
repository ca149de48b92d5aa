"""Show problems in the workbook (fills, comments, a 校验结果 sheet) and take them out again.

Annotating first clears every earlier perfxl annotation, so the result depends
only on the workbook without annotations and the list given: annotating twice
gives the same bytes as once. Clearing restores each filled cell's original
style index (recorded by :mod:`perfxl.write.patch.manifest`), removes perfxl's
comments and the 校验结果 sheet, and drops the parts perfxl created. Values are
never touched; cells that did not exist get an empty styled ``<c>`` that clearing
removes again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from perfxl.constants import RESULTS_SHEET
from perfxl.problems import SEVERITY_ORDER, SEVERITY_ZH
from perfxl.write.patch import manifest, notes, opc
from perfxl.write.patch import xmltext as xt
from perfxl.write.patch.errors import CellRefError, SheetNotFoundError
from perfxl.write.patch.model import AnnotationLike
from perfxl.write.patch.package import Package
from perfxl.write.patch.report import ResultRow, location, results_sheet
from perfxl.write.patch.sheetxml import SheetXml, cell_parts, ref_of, split_ref, style_of
from perfxl.write.patch.styles import Styles
from perfxl.write.patch.workbook import Book

FILLS = {"error": "FFFFC7CE", "warning": "FFFFEB9C", "info": "FFDDEBF7"}
MAX_RANGE = 10_000
# What a filled cell was before, as kept in the record (>= 0: its explicit s attribute).
NO_S, NEW_CELL, NEW_ROW, NEW_IN_EMPTY_ROW = -1, -2, -3, -4


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


def _cells(ref: str, sheet: str) -> list[tuple[int, int]]:
    first, _, last = ref.replace("$", "").upper().strip().partition(":")
    try:
        r1, c1 = split_ref(first)
        r2, c2 = split_ref(last) if last else (r1, c1)
    except ValueError:
        raise CellRefError(f"“{ref}”不是有效的单元格或区域。", sheet=sheet, cell=ref) from None
    r1, r2, c1, c2 = min(r1, r2), max(r1, r2), min(c1, c2), max(c1, c2)
    if (r2 - r1 + 1) * (c2 - c1 + 1) > MAX_RANGE:
        raise CellRefError(f"区域 {ref} 超过 {MAX_RANGE} 个单元格。", sheet=sheet, cell=ref)
    return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def clear(pkg: Package, book: Book) -> Outcome:
    """Remove every perfxl annotation; returns the cells restored and those left alone."""
    out = Outcome()
    record = manifest.load(pkg) or {}
    for name, entries in (record.get("cells") or {}).items():
        try:
            sref = book.sheet(name)
        except SheetNotFoundError:
            out.restore_skipped += [f"{name}!{e[0]}" for e in entries]
            continue
        sx = SheetXml(pkg.text(sref.part), sref.part)
        collapse: set[int] = set()
        for ref, code, applied in entries:
            r, c = split_ref(ref)
            cur = sx.cell(r, c)
            if cur is None or style_of(cur) != applied:
                out.restore_skipped.append(f"{name}!{ref}")
                continue
            xml: str | None
            if code >= 0:
                xml = _restyle(cur, code)
            else:
                parts = cell_parts(cur, sx.p)
                xml = None
                if code == NO_S or parts.has_value or parts.formula:
                    xml = _restyle(cur, None)
                elif code == NEW_ROW:
                    sx.drop_if_empty.add(r)
                elif code == NEW_IN_EMPTY_ROW:
                    collapse.add(r)
            sx.put(r, c, xml)
            out.cells += 1
        sx.collapse_if_empty = collapse
        pkg.set_text(sref.part, sx.render())
    for sheet in book.sheets():
        if sheet.name == RESULTS_SHEET:
            book.remove_sheet(sheet)
            break
    for sheet in book.sheets():
        if sheet.is_worksheet and pkg.has(sheet.part):
            notes.remove_notes(pkg, sheet.part)
    if record.get("vmlDefault") and not any(n.lower().endswith(".vml") for n in pkg.names()):
        opc.remove_default(pkg, "vml")
    manifest.drop(pkg)
    return out


def _note_line(a: AnnotationLike) -> str:
    rule = getattr(a, "rule", "") or ""
    head = f"【{SEVERITY_ZH[a.severity]}】" + (f"{rule}：" if rule else "")
    return head + a.message


def annotate(pkg: Package, book: Book, annotations: Iterable[AnnotationLike]) -> Outcome:
    """Clear earlier annotations, then fill, comment and list ``annotations``."""
    previous = clear(pkg, book)
    out = Outcome(restore_skipped=previous.restore_skipped)
    fills: dict[str, dict[tuple[int, int], str]] = {}
    lines: dict[str, dict[tuple[int, int], list[str]]] = {}
    rows: list[ResultRow] = []
    for a in annotations:
        if a.severity not in FILLS:
            raise ValueError(f"unknown severity {a.severity!r}")
        sheet, cell, loc = a.sheet or "", (a.cell or "").replace("$", "").upper(), None
        real = None
        if sheet and sheet != RESULTS_SHEET:
            try:
                real = book.sheet(sheet).name
            except SheetNotFoundError:
                real = None
        if real and cell:
            targets = _cells(cell, real)
            f = fills.setdefault(real, {})
            for rc in targets:
                old = f.get(rc)
                if old is None or SEVERITY_ORDER[a.severity] < SEVERITY_ORDER[old]:
                    f[rc] = a.severity
            lines.setdefault(real, {}).setdefault(targets[0], []).append(_note_line(a))
            loc = location(real, cell)
        rule = getattr(a, "rule", "") or ""
        rows.append(ResultRow(sheet, cell, SEVERITY_ZH[a.severity], rule, a.message, loc))
    styles_part = book.styles_part()
    styles = Styles(pkg.text(styles_part), styles_part) if styles_part else None
    record: dict[str, Any] = {"v": 1, "cells": {}}
    for name, cells in fills.items():
        sref = book.sheet(name)
        sx = SheetXml(pkg.text(sref.part), sref.part)
        entries = []
        for (r, c), severity in sorted(cells.items()):
            if styles is None:
                break
            cur, ref = sx.cell(r, c), ref_of(r, c)
            if cur is None:
                row = sx.row(r)
                code = (
                    NEW_ROW
                    if row is None
                    else NEW_IN_EMPTY_ROW
                    if row.span.self_closing
                    else NEW_CELL
                )
                s = styles.with_fill(sx.inherited_style(r, c) or 0, FILLS[severity])
                xml = f'<{sx.p}c r="{ref}" s="{s}"/>'
            else:
                attr = xt.get_attr(cur[: cur.index(">") + 1], "s")
                code = int(attr) if attr is not None else NO_S
                s = styles.with_fill(int(attr or 0), FILLS[severity])
                xml = _restyle(cur, s)
            sx.put(r, c, xml)
            entries.append([ref, code, s])
            out.cells += 1
        pkg.set_text(sref.part, sx.render())
        record["cells"][name] = entries
    for name, by_cell in lines.items():
        part = book.sheet(name).part
        todo = [notes.Note(r, c, "\n".join(ls)) for (r, c), ls in sorted(by_cell.items())]
        skipped, added_default = notes.add_notes(pkg, part, todo)
        out.comments_skipped += [f"{name}!{ref}" for ref in skipped]
        if added_default:
            record["vmlDefault"] = 1
    header = link = 0
    if styles is not None:
        header, link = styles.font_style(bold=True), styles.font_style(link=True)
        pkg.set_text(styles.part, styles.text)
    book.add_sheet(RESULTS_SHEET, results_sheet(rows, header, link))
    manifest.save(pkg, record)
    return out
