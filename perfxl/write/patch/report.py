"""The 校验结果 sheet: one row per problem, each linked to its cell."""

from __future__ import annotations

from dataclasses import dataclass

from perfxl.cells import a1
from perfxl.write.patch import xmltext as xt
from perfxl.write.patch.ooxml import MAIN_NS
from perfxl.write.patch.values import encode

# Header texts of the 校验结果 sheet (candidates for perfxl.constants).
RESULTS_HEADERS = ("工作表", "单元格", "级别", "规则", "说明")
_WIDTHS = (18, 12, 8, 24, 90)


@dataclass(frozen=True)
class ResultRow:
    """One line of the sheet; ``location`` (``'Sheet'!B7``) makes the cell a link."""

    sheet: str
    cell: str
    level: str
    rule: str
    message: str
    location: str | None


def location(sheet: str, cell: str) -> str:
    """An internal hyperlink target: ``'项目1'!B7`` (quotes doubled inside the name)."""
    return "'" + sheet.replace("'", "''") + "'!" + cell


def _cell(row: int, col: int, text: str, style: int) -> str:
    enc = encode(text)
    s = f' s="{style}"' if style else ""
    return f'<c r="{a1(row, col)}"{s} t="inlineStr">{enc.body}</c>'


def results_sheet(rows: list[ResultRow], header_style: int, link_style: int) -> str:
    """The worksheet XML of the 校验结果 sheet."""
    last = a1(len(rows) + 1, len(RESULTS_HEADERS))
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(_WIDTHS, 1)
    )
    head = "".join(_cell(1, i, h, header_style) for i, h in enumerate(RESULTS_HEADERS, 1))
    body = [f'<row r="1">{head}</row>']
    links = []
    for n, row in enumerate(rows, 2):
        values = (row.sheet, row.cell, row.level, row.rule, row.message)
        cells = "".join(
            _cell(n, i, v, link_style if i == 2 and row.location else 0)
            for i, v in enumerate(values, 1)
            if v
        )
        body.append(f'<row r="{n}">{cells}</row>')
        if row.location:
            links.append(
                f'<hyperlink ref="{a1(n, 2)}" location="{xt.esc_attr(row.location)}" '
                f'display="{xt.esc_attr(row.cell)}"/>'
            )
    hyperlinks = f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else ""
    return (
        f'{xt.XML_DECL}<worksheet xmlns="{MAIN_NS}">'
        f'<dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        f"<cols>{cols}</cols><sheetData>{''.join(body)}</sheetData>{hyperlinks}"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<pageSetup orientation="landscape"/>'
        "</worksheet>"
    )
