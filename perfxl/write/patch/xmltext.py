"""Surgical edits of XML as text: find an element, read or set an attribute, escape.

The engine never re-serialises a part it edits. It locates the few elements it
must change and splices new text in, so every other byte (namespace prefixes,
``mc:Ignorable``, ``extLst``, attribute order and quoting, whitespace) stays as the
application that wrote the file left it. No entity is ever expanded; a part that
declares a DOCTYPE is refused (see :func:`check_safe`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from perfxl.errors import UnsafeXmlError

XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'

_ATTR = re.compile(r"""\s+([\w.:-]+)\s*=\s*("[^"]*"|'[^']*')""")
_PROLOG_ITEM = re.compile(r"""\ufeff|\s+|<\?.*?\?>|<!--.*?-->""", re.S)
_ROOT = re.compile(r"""<([\w.:-]+)(?:[^>"']|"[^"]*"|'[^']*')*>""")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


# A named tuple: one is made for every row and cell indexed, 4x faster than a frozen dataclass.
class Span(NamedTuple):
    """Where one element sits in a text.

    Attributes:
        start: index of the ``<`` that opens the element.
        tag_end: index just after the start tag's ``>``.
        end: index just after the element (its ``/>`` or its end tag).
    """

    start: int
    tag_end: int
    end: int

    @property
    def self_closing(self) -> bool:
        """True for ``<x/>``."""
        return self.tag_end == self.end

    def start_tag(self, text: str) -> str:
        """The start tag's text, ``<x a="1">`` or ``<x a="1"/>``."""
        return text[self.start : self.tag_end]

    def inner(self, text: str) -> str:
        """The element's content (empty for a self-closing element)."""
        if self.self_closing:
            return ""
        return text[self.tag_end : text.rindex("</", self.tag_end, self.end)]

    def inner_end(self, text: str) -> int:
        """Index of the end tag's ``<`` (where new last children go)."""
        if self.self_closing:
            return self.end
        return text.rindex("</", self.tag_end, self.end)


def check_safe(text: str, part: str) -> None:
    """Refuse a part that declares a DOCTYPE (entity tricks, external fetches).

    Raises:
        UnsafeXmlError: naming the part.
    """
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise UnsafeXmlError(
            f"部件 {part} 含有 DOCTYPE/ENTITY 声明，出于安全原因拒绝处理。", part=part
        )


@lru_cache(maxsize=256)
def _start_re(qname: str) -> re.Pattern[str]:
    return re.compile(rf"""<{re.escape(qname)}(?=[\s/>])(?:[^>"']|"[^"]*"|'[^']*')*>""")


@lru_cache(maxsize=256)
def _open_or_close_re(qname: str) -> re.Pattern[str]:
    q = re.escape(qname)
    return re.compile(rf"""<{q}(?=[\s/>])(?:[^>"']|"[^"]*"|'[^']*')*>|</{q}\s*>""")


def _element_end(text: str, qname: str, tag_end: int) -> int:
    """Just after the end tag that closes the element whose start tag ends at ``tag_end``.

    The matches are those of ``_open_or_close_re(qname).finditer``; ``str.find`` jumps to the
    places one can start (``<qname``, ``</qname``) instead of the regex trying every ``<`` of
    the content (a worksheet's sheetData holds thousands).
    """
    if text[tag_end - 2] == "/":
        return tag_end
    match = _open_or_close_re(qname).match
    opening, closing = "<" + qname, "</" + qname
    depth, pos, size = 1, tag_end, len(text)
    while True:
        k = text.find(closing, pos)
        # an opening tag before that end tag? (it cannot run into the end tag's "<")
        o = text.find(opening, pos, k if k >= 0 else size)
        if o >= 0:
            k = o
        elif k < 0:
            raise ValueError(f"unclosed element <{qname}>")
        m = match(text, k)
        if m is None:
            pos = k + 1
            continue
        pos = m.end()
        if text[k + 1] == "/":
            depth -= 1
            if depth == 0:
                return pos
        elif not m.group(0).endswith("/>"):
            depth += 1


def find(text: str, qname: str, start: int = 0, end: int | None = None) -> Span | None:
    """The first ``qname`` element starting in ``text[start:end]``, or None."""
    m = _start_re(qname).search(text, start, len(text) if end is None else end)
    if m is None:
        return None
    return Span(m.start(), m.end(), _element_end(text, qname, m.end()))


