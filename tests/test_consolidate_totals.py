"""The total 预算数 a consolidation reports is the decimal sum, never a float's view of it.
Hand-typed amounts near 1e308 (each already ``schema.range``) total past a float's range: the
report, its JSON and the 说明 sheet say the number, not ``inf``; and when such an amount is
summed with ordinary ones (a decimal sum keeps 28 digits) they say no exact total exists."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from books import csv_and_cells, sheet_rows
from click.testing import CliRunner
from conftest import EXAMPLE_XLSX, EXAMPLES

from perfxl import constants as C
from perfxl import layout as L
from perfxl.cli import main
from perfxl.consolidate import columns as K
from perfxl.consolidate import tables
from perfxl.consolidate.eval_columns import EVAL_UNITS
from perfxl.model import Targets
from perfxl.numbers import NO_TOTAL
from perfxl.write.fill import write_new
from perfxl.write.patch import CellWrite, WorkbookPatch

HUGE = 1.5e308  # finite; twice it is not
MONITORING_XLSX = EXAMPLES / "suying-2023-monitoring.xlsx"
EVALUATION_XLSX = EXAMPLES / "suying-2023-evaluation.xlsx"


def _no_constants(name: str) -> None:
    raise AssertionError(f"not JSON: {name}")


def _run(folder: Path, out: Path) -> tuple[str, dict[str, Any]]:
    """The text report and the JSON one of consolidating ``folder`` (its tables written to
    ``tables`` beside ``out``)."""
    tables = out.parent / "tables"
    args = ["consolidate", str(folder), "-o", str(out), "--no-cache", "-j", "1"]
    args += ["--tables", str(tables)]
    text = CliRunner().invoke(main, args)
    assert text.exit_code == 1, text.output  # the amounts are errors (schema.range)
    res = CliRunner().invoke(main, [*args, "--format", "json"])
    return text.stdout, json.loads(res.stdout, parse_constant=_no_constants)


def _readme(out: Path) -> str:
    return {r[0]: r[1] for r in sheet_rows(out, K.README_SHEET) if r and r[0]}["预算合计（万元）"]


def _huge_in_project_1(folder: Path, book: Path, cell: str) -> Path:
    """``folder`` holding ``book`` as units 910001 and 910002, `HUGE` in ``cell`` of its
    first project's sheet."""
    folder.mkdir()
    wb = openpyxl.load_workbook(book, read_only=True)
    project = next(s for s in wb.sheetnames if s.startswith("1."))
    wb.close()
    code = L.STANDARD.field("unit/code").ref
    for unit in ("910001", "910002"):
        patch = WorkbookPatch(book.read_bytes())
        patch.write_cells([CellWrite(C.COVER_SHEET, code, unit), CellWrite(project, cell, HUGE)])
        (folder / f"{unit}.xlsx").write_bytes(patch.to_bytes())
    return folder


def _total_rows(out: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """The 合计 row of units.csv and of the 乡镇合计 sheet, by column key."""
    rows, cells = csv_and_cells(out.parent / "tables" / "units.csv", out, K.UNITS.sheet)
    (row,) = (r for r in rows if r[0] == K.ROW_TOTAL)
    (cell,) = (c for c in cells if c[0] == K.ROW_TOTAL)
    return dict(zip(K.UNITS.keys, row, strict=True)), dict(zip(K.UNITS.keys, cell, strict=True))


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
    row, cell = _total_rows(out)  # the total row says it too, not an empty cell or inf
    assert row["budget"] == cell["budget"] == shown
    assert row["fiscal_funds"] == "16.78" and cell["fiscal_funds"] == 16.78  # still numbers


def test_an_amount_past_28_digits_among_others_gives_no_total(tmp_path: Path) -> None:
    """1.5e308 typed in one project of two units' workbooks of 19 projects: the other budgets
    cannot be summed with it exactly; the report says so, never a rounded or infinite total."""
    folder = _huge_in_project_1(tmp_path / "in", EXAMPLE_XLSX, L.STANDARD.project.budget_cell)
    out = tmp_path / "s.xlsx"
    text, report = _run(folder, out)
    assert report["budget"] is None and report["budget_exact"] is None
    assert "inf" not in text and f"预算合计 {NO_TOTAL}；" in text
    assert _readme(out) == NO_TOTAL
    row, cell = _total_rows(out)
    assert row["budget"] == cell["budget"] == NO_TOTAL
    assert row["fiscal_funds"] == "1271.44" and cell["fiscal_funds"] == 1271.44


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


@pytest.mark.parametrize(
    ("book", "form", "column", "table", "exact"),
    [
        (MONITORING_XLSX, "monitoring", "adjusted", K.MONITOR_UNITS, True),
        (EVALUATION_XLSX, "evaluation", "budget", EVAL_UNITS, False),
    ],
)
def test_a_later_stage_total_row_says_what_the_report_says(
    tmp_path: Path, book: Path, form: str, column: str, table: K.Table, exact: bool
) -> None:
    """The 乡镇执行 and 乡镇得分 total rows (and their CSV) give the 预算数 the report gives:
    the decimal sum past a float's range (a monitoring county sums its units' 预算数), or
    无法合计 (a self-evaluation county sums every project's), never an empty cell or inf."""
    cell = getattr(L.STANDARD, form).funds_cell("total", column)
    folder = _huge_in_project_1(tmp_path / "in", book, cell)
    out = tmp_path / "s.xlsx"
    text, report = _run(folder, out)
    said = f"{3 * 10**308:,}.00 万元" if exact else NO_TOTAL
    assert (report["budget_exact"] is None) is not exact and f"预算合计 {said}；" in text
    csv_name = {**tables.MONITOR_FILE_NAMES, **tables.EVAL_FILE_NAMES}[table.sheet]
    rows, cells = csv_and_cells(out.parent / "tables" / f"{csv_name}.csv", out, table.sheet)
    at = table.index("budget")
    (row,) = (r for r in rows if r[0] == K.ROW_TOTAL)
    (got,) = (c for c in cells if c[0] == K.ROW_TOTAL)
    assert row[at] == got[at] == said.removesuffix(" 万元")


def test_the_web_summary_page_says_what_the_report_says(tmp_path: Path) -> None:
    """The web round's summary page takes its 合计 row's 预算数 from the 乡镇合计 total row:
    无法合计 as the report says it, not the JSON's rounded float."""
    from perfxl.consolidate import Options
    from perfxl.services.county import consolidate
    from perfxl.web.summary import summary_figures
    from perfxl.web.views import summary_table

    folder = _huge_in_project_1(tmp_path / "in", EXAMPLE_XLSX, L.STANDARD.project.budget_cell)
    report = consolidate([folder], tmp_path / "s.xlsx", Options(jobs=1))
    figures = summary_figures(report, {}, str(folder))
    assert figures["totals"]["budget"] == NO_TOTAL
    total = summary_table(figures)["total"]
    assert total is not None and total[1] == NO_TOTAL
