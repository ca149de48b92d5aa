"""Table-driven tests of the pure pieces: XML text edits, cell values, cell references."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from perfxl.cells import parse_a1
from perfxl.write.patch import UnsupportedValueError
from perfxl.write.patch import xmltext as xt
from perfxl.write.patch.sheet_edit import SheetXml, widen_dimension
from perfxl.write.patch.values import encode, number_text, ooxml_string, serial

MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


@pytest.mark.parametrize(
    "tag",
    [
        '<c r="B2"/>',
        '<c r="B2" />',
        "<c r='B2' t='s'>",
        '<c\n  r="B2"\tt="n">',
        "<c>",
        '<c s="3"/>',
    ],
)
def test_set_then_del_attribute_is_byte_exact(tag: str) -> None:
    added = xt.set_attr(tag, "zz", "7")
    assert xt.get_attr(added, "zz") == "7"
    assert xt.del_attr(added, "zz") == tag


@pytest.mark.parametrize(
    ("tag", "name", "value", "expected"),
    [
        ('<c r="B2" s="3" t="s">', "s", "12", '<c r="B2" s="12" t="s">'),
        ("<c r='B2' s='3'/>", "s", "1'2", "<c r='B2' s='1&apos;2'/>"),
        ('<x a="1"/>', "b", 'q"<&', '<x a="1" b="q&quot;&lt;&amp;"/>'),
        ('<x a="&gt;"/>', "a", ">", '<x a="&gt;"/>'),
    ],
)
def test_set_attribute(tag: str, name: str, value: str, expected: str) -> None:
    assert xt.set_attr(tag, name, value) == expected


def test_find_handles_nesting_comments_and_quoted_brackets() -> None:
    text = '<a><b x=">"><b/><b>t</b></b><bb/><b y="1"/></a>'
    spans = xt.find_all(text, "b", 3)
    assert [text[s.start : s.end] for s in spans] == ['<b x=">"><b/><b>t</b></b>', '<b y="1"/>']
    assert spans[0].inner(text) == "<b/><b>t</b>"
    assert xt.unescape("&lt;&#x4E00;&#20108;&amp;&quot;") == '<一二&"'
    assert xt.splice("abcdef", [(4, 4, "Y"), (1, 2, "X"), (4, 4, "Z")]) == "aXcdYZef"


def _end_by_regex(text: str, qname: str, tag_end: int) -> int | None:
    """The element's end as the regex scan over every "<" finds it (the reference)."""
    if text[tag_end - 2] == "/":
        return tag_end
    depth = 1
    for m in xt._open_or_close_re(qname).finditer(text, tag_end):
        if m.group(0).startswith("</"):
            depth -= 1
            if depth == 0:
                return m.end()
        elif not m.group(0).endswith("/>"):
            depth += 1
    return None


@pytest.mark.parametrize(
    ("text", "qname"),
    [
        ('<a><b x=">"><b/><b>t</b></b><bb/><b y="1"/></a>', "b"),
        ("<r><c><col/><cx>1</cx><c>2</c ></c><c/></r>", "c"),  # a shared prefix, "</c >"
        ('<s><sheetData a="</sheetData>"><row/></sheetData></s>', "sheetData"),
        ("<x:c><x:c/><x:c>y</x:c><c></c></x:c>", "x:c"),
        ("<b><b></b>", "b"),  # unclosed
        ("<b><bb></b", "b"),
        ("<b>text</b-not></b>", "b"),
    ],
)
def test_element_end_is_the_regex_scans(text: str, qname: str) -> None:
    """``_element_end`` jumps with str.find to where a match can start: the same ends."""
    m = xt._start_re(qname).search(text)
    assert m is not None
    want = _end_by_regex(text, qname, m.end())
    if want is None:
        with pytest.raises(ValueError):
            xt._element_end(text, qname, m.end())
    else:
        assert xt._element_end(text, qname, m.end()) == want


