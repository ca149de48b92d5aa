"""The total 预算数 a consolidation reports is the decimal sum, never a float's view of it.
Hand-typed amounts near 1e308 (each already ``schema.range``) total past a float's range: the
report, its JSON and the 说明 sheet say the number, not ``inf``; and when such an amount is
summed with ordinary ones (a decimal sum keeps 28 digits) they say no exact total exists."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from books import sheet_rows
from click.testing import CliRunner
from conftest import EXAMPLE_XLSX

from perfxl import constants as C
from perfxl import layout as L
from perfxl.cli import main
from perfxl.consolidate import columns as K
from perfxl.model import Targets
from perfxl.numbers import NO_TOTAL
from perfxl.write.fill import write_new
from perfxl.write.patch import CellWrite, WorkbookPatch

HUGE = 1.5e308  # finite; twice it is not


def _no_constants(name: str) -> None:
    raise AssertionError(f"not JSON: {name}")


def _run(folder: Path, out: Path) -> tuple[str, dict[str, Any]]:
    """The text report and the JSON one of consolidating ``folder``."""
    args = ["consolidate", str(folder), "-o", str(out), "--no-cache", "-j", "1"]
    text = CliRunner().invoke(main, args)
    assert text.exit_code == 1, text.output  # the amounts are errors (schema.range)
    res = CliRunner().invoke(main, [*args, "--format", "json"])
    return text.stdout, json.loads(res.stdout, parse_constant=_no_constants)


def _readme(out: Path) -> str:
    return {r[0]: r[1] for r in sheet_rows(out, K.README_SHEET) if r and r[0]}["预算合计（万元）"]


def test_a_total_past_a_float_is_reported_exactly(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    """Two units of one project each, 1.5e308 万元: 3e308 exactly, which no float holds."""
    folder = tmp_path / "in"
    folder.mkdir()
    for unit in ("910001", "910002"):
        d = copy.deepcopy(example_data)
        d["unit"]["code"] = unit
        d["projects"] = d["projects"][:1]
        d["projects"][0]["budget"] = HUGE
        write_new(Targets.from_dict(d), folder / f"{unit}.xlsx")
    out = tmp_path / "s.xlsx"
    text, report = _run(folder, out)
    exact = 3 * 10**308
    assert report["budget"] is None  # a JSON number, or null where no float holds it
    assert report["budget_exact"] == f"{exact}.00"
    shown = f"{exact:,}.00"
    assert "inf" not in text and f"预算合计 {shown} 万元；" in text
    assert _readme(out) == shown


def test_an_amount_past_28_digits_among_others_gives_no_total(tmp_path: Path) -> None:
    """1.5e308 typed in one project of two units' workbooks of 19 projects: the other budgets
    cannot be summed with it exactly; the report says so, never a rounded or infinite total."""
    import openpyxl

    folder = tmp_path / "in"
    folder.mkdir()
    wb = openpyxl.load_workbook(EXAMPLE_XLSX, read_only=True)
    project = next(s for s in wb.sheetnames if s.startswith("1."))
    wb.close()
    code = L.STANDARD.field("unit/code").ref
    for unit in ("910001", "910002"):
        patch = WorkbookPatch(EXAMPLE_XLSX.read_bytes())
        budget = CellWrite(project, L.STANDARD.project.budget_cell, HUGE)
        patch.write_cells([CellWrite(C.COVER_SHEET, code, unit), budget])
        (folder / f"{unit}.xlsx").write_bytes(patch.to_bytes())
    out = tmp_path / "s.xlsx"
    text, report = _run(folder, out)
    assert report["budget"] is None and report["budget_exact"] is None
    assert "inf" not in text and f"预算合计 {NO_TOTAL}；" in text
    assert _readme(out) == NO_TOTAL


def test_an_ordinary_total_keeps_its_number(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(EXAMPLE_XLSX.read_bytes())
    res = CliRunner().invoke(
        main, ["consolidate", str(folder), "-o", str(tmp_path / "s.xlsx"), "--format", "json"]
    )
    report = json.loads(res.stdout, parse_constant=_no_constants)
    assert (report["budget"], report["budget_exact"]) == (635.72, "635.72")
    res = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(tmp_path / "t.xlsx")])
    assert "预算合计 635.72 万元；" in res.stdout
