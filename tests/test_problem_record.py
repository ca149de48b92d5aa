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
