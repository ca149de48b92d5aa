"""The legacy VML drawing that positions comment boxes (and holds form buttons).

VML files come in many dialects: Excel and xlsxwriter declare ``v:``, ``o:`` and
``x:`` on the root; openpyxl writes an undeclared root and declares ``ns0:``...
on each shape; LibreOffice names shapes ``shape_0``. Everything here therefore
matches elements whatever their prefix, and the shapes perfxl adds declare their
namespaces themselves when the root does not, so the file stays namespace
well-formed for LibreOffice's parser.
"""

from __future__ import annotations

import re

from perfxl.write.patch import xmltext as xt

VML_NS = "urn:schemas-microsoft-com:vml"
O_NS = "urn:schemas-microsoft-com:office:office"
X_NS = "urn:schemas-microsoft-com:office:excel"
BLOCK = 1024  # shape ids come in blocks of 1024 declared by <o:idmap data="...">

_ANY = r"(?:[\w.-]+:)?"
_SHAPE = re.compile(rf"<({_ANY}shape)(?=[\s/>])")
_T202 = re.compile(rf"""<({_ANY}shapetype)\b[^>]*\bid=["']_x0000_t202["']""")
_IDMAP = re.compile(rf"""<{_ANY}idmap\b[^>]*\bdata=(["'])([\d,\s]*)\1""")
_ROW = re.compile(rf"<{_ANY}Row>\s*(\d+)\s*</{_ANY}Row>")
_COL = re.compile(rf"<{_ANY}Column>\s*(\d+)\s*</{_ANY}Column>")
_NOTE = re.compile(r"""ObjectType=["']Note["']""")
_SHAPE_ID = re.compile(r"""\bid=["']_x0000_s(\d+)["']""")
_LAYOUT_END = re.compile(rf"</{_ANY}shapelayout\s*>")
_DECLS = f' xmlns:v="{VML_NS}" xmlns:o="{O_NS}" xmlns:x="{X_NS}"'


def _local_decls(vtext: str) -> str:
    """Namespace declarations perfxl's shapes need ('' when the root has them)."""
    try:
        _, span = xt.root(vtext)
    except ValueError:
        return _DECLS
    d = xt.ns_decls(span.start_tag(vtext))
    ok = d.get("v") == VML_NS and d.get("o") == O_NS and d.get("x") == X_NS
    return "" if ok else _DECLS


def shapetype(decls: str) -> str:
    """The comment-box shape type ``_x0000_t202``."""
    return (
        f'<v:shapetype{decls} id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
        'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
        '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
    )


def note_shape(sid: int, row0: int, col0: int, lines: int, decls: str = "") -> str:
    """A hidden comment box for the cell at 0-based ``row0``, ``col0``."""
    top = max(row0 - 1, 0)
    rows = min(max(4, lines * 2 + 1), 20)
    return (
        f'<v:shape{decls} id="_x0000_s{sid}" type="#_x0000_t202" style="position:absolute;'
        f"margin-left:{(col0 + 1) * 48 + 11.25}pt;margin-top:{top * 15 + 1.5}pt;"
        f'width:180pt;height:{rows * 15}pt;z-index:{sid % BLOCK};visibility:hidden" '
        'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
        '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
        '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:Anchor>{col0 + 1}, 15, {top}, 10, {col0 + 4}, 15, {top + rows}, 4</x:Anchor>"
        f"<x:AutoFill>False</x:AutoFill><x:Row>{row0}</x:Row><x:Column>{col0}</x:Column>"
        "</x:ClientData></v:shape>"
    )


def blocks(vtext: str) -> list[int]:
    """The id blocks a drawing declares in ``<o:idmap data>``."""
    m = _IDMAP.search(vtext)
    return [int(x) for x in re.findall(r"\d+", m.group(2))] if m else []


def new_drawing(first_block: int, n: int) -> tuple[str, int]:
    """An empty drawing with room for ``n`` shapes, and its first shape id."""
    ids = ",".join(str(b) for b in range(first_block, first_block + n // BLOCK + 1))
    text = (
        f'<xml{_DECLS}><o:shapelayout v:ext="edit">'
        f'<o:idmap v:ext="edit" data="{ids}"/></o:shapelayout>{shapetype("")}</xml>'
    )
    return text, first_block * BLOCK + 1


def shapes(vtext: str) -> list[xt.Span]:
    """Every shape (not shape type) of the drawing, whatever its prefix."""
    out: list[xt.Span] = []
    pos = 0
    while (m := _SHAPE.search(vtext, pos)) is not None:
        span = xt.find(vtext, m.group(1), m.start())
        assert span is not None
        out.append(span)
        pos = span.end
    return out


def note_cell(shape: str) -> tuple[int, int] | None:
    """The 1-based (row, column) a comment box belongs to, or None for other shapes."""
    row, col = _ROW.search(shape), _COL.search(shape)
    if _NOTE.search(shape) is None or row is None or col is None:
        return None
    return int(row.group(1)) + 1, int(col.group(1)) + 1


def append_notes(vtext: str, cells: list[tuple[int, int, int]]) -> str:
    """Add comment boxes for ``(row, col, lines)`` (1-based) before ``</xml>``."""
    decls = _local_decls(vtext)
    ids = [int(i) for i in _SHAPE_ID.findall(vtext)]
    next_id = max([*ids, min(blocks(vtext) or [1]) * BLOCK]) + 1
    if _T202.search(vtext) is None:
        m = _LAYOUT_END.search(vtext)
        at = m.end() if m else xt.root(vtext)[1].tag_end
        vtext = vtext[:at] + shapetype(decls) + vtext[at:]
    new = "".join(
        note_shape(next_id + i, r - 1, c - 1, lines, decls) for i, (r, c, lines) in enumerate(cells)
    )
    at = vtext.rindex("</xml>")
    return vtext[:at] + new + vtext[at:]


def remove_notes(vtext: str, cells: set[tuple[int, int]]) -> tuple[str, int]:
    """Remove the comment boxes of ``cells``; returns the text and how many shapes are left."""
    edits = []
    left = 0
    for span in shapes(vtext):
        if note_cell(vtext[span.start : span.end]) in cells:
            edits.append((span.start, span.end, ""))
        else:
            left += 1
    vtext = xt.splice(vtext, edits)
    if left and "#_x0000_t202" not in vtext:
        m = _T202.search(vtext)
        if m is not None:
            st = xt.find(vtext, m.group(1), m.start())
            if st is not None:
                vtext = vtext[: st.start] + vtext[st.end :]
    return vtext, left
