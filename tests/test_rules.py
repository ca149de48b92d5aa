"""Every reviewer rule fires on a small inline workbook and is silent on a correct one.

Workbooks are built from a dict (the JSON contract) with perfxl's writer under ``tmp_path``
and read back by the real reader; tests compare lists of problem records (rule, severity,
sheet, cell, pointer), never message strings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from perfxl.model import Targets
from perfxl.rules.catalogue import CATALOGUE
from perfxl.rules.families import modules
from perfxl.validate import ValidationReport, validate_file
from perfxl.write.fill import write_new

FIELDS = ("level1", "level2", "level3", "description", "target", "basis")
SHEET = "1.道路养护"


def good_project(n: int = 0) -> dict[str, Any]:
    """A project table every rule accepts; ``n`` makes projects of one workbook differ."""
    rows = [
        [
            "产出指标",
            "数量指标",
            f"养护道路长度{n}",
            "年内完成养护的乡道总长度",
            "≥12公里",
            "计划标准",
        ],
        ["产出指标", "质量指标", "验收合格率", "养护路段经验收合格的比例", "≥95%", "行业标准"],
        [
            "产出指标",
            "时效指标",
            "完成时间",
            "全部养护工程完工的时间",
            "2023年11月底前",
            "计划标准",
        ],
        ["产出指标", "成本指标", "养护成本", "全年养护支出", "10万元", "计划标准"],
        [
            "效益指标",
            "社会效益指标",
            "群众出行时间",
            "沿线群众到镇区平均出行时间",
            "≤20分钟",
            "历史标准",
        ],
        [
            "满意度指标",
            "服务对象满意度指标",
            "沿线群众满意度",
            "问卷调查满意的比例",
            "≥90%",
            "其他",
        ],
    ]
    return {
        "code": f"13052923P0058401106{n}Q",
        "name": "道路养护" if n == 0 else f"道路养护{n}",
        "budget": 10.0,
        "fiscal_funds": 8.0,
        "other_funds": 2.0,
        "purpose": "乡道日常养护",
        "plan": {"mar": 2.5, "jun": 5.0, "oct": 8.0, "dec": 10.0},
        "goals": [f"1.完成第{n}标段道路养护", "2.保障群众出行"],
        "indicators": [dict(zip(FIELDS, r, strict=True)) for r in rows],
    }


def good_data(projects: int = 1) -> dict[str, Any]:
    """A whole workbook's data that validates without a single problem."""
    return {
        "schema_version": "1",
        "unit": {"code": "910001", "name": "巨鹿县某镇人民政府本级"},
        "year": 2023,
        "money_unit": "万元",
        "framework": "2015",
        "overall": {"summary": "总体目标", "areas": [], "measures": []},
        "projects": [good_project(n) for n in range(projects)],
    }


def run(tmp_path: Path, data: dict[str, Any], name: str = "book.xlsx") -> ValidationReport:
    """Write ``data`` into a workbook and validate the file."""
    path = tmp_path / name
    write_new(Targets.from_dict(data), path)
    return validate_file(path)


def records(report: ValidationReport) -> list[tuple[Any, ...]]:
    """The comparable part of each problem."""
    return [(p.rule, p.severity, p.sheet, p.cell, p.pointer) for p in report.problems]


def ind(data: dict[str, Any], j: int, **changes: Any) -> None:
    """Change fields of indicator ``j`` of the first project."""
    data["projects"][0]["indicators"][j].update(changes)


def prj(data: dict[str, Any], **changes: Any) -> None:
    """Change fields of the first project."""
    data["projects"][0].update(changes)


def plan(data: dict[str, Any], **changes: Any) -> None:
    """Change checkpoints of the first project's plan."""
    data["projects"][0]["plan"].update(changes)


P0 = "/projects/0"
I0 = f"{P0}/indicators"

