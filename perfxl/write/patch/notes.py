"""Cell comments ("notes") by perfxl: the comments part, the VML drawing, the links.

perfxl's comments are merged into a sheet's existing comments part (the user's
comments and authors stay as they are; author "perfxl" is appended) and its
shapes into the sheet's existing legacy VML drawing (buttons and the user's
comment boxes stay). Removal takes out exactly what was added, and drops parts
that were created for perfxl once they are empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from perfxl.cells import a1, parse_a1
from perfxl.problems import SEVERITY_ZH
from perfxl.write.patch import opc, vml
from perfxl.write.patch import xmltext as xt
from perfxl.write.patch.ooxml import (
    CT_COMMENTS,
    CT_VML,
    MAIN_NS,
    R_NS,
    REL_COMMENTS,
    REL_VML,
    SHEET_ORDER,
)
from perfxl.write.patch.package import Package
from perfxl.write.patch.sheet_edit import insert_child, main_prefix

AUTHOR = "perfxl"
TAGS = tuple(f"【{label}】" for label in SEVERITY_ZH.values())


@dataclass(frozen=True)
class Note:
    """A comment to attach: 1-based row and column, and the text."""

    row: int
    col: int
    text: str


def _linked(pkg: Package, sheet: str) -> tuple[opc.Rel | None, opc.Rel | None, xt.Span | None]:
    """The sheet's comments relationship, its legacyDrawing's relationship, and that element."""
    rels = opc.rels_of(pkg, sheet)
    comments = next((r for r in rels if r.type == REL_COMMENTS), None)
    text = pkg.text(sheet)
    p = main_prefix(text, sheet)
    span = xt.find(text, p + "legacyDrawing")
    vml = None
    if span is not None:
        a = xt.attrs(span.start_tag(text))
        rid = next((v for k, v in a.items() if k.endswith(":id")), None)
        vml = next((r for r in rels if r.id == rid), None)
    return comments, vml, span


def _authors(text: str, p: str) -> tuple[xt.Span | None, list[str]]:
    span = xt.find(text, p + "authors")
    if span is None:
        return None, []
    items = xt.find_all(text, p + "author", span.tag_end, span.end)
    return span, [xt.unescape(s.inner(text)) for s in items]


def _comments(text: str, p: str) -> list[tuple[str, int, xt.Span]]:
    span = xt.find(text, p + "commentList")
    if span is None:
        return []
    out = []
    for s in xt.find_all(text, p + "comment", span.tag_end, span.end):
        a = xt.attrs(s.start_tag(text))
        out.append((a.get("ref", ""), int(a.get("authorId", "0")), s))
    return out


def _append_child(text: str, span: xt.Span, xml: str, p: str, local: str) -> str:
    if span.self_closing:
        tag = span.start_tag(text)[:-2] + ">"
        return text[: span.start] + tag + xml + f"</{p}{local}>" + text[span.end :]
    at = span.inner_end(text)
    return text[:at] + xml + text[at:]


def _comment_xml(p: str, ref: str, author: int, message: str) -> str:
    body = xt.esc_text(message).replace("\r", "&#13;")
    return (
        f'<{p}comment ref="{ref}" authorId="{author}"><{p}text>'
        f'<{p}t xml:space="preserve">{body}</{p}t></{p}text></{p}comment>'
    )


def _new_vml(pkg: Package, n: int) -> tuple[str, int]:
    """A VML drawing with room for ``n`` shapes, in id blocks no other drawing uses."""
    used = [
        b
        for name in pkg.names()
        if name.lower().endswith(".vml")
        for b in vml.blocks(pkg.text(name))
    ]
    return vml.new_drawing(max(used, default=0) + 1, n)


def add_notes(pkg: Package, sheet: str, notes: list[Note]) -> tuple[list[str], bool]:
    """Attach ``notes`` to the worksheet part ``sheet``.

    Returns:
        The references skipped because the user already has a comment there, and
        True when a VML Default content type had to be added.
    """
    if not notes:
        return [], False
    crel, vrel, _ = _linked(pkg, sheet)
    # Comments part.
    if crel is None:
        cpart = pkg.unused_name("xl/comments{}.xml")
        ctext = f'{xt.XML_DECL}<comments xmlns="{MAIN_NS}"><authors/><commentList/></comments>'
        opc.add_part(pkg, sheet, REL_COMMENTS, cpart, ctext, CT_COMMENTS)
    else:
        cpart = opc.target_of(pkg, sheet, crel)
    ctext = pkg.text(cpart)
    cp = main_prefix(ctext, cpart)
    taken = {ref.replace("$", "") for ref, _, _ in _comments(ctext, cp)}
    skipped = [a1(n.row, n.col) for n in notes if a1(n.row, n.col) in taken]
    notes = [n for n in notes if a1(n.row, n.col) not in taken]
    if not notes:
        return skipped, False
    aspan, authors = _authors(ctext, cp)
    if AUTHOR in authors:
        author = authors.index(AUTHOR)
    else:
        author = len(authors)
        el = f"<{cp}author>{AUTHOR}</{cp}author>"
        if aspan is None:
            _, root = xt.root(ctext)
            ctext = (
                ctext[: root.tag_end] + f"<{cp}authors>{el}</{cp}authors>" + ctext[root.tag_end :]
            )
        else:
            ctext = _append_child(ctext, aspan, el, cp, "authors")
    clist = xt.find(ctext, cp + "commentList")
    xml = "".join(_comment_xml(cp, a1(n.row, n.col), author, n.text) for n in notes)
    if clist is None:
        ctext = insert_child_simple(ctext, f"<{cp}commentList>{xml}</{cp}commentList>")
    else:
        ctext = _append_child(ctext, clist, xml, cp, "commentList")
    pkg.set_text(cpart, ctext)
    # VML drawing.
    added_default = False
    if vrel is None:
        vpart = pkg.unused_name("xl/drawings/vmlDrawing{}.vml")
        vtext, _ = _new_vml(pkg, len(notes))
        rid = opc.add_part(pkg, sheet, REL_VML, vpart, vtext, CT_VML)
        if not opc.has_default(pkg, "vml"):
            opc.add_default(pkg, "vml", CT_VML)
            added_default = True
        stext = pkg.text(sheet)
        sp = main_prefix(stext, sheet)
        r = xt.prefix_for(xt.ns_decls(xt.root(stext)[1].start_tag(stext)), R_NS)
        rattr = f'{r}id="{rid}"' if r else f'xmlns:r="{R_NS}" r:id="{rid}"'
        stext = insert_child(
            stext, sp, "legacyDrawing", f"<{sp}legacyDrawing {rattr}/>", SHEET_ORDER
        )
        pkg.set_text(sheet, stext)
    else:
        vpart = opc.target_of(pkg, sheet, vrel)
        vtext = pkg.text(vpart)
    cells = [(n.row, n.col, n.text.count("\n") + 1) for n in notes]
    pkg.set_text(vpart, vml.append_notes(vtext, cells))
    return skipped, added_default


def insert_child_simple(text: str, xml: str) -> str:
    """Append ``xml`` as the root's last child."""
    qname, rspan = xt.root(text)
    root = xt.find(text, qname, rspan.start)
    assert root is not None
    return _append_child(
        text, root, xml, qname[: qname.index(":") + 1] if ":" in qname else "", qname.split(":")[-1]
    )


