"""``fill --into``: new data into an existing workbook without losing what openpyxl drops.

openpyxl decides *what* the sheets should hold (perfxl's one drawing code, `write.fill`),
in memory. When that changed only values and row heights (the same sheets, merges, styles,
validations, links and formulas), those values are written into the original file by the
zip write-back engine (`write.patch`), so everything openpyxl would drop survives (cached
formula results, images, charts, macros, anything perfxl does not know). Otherwise (sheets
added or removed, indicator rows added, merges regrouped) the workbook openpyxl saved is used.
Either way the formulas' cached values (percentages, the cover's figures) are then computed
by `perfxl.compute` and written by the percentages writer, as ``perfxl compute`` does.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.styles.cell_style import StyleArray

from perfxl import layout as L
from perfxl import xstring
from perfxl.write.patch import CellWrite, WorkbookPatch, safeio

_FORMULA = "f"


@dataclass
class Snapshot:
    """What openpyxl holds of a workbook: the structure, and the values apart."""

    structure: dict[str, Any] = field(default_factory=dict)
    values: dict[tuple[str, str], tuple[bool, Any]] = field(default_factory=dict)
    heights: dict[tuple[str, int], float | None] = field(default_factory=dict)


def snapshot(wb: Workbook) -> Snapshot:
    """Sheet names, and per sheet merges, validations, links, styles, widths and formulas."""
    snap = Snapshot()
    snap.structure["sheets"] = list(wb.sheetnames)
    default = _style(wb, None)
    for ws in wb.worksheets:
        name = ws.title
        styles: dict[str, tuple[Any, ...]] = {}
        links: dict[str, tuple[Any, Any]] = {}
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell, MergedCell):  # hidden under a merge: not compared
                    style = _style(wb, cell)
                    if style != default:
                        styles[cell.coordinate] = style
                if cell.hyperlink is not None:
                    links[cell.coordinate] = (cell.hyperlink.target, cell.hyperlink.location)
                value = cell.value
                if value is None:
                    continue
                # ArrayFormula and DataTableFormula objects are formulas too.
                is_formula = cell.data_type == _FORMULA or "Formula" in type(value).__name__
                snap.values[(name, cell.coordinate)] = (
                    is_formula,
                    str(value) if is_formula else value,
                )
        snap.structure[name] = (
            sorted(str(r) for r in ws.merged_cells.ranges),
            sorted(
                (str(dv.type), str(dv.formula1), str(dv.formula2), str(dv.sqref))
                for dv in ws.data_validations.dataValidation
            ),
            links,
            styles,
            {k: d.width for k, d in ws.column_dimensions.items() if d.width},
        )
        for r, dim in ws.row_dimensions.items():
            if dim.height is not None:
                snap.heights[(name, r)] = dim.height
    return snap


def _style(wb: Workbook, cell: Any) -> tuple[Any, ...]:
    """A cell's look as values (a redrawn sheet gets the same look under other indices)."""
    st = (cell._style if cell is not None else None) or StyleArray()
    book: Any = wb  # openpyxl's style tables are not in its type stubs
    return (
        book._fonts[st.fontId],
        book._fills[st.fillId],
        book._borders[st.borderId],
        book._alignments[st.alignmentId],
        book._protections[st.protectionId],
        cell.number_format if cell is not None else "General",
    )


def value_writes(before: Snapshot, after: Snapshot) -> list[CellWrite] | None:
    """The cell writes that turn ``before`` into ``after``; None when more than values changed."""
    if before.structure != after.structure:
        return None
    writes: list[CellWrite] = []
    for key in sorted(set(before.values) | set(after.values)):
        old, new = before.values.get(key), after.values.get(key)
        if old == new:
            continue
        if (new is not None and new[0]) or (old is not None and old[0] and new is None):
            return None  # a formula written or removed: openpyxl's workbook is the answer
        value = new[1] if new is not None else None
        if isinstance(value, str):
            value = xstring.unescape(value)  # the engine escapes again
        replace = old is not None and old[0]
        writes.append(CellWrite(key[0], key[1], value, formula="replace" if replace else "refuse"))
    return writes


_ROW_TAG = r'<row\b[^>]*?\br="{row}"[^>]*?/?>'


def set_heights(patch: WorkbookPatch, before: Snapshot, after: Snapshot) -> bool:
    """Give rows the heights openpyxl gave them; False when a row has no element to hold it."""
    changed: dict[str, dict[int, float | None]] = {}
    for key in set(before.heights) | set(after.heights):
        if before.heights.get(key) != after.heights.get(key):
            changed.setdefault(key[0], {})[key[1]] = after.heights.get(key)
    for sheet, rows in changed.items():
        part = patch.book.sheet(sheet).part
        xml = patch.pkg.text(part)
        for row, height in rows.items():
            m = re.search(_ROW_TAG.format(row=row), xml)
            if m is None:
                return False
            tag = re.sub(r'\s(?:ht|customHeight)="[^"]*"', "", m.group(0))
            if height is not None:
                end = "/>" if tag.endswith("/>") else ">"
                tag = f'{tag[: -len(end)]} ht="{height:g}" customHeight="1"{end}'
            xml = xml[: m.start()] + tag + xml[m.end() :]
        patch.pkg.set_text(part, xml)
    return True


def recompute(data: bytes, suffix: str, layout: L.Layout = L.STANDARD) -> bytes:
    """``data`` with the cached values of its percentage and cover formulas computed (the
    workbook read with ``layout``)."""
    from perfxl.write.percentages import compute_workbook

    with tempfile.TemporaryDirectory(prefix="perfxl-fill-") as tmp:
        book = Path(tmp) / f"book{suffix}"
        book.write_bytes(data)
        compute_workbook(book, None, backup=False, layout=layout)
        return book.read_bytes()


def save(target: Path, data: bytes, *, previous: bytes | None) -> Path | None:
    """Write ``data`` to ``target``; ``previous`` (in place) is kept as the backup first."""
    return safeio.save(target, data, previous=previous, backup=previous is not None)
