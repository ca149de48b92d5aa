"""Blocks -> a .docx: styles, A4 page, cover and table of contents, footer page numbers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.oxml import parse_xml

from perfxl import layout as L
from perfxl.model import Targets
from perfxl.monitoring import month_of
from perfxl.outputs import PUBLISH_AUTHOR
from perfxl.publish import county as county_view
from perfxl.publish import evaluation as evaluation_view
from perfxl.publish import evaluation_county, monitoring_county
from perfxl.publish import labels as T
from perfxl.publish import monitoring as monitoring_view
from perfxl.publish import styles as S
from perfxl.publish.blocks import Blocks
from perfxl.publish.ooxml import NSDECL, field_runs, rpr
from perfxl.publish.text import county_name, document_title, plain
from perfxl.publish.township import township
from perfxl.stages import EVALUATION, MONITORING

TOC_LEVELS = 2  # parts and tables for one unit; units and parts in the county's view


def is_county(books: Sequence[Targets], county: bool | None) -> bool:
    """The county's view when asked for, else when there are several units."""
    return len(books) > 1 if county is None else county


def is_monitoring(books: Sequence[Targets]) -> bool:
    """Whether the books are 绩效运行监控表 (the monitoring disclosure); one stage per document."""
    return bool(books) and books[0].stage == MONITORING


def is_evaluation(books: Sequence[Targets]) -> bool:
    """Whether the books are 绩效自评表 (the self-evaluation disclosure)."""
    return bool(books) and books[0].stage == EVALUATION


def body_blocks(
    books: Sequence[Targets],
    county: bool | None = None,
    sources: Sequence[county_view.Source] = (),
    thresholds: monitoring_view.Thresholds | None = None,
) -> Blocks:
    """The body of the document: one unit's disclosure, or the county's view of several
    (``sources``: the file used for each unit and the versions left out). Monitoring
    workbooks give the monitoring disclosure, its lights by ``thresholds`` (default: the
    shipped ones); self-evaluation workbooks the self-evaluation disclosure."""
    b = Blocks()
    th = thresholds or monitoring_view.Thresholds()
    if is_evaluation(books):
        if not is_county(books, county):
            evaluation_view.township(b, books[0], level=1)
        else:
            evaluation_county.county(b, books, sources)
    elif is_monitoring(books):
        if not is_county(books, county):
            monitoring_view.township(b, books[0], th, level=1)
        else:
            monitoring_county.county(b, books, th, sources)
    elif not is_county(books, county):
        township(b, books[0], level=1)
    else:
        county_view.county(b, books, sources)
    return b


def title_of(books: Sequence[Targets], title: str | None = None, county: bool | None = None) -> str:
    """The cover title: given, the unit's, or the county's."""
    if title:
        return title
    monitoring = is_monitoring(books)
    if not is_county(books, county):
        if is_evaluation(books):
            return evaluation_view.document_title(books[0])
        return (monitoring_view.document_title if monitoring else document_title)(books[0])
    years = {plain(t.year) for t in books if t.year}
    year = years.pop() if len(years) == 1 else ""
    if is_evaluation(books):
        template = T.EVAL_COUNTY_TITLE if year else T.EVAL_COUNTY_TITLE_NO_YEAR
        return template.format(county=county_name(books), year=year)
    if monitoring:
        text = T.MON_COUNTY_TITLE.format(county=county_name(books), year=year, X="{X}")
        return L.month_label(text, month_of(books[0]))
    return T.COUNTY_TITLE.format(county=county_name(books), year=year)


def build(
    books: Sequence[Targets],
    *,
    title: str | None = None,
    toc_pages: Sequence[int] | None = None,
    county: bool | None = None,
    sources: Sequence[county_view.Source] = (),
    thresholds: monitoring_view.Thresholds | None = None,
) -> tuple[DocxDocument, Blocks]:
    """Build the document in memory.

    Args:
        books: one unit (its disclosure) or several (the county's view).
        title: the cover title; derived from the data when omitted.
        toc_pages: page number of each heading, in order (filled in after a PDF pass);
            without it the contents list has no page numbers and Word refreshes it on opening.
        county: force (or refuse) the county's view; by default several units make one.
        sources: the file used for each unit and the versions left out (county's view).
        thresholds: the project light's gaps for monitoring workbooks (the county config's).

    Returns:
        The python-docx document and the body blocks (with their headings).
    """
    body = body_blocks(books, county, sources, thresholds)
    doc = Document()
    _styles(doc)
    _page(doc.sections[0])
    front = Blocks()
    cover_title = title_of(books, title, county)
    lines = cover_title.split("\n")
    for n, line in enumerate(lines):
        last = n == len(lines) - 1
        front.para(
            line,
            S.TITLE,
            align="center",
            before=0 if n else 1800,
            after=600 if last else 0,
            line=None,
        )
    front.para(T.TOC_TITLE, S.HEADING2, align="center", after=240, line=None)
    _toc(front, body.headings, TOC_LEVELS, toc_pages)
    if toc_pages is None:
        front.para(T.TOC_HINT, S.TABLE, align="center", before=240, line=None)
        doc.settings.element.append(parse_xml(f'<w:updateFields {NSDECL} w:val="true"/>'))
    sect_end = doc.element.body.sectPr
    for xml in front.items:
        sect_end.addprevious(parse_xml(xml))
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _page(section)
    section.footer.is_linked_to_previous = False
    section._sectPr.append(parse_xml(f'<w:pgNumType {NSDECL} w:start="1"/>'))
    _footer(section)
    sect_end = doc.element.body.sectPr
    for xml in body.items:
        sect_end.addprevious(parse_xml(xml))
    doc.core_properties.title = cover_title.replace("\n", "")
    doc.core_properties.author = PUBLISH_AUTHOR  # how its PDF is recognised (outputs)
    return doc, body