@pytest.mark.parametrize(
    ("escaped", "text"),
    [
        ("IF(&apos;1.项目&apos;!C5=&quot;&quot;,&quot;&quot;,1)", 'IF(\'1.项目\'!C5="","",1)'),
        ("&amp;lt; &amp;amp; &amp;#65;", "&lt; &amp; &#65;"),  # one pass: no double unescaping
        ("a &lt&gt; &bogus; &", "a &lt> &bogus; &"),  # not entities: left as they stand
        ("&amp;&#65;&#x42;&quot;", '&AB"'),  # character references take the general path
    ],
)
def test_unescape_reads_each_entity_once_left_to_right(escaped: str, text: str) -> None:
    assert xt.unescape(escaped) == text


@pytest.mark.parametrize(
    ("value", "t", "body"),
    [
        (3, None, "<v>3</v>"),
        (3.0, None, "<v>3</v>"),
        (0.1, None, "<v>0.1</v>"),
        (1e20, None, "<v>1E+20</v>"),
        (-2.5e-7, None, "<v>-2.5E-07</v>"),
        (Decimal("83380.50"), None, "<v>83380.5</v>"),
        (True, "b", "<v>1</v>"),
        (False, "b", "<v>0</v>"),
        ("=SUM(A1)", "inlineStr", "<is><t>=SUM(A1)</t></is>"),
        ("≥95%", "inlineStr", "<is><t>≥95%</t></is>"),
        ("a<b&c", "inlineStr", "<is><t>a&lt;b&amp;c</t></is>"),
        (" 空格 ", "inlineStr", '<is><t xml:space="preserve"> 空格 </t></is>'),
        ("两\n行", "inlineStr", '<is><t xml:space="preserve">两\n行</t></is>'),
        (None, None, ""),
        (dt.date(2024, 1, 1), None, "<v>45292</v>"),
        (dt.datetime(2024, 1, 1, 12), None, "<v>45292.5</v>"),
        (dt.time(6), None, "<v>0.25</v>"),
    ],
)
def test_encode(value: object, t: str | None, body: str) -> None:
    enc = encode(value)  # type: ignore[arg-type]
    assert (enc.t, enc.body) == (t, body)


def test_cached_results_and_formula_like_text() -> None:
    assert (encode("待定").cached_t, encode("待定").cached_v) == ("str", "待定")
    assert (encode(1.5).cached_t, encode(1.5).cached_v) == (None, "1.5")
    assert encode(None).cached_v is None
    assert encode(True).cached_t == "b"


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("_x0041_", "_x005F_x0041_"),
        ("a\x01b", "a_x0001_b"),
        ("\r\n", "_x000D_\n"),
        ("_x41_", "_x41_"),
    ],
)
def test_ooxml_string_escapes(raw: str, escaped: str) -> None:
    assert ooxml_string(raw) == escaped


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "\ud800", "x" * 32768, b"bytes", [1]])
def test_unsupported_values(bad: object) -> None:
    with pytest.raises(UnsupportedValueError):
        encode(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("day", "n1900"),
    [
        (dt.date(1900, 1, 1), 1),
        (dt.date(1900, 2, 28), 59),
        (dt.date(1900, 3, 1), 61),
        (dt.date(2024, 1, 1), 45292),
    ],
)
def test_serial_dates_1900(day: dt.date, n1900: int) -> None:
    assert serial(day) == n1900  # with Excel's fictitious 1900-02-29 = 60
    assert number_text(serial(day)) == str(n1900)


@pytest.mark.parametrize(
    ("day", "n1904"),
    [(dt.date(1904, 1, 1), 0), (dt.date(1904, 1, 2), 1), (dt.date(2024, 1, 1), 45292 - 1462)],
)
def test_serial_dates_1904(day: dt.date, n1904: int) -> None:
    assert serial(day, date1904=True) == n1904


@pytest.mark.parametrize(
    ("ref", "expected"),
    [("A1", (1, 1)), ("Z9", (9, 26)), ("AA10", (10, 27)), ("XFD1048576", (1048576, 16384))],
)
def test_split_ref(ref: str, expected: tuple[int, int]) -> None:
    assert parse_a1(ref, strict=True) == expected


@pytest.mark.parametrize("bad", ["A0", "XFE1", "A1048577", "1A", "a1", "A1:B2", ""])
def test_split_ref_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_a1(bad, strict=True)


