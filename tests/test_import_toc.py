"""A document's table of contents is not its text: the import leaves out a TOC field's result
(perfxl publish writes one; Word and WPS do too), so part one is found where it is, not in
the contents that repeat its titles."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from conftest import EXAMPLE_JSON, EXAMPLE_XLSX

from perfxl.importer import import_document
from perfxl.importer.docx_source import _Fields, _para_text

NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _p(body: str) -> object:
    from lxml import etree

    return etree.fromstring(f"<w:p {NS}>{body}</w:p>")


def _field(instr: str, result: str) -> str:
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f"<w:r><w:instrText> {instr} </w:instrText></w:r>"
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r><w:t>{result}</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def test_publish_without_pdf_then_import_returns_the_example(tmp_path: Path) -> None:
    """The published .docx as written (its contents not yet updated by any program)."""
    from perfxl.services import publish

    result = publish([EXAMPLE_XLSX], tmp_path / "公开.docx", pdf=False, title=None)
    with zipfile.ZipFile(result.docx) as z:
        assert "TOC \\o" in z.read("word/document.xml").decode("utf-8")  # it has contents
    imported = import_document(result.docx)
    assert imported.problems == []
    assert imported.targets.to_dict() == json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))


def test_only_a_toc_fields_result_is_left_out() -> None:
    fields = _Fields()
    assert _para_text(_p("<w:r><w:t>第 </w:t></w:r>" + _field("PAGE", "3")), fields) == "第 3"
    assert _para_text(_p(_field('TOC \\o "1-2"', "部门整体绩效目标")), fields) is None
    # a TOC spanning paragraphs: the entries after its first paragraph are hidden too
    begin = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText> TOC \\o "1-2" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        "<w:r><w:t>部门整体绩效目标</w:t></w:r>"
    )
    assert _para_text(_p(begin), fields) is None
    assert _para_text(_p("<w:r><w:t>一、总体绩效目标</w:t></w:r>"), fields) is None
    end = '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t>正文</w:t></w:r>'
    assert _para_text(_p(end), fields) == "正文"
    assert not fields.open
