"""Test helper: a .docx back to text, the way the seed disclosure was made from Word.

Paragraphs are lines; a table cell starts with a tab (its further paragraphs follow on their
own lines); a row ends with a blank line; a cell continuing a vertical merge is empty; a
table ends with one more blank line. Fields' instructions are not text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from docx import Document

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BOOKMARK = re.compile(r"^\[bookmark: [^\]]*\]")
_SPACE = re.compile(r"\s+")
_WIDE_SPACE = re.compile(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])")


def docx_lines(path: str | Path) -> list[str]:
    """The document's text as seed-style lines."""
    body = Document(str(path)).element.body
    lines: list[str] = []
    for child in body:
        if child.tag == f"{W}p":
            lines.extend(_para_text(child).split("\n"))
        elif child.tag == f"{W}tbl":
            for tr in child.iter(f"{W}tr"):
                for tc in tr.findall(f"{W}tc"):
                    paras = [_para_text(p) for p in tc.findall(f"{W}p")] or [""]
                    lines.append("\t" + paras[0])
                    lines.extend(paras[1:])
                lines.append("")
            lines.append("")
    return lines


def _para_text(p: object) -> str:
    out = []
    for el in p.iter(f"{W}t", f"{W}tab", f"{W}br"):  # type: ignore[attr-defined]
        if el.tag == f"{W}t":
            out.append(el.text or "")
        elif el.tag == f"{W}tab":
            if el.getparent().tag == f"{W}r":
                out.append("\t")
        elif el.get(f"{W}type") in (None, "textWrapping"):
            out.append("\n")
    return "".join(out)


def normalise(lines: Iterable[str]) -> list[str]:
    """Lines compared after normalising white space.

    Bookmarks are dropped; a leading tab (a table cell) is kept as the marker ``\\t``; other
    white space is collapsed, and removed next to CJK characters (Word's layout spaces, as in
    ``其中：财政    资金``); runs of blank lines become one blank line, none at either end.
    """
    out: list[str] = []
    for raw in lines:
        cell = raw.startswith("\t")
        text = BOOKMARK.sub("", raw[1:] if cell else raw)
        text = _WIDE_SPACE.sub("", _SPACE.sub(" ", text).strip())
        line = "\t" + text if cell else text
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return out
