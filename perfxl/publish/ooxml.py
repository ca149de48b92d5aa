"""Small WordprocessingML builders: runs, paragraphs, fields and tables as XML text.

Tables are written as XML directly rather than through python-docx's cell API: the merges
(``gridSpan``, ``vMerge``) are then exactly the seed's cells, and building is fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from perfxl.publish.styles import LATIN, Font

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NSDECL = f'xmlns:w="{W_NS}"'


def rpr(font: Font) -> str:
    """Run properties for a font (Latin text in Times New Roman)."""
    bold = "<w:b/><w:bCs/>" if font.bold else ""
    return (
        f'<w:rPr><w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:eastAsia="{font.face}" '
        f'w:cs="{LATIN}" w:hint="eastAsia"/>{bold}'
        f'<w:sz w:val="{font.size}"/><w:szCs w:val="{font.size}"/></w:rPr>'
    )


def run(text: str, font: Font) -> str:
    """One run of text."""
    return f'<w:r>{rpr(font)}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def field_runs(instr: str, font: Font, result: str = "") -> str:
    """A complex field (``PAGE``, ``TOC …``) with an optional cached result."""
    r = rpr(font)
    cached = f'<w:r>{r}<w:t xml:space="preserve">{escape(result)}</w:t></w:r>' if result else ""
    return (
        f'<w:r>{r}<w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
        f'<w:r>{r}<w:instrText xml:space="preserve"> {escape(instr)} </w:instrText></w:r>'
        f'<w:r>{r}<w:fldChar w:fldCharType="separate"/></w:r>{cached}'
        f'<w:r>{r}<w:fldChar w:fldCharType="end"/></w:r>'
    )


@dataclass(frozen=True)
class Cell:
    """One table cell as it is written: its paragraphs, span and merge state.

    Attributes:
        lines: the cell's paragraphs (one line each).
        span: grid columns covered (``gridSpan``).
        vmerge: ``restart`` starts a vertical merge, ``continue`` continues the one above.
        align: ``center``, ``left`` (Word ``start``) or ``right``.
        font: the font of its text.
        borderless: no top, left or right border (the unit line above a table).
        fill: the cell's shading (RGB hex), e.g. a warning light's colour; None for none.
    """

    lines: Sequence[str]
    font: Font
    span: int = 1
    vmerge: str | None = None
    align: str = "center"
    borderless: bool = False
    fill: str | None = None


@dataclass
class Row:
    """A table row: cells, and whether it repeats as a header on every page."""

    cells: list[Cell]
    header: bool = False
    height: int = 454  # twips, at least (0.8 cm)
    extra: dict[str, str] = field(default_factory=dict)


_BORDER = '<w:{side} w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
_NIL = '<w:{side} w:val="nil"/>'


def table(
    widths: Sequence[int], rows: Sequence[Row], *, top: bool = True, keep: bool = False
) -> str:
    """A bordered, centred table with a fixed grid, as one ``w:tbl`` element.

    Args:
        widths: the grid's column widths in twips.
        rows: the rows; the spans of each row's cells must add up to ``len(widths)``.
        top: draw the top border (off for a table that continues the one above it).
        keep: keep every row with the next (the table moves to the next page whole).
    """
    borders = "".join(
        (_BORDER if s != "top" or top else _NIL).format(side=s)
        for s in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    parts = [
        f"<w:tbl {NSDECL}><w:tblPr>"
        f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/>'
        "</w:tblCellMar></w:tblPr>"
        f"<w:tblGrid>{grid}</w:tblGrid>"
    ]
    for n, row in enumerate(rows):
        keep_row = keep and n < len(rows) - 1
        head = "<w:tblHeader/>" if row.header else ""
        parts.append(
            f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{row.height}" w:hRule="atLeast"/>'
            f"{head}</w:trPr>"
        )
        col = 0
        for cell in row.cells:
            width = sum(widths[col : col + cell.span])
            col += cell.span
            parts.append(_cell(cell, width, keep_row))
        if col != len(widths):
            raise ValueError(f"row covers {col} of {len(widths)} grid columns")
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


def _cell(cell: Cell, width: int, keep: bool = False) -> str:
    span = f'<w:gridSpan w:val="{cell.span}"/>' if cell.span > 1 else ""
    vm = ""
    if cell.vmerge == "restart":
        vm = '<w:vMerge w:val="restart"/>'
    elif cell.vmerge == "continue":
        vm = "<w:vMerge/>"
    tcb = ""
    if cell.borderless:
        tcb = "<w:tcBorders>" + "".join(_NIL.format(side=s) for s in ("top", "left", "right"))
        tcb += "</w:tcBorders>"
    if cell.fill:
        tcb += f'<w:shd w:val="clear" w:color="auto" w:fill="{cell.fill}"/>'
    jc = {"left": "left", "right": "right"}.get(cell.align, "center")
    lines = [""] if cell.vmerge == "continue" or not cell.lines else cell.lines
    paras = "".join(
        f'<w:p><w:pPr>{"<w:keepNext/>" if keep else ""}<w:spacing w:before="0" w:after="0" w:line="300" w:lineRule="auto"/>'
        f'<w:jc w:val="{jc}"/>{rpr(cell.font)}</w:pPr>{run(text, cell.font) if text else ""}</w:p>'
        for text in lines
    )
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span}{vm}{tcb}'
        f'<w:vAlign w:val="center"/></w:tcPr>{paras}</w:tc>'
    )
