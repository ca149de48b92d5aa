"""A Word document (.docx, by Word, WPS or LibreOffice) -> blocks, from its main XML part.

Only the main document part is parsed (lxml, entities never resolved, no network), found
through the package's relationships as python-docx finds it: python-docx's object model is not
needed to walk the body, and importing it and parsing every other part (styles, numbering,
settings …) took longer than reading the tables. Cells are read from the XML as Word stores them: ``gridSpan`` gives a cell's width in grid
columns, ``vMerge`` (and the older ``hMerge``) marks a cell continuing a merged one, and
``gridBefore`` skips columns at the start of a row. Content controls (``sdt``) are looked into.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from typing import Any

from perfxl.errors import UnreadableDocumentError
from perfxl.importer.blocks import Block, Cell, Para, Row, Table

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_DOCUMENT = "/officeDocument"  # the end of the relationship type, transitional or strict
DOCUMENT_XML = "word/document.xml"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def docx_blocks(path: Path) -> list[Block]:
    """The paragraphs and tables of a .docx body in order.

    Raises:
        UnreadableDocumentError: not a .docx (an old .doc, an encrypted file, something else).
    """
    _preflight(path)
    try:
        body = _body(path)
    except Exception as exc:  # a damaged package fails in zipfile or lxml, in many ways
        raise UnreadableDocumentError(
            "Word 文档已损坏，无法读取。请在 Word 或 WPS 中打开后另存为 .docx 再导入。",
            path=str(path),
        ) from exc
    blocks: list[Block] = []
    _walk(body, blocks, [0])
    return blocks


def _body(path: Path) -> Any:
    """The ``w:body`` element of the package's main document part.

    Raises:
        ValueError: the part has no body.
    """
    from lxml import etree  # installed with python-docx

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read(_main_part(z)), parser)
    body = root.find(f"{W}body")
    if body is None:
        raise ValueError("no w:body")
    return body


def _main_part(z: zipfile.ZipFile) -> str:
    """The main document part's name: the package relationship of type officeDocument
    (``word/document.xml`` in every writer seen, and when the relationships say nothing)."""
    from lxml import etree

    names = set(z.namelist())
    if "_rels/.rels" in names:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        rels = etree.fromstring(z.read("_rels/.rels"), parser)
        for rel in rels.iter(f"{RELS}Relationship"):
            if (
                rel.get("Type", "").endswith(OFFICE_DOCUMENT)
                and rel.get("TargetMode") != "External"
            ):
                name = posixpath.normpath(rel.get("Target", "").lstrip("/"))
                if name in names:
                    return name
    return DOCUMENT_XML


def _preflight(path: Path) -> None:
    with path.open("rb") as f:
        head = f.read(8)
    if head == OLE_MAGIC:
        if _ole_encrypted(path):
            raise UnreadableDocumentError(
                "文档已加密（需要密码才能打开），无法导入。请在 Word 或 WPS 中打开，取消密码后另存为 .docx 再导入。",
                path=str(path),
            )
        raise UnreadableDocumentError(
            "这是旧版 Word 97-2003 文档（.doc），无法直接导入。请在 Word、WPS 或 LibreOffice 中另存为 .docx 再导入。",
            path=str(path),
        )
    if not zipfile.is_zipfile(path):
        raise UnreadableDocumentError(
            "不是 Word 文档（.docx）或 PDF 文件，无法导入。请给出公开的预算绩效目标文本（.docx 或 .pdf）。",
            path=str(path),
        )
    with zipfile.ZipFile(path) as z:
        if DOCUMENT_XML not in z.namelist():
            raise UnreadableDocumentError(
                "文件是压缩包，但不是 Word 文档（缺少 word/document.xml），无法导入。请给出 .docx 或 .pdf 文件。",
                path=str(path),
            )


def _ole_encrypted(path: Path) -> bool:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            return bool(ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"))
    except OSError:
        return False


class _Fields:
    """The fields open at the current run (Word's complex fields span runs and paragraphs):
    each its instruction and whether its result has begun. The result of a TOC field (a table
    of contents: the part titles and project titles again) is generated text, not the
    document's: it is left out, or part one would seem to start (and end) in the contents."""

    def __init__(self) -> None:
        self.open: list[list[Any]] = []  # [instruction, in the result]

    def run(self, el: Any) -> None:
        """A ``w:fldChar`` or ``w:instrText``."""
        if el.tag == f"{W}instrText":
            if self.open:
                self.open[-1][0] += el.text or ""
            return
        kind = el.get(f"{W}fldCharType")
        if kind == "begin":
            self.open.append(["", False])
        elif kind == "separate" and self.open:
            self.open[-1][1] = True
        elif kind == "end" and self.open:
            self.open.pop()

    @property
    def hidden(self) -> bool:
        """Whether the current text is a table of contents' result."""
        return any(r and i.strip().upper().startswith("TOC") for i, r in self.open)


def _walk(
    parent: Any, blocks: list[Block], tables: list[int], fields: _Fields | None = None
) -> None:
    """Paragraphs and tables under ``parent`` into ``blocks``; ``tables``: the tables so far."""
    fields = fields or _Fields()
    for child in parent:
        if child.tag == f"{W}p":
            text = _para_text(child, fields)
            if text is not None:
                blocks.extend(Para(line) for line in text.split("\n"))
        elif child.tag == f"{W}tbl":
            tables[0] += 1
            blocks.append(_table(child, tables[0], fields))
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                _walk(content, blocks, tables, fields)


def _table(tbl: Any, number: int, fields: _Fields) -> Table:
    t = Table(number)
    for n, tr in enumerate(tbl.findall(f"{W}tr"), 1):
        col = _int(tr.find(f"{W}trPr/{W}gridBefore"), 0)
        cells: list[Cell] = []
        for tc in tr.findall(f"{W}tc"):
            pr = tc.find(f"{W}tcPr")
            span = _int(None if pr is None else pr.find(f"{W}gridSpan"), 1)
            vmerge = None if pr is None else pr.find(f"{W}vMerge")
            hmerge = None if pr is None else pr.find(f"{W}hMerge")
            paras = (_para_text(p, fields) for p in tc.iter(f"{W}p"))
            text = "\n".join(t for t in paras if t is not None)
            if hmerge is not None and hmerge.get(f"{W}val") != "restart" and cells:
                last = cells[-1]
                cells[-1] = Cell(last.text, last.col, last.span + span, last.merged)
            else:
                merged = vmerge is not None and vmerge.get(f"{W}val") in (None, "continue")
                cells.append(Cell(text, col, span, merged))
            col += span
        t.rows.append(Row(tuple(cells), n))
    return t


def _int(el: Any, default: int) -> int:
    if el is None:
        return default
    try:
        return int(el.get(f"{W}val"))
    except (TypeError, ValueError):
        return default


def _para_text(p: Any, fields: _Fields) -> str | None:
    """The paragraph's text; None when all of it is a table of contents' result."""
    out: list[str] = []
    hidden = fields.hidden
    for el in p.iter(
        f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}instrText", f"{W}delText", f"{W}fldChar"
    ):
        if el.tag in (f"{W}fldChar", f"{W}instrText"):
            fields.run(el)
            hidden = hidden or fields.hidden
        elif fields.hidden:
            continue
        elif el.tag == f"{W}t":
            out.append(el.text or "")
        elif el.tag == f"{W}tab":
            if el.getparent().tag == f"{W}r":
                out.append("\t")
        elif el.tag == f"{W}cr" or (
            el.tag == f"{W}br" and el.get(f"{W}type") in (None, "textWrapping")
        ):
            out.append("\n")
    return None if hidden and not out else "".join(out)
