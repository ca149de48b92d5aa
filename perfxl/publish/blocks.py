"""The document body as a list of WordprocessingML blocks, headings collected on the way.

Pure: no python-docx here, only text. :mod:`perfxl.publish.document` turns the blocks into a
``.docx``; keeping them as text keeps building fast and testable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from perfxl.publish import styles as S
from perfxl.publish.ooxml import NSDECL, rpr, run
from perfxl.publish.styles import Font


@dataclass
class Blocks:
    """Blocks of the body in order, and the headings (level, text) for the table of contents."""

    items: list[str] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)

    def para(
        self,
        parts: list[tuple[str, Font]] | str,
        font: Font = S.BODY,
        *,
        align: str = "both",
        indent: bool = False,
        page_break: bool = False,
        keep_next: bool = False,
        level: int | None = None,
        before: int = 0,
        after: int = 0,
        line: int | None = S.LINE_PITCH,
        tabs: str = "",
        extra_runs: str = "",
    ) -> None:
        """Append a paragraph.

        Args:
            parts: the text, or (text, font) runs.
            font: the font of plain text and of the paragraph mark.
            align: ``both`` (justified), ``center``, ``left`` or ``right``.
            indent: indent the first line by two characters (body text).
            page_break: start on a new page.
            keep_next: keep with the next paragraph (titles above tables).
            level: outline level 1-9: a heading listed in the table of contents.
            before: space before, twips.
            after: space after, twips.
            line: exact line pitch in twips, None for single spacing.
            tabs: ``w:tabs`` XML.
            extra_runs: XML runs appended after the text (fields).
        """
        runs_ = [(parts, font)] if isinstance(parts, str) else parts
        ppr = []
        if level is not None:
            ppr.append(f'<w:pStyle w:val="Heading{level}"/>')
            self.headings.append((level, "".join(t for t, _ in runs_)))
        if keep_next or level is not None:
            ppr.append("<w:keepNext/>")
        if page_break:
            ppr.append("<w:pageBreakBefore/>")
        ppr.append(tabs)
        spacing = f'w:before="{before}" w:after="{after}"'
        if line is not None:
            spacing += f' w:line="{line}" w:lineRule="exact"'
        else:
            spacing += ' w:line="240" w:lineRule="auto"'
        ppr.append(f"<w:spacing {spacing}/>")
        if indent:
            ppr.append(f'<w:ind w:firstLineChars="200" w:firstLine="{font.size * 20}"/>')
        ppr.append(f'<w:jc w:val="{align}"/>')
        if level is not None:
            ppr.append(f'<w:outlineLvl w:val="{level - 1}"/>')
        body = "".join(run(t, f) for t, f in runs_ if t)
        self.items.append(
            f"<w:p {NSDECL}><w:pPr>{''.join(ppr)}{rpr(font)}</w:pPr>{body}{extra_runs}</w:p>"
        )

    def blank(self, font: Font = S.BODY) -> None:
        """An empty paragraph (vertical space)."""
        self.para("", font)

    def spacer(self) -> None:
        """A hairline paragraph between two tables that should read as one."""
        tiny = Font(S.SONG, 2)
        self.para("", tiny, line=20, keep_next=True)

    def raw(self, xml: str) -> None:
        """A block already written as XML (a table)."""
        self.items.append(xml)