def _toc(
    front: Blocks,
    headings: Sequence[tuple[int, str]],
    levels: int,
    pages: Sequence[int] | None,
) -> None:
    """A TOC field whose cached result lists the headings (with page numbers when known)."""
    entries = [(i, lv, text) for i, (lv, text) in enumerate(headings) if lv <= levels]
    tab = S.PAGE.text_width
    tabs = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{tab}"/></w:tabs>'
    instr = f'TOC \\o "1-{levels}" \\h \\z \\u'
    # The field begins in the first entry and ends in the last: Word replaces all of it.
    font = S.TOC_ENTRY
    r = rpr(font)
    start = (
        f'<w:r>{r}<w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
        f'<w:r>{r}<w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>'
        f'<w:r>{r}<w:fldChar w:fldCharType="separate"/></w:r>'
    )
    end = f'<w:r>{r}<w:fldChar w:fldCharType="end"/></w:r>'
    if not entries:
        front.para("", font, extra_runs=start + end, line=None)
        return
    for n, (i, lv, text) in enumerate(entries):
        page = str(pages[i]) if pages is not None and i < len(pages) else ""
        pre = start if n == 0 else ""
        post = end if n == len(entries) - 1 else ""
        indent = "" if lv == 1 else f'<w:ind w:left="{(lv - 1) * 420}"/>'
        xml_runs = f'{pre}<w:r>{r}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
        if page:
            xml_runs += f"<w:r>{r}<w:tab/></w:r><w:r>{r}<w:t>{page}</w:t></w:r>"
        front.items.append(
            f'<w:p {NSDECL}><w:pPr>{tabs}<w:spacing w:before="0" w:after="0" '
            f'w:line="400" w:lineRule="exact"/>{indent}<w:jc w:val="left"/>{r}</w:pPr>'
            f"{xml_runs}{post}</w:p>"
        )


def _page(section: object) -> None:
    sp = S.PAGE
    s = section  # python-docx Section; lengths in EMU via twips
    from docx.shared import Twips

    s.page_width = Twips(sp.width)  # type: ignore[attr-defined]
    s.page_height = Twips(sp.height)  # type: ignore[attr-defined]
    s.top_margin = Twips(sp.top)  # type: ignore[attr-defined]
    s.bottom_margin = Twips(sp.bottom)  # type: ignore[attr-defined]
    s.left_margin = Twips(sp.left)  # type: ignore[attr-defined]
    s.right_margin = Twips(sp.right)  # type: ignore[attr-defined]
    s.footer_distance = Twips(sp.footer)  # type: ignore[attr-defined]


def _footer(section: object) -> None:
    footer = section.footer  # type: ignore[attr-defined]
    p = footer.paragraphs[0]._p
    for child in list(p):
        p.remove(child)
    font = S.FOOTER
    r = rpr(font)
    xml = (
        f'<w:p {NSDECL}><w:pPr><w:jc w:val="center"/>{r}</w:pPr>'
        f'<w:r>{r}<w:t xml:space="preserve">— </w:t></w:r>'
        f"{field_runs('PAGE', font, '1')}"
        f'<w:r>{r}<w:t xml:space="preserve"> —</w:t></w:r></w:p>'
    )
    p.addnext(parse_xml(xml))
    p.getparent().remove(p)


def _styles(doc: DocxDocument) -> None:
    """Normal and Heading 1-3 in the official fonts, black, without theme fonts."""
    styles = doc.styles.element
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for rfonts in styles.iter(f"{w}rFonts"):
        for attr in list(rfonts.attrib):
            if attr.endswith("Theme"):
                del rfonts.attrib[attr]
    fonts = {
        "Normal": S.BODY,
        "Heading1": S.HEADING1,
        "Heading2": S.HEADING2,
        "Heading3": S.HEADING3,
    }
    for style in styles.findall(f"{w}style"):
        sid = style.get(f"{w}styleId")
        if sid not in fonts:
            continue
        old = style.find(f"{w}rPr")
        if old is not None:
            style.remove(old)
        xml = rpr(fonts[sid]).replace("<w:rPr>", f"<w:rPr {NSDECL}>")
        style.append(parse_xml(xml.replace("<w:sz ", '<w:color w:val="000000"/><w:sz ', 1)))
    defaults = styles.find(f"{w}docDefaults")
    if defaults is not None:
        for rfonts in defaults.iter(f"{w}rFonts"):
            rfonts.set(f"{w}ascii", S.LATIN)
            rfonts.set(f"{w}hAnsi", S.LATIN)
            rfonts.set(f"{w}eastAsia", S.FANGSONG)


def save(doc: DocxDocument, out: Path) -> None:
    """Write the document atomically (a crash never leaves half a file)."""
    from perfxl.write.atomic import atomic_path

    with atomic_path(out) as tmp:
        doc.save(str(tmp))
