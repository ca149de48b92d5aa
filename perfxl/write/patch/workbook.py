"""The workbook part: sheet list, calculation flags, adding and removing a sheet."""

from __future__ import annotations

import re
from dataclasses import dataclass

from perfxl.errors import NotAWorkbookError, SheetNotFoundError
from perfxl.write.patch import opc
from perfxl.write.patch import xmltext as xt
from perfxl.write.patch.ooxml import (
    CT_WORKSHEET,
    R_NS,
    REL_CALC_CHAIN,
    REL_OFFICE_DOC,
    REL_STYLES,
    REL_WORKSHEET,
    WORKBOOK_ORDER,
)
from perfxl.write.patch.package import Package, rels_name
from perfxl.write.patch.sheet_edit import insert_child, main_prefix
from perfxl.write.patch.zipraw import READ_ONLY


@dataclass(frozen=True)
class SheetRef:
    """One ``<sheet>`` of the workbook.

    Attributes:
        name: the tab name.
        index: 0-based position in the tab order (``localSheetId``).
        rid: the relationship id from the workbook part.
        part: the zip name of the sheet's part ('' when the relationship is broken).
        is_worksheet: False for chart sheets, dialog sheets and macro sheets.
    """

    name: str
    index: int
    rid: str
    part: str
    is_worksheet: bool


