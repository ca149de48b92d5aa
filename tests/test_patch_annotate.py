"""Annotations: fills, merged comments, the 校验结果 sheet; idempotent and reversible."""

from __future__ import annotations

import html
import re
from pathlib import Path

import openpyxl
import patchfixtures as pf
import pytest
import python_calamine

from perfxl.problems import Problem
from perfxl.write.patch import Annotation, WorkbookPatch, annotate, clear_annotations
from perfxl.write.patch.manifest import CHUNK

pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")

P = pf.PROJECT
RESULTS = "校验结果"
ANNOTATIONS = [
    Annotation(P, "B4", "error", "预算数应大于 0。请填写预算数。", "budget.positive"),
    Annotation(P, "B4", "info", "预算数来自上年批复。", "budget.source"),
    Annotation(P, "A9", "warning", "3月底计划偏低。", "plan.low"),
    Annotation(P, "E15", "info", "此处无数据。"),
    Annotation(P, "A3", "error", "项目名称过短。", "name.short"),  # the user has a comment there
    Annotation(P, "A10:D10", "warning", "累计进度应逐期不减。", "plan.decreasing"),
    Annotation("参数", "B1", "error", "年度不对。", "year"),
    Annotation(None, None, "info", "文件级提示。", "file.note"),
    Annotation("不存在", "A1", "warning", "缺少工作表。", "sheet.missing"),
]
FILLED = {"B4", "A9", "E15", "A3", "A10", "B10", "C10", "D10"}


def grids(path: Path) -> dict[str, list[list[object]]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in book.sheet_names}


def style_ids(cell: object) -> list[int]:
    style = getattr(cell, "_style", None)
    return list(style) if style is not None else [0] * 9


