"""Relationships and content types, edited as text so untouched entries keep their bytes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from perfxl.write.patch import xmltext as xt
from perfxl.write.patch.ooxml import RELS_NS
from perfxl.write.patch.package import Package, relative, rels_name, resolve


@dataclass(frozen=True)
class Rel:
    """One relationship of a part."""

    id: str
    type: str
    target: str
    external: bool
    span: xt.Span


def _prefix(text: str) -> str:
    qname, _span = xt.root(text)
    return qname[: qname.index(":") + 1] if ":" in qname else ""


def rels_of(pkg: Package, part: str) -> list[Rel]:
    """The relationships of ``part`` (empty when it has no .rels part)."""
    name = rels_name(part)
    if not pkg.has(name):
        return []
    text = pkg.text(name)
    out = []
    for span in xt.find_all(text, _prefix(text) + "Relationship"):
        a = xt.attrs(span.start_tag(text))
        out.append(
            Rel(
                a.get("Id", ""),
                a.get("Type", ""),
                a.get("Target", ""),
                a.get("TargetMode") == "External",
                span,
            )
        )
    return out


def target_of(pkg: Package, part: str, rel: Rel) -> str:
    """The zip name a relationship of ``part`` points at."""
    return resolve(part, rel.target)


def add_rel(pkg: Package, part: str, rel_type: str, target_part: str) -> str:
    """Add a relationship from ``part`` to ``target_part``; returns its new Id."""
    name = rels_name(part)
    if pkg.has(name):
        text = pkg.text(name)
    else:
        text = f'{xt.XML_DECL}<Relationships xmlns="{RELS_NS}"></Relationships>'
    ids = {r.id for r in rels_of(pkg, part)} if pkg.has(name) else set()
    nums = [int(m.group(1)) for i in ids if (m := re.fullmatch(r"rId(\d+)", i))]
    n = max(nums, default=0) + 1
    while f"rId{n}" in ids:
        n += 1
    rid = f"rId{n}"
    p = _prefix(text)
    qname, _ = xt.root(text)
    root = xt.find(text, qname)
    assert root is not None
    el = (
        f'<{p}Relationship Id="{rid}" Type="{xt.esc_attr(rel_type)}" '
        f'Target="{xt.esc_attr(relative(part, target_part))}"/>'
    )
    if root.self_closing:
        tag = root.start_tag(text)
        text = text[: root.start] + tag[:-2] + ">" + el + f"</{qname}>" + text[root.end :]
    else:
        at = root.inner_end(text)
        text = text[:at] + el + text[at:]
    pkg.set_text(name, text)
    return rid


def remove_rel(pkg: Package, part: str, rid: str) -> None:
    """Remove one relationship; the .rels part goes when it is left empty."""
    name = rels_name(part)
    for rel in rels_of(pkg, part):
        if rel.id == rid:
            text = pkg.text(name)
            text = text[: rel.span.start] + text[rel.span.end :]
            pkg.set_text(name, text)
            break
    if pkg.has(name) and not rels_of(pkg, part):
        pkg.delete(name)


# -- [Content_Types].xml ------------------------------------------------------
CT_PART = "[Content_Types].xml"


def _ct_elements(text: str, local: str) -> list[tuple[dict[str, str], xt.Span]]:
    p = _prefix(text)
    return [(xt.attrs(s.start_tag(text)), s) for s in xt.find_all(text, p + local)]


def content_type(pkg: Package, part: str) -> str | None:
    """The content type of ``part`` (Override first, then Default by extension)."""
    text = pkg.text(CT_PART)
    want = "/" + part.lstrip("/").lower()
    # Most Overrides are other parts': an element's attributes are read only when the name
    # can be in it (spelled out, or behind a character reference).
    p = _prefix(text)
    for span in xt.find_all(text, p + "Override"):
        tag = span.start_tag(text)
        if want in tag.lower() or "&" in tag:
            a = xt.attrs(tag)
            if a.get("PartName", "").lower() == want:
                return a.get("ContentType")
    ext = part.rsplit(".", 1)[-1].lower()
    for a, _ in _ct_elements(text, "Default"):
        if a.get("Extension", "").lower() == ext:
            return a.get("ContentType")
    return None


def add_override(pkg: Package, part: str, ctype: str) -> None:
    """Declare ``part``'s content type with an Override appended to the list."""
    text = pkg.text(CT_PART)
    qname, _ = xt.root(text)
    root = xt.find(text, qname)
    assert root is not None
    el = f'<{_prefix(text)}Override PartName="/{xt.esc_attr(part)}" ContentType="{ctype}"/>'
    at = root.inner_end(text)
    pkg.set_text(CT_PART, text[:at] + el + text[at:])


def remove_override(pkg: Package, part: str) -> None:
    """Remove the Override of ``part`` (no-op when there is none)."""
    text = pkg.text(CT_PART)
    want = "/" + part.lstrip("/").lower()
    for a, span in _ct_elements(text, "Override"):
        if a.get("PartName", "").lower() == want:
            pkg.set_text(CT_PART, text[: span.start] + text[span.end :])
            return


def has_default(pkg: Package, ext: str) -> bool:
    """True when a Default entry covers the extension."""
    text = pkg.text(CT_PART)
    return any(a.get("Extension", "").lower() == ext for a, _ in _ct_elements(text, "Default"))


def add_default(pkg: Package, ext: str, ctype: str) -> None:
    """Add a Default entry after the last one (or first in the list)."""
    text = pkg.text(CT_PART)
    defaults = _ct_elements(text, "Default")
    if defaults:
        at = defaults[-1][1].end
    else:
        _, root = xt.root(text)
        at = root.tag_end
    el = f'<{_prefix(text)}Default Extension="{ext}" ContentType="{ctype}"/>'
    pkg.set_text(CT_PART, text[:at] + el + text[at:])


def remove_default(pkg: Package, ext: str) -> None:
    """Remove the Default entry for ``ext`` (no-op when there is none)."""
    text = pkg.text(CT_PART)
    for a, span in _ct_elements(text, "Default"):
        if a.get("Extension", "").lower() == ext:
            pkg.set_text(CT_PART, text[: span.start] + text[span.end :])
            return


def add_part(pkg: Package, owner: str, rel_type: str, part: str, text: str, ctype: str) -> str:
    """Create ``part``, declare its type and relate it to ``owner``; returns the rel Id."""
    pkg.set_text(part, text)
    if not part.lower().endswith(".vml"):
        add_override(pkg, part, ctype)
    return add_rel(pkg, owner, rel_type, part)


def remove_part(pkg: Package, owner: str, rid: str, part: str) -> None:
    """Delete ``part``, its Override, its own .rels, and ``owner``'s relationship to it."""
    pkg.delete(part)
    pkg.delete(rels_name(part))
    remove_override(pkg, part)
    remove_rel(pkg, owner, rid)
