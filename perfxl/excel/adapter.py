"""A live xlwings book seen as a Grid, and batched writes back into it.

Reading costs one call per sheet for the values (the used range from A1, as a 2-D list) plus
one call per vertical run of blank cells in the indicator area, to learn which ones are merged
(the 一级指标 written once per group). Writing groups contiguous cells of a row into one range
write. Cell-by-cell COM calls are what makes xlwings tools slow, so nothing here loops over
single cells when a block will do.

Only these xlwings calls are made (the tests' fake implements exactly them):
``book.fullname``, ``book.sheets`` (iterate, ``[name]``, ``.add(name, after=)``),
``book.app.calculate()``, ``sheet.name``, ``sheet.visible``, ``sheet.delete()``,
``sheet.used_range.last_cell.row/.column``, ``sheet.range(a, b).options(ndim=2).value``
(get and set), ``range.formula`` (get), ``range.number_format`` (set),
``range.merge_area.address``, ``range.color`` (get and set, None removes the fill),
``range.note`` / ``range.add_note`` / ``note.text`` / ``note.delete()``,
``range.add_hyperlink(address, text)``, ``range.font.bold``, ``range.clear_contents()``,
``sheet.api.ProtectContents`` / ``Unprotect()`` / ``Protect()`` and
``book.api.CustomDocumentProperties`` (``Count``, ``Item(i)``, ``.Name``, ``.Value``,
``.Delete()``, ``Add(Name=, LinkToContent=, Type=, Value=)``) (Windows Excel only; other
engines skip them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from perfxl import layout as L
from perfxl.cells import a1, parse_a1, parse_range
from perfxl.grid import Grid, Sheet, normalize_rows
from perfxl.write.patch import manifest

# Merges matter to the reader only in the indicator table, at most this many columns to the
# right of the project table.
_MERGE_MARGIN = 2


def read_grid(book: Any, layout: L.Layout = L.STANDARD) -> Grid:
    """Every sheet of an open book as a Grid (same shape the file readers give); merges are
    looked for in ``layout``'s indicator table."""
    sheets = []
    for sh in book.sheets:
        last = sh.used_range.last_cell
        nrows, ncols = last.row, last.column
        value = sh.range((1, 1), (nrows, ncols)).options(ndim=2).value
        rows = normalize_rows(value or [])
        sheets.append(
            Sheet(
                name=sh.name,
                rows=rows,
                merged=_vertical_merges(sh, rows, layout.project),
                visible=sh.visible,
            )
        )
    return Grid(path=book.fullname, sheets=sheets)


def _vertical_merges(
    sh: Any, rows: list[list[Any]], form: L.ProjectForm
) -> list[tuple[int, int, int, int]]:
    """Merged ranges that start above a blank cell in the indicator area.

    One call per candidate (a filled cell with a blank cell below it), not per cell. Engines
    that cannot answer synchronously (xlwings' remote engine) give no merges.
    """
    found: list[tuple[int, int, int, int]] = []
    covered: set[tuple[int, int]] = set()
    for c in range(1, form.width + _MERGE_MARGIN + 1):
        for r in range(form.indicator_first_row, len(rows)):
            if (r + 1, c) in covered or not _filled(rows, r, c) or _filled(rows, r + 1, c):
                continue
            try:
                address = sh.range((r, c)).merge_area.address
            except NotImplementedError:
                return []
            r1, c1, r2, c2 = parse_range(address.replace("$", ""))
            if (r1, c1) == (r, c) and r2 > r1:
                found.append((r1, c1, r2, c2))
                covered.update((rr, cc) for rr in range(r1, r2 + 1) for cc in range(c1, c2 + 1))
    return found


def _filled(rows: list[list[Any]], r: int, c: int) -> bool:
    if r < 1 or r > len(rows) or c > len(rows[r - 1]):
        return False
    return rows[r - 1][c - 1] is not None


