"""The packaged schema: framework pairs agree with perfxl.framework; decimal precision."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from perfxl.config import Config
from perfxl.framework import FRAMEWORKS, allowed_pairs
from perfxl.rules.schema_rules import label_of, validator_for
from perfxl.schema import load_schema


def indicator(l1: str, l2: str) -> dict[str, Any]:
    return {
        "level1": l1,
        "level2": l2,
        "level3": "x",
        "description": None,
        "target": "1人",
        "basis": None,
    }


def pair_ok(framework: str, l1: str, l2: str) -> bool:
    schema = load_schema()
    sub = {"$defs": schema["$defs"], "$ref": f"#/$defs/pairs_{framework}"}
    return Draft202012Validator(sub).is_valid(indicator(l1, l2))


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_schema_pairs_are_the_frameworks(framework: str) -> None:
    names1 = list(FRAMEWORKS[framework])
    names2 = [l2 for fw in FRAMEWORKS.values() for l2s in fw.values() for l2 in l2s]
    allowed = set(allowed_pairs(framework))
    for l1 in names1:
        for l2 in set(names2):
            assert pair_ok(framework, l1, l2) == ((l1, l2) in allowed), (l1, l2)
            # the trailing 指标 is optional on both levels
            assert pair_ok(framework, l1[:-2], l2[:-2]) == ((l1, l2) in allowed), (l1, l2)


def test_schema_is_valid_draft_2020_12() -> None:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (8.39, True),
        (0.1 + 0.2, False),
        (102.6, True),
        (5, True),
        (8.391, False),
        (1e-3, False),
    ],
)
def test_amount_decimals_in_decimal_arithmetic(value: float, ok: bool) -> None:
    v = validator_for(Config().project_code, Config().unit_code)
    sub = {"$defs": v.schema["$defs"], "$ref": "#/$defs/amount"}
    assert type(v)(sub).is_valid(value) is ok


def test_labels_of_pointers() -> None:
    assert label_of("/projects/3/plan/jun") == "6月底"
    assert label_of("/projects/0/indicators/2/target") == "指标值"
    assert label_of("/unit/code") == "单位编码"
    assert label_of("/projects/1/goals/0") == "绩效目标"


def test_findings_name_each_missing_field_once_and_every_one() -> None:
    """jsonschema gives one ``required`` error per missing field: each becomes one finding
    (each used to be taken for every missing sibling: 4 missing fields, 16 findings)."""
    import json
    from pathlib import Path

    from perfxl.rules.schema_rules import findings

    example = Path(__file__).resolve().parents[1] / "examples" / "suying-2023.json"
    data = json.loads(example.read_text(encoding="utf-8"))
    for key in ("year", "unit", "money_unit"):
        del data[key]
    data["projects"][1] = {"name": "道路维修"}
    data["projects"][0]["indicators"][2] = {}
    found = [(f.rule, f.pointer) for f in findings(data, Config(), "2015")]
    project = ["code", "budget", "fiscal_funds", "other_funds", "purpose", "plan", "goals"]
    project += ["indicators"]
    row = ["level1", "level2", "level3", "description", "target", "basis"]
    expected = {("schema.required", f"/{k}") for k in ("year", "unit", "money_unit")}
    expected |= {("schema.required", f"/projects/1/{k}") for k in project}
    expected |= {("schema.required", f"/projects/0/indicators/2/{k}") for k in row}
    assert sorted(found) == sorted(expected)