def find_all(text: str, qname: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Every ``qname`` element in ``text[start:end]``, not looking inside the ones found."""
    out: list[Span] = []
    pos = start
    while True:
        span = find(text, qname, pos, end)
        if span is None:
            return out
        out.append(span)
        pos = span.end


def root(text: str) -> tuple[str, Span]:
    """The root element's qualified name and the span of its start tag (end unknown).

    Raises:
        ValueError: when no root element is found.
    """
    pos = 0
    while True:
        m = _PROLOG_ITEM.match(text, pos)
        if m is None or m.end() == pos:
            break
        pos = m.end()
    m2 = _ROOT.match(text, pos)
    if m2 is None:
        raise ValueError("no root element")
    return m2.group(1), Span(m2.start(), m2.end(), m2.end())


def attr_spans(tag: str) -> list[tuple[str, str, int, int]]:
    """``(name, raw value, start, end)`` for every attribute of a start tag."""
    out: list[tuple[str, str, int, int]] = []
    m0 = re.match(r"<[\w.:-]+", tag)
    pos = m0.end() if m0 else 0
    while True:
        m = _ATTR.match(tag, pos)
        if m is None:
            return out
        out.append((m.group(1), m.group(2)[1:-1], m.start(), m.end()))
        pos = m.end()


def attrs(tag: str) -> dict[str, str]:
    """Every attribute of a start tag, unescaped."""
    return {name: unescape(raw) for name, raw, _, _ in attr_spans(tag)}


@lru_cache(maxsize=256)
def _has_re(name: str) -> re.Pattern[str]:
    return re.compile(rf"\s{re.escape(name)}\s*=")


def get_attr(tag: str, name: str) -> str | None:
    """One attribute of a start tag, unescaped, or None."""
    if _has_re(name).search(tag) is None:
        return None
    for n, raw, _, _ in attr_spans(tag):
        if n == name:
            return unescape(raw)
    return None


def set_attr(tag: str, name: str, value: str) -> str:
    """The start tag with ``name`` set.

    An existing attribute keeps its place and quote character; a new one goes
    after the last attribute, so :func:`del_attr` undoes it byte for byte.
    """
    spans = attr_spans(tag)
    for n, raw, _a, b in spans:
        if n == name:
            q = tag[b - 1]
            v = esc_attr(value) if q == '"' else esc_attr(value).replace("'", "&apos;")
            return tag[: b - len(raw) - 2] + q + v + q + tag[b:]
    if spans:
        cut = spans[-1][3]
    else:
        m0 = re.match(r"<[\w.:-]+", tag)
        cut = m0.end() if m0 else len(tag) - (2 if tag.endswith("/>") else 1)
    return f'{tag[:cut]} {name}="{esc_attr(value)}"{tag[cut:]}'


def del_attr(tag: str, name: str) -> str:
    """The start tag without ``name``."""
    if _has_re(name).search(tag) is None:
        return tag
    for n, _, a, b in attr_spans(tag):
        if n == name:
            return tag[:a] + tag[b:]
    return tag


def ns_decls(tag: str) -> dict[str, str]:
    """Namespace declarations of a start tag: prefix ('' for the default) -> URI."""
    out: dict[str, str] = {}
    for name, value in attrs(tag).items():
        if name == "xmlns":
            out[""] = value
        elif name.startswith("xmlns:"):
            out[name[6:]] = value
    return out


def prefix_for(decls: dict[str, str], uri: str) -> str | None:
    """``""`` or ``"x:"`` for the prefix bound to ``uri`` (default namespace first), or None."""
    if decls.get("") == uri:
        return ""
    for prefix, u in decls.items():
        if u == uri and prefix:
            return prefix + ":"
    return None


def unescape(s: str) -> str:
    """Resolve the five predefined entities and character references."""
    if "&" not in s:
        return s
    return _unescape(s)


@lru_cache(maxsize=4096)  # a sheet's formulas and texts repeat on every project sheet
def _unescape(s: str) -> str:
    if "&#" not in s:  # named entities only (a cover's links are full of &quot;): no regex
        # &amp; last, so "&amp;lt;" reads "&lt;" as the one left-to-right pass reads it
        return (
            s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", '"')
            .replace("&apos;", "'")
            .replace("&amp;", "&")
        )
    return _ENTITY.sub(_entity, s)


def _entity(m: re.Match[str]) -> str:
    e = m.group(1)
    if e.startswith("#x"):
        return chr(int(e[2:], 16))
    if e.startswith("#"):
        return chr(int(e[1:]))
    return _NAMED[e]


def esc_text(s: str) -> str:
    """Escape character data."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def esc_attr(s: str) -> str:
    """Escape an attribute value written between double quotes."""
    return (
        esc_text(s)
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def splice(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply non-overlapping ``(start, end, replacement)`` edits (any order, stable for ties)."""
    if not edits:
        return text
    parts: list[str] = []
    pos = 0
    for a, b, rep in sorted(edits, key=lambda e: (e[0], e[1])):
        if a < pos:
            raise ValueError("overlapping edits")
        parts.append(text[pos:a])
        parts.append(rep)
        pos = b
    parts.append(text[pos:])
    return "".join(parts)
