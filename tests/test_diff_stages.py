"""perfxl diff and the county summaries see what a later stage's clerk changed (执行数,
完成目标可能性, 实际完成值 …), not only the carried targets: a resubmitted monitoring or
self-evaluation workbook whose figures changed is never reported as 内容相同."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import openpyxl
from conftest import EXAMPLES

from perfxl.diff import diff
from perfxl.read import read_workbook

MONITORING = EXAMPLES / "suying-2023-monitoring.xlsx"
EVALUATION = EXAMPLES / "suying-2023-evaluation.xlsx"


def test_monitoring_figures_changed_are_listed_with_their_cells() -> None:
    res = read_workbook(MONITORING)
    old = res.targets
    new = copy.deepcopy(old)
    m = new.projects[0].monitoring
    assert m is not None
    m.total.executed = 5.2
    m.indicators[0].likelihood = "有可能"
    d = diff(old, new, old_locations=res.locations, new_locations=res.locations)
    got = [(c.label, c.old, c.new, c.new_cell) for c in d.changes]
    sheet, cell = res.locations["/projects/0/monitoring/total/executed"]
    level3 = old.projects[0].indicators[0].level3
    assert got == [
        ("年度资金总额1-7月执行数", 4.7, 5.2, cell),
        (
            f"指标“{level3}”完成目标可能性",
            "确定能",
            "有可能",
            res.locations["/projects/0/monitoring/indicators/0/likelihood"][1],
        ),
    ]
    assert d.changes[0].new_sheet == sheet
    assert "4.70 万元 → 5.20 万元" in d.changes[0].text()
    assert d.summary() != "内容相同，没有改动。"


def test_evaluation_actual_changed_is_listed() -> None:
    res = read_workbook(EVALUATION)
    old = res.targets
    new = copy.deepcopy(old)
    e = new.projects[1].evaluation
    assert e is not None
    e.indicators[0].actual = "99%"
    e.achieved = "改写后的实际完成情况"
    d = diff(old, new, old_locations=res.locations, new_locations=res.locations)
    labels = {c.label for c in d.changes}
    assert labels == {"实际完成情况", f"指标“{old.projects[1].indicators[0].level3}”实际完成值"}
    assert all(c.new_cell for c in d.changes)


def test_the_same_workbook_twice_is_equal() -> None:
    for book in (MONITORING, EVALUATION):
        res = read_workbook(book)
        assert diff(res.targets, read_workbook(book).targets).equal


def test_the_county_evaluation_summary_lists_a_resubmission(tmp_path: Path) -> None:
    """Two versions of one township's self-evaluation: the older is superseded and the
    summary's 版本变化 sheet lists the changed 实际完成情况 at its cell."""
    folder = tmp_path / "in"
    folder.mkdir()
    v1, v2 = folder / "苏营镇-自评-v1.xlsx", folder / "苏营镇-自评-v2.xlsx"
    v1.write_bytes(EVALUATION.read_bytes())
    wb = openpyxl.load_workbook(EVALUATION)
    res = read_workbook(EVALUATION)
    sheet, cell = res.locations["/projects/0/evaluation/achieved"]
    wb[sheet][cell] = "第二版：全年任务全部完成。"
    wb.save(v2)
    out = tmp_path / "汇总.xlsx"
    proc = subprocess.run(
        [sys.executable, "-m", "perfxl.cli", "consolidate", folder, "-o", out, "--prefer", v2],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    book = openpyxl.load_workbook(out, read_only=True)
    assert "版本变化" in book.sheetnames
    rows = [r for r in book["版本变化"].iter_rows(values_only=True) if r and any(r)]
    text = "\n".join(" ".join(str(v) for v in r if v is not None) for r in rows)
    assert "第二版：全年任务全部完成。" in text and cell in text


def test_two_kinds_of_form_compared_are_said_to_be_so(tmp_path: Path) -> None:
    """A targets workbook against its monitoring form: what only one of them has is listed as
    changes, and a note says why (text and JSON); two versions of one form get no note."""
    import json

    from click.testing import CliRunner

    from perfxl.cli import main

    targets = EXAMPLES / "suying-2023.xlsx"
    res = CliRunner().invoke(main, ["diff", str(targets), str(MONITORING)])
    assert res.exit_code == 1, res.output
    said = "提示：两个文件不是同一种表（原：绩效目标表；新：绩效运行监控表（7月））"
    assert said in res.output and "--targets" in res.output
    res = CliRunner().invoke(main, ["diff", str(targets), str(MONITORING), "--format", "json"])
    (note,) = json.loads(res.output[res.output.index("{") :])["notes"]
    assert note.startswith("两个文件不是同一种表")
    rolled = tmp_path / "2024.xlsx"
    CliRunner().invoke(main, ["rollover", str(targets), "--year", "2024", "-o", str(rolled)])
    res = CliRunner().invoke(main, ["diff", str(targets), str(rolled), "--format", "json"])
    assert res.exit_code == 1, res.output
    assert json.loads(res.output[res.output.index("{") :])["notes"] == []
    assert (
        "不是同一种表" not in CliRunner().invoke(main, ["diff", str(targets), str(rolled)]).output
    )


def test_the_monitoring_month_changed_is_listed_like_the_other_cover_fields() -> None:
    """A resubmitted monitoring workbook whose 监控月份 went from 7 to 8 is not 内容相同: the
    month is a top-level change at its cover cell, worded as a changed 预算年度 is; a month
    typed as no month (七月) is shown as typed, not as the JSON form's null."""
    res = read_workbook(MONITORING)
    old = res.targets
    new = copy.deepcopy(old)
    new.month, new.year = 8, 2024
    d = diff(old, new, old_locations=res.locations, new_locations=res.locations)
    sheet, cell = res.locations["/month"]
    got = [(c.scope, c.label, c.field, c.old, c.new, c.new_sheet, c.new_cell) for c in d.changes]
    assert got == [
        ("unit", "预算年度", "/year", 2023, 2024, *res.locations["/year"]),
        ("unit", "监控月份", "/month", 7, 8, sheet, cell),
    ]
    assert [c.text() for c in d.changes] == ["预算年度：“2023” → “2024”", "监控月份：“7” → “8”"]
    assert (d.changes[1].old_sheet, d.changes[1].old_cell) == (sheet, cell)
    typed = copy.deepcopy(old)
    typed.month = "七月"
    (change,) = diff(typed, old).changes
    assert change.text() == "监控月份：“七月” → “7”"


def test_diff_of_monitoring_data_names_the_month(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from perfxl.cli import main

    data = read_workbook(MONITORING).targets.to_dict()
    a, b = tmp_path / "7.json", tmp_path / "8.json"
    a.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    b.write_text(json.dumps({**data, "month": 8}, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(main, ["diff", str(a), str(b)])
    assert res.exit_code == 1, res.output
    assert res.stdout.splitlines() == ["[改动] 监控月份：“7” → “8”"]


def test_the_evaluation_profile_changed_is_listed_at_its_cover_cell() -> None:
    """Two self-evaluation versions scored by different 评分方案 are not 内容相同: every score
    and 等级 depends on it, so the profile is a top-level change at the cover's cell."""
    res = read_workbook(EVALUATION)
    old = res.targets
    assert old.profile
    new = copy.deepcopy(old)
    new.profile = "county"
    d = diff(old, new, old_locations=res.locations, new_locations=res.locations)
    got = [(c.scope, c.label, c.field, c.old, c.new) for c in d.changes]
    assert got == [("unit", "评分方案", "/profile", old.profile, "county")]
    assert (d.changes[0].new_sheet, d.changes[0].new_cell) == res.locations["/profile"]
    assert d.changes[0].text() == f"评分方案：“{old.profile}” → “county”"
