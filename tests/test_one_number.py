"""One answer for every number (issue 11, points 2, 3 and 14).

The township workbook (``compute``), the county summary (``consolidate``), the checks
(``validate``) and the messages compute, sum, round and show amounts and percentages the same
way; what a command reports is what it writes, and what it writes is what Excel/LibreOffice
show after recalculating.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine

from perfxl import constants as C
from perfxl import layout as L
from perfxl.model import Project, SpendingPlan, Targets
from perfxl.write.fill import write_new

PERFXL = [sys.executable, "-m", "perfxl.cli"]
HALF = Decimal("0.01")

# Budgets and amounts (万元) whose percent sits on or near a rounding half: a binary float
# rounds 12.625 (1.01 of 8) down, Excel's ROUND and perfxl round it up.
BUDGETS = ("8", "16", "40", "0.8", "2", "4", "8.39", "102.6", "635.72", "3", "7", "0.03", "200")
AMOUNTS = ("1.01", "0.01", "0.05", "0.13", "0.21", "1.03", "2.1", "3.03", "4.19", "5.07", "6.29")
PAIRS = [(b, a) for b in BUDGETS for a in AMOUNTS]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PERFXL, *map(str, args)], capture_output=True, text=True, check=False
    )  # fmt: skip


def rows_of(path: Path, sheet: str) -> list[list[Any]]:
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        rows: list[list[Any]] = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        wb.close()
    return rows


def validate_problems(stdout: str) -> list[dict[str, Any]]:
    """The problem records of ``validate --format json`` (a list of records)."""
    found = json.loads(stdout)
    if isinstance(found, dict):
        found = found.get("problems", [])
    return [p for p in found if "rule" in p]


def excel_round(amount: str, budget: str) -> Decimal:
    """What Excel's ROUND(amount/budget*100, 2) gives, worked out independently."""
    return (Decimal(amount) * 100 / Decimal(budget)).quantize(HALF, rounding=ROUND_HALF_UP)


# --- 2: one percentage, one sum ------------------------------------------------------------
def test_the_table_has_pairs_a_float_rounds_differently() -> None:
    """The table is worth testing: binary float rounding gets a good share of it wrong."""
    wrong = [
        (b, a)
        for b, a in PAIRS
        if Decimal(repr(round(float(a) / float(b) * 100, 2))) != excel_round(a, b)
    ]
    assert ("8", "1.01") in wrong
    assert len(wrong) >= 10


@pytest.mark.parametrize(("budget", "amount"), PAIRS)
def test_compute_and_consolidate_give_the_same_percent(budget: str, amount: str) -> None:
    from perfxl.compute import project_percentages
    from perfxl.consolidate.combine import percent as summary_percent

    b, a = float(budget), float(amount)
    township = project_percentages(
        Project(code="C", name="甲", budget=b, plan=SpendingPlan(a, a, a, b))
    )
    county = summary_percent(a, b)
    assert township[0] == excel_round(amount, budget)
    assert county == float(township[0])


def test_budget_8_and_1_01_is_12_63_everywhere() -> None:
    from perfxl.compute import percent
    from perfxl.consolidate.combine import percent as summary_percent

    assert percent(Decimal("1.01"), Decimal("8")) == Decimal("12.63")
    assert summary_percent(1.01, 8) == 12.63


def _township(code: str, name: str, projects: list[tuple[float, tuple[Any, ...]]]) -> Targets:
    data: dict[str, Any] = {
        "schema_version": "1",
        "unit": {"code": code, "name": name},
        "year": 2023,
        "money_unit": "万元",
        "framework": "2015",
        "projects": [
            {
                "code": f"13052923P{code}{k:05d}X",
                "name": f"项目{k + 1}",
                "budget": budget,
                "fiscal_funds": budget,
                "other_funds": None,
                "purpose": "用途",
                "plan": dict(zip(("mar", "jun", "oct", "dec"), plan, strict=True)),
                "goals": ["目标"],
                "indicators": [
                    {
                        "level1": "产出指标",
                        "level2": "数量指标",
                        "level3": "人数",
                        "description": "人数",
                        "target": "≥2人",
                        "basis": "计划标准",
                    }
                ],
            }
            for k, (budget, plan) in enumerate(projects)
        ],
    }
    return Targets.from_dict(data)


