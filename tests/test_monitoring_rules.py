"""The monitoring stage's arithmetic and rules, on models built inline (no workbook).

Each rule fires at its JSON pointer on a planted fault and is silent on a clean project;
the tests compare (rule, pointer) pairs, never message strings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from perfxl.config import Config, ConfigError, load_config
from perfxl.model import (
    FundsRow,
    Indicator,
    IndicatorProgress,
    Project,
    ProjectMonitoring,
    Targets,
)
from perfxl.monitoring import (
    LIGHT_FILL,
    LIGHT_TEXT,
    Rate,
    execution_rate,
    indicator_light,
    monitor,
    month_of,
    project_light,
    schedule_percent,
)
from perfxl.rules import monitoring as rules
from perfxl.rules.base import Context
from perfxl.rules.catalogue import CATALOGUE, make

D = Decimal

# --- 序时进度, 执行率, lights ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "expected"),
    [(7, "58.33"), (1, "8.33"), (3, "25.00"), (6, "50.00"), (10, "83.33"), (12, "100.00")],
)
def test_schedule_percent_is_month_over_12_half_up(month: int, expected: str) -> None:
    assert schedule_percent(month) == D(expected)


@pytest.mark.parametrize("month", [0, 13, True, 7.5])
def test_schedule_percent_refuses_a_month_outside_1_to_12(month: Any) -> None:
    with pytest.raises(ValueError):
        schedule_percent(month)


@pytest.mark.parametrize(
    ("month", "expected"), [(7, 7), (7.0, 7), ("7", None), (13, None), (True, None), (None, None)]
)
def test_month_of_takes_only_a_usable_month(month: Any, expected: int | None) -> None:
    assert month_of(Targets(stage="monitoring", month=month)) == expected


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (FundsRow(initial=8, executed=2), Rate(D("25.00"))),  # blank adjusted -> initial
        (FundsRow(initial=8, adjusted="  ", executed=2), Rate(D("25.00"))),
        (FundsRow(initial=8, adjusted=10, executed=2), Rate(D("20.00"))),
        (FundsRow(initial=8, executed=1.01), Rate(D("12.63"))),  # decimal, half up
        (FundsRow(initial=3, executed=1), Rate(D("33.33"))),
        (FundsRow(initial=10, executed=None), Rate(D("0.00"))),  # blank executed counts 0
        (FundsRow(initial=10, executed=12.5), Rate(D("125.00"))),
        (FundsRow(initial=None, executed=2), Rate(None, "no_budget")),
        (FundsRow(initial=0, executed=2), Rate(None, "no_budget")),
        (FundsRow(initial=8, adjusted=0, executed=2), Rate(None, "no_budget")),
        (FundsRow(initial="八万元", executed=2), Rate(None, "budget_text")),
        (FundsRow(initial=8, adjusted="待定", executed=2), Rate(None, "budget_text")),
        (FundsRow(initial=8, executed="两万"), Rate(None, "executed_text")),
    ],
)
def test_execution_rate(row: FundsRow, expected: Rate) -> None:
    assert execution_rate(row) == expected


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        ("58.33", "green"),
        ("100.00", "green"),
        ("48.33", "green"),  # exactly 序时 − 10
        ("48.32", "yellow"),
        ("28.33", "yellow"),  # exactly 序时 − 30
        ("28.32", "red"),
        ("0.00", "red"),
        (None, None),
    ],
)
def test_project_light_at_month_7(rate: str | None, expected: str | None) -> None:
    value = None if rate is None else D(rate)
    assert project_light(value, schedule_percent(7)) == expected


def test_project_light_gaps_are_parameters() -> None:
    assert project_light(D("40"), D("58.33"), D("20"), D("40")) == "green"
    assert project_light(D("18.33"), D("58.33"), D("20"), D("40")) == "yellow"
    assert project_light(D("18.32"), D("58.33"), D("20"), D("40")) == "red"


@pytest.mark.parametrize(
    ("likelihood", "expected"),
    [
        ("确定能", "green"),
        (" 确定能 ", "green"),
        ("有可能", "yellow"),
        ("完全不可能", "red"),
        (None, None),
        ("", None),
        ("可能吧", None),
        (1, None),
    ],
)
def test_indicator_light_from_likelihood(likelihood: Any, expected: str | None) -> None:
    assert indicator_light(likelihood) == expected


def test_light_text_and_fill_cover_every_light() -> None:
    assert LIGHT_TEXT == {"green": "绿", "yellow": "黄", "red": "红"}
    assert set(LIGHT_FILL) == set(LIGHT_TEXT)


# --- a clean project, and faults planted in it ---------------------------------------------

TARGETS = ("≥12公里", "≥95%", "2023年11月底前", "10万元", "≤20分钟", "≥90%")
ANSWERS = ("7公里", "96%", "按计划推进", "6万元", "18分钟", "92%")
FORECASTS = ("12公里", "96%", "11月底前完成", "10万元", "18分钟", "92%")


def clean_project() -> Project:
    """A project at 7月底: 60% executed (green), every indicator 确定能, answers in its units."""
    return Project(
        code="13052923P00584011060Q",
        name="道路养护",
        budget=10.0,
        fiscal_funds=8.0,
        other_funds=2.0,
        indicators=[Indicator(level3=f"指标{k}", target=t) for k, t in enumerate(TARGETS)],
        monitoring=ProjectMonitoring(
            total=FundsRow(initial=10.0, executed=6.0, forecast=10.0),
            fiscal=FundsRow(initial=8.0, executed=5.0, forecast=8.0),
            other=FundsRow(initial=2.0, executed=1.0, forecast=2.0),
            progress="按计划推进",
            indicators=[
                IndicatorProgress(current=a, forecast=f, likelihood="确定能")
                for a, f in zip(ANSWERS, FORECASTS, strict=True)
            ],
        ),
    )


def findings(targets: Targets, config: Config | None = None) -> list[tuple[str, str]]:
    ctx = Context(
        targets=targets,
        data=targets.to_dict(),
        config=config or load_config(None),
        framework="2015",
    )
    found = list(rules.check(ctx))
    for f in found:  # every finding makes a complete message from its catalogue template
        p = make(f.rule, pointer=f.pointer, value=f.value, **f.fields)
        assert "{" not in p.message and p.message, p
    return [(f.rule, f.pointer) for f in found]


def book(*projects: Project, month: Any = 7) -> Targets:
    return Targets(stage="monitoring", month=month, year=2023, projects=list(projects))


M = "/projects/0/monitoring"
Plant = Callable[[Project], None]


def _funds(row: str, **values: Any) -> Plant:
    def plant(p: Project) -> None:
        assert p.monitoring is not None
        r = getattr(p.monitoring, row)
        for k, v in values.items():
            setattr(r, k, v)

    return plant


def _progress(j: int, **values: Any) -> Plant:
    def plant(p: Project) -> None:
        assert p.monitoring is not None
        for k, v in values.items():
            setattr(p.monitoring.indicators[j], k, v)

    return plant


def _all(*plants: Plant) -> Plant:
    def plant(p: Project) -> None:
        for f in plants:
            f(p)

    return plant


def _explain(j: int = 0) -> Plant:
    return _progress(j, deviation="经费保障", remedy="8月底前完成拨付")


# 执行数 3 of 其他资金's 2 (the total stays 7 of 10, on schedule).
_OTHER_OVER = _all(
    _funds("total", executed=7.0),
    _funds("fiscal", executed=4.0, forecast=7.0),
    _funds("other", executed=3.0, forecast=3.0),
)
# 1-7月 executed 4 of 10: 40% against 58.33 (yellow); 2 of 10: 20% (red).
_YELLOW = _all(_funds("total", executed=4.0), _funds("fiscal", executed=3.0))
_RED = _all(_funds("total", executed=2.0), _funds("fiscal", executed=1.0))

CASES: list[tuple[str, Plant, list[tuple[str, str]]]] = [
    ("clean", lambda p: None, []),
    (
        "executed over 其他资金",
        _OTHER_OVER,
        [("monitoring.executed_over_budget", f"{M}/other/executed")],
    ),
    ("executed over, explained", _all(_OTHER_OVER, _explain(2)), []),
    (
        "executed within the adjusted budget",
        _all(
            _OTHER_OVER,
            _funds("other", adjusted=3.0),
            _funds("fiscal", adjusted=7.0),
            _funds("total", adjusted=10.0),
        ),
        [],
    ),
    (
        "executed over the adjusted budget",
        _all(
            _funds("total", adjusted=5.0, forecast=6.0),
            _funds("fiscal", adjusted=3.0, forecast=5.0, executed=5.0),
            _funds("other", adjusted=2.0, forecast=1.0),
        ),
        [
            ("monitoring.executed_over_budget", f"{M}/total/executed"),
            ("monitoring.executed_over_budget", f"{M}/fiscal/executed"),
        ],
    ),
    (
        "funds 年初预算数",
        _funds("total", initial=12.0),
        [("monitoring.funds_sum", f"{M}/total/initial")],
    ),
    (
        "funds 调整后 (blank rows are 年初)",
        _funds("total", adjusted=12.0),
        [("monitoring.funds_sum", f"{M}/total/adjusted")],
    ),
    (
        "funds 执行数",
        _funds("fiscal", executed=4.0),
        [("monitoring.funds_sum", f"{M}/total/executed")],
    ),
    (
        "funds 全年预计",
        _funds("total", forecast=9.0),
        [("monitoring.funds_sum", f"{M}/total/forecast")],
    ),
    (
        "funds a cent off",
        _funds("total", forecast=10.01),
        [("monitoring.funds_sum", f"{M}/total/forecast")],
    ),
    ("funds within the tolerance", _funds("total", initial=10.004), []),
    (
        "funds: the seed's 0/0/0 total row",
        _funds("total", initial=0, executed=0, forecast=0),
        [
            ("monitoring.funds_sum", f"{M}/total/initial"),
            ("monitoring.funds_sum", f"{M}/total/executed"),
            ("monitoring.funds_sum", f"{M}/total/forecast"),
        ],
    ),
    ("funds: a text amount is the reader's", _funds("fiscal", executed="五万"), []),
    (
        "a negative amount (the schema's family does not run on a monitoring workbook)",
        _all(_funds("total", adjusted=-5.0), _funds("fiscal", adjusted=-5.0)),
        [
            ("monitoring.executed_over_budget", f"{M}/total/executed"),
            ("monitoring.executed_over_budget", f"{M}/fiscal/executed"),
            ("monitoring.funds_sum", f"{M}/total/adjusted"),  # other's 2 still in force
            ("monitoring.amount_negative", f"{M}/total/adjusted"),
            ("monitoring.amount_negative", f"{M}/fiscal/adjusted"),
            ("monitoring.lag_unexplained", f"{M}/total/executed"),
        ],
    ),
    (
        "forecast below executed",
        _all(
            _funds("total", forecast=5.5),
            _funds("fiscal", forecast=4.5),
            _funds("other", forecast=1.0),
        ),
        [
            ("monitoring.forecast_below_executed", f"{M}/total/forecast"),
            ("monitoring.forecast_below_executed", f"{M}/fiscal/forecast"),
        ],
    ),
    ("forecast blank", _all(*(_funds(r, forecast=None) for r in ("total", "fiscal", "other"))), []),
    ("yellow, unexplained", _YELLOW, [("monitoring.lag_unexplained", f"{M}/total/executed")]),
    ("red, unexplained", _RED, [("monitoring.lag_unexplained", f"{M}/total/executed")]),
    ("yellow, explained", _all(_YELLOW, _explain(3)), []),
    (
        "red, reason without remedy",
        _all(_RED, _progress(0, deviation="其他")),
        [("monitoring.lag_unexplained", f"{M}/total/executed")],
    ),
    # 4.833 of 10 = 48.33 = 序时 − 10 exactly: green; 4.832 is 48.32: yellow.
    (
        "exactly 序时 − 10",
        _all(_funds("total", executed=4.833), _funds("fiscal", executed=3.833)),
        [],
    ),
    (
        "just below 序时 − 10",
        _all(_funds("total", executed=4.832), _funds("fiscal", executed=3.832)),
        [("monitoring.lag_unexplained", f"{M}/total/executed")],
    ),
    (
        "执行数 not typed yet: no light",
        _all(*(_funds(r, executed=None) for r in ("total", "fiscal", "other"))),
        [],
    ),
    (
        "no budget, no light",
        _all(_RED, *(_funds(r, initial=None) for r in ("total", "fiscal", "other"))),
        [],
    ),
    (
        "indicator 有可能, nothing said",
        _progress(1, likelihood="有可能"),
        [("monitoring.indicator_unexplained", f"{M}/indicators/1/deviation")],
    ),
    (
        "indicator 完全不可能, no remedy",
        _progress(1, likelihood="完全不可能", deviation="人员保障"),
        [("monitoring.indicator_unexplained", f"{M}/indicators/1/remedy")],
    ),
    ("indicator 有可能, explained", _all(_progress(1, likelihood="有可能"), _explain(1)), []),
    ("indicator likelihood blank", _progress(1, likelihood=None), []),
    (
        "answer in 人 for a % target",
        _progress(1, current="90人"),
        [("monitoring.unit_mismatch", f"{M}/indicators/1/current")],
    ),
    (
        "forecast in 人 for a % target",
        _progress(1, forecast="30人"),
        [("monitoring.unit_mismatch", f"{M}/indicators/1/forecast")],
    ),
    ("元 answers a 万元 target", _progress(3, current="60000元"), []),
    ("full-width answer", _progress(1, current="９６％"), []),
    ("a bare number answer is not judged", _progress(1, current=0.96), []),
    (
        "number for a qualitative target",
        _progress(2, current="100%"),
        [("monitoring.kind_mismatch", f"{M}/indicators/2/current")],
    ),
    (
        "words for a quantitative target",
        _progress(0, current="基本完成"),
        [("monitoring.kind_mismatch", f"{M}/indicators/0/current")],
    ),
    ("blank answers", _progress(0, current=None, forecast=" "), []),
]


@pytest.mark.parametrize(("plant", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_fires_at_its_pointer(plant: Plant, expected: list[tuple[str, str]]) -> None:
    p = clean_project()
    plant(p)
    assert findings(book(p)) == expected


def test_a_targets_workbook_gets_no_monitoring_rule() -> None:
    p = clean_project()
    _all(_RED, _funds("total", initial=99.0), _progress(1, current="90人"))(p)
    assert findings(replace(book(p), stage="targets")) == []


def test_without_a_month_no_project_is_behind() -> None:
    """No project is behind a 序时进度 nobody gave; the missing month is said, at its cell."""
    p = clean_project()
    _RED(p)
    for month in (None, 13, "7"):
        assert findings(book(p, month=month)) == [("monitoring.month_invalid", "/month")]


def test_a_project_without_a_monitoring_section_is_skipped() -> None:
    p = clean_project()
    p.monitoring = None
    assert findings(book(p)) == []


def test_fewer_progress_rows_than_indicators() -> None:
    p = clean_project()
    assert p.monitoring is not None
    p.monitoring.indicators = p.monitoring.indicators[:2]
    _progress(1, current="90人")(p)
    assert findings(book(p)) == [("monitoring.unit_mismatch", f"{M}/indicators/1/current")]


def test_the_pointer_names_the_project() -> None:
    a, b = clean_project(), clean_project()
    _YELLOW(b)
    assert findings(book(a, b)) == [
        ("monitoring.lag_unexplained", "/projects/1/monitoring/total/executed")
    ]


def test_the_gaps_come_from_the_county_config(tmp_path: Path) -> None:
    f = tmp_path / "county.toml"
    f.write_text("[monitoring]\nyellow_gap = 20.0\nred_gap = 40.0\n", encoding="utf-8")
    cfg = load_config(f)
    assert (cfg.yellow_gap, cfg.red_gap) == (20.0, 40.0)
    p = clean_project()
    _YELLOW(p)  # 40% against 58.33: within 20 points
    assert findings(book(p), cfg) == []
    results = monitor(book(p), D(repr(cfg.yellow_gap)), D(repr(cfg.red_gap)))
    assert [(r.rate, r.light) for r in results] == [(D("40.00"), "green")]
    assert monitor(book(p))[0].light == "yellow"


def test_default_gaps_are_10_and_30() -> None:
    cfg = load_config(None)
    assert (cfg.yellow_gap, cfg.red_gap) == (10.0, 30.0)


def test_gaps_out_of_order_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text("[monitoring]\nyellow_gap = 40.0\nred_gap = 30.0\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(f)


def test_no_light_before_the_executed_amount_is_typed() -> None:
    p = clean_project()
    _funds("total", executed=None)(p)
    (r,) = monitor(book(p))
    assert (r.rate, r.light) == (D("0.00"), None)  # the sheet's formula shows 0.00%


def test_monitor_gives_rates_and_lights_per_project_and_indicator() -> None:
    p = clean_project()
    _all(
        _RED,
        _progress(1, likelihood="有可能"),
        _progress(2, likelihood="完全不可能"),
        _progress(3, likelihood=None),
    )(p)
    (r,) = monitor(book(p))
    assert r.schedule == D("58.33")
    assert {k: v.value for k, v in r.rates.items()} == {
        "total": D("20.00"),
        "fiscal": D("12.50"),
        "other": D("50.00"),
    }
    assert r.light == "red"
    assert r.indicator_lights == ["green", "yellow", "red", None, "green", "green"]


def test_severities() -> None:
    assert {rid: CATALOGUE[rid].severity for rid in sorted(rules.EMITS)} == {
        "monitoring.amount_negative": "error",
        "monitoring.executed_over_budget": "error",
        "monitoring.month_invalid": "error",
        "monitoring.month_labels": "warning",
        "monitoring.forecast_below_executed": "error",
        "monitoring.funds_sum": "error",
        "monitoring.indicator_unexplained": "error",
        "monitoring.kind_mismatch": "warning",
        "monitoring.lag_unexplained": "error",
        "monitoring.unit_mismatch": "error",
        "monitoring.carried_changed": "error",  # tests/test_monitoring_carried.py
        "monitoring.carried_added": "error",
        "monitoring.carried_missing": "error",
    }


# --- through validate: the monitoring families only, problems at the reader's cells ---------


def _read(targets: Targets) -> Any:
    from perfxl.read import ReadResult, SheetInfo

    sheet = "1.道路养护"
    return ReadResult(
        targets=targets,
        locations={
            "/projects/0/budget": (sheet, "C5"),  # 年初预算数 of 年度资金总额 (carried)
            f"{M}/total/executed": (sheet, "E5"),
            f"{M}/indicators/1/current": (sheet, "E12"),
        },
        sheets=[SheetInfo(sheet, "project", 0)],
        path="监控.xlsx",
    )


def test_validate_runs_only_the_monitoring_families_on_a_monitoring_workbook() -> None:
    from perfxl.validate import check

    p = clean_project()
    # No spending plan and no 依据 in a monitoring sheet: the targets' rules would report them.
    p.plan = type(p.plan)()
    _all(_RED, _funds("total", initial=12.0), _progress(1, current="90人"))(p)
    got = [(x.rule, x.severity, x.sheet, x.cell, x.pointer) for x in check(_read(book(p)))]
    assert got == [
        ("monitoring.funds_sum", "error", "1.道路养护", "C5", f"{M}/total/initial"),
        ("monitoring.lag_unexplained", "error", "1.道路养护", "E5", f"{M}/total/executed"),
        ("monitoring.unit_mismatch", "error", "1.道路养护", "E12", f"{M}/indicators/1/current"),
    ]


def test_validate_of_a_targets_model_runs_the_targets_families() -> None:
    from perfxl.validate import check

    p = clean_project()
    p.monitoring = None
    rules_found = {x.rule for x in check(_read(replace(book(p), stage="targets", month=None)))}
    assert "schema.required" in rules_found  # no 12月底 plan: the targets' rule, as before
    assert not any(r.startswith("monitoring.") for r in rules_found)


# --- a real monitoring workbook: perfxl new monitoring, a clerk's typing, validate ----------


def test_validate_a_monitoring_workbook_at_its_cells(tmp_path: Path) -> None:
    import openpyxl
    from conftest import EXAMPLE_XLSX

    from perfxl import layout as L
    from perfxl.cells import a1
    from perfxl.services import new_monitoring
    from perfxl.validate import validate_file

    fresh = tmp_path / "监控.xlsx"
    new_monitoring(EXAMPLE_XLSX, fresh, month=7)
    assert validate_file(fresh).problems == []  # nothing typed yet: nothing to report

    form = L.STANDARD.monitoring
    wb = openpyxl.load_workbook(fresh)
    ws = next(w for w in wb.worksheets if w[form.anchor.ref].value == form.anchor.text)
    ws[form.field("total/executed").ref] = 0.5  # of 8.39: 5.96%, red
    ws[form.field("fiscal/executed").ref] = 0.4  # 0.4 + 0 ≠ 0.5
    likelihood = a1(form.indicator_first_row, form.indicator_columns["likelihood"][0])
    ws[likelihood] = "有可能"
    typed = tmp_path / "填报.xlsx"
    wb.save(typed)

    got = [(p.rule, p.sheet, p.cell) for p in validate_file(typed).problems]
    deviation = a1(form.indicator_first_row, form.indicator_columns["deviation"][0])
    assert got == [
        ("monitoring.funds_sum", ws.title, form.field("total/executed").ref),
        ("monitoring.lag_unexplained", ws.title, form.field("total/executed").ref),
        ("monitoring.indicator_unexplained", ws.title, deviation),
    ]
