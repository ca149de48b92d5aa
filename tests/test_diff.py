"""``perfxl diff``: projects matched by code then name; every change with its cells."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from click.testing import CliRunner

from perfxl.cli import main
from perfxl.diff import Change, diff
from perfxl.model import Targets
from perfxl.read import read_workbook
from perfxl.services.yoy import diff_books
from perfxl.write.fill import write_new

ROOT = Path(__file__).resolve().parents[1]
COUNTY = ROOT / "examples" / "county"
V1 = COUNTY / "910006-小吕寨镇-v1.xlsx"
V2 = COUNTY / "910006-小吕寨镇-v2.xlsx"
EXAMPLE_JSON = ROOT / "examples" / "suying-2023.json"


def _demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_county_demo", ROOT / "tools" / "make_county_demo.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _key(c: Change) -> tuple[Any, ...]:
    return (c.kind, c.scope, c.code, c.field, c.old, c.new, c.old_cell, c.new_cell)


def test_the_county_demo_versions_differ_by_exactly_what_the_generator_changed() -> None:
    demo = _demo()
    i = demo.TOWNSHIPS.index(demo.TWICE)
    seed = json.loads(demo.SEED.read_text(encoding="utf-8"))
    final = demo.township_data(i, seed)
    first, last = final["projects"][0], final["projects"][-1]
    # what the generator did to the draft: 财政资金 of the first project 3 万元 over the
    # budget, and the last project missing
    expected = [
        (
            "changed",
            "field",
            first["code"],
            "fiscal_funds",
            round(first["budget"] + 3, 2),
            first["budget"],
            "E4",
            "E4",
        ),
        ("added", "project", last["code"], None, None, last["name"], None, "B3"),
    ]
    result = diff_books(V1, V2)
    assert [_key(c) for c in result.changes] == expected
    sheets = read_workbook(V2).sheets
    assert result.changes[1].new_sheet == sheets[-1].name
    assert result.changes[0].old_sheet == result.changes[0].new_sheet == sheets[2].name
    assert result.summary().startswith("新增项目 1 个，1 个项目共 1 处改动：")


def test_the_cli_exits_1_when_different_0_when_equal_2_when_unusable(tmp_path: Path) -> None:
    run = CliRunner().invoke
    res = run(main, ["diff", str(V1), str(V2), "--format", "json"])
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert (data["projects_added"], data["projects_removed"], data["projects_changed"]) == (1, 0, 1)
    assert [c["field"] for c in data["changes"]] == ["fiscal_funds", None]
    res = run(main, ["diff", str(V2), str(V2)])
    assert res.exit_code == 0
    assert res.stdout == ""
    bad = tmp_path / "bad.xlsx"
    bad.write_text("no", encoding="utf-8")
    assert run(main, ["diff", str(V1), str(bad)]).exit_code == 2


def test_a_workbook_and_its_exported_data_are_equal(tmp_path: Path) -> None:
    book = tmp_path / "b.xlsx"
    data = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    write_new(Targets.from_dict(data), book)
    assert diff_books(book, EXAMPLE_JSON).equal
    assert diff_books(EXAMPLE_JSON, book).summary() == "内容相同，没有改动。"


def _books(tmp_path: Path, change: Any) -> tuple[Path, Path]:
    data = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    data["projects"] = data["projects"][:3]
    new = copy.deepcopy(data)
    change(new)
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_new(Targets.from_dict(data), a)
    write_new(Targets.from_dict(new), b)
    return a, b


def test_indicators_added_removed_and_changed_with_their_cells(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        inds = d["projects"][1]["indicators"]
        inds[0]["target"] = "≥6台"  # changed in place
        removed = inds.pop(2)  # the 3rd row goes
        inds.append({**removed, "level3": "新增的指标", "target": "100%"})

    a, b = _books(tmp_path, change)
    old = read_workbook(a).targets.projects[1].indicators
    result = diff_books(a, b)
    got = [(c.kind, c.scope, c.field, c.old, c.new, c.old_cell, c.new_cell) for c in result.changes]
    assert got == [
        ("changed", "indicator", "indicators/0/target", old[0].target, "≥6台", "F11", "F11"),
        # the old 4th row is now the 3rd: matched by its names, not its position
        (
            "added",
            "indicator",
            "indicators/5",
            None,
            f"{old[2].level2} 新增的指标 100%",
            None,
            "A16",
        ),
        (
            "removed",
            "indicator",
            "indicators/2",
            f"{old[2].level2} {old[2].level3} {old[2].target}",
            None,
            "A13",
            None,
        ),
    ]
    assert {c.project for c in result.changes} == {read_workbook(b).targets.projects[1].name}


def test_projects_are_matched_by_code_then_by_name(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        ps = d["projects"]
        ps[0]["code"] = "13052924P00584011066Q"  # new code, same name: matched by name
        ps[1]["name"] = "新名称"  # same code, new name: matched by code
        ps.reverse()  # order does not matter

    a, b = _books(tmp_path, change)
    result = diff_books(a, b)
    got = [(c.kind, c.field, c.old, c.new) for c in result.changes]
    assert got == [
        ("changed", "name", "“综合网格员”补贴", "新名称"),
        ("changed", "code", "13052923P00584011066Q", "13052924P00584011066Q"),
    ]
    assert result.projects("added") == result.projects("removed") == []


def test_amounts_compare_as_numbers_and_a_removed_project_is_listed() -> None:
    data = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    old = Targets.from_dict(data)
    new = Targets.from_dict(data)
    assert old.projects[2].budget == 10
    new.projects[2].budget = 10.0  # the same amount
    gone = new.projects.pop()
    result = diff(old, new)
    assert [(c.kind, c.scope, c.project) for c in result.changes] == [
        ("removed", "project", gone.name)
    ]
    assert result.summary() == f"删除项目 1 个：删除项目“{gone.name}”。"
    new.projects[2].budget = "10"  # text: the workbook's formulas count it as 0
    (change, _) = diff(old, new).changes
    assert (change.field, change.old, change.new) == ("budget", 10, "10")
    assert change.text() == "项目“环保工作经费”预算数：10.00 万元 → “10”"
