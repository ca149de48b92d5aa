"""The pure percentage computation: decimal rounding, blanks, and the projects it skips."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from perfxl.compute import TARGETS_FIGURE, as_decimal, compute, percent
from perfxl.model import Project, SpendingPlan, Targets
from perfxl.problems import Problem
from perfxl.rules.catalogue import make


def _d(*xs: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(x) for x in xs)


def _project(budget: Any, *plan: Any, name: str = "甲") -> Project:
    return Project(code="C1", name=name, budget=budget, plan=SpendingPlan(*plan))


def test_seed_project_1_and_7(example_data: dict[str, Any]) -> None:
    res = compute(Targets.from_dict(example_data))
    assert res.problems == []
    assert res.projects[0].percents == _d("25.03", "49.94", "74.97", "100.00")
    assert res.projects[0].fractions == _d("0.2503", "0.4994", "0.7497", "1")
    assert res.projects[6].percents == _d("0.00", "50.00", "50.00", "100.00")
    assert res.totals.budget == Decimal("635.72")
    assert res.totals.plan[-1] == Decimal("635.72")
    assert res.totals.percent == Decimal("100.00")


@pytest.mark.parametrize(
    ("amount", "budget", "expected"),
    [
        (2.10, 8.39, "25.03"),
        (4.19, 8.39, "49.94"),
        # exact halves round away from zero, as Excel's ROUND does (binary floats would not)
        (0.01, 200, "0.01"),  # 0.005 %
        (1.0005, 1, "100.05"),
        (0.125, 1000, "0.01"),  # 0.0125 %
        (0.0249, 1, "2.49"),
        (-0.01, 200, "-0.01"),
        (0, 5, "0.00"),
        (3, 2, "150.00"),
    ],
)
def test_percent_rounds_half_up_in_decimal(amount: float, budget: float, expected: str) -> None:
    got = percent(as_decimal(amount) or Decimal(0), as_decimal(budget) or Decimal(0))
    assert got == Decimal(expected)
    assert str(got) == expected


def test_float_goes_through_its_shortest_repr() -> None:
    assert as_decimal(8.39) == Decimal("8.39")
    assert as_decimal(0.1 + 0.2) == Decimal("0.30000000000000004")
    assert as_decimal(None) is None and as_decimal("  ") is None
    for bad in ("二万", "8.39万", True, float("nan"), object()):
        with pytest.raises(ValueError):
            as_decimal(bad)


def test_blank_checkpoints_count_as_zero() -> None:
    res = compute(Targets(projects=[_project(4, None, 2, None, 4)]))
    assert res.projects[0].percents == _d("0.00", "50.00", "0.00", "100.00")


def test_not_numbers_skips_only_that_project_with_a_record_per_cell() -> None:
    t = Targets(
        projects=[
            _project(8.39, 2.1, 4.19, 6.29, 8.39, name="好项目"),
            _project("八万", 2, "三万", 6, 8, name="坏项目"),
            _project(2, 0.5, 1, 1.5, 2, name="又一个"),
        ]
    )
    locations = {
        "/projects/1/budget": ("2.坏项目", "C4"),
        "/projects/1/plan/jun": ("2.坏项目", "C7"),
    }
    res = compute(t, locations=locations, file="b.xlsx")
    assert [p.percents is None for p in res.projects] == [False, True, False]
    assert res.projects[2].percents == _d("25.00", "50.00", "75.00", "100.00")
    common: dict[str, Any] = {
        "file": "b.xlsx",
        "sheet": "2.坏项目",
        "project_code": "C1",
        "figure": TARGETS_FIGURE,
    }
    expected = [
        make(
            "compute.not_numbers",
            **common,
            cell="C4",
            pointer="/projects/1/budget",
            value="八万",
            project="坏项目",
            label="预算数",
        ),
        make(
            "compute.not_numbers",
            **common,
            cell="C7",
            pointer="/projects/1/plan/jun",
            value="三万",
            project="坏项目",
            label="6月底",
        ),
    ]
    assert res.problems == expected
    assert all(isinstance(p, Problem) and p.severity == "error" for p in res.problems)
    assert "坏项目" in res.problems[0].message and "八万" in res.problems[0].message
    # the cover total leaves text out, as SUM does
    assert res.totals.budget == Decimal("10.39")
    assert res.totals.plan == _d("4.6", "5.19", "13.79", "18.39")


@pytest.mark.parametrize("budget", [None, 0, 0.0, ""])
def test_blank_or_zero_budget_gets_no_percentages(budget: Any) -> None:
    res = compute(Targets(projects=[_project(budget, 1, 2, 3, 4, name="无预算")]))
    assert res.projects[0].percents is None
    assert [(p.rule, p.severity, p.pointer) for p in res.problems] == [
        ("compute.no_budget", "warning", "/projects/0/budget")
    ]
    assert res.totals.percent is None


def test_no_projects() -> None:
    res = compute(Targets(projects=[]))
    assert res.projects == [] and res.problems == []
    assert res.totals.budget == 0 and res.totals.percent is None
