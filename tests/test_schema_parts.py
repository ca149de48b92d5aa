"""Schema errors found part by part (`schema_rules._errors`) are jsonschema's over the whole
document: the same findings in the same order, on damaged targets, monitoring and
self-evaluation documents, in both frameworks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from damage import comparable, damaged

from perfxl.config import Config
from perfxl.read import read_workbook
from perfxl.rules import schema_rules
from perfxl.rules.schema_fast import fast_check_for

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

BAD: list[Any] = [None, "", -1, 1.234, 2.0, True, [], {}, "abc", float("nan"), "2021", "效益"]


def _whole(data: Any, cfg: Config, framework: str) -> list[Any]:
    full = schema_rules.validator_for(cfg.project_code, cfg.unit_code)
    return [
        f
        for err in full.iter_errors(data)
        for f in schema_rules.error_findings(err, cfg, framework)
    ]


def _leaves(x: Any, pre: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if pre:
        yield pre
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _leaves(v, (*pre, k))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from _leaves(v, (*pre, i))


def _damaged(data: dict[str, Any], n: int, seed: int) -> Iterator[dict[str, Any]]:
    """Up to four values anywhere replaced, or keys removed (several projects at once)."""
    return damaged(data, list(_leaves(data)), BAD, n, seed, lambda rng: rng.randint(1, 4))


def _document(name: str, framework: str) -> dict[str, Any]:
    if name.endswith(".json"):
        data: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    else:
        data = read_workbook(EXAMPLES / name).targets.to_dict()
    data["framework"] = framework
    return data


@pytest.mark.parametrize("framework", ["2015", "2021"])
@pytest.mark.parametrize(
    "name", ["suying-2023.json", "suying-2023-monitoring.xlsx", "suying-2023-evaluation.xlsx"]
)
def test_part_by_part_equals_the_whole_document(name: str, framework: str) -> None:
    cfg = Config()
    assert fast_check_for(cfg.project_code, cfg.unit_code) is not None  # the parts are used
    data = _document(name, framework)
    found = 0
    for d in [data, *_damaged(data, 60, seed=len(name) + int(framework))]:
        expected = _whole(d, cfg, framework)
        assert comparable(schema_rules.findings(d, cfg, framework)) == comparable(expected)
        found += bool(expected)
    assert found > 40  # most damaged documents have schema errors


def test_odd_shapes_go_to_jsonschema_whole() -> None:
    cfg = Config()
    data = _document("suying-2023.json", "2015")
    for d in (
        None,
        [],
        "x",
        {},
        {**data, "projects": None},
        {**data, "projects": {"0": data["projects"][0]}},
        {k: v for k, v in data.items() if k != "projects"},
        {**data, "projects": [None, 3, [], data["projects"][0]]},
        {**data, "framework": None},
        {**data, "framework": 2021},
    ):
        assert list(schema_rules.findings(d, cfg, "2015")) == _whole(d, cfg, "2015")


def test_the_fast_check_answers_each_framework_for_itself() -> None:
    """An indicator pair remembered as valid in one framework is still refused in another
    (2015: 产出指标/成本指标; 2021: 成本指标 is a 一级), and an amount with three decimals
    still fails after the same amount with two passed."""
    cfg = Config()
    fast = fast_check_for(cfg.project_code, cfg.unit_code)
    assert fast is not None
    data = _document("suying-2023.json", "2015")
    ind = data["projects"][0]["indicators"][0]
    ind["level1"], ind["level2"] = "产出指标", "成本指标"
    assert fast.valid(data)
    data["framework"] = "2021"
    assert not fast.valid(data)
    data["framework"] = "2015"
    assert fast.valid(data)
    data["projects"][0]["fiscal_funds"] = 1.25
    assert fast.valid(data)
    data["projects"][0]["fiscal_funds"] = 1.255
    assert not fast.valid(data)


def test_a_document_marked_targets_is_held_to_12月底_part_by_part() -> None:
    """``"stage": "targets"`` takes the stage condition's ``then`` (12月底 an amount), as a
    document without ``stage`` does; the conditions run in the schema's order."""
    cfg = Config()
    data = {**_document("suying-2023.json", "2015"), "stage": "targets"}
    for d in [data, *_damaged(data, 40, seed=3)]:
        expected = _whole(d, cfg, "2015")
        assert comparable(schema_rules.findings(d, cfg, "2015")) == comparable(expected)
    data["projects"][2]["plan"]["dec"] = None
    rules = [(f.rule, f.pointer) for f in schema_rules.findings(data, cfg, "2015")]
    assert rules == [("schema.required", "/projects/2/plan/dec")]


def test_a_root_condition_on_more_than_the_projects_goes_to_jsonschema_whole() -> None:
    """A condition whose ``then`` asks something of the document besides each project is not
    split project by project: jsonschema walks the whole document, in its own order."""
    cfg = Config()
    fast = fast_check_for(cfg.project_code, cfg.unit_code)
    assert fast is not None
    v = schema_rules.validator_for(cfg.project_code, cfg.unit_code)
    schema = json.loads(json.dumps(v.schema))
    then = schema["allOf"][1]["then"]["properties"]
    then["year"] = {"maximum": 2000}
    changed = v.evolve(schema=schema)
    assert schema_rules._parts(v) is not None and schema_rules._parts(changed) is None
    data = _document("suying-2023.json", "2015")
    data["projects"][1]["plan"]["dec"] = -1
    got = [(e.json_path, base) for e, base in schema_rules._errors(changed, fast, data)]
    assert got == [(e.json_path, "") for e in changed.iter_errors(data)]
    assert sorted(path for path, _ in got) == ["$.projects[1].plan.dec", "$.year"]
