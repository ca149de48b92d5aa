"""The standard workbook: structure, labels beside their values, protection, print setup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from perfxl.model import Targets
from perfxl.read import read_workbook
from perfxl.write.fill import fill_into, project_sheet_name, template, write_new


def _find(ws: Any, text: str) -> Any:
    """The cell holding a label (white space ignored), searched over the whole sheet."""
    want = "".join(text.split())
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and "".join(cell.value.split()) == want:
                return cell
    raise AssertionError(f"label {text!r} not on sheet {ws.title}")


def _right(ws: Any, cell: Any) -> Any:
    """The first cell right of a (possibly merged) label cell."""
    for rng in ws.merged_cells.ranges:
        if cell.coordinate in rng:
            return ws.cell(row=cell.row, column=rng.max_col + 1).value
    return ws.cell(row=cell.row, column=cell.column + 1).value


def test_every_seed_value_sits_beside_its_label(
    example_book: Path, example_data: dict[str, Any]
) -> None:
    wb = openpyxl.load_workbook(example_book)
    sheets = wb.worksheets[2:]
    assert len(sheets) == 19
    for ws, p in zip(sheets, example_data["projects"], strict=True):
        assert _right(ws, _find(ws, "项目编码")) == p["code"]
        assert _right(ws, _find(ws, "项目名称")) == p["name"]
        assert _right(ws, _find(ws, "预算数")) == p["budget"]
        assert _right(ws, _find(ws, "其中：财政资金")) == p["fiscal_funds"]
        assert _right(ws, _find(ws, "其他资金")) == p["other_funds"]
        assert _right(ws, _find(ws, "绩效目标")) == "\n".join(p["goals"])
        # the purpose row sits under 预算数 (unlabelled, as in the published table)
        budget = _find(ws, "预算数")
        assert ws.cell(row=budget.row + 1, column=budget.column).value == p["purpose"]
        for label, key in zip(
            ("3月底", "6月底", "10月底", "12月底"), ("mar", "jun", "oct", "dec"), strict=True
        ):
            head = _find(ws, label)
            assert ws.cell(row=head.row + 1, column=head.column).value == p["plan"][key], (
                ws.title,
                label,
            )
        header = _find(ws, "一级指标")
        cols = {
            k: _find(ws, t).column
            for k, t in (
                ("level2", "二级指标"),
                ("level3", "三级指标"),
                ("description", "绩效指标描述"),
                ("target", "指标值"),
                ("basis", "指标值确定依据"),
            )
        }
        level1 = None
        for i, ind in enumerate(p["indicators"]):
            r = header.row + 1 + i
            level1 = ws.cell(row=r, column=header.column).value or level1
            assert level1 == ind["level1"]
            for k, c in cols.items():
                assert ws.cell(row=r, column=c).value == ind[k], (ws.title, r, k)
        assert ws["A2"].value == "910001巨鹿县苏营镇人民政府本级"
        assert _find(ws, "单位：万元")


def test_sheet_names_follow_the_projects(example_book: Path) -> None:
    wb = openpyxl.load_workbook(example_book)
    assert wb.sheetnames[:3] == ["封面", "部门整体绩效目标", "1.“凤还巢”大学生村干部工资及保险"]
    assert all(len(n) <= 31 for n in wb.sheetnames)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("道路/桥梁[一期]:维修?", "1.道路_桥梁_一期__维修_"),
        (None, "项目1"),
        ("x" * 40, "1." + "x" * 29),
    ],
)
def test_project_sheet_name(name: Any, expected: str) -> None:
    assert project_sheet_name(0, name, set()) == expected


def test_project_sheet_names_are_unique() -> None:
    taken: set[str] = set()
    a = project_sheet_name(0, "同名" + "长" * 40, taken)
    b = project_sheet_name(0, "同名" + "长" * 40, taken)
    assert a != b and len(b) <= 31


def test_template_structure(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    template(out, projects=2, unit_code="910001", unit_name="某镇", year=2024)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["封面", "部门整体绩效目标", "项目1", "项目2"]
    cover = wb["封面"]
    assert (cover["B3"].value, cover["B4"].value, cover["B5"].value, cover["B7"].value) == (
        "910001",
        "某镇",
        2024,
        "2015",
    )
    ws = wb["项目1"]
    # protection without a password, labels locked, inputs unlocked and shaded
    assert ws.protection.sheet and not ws.protection.password
    assert ws["A3"].protection.locked and not ws["B3"].protection.locked
    assert ws["B3"].fill.fgColor.rgb.endswith("FFF8E1")
    # 20 indicator rows with dropdowns from the framework, decimal validation on amounts
    lists = {
        str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"
    }
    assert lists["A11:A30"] == '"产出指标,效益指标,满意度指标"'
    assert "服务对象满意度指标" in lists["B11:B30"]
    decimal = [dv for dv in ws.data_validations.dataValidation if dv.type == "decimal"]
    assert decimal and {"C4", "E4", "G4", "B7", "E7"} <= set(str(decimal[0].sqref).split())
    assert all(not ws.cell(row=r, column=1).protection.locked for r in range(11, 31))
    # print: A4 portrait, one page wide
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "portrait"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    # the percentage row holds formulas over the amounts
    assert ws["B8"].value.startswith("=IF(N($C$4)=0") and ws["B8"].number_format == "0.00%"
    assert ws["A1"].value.startswith("=IF(E3=")
    assert ws["A1"].font.name == "黑体" and ws["B3"].font.name == "宋体"
    # cover rows link to the project sheets
    assert (
        cover["B11"].hyperlink.location == "'项目1'!A1"
        or cover["B11"].hyperlink.target == "#'项目1'!A1"
    )


def test_template_2021_framework_dropdowns(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    template(out, projects=1, framework="2021")
    ws = openpyxl.load_workbook(out)["项目1"]
    lists = {
        str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"
    }
    assert lists["A11:A30"] == '"产出指标,成本指标,效益指标,满意度指标"'


def test_more_than_twenty_indicators_extend_the_table(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    data = dict(example_data)
    p = dict(example_data["projects"][0])
    p["indicators"] = p["indicators"] * 5  # 30 rows
    data["projects"] = [p]
    out = tmp_path / "big.xlsx"
    write_new(Targets.from_dict(data), out)
    assert read_workbook(out).targets.to_dict()["projects"][0]["indicators"] == p["indicators"]


def test_fill_into_changes_only_input_cells(tmp_path: Path, example_data: dict[str, Any]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    book = tmp_path / "book.xlsx"
    first = dict(example_data, projects=example_data["projects"][:2])
    write_new(Targets.from_dict(first), book)
    wb = openpyxl.load_workbook(book)
    ws = wb.worksheets[2]
    ws["A3"].comment = Comment("请按财政局编码填写", "审核员")
    ws["D3"].font = Font(name="楷体", size=14, color="FF0000")
    ws.column_dimensions["C"].width = 33
    extra = wb.create_sheet("我的笔记")
    extra["A1"] = "保留我"
    wb.save(book)

    second = dict(example_data, projects=example_data["projects"][5:8])
    notes = fill_into(Targets.from_dict(second), book, book)
    assert notes == ["新增工作表“3.老漳河东岸休闲农业园区占地补偿款”"]
    res = read_workbook(book)
    assert res.targets.to_dict() == second
    wb2 = openpyxl.load_workbook(book)
    ws2 = wb2.worksheets[2]
    assert ws2["A3"].comment is not None and ws2["A3"].comment.text == "请按财政局编码填写"
    assert ws2["D3"].font.name == "楷体" and ws2["D3"].font.color.rgb.endswith("FF0000")
    assert ws2.column_dimensions["C"].width == 33
    assert wb2["我的笔记"]["A1"].value == "保留我"
    assert ws2.title == wb.worksheets[2].title  # sheets are not renamed


def test_fill_into_removes_surplus_project_sheets(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    book = tmp_path / "book.xlsx"
    write_new(Targets.from_dict(dict(example_data, projects=example_data["projects"][:3])), book)
    one = dict(example_data, projects=example_data["projects"][3:4])
    notes = fill_into(Targets.from_dict(one), book, tmp_path / "out.xlsx")
    assert len(notes) == 2 and all(n.startswith("删除") for n in notes)
    assert read_workbook(tmp_path / "out.xlsx").targets.to_dict() == one
