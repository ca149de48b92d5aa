"""``perfxl compute`` on a monitoring workbook (issue 13): from the Suying example, ``perfxl new
monitoring --month 7``, a clerk's actuals typed by label, then compute: 执行率 cached values
to the cent, the documented lights, the cover's 序时进度, and LibreOffice agreeing."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import EXAMPLE_JSON, EXAMPLE_XLSX, convert, libreoffice_profile
from patchfixtures import RECALC_ALWAYS
from test_monitoring_form import find, run

from perfxl import constants as C
from perfxl import layout as L
from perfxl.cells import parse_a1
from perfxl.grid.calamine_grid import read_grid

MONTH = 7
SCHEDULE = Decimal("58.33")
EXECUTED = "1-7月执行数"
BEHIND = {3: Decimal("0.45"), 5: Decimal("0.20"), 8: Decimal(0)}  # sheet -> share executed
ADJUSTED = {2: Decimal("0.9")}  # 调整后预算数 = 年初 × 0.9
TYPED_OVER = 4  # the clerk typed a number over this sheet's 执行率 formula
IMPOSSIBLE = (6, 1)  # (project, indicator row): 完全不可能, with its reason


def cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("monitoring-compute")
    new = tmp / "监控.xlsx"
    proc = run("new", "monitoring", EXAMPLE_XLSX, "-o", new, "--month", str(MONTH))
    assert proc.returncode == 0, proc.stderr
    wb = openpyxl.load_workbook(new)
    targets = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))["projects"]
    typed: dict[int, tuple[Decimal, Decimal]] = {}  # project -> (budget, executed)
    likelihoods: dict[int, list[str | None]] = {}
    # the sheets a person sees (the very hidden 目标表带入记录 is perfxl's)
    for i, ws in enumerate(w for w in wb.worksheets[2:] if w.sheet_state == "visible"):
        initial = Decimal(str(ws[find(ws, C.L_FUNDS_TOTAL, col_of=C.L_INITIAL)].value))
        budget = initial
        if i in ADJUSTED:
            budget = cents(initial * ADJUSTED[i])
            ws[find(ws, C.L_FUNDS_TOTAL, col_of=C.L_ADJUSTED)] = float(budget)
        executed = cents(budget * BEHIND.get(i, Decimal("0.57") + Decimal(i % 4) / 100))
        ws[find(ws, C.L_FUNDS_TOTAL, col_of=EXECUTED)] = float(executed)
        ws[find(ws, C.L_FUNDS_TOTAL, col_of=C.L_FORECAST)] = float(budget)
        typed[i] = (budget, executed)
        ws[find(ws, "1-7月目标完成情况", right=1)] = "按计划推进" if i not in BEHIND else "进度滞后"
        first = ws[find(ws, C.L_LIKELIHOOD, down=1)]
        lk: list[str | None] = []
        for j in range(len(targets[i]["indicators"])):
            choice = "有可能" if i in BEHIND and j == 0 else "确定能"
            if (i, j) == IMPOSSIBLE:
                choice = "完全不可能"
            ws.cell(row=first.row + j, column=first.column, value=choice)
            if choice != "确定能":
                dev = ws[find(ws, C.L_DEVIATION, down=1)].column
                rem = ws[find(ws, C.L_REMEDY, down=1)].column
                ws.cell(row=first.row + j, column=dev, value="经费保障")
                ws.cell(row=first.row + j, column=rem, value="上级资金未到位，已申请追加")
            lk.append(choice)
        likelihoods[i] = lk
    ws = wb.worksheets[2 + TYPED_OVER]
    ws[find(ws, C.L_FUNDS_TOTAL, col_of=C.L_RATE)] = 0.99  # typed over the formula
    clerk = tmp / "填报.xlsx"
    wb.save(clerk)
    out = tmp / "计算.xlsx"
    proc = run("compute", clerk, "-o", out, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert "已计算 19/19 个项目的执行率和预警灯" in proc.stderr
    return {
        "clerk": clerk,
        "out": out,
        "typed": typed,
        "likelihoods": likelihoods,
        "report": json.loads(proc.stdout),
    }


def expected_light(budget: Decimal, executed: Decimal) -> str:
    rate = cents(executed * 100 / budget)
    if rate >= SCHEDULE - 10:
        return "绿"
    return "黄" if rate >= SCHEDULE - 30 else "红"


FORM = L.STANDARD.monitoring


def test_rates_to_the_cent_and_the_documented_lights(books: dict[str, Any]) -> None:
    grid = read_grid(books["out"])
    sheets = [s for s in grid.sheets[2:] if s.visible]  # not the very hidden record
    assert len(sheets) == 19
    seen = set()
    for i, sheet in enumerate(sheets):
        budget, executed = books["typed"][i]
        rate = sheet.get(*parse_a1(FORM.funds_cell("total", "rate")))
        want = (executed / budget).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        assert Decimal(str(rate)) == want, sheet.name
        light = sheet.get(*parse_a1(FORM.light_cell))
        assert light == expected_light(budget, executed), sheet.name
        seen.add(light)
        col = FORM.indicator_columns["light"][0]
        first = FORM.indicator_first_row
        shown = [sheet.get(first + j, col) for j in range(len(books["likelihoods"][i]))]
        assert shown == [
            {"确定能": "绿", "有可能": "黄", "完全不可能": "红"}[x]
            for x in books["likelihoods"][i]
            if x
        ]
    assert seen == {"绿", "黄", "红"}
    assert sheets[IMPOSSIBLE[0]].get(FORM.indicator_first_row + IMPOSSIBLE[1], col) == "红"


def test_typed_over_rate_gets_perfxls_figure(books: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(books["out"])
    ws = wb.worksheets[2 + TYPED_OVER]
    cell = ws[FORM.funds_cell("total", "rate")]
    budget, executed = books["typed"][TYPED_OVER]
    assert Decimal(str(cell.value)) == (executed / budget).quantize(Decimal("0.0001"))
    assert cell.number_format == "0.00%"
    other = wb.worksheets[2][FORM.funds_cell("total", "rate")]
    assert other.value == "=" + FORM.rate_formula("total")  # the template's formula kept
    assert other.number_format == "0.00%"


def test_cover_time_share_and_links(books: dict[str, Any]) -> None:
    grid = read_grid(books["out"])
    cover = grid.sheets[0]
    assert cover.get(*parse_a1(L.STANDARD.monitoring_cover.time_share.ref)) == 0.5833
    first = L.STANDARD.cover.first_project_row
    for i, sheet in enumerate(s for s in grid.sheets[2:] if s.visible):
        assert cover.get(first + i, 7) == sheet.get(*parse_a1(FORM.funds_cell("total", "rate")))
        assert cover.get(first + i, 8) == sheet.get(*parse_a1(FORM.light_cell))


def test_light_fill_follows_the_text(books: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(books["out"])
    ws = wb.worksheets[2]
    rules = {
        rule.formula[0]: rule.dxf.fill.fgColor.rgb[-6:]
        for rng in ws.conditional_formatting
        for rule in rng.rules
        if FORM.light_cell in str(rng.sqref)
    }
    assert rules == {'"绿"': "C6EFCE", '"黄"': "FFEB9C", '"红"': "FFC7CE"}


def test_only_rates_lights_and_cover_figures_change(books: dict[str, Any]) -> None:
    before, after = read_grid(books["clerk"]), read_grid(books["out"])
    rate_col = FORM.funds_columns["rate"][0]
    light_col = FORM.indicator_columns["light"][0]
    time_share = parse_a1(L.STANDARD.monitoring_cover.time_share.ref)
    for a, b in zip(before.sheets, after.sheets, strict=True):
        rows = range(1, max(a.nrows, b.nrows) + 1)
        cols = range(1, 30)
        changed = {(r, c) for r in rows for c in cols if a.get(r, c) != b.get(r, c)}
        if a.name == C.COVER_SHEET:
            first = L.STANDARD.cover.first_project_row  # the links: values of now
            assert all(
                (r, c) == time_share or (first <= r < first + 19 and 2 <= c <= 8)
                for r, c in changed
            ), changed
        else:
            assert all(c in (rate_col, light_col) for _, c in changed), (a.name, changed)


def test_json_report(books: dict[str, Any]) -> None:
    report = books["report"]
    assert (report["stage"], report["month"], report["schedule"]) == ("monitoring", 7, 58.33)
    for i, p in enumerate(report["projects"]):
        budget, executed = books["typed"][i]
        assert Decimal(str(p["rate"])) == cents(executed * 100 / budget)
        assert p["light"] == expected_light(budget, executed)
    assert report["problems"] == []


@pytest.mark.libreoffice
def test_libreoffice_agrees_with_perfxls_cached_values(
    books: dict[str, Any], tmp_path: Path
) -> None:
    out: Path = books["out"]
    convert(
        [out], "xlsx", tmp_path, timeout=240, profile=libreoffice_profile("recalc", RECALC_ALWAYS)
    )
    lo, ours = read_grid(tmp_path / out.name), read_grid(out)
    cells = [parse_a1(FORM.funds_cell(k, "rate")) for k in FORM.funds_rows]
    for a, b in zip(lo.sheets[2:], ours.sheets[2:], strict=True):
        for r, c in cells:
            if (a.name, r) == (ours.sheets[2 + TYPED_OVER].name, cells[0][0]):
                continue  # a number, not a formula
            assert (
                a.get(r, c) in (b.get(r, c), "")
                if b.get(r, c) is None
                else (a.get(r, c) == pytest.approx(b.get(r, c), abs=1e-12))
            ), (a.name, r, c)
    first = L.STANDARD.cover.first_project_row
    time_share = parse_a1(L.STANDARD.monitoring_cover.time_share.ref)
    assert lo.sheets[0].get(*time_share) == pytest.approx(0.5833)
    for i in range(19):
        for c in (6, 7, 8):
            assert lo.sheets[0].get(first + i, c) == ours.sheets[0].get(first + i, c), (i, c)
