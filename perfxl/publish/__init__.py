"""The disclosure document (预算绩效目标公开文本): workbook(s) -> Word, and PDF.

Usage::

    from perfxl.publish import publish
    result = publish([Path("suying-2023.xlsx")], Path("suying.docx"), pdf=True)

Pure layout lives in :mod:`~perfxl.publish.text`, :mod:`~perfxl.publish.blocks`,
:mod:`~perfxl.publish.township` and :mod:`~perfxl.publish.county`; python-docx only in
:mod:`~perfxl.publish.document`; LibreOffice only in :mod:`~perfxl.publish.pdf`.
"""

from __future__ import annotations

from perfxl.publish.api import PublishResult, load_books, publish, publish_targets

__all__ = ["PublishResult", "load_books", "publish", "publish_targets"]
