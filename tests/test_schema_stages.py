"""The published schema (``perfxl/schema/targets.schema.json``) against what perfxl writes at
every stage.

The monitoring and self-evaluation forms carry no spending plan, so their data has 12月底
(``plan.dec``) null, which the schema used to refuse everywhere: every later-stage export failed
the published schema while ``export`` said nothing. The schema now states the rule by stage
(``if``/``then``/``else`` on ``stage``): a targets document still needs 12月底 as an amount, a
monitoring or self-evaluation document may leave it null. A compatible loosening: every document
valid before stays valid. A consumer's plain Draft 2020-12 validator over the file, perfxl's own
schema check (what ``fill``, ``diff``, ``rollover`` and ``library`` run on JSON data) and
``validate`` agree.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE_JSON, EXAMPLES, ROOT
from jsonschema import Draft202012Validator

from perfxl.cli import main
from perfxl.config import Config
from perfxl.io import load_data, schema_problems
from perfxl.rules.schema_rules import findings

SCHEMA_FILE = ROOT / "perfxl" / "schema" / "targets.schema.json"

# name -> (the example workbook, the `perfxl new` form made from it or None, the data's stage)
BOOKS: dict[str, tuple[str, tuple[str, ...] | None, str]] = {
    "targets": ("suying-2023.xlsx", None, "targets"),
    "monitoring": ("suying-2023-monitoring.xlsx", None, "monitoring"),
    "evaluation": ("suying-2023-evaluation.xlsx", None, "evaluation"),
    "new monitoring": ("suying-2023.xlsx", ("monitoring", "--month", "7"), "monitoring"),
    "new evaluation": ("suying-2023.xlsx", ("evaluation",), "evaluation"),
    "new evaluation from monitoring": (
        "suying-2023-monitoring.xlsx",
        ("evaluation",),
        "evaluation",
    ),
}


def perfxl(*args: str | Path, code: int = 0) -> None:
    result = CliRunner().invoke(main, [str(a) for a in args], prog_name="perfxl")
    assert result.exit_code == code, (args, result.output, result.exception)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each book's data as ``perfxl export`` writes it (exit 0): the example workbooks of the
    three stages and the forms ``perfxl new`` makes of them (nothing typed yet)."""
    folder = tmp_path_factory.mktemp("stages")
    out: dict[str, Path] = {}
    for n, (name, (source, new, _)) in enumerate(BOOKS.items()):
        book = EXAMPLES / source
        if new is not None:
            kind, *options = new
            book = folder / f"{n}.xlsx"
            perfxl("new", kind, EXAMPLES / source, "-o", book, *options)
        out[name] = folder / f"{n}.json"
        perfxl("export", book, "-o", out[name])
    return out


def published() -> Draft202012Validator:
    """A consumer's validator: the published file, no perfxl code (``x-decimals`` unknown)."""
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(data: Any) -> list[tuple[str, str]]:
    return [(e.json_path, e.message) for e in published().iter_errors(data)]


def test_perfxl_schema_prints_the_published_file() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0 and result.output == SCHEMA_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(BOOKS))
def test_every_stage_s_export_is_valid_against_the_published_schema(
    name: str, exported: dict[str, Path]
) -> None:
    data = json.loads(exported[name].read_text(encoding="utf-8"))
    assert data.get("stage", "targets") == BOOKS[name][2]
    if BOOKS[name][2] != "targets":  # the later stages' forms carry no spending plan
        assert {p["plan"]["dec"] for p in data["projects"]} == {None}
    assert errors(data) == []


@pytest.mark.parametrize("name", list(BOOKS))
def test_perfxl_s_own_check_of_the_data_agrees(name: str, exported: dict[str, Path]) -> None:
    """What ``fill``, ``diff``, ``rollover`` and ``library`` check a JSON file with finds
    nothing either (it used to report each 12月底 of a later stage's data as missing)."""
    data = json.loads(exported[name].read_text(encoding="utf-8"))
    assert schema_problems(data, file="data.json") == []
    assert load_data(exported[name]).problems == []


def _with_dec(dec: Any, **top: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    data.update(top)
    data["projects"][0]["plan"]["dec"] = dec
    return data


@pytest.mark.parametrize("stage", [{}, {"stage": "targets"}])
def test_a_targets_document_still_needs_12月底_as_an_amount(stage: dict[str, str]) -> None:
    data = _with_dec(None, **stage)
    assert errors(data) == [("$.projects[0].plan.dec", "None is not of type 'number'")]
    cfg = Config()
    found = [(f.rule, f.pointer, f.fields["label"]) for f in findings(data, cfg, "2015")]
    assert found == [("schema.required", "/projects/0/plan/dec", "12月底")]
    assert [p.pointer for p in schema_problems(data)] == ["/projects/0/plan/dec"]


def test_a_targets_workbook_without_12月底_is_still_reported_at_its_cell(tmp_path: Path) -> None:
    from perfxl.validate import validate_file

    data = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    data["projects"][0]["plan"]["dec"] = None
    (tmp_path / "d.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    perfxl("fill", tmp_path / "d.json", tmp_path / "b.xlsx", code=1)  # written, and said
    got = [
        (p.rule, p.cell, p.pointer)
        for p in validate_file(tmp_path / "b.xlsx").problems
        if p.pointer.endswith("/plan/dec")
    ]
    assert got == [("schema.required", "E7", "/projects/0/plan/dec")]


@pytest.mark.parametrize("stage", ["monitoring", "evaluation"])
def test_a_later_stage_may_still_give_12月底_and_its_amount_rules_hold(
    stage: str, exported: dict[str, Path]
) -> None:
    """Compatible loosening: an amount stays valid (a document valid before is valid now), and
    what makes an amount wrong is still wrong."""
    data = json.loads(exported[stage].read_text(encoding="utf-8"))
    ok = copy.deepcopy(data)
    ok["projects"][0]["plan"]["dec"] = ok["projects"][0]["budget"]
    assert errors(ok) == []
    for bad, said in [(-1, "-1 is less than the minimum of 0"), ("8.39万元", None)]:
        wrong = copy.deepcopy(data)
        wrong["projects"][0]["plan"]["dec"] = bad
        got = errors(wrong)
        assert [path for path, _ in got] == ["$.projects[0].plan.dec"], got
        assert said is None or got[0][1] == said
        rules = [f.rule for f in findings(wrong, Config(), "2015")]
        assert rules == ["schema.negative" if bad == -1 else "schema.type"]
