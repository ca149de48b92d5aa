"""Issue 13: the verbs made for the targets stage are honest about a 绩效运行监控表.

``consolidate`` lists a monitoring workbook found among its inputs in 提交情况 with its verdict
(never summed, never superseding the unit's targets workbook; exit 2, as for any file not
used) and summarises inputs that are all monitoring workbooks; ``publish`` refuses a folder
of both stages naming the files, publishes the stage ``--stage`` picks (listing the other
stage's workbooks) and publishes a monitoring workbook given alone as the monitoring document.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.consolidate import Options, consolidate
from perfxl.consolidate import columns as K
from perfxl.model import Targets
from perfxl.services import new_monitoring
from perfxl.write.fill import write_new

VERDICT = "这是绩效运行监控表（7月），本次汇总的是绩效目标表，监控表不计入；同一月份的监控表请单独汇总（只给出监控表时生成监控汇总表）。"


def _unit(data: dict[str, Any], code: str, name: str, projects: int) -> Targets:
    """The example's first ``projects`` projects under another unit (codes kept apart)."""
    d = copy.deepcopy(data)
    d["unit"] = {"code": code, "name": name}
    d["projects"] = d["projects"][:projects]
    for i, p in enumerate(d["projects"]):
        p["code"] = f"{code}-{i:03d}"
    return Targets.from_dict(d)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, example_data: dict[str, Any]) -> Path:
    """Two townships' targets workbooks and the first one's July monitoring workbook, saved
    last (read as a targets workbook, it would supersede the township's own)."""
    root = tmp_path_factory.mktemp("county")
    a, b = root / "甲镇.xlsx", root / "乙镇.xlsx"
    write_new(_unit(example_data, "910001", "甲镇人民政府", 3), a)
    write_new(_unit(example_data, "910002", "乙镇人民政府", 2), b)
    mon = root / "甲镇-7月监控.xlsx"
    new_monitoring(a, mon, month=7)
    for i, f in enumerate((a, b, mon)):
        os.utime(f, (1_700_000_000 + i, 1_700_000_000 + i))
    return root


def _run(args: list[str | Path]) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_consolidate_sums_the_targets_and_lists_the_monitoring_workbook(
    folder: Path, tmp_path: Path
) -> None:
    result = consolidate([folder], tmp_path / "汇总.xlsx", Options(jobs=1))
    assert sorted(s.file.path for s in result.chosen) == sorted(
        str(folder / n) for n in ("甲镇.xlsx", "乙镇.xlsx")
    )
    assert result.totals["projects"] == 5 and not result.superseded
    rows = {Path(r.source_file).name: r for r in result.files if r.source_file}
    mon = rows["甲镇-7月监控.xlsx"]
    assert (mon.file_status, mon.note, mon.unit_code) == (K.MONITORING_SKIPPED, VERDICT, "910001")
    assert mon.projects == 0  # none of its projects summed
    assert rows["甲镇.xlsx"].file_status == K.USED and rows["乙镇.xlsx"].file_status == K.USED
    listed = [(r.rule, Path(r.source_file).name) for r in result.problems if r.source_file]
    assert ("consolidate.monitoring_workbook", "甲镇-7月监控.xlsx") in listed
    assert {r.source_file for r in result.indicators} == {
        str(folder / "甲镇.xlsx"),
        str(folder / "乙镇.xlsx"),
    }
    assert result.exit_code == 2


def test_consolidate_cli_says_why_and_exits_2(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    r = _run(["consolidate", folder, "-o", out, "-j", "1", "--format", "json"])
    assert r.exit_code == 2 and out.exists()
    summary = json.loads(r.stdout)
    assert summary["units"] == 2 and summary["projects"] == 5
    assert summary["unusable_files"] == [
        {
            "file": str(folder / "甲镇-7月监控.xlsx"),
            "status": K.MONITORING_SKIPPED,
            "reason": VERDICT,
        }
    ]


def test_consolidate_summarises_only_monitoring_workbooks(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    r = _run(["consolidate", folder / "甲镇-7月监控.xlsx", "-o", out])
    assert r.exit_code == 0 and out.exists()  # the county monitoring summary


def test_publish_refuses_a_folder_of_both_stages_naming_the_files(
    folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "公开.docx"
    r = _run(["publish", folder, "-o", out])
    assert r.exit_code == 2 and not out.exists()
    assert "绩效目标表：乙镇.xlsx、甲镇.xlsx；绩效运行监控表：甲镇-7月监控.xlsx" in r.stderr
    assert "--stage targets" in r.stderr and "--stage monitoring" in r.stderr


def test_publish_stage_targets_leaves_the_monitoring_workbook_out_of_a_folder(
    folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "公开.docx"
    r = _run(["publish", folder, "-o", out, "--stage", "targets"])
    assert r.exit_code == 0 and out.exists()
    assert (
        "甲镇-7月监控.xlsx：[未收入] 这是绩效运行监控表（7月），本次（--stage targets）"
        "公开的是绩效目标表，未收入。" in r.stderr
    )
    assert "2 个单位" in r.stderr


def test_publish_stage_monitoring_leaves_the_targets_workbooks_out(
    folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "公开.docx"
    r = _run(["publish", folder, "-o", out, "--stage", "monitoring"])
    assert r.exit_code == 0 and out.exists()
    assert "乙镇.xlsx：[未收入] 这是绩效目标表，本次（--stage monitoring）" in r.stderr
    assert "1 个单位，3 个监控表" in r.stderr


def test_publish_a_monitoring_workbook_alone_gives_the_monitoring_document(
    folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "公开.docx"
    r = _run(["publish", folder / "甲镇-7月监控.xlsx", "-o", out])
    assert r.exit_code == 0 and out.exists()
    assert "1 个单位，3 个监控表" in r.stderr