def runs(cells: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """Group single cells into horizontal runs: ``{"B8": 1, "C8": 2}`` -> ``[("B8", [1, 2])]``."""
    pos = sorted((parse_a1(ref), v) for ref, v in cells.items())
    out: list[tuple[str, list[Any]]] = []
    prev: tuple[int, int] | None = None
    for (r, c), v in pos:
        if prev is not None and prev == (r, c - 1):
            out[-1][1].append(v)
        else:
            out.append((a1(r, c), [v]))
        prev = (r, c)
    return out


def write_values(sheet: Any, cells: dict[str, Any]) -> int:
    """Write values in as few range writes as the layout allows; returns the number of writes."""
    groups = runs(cells)
    with unprotected(sheet):
        for start, values in groups:
            sheet.range(start).options(ndim=2).value = [values]
    return len(groups)


def read_formulas(book: Any, cells: list[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    """The formulas of ``cells`` (without ``=``; None for a constant), one call per sheet.

    Excel gives every cell's formula in full (no shared-formula followers), in English.
    """
    by_sheet: dict[str, list[tuple[int, int]]] = {}
    for name, ref in cells:
        by_sheet.setdefault(name, []).append(parse_a1(ref))
    out: dict[tuple[str, str], str | None] = {}
    for name, pos in by_sheet.items():
        r1, c1 = min(r for r, _ in pos), min(c for _, c in pos)
        r2, c2 = max(r for r, _ in pos), max(c for _, c in pos)
        got = book.sheets[name].range((r1, c1), (r2, c2)).formula
        grid = _as_2d(got, r2 - r1 + 1)
        for r, c in pos:
            f = grid[r - r1][c - c1]
            out[(name, a1(r, c))] = f[1:] if isinstance(f, str) and f.startswith("=") else None
    return out


def _as_2d(got: Any, nrows: int) -> list[list[Any]]:
    """xlwings returns a single cell's formula as a string, a row's as a 1-D tuple."""
    if not isinstance(got, list | tuple):
        return [[got]]
    if got and not isinstance(got[0], list | tuple):
        return [list(got)] if nrows == 1 else [[g] for g in got]
    return [list(row) for row in got]


def write_formatted(sheet: Any, cells: dict[str, Any], number_format: str | None) -> int:
    """Like :func:`write_values`, then give each written run ``number_format``."""
    groups = runs(cells)
    with unprotected(sheet):
        for start, values in groups:
            sheet.range(start).options(ndim=2).value = [values]
            if number_format is not None:
                r, c = parse_a1(start)
                sheet.range((r, c), (r, c + len(values) - 1)).number_format = number_format
    return len(groups)


def write_block(sheet: Any, top_left: str, rows: list[list[Any]]) -> None:
    """Write a 2-D block in one call."""
    with unprotected(sheet):
        sheet.range(top_left).options(ndim=2).value = rows


def mark(sheet: Any, cell: str, color: str | None, note: str) -> None:
    """Colour a cell and set its note (replacing a note already there)."""
    rng = sheet.range(cell)
    if color is not None:
        rng.color = color
    existing = rng.note
    if existing is not None:
        existing.text = note
    else:
        rng.add_note(note)


@contextmanager
def unprotected(sheet: Any) -> Iterator[None]:
    """Lift a password-less sheet protection while writing, then restore it.

    perfxl's sheets are protected without a password (labels locked, input cells open); the
    computed cells and the annotation colours need the protection lifted. Engines without a
    COM ``api`` (remote, tests' fake without protection) write directly.
    """
    api: Any = getattr(sheet, "api", None)
    protected = bool(getattr(api, "ProtectContents", False))
    if not protected:
        yield
        return
    prot = api.Protection
    allow = {
        "AllowFormattingColumns": prot.AllowFormattingColumns,
        "AllowFormattingRows": prot.AllowFormattingRows,
    }
    api.Unprotect()
    try:
        yield
    finally:
        api.Protect(DrawingObjects=True, Contents=True, Scenarios=True, **allow)


# --- a small record kept with the book -----------------------------------------------------
def _props(book: Any) -> Any:
    """The book's custom document properties (Windows Excel), or None."""
    try:
        return book.api.CustomDocumentProperties
    except Exception:  # no COM object model here (macOS, remote engine)
        return None


def load_record(book: Any, prefix: str) -> dict[str, Any] | None:
    """The JSON record stored by :func:`save_record` under ``prefix``, or None."""
    props = _props(book)
    if props is None:
        return None
    chunks: dict[int, str] = {}
    for i in range(1, props.Count + 1):
        prop = props.Item(i)
        name = str(prop.Name)
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            chunks[int(name[len(prefix) :])] = str(prop.Value)
    return manifest.join_chunks(chunks)


def save_record(book: Any, prefix: str, record: dict[str, Any] | None) -> bool:
    """Replace the record under ``prefix`` (None: just remove it); False when not kept."""
    props = _props(book)
    if props is None:
        return False
    for i in range(props.Count, 0, -1):
        prop = props.Item(i)
        if str(prop.Name).startswith(prefix):
            prop.Delete()
    if record is None:
        return True
    for n, piece in enumerate(manifest.split_record(record), start=1):
        # Type 4 = msoPropertyTypeString; text values are limited to 255 characters.
        props.Add(Name=f"{prefix}{n}", LinkToContent=False, Type=4, Value=piece)
    return True
