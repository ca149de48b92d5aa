"""Test helper: the seed disclosure as a Word document, built with python-docx alone.

Independent of perfxl's publisher: the document is laid out as the published text shows it
(tests/data/suying-2023-performance-targets.txt: a cell starts with a tab, a row ends with a
blank line, a cell continuing a merged one is empty), with a cover title added (the text
conversion of the seed dropped its cover, and the year is only there). ``merged=True`` merges
the label cells (预算规模及资金用途, 资金支出计划, each 一级指标 over its group) and spans short
rows over the grid, as Word and WPS documents do; ``merged=False`` leaves every continuation
cell empty and pads short rows with empty cells.
"""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "data" / "suying-2023-performance-targets.txt"
BOOKMARK = re.compile(r"^\[bookmark: [^\]]*\]")
TITLE = re.compile(r"^\d+\..*绩效目标表$")
COVER = ("巨鹿县苏营镇人民政府本级", "2023年预算绩效目标")


def seed_blocks(text: str) -> list[str | list[list[str]]]:
    """The seed text as paragraphs (str) and tables (rows of cell texts)."""
    blocks: list[str | list[list[str]]] = []
    table: list[list[str]] | None = None
    row: list[str] = []
    for line in text.split("\n"):
        if line.startswith("\t"):
            if table is None:
                table = []
                blocks.append(table)
            row.append(line[1:])
        elif line == "":
            if row:
                assert table is not None
                table.append(row)
                row = []
            else:
                table = None
        elif row and line.strip():
            row[-1] += "\n" + line
        elif not line.strip():
            table = None
        else:
            table = None
            blocks.append(BOOKMARK.sub("", line))
    return blocks


def build(out: Path, *, merged: bool) -> Path:
    """Write the seed as a .docx at ``out``."""
    doc = Document()
    for line in COVER:
        p = doc.add_paragraph()
        p.alignment = 1
        p.add_run(line).font.size = Pt(22)
    doc.add_page_break()
    for block in seed_blocks(SEED.read_text(encoding="utf-8")):
        if isinstance(block, str):
            p = doc.add_paragraph(block.strip())
            # Each project table on its own page, as published.
            p.paragraph_format.page_break_before = bool(TITLE.match(block.strip()))
            p.paragraph_format.first_line_indent = Pt(24)
            continue
        _table(doc, block, merged=merged)
        doc.add_paragraph("")
    doc.save(str(out))
    return out


def _table(doc: object, rows: list[list[str]], *, merged: bool) -> None:
    width = max(len(r) for r in rows)
    t = doc.add_table(rows=len(rows), cols=width)  # type: ignore[attr-defined]
    t.style = "Table Grid"
    for tr in t.rows:  # a row is never split across pages (Word: 允许跨页断行 off)
        tr._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    level1_col = rows[0][0] == "一级指标"
    for i, values in enumerate(rows):
        cells = t.rows[i].cells
        for j, value in enumerate(values):
            _set(cells[j], value, paragraphs=merged)
        if merged and len(values) < width:  # the last cell spans the rest of the grid
            cells[len(values) - 1].merge(cells[width - 1])
            _set(t.rows[i].cells[len(values) - 1], values[-1], paragraphs=True)
    if not merged:
        return
    # A label cell whose next row starts empty is merged down (as the seed's empty cells show).
    for i in range(len(rows) - 1, 0, -1):
        if rows[i][0] == "" and rows[i - 1][0] != "" and (level1_col or i > 1):
            top = i - 1
            end = i
            while end + 1 < len(rows) and rows[end + 1][0] == "":
                end += 1
            if rows[top][0] not in ("", "项目编码"):
                keep = rows[top][0]
                t.cell(top, 0).merge(t.cell(end, 0))
                _set(t.cell(top, 0), keep, paragraphs=True)


def _set(cell: object, text: str, *, paragraphs: bool) -> None:
    """Cell text: lines as paragraphs (Word's Enter) or as line breaks (Shift+Enter)."""
    tc = cell._tc  # type: ignore[attr-defined]
    for p in tc.findall(qn("w:p"))[1:]:
        tc.remove(p)
    first = cell.paragraphs[0]  # type: ignore[attr-defined]
    for r in list(first.runs):
        r._r.getparent().remove(r._r)
    lines = text.split("\n")
    if paragraphs:
        first.add_run(lines[0])
        for line in lines[1:]:
            cell.add_paragraph(line)  # type: ignore[attr-defined]
    else:
        run = first.add_run(lines[0])
        for line in lines[1:]:
            run.add_break()
            run.add_text(line)
