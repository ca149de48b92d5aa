"""New cell formats derived from existing ones, appended to styles.xml as text.

A derived format is a copy of the cell's own ``<xf>`` with one thing changed (the
number format or the fill), so borders, fonts, alignment and protection stay.
Entries are appended, never renumbered; an identical entry already present is
reused, which is what makes annotating twice give the same bytes as once.
"""

from __future__ import annotations

import hashlib
import re

from perfxl.write.patch import xmltext as xt
from perfxl.write.patch.ooxml import FONT_ORDER
from perfxl.write.patch.sheet_edit import main_prefix

# Built-in number formats that do not depend on the locale (ECMA-376 18.8.30).
BUILTIN_FORMATS: dict[str, int] = {
    "General": 0,
    "0": 1,
    "0.00": 2,
    "#,##0": 3,
    "#,##0.00": 4,
    "0%": 9,
    "0.00%": 10,
    "0.00E+00": 11,
    "# ?/?": 12,
    "# ??/??": 13,
    "mm:ss": 45,
    "[h]:mm:ss": 46,
    "mmss.0": 47,
    "##0.0E+0": 48,
    "@": 49,
}
LINK_COLOR = "FF0563C1"


class Styles:
    """The styles part, with methods that return style indexes for derived formats."""

    def __init__(self, text: str, part: str) -> None:
        """Wrap the text of ``part`` (xl/styles.xml)."""
        self.text = text
        self.part = part
        self.p = main_prefix(text, part)
        self._memo: dict[tuple[object, ...], int] = {}
        self._cache: dict[str, tuple[xt.Span | None, list[str]]] = {}

    def _children(self, coll: str, child: str) -> tuple[xt.Span | None, list[str]]:
        if coll not in self._cache:
            span = xt.find(self.text, self.p + coll)
            items = (
                []
                if span is None
                else xt.find_all(self.text, self.p + child, span.tag_end, span.end)
            )
            self._cache[coll] = (span, [self.text[s.start : s.end] for s in items])
        return self._cache[coll]

    def _append(self, coll: str, child: str, xml: str) -> int:
        """Index of ``xml`` in the collection, appending it when no identical entry exists."""
        span, items = self._children(coll, child)
        if xml in items:
            return items.index(xml)
        p = self.p
        self._cache.clear()
        if span is None:
            _, root = xt.root(self.text)
            new = f'<{p}{coll} count="1">{xml}</{p}{coll}>'
            self.text = self.text[: root.tag_end] + new + self.text[root.tag_end :]
            return 0
        tag = span.start_tag(self.text)
        if xt.get_attr(tag, "count") is not None:
            tag = xt.set_attr(tag, "count", str(len(items) + 1))
        if span.self_closing:
            repl = f"{tag[:-2]}>{xml}</{p}{coll}>"
        else:
            inner = self.text[span.tag_end : span.inner_end(self.text)]
            repl = f"{tag}{inner}{xml}</{p}{coll}>"
        self.text = self.text[: span.start] + repl + self.text[span.end :]
        return len(items)

    def xf(self, index: int) -> str:
        """The ``<xf>`` of a cell style index (xf 0 when out of range)."""
        _, xfs = self._children("cellXfs", "xf")
        if not xfs:
            return f'<{self.p}xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        return xfs[index] if 0 <= index < len(xfs) else xfs[0]

    def clone_xf(self, index: int, changes: dict[str, str]) -> int:
        """Index of a copy of xf ``index`` with some attributes set."""
        key = ("xf", index, tuple(sorted(changes.items())))
        if key in self._memo:
            return self._memo[key]
        xml = self.xf(index)
        end = xml.index(">") + 1
        tag = xml[:end]
        for name, value in changes.items():
            tag = xt.set_attr(tag, name, value)
        new = self._append("cellXfs", "xf", tag + xml[end:])
        self._memo[key] = new
        return new

    def number_format_id(self, code: str) -> int:
        """The id of a number format code: built-in, already declared, or a new ``<numFmt>``."""
        if code in BUILTIN_FORMATS:
            return BUILTIN_FORMATS[code]
        _, fmts = self._children("numFmts", "numFmt")
        ids = []
        for xml in fmts:
            a = xt.attrs(xml)
            if a.get("formatCode") == code:
                return int(a["numFmtId"])
            ids.append(int(a.get("numFmtId", 0)))
        new_id = max([163, *ids]) + 1
        self._append(
            "numFmts",
            "numFmt",
            f'<{self.p}numFmt numFmtId="{new_id}" formatCode="{xt.esc_attr(code)}"/>',
        )
        return new_id

    def with_number_format(self, index: int, code: str) -> int:
        """The style index of xf ``index`` with number format ``code``."""
        fmt = self.number_format_id(code)
        if xt.get_attr(self.xf(index), "numFmtId") == str(fmt):
            return index
        return self.clone_xf(index, {"numFmtId": str(fmt), "applyNumberFormat": "1"})

    def with_fill(self, index: int, rgb: str) -> int:
        """The style index of xf ``index`` with a solid fill of colour ``rgb`` (ARGB hex)."""
        p = self.p
        fill = (
            f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{rgb}"/>'
            f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>'
        )
        return self.with_fill_xml(index, fill)

    def with_fill_xml(self, index: int, fill: str) -> int:
        """The style index of xf ``index`` with the ``<fill>`` element ``fill``."""
        fill_id = self._append("fills", "fill", fill)
        if xt.get_attr(self.xf(index), "fillId") == str(fill_id):
            return index
        return self.clone_xf(index, {"fillId": str(fill_id), "applyFill": "1"})

    def _ref(self, coll: str, child: str, index: str | None) -> str:
        _, items = self._children(coll, child)
        i = int(index or 0)
        return items[i] if 0 <= i < len(items) else ""

    def fill_of(self, index: int) -> str:
        """The ``<fill>`` element an xf uses ('' when missing)."""
        return self._ref("fills", "fill", xt.get_attr(self.xf(index), "fillId"))

    def fill_rgb(self, index: int) -> str | None:
        """The foreground colour of an xf's solid fill (ARGB, upper case), or None."""
        fill = self.fill_of(index)
        m = re.search(r"""fgColor\b[^>]*\brgb=["']([0-9A-Fa-f]{8})["']""", fill)
        return m.group(1).upper() if m and "solid" in fill else None

    def fingerprint(self, index: int) -> str:
        """A hash of what xf ``index`` is: its text and the font, fill, border and format it uses.

        Equal fingerprints before and after another application saved the file mean
        the index still denotes the same look, so it is safe to restore it.
        """
        xf = self.xf(index)
        a = xt.attrs(xf[: xf.index(">") + 1])
        fmt = a.get("numFmtId", "0")
        _, fmts = self._children("numFmts", "numFmt")
        code = next((x for x in fmts if xt.get_attr(x, "numFmtId") == fmt), fmt)
        parts = (
            xf,
            self._ref("fonts", "font", a.get("fontId")),
            self._ref("fills", "fill", a.get("fillId")),
            self._ref("borders", "border", a.get("borderId")),
            code,
        )
        return hashlib.sha1("\x00".join(parts).encode("utf-8")).hexdigest()[:12]

    def font_style(self, *, bold: bool = False, link: bool = False) -> int:
        """A style index for plain cells in the default font, made bold or link-like."""
        p = self.p
        _, fonts = self._children("fonts", "font")
        base = fonts[0] if fonts else f"<{p}font/>"
        pieces: dict[str, str] = {}
        for local in FONT_ORDER:
            span = xt.find(base, p + local)
            if span is not None:
                pieces[local] = base[span.start : span.end]
        if bold:
            pieces["b"] = f"<{p}b/>"
        if link:
            pieces["u"] = f"<{p}u/>"
            pieces["color"] = f'<{p}color rgb="{LINK_COLOR}"/>'
        xml = f"<{p}font>" + "".join(pieces.get(k, "") for k in FONT_ORDER) + f"</{p}font>"
        font_id = self._append("fonts", "font", xml)
        if font_id == 0:
            return 0
        return self.clone_xf(0, {"fontId": str(font_id), "applyFont": "1"})
