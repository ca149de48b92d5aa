"""The reader on small grids built inline, not on workbooks perfxl wrote.

Each case is a handful of sheets given as ``{cell: value}`` (plus markdown-like indicator
rows), the way staff leave a form: labels moved by inserted rows or columns, renamed sheets,
merged 一级指标, amounts typed as text, a deleted label, a missing cover … The expected
model fields (by JSON pointer), the problem records (rule, sheet, cell, pointer, value), the
locations and what each sheet was taken for are written out in the case. The cells, labels
and addresses are spelled out here on purpose: they are the form as printed, an independent
statement of what ``perfxl.layout`` declares.

Every case is read from a ``Grid`` built directly (the core: grid + layout -> model) and
again from a tiny .xlsx written with openpyxl under ``tmp_path``, through both engines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
    range_boundaries,
)

from perfxl.grid import Grid, Sheet
from perfxl.read import ReadResult, read_grid_model, read_workbook

Cells = dict[str, Any]


# --- building sheets ------------------------------------------------------------------------
def table(text: str, first_row: int) -> Cells:
    """Markdown-like rows ``| a | b | … |`` as cells from column A of ``first_row`` on.

    An empty row (``|``) is an empty sheet row; an empty field is an empty cell.
    """
    cells: Cells = {}
    lines = [ln.strip() for ln in text.strip().splitlines()]
    for i, line in enumerate(lines):
        fields = [f.strip() for f in line.strip("|").split("|")]
        for c, value in enumerate(fields, start=1):
            if value:
                cells[f"{get_column_letter(c)}{first_row + i}"] = value
    return cells


def shifted(cells: Mapping[str, Any], rows: int = 0, cols: int = 0) -> Cells:
    """The cells as they sit after ``rows`` rows inserted above and ``cols`` columns left."""
    out: Cells = {}
    for ref, value in cells.items():
        col, row = coordinate_from_string(ref)
        out[f"{get_column_letter(column_index_from_string(col) + cols)}{row + rows}"] = value
    return out


def shifted_range(span: str, rows: int = 0, cols: int = 0) -> str:
    c1, r1, c2, r2 = range_boundaries(span)
    assert c1 is not None and r1 is not None and c2 is not None and r2 is not None
    return f"{get_column_letter(c1 + cols)}{r1 + rows}:{get_column_letter(c2 + cols)}{r2 + rows}"


@dataclass(frozen=True)
class SheetSpec:
    """A sheet as the test writes it; ``None`` values (deleted cells) are left out."""

    name: str
    cells: Mapping[str, Any]
    merged: Sequence[str] = ()

    def to_sheet(self) -> Sheet:
        filled = {coordinate_from_string(ref): v for ref, v in self.cells.items() if v is not None}
        at = {(row, column_index_from_string(col)): v for (col, row), v in filled.items()}
        nrows = max((r for r, _ in at), default=0)
        ncols = max((c for _, c in at), default=0)
        rows: list[list[Any]] = [[None] * ncols for _ in range(nrows)]
        for (r, c), v in at.items():
            rows[r - 1][c - 1] = v
        merged = []
        for span in self.merged:
            c1, r1, c2, r2 = range_boundaries(span)
            assert c1 is not None and r1 is not None and c2 is not None and r2 is not None
            merged.append((r1, c1, r2, c2))
        return Sheet(name=self.name, rows=rows, merged=merged)


CODE = "13052923P00584011066Q"

COVER: Cells = {
    "A1": "预算绩效目标申报表",
    "A3": "单位编码",
    "B3": "910001",
    "A4": "单位名称",
    "B4": "某镇人民政府本级",
    "A5": "预算年度",
    "B5": 2024,
    "A6": "金额单位",
    "B6": "万元",
    "A7": "指标体系",
    "B7": "2015",
    "A8": "数据版本",
    "B8": "1",
}

INDICATORS = """
| 产出指标 | 数量指标 | 维修里程   | 维修村内道路 | | ≥5公里     | 年度计划 |
| 产出指标 | 质量指标 | 验收合格率 | 工程验收合格 | | ≥95%       | 行业标准 |
| 效益指标 | 社会效益 | 通行条件   | 改善出行条件 | | 明显改善   | 群众反映 |
"""

PROJECT: Cells = {
    "A1": "1.道路维修绩效目标表",
    "A2": "910001某镇人民政府本级",
    "F2": "单位：万元",
    "A3": "项目编码",
    "B3": CODE,
    "D3": "项目名称",
    "E3": "道路维修",
    "A4": "预算规模及资金用途",
    "B4": "预算数",
    "C4": 282,
    "D4": "其中：财政资金",
    "E4": 282,
    "F4": "其他资金",
    "B5": "村内道路维修",
    "A6": "资金支出计划（%）",
    "B6": "3月底",
    "C6": "6月底",
    "D6": "10月底",
    "E6": "12月底",
    "F6": "（累计）",
    "B7": 70.5,
    "C7": 141,
    "D7": 211.5,
    "E7": 282,
    "F7": "计划金额（万元）",
    "B8": 0.25,
    "C8": 0.5,
    "D8": 0.75,
    "E8": 1,
    "F8": "累计进度（%）",
    "A9": "绩效目标",
    "B9": "完成村内道路维修\n改善出行条件",
    "A10": "一级指标",
    "B10": "二级指标",
    "C10": "三级指标",
    "D10": "绩效指标描述",
    "F10": "指标值",
    "G10": "指标值确定依据",
}
PROJECT_MERGES = ("A1:G1", "A2:E2", "F2:G2", "B3:C3", "E3:G3", "A4:A5", "B5:G5", "A6:A8", "B9:G9")

IND = [
    {
        "level1": "产出指标",
        "level2": "数量指标",
        "level3": "维修里程",
        "description": "维修村内道路",
        "target": "≥5公里",
        "basis": "年度计划",
    },
    {
        "level1": "产出指标",
        "level2": "质量指标",
        "level3": "验收合格率",
        "description": "工程验收合格",
        "target": "≥95%",
        "basis": "行业标准",
    },
    {
        "level1": "效益指标",
        "level2": "社会效益",
        "level3": "通行条件",
        "description": "改善出行条件",
        "target": "明显改善",
        "basis": "群众反映",
    },
]

WHOLE_PROJECT = {
    "code": CODE,
    "name": "道路维修",
    "budget": 282,
    "fiscal_funds": 282,
    "other_funds": None,
    "purpose": "村内道路维修",
    "plan": {"mar": 70.5, "jun": 141, "oct": 211.5, "dec": 282},
    "goals": ["完成村内道路维修", "改善出行条件"],
    "indicators": IND,
}


def cover(**cells: Any) -> SheetSpec:
    return SheetSpec("封面", {**COVER, **cells})


def project(
    name: str = "1.道路维修",
    *,
    rows: int = 0,
    cols: int = 0,
    merged: Sequence[str] = (),
    indicators: str = INDICATORS,
    **cells: Any,
) -> SheetSpec:
    """The project sheet with ``cells`` changed (``None`` deletes), then moved as a whole."""
    body = {**PROJECT, **table(indicators, 11), **cells}
    spans = [shifted_range(s, rows, cols) for s in (*PROJECT_MERGES, *merged)]
    return SheetSpec(name, shifted(body, rows, cols), spans)


# --- the cases --------------------------------------------------------------------------------
Record = tuple[str, str | None, str | None, str | None, Any]  # rule, sheet, cell, pointer, value


@dataclass(frozen=True)
class Case:
    """Sheets in, and what the reader must give back."""

    id: str
    sheets: tuple[SheetSpec, ...]
    fields: Mapping[str, Any] = field(default_factory=dict)  # JSON pointer -> value
    problems: Sequence[Record] = ()
    locations: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    kinds: Sequence[str] | None = None  # what each sheet was taken for, in order


P = "1.道路维修"
COVER_FIELDS = {
    "/unit": {"code": "910001", "name": "某镇人民政府本级"},
    "/year": 2024,
    "/money_unit": "万元",
    "/framework": "2015",
    "/schema_version": "1",
}

CASES = [
    Case(
        "whole-form",
        (cover(), project()),
        {**COVER_FIELDS, "/projects/0": WHOLE_PROJECT},
        locations={
            "/unit/code": ("封面", "B3"),
            "/projects/0/code": (P, "B3"),
            "/projects/0/budget": (P, "C4"),
            "/projects/0/plan/dec": (P, "E7"),
            "/projects/0/indicators/2": (P, "A13"),
            "/projects/0/indicators/2/target": (P, "F13"),
        },
        kinds=["cover", "project"],
    ),
    Case(
        "rows-inserted-above-the-table",
        (cover(), project(rows=2)),
        {"/projects/0": WHOLE_PROJECT},
        locations={
            "/projects/0/code": (P, "B5"),
            "/projects/0/budget": (P, "C6"),
            "/projects/0/indicators/0/level3": (P, "C13"),
        },
    ),
    Case(
        "column-inserted-left",
        (cover(), project(cols=1)),
        {"/projects/0": WHOLE_PROJECT},
        locations={"/projects/0/budget": (P, "D4"), "/projects/0/indicators/0": (P, "B11")},
    ),
    Case(
        "cover-moved-down-and-right",
        (SheetSpec("封面", shifted(COVER, rows=1, cols=1)), project()),
        COVER_FIELDS,
        locations={"/unit/code": ("封面", "C4"), "/year": ("封面", "C6")},
    ),
    Case(
        "sheet-renamed",
        (cover(), project("道路维修（修订稿）")),
        {"/projects/0": WHOLE_PROJECT},
        locations={"/projects/0/budget": ("道路维修（修订稿）", "C4")},
        kinds=["cover", "project"],
    ),
    Case(
        "level1-merged-over-rows",
        (cover(), project(merged=["A11:A12"], A12=None)),
        {"/projects/0/indicators": IND},
    ),
    Case(
        "level1-and-level2-merged-over-rows",
        (cover(), project(merged=["A11:A12", "B11:B12"], A12=None, B12="")),
        {
            "/projects/0/indicators/1/level1": "产出指标",
            "/projects/0/indicators/1/level2": "数量指标",
        },
    ),
    Case(
        "blank-continuation-cell-not-merged-stays-blank",
        (cover(), project(A12=None)),
        {"/projects/0/indicators/1/level1": None, "/projects/0/indicators/1/level3": "验收合格率"},
    ),
    Case(
        "empty-indicator-row-in-the-middle",
        (cover(), project(indicators="\n|\n".join(INDICATORS.strip().splitlines()[:2]))),
        {"/projects/0/indicators": [IND[0], IND[1]]},
        locations={"/projects/0/indicators/1": (P, "A13")},
    ),
    Case(
        "amount-with-money-unit-as-text",
        (cover(), project(C4="8.39万元")),
        {"/projects/0/budget": 8.39},
        [("read.amount_text", P, "C4", "/projects/0/budget", "8.39万元")],
    ),
    Case(
        "amount-in-full-width-digits",
        (cover(), project(B7="８．３９")),
        {"/projects/0/plan/mar": 8.39},
        [("read.amount_text", P, "B7", "/projects/0/plan/mar", "８．３９")],
    ),
    Case(
        "amount-with-thousands-separator",
        (cover(), project(E4="1,234.50")),
        {"/projects/0/fiscal_funds": 1234.5},
        [("read.amount_text", P, "E4", "/projects/0/fiscal_funds", "1,234.50")],
    ),
    Case(
        "whole-amount-as-text-with-spaces",
        (cover(), project(E7=" 282 ")),
        {"/projects/0/plan/dec": 282},
        [("read.amount_text", P, "E7", "/projects/0/plan/dec", " 282 ")],
    ),
    Case(
        "amount-in-words-kept-as-typed",
        (cover(), project(D7="约8万")),
        {"/projects/0/plan/oct": "约8万"},
        [("read.amount_unreadable", P, "D7", "/projects/0/plan/oct", "约8万")],
    ),
    Case(
        "amount-in-yuan-is-ambiguous",
        (cover(), project(G4="83380元")),
        {"/projects/0/other_funds": "83380元"},
        [("read.amount_unreadable", P, "G4", "/projects/0/other_funds", "83380元")],
    ),
    Case(
        "date-typed-into-an-amount",
        (cover(), project(C7=dt.date(2024, 6, 30))),
        {"/projects/0/plan/jun": "2024-06-30"},
        [("read.amount_unreadable", P, "C7", "/projects/0/plan/jun", "2024-06-30")],
    ),
    Case(
        "label-missing",
        (cover(), project(B4=None)),
        {"/projects": []},
        [("read.label_missing", P, "B4", None, None)],
        kinds=["cover", "broken"],
    ),
    Case(
        "label-missing-below-inserted-rows",
        (cover(), project(rows=3, D3=None)),
        {"/projects": []},
        [("read.label_missing", P, "D6", None, None)],
    ),
    Case(
        "label-overwritten",
        (cover(), project(F4="自筹资金")),
        {"/projects": []},
        [("read.label_missing", P, "F4", None, "自筹资金")],
        kinds=["cover", "broken"],
    ),
    Case(
        "label-moved-to-another-column",
        (cover(), project(D3=None, H3="项目名称")),
        {"/projects": []},
        [("read.label_missing", P, "D3", None, None)],
    ),
    Case(
        "extra-columns-are-ignored",
        (cover(), project(H3="备注", H10="审核意见", H11="已审核", I12="见附件")),
        {"/projects/0": WHOLE_PROJECT},
    ),
    Case(
        "cover-missing",
        (project(),),
        {
            "/unit": {"code": "910001", "name": "某镇人民政府本级"},
            "/year": None,
            "/projects/0": WHOLE_PROJECT,
        },
        [("read.no_cover", None, None, None, None)],
        kinds=["project"],
    ),
    Case(
        "cover-label-missing",
        (cover(A4=None), project()),
        {"/unit": {"code": None, "name": None}, "/year": None, "/projects/0": WHOLE_PROJECT},
        [("read.label_missing", "封面", "A4", None, None)],
    ),
    Case(
        "half-width-punctuation-and-spaces-in-labels",
        (
            cover(A3="单位 编码", A5=" 预算年度"),
            project(D4="其中:财政资金", A6="资金支出计划(%)", A3="项 目 编 码", F2="单位:万元"),
        ),
        {**COVER_FIELDS, "/projects/0": WHOLE_PROJECT},
        kinds=["cover", "project"],
    ),
    Case(
        "labels-perfxl-adds-may-be-deleted",
        (cover(), project(F2=None, F6=None, F7=None, F8=None)),
        {"/projects/0": WHOLE_PROJECT},
    ),
    Case(
        "project-code-typed-as-a-number",
        (cover(), project(B3=13052923)),
        {"/projects/0/code": "13052923"},
        [("read.number_as_text_field", P, "B3", "/projects/0/code", 13052923)],
    ),
    Case(
        "unit-code-typed-as-a-number",
        (cover(B3=910001), project()),
        {"/unit/code": "910001"},
        [("read.number_as_text_field", "封面", "B3", "/unit/code", 910001)],
    ),
    Case(
        "year-typed-as-text",
        (cover(B5="2024"), project()),
        {"/year": 2024},
    ),
    Case(
        "foreign-sheet-skipped-and-reported",
        (cover(), SheetSpec("填表说明", {"A1": "请按要求填写", "A2": "金额单位为万元"}), project()),
        {"/projects/0": WHOLE_PROJECT},
        [("read.sheet_skipped", "填表说明", None, None, None)],
        kinds=["cover", "skipped", "project"],
    ),
    Case(
        "results-sheet-is-not-reported",
        (cover(), project(), SheetSpec("校验结果", {"A1": "规则", "B1": "单元格"})),
        kinds=["cover", "project", "skipped"],
    ),
    Case(
        "second-project-located-by-its-index",
        (cover(), project(), project("2.办公经费", E3="办公经费", C4="8.39万元")),
        {"/projects/1/name": "办公经费", "/projects/1/budget": 8.39},
        [("read.amount_text", "2.办公经费", "C4", "/projects/1/budget", "8.39万元")],
        locations={"/projects/1/budget": ("2.办公经费", "C4")},
    ),
    Case(
        "broken-project-then-a-whole-one",
        (cover(), project("1.坏表", B6=None), project("2.好表")),
        {"/projects": [WHOLE_PROJECT]},
        [("read.label_missing", "1.坏表", "B6", None, None)],
        locations={"/projects/0/budget": ("2.好表", "C4")},
        kinds=["cover", "broken", "project"],
    ),
    Case(
        "goals-with-windows-line-breaks",
        (cover(), project(B9="目标一\r\n目标二\r\n目标三")),
        {"/projects/0/goals": ["目标一", "目标二", "目标三"]},
    ),
    Case(
        "target-typed-as-a-number",
        (cover(), project(F12=0.95)),
        {"/projects/0/indicators/1/target": 0.95},
    ),
    Case(
        "overall-sheet",
        (
            cover(),
            SheetSpec(
                "部门整体绩效目标",
                {
                    "A1": "部门整体绩效目标",
                    "A2": "一、总体绩效目标",
                    "A3": "保障机构正常运转",
                    "A5": "二、分项绩效目标",
                    **table("| 序号 | 分项 | 说明 | 目标 | 指标 |", 6),
                    **table("| 1 | 道路 | 维修道路 | 通行顺畅 | 5公里 |", 7),
                    "A9": "三、工作保障措施",
                    **table("| 序号 | 措施 | 内容 |", 10),
                    **table("| 1 | 资金保障 | 专款专用 |", 11),
                },
            ),
            project(),
        ),
        {
            "/overall/summary": "保障机构正常运转",
            "/overall/areas": [
                {
                    "title": "道路",
                    "description": "维修道路",
                    "targets": "通行顺畅",
                    "indicators": "5公里",
                }
            ],
            "/overall/measures": [{"title": "资金保障", "text": "专款专用"}],
        },
        locations={"/overall/summary": ("部门整体绩效目标", "A3")},
        kinds=["cover", "overall", "project"],
    ),
]


# --- checking ---------------------------------------------------------------------------------
def at(doc: Any, pointer: str) -> Any:
    for part in pointer.split("/")[1:]:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def records(res: ReadResult) -> list[Record]:
    return [(p.rule, p.sheet, p.cell, p.pointer, p.value) for p in res.problems]


def check(res: ReadResult, case: Case) -> None:
    data = res.targets.to_dict()
    for pointer, expected in case.fields.items():
        assert at(data, pointer) == expected, pointer
    assert records(res) == list(case.problems)
    for pointer, where in case.locations.items():
        assert res.locations[pointer] == where, pointer
    if case.kinds is not None:
        assert [s.kind for s in res.sheets] == list(case.kinds)
    assert res.ok == all(p[0] != "read.label_missing" for p in case.problems)


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 20
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_grid(case: Case) -> None:
    res = read_grid_model(Grid(path="grid.xlsx", sheets=[s.to_sheet() for s in case.sheets]))
    check(res, case)


def write_xlsx(sheets: Sequence[SheetSpec], path: Path) -> Path:
    wb = openpyxl.Workbook()
    for i, spec in enumerate(sheets):
        ws = wb.worksheets[0] if i == 0 else wb.create_sheet()
        ws.title = spec.name
        for ref, value in spec.cells.items():
            if value is not None:
                ws[ref] = value
                if isinstance(value, str):
                    ws[ref].data_type = "s"  # as typed, never a formula
        for span in spec.merged:
            ws.merge_cells(span)
    wb.save(path)
    return path


# Both grid readers give the same values: a date typed into an amount cell is the date alone
# (exported "2024-06-30") whichever engine reads it.
def _file_params() -> list[Any]:
    return [
        pytest.param(case, engine, id=f"{case.id}-{engine}")
        for case in CASES
        for engine in ("calamine", "openpyxl")
    ]


@pytest.mark.parametrize(("case", "engine"), _file_params())
def test_xlsx(case: Case, engine: str, tmp_path: Path) -> None:
    book = write_xlsx(case.sheets, tmp_path / "book.xlsx")
    res = read_workbook(book, engine=engine)
    check(res, case)
    assert {p.file for p in res.problems} <= {str(book)}
