"""What python-calamine does not give for an .ods: merged ranges, and the extent of content.

python-calamine returns no merged ranges for OpenDocument spreadsheets, so a 一级指标 written
once over its group of rows would read as empty below its first row. The ranges are read here
from ``content.xml`` itself (``table:number-rows-spanned`` / ``number-columns-spanned``),
streaming, with defusedxml. The same pass measures, per sheet, the rows and columns spanned by
cells that hold something (repeated rows and cells counted), so a sheet that would make a reader
allocate billions of cells is refused before calamine parses it. The file must have passed
``perfxl.safety.preflight`` (an ODF package whose XML carries no DTD).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")
_MAX_SPAN_REPEAT = 1_000  # a spanning cell repeated more often than this is not a form


@dataclass
class OdsSheet:
    """One table of an .ods.

    Attributes:
        merged: merged ranges as (min_row, min_col, max_row, max_col), 1-based, inclusive.
        rows: the last row holding something (0 when none).
        cols: the last column holding something (0 when none).
    """

    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    rows: int = 0
    cols: int = 0


def read_ods_tables(path: str | Path) -> dict[str, OdsSheet]:
    """Each table's merged ranges and content extent, by sheet name, from ``content.xml``."""
    from defusedxml.ElementTree import iterparse

    out: dict[str, OdsSheet] = {}
    with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
        sheet: OdsSheet | None = None
        depth = 0  # tables inside tables (not written by spreadsheet apps) are not ours
        row = col = 0
        for event, el in iterparse(fh, events=("start", "end")):
            tag = el.tag
            if tag == f"{_TABLE}table":
                if event == "start":
                    depth += 1
                    if depth == 1:
                        sheet = out.setdefault(el.get(f"{_TABLE}name") or "", OdsSheet())
                        row = 0
                else:
                    depth -= 1
                    el.clear()
                continue
            if sheet is None or depth != 1 or event != "end":
                continue
            if tag in _CELLS:
                col = _cell(sheet, el, row, col)
            elif tag == f"{_TABLE}table-row":
                repeat = _int(el.get(f"{_TABLE}number-rows-repeated"))
                if _row_has_content(el):
                    sheet.rows = max(sheet.rows, row + repeat)
                    sheet.cols = max(sheet.cols, _row_width(el))
                row += repeat
                col = 0
                el.clear()
    return out


def _cell(sheet: OdsSheet, el: Element, row: int, col: int) -> int:
    """Record a merge starting at this cell; return the column after it (0-based)."""
    repeat = _int(el.get(f"{_TABLE}number-columns-repeated"))
    rs = _int(el.get(f"{_TABLE}number-rows-spanned"))
    cs = _int(el.get(f"{_TABLE}number-columns-spanned"))
    if rs > 1 or cs > 1:
        for k in range(min(repeat, _MAX_SPAN_REPEAT)):
            c = col + k * cs
            sheet.merged.append((row + 1, c + 1, row + rs, c + cs))
    return col + repeat


def _holds(el: Element) -> bool:
    """A cell with a value type or any child (text, annotation) holds something."""
    return el.get(f"{_OFFICE}value-type") is not None or len(el) > 0


def _row_has_content(row: Element) -> bool:
    return any(c.tag in _CELLS and _holds(c) for c in row)


def _row_width(row: Element) -> int:
    """The column (1-based) of the last cell in the row holding something."""
    col = last = 0
    for c in row:
        if c.tag not in _CELLS:
            continue
        col += _int(c.get(f"{_TABLE}number-columns-repeated"))
        if _holds(c):
            last = col
    return last


def _int(text: str | None) -> int:
    try:
        return max(1, int(text)) if text else 1
    except ValueError:
        return 1
