"""Issue 13, point 1: ``perfxl new monitoring TARGETS --from OLD`` on targets that changed.

The Suying example's typed July monitoring workbook and a targets workbook with one project
added: the new workbook carries every typed value of the 19 projects, a blank monitoring
section for the new one, the month unless ``--month`` is given, and tells what disappeared.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from perfxl.carry import carry_monitoring
from perfxl.cli import main
from perfxl.model import Targets
from perfxl.services import export_workbook, new_monitoring
from perfxl.write.fill import write_new

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TYPED = EXAMPLES / "suying-2023-monitoring.xlsx"


def _run(args: list[str | Path]) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _export(book: Path) -> dict[str, Any]:
    return json.loads(export_workbook(book).text())


def _with_new_project(data: dict[str, Any]) -> dict[str, Any]:
    d = copy.deepcopy(data)
    extra = copy.deepcopy(d["projects"][0])
    extra["code"] = "NEW-2023-020"
    extra["name"] = "新增村道路灯维护项目"
    d["projects"].append(extra)
    return d


@pytest.fixture(scope="module")
def old() -> dict[str, Any]:
    return _export(TYPED)


@pytest.fixture
def added(tmp_path: Path, example_data: dict[str, Any]) -> Path:
    out = tmp_path / "目标-新增项目.xlsx"
    write_new(Targets.from_dict(_with_new_project(example_data)), out)
    return out


def test_rerun_keeps_what_was_typed_and_leaves_the_new_project_blank(
    added: Path, tmp_path: Path, old: dict[str, Any]
) -> None:
    out = tmp_path / "监控-新.xlsx"
    r = _run(["new", "monitoring", added, "-o", out, "--from", TYPED])
    assert r.exit_code == 0, r.output
    assert "新增项目“新增村道路灯维护项目”（项目编码 NEW-2023-020）" in r.output
    assert "截至 7月底，19 个项目带入原填报内容" in r.output
    new = _export(out)
    assert new["stage"] == "monitoring" and new["month"] == old["month"] == 7
    assert len(new["projects"]) == 20
    for p_old, p_new in zip(old["projects"], new["projects"][:19], strict=True):
        assert p_new["code"] == p_old["code"]
        assert p_new["monitoring"] == p_old["monitoring"], p_old["name"]
    # the new project's section is what a fresh monitoring workbook gives it
    fresh = tmp_path / "监控-空白.xlsx"
    new_monitoring(added, fresh)
    assert new["projects"][19]["monitoring"] == _export(fresh)["projects"][19]["monitoring"]
    m = new["projects"][19]["monitoring"]
    assert m["progress"] is None
    assert all(v is None for x in m["indicators"] for v in x.values())
    assert all(m[r][k] is None for r in ("total", "fiscal", "other") for k in ("executed",))


def test_month_option_wins_over_the_old_month(added: Path, tmp_path: Path) -> None:
    out = tmp_path / "监控-9月.xlsx"
    r = _run(["new", "monitoring", added, "-o", out, "--from", TYPED, "--month", "9"])
    assert r.exit_code == 0, r.output
    assert _export(out)["month"] == 9


def test_without_from_the_month_is_still_july(added: Path, tmp_path: Path) -> None:
    out = tmp_path / "监控.xlsx"
    assert _run(["new", "monitoring", added, "-o", out]).exit_code == 0
    assert _export(out)["month"] == 7


def test_refuses_to_write_over_the_old_monitoring_workbook(added: Path, tmp_path: Path) -> None:
    old = tmp_path / "监控.xlsx"
    old.write_bytes(TYPED.read_bytes())
    before = old.read_bytes()
    r = _run(["new", "monitoring", added, "-o", old, "--from", old])
    assert r.exit_code == 2
    assert old.read_bytes() == before


def test_from_must_be_a_monitoring_workbook(added: Path, tmp_path: Path) -> None:
    r = _run(["new", "monitoring", added, "-o", tmp_path / "m.xlsx", "--from", added])
    assert r.exit_code == 2
    assert "不是绩效运行监控表" in r.output
    assert not (tmp_path / "m.xlsx").exists()


def test_matching_by_name_and_by_indicator_reports_what_disappeared() -> None:
    """Pure: a project whose code changed is found by its name; a removed project and a
    removed indicator are reported; a reordered indicator keeps its own typed values."""
    old = Targets.from_dict(_export(TYPED))
    cur = copy.deepcopy(old)
    for p in cur.projects:
        p.monitoring = None
    cur.projects[0].code = "改过的编码"
    gone = cur.projects.pop(1)
    p3 = cur.projects[2]  # old project index 3
    dropped = p3.indicators.pop(0)
    p3.indicators.reverse()
    carried = carry_monitoring(cur, old)
    t = carried.targets
    assert carried.kept == 18
    assert t.projects[0].monitoring == old.projects[0].monitoring
    expected = list(reversed(old.projects[3].monitoring.indicators[1:]))  # type: ignore[union-attr]
    assert t.projects[2].monitoring.indicators == expected  # type: ignore[union-attr]
    text = "\n".join(carried.notes)
    assert f"原监控表中的项目“{gone.name}”（项目编码 {gone.code}）在当前目标表中已没有" in text
    assert f"“{dropped.level1}/{dropped.level2}/{dropped.level3}”在当前目标表中已没有" in text
    assert cur.projects[0].monitoring is None  # the input is not changed