class Book:
    """The workbook part of a package, edited as text."""

    def __init__(self, pkg: Package) -> None:
        """Find the workbook part through the package relationships.

        Raises:
            NotAWorkbookError: when the package has no workbook part.
        """
        self.pkg = pkg
        part = None
        for rel in opc.rels_of(pkg, ""):
            if rel.type == REL_OFFICE_DOC:
                part = opc.target_of(pkg, "", rel)
                break
        if part is None or not pkg.has(part):
            if pkg.has("mimetype") and b"opendocument.spreadsheet" in pkg.read("mimetype"):
                raise NotAWorkbookError(READ_ONLY["ods"], path=pkg.path)
            raise NotAWorkbookError("压缩包中没有工作簿部件（不是 .xlsx/.xlsm）。", path=pkg.path)
        self.part = pkg.find(part) or part
        self._sheets: tuple[tuple[str, str], list[SheetRef]] | None = None
        self.p = main_prefix(pkg.text(self.part), self.part)

    @property
    def text(self) -> str:
        """The workbook part's current text."""
        return self.pkg.text(self.part)

    def sheets(self) -> list[SheetRef]:
        """Every sheet, in tab order."""
        text = self.text
        key = (text, self.pkg.text(rels_name(self.part)))
        if self._sheets is not None and self._sheets[0] == key:
            return list(self._sheets[1])
        rels = {r.id: r for r in opc.rels_of(self.pkg, self.part)}
        span = xt.find(text, self.p + "sheets")
        if span is None:
            return []
        out = []
        for i, s in enumerate(xt.find_all(text, self.p + "sheet", span.tag_end, span.end)):
            a = xt.attrs(s.start_tag(text))
            rid = next((v for k, v in a.items() if k.endswith(":id")), "")
            rel = rels.get(rid)
            part = opc.target_of(self.pkg, self.part, rel) if rel else ""
            out.append(
                SheetRef(a.get("name", ""), i, rid, part, bool(rel and rel.type == REL_WORKSHEET))
            )
        self._sheets = (key, out)
        return list(out)

    def sheet(self, name: str) -> SheetRef:
        """The worksheet named ``name`` (exact match first, then ignoring case).

        Raises:
            SheetNotFoundError: no such worksheet.
        """
        sheets = self.sheets()
        found = next((s for s in sheets if s.name == name), None) or next(
            (s for s in sheets if s.name.casefold() == name.casefold()), None
        )
        if found is None or not found.is_worksheet or not self.pkg.has(found.part):
            names = "、".join(s.name for s in sheets)
            raise SheetNotFoundError(
                f"工作簿中没有名为“{name}”的工作表（现有：{names}）。",
                path=self.pkg.path,
                sheet=name,
            )
        return found

    def styles_part(self) -> str | None:
        """The zip name of the styles part, or None."""
        for rel in opc.rels_of(self.pkg, self.part):
            if rel.type == REL_STYLES:
                return opc.target_of(self.pkg, self.part, rel)
        return None

    def date1904(self) -> bool:
        """True when the workbook counts dates from 1904."""
        span = xt.find(self.text, self.p + "workbookPr")
        return bool(span and xt.get_attr(span.start_tag(self.text), "date1904") in ("1", "true"))

    def set_full_calc_on_load(self) -> None:
        """Ask the application to recalculate every formula when it opens the file."""
        text = self.text
        span = xt.find(text, self.p + "calcPr")
        if span is None:
            text = insert_child(
                text, self.p, "calcPr", f'<{self.p}calcPr fullCalcOnLoad="1"/>', WORKBOOK_ORDER
            )
        else:
            tag = xt.set_attr(span.start_tag(text), "fullCalcOnLoad", "1")
            text = text[: span.start] + tag + text[span.end :]
        self.pkg.set_text(self.part, text)

    def drop_calc_chain(self) -> None:
        """Remove calcChain.xml (Excel rebuilds it) after a formula was removed."""
        for rel in opc.rels_of(self.pkg, self.part):
            if rel.type == REL_CALC_CHAIN:
                opc.remove_part(
                    self.pkg, self.part, rel.id, opc.target_of(self.pkg, self.part, rel)
                )
                return

    def add_sheet(self, name: str, xml: str) -> SheetRef:
        """Append a worksheet tab named ``name`` whose part holds ``xml``."""
        part = self.pkg.unused_name("xl/worksheets/sheet{}.xml")
        rid = opc.add_part(self.pkg, self.part, REL_WORKSHEET, part, xml, CT_WORKSHEET)
        text = self.text
        span = xt.find(text, self.p + "sheets")
        if span is None:
            raise NotAWorkbookError("workbook.xml 中没有 sheets 元素。", path=self.pkg.path)
        ids = [
            int(m) for m in re.findall(r'\ssheetId\s*=\s*["\'](\d+)', text[span.start : span.end])
        ]
        _, root = xt.root(text)
        r = xt.prefix_for(xt.ns_decls(root.start_tag(text)), R_NS)
        rattr = f'{r}id="{rid}"' if r else f'xmlns:r="{R_NS}" r:id="{rid}"'
        el = f'<{self.p}sheet name="{xt.esc_attr(name)}" sheetId="{max(ids, default=0) + 1}" {rattr}/>'
        at = span.inner_end(text)
        if span.self_closing:
            tag = span.start_tag(text)[:-2] + ">"
            text = text[: span.start] + tag + el + f"</{self.p}sheets>" + text[span.end :]
        else:
            text = text[:at] + el + text[at:]
        self.pkg.set_text(self.part, text)
        return self.sheet(name)

    def remove_sheet(self, sheet: SheetRef) -> None:
        """Remove a tab, its part and relationship; shift sheet-scoped names after it."""
        text = self.text
        span = xt.find(text, self.p + "sheets")
        assert span is not None
        el = xt.find_all(text, self.p + "sheet", span.tag_end, span.end)[sheet.index]
        edits: list[tuple[int, int, str]] = [(el.start, el.end, "")]
        names = xt.find(text, self.p + "definedNames")
        if names is not None:
            for dn in xt.find_all(text, self.p + "definedName", names.tag_end, names.end):
                tag = dn.start_tag(text)
                local = xt.get_attr(tag, "localSheetId")
                if local is None or int(local) < sheet.index:
                    continue
                if int(local) == sheet.index:
                    edits.append((dn.start, dn.end, ""))
                else:
                    new = xt.set_attr(tag, "localSheetId", str(int(local) - 1))
                    edits.append((dn.start, dn.tag_end, new))
        view = xt.find(text, self.p + "workbookView")
        if view is not None:
            tag = view.start_tag(text)
            for attr in ("activeTab", "firstSheet"):
                v = xt.get_attr(tag, attr)
                if v is not None and int(v) >= sheet.index and int(v) > 0:
                    tag = xt.set_attr(tag, attr, str(int(v) - 1))
            edits.append((view.start, view.tag_end, tag))
        self.pkg.set_text(self.part, xt.splice(text, edits))
        opc.remove_part(self.pkg, self.part, sheet.rid, sheet.part)
