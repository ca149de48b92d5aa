"""Formulas without a saved result, seen in a worksheet's XML bytes before anything parses it.

A reader of cached values (python-calamine, openpyxl's ``data_only``) reads such a formula as
blank, and ends a sheet at its last cell holding a value: rows further down that hold only
formulas never calculated (a file written by openpyxl or another generator) are not in the
Grid at all, so an indicator row made of them alone looks like nothing below the table.

The preflight, which holds every worksheet's XML anyway, asks `unsaved_tail` of each: a few
byte searches back from the end of the sheet data (single bytes, where the C library's
``memrchr`` does the work), no parsing, so a sheet whose last formula has a value after it
(every sheet Excel or WPS saved, and perfxl's own) costs next to nothing. The cells
themselves are found later, by parsing, only where this says so (`perfxl.read`).
"""

from __future__ import annotations

import re

UNKNOWN_ROW = 1_048_576
"""What `unsaved_tail` gives when such a formula's row cannot be told from the bytes (tags
written with a namespace prefix, a cell and a row without their reference): Excel's last row,
so that every row below a table is looked at."""

_FORMULA_NO_VALUE = re.compile(
    rb"</(?:\w+:)?f>\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
_FORMULA_ALONE = re.compile(rb"<(?:\w+:)?f\s*/>\s*</(?:\w+:)?c>")
_PREFIXED_FORMULA = re.compile(rb"<\w+:f[\s>/]")
_SHEET_DATA_END = b"</sheetData>"
_AFTER_F = frozenset(b">/ \t\r\n")  # what follows the f of a formula's tag (not <family ...)
_CELL_ROW = re.compile(rb"\sr=[\"'][A-Z]{1,3}([0-9]{1,7})[\"']")
_ROW_NUMBER = re.compile(rb"\sr=[\"']([0-9]{1,7})[\"']")
_LT, _SLASH, _GT = 0x3C, 0x2F, 0x3E  # < / >


def may_hold_unsaved(data: bytes) -> bool:
    """Whether a sheet's XML may hold a formula without a saved result (a byte search, before
    any parsing: a sheet Excel or WPS saved has none)."""
    return _FORMULA_NO_VALUE.search(data) is not None or _FORMULA_ALONE.search(data) is not None


def unsaved_tail(data: bytes, *, plain: bool = True) -> int:
    """The row of a worksheet's last formula when no cell from it on, and none before it in
    its row, holds a value: a row past the last one a reader of cached values gives, holding
    formulas without a saved result. 0 when there is none.

    Args:
        data: a worksheet part, or its end (the streaming preflight's last chunks: a formula
            before them, followed by more than they hold of cells without values, is missed).
        plain: the part is known to write its cells without a namespace prefix (the
            preflight's `_small_cells_only`); otherwise prefixed formulas are looked for
            first, and give `UNKNOWN_ROW` when the sheet may hold one without a result.

    A formula whose saved result is empty text (``t="str"``) counts as one without a result
    here; the parse tells it apart (`perfxl.read.unsaved_formulas`).
    """
    if not plain and _PREFIXED_FORMULA.search(data) is not None:
        return UNKNOWN_ROW if may_hold_unsaved(data) else 0
    stop = data.rfind(_SHEET_DATA_END)
    if stop < 0:
        stop = len(data)
    at = _last_formula(data, stop)
    if at < 0 or _holds_value(data, at, stop):
        return 0
    row_start = data.rfind(b"<row", 0, at)
    if _holds_value(data, max(row_start, 0), at):  # a label before formulas (合计, 总分)
        return 0
    row = _row_at(data, at)
    return UNKNOWN_ROW if row is None else row


def _last_formula(data: bytes, stop: int) -> int:
    """Where the ``f`` of the last formula tag (``<f…``, ``</f>``) before ``stop`` is; -1."""
    hi = stop
    while (at := data.rfind(b"f", 0, hi)) > 1:
        before = data[at - 1]
        if (before == _LT or (before == _SLASH and data[at - 2] == _LT)) and (
            at + 1 < len(data) and data[at + 1] in _AFTER_F
        ):
            return at
        hi = at
    return -1


def _holds_value(data: bytes, lo: int, hi: int) -> bool:
    """Whether an inline string's ``<t>`` or a non-empty ``<v>`` ends between ``lo`` and
    ``hi`` (inline strings first: perfxl writes its text so, and those sheets' formulas hold
    empty ``<v></v>``)."""
    if data.find(b"</t>", lo, hi) >= 0:
        return True
    at = lo
    while (at := data.find(b"v", at, hi)) >= 0:
        if data[at - 2 : at + 2] == b"</v>" and data[at - 3] != _GT:  # not <v></v>
            return True
        at += 1
    return False


def _row_at(data: bytes, at: int) -> int | None:
    """The row of the cell holding position ``at``: its reference's, else its row tag's;
    None when neither says it (within ``data``)."""
    for start, number in ((b"<c", _CELL_ROW), (b"<row", _ROW_NUMBER)):
        tag = data.rfind(start, 0, at)
        if tag < 0:
            continue
        end = data.find(b">", tag, at)
        m = number.search(data, tag, at if end < 0 else end)
        if m is not None:
            return int(m.group(1))
    return None