# (rule under test, change to the correct data, expected problem records)
CASES: list[tuple[str, Callable[[dict[str, Any]], None], list[tuple[Any, ...]]]] = [
    (
        "schema.required",
        lambda d: prj(d, name=None),
        [("schema.required", "error", "项目1", "E3", f"{P0}/name")],
    ),
    (
        "schema.type",
        lambda d: d.update(year="二〇二三"),
        [("schema.type", "error", "封面", "B5", "/year")],
    ),
    (
        "read.amount_unreadable (not a number; the schema's type error is not repeated)",
        lambda d: prj(d, budget="十万"),
        [("read.amount_unreadable", "error", SHEET, "C4", f"{P0}/budget")],
    ),
    (
        "schema.negative",
        lambda d: prj(d, fiscal_funds=11.0, other_funds=-1.0),
        [("schema.negative", "error", SHEET, "G4", f"{P0}/other_funds")],
    ),
    (
        "schema.decimals",
        lambda d: prj(d, budget=10.001, fiscal_funds=8.001),
        [
            ("schema.decimals", "error", SHEET, "C4", f"{P0}/budget"),
            ("schema.decimals", "error", SHEET, "E4", f"{P0}/fiscal_funds"),
        ],
    ),
    (
        "schema.code_shape",
        lambda d: prj(d, code="13052923P0058401106"),
        [("schema.code_shape", "error", SHEET, "B3", f"{P0}/code")],
    ),
    (
        "schema.enum",
        lambda d: d.update(framework="2019"),
        [("schema.enum", "error", "封面", "B7", "/framework")],
    ),
    (
        "schema.range",
        lambda d: d.update(year=1999),
        [("schema.range", "error", "封面", "B5", "/year")],
    ),
    (
        "code.year_mismatch (a project code of last year: perfxl rollover)",
        lambda d: d.update(year=2024),
        [("code.year_mismatch", "warning", SHEET, "B3", f"{P0}/code")],
    ),
    (
        "schema.required (12月底)",
        lambda d: plan(d, dec=None),
        [("schema.required", "error", SHEET, "E7", f"{P0}/plan/dec")],
    ),
    (
        "indicator.pair",
        lambda d: ind(d, 4, level2="数量指标"),
        [("indicator.pair", "error", SHEET, "B15", f"{I0}/4/level2")],
    ),
    (
        "amount.funds_sum",
        lambda d: prj(d, fiscal_funds=7.0),
        [("amount.funds_sum", "error", SHEET, "E4", f"{P0}/fiscal_funds")],
    ),
    (
        "plan.decreasing",
        lambda d: plan(d, jun=2.0),
        [("plan.decreasing", "error", SHEET, "C7", f"{P0}/plan/jun")],
    ),
    (
        "plan.dec_budget",
        lambda d: plan(d, dec=9.0),
        [("plan.dec_budget", "error", SHEET, "E7", f"{P0}/plan/dec")],
    ),
    (
        "indicator.rate_over_100",
        lambda d: ind(d, 1, target="≥105%"),
        [("indicator.rate_over_100", "error", SHEET, "F12", f"{I0}/1/target")],
    ),
    (
        "indicator.rate_over_100 (a number cell)",
        lambda d: ind(d, 5, target=120),
        [
            ("indicator.rate_over_100", "error", SHEET, "F16", f"{I0}/5/target"),
            ("target.no_unit", "warning", SHEET, "F16", f"{I0}/5/target"),
        ],
    ),
    (
        "cost.budget_mismatch",
        lambda d: ind(d, 3, target="83380元"),
        [("cost.budget_mismatch", "warning", SHEET, "F14", f"{I0}/3/target")],
    ),
    (
        "indicators.missing_level1",
        lambda d: d["projects"][0]["indicators"].pop(5),
        [("indicators.missing_level1", "warning", SHEET, "A10", I0)],
    ),
    (
        "indicator.description_repeats",
        lambda d: ind(d, 1, description="验收合格率"),
        [("indicator.description_repeats", "warning", SHEET, "D12", f"{I0}/1/description")],
    ),
    (
        "indicator.level3_generic",
        lambda d: ind(d, 0, level3="数量"),
        [("indicator.level3_generic", "warning", SHEET, "C11", f"{I0}/0/level3")],
    ),
    (
        "indicator.misplaced",
        lambda d: ind(d, 4, level3="群众满意度提升"),
        [("indicator.misplaced", "warning", SHEET, "C15", f"{I0}/4/level3")],
    ),
    (
        "target.vague",
        lambda d: ind(d, 4, target="明显改善"),
        [("target.vague", "warning", SHEET, "F15", f"{I0}/4/target")],
    ),
    (
        "target.not_applicable",
        lambda d: ind(d, 4, target="不涉及"),
        [("target.not_applicable", "warning", SHEET, "F15", f"{I0}/4/target")],
    ),
    (
        "target.qualitative",
        lambda d: ind(d, 0, target="按计划完成养护"),
        [("target.qualitative", "warning", SHEET, "F11", f"{I0}/0/target")],
    ),
    (
        "target.no_unit",
        lambda d: ind(d, 0, target="88"),
        [("target.no_unit", "warning", SHEET, "F11", f"{I0}/0/target")],
    ),
    (
        "target.placeholder",
        lambda d: [ind(d, j, target="100%") for j in range(6)],
        [("target.placeholder", "warning", SHEET, "F11", f"{I0}/0/target")],
    ),
    (
        "plan.behind_schedule",
        lambda d: plan(d, mar=None, jun=5.0, oct=5.0),
        [("plan.behind_schedule", "warning", SHEET, "D7", f"{P0}/plan/oct")],
    ),
    (
        "basis.unlisted",
        lambda d: ind(d, 0, basis="走访调研"),
        [("basis.unlisted", "info", SHEET, "G11", f"{I0}/0/basis")],
    ),
]


