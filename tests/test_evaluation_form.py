"""The self-evaluation workbook (issue 14): ``perfxl new evaluation`` from the Suying example,
a clerk's actuals typed by label and read back by ``export``, LibreOffice computing the sheet's
own formulas (执行率, scores, 总分, 自评等级) to the figures worked by hand here."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import EXAMPLE_JSON, EXAMPLE_XLSX, convert, libreoffice_profile
from openpyxl.worksheet.worksheet import Worksheet
from patchfixtures import RECALC_ALWAYS

from perfxl import constants as C
from perfxl import scoring as S
from perfxl.model import Indicator, Project, Targets, Unit
from perfxl.scoring import GRADES, PROFILES
from perfxl.write.evaluation import build_evaluation
from perfxl.write.fill import save

PERFXL = [sys.executable, "-m", "perfxl.cli"]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PERFXL, *map(str, args)], capture_output=True, text=True, check=False)


def export(book: Path) -> dict[str, Any]:
    proc = run("export", book)
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("evaluation") / "自评.xlsx"
    proc = run("new", "evaluation", EXAMPLE_XLSX, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert "19 个项目，114 条指标" in proc.stderr
    return out


CARRIED_INDICATOR = ("level1", "level2", "level3", "target")


def test_every_carried_value_equals_the_targets(evaluation: Path) -> None:
    targets = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    got = export(evaluation)
    assert (got["stage"], got["month"], got["profile"]) == ("evaluation", None, "default")
    for key in ("unit", "year", "money_unit", "framework", "overall"):
        assert got[key] == targets[key], key
    assert len(got["projects"]) == 19
    assert sum(len(p["indicators"]) for p in got["projects"]) == 114
    for want, p in zip(targets["projects"], got["projects"], strict=True):
        for key in ("code", "name", "budget", "fiscal_funds", "other_funds", "goals"):
            assert p[key] == want[key], (want["name"], key)
        assert [{k: i[k] for k in CARRIED_INDICATOR} for i in p["indicators"]] == [
            {k: i[k] for k in CARRIED_INDICATOR} for i in want["indicators"]
        ]
        e = p["evaluation"]
        for row, key in (("total", "budget"), ("fiscal", "fiscal_funds"), ("other", "other_funds")):
            # 年初预算数 carried, and 全年预算数 defaults to it (no monitoring behind)
            assert e[row]["initial"] == e[row]["budget"] == want[key], (want["name"], row)
        assert e["carryover"]["initial"] is None
        assert e["total"]["points"] == 10
        assert e["implementer"] == targets["unit"]["name"]
        assert e["department"] is None
        assert len(e["indicators"]) == len(want["indicators"])
        assert all(set(r.values()) == {None} for r in e["indicators"])


# --- a clerk's typing, found by the labels -----------------------------------------------------
def find(ws: Worksheet, text: str) -> tuple[int, int]:
    """The (row, column) of the first cell showing ``text``."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise AssertionError(f"no label {text!r} on {ws.title}")


def row_of(ws: Worksheet, level3: str) -> int:
    col = find(ws, C.L_LEVEL3)[1]
    for r in range(1, ws.max_row + 1):
        if ws.cell(row=r, column=col).value == level3:
            return r
    raise AssertionError(level3)


def type_funds(ws: Worksheet, row_label: str, column_label: str, value: Any) -> None:
    r = find(ws, row_label)[0]
    c = find(ws, column_label)[1]
    assert ws.cell(row=r, column=c).protection.locked is False  # an input cell
    ws.cell(row=r, column=c).value = value


def column_of(ws: Worksheet, label: str) -> int:
    """The indicator table's column headed ``label`` (得分 heads a funds column too)."""
    header = find(ws, C.L_LEVEL3)[0]
    return next(c.column for c in ws[header] if c.value == label)


def type_row(ws: Worksheet, level3: str, column_label: str, value: Any) -> None:
    r, c = row_of(ws, level3), column_of(ws, column_label)
    assert ws.cell(row=r, column=c).protection.locked is False, (level3, column_label)
    ws.cell(row=r, column=c).value = value


