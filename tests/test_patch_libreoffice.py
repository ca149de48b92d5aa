"""LibreOffice opens what the engine writes, and recalculates to the cached values we wrote.

Each test runs soffice with its own profile (under tmp_path) that sets
"recalculate on load: always", so a formula result in the CSV is LibreOffice's
own computation, not the cached value echoed back. C12 of the rich workbook holds
a deliberately stale cached 999 for ``=B4*10``: seeing 1000 proves the recalculation.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import patchfixtures as pf
import pytest
import python_calamine
from test_patch_annotate import ANNOTATIONS, FILLED

from perfxl.write.patch import CellWrite, annotate, clear_annotations, write_cells

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning"),
]
P = pf.PROJECT


def number(text: str) -> float:
    """A CSV cell shown with its number format ('12.50%', '1,000.00') as a float."""
    t = text.replace(",", "")
    return float(t[:-1]) / 100 if t.endswith("%") else float(t)


@pytest.mark.parametrize("xlsm", [False, True], ids=["xlsx", "xlsm"])
def test_written_values_and_cached_results_survive_a_recalculation(
    tmp_path: Path, xlsm: bool
) -> None:
    src = pf.rich_workbook(tmp_path, xlsm=xlsm)
    plan = [12.5, 40.0, 75.0, 200.0]
    writes = [
        CellWrite(P, "B4", 200),
        CellWrite(P, "B6", 120, formula="keep"),  # =B4-B5 with the new B4
        *(CellWrite(P, f"{c}9", v) for c, v in zip("ABCD", plan, strict=True)),
        *(
            CellWrite(P, f"{c}10", v / 200, formula="keep")
            for c, v in zip("ABCD", plan, strict=True)
        ),
        CellWrite(P, "B3", "水利工程"),
    ]
    out = tmp_path / f"out{src.suffix}"
    write_cells(src, writes, out=out)
    rows = pf.csv_sheets(out, tmp_path / "csv", tmp_path / "profile")[P]
    assert number(rows[11][2]) == 2000  # C12 =B4*10 recomputed (cached was 999): recalc is on
    assert number(rows[5][1]) == 120  # B6 recomputed == the cached value we wrote
    assert [number(x) for x in rows[8][:4]] == plan
    assert [number(x) for x in rows[9][:4]] == [v / 200 for v in plan]
    assert rows[2][1] == "水利工程"
    assert number(rows[11][1]) == 42  # the external link's cached value
    # What value readers see without any recalculation is the same.
    grid = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name(P).to_python()
    assert grid[5][1] == 120 and grid[9][:4] == [v / 200 for v in plan]


def test_writes_into_a_libreoffice_saved_workbook(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    lo = pf.libreoffice_saved(pf.rich_workbook(tmp_path), tmp_path, profile)
    assert b"<sst" in pf.parts(lo)["xl/sharedStrings.xml"]
    out = tmp_path / "out.xlsx"
    refs = {"A9", "B9", "B3", "H50"}
    result = write_cells(
        lo,
        [
            CellWrite(P, "A9", 5),
            CellWrite(P, "B9", 6.5),
            CellWrite(P, "B3", "改"),
            CellWrite(P, "H50", "新行"),
        ],
        out=out,
    )
    part = pf.sheet_part(lo, P)
    assert set(result.changed_parts) <= {part, "xl/workbook.xml"}
    assert pf.without_cells(pf.parts(lo)[part], refs) == pf.without_cells(pf.parts(out)[part], refs)
    grid = (
        python_calamine.CalamineWorkbook.from_path(str(out))
        .get_sheet_by_name(P)
        .to_python(skip_empty_area=False)
    )
    assert (grid[8][0], grid[8][1], grid[2][1], grid[49][7]) == (5.0, 6.5, "改", "新行")
    rows = pf.csv_sheets(out, tmp_path / "csv", profile)[P]
    assert [number(x) for x in rows[9][:2]] == [0.05, 0.065]  # =A9/$B$4 recomputed


def test_annotated_workbook_opens_and_survives_a_libreoffice_save(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    src = pf.rich_workbook(tmp_path)
    annotated = tmp_path / "a.xlsx"
    annotate(src, ANNOTATIONS, out=annotated)
    sheets = pf.csv_sheets(annotated, tmp_path / "csv", profile)
    assert sheets["校验结果"][0] == ["工作表", "单元格", "级别", "规则", "说明"]
    assert len(sheets["校验结果"]) == 1 + len(ANNOTATIONS)

    resaved = pf.libreoffice_saved(annotated, tmp_path, profile)
    ws = openpyxl.load_workbook(resaved)[P]
    assert ws["B4"].fill.fgColor.rgb == "FFFFC7CE"
    assert "预算数应大于 0" in ws["B4"].comment.text  # our VML and comments part were understood
    assert ws["A3"].comment.text == "请填写项目全称"
    assert b"perfxl.annotations.1" in pf.parts(resaved)["docProps/custom.xml"]

    # LibreOffice renumbers styles and drops comment authors; clearing still works.
    cleared = tmp_path / "c.xlsx"
    result = clear_annotations(resaved, out=cleared)
    assert result.restore_skipped == ()
    reference = openpyxl.load_workbook(pf.libreoffice_saved(src, tmp_path / "ref", profile))
    wb = openpyxl.load_workbook(cleared)
    assert "校验结果" not in wb.sheetnames
    for ref in FILLED:
        assert wb[P][ref].fill.fgColor.rgb == reference[P][ref].fill.fgColor.rgb, ref
        assert (
            wb[P][ref].comment is None or wb[P][ref].comment.text == reference[P][ref].comment.text
        )
    assert wb["参数"]["B1"].comment is None