@pytest.fixture(params=[False, True], ids=["xlsx", "xlsm"])
def rich(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return pf.rich_workbook(tmp_path, xlsm=request.param)


def test_cells_are_filled_with_their_own_style_kept(rich: Path, tmp_path: Path) -> None:
    out = tmp_path / f"a{rich.suffix}"
    result = annotate(rich, ANNOTATIONS, out=out)
    assert result.cells_annotated == len(FILLED) + 1  # + 参数!B1
    ws_old = openpyxl.load_workbook(rich)[P]
    wb = openpyxl.load_workbook(out)
    ws = wb[P]
    assert ws["B4"].fill.fgColor.rgb == "FFFFC7CE"  # the worst severity wins
    assert ws["A9"].fill.fgColor.rgb == "FFFFEB9C"
    assert ws["E15"].fill.fgColor.rgb == "FFDDEBF7"
    assert {ws[f"{c}10"].fill.fgColor.rgb for c in "ABCD"} == {"FFFFEB9C"}
    assert wb["参数"]["B1"].fill.fgColor.rgb == "FFFFC7CE"
    for ref in FILLED:  # font, border, number format, alignment, protection, parent style: same ids
        new_ids, old_ids = style_ids(ws[ref]), style_ids(ws_old[ref])
        assert new_ids[:1] + new_ids[2:] == old_ids[:1] + old_ids[2:], ref
        assert ws[ref].number_format == ws_old[ref].number_format
    # Values never change: every sheet reads the same (plus the new 校验结果).
    new = grids(out)
    assert new.pop(RESULTS)
    assert new == grids(rich)


def test_only_style_attributes_change_in_sheet_xml(rich: Path, tmp_path: Path) -> None:
    out = tmp_path / f"a{rich.suffix}"
    annotate(rich, ANNOTATIONS, out=out)
    part = pf.sheet_part(rich, P)
    old, new = pf.parts(rich)[part], pf.parts(out)[part]
    assert pf.without_cells(old, FILLED) == pf.without_cells(new, FILLED, drop=("dimension",))
    assert re.search(rb"<dimension [^>]*>", old).group(0) == re.search(
        rb"<dimension [^>]*>", new
    ).group(0)  # type: ignore[union-attr]
    before, after = pf.cells_snapshot(old), pf.cells_snapshot(new)
    for ref in FILLED:
        if ref in before:
            assert after[ref][1:] == before[ref][1:]  # same type and children: only s changed
        else:
            assert after[ref][1:] == (None, [])  # a new, empty, styled cell
    # A sheet without comments gets <legacyDrawing> and nothing else.
    p2 = pf.sheet_part(rich, "参数")
    old2, new2 = pf.parts(rich)[p2], pf.parts(out)[p2]
    assert pf.without_cells(old2, {"B1"}) == pf.without_cells(
        new2, {"B1"}, drop=("dimension", "legacyDrawing")
    )


def test_comments_merge_with_the_users(rich: Path, tmp_path: Path) -> None:
    out = tmp_path / f"a{rich.suffix}"
    result = annotate(rich, ANNOTATIONS, out=out)
    assert result.comments_skipped == (f"{P}!A3",)
    ws = openpyxl.load_workbook(out)[P]
    assert (ws["A3"].comment.author, ws["A3"].comment.text) == ("张三", "请填写项目全称")
    assert (ws["B5"].comment.author, ws["B5"].comment.text) == ("李四", "含上级补助")
    assert ws["B4"].comment.author == "perfxl"
    assert ws["B4"].comment.text == (
        "【错误】budget.positive：预算数应大于 0。请填写预算数。\n【提示】budget.source：预算数来自上年批复。"
    )
    assert ws["A10"].comment.author == "perfxl" and ws["B10"].comment is None  # range: first cell
    old, new = pf.parts(rich), pf.parts(out)
    for user_comment in re.findall(rb"<comment .*?</comment>", old["xl/comments1.xml"]):
        assert user_comment in new["xl/comments1.xml"]  # byte for byte
    for shape in re.findall(rb"<v:shape .*?</v:shape>", old["xl/drawings/vmlDrawing1.vml"], re.S):
        assert shape in new["xl/drawings/vmlDrawing1.vml"]  # the button and the user's notes
    assert b"[0]!Hello" in new["xl/drawings/vmlDrawing1.vml"]
    notes = re.findall(rb'ObjectType="Note"', new["xl/drawings/vmlDrawing1.vml"])
    assert len(notes) == 2 + 4  # the user's two, B4, A9, E15, A10
    assert openpyxl.load_workbook(out)["参数"]["B1"].comment.text == "【错误】year：年度不对。"


def test_results_sheet_lists_every_problem_with_links(rich: Path, tmp_path: Path) -> None:
    out = tmp_path / f"a{rich.suffix}"
    annotate(rich, ANNOTATIONS, out=out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[-1] == RESULTS
    ws = wb[RESULTS]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == ["工作表", "单元格", "级别", "规则", "说明"]
    assert len(rows) == 1 + len(ANNOTATIONS)
    assert rows[1] == [P, "B4", "错误", "budget.positive", "预算数应大于 0。请填写预算数。"]
    assert rows[8] == [None, None, "提示", "file.note", "文件级提示。"]
    assert rows[9] == ["不存在", "A1", "警告", "sheet.missing", "缺少工作表。"]
    links = {
        c.coordinate: c.hyperlink.location for row in ws.iter_rows() for c in row if c.hyperlink
    }
    assert links["B2"] == f"'{P}'!B4"
    assert links["B7"] == f"'{P}'!A10:D10"
    assert links["B8"] == "'参数'!B1"
    assert "B9" not in links and "B10" not in links  # nothing to link to
    assert ws["A1"].font.b and ws["B2"].font.u == "single"
    # Defined names and hidden states are untouched by the extra sheet.
    assert wb.defined_names["预算数"].attr_text == f"'{P}'!$B$4"
    assert wb["内部"].sheet_state == "veryHidden"


def test_annotating_twice_gives_the_same_bytes(rich: Path, tmp_path: Path) -> None:
    once = tmp_path / f"once{rich.suffix}"
    annotate(rich, ANNOTATIONS, out=once)
    twice = tmp_path / f"twice{rich.suffix}"
    annotate(once, ANNOTATIONS, out=twice)
    assert twice.read_bytes() == once.read_bytes()
    # In place too, and the backup is the previous file.
    before = once.read_bytes()
    result = annotate(once, ANNOTATIONS)
    assert once.read_bytes() == before
    assert result.path is None and result.backup is None  # nothing changed: nothing written


def test_clear_gives_back_the_original(rich: Path, tmp_path: Path) -> None:
    annotated = tmp_path / f"a{rich.suffix}"
    annotate(rich, ANNOTATIONS, out=annotated)
    cleared = tmp_path / f"c{rich.suffix}"
    result = clear_annotations(annotated, out=cleared)
    assert result.restore_skipped == ()
    assert pf.names(cleared) == pf.names(rich)
    old, new = pf.parts(rich), pf.parts(cleared)
    for name in old:
        if name != "xl/styles.xml":
            assert new[name] == old[name], name
    # styles.xml only gained entries at the ends of its lists; every cell points at its old xf.
    assert len(new["xl/styles.xml"]) > len(old["xl/styles.xml"])
    for sheet in ("项目1", "参数", "明细", "内部"):
        part = pf.sheet_part(rich, sheet)
        assert pf.cells_snapshot(new[part]) == pf.cells_snapshot(old[part])
    assert grids(cleared) == grids(rich)


@pytest.mark.parametrize(
    "builder", [pf.openpyxl_workbook, pf.excel_template], ids=["openpyxl", "excel"]
)
def test_other_writers_round_trip(tmp_path: Path, builder) -> None:  # type: ignore[no-untyped-def]
    src = builder(tmp_path)
    sheet = "Sheet1" if src.suffix == ".xlsm" else P
    anns = [
        Annotation(sheet, "A1", "error", "一"),
        Annotation(sheet, "C5", "warning", "二"),
        Annotation(sheet, "F20", "info", "三"),
    ]
    a1, a2, c = (
        tmp_path / f"a1{src.suffix}",
        tmp_path / f"a2{src.suffix}",
        tmp_path / f"c{src.suffix}",
    )
    annotate(src, anns, out=a1)
    annotate(a1, anns, out=a2)
    assert a1.read_bytes() == a2.read_bytes()
    ws = openpyxl.load_workbook(a1)[sheet]
    assert ws["C5"].fill.fgColor.rgb == "FFFFEB9C"
    assert ws["F20"].comment.text == "【提示】三"
    clear_annotations(a1, out=c)
    old, new = pf.parts(src), pf.parts(c)
    assert sorted(old) == sorted(new)
    assert {n for n in old if old[n] != new[n]} <= {"xl/styles.xml"}


def test_reannotating_replaces_the_old_problems(rich: Path, tmp_path: Path) -> None:
    first = tmp_path / f"1{rich.suffix}"
    annotate(rich, ANNOTATIONS, out=first)
    second = tmp_path / f"2{rich.suffix}"
    annotate(first, [Annotation(P, "C4", "warning", "只剩这一条")], out=second)
    old, new = openpyxl.load_workbook(rich)[P], openpyxl.load_workbook(second)[P]
    for ref in FILLED:
        assert style_ids(new[ref]) == style_ids(old[ref])
        assert new[ref].comment is None or new[ref].comment.author != "perfxl"
    assert new["C4"].fill.fgColor.rgb == "FFFFEB9C"
    rows = list(openpyxl.load_workbook(second)[RESULTS].iter_rows(values_only=True))
    assert len(rows) == 2


def test_a_cell_restyled_after_annotating_is_left_alone(rich: Path, tmp_path: Path) -> None:
    patch = WorkbookPatch(rich.read_bytes())
    patch.annotate(ANNOTATIONS)
    part = pf.sheet_part(rich, P)
    text = patch.pkg.text(part)
    text = re.sub(r'(<c r="A9" s=")\d+"', r'\g<1>0"', text)  # the user picks another format
    patch.pkg.set_text(part, text)
    assert patch.clear_annotations() == len(FILLED)  # 8 restored + 参数!B1, A9 skipped
    assert patch.restore_skipped == [f"{P}!A9"]


def test_many_cells_and_problem_records(rich: Path, tmp_path: Path) -> None:
    problems = [Problem(rule="grid", severity="info", message="格", sheet=P, cell="A40:AD69")]
    out = tmp_path / f"m{rich.suffix}"
    result = annotate(rich, problems, out=out)
    assert result.cells_annotated == 900
    custom = pf.parts(out)["docProps/custom.xml"].decode()
    chunks = re.findall(r"<vt:lpwstr>(.*?)</vt:lpwstr>", custom)
    assert len(chunks) > 20 and all(len(html.unescape(c)) <= CHUNK for c in chunks)
    cleared = tmp_path / f"c{rich.suffix}"
    clear_annotations(out, out=cleared)
    assert pf.parts(cleared)[pf.sheet_part(rich, P)] == pf.parts(rich)[pf.sheet_part(rich, P)]
    assert "docProps/custom.xml" not in pf.parts(cleared)


def test_user_custom_properties_are_kept(tmp_path: Path) -> None:
    import xlsxwriter

    src = tmp_path / "props.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    wb.add_worksheet("S").write("A1", 1)
    wb.set_custom_property("填报单位", "某某镇")
    wb.close()
    a = tmp_path / "a.xlsx"
    annotate(src, [Annotation("S", "A1", "error", "x")], out=a)
    custom = pf.parts(a)["docProps/custom.xml"].decode()
    assert "某某镇" in custom and "perfxl.annotations.1" in custom
    c = tmp_path / "c.xlsx"
    clear_annotations(a, out=c)
    assert pf.parts(c)["docProps/custom.xml"] == pf.parts(src)["docProps/custom.xml"]


def test_annotating_changes_only_the_parts_it_must(rich: Path, tmp_path: Path) -> None:
    out = tmp_path / f"a{rich.suffix}"
    result = annotate(rich, ANNOTATIONS, out=out)
    main, params = pf.sheet_part(rich, P), pf.sheet_part(rich, "参数")
    assert set(result.changed_parts) == {
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/_rels/workbook.xml.rels",
        "xl/workbook.xml",
        "xl/styles.xml",
        main,
        "xl/comments1.xml",
        "xl/drawings/vmlDrawing1.vml",
        params,
        "xl/worksheets/_rels/sheet3.xml.rels",
        "xl/comments2.xml",
        "xl/drawings/vmlDrawing2.vml",
        "xl/worksheets/sheet5.xml",
        "docProps/custom.xml",
    }
    assert pf.names(out)[: len(pf.names(rich))] == pf.names(rich)  # new parts go at the end
    before, after = pf.raw_entries(rich), pf.raw_entries(out)
    for name in before:
        if name not in result.changed_parts:
            assert after[name] == before[name], name
    wb_old, wb_new = (
        pf.parts(rich)["xl/workbook.xml"].decode(),
        pf.parts(out)["xl/workbook.xml"].decode(),
    )
    tab = re.search(r'<sheet name="校验结果" sheetId="5" r:id="rId\d+"/>', wb_new)
    assert tab is not None and wb_new.replace(tab.group(0), "") == wb_old


def test_clear_after_a_number_format_was_written_keeps_the_format(
    rich: Path, tmp_path: Path
) -> None:
    from perfxl.write.patch import CellWrite

    patch = WorkbookPatch(rich.read_bytes())
    patch.annotate([Annotation(P, "B4", "error", "x")])
    patch.write_cells([CellWrite(P, "B4", 0.5, number_format="0.0%")])
    patch.clear_annotations()
    assert patch.restore_skipped == []
    out = tmp_path / f"o{rich.suffix}"
    patch.save(out)
    old, new = openpyxl.load_workbook(rich)[P]["B4"], openpyxl.load_workbook(out)[P]["B4"]
    assert new.number_format == "0.0%" and new.value == 0.5
    assert new.fill.fgColor.rgb == old.fill.fgColor.rgb  # the perfxl fill is gone
    assert new.border.left.style == old.border.left.style == "thin"


def test_removing_the_results_sheet_shifts_sheet_scoped_names(tmp_path: Path) -> None:
    import xlsxwriter

    src = tmp_path / "names.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    for name in ("一", "二"):
        wb.add_worksheet(name).write("A1", name)
    wb.define_name("二!本地", "=二!$A$1")
    wb.worksheets()[1].print_area("A1:B2")
    wb.worksheets()[1].activate()
    wb.close()
    annotated = tmp_path / "a.xlsx"
    annotate(src, [Annotation("一", "A1", "info", "x")], out=annotated)
    # The user drags 校验结果 to the front in Excel: tabs and sheet-scoped names move.
    patch = WorkbookPatch(annotated.read_bytes())
    text = patch.pkg.text("xl/workbook.xml")
    tab = re.search(r'<sheet name="校验结果"[^>]*/>', text)
    assert tab is not None
    text = text.replace(tab.group(0), "").replace("<sheets>", "<sheets>" + tab.group(0))
    text = text.replace('localSheetId="1"', 'localSheetId="2"').replace(
        'activeTab="1"', 'activeTab="2"'
    )
    patch.pkg.set_text("xl/workbook.xml", text)
    patch.clear_annotations()
    cleared = tmp_path / "c.xlsx"
    patch.save(cleared)
    assert pf.parts(cleared)["xl/workbook.xml"] == pf.parts(src)["xl/workbook.xml"]
