"""校验 on a live book: the zip engine's annotation plan, written through xlwings.

The plan (fill by the worst severity, comment lines, 校验结果 rows) comes from
:mod:`perfxl.write.patch.annotation_plan`, the same function ``perfxl validate --annotate`` uses, so the
cells, colours, comment texts and result rows are the CLI's.

What a cell looked like before is kept in the book's custom document properties (JSON in
text properties ``perfxl.excel.annotations.1``, ``.2``, ... of at most 255 characters), as
the engine keeps its own record (see :mod:`perfxl.write.patch.manifest` for why there and not
in a hidden sheet). The engine records style indexes, which mean nothing through xlwings, so
the live record holds colours instead and has its own name. The next 校验 puts back each
cell's own fill (when it still shows the perfxl colour), removes perfxl's notes and the
校验结果 sheet, and also takes out annotations the CLI left in the file (its record names
the cells, their original fills and its comments). Engines without the COM object model
(macOS, the remote engine) keep no record: the fills then stay until the cells are re-coloured.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from perfxl.cells import a1
from perfxl.constants import RESULTS_SHEET
from perfxl.excel import adapter as A
from perfxl.problems import Problem
from perfxl.write.patch import manifest
from perfxl.write.patch.annotation_plan import FILLS, RESULTS_HEADERS, AnnotationPlan, plan

PREFIX = "perfxl.excel.annotations."
PERFXL_COLORS = frozenset(argb[2:].upper() for argb in FILLS.values())


@dataclass
class Outcome:
    """What annotating did (as :class:`perfxl.write.patch.PatchResult` says for a file)."""

    cells: int = 0
    comments_skipped: list[str] = field(default_factory=list)
    restore_skipped: list[str] = field(default_factory=list)
    record_kept: bool = False


def hex_color(color: Any) -> str | None:
    """xlwings' colour (an ``(r, g, b)`` tuple, or ``#RRGGBB``) as ``RRGGBB``; None for none."""
    if color is None:
        return None
    if isinstance(color, str):
        return color.lstrip("#").upper()
    r, g, b = color
    return f"{r:02X}{g:02X}{b:02X}"


def _sheets(book: Any) -> dict[str, Any]:
    return {s.name: s for s in book.sheets}


def resolver(names: Iterable[str]) -> Any:
    """Sheet name -> the book's tab name (exact, then ignoring case), as the engine finds it."""
    names = list(names)

    def resolve(name: str) -> str | None:
        return next((n for n in names if n == name), None) or next(
            (n for n in names if n.casefold() == name.casefold()), None
        )

    return resolve


def clear(book: Any) -> Outcome:
    """Take out perfxl's annotations (the ribbon's and the CLI's) and the 校验结果 sheet."""
    out = Outcome()
    sheets = _sheets(book)
    live = A.load_record(book, PREFIX) or {}
    for name, entries in (live.get("cells") or {}).items():
        for ref, original in entries:
            _restore(sheets.get(name), name, ref, original, out)
    _delete_notes(sheets, live.get("notes") or {})
    if live:
        A.save_record(book, PREFIX, None)
    engine = A.load_record(book, manifest.PREFIX) or {}
    fills: dict[str, str] = engine.get("fill") or {}
    for name, entries in (engine.get("cells") or {}).items():
        for ref, _code, _applied, look in entries:
            original = _fill_rgb(fills.get(str(look), ""))
            _restore(sheets.get(name), name, ref, original, out)
    _delete_notes(sheets, engine.get("notes") or {})
    if engine:
        A.save_record(book, manifest.PREFIX, None)
    if RESULTS_SHEET in sheets:
        sheets[RESULTS_SHEET].delete()
    return out


def _restore(sheet: Any, name: str, ref: str, original: str | None, out: Outcome) -> None:
    if sheet is None:
        out.restore_skipped.append(f"{name}!{ref}")
        return
    rng = sheet.range(ref)
    if hex_color(rng.color) not in PERFXL_COLORS:  # re-coloured since: leave it
        out.restore_skipped.append(f"{name}!{ref}")
        return
    with A.unprotected(sheet):
        rng.color = None if original in (None, "") else "#" + str(original)
    out.cells += 1


def _delete_notes(sheets: dict[str, Any], noted: dict[str, list[str]]) -> None:
    for name, refs in noted.items():
        sheet = sheets.get(name)
        if sheet is None:
            continue
        with A.unprotected(sheet):
            for ref in refs:
                note = sheet.range(ref).note
                if note is not None:
                    note.delete()


def _fill_rgb(fill_xml: str) -> str | None:
    """The colour of a solid ``<fill>`` kept by the engine; None for no fill."""
    if 'patternType="solid"' not in fill_xml:
        return None
    m = re.search(r'<(?:\w+:)?fgColor[^>]*\brgb="([0-9A-Fa-f]{8})"', fill_xml)
    return m.group(1)[2:].upper() if m else None


def annotate_book(book: Any, problems: list[Problem]) -> Outcome:
    """Clear earlier annotations, then fill, comment and list ``problems``."""
    previous = clear(book)
    out = Outcome(restore_skipped=previous.restore_skipped)
    sheets = _sheets(book)
    todo = plan(problems, resolver(sheets))
    record: dict[str, Any] = {"v": 1, "cells": {}, "notes": {}}
    for name, cells in todo.fills.items():
        sheet = sheets[name]
        entries = []
        with A.unprotected(sheet):
            for (r, c), severity in sorted(cells.items()):
                rng = sheet.range((r, c))
                entries.append([a1(r, c), hex_color(rng.color)])
                rng.color = "#" + FILLS[severity][2:]
        record["cells"][name] = entries
        out.cells += len(cells)
    for name in todo.lines:
        sheet, noted = sheets[name], []
        with A.unprotected(sheet):
            for r, c, text in todo.notes(name):
                rng = sheet.range((r, c))
                if rng.note is not None:  # the user's own note stays, as the CLI keeps it
                    out.comments_skipped.append(f"{name}!{a1(r, c)}")
                    continue
                rng.add_note(text)
                noted.append(a1(r, c))
        record["notes"][name] = noted
    _results(book, todo)
    out.record_kept = A.save_record(book, PREFIX, record)
    return out


def result_table(todo: AnnotationPlan) -> list[list[Any]]:
    """The 校验结果 cells: the engine's headers, then one row per problem (None for blank)."""
    rows: list[list[Any]] = [list(RESULTS_HEADERS)]
    for row in todo.rows:
        values = (row.sheet, row.cell, row.level, row.rule, row.message)
        rows.append([v or None for v in values])
    return rows


def _results(book: Any, todo: AnnotationPlan) -> None:
    last = list(book.sheets)[-1]
    sheet = book.sheets.add(RESULTS_SHEET, after=last)
    A.write_block(sheet, "A1", result_table(todo))
    sheet.range((1, 1), (1, len(RESULTS_HEADERS))).font.bold = True
    for n, row in enumerate(todo.rows, start=2):
        if row.location:
            sheet.range((n, 2)).add_hyperlink("#" + row.location, row.cell)