# Project 1 (“凤还巢”大学生村干部工资及保险, budget 8.39): every kind of row, worked by hand
# under the default profile. 产出指标 50 over its 4 rows: 12.50 each; 效益 30; 满意度 10.
#   funds: 7 of 8.39 → 执行率 ROUND(0.834326, 4) = 0.8343 → 8.343 → 8.34
#   财政补贴人数 ≥2人, 2 → 12.50 (full)
#   资金发放覆盖率 95% (a bare number: 正向 in effect), 90 → 90/95 × 12.5 = 11.842 → 11.84
#   资金发放时间 (qualitative), 部分达成…, no score typed → lowest of 60–80 %: 7.50
#   财政补贴下发金额 83380元, 80000 → 80000/83380 × 12.5 = 11.993 → 11.99
#   提升员工家属认同感 ≥95%, 96 → 30.00 (full)
#   员工满意度 ≥95%, 93 → 93/95 × 10 = 9.789 → 9.79
#   总分 = 8.34 + 12.50 + 11.84 + 7.50 + 11.99 + 30.00 + 9.79 = 91.96 → 优
# A percent row's 实际完成值 is a percent cell: typing 90% (or 90) there stores 0.9, which
# the reader reads back as 90%.
FIRST_ROWS: tuple[tuple[str, Any, float | None], ...] = (
    ("财政补贴人数", 2, 12.5),
    ("资金发放覆盖率", 0.9, 11.84),
    ("资金发放时间", "按月足额缴纳", None),
    ("财政补贴下发金额", 80000, 11.99),
    ("提升员工家属认同感", 0.96, 30.0),
    ("员工满意度", 0.93, 9.79),
)
READ_BACK = {0.9: "90%", 0.96: "96%", 0.93: "93%"}