def test_a_real_consolidation_agrees_with_compute_on_every_figure(tmp_path: Path) -> None:
    """Townships computed by ``compute``, then consolidated: every project percent, every unit
    total and percent, and the county total are the townships' own figures."""
    from perfxl.consolidate import Options, consolidate
    from perfxl.consolidate import columns as K

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    towns: dict[str, list[tuple[float, tuple[Any, ...]]]] = {
        # 5 + 3 = 8 budget, 0.5 + 0.51 = 1.01 planned by 3月底: 12.63 %
        "910001": [(5, (0.5, 2.5, 3.75, 5)), (3, (0.51, 1.5, 2.25, 3))],
        "910002": [(8, (1.01, 3.03, 5.07, 8)), (16, (0.13, 2.1, 6.29, 16))],
        "910003": [(8.39, (2.1, 4.19, 6.29, 8.39)), (0.8, (0.05, 0.21, 0.21, 0.8))],
    }
    computed: dict[str, dict[str, Any]] = {}
    for code, projects in towns.items():
        raw = inbox / f"raw-{code}.xlsx"
        write_new(_township(code, f"某镇{code}", projects), raw)
        book = inbox / f"{code}.xlsx"
        proc = run("compute", raw, "-o", book, "--format", "json")
        assert proc.returncode == 0, proc.stderr
        raw.unlink()
        computed[code] = json.loads(proc.stdout)
    out = tmp_path / "summary.xlsx"
    result = consolidate([inbox], out, Options(jobs=1))

    summary = rows_of(out, K.SUMMARY.sheet)
    head = list(summary[0])
    col = {k: head.index(c.header) for k, c in zip(K.SUMMARY.keys, K.SUMMARY.columns, strict=True)}
    pct_keys = ("pct_mar", "pct_jun", "pct_oct", "pct_dec")
    by_code = {r[col["project_code"]]: r for r in summary[1:] if r[0] == K.ROW_PROJECT}
    n = 0
    for code, report in computed.items():
        for p in report["projects"]:
            # the township's cells (fractions) and the summary's cells (percent points)
            cells = rows_of(inbox / f"{code}.xlsx", p["sheet"])[7][1:5]
            row = by_code[p["code"]]
            assert [row[col[k]] for k in pct_keys] == p["percents"]
            assert [round(v * 100, 2) for v in cells] == p["percents"]
            n += 1
    assert n == 6
    assert by_code["13052923P91000200000X"][col["pct_mar"]] == 12.63

    units = rows_of(out, K.UNITS.sheet)
    uhead = list(units[0])
    ucol = {k: uhead.index(c.header) for k, c in zip(K.UNITS.keys, K.UNITS.columns, strict=True)}
    unit_rows = {r[ucol["unit_code"]]: r for r in units[1:] if r[0] == K.ROW_UNIT}
    subtotals = {r[col["unit_code"]]: r for r in summary[1:] if r[0] == K.ROW_SUBTOTAL}
    for code, report in computed.items():
        t = report["totals"]
        cover = rows_of(inbox / f"{code}.xlsx", C.COVER_SHEET)
        total_row = next(r for r in cover if r[1] == C.COVER_TOTAL)
        for row, c in ((unit_rows[code], ucol), (subtotals[code], col)):
            assert row[c["budget"]] == t["budget"] == total_row[3]
            plans = [row[c[k]] for k in ("plan_mar", "plan_jun", "plan_oct", "plan_dec")]
            assert plans == t["plan"] == total_row[6:10]
            assert row[c["pct_dec"]] == t["percent"] == round(total_row[10] * 100, 2)
            budget = Decimal(repr(t["budget"]))
            assert [row[c[k]] for k in pct_keys] == [
                float(excel_round(repr(x), str(budget))) for x in t["plan"]
            ]
    assert unit_rows["910001"][ucol["pct_mar"]] == 12.63  # 1.01 of 8, summed from two rows
    assert subtotals["910001"][col["pct_mar"]] == 12.63
    # 序时 gap: the percent shown minus 序时 (25.00), both at 2 decimals
    assert unit_rows["910001"][ucol["gap_mar"]] == -12.37
    county = Decimal(0)
    for report in computed.values():
        county += Decimal(repr(report["totals"]["budget"]))
    assert result.totals["budget"] == float(county)


