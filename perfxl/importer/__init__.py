"""Import a published 预算绩效目标 document (.docx or text PDF) into the model.

``perfxl import DOC -o BOOK.xlsx``: part one's sections become the overall part, each
project table (found by its labels) a project. What is not understood is reported with its
table and row; see docs/import.md.
"""

from __future__ import annotations

from pathlib import Path

from perfxl.errors import UnreadableDocumentError
from perfxl.importer.blocks import Block, Table
from perfxl.importer.document import Imported, read_blocks

__all__ = ["Imported", "import_document"]


def import_document(path: str | Path, *, year: int | None = None) -> Imported:
    """Read a disclosure document into the model, with a problem for whatever was not read.

    Args:
        path: a .docx (Word, WPS, LibreOffice) or a text PDF.
        year: the budget year, when the document's title does not give it.

    Raises:
        UnreadableDocumentError: not a Word document or PDF, encrypted, damaged, or holding no
            project table (nothing to import).
    """
    p = Path(path)
    if not p.is_file():
        raise UnreadableDocumentError("文件不存在。", path=str(p))
    from perfxl.importer.pdf_source import is_pdf

    wrapped = is_pdf(p)
    if wrapped:
        from perfxl.importer.pdf_source import pdf_blocks

        blocks: list[Block] = pdf_blocks(p)
    else:
        from perfxl.importer.docx_source import docx_blocks

        blocks = docx_blocks(p)
    if not any(isinstance(b, Table) for b in blocks):
        raise UnreadableDocumentError(
            "文档中没有表格，找不到项目绩效目标表（含“项目编码”“预算数”“一级指标”等标签的表格）。"
            "请确认这是预算绩效目标公开文本。",
            path=str(p),
        )
    result = read_blocks(blocks, str(path), wrapped=wrapped, year=year)
    if not result.targets.projects:
        raise UnreadableDocumentError(
            "文档中没有项目绩效目标表：没有一个表格带有“项目编码”“预算数”“一级指标”等标签。"
            "请确认这是预算绩效目标公开文本。",
            path=str(p),
        )
    return result