def test_rows_and_cells_without_r_attributes() -> None:
    xml = f'<worksheet {MAIN}><sheetData><row><c><v>1</v></c><c><v>2</v></c></row><row r="3"><c r="C3"/></row></sheetData></worksheet>'
    sx = SheetXml(xml, "s.xml")
    assert [r.num for r in sx.rows()] == [1, 3]
    assert sx.cell(1, 2) == "<c><v>2</v></c>"
    sx.put(1, 4, '<c r="D1"><v>4</v></c>')
    sx.put(2, 1, '<c r="A2"/>')
    out = sx.render()
    assert (
        '<row><c><v>1</v></c><c><v>2</v></c><c r="D1"><v>4</v></c></row><row r="2"><c r="A2"/></row><row r="3">'
        in out
    )


def test_rows_are_found_scanning_only_as_far_as_needed() -> None:
    """`row` scans rows one at a time while they ascend; each lookup answers as the whole
    list does (rows without ``r`` count on from the last one, a missing row is None)."""
    rows = '<row r="2"><c r="A2"><v>2</v></c></row><row><c r="A3"/></row><row r="5" s="1"/>'
    xml = f'<worksheet {MAIN}><sheetData>{rows}<row r="9"/></sheetData></worksheet>'
    sx = SheetXml(xml, "lazy1.xml")
    assert sx.row(3) is not None and sx.row(3).span.start_tag(xml) == "<row>"
    assert sx._ix._rows is None  # the rows after row 3 are not scanned yet
    assert sx.row(1) is None and sx.row(4) is None
    assert sx.row(5) is not None and sx.row(5).span.start_tag(xml) == '<row r="5" s="1"/>'
    assert sx.row(12) is None and sx.row(9) is not None
    assert [r.num for r in sx.rows()] == [2, 3, 5, 9]
    whole = SheetXml(xml.replace("<worksheet", "<worksheet "), "lazy2.xml")
    whole.rows()
    for n in range(12):
        a, b = whole.row(n), SheetXml(xml, f"lazy3-{n}.xml").row(n)
        assert (a and a.span.start_tag(whole.text)) == (b and b.span.start_tag(xml))


def test_rows_out_of_order_are_looked_up_in_the_whole_list() -> None:
    xml = (
        f'<worksheet {MAIN}><sheetData><row r="4"/><row r="2"/><row r="7"/></sheetData></worksheet>'
    )
    sx = SheetXml(xml, "unsorted.xml")
    assert sx.row(9) is None  # the scan meets 2 after 4 and falls back
    assert sx._ix._rows is not None and [r.num for r in sx._ix._rows] == [4, 2, 7]
    assert sx.row(7) is not None and sx.row(7).span.start_tag(xml) == '<row r="7"/>'


@pytest.mark.parametrize(
    ("ref", "cells", "expected"),
    [
        ("A1", [(5, 3)], "A1:C5"),
        ("B2:C3", [(1, 1)], "A1:C3"),
        ("A1:Z99", [(5, 5)], "A1:Z99"),
        ("", [(2, 2)], "B2"),
    ],
)
def test_widen_dimension(ref: str, cells: list[tuple[int, int]], expected: str) -> None:
    xml = f'<worksheet {MAIN}><dimension ref="{ref}"/><sheetData/></worksheet>'
    assert f'<dimension ref="{expected}"/>' in widen_dimension(xml, "", cells)


@pytest.mark.parametrize(
    ("part_name", "found"),
    [
        ("/xl/workbook.xml", "application/x-main"),
        ("/XL/Workbook.xml", "application/x-main"),  # part names are case-insensitive
        ("&#x2F;xl/workbook.xml", "application/x-main"),  # behind a character reference
        ("/xl/other.xml", "application/xml"),  # no Override: the Default by extension
    ],
)
def test_content_type_of_a_part(part_name: str, found: str) -> None:
    import io
    import zipfile

    from perfxl.write.patch.opc import content_type
    from perfxl.write.patch.package import Package

    ct = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/x-styles"/>'
        f'<Override PartName="{part_name}" ContentType="application/x-main"/></Types>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("xl/workbook.xml", "<workbook/>")
    assert content_type(Package(buf.getvalue()), "xl/workbook.xml") == found
    assert content_type(Package(buf.getvalue()), "xl/styles.xml") == "application/x-styles"
