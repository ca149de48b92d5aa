"""Put values into cells of a package (the engine behind :func:`write_cells`)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from perfxl.cells import a1, parse_a1, parse_range
from perfxl.errors import CellRefError, FormulaCellError, NotAWorkbookError
from perfxl.write.patch import xmltext as xt
from perfxl.write.patch.model import CellWrite
from perfxl.write.patch.package import Package
from perfxl.write.patch.sheet_edit import (
    SheetXml,
    build_cell,
    cell_parts,
    style_of,
    widen_dimension,
)
from perfxl.write.patch.values import encode
from perfxl.write.patch.workbook import Book

if TYPE_CHECKING:
    from perfxl.write.patch.styles import Styles


def _array_ranges(sx: SheetXml) -> list[tuple[int, int, int, int]]:
    """Ranges covered by array formulas (``<f t="array" ref="C1:C3">``)."""
    if 't="array"' not in sx.text and "t='array'" not in sx.text:
        return []
    out = []
    for span in xt.find_all(sx.text, sx.p + "f", sx.sheet_data.tag_end, sx.sheet_data.end):
        a = xt.attrs(span.start_tag(sx.text))
        if a.get("t") == "array" and a.get("ref"):
            out.append(parse_range(a["ref"].replace("$", ""), strict=True))
    return out


class _Writer:
    def __init__(self, pkg: Package, book: Book) -> None:
        self.pkg = pkg
        self.book = book
        self.date1904 = book.date1904()
        self.styles: Styles | None = None
        self.formula_dropped = False

    def style_with_format(self, index: int, code: str) -> int:
        if self.styles is None:
            from perfxl.write.patch.styles import Styles  # only a number format needs it

            part = self.book.styles_part()
            if part is None:
                raise NotAWorkbookError("工作簿没有样式部件，无法设置数字格式。")
            self.styles = Styles(self.pkg.text(part), part)
        return self.styles.with_number_format(index, code)

    def sheet(self, name: str, writes: list[CellWrite]) -> int:
        sref = self.book.sheet(name)
        sx = SheetXml(self.pkg.text(sref.part), sref.part)
        arrays = _array_ranges(sx)
        filled: list[tuple[int, int]] = []
        for w in writes:
            try:
                r, c = _parse_a1(w.cell)
            except ValueError:
                raise CellRefError(
                    f"“{w.cell}”不是有效的单元格地址（应如 B7）。", sheet=name, cell=w.cell
                ) from None
            xml = self.cell_xml(sx, w, r, c, arrays)
            if xml is not None:
                sx.put(r, c, xml)
                if w.value is not None:
                    filled.append((r, c))
        text = widen_dimension(sx.render(), sx.p, filled)
        self.pkg.set_text(sref.part, text)
        return len(writes)

    def cell_xml(
        self, sx: SheetXml, w: CellWrite, r: int, c: int, arrays: list[tuple[int, int, int, int]]
    ) -> str | None:
        p, ref = sx.p, _a1(r, c)
        enc = encode(w.value, p, self.date1904)
        cur = sx.cell(r, c)
        where: dict[str, Any] = {"sheet": w.sheet, "cell": ref}
        parts = cell_parts(cur, p) if cur is not None else None
        has_formula = parts is not None and parts.formula is not None
        if (
            not has_formula
            and arrays
            and any(a <= r <= c2 and b <= c <= d for a, b, c2, d in arrays)
        ):
            raise FormulaCellError("单元格属于数组公式的区域，不能单独写入。", **where)
        if has_formula and w.formula == "refuse":
            raise FormulaCellError(
                "单元格含有公式。要保留公式并写入计算结果，请用 formula='keep'；"
                "要以数值替换公式，请用 formula='replace'。",
                **where,
            )
        if not has_formula and w.formula in ("keep", "set"):
            raise FormulaCellError(
                f"单元格没有公式，不能只写入公式的计算结果（formula='{w.formula}'）。", **where
            )
        if parts is None:
            if w.value is None and w.number_format is None:
                return None
            s = sx.inherited_style(r, c) or 0
            if w.number_format is not None:
                s = self.style_with_format(s, w.number_format)
            tag = (
                f'<{p}c r="{ref}"' + (f' s="{s}"' if s else "") + (f' t="{enc.t}"' if enc.t else "")
            )
            return build_cell(tag + ">", enc.body, p)
        tag = _plain_tag(parts.tag)
        if w.number_format is not None:
            s = self.style_with_format(style_of(parts.tag), w.number_format)
            if s or xt.get_attr(tag, "s") is not None:
                tag = xt.set_attr(tag, "s", str(s))
        if has_formula and w.formula in ("replace", "set"):
            assert parts.formula is not None
            fa = xt.attrs(parts.formula[: parts.formula.index(">") + 1])
            if fa.get("t") == "array" or (fa.get("t") == "shared" and fa.get("ref")):
                raise FormulaCellError(
                    "单元格是共享公式或数组公式的起始单元格，替换它会破坏其他单元格的公式。",
                    **where,
                )
        if has_formula and w.formula in ("keep", "set"):
            assert parts.formula is not None
            t = enc.cached_t
            f = parts.formula
            if w.formula == "set":
                if not w.formula_text:
                    raise FormulaCellError("没有给出要写入的公式（formula='set'）。", **where)
                f = f"<{p}f>{xt.esc_text(w.formula_text)}</{p}f>"
            children = f + (f"<{p}v>{enc.cached_v}</{p}v>" if enc.cached_v is not None else "")
        else:
            if has_formula:
                tag = xt.del_attr(tag, "cm")
                self.formula_dropped = True
            t = enc.t
            children = enc.body
        if t:
            tag = _with_t(tag, t)
        return build_cell(tag, children + (parts.ext or ""), p)


# Project sheets repeat the same cells (address, style, formula): their tags are cached.
_a1 = lru_cache(maxsize=65536)(a1)
_parse_a1 = lru_cache(maxsize=65536)(parse_a1)  # raises (uncached) for a bad address


@lru_cache(maxsize=4096)
def _plain_tag(tag: str) -> str:
    """A cell's start tag without its type and value-metadata attributes."""
    return xt.del_attr(xt.del_attr(tag, "t"), "vm")


@lru_cache(maxsize=4096)
def _with_t(tag: str, t: str) -> str:
    return xt.set_attr(tag, "t", t)


def apply_writes(pkg: Package, book: Book, writes: Iterable[CellWrite]) -> int:
    """Apply ``writes`` (later writes to the same cell win); returns how many were applied.

    Raises:
        SheetNotFoundError, CellRefError, FormulaCellError, UnsupportedValueError.
    """
    groups: dict[str, list[CellWrite]] = {}
    for w in writes:
        groups.setdefault(w.sheet, []).append(w)
    writer = _Writer(pkg, book)
    count = sum(writer.sheet(name, ws) for name, ws in groups.items())
    if writer.styles is not None:
        pkg.set_text(writer.styles.part, writer.styles.text)
    if writer.formula_dropped:
        book.drop_calc_chain()
    if count:
        book.set_full_calc_on_load()
    return count
