"""`new_problem` builds the same frozen record as ``Problem(...)``."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from perfxl.problems import Problem, new_problem


def test_new_problem_is_the_dataclass_record() -> None:
    args = (
        "plan.decreasing",
        "warning",
        "消息",
        "a.xlsx",
        "1.项目",
        "C9",
        "/projects/0",
        1.5,
        "P1",
    )
    fast, slow = new_problem(*args), Problem(*args)
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert fast.to_dict() == slow.to_dict() and dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert pickle.loads(pickle.dumps(fast)) == slow
    assert dataclasses.replace(fast, severity="error").severity == "error"
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.message = "x"  # type: ignore[misc]
    assert list(vars(fast)) == [f.name for f in dataclasses.fields(Problem)]


def test_new_finding_is_the_dataclass_record() -> None:
    from perfxl.rules.base import Finding, new_finding

    args = ("basis.unlisted", "/projects/0/indicators/2/basis", "走访", {"text": "走访"}, "说明")
    fast, slow = new_finding(*args), Finding(*args)  # type: ignore[arg-type]
    assert fast == slow and repr(fast) == repr(slow)
    assert dataclasses.replace(fast, text=None).text is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.pointer = "/x"  # type: ignore[misc]
    assert list(vars(fast)) == [f.name for f in dataclasses.fields(Finding)]


def test_indicator_rows_as_json_follow_the_contract_keys() -> None:
    """`Targets.to_dict` copies an indicator's attributes: they are its fields alone, in the
    contract's order (INDICATOR_KEYS), whichever way it was made."""
    from perfxl.model import INDICATOR_KEYS, Indicator, Project, Targets

    made = [
        Indicator("产出指标", "数量指标", "人数", None, "≥10人", "计划标准"),
        Indicator(basis="计划标准", level1="产出指标", target=3.0),
    ]
    made[1].level3 = "人数"  # set after making: its place is kept
    t = Targets(projects=[Project(indicators=made)])
    rows = t.to_dict()["projects"][0]["indicators"]
    assert [list(r) for r in rows] == [list(INDICATOR_KEYS)] * 2
    assert rows == [{k: getattr(ind, k) for k in INDICATOR_KEYS} for ind in made]
    rows[0]["level3"] = "改"  # a copy: the JSON form never aliases the model
    assert made[0].level3 == "人数"