def _is_tagged(text: str, span: xt.Span) -> bool:
    """True when a comment's text starts with a severity tag perfxl writes (【错误】...)."""
    body = xt.unescape(re.sub(r"<[^>]*>", "", text[span.tag_end : span.end])).lstrip()
    return body.startswith(TAGS)


def remove_notes(
    pkg: Package, sheet: str, known: set[str] | frozenset[str] = frozenset()
) -> list[str]:
    """Remove every perfxl comment of a worksheet; returns their references.

    A comment is perfxl's when its author is "perfxl", or when it sits on a cell
    in ``known`` (the record's list) and its text starts with a severity tag:
    LibreOffice does not keep comment authors.
    """
    crel, vrel, ld_span = _linked(pkg, sheet)
    if crel is None:
        return []
    cpart = opc.target_of(pkg, sheet, crel)
    if not pkg.has(cpart):
        return []
    ctext = pkg.text(cpart)
    cp = main_prefix(ctext, cpart)
    aspan, authors = _authors(ctext, cp)
    k = authors.index(AUTHOR) if AUTHOR in authors else -1
    edits: list[tuple[int, int, str]] = []
    removed: list[str] = []
    for ref, author, span in _comments(ctext, cp):
        if author == k or (ref.replace("$", "") in known and _is_tagged(ctext, span)):
            edits.append((span.start, span.end, ""))
            removed.append(ref)
        elif k >= 0 and author > k:
            tag = xt.set_attr(span.start_tag(ctext), "authorId", str(author - 1))
            edits.append((span.start, span.tag_end, tag))
    if not removed:
        return []
    if k >= 0 and aspan is not None:
        author_spans = xt.find_all(ctext, cp + "author", aspan.tag_end, aspan.end)
        edits.append((author_spans[k].start, author_spans[k].end, ""))
    ctext = xt.splice(ctext, edits)
    if not _comments(ctext, cp):
        opc.remove_part(pkg, sheet, crel.id, cpart)
    else:
        pkg.set_text(cpart, ctext)
    if vrel is not None and ld_span is not None:
        _remove_shapes(
            pkg, sheet, vrel, ld_span, {parse_a1(r.replace("$", ""), strict=True) for r in removed}
        )
    return removed


def _remove_shapes(
    pkg: Package, sheet: str, vrel: opc.Rel, ld_span: xt.Span, cells: set[tuple[int, int]]
) -> None:
    vpart = opc.target_of(pkg, sheet, vrel)
    if not pkg.has(vpart):
        return
    vtext, left = vml.remove_notes(pkg.text(vpart), cells)
    if left:
        pkg.set_text(vpart, vtext)
        return
    stext = pkg.text(sheet)
    pkg.set_text(sheet, stext[: ld_span.start] + stext[ld_span.end :])
    opc.remove_part(pkg, sheet, vrel.id, vpart)
