"""A text PDF -> blocks, through pdfplumber: ruled tables as tables, other text as paragraphs.

A PDF keeps where text is drawn, not what it was: a cell's line breaks are where its text
wrapped (the parser joins them), a merged cell is one rectangle over several rows (read as
continued below its first row), and paragraphs are rebuilt from the lines' indents and ends
(see docs/import.md for what a PDF cannot carry).
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import Any

from perfxl.errors import UnreadableDocumentError
from perfxl.importer.blocks import PAGE_NUMBER, Block, Cell, Para, Row, Table

PDF_MAGIC = b"%PDF-"
_MARKER = re.compile(
    r"^\s*([（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、|第[一二三四五六七八九十]+部分"
    r"|绩效目标\s*[：:]|绩效指标\s*[：:])"
)
# A space the PDF shows between CJK and Latin text is layout (autospace), not typed.
_LAYOUT_SPACE = re.compile(r"(?<=[^\x00-\x7f]) +(?=[\x00-\x7f])|(?<=[\x00-\x7f]) +(?=[^\x00-\x7f])")
_TOL = 1.0  # points: geometry comparisons allow for rounding


def is_pdf(path: Path) -> bool:
    """True when the file starts like a PDF."""
    with path.open("rb") as f:
        return f.read(5) == PDF_MAGIC


def pdf_blocks(path: Path) -> list[Block]:
    """The paragraphs and tables of a text PDF in reading order.

    Raises:
        UnreadableDocumentError: pdfplumber is missing, or the PDF is encrypted or damaged.
    """
    try:
        import pdfplumber
    except ImportError as exc:  # pragma: no cover - a core dependency, guarded all the same
        raise UnreadableDocumentError(
            "读取 PDF 需要 pdfplumber：请运行 pip install 'pdfplumber>=0.11' 后重试。",
            path=str(path),
        ) from exc
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(str(path))
    except PDFPasswordIncorrect as exc:
        raise UnreadableDocumentError(
            "PDF 已加密（需要密码才能打开），无法导入。请取消密码后再导入。", path=str(path)
        ) from exc
    except Exception as exc:  # pdfminer raises many kinds on a damaged file
        raise UnreadableDocumentError(
            "PDF 文件已损坏，无法读取。请用 PDF 阅读器打开核对，或由原文档重新导出 PDF"
            "（也可导入公开的 Word 文档 .docx）。",
            path=str(path),
        ) from exc
    blocks: list[Block] = []
    lines: list[tuple[int, dict[str, Any], float, float]] = []  # page, line, left, right
    tables = 0
    with pdf:
        for n, page in enumerate(pdf.pages, 1):
            found = page.find_tables()
            boxes = [t.bbox for t in found]
            rest = page.filter(partial(_outside, boxes=boxes))
            items: list[tuple[float, Any]] = [(t.bbox[1], t) for t in found]
            items += [(ln["top"], ln) for ln in rest.extract_text_lines()]
            items.sort(key=lambda x: x[0])
            for _, item in items:
                if isinstance(item, dict):
                    if PAGE_NUMBER.match(item["text"].strip()):
                        continue  # the footer: not part of the paragraph it interrupts
                    lines.append((n, item, float(page.bbox[0]), float(page.bbox[2])))
                    continue
                _flush(lines, blocks)
                tables += 1
                blocks.append(_table(item, tables, n))
        _flush(lines, blocks)
    if not blocks:
        raise UnreadableDocumentError(
            "PDF 中没有可读取的文字（可能是扫描件或图片）。请使用由 Word/WPS 导出的文字版 PDF，或提供 .docx 文件。",
            path=str(path),
        )
    return blocks


def _outside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    """True for a page object outside every table (the text left for paragraphs)."""
    if "x0" not in obj:
        return True
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _flush(lines: list[tuple[int, dict[str, Any], float, float]], blocks: list[Block]) -> None:
    """Rebuild paragraphs from the text lines collected since the last table."""
    if not lines:
        return
    body = [ln for _, ln, _, _ in lines]
    left = min(ln["x0"] for ln in body)
    right = max(ln["x1"] for ln in body)
    text = ""
    page = lines[0][0]
    prev: dict[str, Any] | None = None
    for n, ln, _, _ in lines:
        size = max((c.get("size", 10.0) for c in ln.get("chars", [])), default=10.0)
        starts = (
            prev is None
            or ln["x0"] > left + size * 0.8  # first-line indent, or centred
            or prev["x1"] < right - size * 1.5  # the line above ended short
            or bool(_MARKER.match(ln["text"]))
        )
        if starts and text:
            blocks.append(Para(text, page))
            text = ""
        if not text:
            page = n
        text += _LAYOUT_SPACE.sub("", ln["text"].strip())
        prev = ln
    if text:
        blocks.append(Para(text, page))
    lines.clear()


def _table(table: Any, number: int, page: int) -> Table:
    """A pdfplumber table with spans and vertical merges recovered from the cell boxes."""
    texts = table.extract()
    xs = sorted({c[0] for c in table.cells})  # as pdfplumber aligns row.cells
    t = Table(number, page=page)
    for r, (row, values) in enumerate(zip(table.rows, texts, strict=True)):
        top = row.bbox[1]
        cells: list[Cell] = []
        for j, (box, text) in enumerate(zip(row.cells, values, strict=True)):
            if box is not None:
                span = sum(1 for x in xs if box[0] - _TOL <= x < box[2] - _TOL)
                cells.append(Cell(_LAYOUT_SPACE.sub("", text or ""), j, max(span, 1)))
            elif _covered_from_above(table.cells, xs[j] if j < len(xs) else None, top):
                cells.append(Cell("", j, 1, merged=True))
        t.rows.append(Row(tuple(cells), r + 1))
    return t


def _covered_from_above(boxes: list[Any], x: float | None, top: float) -> bool:
    if x is None:
        return False
    return any(
        b[0] - _TOL <= x < b[2] - _TOL and b[1] < top - _TOL and b[3] > top + _TOL for b in boxes
    )
