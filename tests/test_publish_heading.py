"""The disclosure writes part one's heading 一、总体绩效目标 once, as a heading listed in the
contents, its body text right after it (the seed's Word file repeats the heading as a plain
paragraph; perfxl did too). Of one unit, and of each unit of a county's document.

And the document read back: a PDF saved from the published .docx, its contents never updated
(no page numbers), imports part one too; a damaged PDF is refused in Chinese. Publish's
refusal lists each workbook left out without a doubled 。；.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE_XLSX, EXAMPLES, convert
from docx import Document

from perfxl.cli import main
from perfxl.importer import import_document
from perfxl.publish.api import publish_targets
from perfxl.read import read_workbook

HEADING = "一、总体绩效目标"


def _paragraphs(path: Path) -> list[tuple[str, str]]:
    return [(p.style.name if p.style else "", p.text) for p in Document(str(path)).paragraphs]


def test_the_summary_heading_is_written_once(example_book: Path, tmp_path: Path) -> None:
    t = read_workbook(example_book).targets
    out = tmp_path / "suying.docx"
    publish_targets([t], out)
    paras = _paragraphs(out)
    at = [i for i, (style, text) in enumerate(paras) if text == HEADING and style != "Normal"]
    assert [paras[i][0] for i in at] == ["Heading 2"]
    (i,) = at
    assert paras[i + 1] == ("Normal", t.overall.summary)
    # the contents list it once too
    assert [text for _, text in paras[:i]].count(HEADING) == 1


def test_each_unit_of_a_county_document_has_it_once(example_book: Path, tmp_path: Path) -> None:
    t = read_workbook(example_book).targets
    other = read_workbook(example_book).targets
    other.unit.code, other.unit.name = "910002", "巨鹿县官亭镇人民政府本级"
    out = tmp_path / "county.docx"
    result = publish_targets([t, other], out, county=True)
    paras = _paragraphs(out)
    first = next(i for i, (style, _) in enumerate(paras) if style.startswith("Heading"))
    body = [(style, text) for style, text in paras[first:] if text == HEADING]  # after contents
    assert body == [("Heading 3", HEADING)] * 2
    assert [h for h in result.headings if h[1] == HEADING] == [(3, HEADING)] * 2


def _run(args: list[str | Path]) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.libreoffice
def test_a_pdf_of_the_published_docx_without_page_numbers_imports_part_one(
    tmp_path: Path,
) -> None:
    docx = tmp_path / "苏营镇.docx"
    assert _run(["publish", EXAMPLE_XLSX, "-o", docx]).exit_code == 0
    (pdf,) = convert([docx], "pdf", tmp_path / "pdf")
    result = import_document(pdf)
    assert [p.rule for p in result.problems] == []
    t = read_workbook(EXAMPLE_XLSX).targets
    assert result.targets.overall == t.overall
    assert len(result.targets.projects) == len(t.projects)


def test_a_damaged_pdf_is_refused_in_chinese(tmp_path: Path) -> None:
    pdf = tmp_path / "坏.pdf"
    pdf.write_bytes(b"%PDF-1.4\ngarbage\n")
    r = _run(["import", pdf, "-o", tmp_path / "x.json"])
    assert r.exit_code == 2
    assert f"错误：{pdf}: PDF 文件已损坏，无法读取。" in r.output
    assert "Exception" not in r.output and "Error" not in r.output


def test_the_stage_refusal_lists_each_workbook_once_punctuated(tmp_path: Path) -> None:
    evaluation = EXAMPLES / "suying-2023-evaluation.xlsx"
    r = _run(
        ["publish", EXAMPLE_XLSX, evaluation, "--stage", "monitoring", "-o", tmp_path / "x.docx"]
    )
    assert r.exit_code == 2
    assert "。；" not in r.output and "。）" not in r.output
    assert (
        f"{EXAMPLE_XLSX}：这是绩效目标表，本次（--stage monitoring）公开的是绩效运行监控表，未收入；"
        in r.output
    )