# --- 3: compute reports what it writes, and validate says the same -------------------------
def _text_budget_book(tmp_path: Path, example_data: dict[str, Any], value: str) -> Path:
    """The example with 预算数 of project 1 typed as text (the cell holds the string)."""
    data = copy.deepcopy(example_data)
    src = tmp_path / "text-budget.xlsx"
    write_new(Targets.from_dict(data), src)
    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[2]
    ws["C4"] = value
    ws["C4"].data_type = "s"
    wb.save(src)
    return src


def test_compute_reports_the_totals_it_writes_with_a_text_budget(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    src = _text_budget_book(tmp_path, example_data, "8.39万元")
    assert openpyxl.load_workbook(src).worksheets[2]["C4"].value == "8.39万元"
    out = tmp_path / "out.xlsx"
    proc = run("compute", src, "-o", out, "--format", "json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    cover = rows_of(out, C.COVER_SHEET)
    first = L.COVER_FIRST_PROJECT_ROW - 1
    total = next(r for r in cover if r[1] == C.COVER_TOTAL)
    t = report["totals"]
    # What the cover holds (the SUM leaves the text out) is what the report says.
    assert t["budget"] == total[3] == 627.33
    assert t["plan"] == total[6:10]
    assert t["percent"] == round(total[10] * 100, 2) == 101.34
    assert cover[first][3] == "8.39万元" and cover[first][10] == ""
    assert report["projects"][0]["percents"] is None
    assert rows_of(out, report["projects"][0]["sheet"])[7][1:5] == ["", "", "", ""]
    (problem,) = report["problems"]
    assert (problem["rule"], problem["cell"], problem["value"]) == (
        "compute.amount_text",
        "C4",
        "8.39万元",
    )


def test_a_text_amount_has_one_severity_in_every_command(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    src = _text_budget_book(tmp_path, example_data, "8.39万元")
    validated = run("validate", src, "--format", "json")
    problems = validate_problems(validated.stdout)
    (read,) = [p for p in problems if p["rule"] == "read.amount_text"]
    computed = run("compute", src, "-o", tmp_path / "out.xlsx", "--format", "json")
    (comp,) = json.loads(computed.stdout)["problems"]
    assert comp["rule"] == "compute.amount_text"
    assert read["severity"] == comp["severity"] == "error"
    assert (read["sheet"], read["cell"]) == (comp["sheet"], comp["cell"])
    assert validated.returncode == computed.returncode == 1
    # validate says what the workbook's formulas do with it, as compute does
    assert "公式" in read["message"] and "8.39 万元" in read["message"]


def test_a_text_fund_is_left_out_of_the_cover_and_said_so(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    src = _text_budget_book(tmp_path, example_data, "8.39")  # C4 text too, then E4
    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[2]
    ws["C4"] = 8.39
    ws["E4"] = "8.39"
    ws["E4"].data_type = "s"
    wb.save(src)
    out = tmp_path / "out.xlsx"
    proc = run("compute", src, "-o", out, "--format", "json")
    report = json.loads(proc.stdout)
    total = next(r for r in rows_of(out, C.COVER_SHEET) if r[1] == C.COVER_TOTAL)
    assert total[4] == 627.33  # 财政资金 SUM leaves the text out
    assert [(p["rule"], p["cell"], p["severity"]) for p in report["problems"]] == [
        ("read.amount_text", "E4", "error")
    ]
    assert report["projects"][0]["percents"] == [25.03, 49.94, 74.97, 100.0]
    assert proc.returncode == 1


@pytest.mark.libreoffice
def test_libreoffice_recalculation_shows_what_compute_wrote_and_reported(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    from test_compute_libreoffice import AS_SHOWN_CSV, lo_convert
    from test_compute_libreoffice import rows as lo_rows

    src = _text_budget_book(tmp_path, example_data, "8.39万元")
    out = tmp_path / "computed.xlsx"
    report = json.loads(run("compute", src, "-o", out, "--format", "json").stdout)
    lo_convert([out], AS_SHOWN_CSV, tmp_path / "csv")
    cover = lo_rows(tmp_path, "computed", C.COVER_SHEET)
    first = L.COVER_FIRST_PROJECT_ROW - 1
    total = cover[first + 19]
    assert total[1] == C.COVER_TOTAL
    t = report["totals"]
    assert total[3] == f"{t['budget']:.2f}"
    assert total[10] == f"{t['percent']:.2f}%"
    cached = rows_of(out, C.COVER_SHEET)
    for i, p in enumerate(report["projects"]):
        shown = lo_rows(tmp_path, "computed", p["sheet"])[7][1:5]
        if p["percents"] is None:
            assert shown == ["", "", "", ""]
            assert cover[first + i][10] == "" == cached[first + i][10]
        else:
            assert shown == [f"{x:.2f}%" for x in p["percents"]]
            assert cover[first + i][10] == f"{round(cached[first + i][10] * 100, 2):.2f}%"


# --- 14: one formatting of amounts, the cell's value in JSON -------------------------------
def test_every_message_template_shows_money_through_the_one_helper() -> None:
    from perfxl.rules.catalogue import CATALOGUE

    assert {"compute.not_numbers", "compute.formula_changed"} <= set(CATALOGUE)  # all declared

    loose = {
        rid: r.template
        for rid, r in CATALOGUE.items()
        if re.search(r"\{[a-z_]+\}\s*万元(?!为单位)", r.template)
    }
    assert loose == {}
    money = [rid for rid, r in CATALOGUE.items() if ":万元}" in r.template]
    assert {"amount.funds_sum", "plan.decreasing", "plan.dec_budget", "cost.budget_mismatch"} <= (
        set(money)
    )


def _rules_book(tmp_path: Path, example_data: dict[str, Any], edit: Any) -> Path:
    data = copy.deepcopy(example_data)
    data["projects"] = data["projects"][:1]
    edit(data["projects"][0])
    book = tmp_path / "book.xlsx"
    write_new(Targets.from_dict(data), book)
    return book


def test_amounts_in_messages_always_have_two_decimals(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    def edit(p: dict[str, Any]) -> None:
        p["budget"] = 9
        p["fiscal_funds"] = 9
        p["plan"] = {"mar": 2, "jun": 1.5, "oct": 6, "dec": 8}

    proc = run("validate", _rules_book(tmp_path, example_data, edit), "--format", "json")
    problems = validate_problems(proc.stdout)
    by_rule = {p["rule"]: p for p in problems}
    dec = by_rule["plan.dec_budget"]
    assert "12月底累计计划 8.00 万元与预算数 9.00 万元不符" in dec["message"]
    assert "8 万元" not in dec["message"]
    down = by_rule["plan.decreasing"]
    assert "6月底 1.50 万元小于前一时点 3月底 2.00 万元" in down["message"]
    # the record's value is the cell's value, not the text of the message
    cells = rows_of(tmp_path / "book.xlsx", down["sheet"])
    assert down["value"] == 1.5 == cells[6][2]
    assert dec["value"] == 8 == cells[6][4]


def test_the_schedule_warning_shows_the_percent_the_workbook_shows(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    def edit(p: dict[str, Any]) -> None:
        p["budget"] = 8
        p["fiscal_funds"] = 8
        p["plan"] = {"mar": 1.01, "jun": 1.01, "oct": 6, "dec": 8}

    book = _rules_book(tmp_path, example_data, edit)
    proc = run("validate", book, "--format", "json")
    problems = validate_problems(proc.stdout)
    (late,) = [p for p in problems if p["rule"] == "plan.behind_schedule"]
    assert "截至6月底累计计划 12.63%，比序时进度 50.00% 落后 37.37 个百分点" in late["message"]
    out = tmp_path / "out.xlsx"
    report = json.loads(run("compute", book, "-o", out, "--format", "json").stdout)
    assert report["projects"][0]["percents"][1] == 12.63


def test_the_disclosure_rounds_and_sums_amounts_the_same_way() -> None:
    """``publish`` shows amounts rounded as compute rounds them (half up on the typed decimal,
    not on the binary float) and sums a unit as consolidate does."""
    from perfxl.publish.county import _sum
    from perfxl.publish.text import amount_text

    assert f"{2.675:.2f}" == "2.67"  # what a float format gives
    assert amount_text(2.675) == "2.68"
    assert amount_text(8) == "8.00" and amount_text("约5") == "约5" and amount_text(None) == ""
    assert _sum([0.1, 0.2, "八万", None, True]) == Decimal("0.3")


def test_as_decimal_of_the_usual_cells_and_the_odd_ones() -> None:
    """The fast paths for float and int give what the general path gives; bool, NaN and
    infinity are still refused, a float subclass still read."""
    from decimal import Decimal

    from perfxl.numbers import as_decimal, round2

    class Sub(float):
        pass

    assert str(as_decimal(-0.0)) == "-0.0" and str(as_decimal(8.39)) == "8.39"
    assert as_decimal(3) == Decimal(3) and as_decimal(Sub(1.5)) == Decimal("1.5")
    assert as_decimal(None) is None and as_decimal("  ") is None
    for bad in (True, float("nan"), float("inf"), "8"):
        with pytest.raises(ValueError):
            as_decimal(bad)
    assert str(round2(Decimal("1E+30"))) == "1000000000000000000000000000000.00"
    assert str(round2(Decimal("2.675"))) == "2.68"


def test_squash_and_canonical_of_text_and_other_values() -> None:
    from perfxl.framework import canonical
    from perfxl.rules.base import squash

    assert squash(" 数量 指标。") == "数量指标" and squash(None) == "" and squash(12.0) == "12.0"
    assert (
        canonical(" 数 量 ") == "数量指标" and canonical("  ") is None and canonical(None) is None
    )


def test_long_texts_are_normalised_alike_without_being_cached() -> None:
    """Texts too long to be remembered get the same answers (any cell's text may arrive)."""
    from perfxl.framework import _canonical, canonical
    from perfxl.rules.base import _squash, squash
    from perfxl.textnorm import _normalize, normalize_label

    long = "数量 （指标）：" * 100 + "。"
    before = (_squash.cache_info().currsize, _canonical.cache_info().currsize)
    assert squash(long) == "".join(long.split()).rstrip("。.；;，,")
    assert canonical(long) == "".join(long.split()) + "指标"
    assert (_squash.cache_info().currsize, _canonical.cache_info().currsize) == before
    size = _normalize.cache_info().currsize
    assert normalize_label(long) == "数量(指标):" * 100 + "。"
    assert _normalize.cache_info().currsize == size


def test_a_float_amount_is_one_decimal_however_often_it_is_read() -> None:
    """A float's Decimal is made once (a workbook's amounts are read by several rules and
    sums) and is its shortest repr; zero keeps its sign (0.0 == -0.0 is no reason to merge)."""
    from perfxl.numbers import as_decimal, number

    assert as_decimal(8.39) is as_decimal(8.39) and as_decimal(8.39) == Decimal("8.39")
    assert number(1e300) == Decimal("1E+300") and as_decimal(3) == Decimal(3)
    assert str(as_decimal(-0.0)) == "-0.0" and str(as_decimal(0.0)) == "0.0"
    assert str(as_decimal(0.0)) == "0.0" and str(as_decimal(-0.0)) == "-0.0"
    assert number(float("nan")) is None and number(True) is None