@pytest.fixture(scope="module")
def typed(evaluation: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    wb = openpyxl.load_workbook(evaluation)
    ws = wb.worksheets[2]
    type_funds(ws, C.L_FUNDS_TOTAL, C.L_EXECUTED_YEAR, 7)
    type_funds(ws, C.L_FUNDS_THIS_YEAR, C.L_EXECUTED_YEAR, 7)
    r, c = find(ws, C.L_ACHIEVED)
    ws.cell(row=r + 1, column=c).value = "全年按月发放补贴、缴纳保险。"
    r, c = find(ws, C.L_DEPARTMENT)
    ws.cell(row=r, column=c + 1).value = "巨鹿县苏营镇人民政府"
    for level3, actual, _ in FIRST_ROWS:
        type_row(ws, level3, C.L_ACTUAL, actual)
    type_row(ws, "资金发放时间", C.L_GRADE, GRADES[1])
    type_row(ws, "资金发放覆盖率", C.L_DEVIATION_REMEDY, "个别人员年中调动，次年按时发放。")
    # Project 2: a qualitative score typed, a money actual as text (needs perfxl), 分值 typed
    ws2 = wb.worksheets[3]
    type_funds(ws2, C.L_FUNDS_TOTAL, C.L_EXECUTED_YEAR, 100)
    type_row(ws2, "资金支付时间", C.L_GRADE, GRADES[0])
    type_row(ws2, "资金支付时间", C.L_SCORE, 11)
    type_row(ws2, "财政补贴下发金额", C.L_ACTUAL, "100万元")
    type_row(ws2, "办公设备维修更新台数", C.L_POINTS, 20)
    out = tmp_path_factory.mktemp("typed") / "自评-已填.xlsx"
    wb.save(out)
    return out


def test_typed_values_read_back(typed: Path) -> None:
    got = export(typed)
    e = got["projects"][0]["evaluation"]
    assert (e["total"]["executed"], e["fiscal"]["executed"]) == (7, 7)
    assert e["achieved"] == "全年按月发放补贴、缴纳保险。"
    assert e["department"] == "巨鹿县苏营镇人民政府"
    rows = e["indicators"]
    assert [r["actual"] for r in rows] == [READ_BACK.get(a, a) for _, a, _ in FIRST_ROWS]
    assert rows[2]["grade"] == GRADES[1]
    assert rows[1]["deviation"] == "个别人员年中调动，次年按时发放。"
    assert all(r["points"] is None for r in rows)  # the default split: not typed
    e2 = got["projects"][1]["evaluation"]
    assert e2["total"]["executed"] == 100
    assert (e2["indicators"][2]["grade"], e2["indicators"][2]["score"]) == (GRADES[0], 11)
    assert e2["indicators"][3]["actual"] == "100万元"
    assert e2["indicators"][0]["points"] == 20
    assert [r["points"] for r in e2["indicators"][1:]] == [None] * 5


def test_the_sheet_is_protected_and_the_helpers_hidden(evaluation: Path) -> None:
    wb = openpyxl.load_workbook(evaluation)
    ws = wb.worksheets[2]
    assert ws.protection.sheet and not ws.protection.password
    r, c = find(ws, C.L_INITIAL)
    assert ws.cell(row=r + 1, column=c).protection.locked  # 年初预算数 carried, locked
    hidden = [k for k, d in ws.column_dimensions.items() if d.hidden]
    assert len(hidden) == len(C.EVALUATION_HELPER_HEADERS)
    grades = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert grades and all(GRADES[0] in (dv.formula1 or "") for dv in grades)
    assert wb.worksheets[0]["A1"].value == f"2023年度{C.EVALUATION_COVER_TITLE}"


@pytest.fixture(scope="module")
def recalculated(typed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The typed workbook recalculated and saved by LibreOffice."""
    outdir = tmp_path_factory.mktemp("recalculated")
    [out] = convert(
        [typed], "xlsx", outdir, timeout=240, profile=libreoffice_profile("recalc", RECALC_ALWAYS)
    )
    return out


def test_libreoffice_computes_the_formulas(recalculated: Path) -> None:
    """LibreOffice recalculates the sheet's own formulas to the figures worked by hand."""
    out = recalculated
    wb = openpyxl.load_workbook(out, data_only=True)
    errors = [
        f"{ws.title}!{cell.coordinate}={cell.value}"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and (cell.value.startswith(("#", "Err:")))
    ]
    assert errors == []
    ws = wb.worksheets[2]
    r = find(ws, C.L_FUNDS_TOTAL)[0]
    assert ws.cell(row=r, column=find(ws, C.L_RATE)[1]).value == pytest.approx(0.8343)
    assert ws.cell(row=r, column=find(ws, C.L_SCORE)[1]).value == pytest.approx(8.34)
    col = column_of(ws, C.L_SCORE)
    for level3, _, want in FIRST_ROWS:
        got = ws.cell(row=row_of(ws, level3), column=col).value
        assert got == (pytest.approx(want) if want is not None else None), level3
    total_row = find(ws, C.L_TOTAL_SCORE)[0]
    level_col = find(ws, C.L_LEVEL)[1]
    assert ws.cell(row=total_row, column=col).value == pytest.approx(91.96)
    assert ws.cell(row=total_row, column=level_col + 1).value == "优"
    assert ws.cell(row=total_row, column=col - 1).value == pytest.approx(100)
    # Project 2: the money actual typed as text needs perfxl: its score and 总分 stay blank.
    ws2 = wb.worksheets[3]
    assert ws2.cell(row=row_of(ws2, "财政补贴下发金额"), column=col).value is None
    assert ws2.cell(row=find(ws2, C.L_TOTAL_SCORE)[0], column=col).value is None
    assert ws2.cell(row=row_of(ws2, "资金支付时间"), column=col).value == 11
    # The cover links each project's 总分 and 自评等级.
    cover = wb.worksheets[0]
    hr = find(cover, C.EVALUATION_COVER_HEADERS[6])[0]
    assert cover.cell(row=hr + 1, column=7).value == pytest.approx(91.96)
    assert cover.cell(row=hr + 1, column=8).value == "优"


def test_the_formulas_agree_with_perfxl_scoring(recalculated: Path) -> None:
    """Every figure LibreOffice computed from the sheet's formulas, in all 19 projects, is
    the one `perfxl.scoring` gives for what was typed (a text actual, scored by perfxl only,
    leaves the sheet's score and 总分 blank)."""
    got = export(recalculated)
    profile = PROFILES[got["profile"]]
    compared = 0
    for p in got["projects"]:
        e = p["evaluation"]
        total = e["total"]
        funds = S.funds_score(total["budget"], total["executed"], total["points"])
        assert e["total"]["rate"] == pytest.approx(float(funds.rate or 0) / 100), p["name"]
        assert e["total"]["score"] == pytest.approx(float(funds.score or 0)), p["name"]
        split = S.split_points(
            [i["level1"] for i in p["indicators"]], [r["points"] for r in e["indicators"]], profile
        )
        scores: list[Decimal | None] = [funds.score]
        text_actual = False
        for ind, row, points in zip(p["indicators"], e["indicators"], split.points, strict=True):
            want = S.indicator_score(
                ind["target"], row["actual"], points, profile, row["grade"], row["score"]
            )
            scores.append(want.score)
            # a text actual needs perfxl (a percent cell's 0.96 reads back as the text 96%)
            as_text = isinstance(row["actual"], str) and not row["actual"].endswith("%")
            if as_text and want.rule != S.QUALITATIVE:
                text_actual = True
                assert row["score"] is None  # needs perfxl
            elif want.rule != S.QUALITATIVE and want.score is not None:
                assert row["score"] == pytest.approx(float(want.score)), (p["name"], ind)
                compared += 1
        if text_actual:
            assert e["score"] is None
            continue
        want_total = S.total(scores)
        assert e["score"] == pytest.approx(float(want_total)), p["name"]
        assert e["level"] == S.level_of(want_total, profile), p["name"]
    assert compared >= 5


# --- every rule of the formulas, on a made-up project, under both shipped profiles ------------
def _targets() -> Targets:
    rows = [
        ("产出指标", "数量指标", "正向", "≥10个"),
        ("产出指标", "成本指标", "反向", "≤10万元"),
        ("产出指标", "时效指标", "反向2", "＜20天"),
        ("效益指标", "社会效益指标", "等于0", "=0起"),
        ("效益指标", "社会效益指标", "定性", "群众认可度提高"),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%"),
    ]
    p = Project(
        code="P1",
        name="测试项目",
        budget=100,
        fiscal_funds=100,
        other_funds=0,
        goals=["目标"],
        indicators=[Indicator(a, b, c, None, t, None) for a, b, c, t in rows],
    )
    return Targets(unit=Unit("910001", "测试单位"), year=2023, projects=[p])


# actuals typed; the expected scores by profile, worked by hand (产出 50 over 3 rows: the
# leftover cent to the first row, 16.67 / 16.67 / 16.66; 效益 30 over 2: 15 / 15; 满意度 10)
RULE_ROWS: tuple[tuple[str, Any, float, float], ...] = (
    ("正向", 8, 13.34, 13.34),  # 8/10 × 16.67 = 13.336
    ("反向", 12, 13.34, 13.89),  # linear (1 − 2/10) × 16.67 = 13.336; ratio 10/12 × 16.67 = 13.89
    ("反向2", 40, 0.0, 8.33),  # linear: at 2 × target → 0; ratio 20/40 × 16.66 = 8.33
    ("等于0", 0, 15.0, 15.0),  # target 0, actual 0 → full
    ("满意度", -0.05, 0.0, 0.0),  # a negative actual (-5 %) counts as 0
)


@pytest.mark.parametrize("profile", ["default", "ratio-reverse"])
def test_every_rule_computes_in_libreoffice(profile: str, tmp_path: Path) -> None:
    book = tmp_path / f"rules-{profile}.xlsx"
    save(build_evaluation(_targets(), PROFILES[profile]), book)
    wb = openpyxl.load_workbook(book)
    ws = wb.worksheets[2]
    type_funds(ws, C.L_FUNDS_TOTAL, C.L_EXECUTED_YEAR, 120)  # above budget: full 10
    for level3, actual, _, _ in RULE_ROWS:
        type_row(ws, level3, C.L_ACTUAL, actual)
    type_row(ws, "定性", C.L_GRADE, GRADES[2])  # no score typed: 0 % of 15 counted
    wb.save(book)
    outdir = tmp_path / "out"
    outdir.mkdir()
    [out] = convert(
        [book], "xlsx", outdir, timeout=240, profile=libreoffice_profile("recalc", RECALC_ALWAYS)
    )
    ws = openpyxl.load_workbook(out, data_only=True).worksheets[2]
    col = column_of(ws, C.L_SCORE)
    which = 2 if profile == "default" else 3
    for row in RULE_ROWS:
        got = ws.cell(row=row_of(ws, row[0]), column=col).value
        assert got == pytest.approx(row[which]), (profile, row[0])
    points = [ws.cell(row=row_of(ws, r[0]), column=col - 1).value for r in RULE_ROWS]
    assert points == pytest.approx([16.67, 16.67, 16.66, 15, 10])
    funds = ws.cell(row=find(ws, C.L_FUNDS_TOTAL)[0], column=find(ws, C.L_SCORE)[1]).value
    assert funds == pytest.approx(10)
    total = round(10 + sum(r[which] for r in RULE_ROWS), 2)
    assert ws.cell(row=find(ws, C.L_TOTAL_SCORE)[0], column=col).value == pytest.approx(total)
    level = ws.cell(row=find(ws, C.L_TOTAL_SCORE)[0], column=find(ws, C.L_LEVEL)[1] + 1).value
    assert level == ("差" if total < 60 else "中" if total < 80 else "良" if total < 90 else "优")


# --- --from, a monitoring source, the other verbs ---------------------------------------------
def test_from_keeps_what_was_typed(typed: Path, tmp_path: Path) -> None:
    out = tmp_path / "重新生成.xlsx"
    proc = run("new", "evaluation", EXAMPLE_XLSX, "-o", out, "--from", typed)
    assert proc.returncode == 0, proc.stderr
    assert "19 个项目带入原填报内容" in proc.stderr
    before, after = export(typed), export(out)
    for a, b in zip(before["projects"], after["projects"], strict=True):
        for row in ("total", "fiscal", "carryover", "other"):
            for key in ("initial", "budget", "executed"):
                assert a["evaluation"][row][key] == b["evaluation"][row][key]
        for key in ("department", "implementer", "achieved"):
            assert a["evaluation"][key] == b["evaluation"][key]
        for x, y in zip(a["evaluation"]["indicators"], b["evaluation"]["indicators"], strict=True):
            assert {k: x[k] for k in ("actual", "points", "grade", "deviation")} == {
                k: y[k] for k in ("actual", "points", "grade", "deviation")
            }
    assert after["projects"][1]["evaluation"]["indicators"][2]["score"] == 11


def test_from_must_be_an_evaluation_workbook(tmp_path: Path) -> None:
    proc = run("new", "evaluation", EXAMPLE_XLSX, "-o", tmp_path / "x.xlsx", "--from", EXAMPLE_XLSX)
    assert proc.returncode == 2
    assert "不是绩效自评表" in proc.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_unknown_profile_is_refused(tmp_path: Path) -> None:
    proc = run("new", "evaluation", EXAMPLE_XLSX, "-o", tmp_path / "x.xlsx", "--profile", "nope")
    assert proc.returncode == 2
    assert "未知的评分方案“nope”" in proc.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_a_monitoring_source_gives_the_adjusted_budget(tmp_path: Path) -> None:
    mon = tmp_path / "监控.xlsx"
    assert run("new", "monitoring", EXAMPLE_XLSX, "-o", mon).returncode == 0
    wb = openpyxl.load_workbook(mon)
    ws = wb.worksheets[2]
    r, c = find(ws, C.L_FUNDS_TOTAL)[0], find(ws, C.L_ADJUSTED)[1]
    ws.cell(row=r, column=c).value = 9.5
    wb.save(mon)
    out = tmp_path / "自评.xlsx"
    proc = run("new", "evaluation", mon, "-o", out, "--profile", "ratio-reverse")
    assert proc.returncode == 0, proc.stderr
    got = export(out)
    assert got["profile"] == "ratio-reverse"
    first = got["projects"][0]["evaluation"]["total"]
    assert (first["initial"], first["budget"]) == (8.39, 9.5)
    second = got["projects"][1]["evaluation"]["total"]
    assert second["initial"] == second["budget"] is not None
    assert "monitoring" not in got["projects"][0]
    cover = openpyxl.load_workbook(out).worksheets[0]
    r, c = find(cover, C.L_PROFILE)
    assert str(cover.cell(row=r, column=c + 1).value).startswith("ratio-reverse")


def test_consolidate_and_publish_leave_it_out(evaluation: Path, tmp_path: Path) -> None:
    # alone, it is consolidated into the county self-evaluation summary (tests/test_county_evaluation.py)
    proc = run("consolidate", evaluation, EXAMPLE_XLSX, "-o", tmp_path / "汇总.xlsx")
    assert proc.returncode == 2
    assert "自评表不计入" in proc.stdout
    # publish writes the self-evaluation disclosure (tests/test_publish_evaluation.py); with
    # a targets workbook beside it, the stage must be chosen.
    proc = run("publish", evaluation, EXAMPLE_XLSX, "-o", tmp_path / "公开.docx")
    assert proc.returncode == 2 and not (tmp_path / "公开.docx").exists()
    assert "--stage evaluation 生成绩效自评公开文本" in proc.stderr


def test_the_county_config_chooses_the_profile(tmp_path: Path) -> None:
    config = tmp_path / "县配置.toml"
    config.write_text('[evaluation]\nprofile = "ratio-reverse"\n', encoding="utf-8")
    out = tmp_path / "自评.xlsx"
    proc = run("new", "evaluation", EXAMPLE_XLSX, "-o", out, "--config", config)
    assert proc.returncode == 0, proc.stderr
    assert export(out)["profile"] == "ratio-reverse"
    again = tmp_path / "自评-default.xlsx"
    proc = run(
        "new", "evaluation", EXAMPLE_XLSX, "-o", again, "--config", config, "--profile", "default"
    )
    assert proc.returncode == 0, proc.stderr
    assert export(again)["profile"] == "default"  # --profile wins over the config