@pytest.mark.parametrize(("rule", "change", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires_at_its_cell(
    tmp_path: Path,
    rule: str,
    change: Callable[[dict[str, Any]], None],
    expected: list[tuple[Any, ...]],
) -> None:
    data = good_data()
    change(data)
    got = records(run(tmp_path, data))
    # the name-less project's sheet is 项目1; every other case keeps 1.道路养护
    assert got == expected


def test_correct_workbook_is_silent(tmp_path: Path) -> None:
    report = run(tmp_path, good_data(projects=3))
    assert report.problems == []
    assert (report.errors, report.warnings, report.infos) == (0, 0, 0)


def test_boilerplate_indicator_across_projects(tmp_path: Path) -> None:
    data = good_data(projects=4)
    for p in data["projects"][:3]:
        p["indicators"][0].update(level3="办公设备维修更新台数", target="≥5台")
    got = records(run(tmp_path, data))
    assert got == [
        ("boilerplate.indicator", "warning", name, "C11", f"/projects/{i}/indicators/0/level3")
        for i, name in enumerate(["1.道路养护", "2.道路养护1", "3.道路养护2"])
    ]


def test_boilerplate_needs_min_projects(tmp_path: Path) -> None:
    data = good_data(projects=3)
    for p in data["projects"][:2]:
        p["indicators"][0].update(level3="办公设备维修更新台数", target="≥5台")
    assert run(tmp_path, data).problems == []


def test_boilerplate_goals_across_projects(tmp_path: Path) -> None:
    data = good_data(projects=3)
    for p in data["projects"]:
        p["goals"] = ["1.提升工作人员幸福感", "2.提高员工工作效率"]
    got = records(run(tmp_path, data))
    assert got == [
        ("boilerplate.goals", "warning", name, "B9", f"/projects/{i}/goals")
        for i, name in enumerate(["1.道路养护", "2.道路养护1", "3.道路养护2"])
    ]


def test_problem_carries_project_code_and_value(tmp_path: Path) -> None:
    data = good_data()
    ind(data, 3, target="83380元")
    (p,) = run(tmp_path, data).problems
    assert p.project_code == "13052923P00584011060Q"
    assert p.value == "83380元"
    assert p.file == str(tmp_path / "book.xlsx")


def test_amount_precision_is_decimal_not_binary(tmp_path: Path) -> None:
    data = good_data()
    prj(data, budget=8.39, fiscal_funds=6.39, other_funds=2.0)
    plan(data, mar=2.1, jun=4.19, oct=6.99, dec=8.39)
    ind(data, 3, target="8.39万元")
    assert run(tmp_path, data).problems == []


def test_2021_framework_pairs(tmp_path: Path) -> None:
    data = good_data()
    data["framework"] = "2021"
    ind(data, 3, level1="成本指标", level2="经济成本指标")
    assert run(tmp_path, data).problems == []
    ind(data, 3, level1="产出指标", level2="成本指标")  # the 2015 pair is wrong under 2021
    got = records(run(tmp_path, data, "b2.xlsx"))
    assert got == [("indicator.pair", "error", SHEET, "B14", f"{I0}/3/level2")]


def test_every_family_rule_is_in_the_catalogue_with_a_template() -> None:
    for module in modules():
        for rule in map(CATALOGUE.__getitem__, module.EMITS):
            assert rule.severity in ("error", "warning", "info")
            # says how to fix it (file.unreadable: the reason's own advice, else the general one)
            assert "请" in rule.template or rule.template.endswith("{detail}{advice}")


def test_every_rule_has_a_firing_case() -> None:
    covered = {c[0].split(" ")[0] for c in CASES} | {
        "boilerplate.indicator",
        "boilerplate.goals",
        "file.unreadable",  # tests/test_validate.py
        "file.missing",  # tests/test_inputs.py
        "file.not_perfxl",  # tests/test_not_perfxl.py
        "monitoring.carried_changed",  # tests/test_monitoring_carried.py (workbooks)
        "monitoring.carried_added",
        "monitoring.carried_missing",
        "monitoring.month_invalid",  # tests/test_month_and_funds_points.py (workbooks)
        "monitoring.month_labels",
    }
    from test_monitoring_rules import CASES as MONITORING_CASES  # models built inline

    covered |= {rule for _, _, expected in MONITORING_CASES for rule, _ in expected}
    from test_evaluation_rules import EVALUATION_RULE_CASES  # workbooks and models

    covered |= EVALUATION_RULE_CASES
    emitted = {rid for m in modules() for rid in m.EMITS} - {"schema.other"}
    assert emitted <= covered, emitted - covered


def test_name_missing_sheet_is_default_name() -> None:
    # the schema.required case above expects the default sheet name for a nameless project
    from perfxl.write.fill import project_sheet_name

    assert project_sheet_name(0, None, set()) == "项目1"


def test_accepted_basis_is_found_as_a_plain_substring() -> None:
    """The accepted bases are searched as text (regex characters mean themselves, an empty
    entry accepts everything), as ``any(a in basis ...)`` does."""
    from perfxl.rules.indicators import _contains_any

    words = ["计划标准", "行业(标准)", "a.b"]
    cases = ["按行业(标准)确定", "行业标准", "axb", "a.b 说明", "其他", "计划标准"]
    for text in cases:
        assert _contains_any(words, text) == any(w in text for w in words)
    assert _contains_any(("", "x"), "任何") and not _contains_any(("x",), "任何")
