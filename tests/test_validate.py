"""Validation of whole files: the seed's full list of findings, the CLI, unreadable files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from perfxl.cli import main
from perfxl.model import Targets
from perfxl.read import read_workbook
from perfxl.validate import check, locate, validate_file
from perfxl.write.fill import write_new

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_XLSX = ROOT / "examples" / "suying-2023.xlsx"

SHEETS = [
    "1.“凤还巢”大学生村干部工资及保险",
    "2.“综合网格员”补贴",
    "3.环保工作经费",
    "4.基层团建工作经费",
    "5.基层武装部工作经费",
    "6.冀财预2022年85号提前下达2023年革命老区转移支付资",
    "7.军队退役人员公益性岗位满三年2023年财政补贴",
    "8.老漳河东岸休闲农业园区占地补偿款",
    "9.农村公路PPP项目乡道改建工程占地补偿款",
    "10.人大代表工作经费",
    "11.人大代表联络站工作经费",
    "12.退役军人服务站工作经费",
    "13.县派驻村工作队经费",
    "14.乡镇办公运转经费",
    "15.乡镇经济普查工作经费",
    "16.乡镇事业人员交通补贴",
    "17.信访维稳值班经费",
    "18.行政执法经费",
    "19.综合服务中心建设经费",
]
# Projects (1-based, as in the seed) by finding.
SAME_GOALS = {1, 2, 3, 4, 5, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}
# 办公设备维修更新台数 ≥5台 as 数量指标: 13 of 19 projects.
BOILERPLATE_ROW = {2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 17, 18, 19}
COST_MISMATCH = {1: "83380元", 11: "5万元"}
# 财政补贴人数 / 财政资金补贴人数: the only descriptions that are not the 三级指标 again.
OWN_DESCRIPTION = {1, 7}


def seed_expected() -> list[tuple[Any, ...]]:
    """Every (rule, severity, sheet, cell, pointer) the seed workbook must give, in order."""
    out: list[tuple[Any, ...]] = []
    for n, sheet in enumerate(SHEETS, start=1):
        p = f"/projects/{n - 1}"
        if n == 7:  # 0% at 3月底 and 50% at 10月底: 33.33 points behind the calendar
            out.append(("plan.behind_schedule", "warning", sheet, "D7", f"{p}/plan/oct"))
        if n in SAME_GOALS:
            out.append(("boilerplate.goals", "warning", sheet, "B9", f"{p}/goals"))
        for j in range(6):
            row, at = 11 + j, f"{p}/indicators/{j}"
            if j == 0 and n in BOILERPLATE_ROW:
                out.append(("boilerplate.indicator", "warning", sheet, "C11", f"{at}/level3"))
            if not (j == 0 and n in OWN_DESCRIPTION):
                out.append(
                    (
                        "indicator.description_repeats",
                        "warning",
                        sheet,
                        f"D{row}",
                        f"{at}/description",
                    )
                )
            if j == 3 and n in COST_MISMATCH:
                out.append(("cost.budget_mismatch", "warning", sheet, "F14", f"{at}/target"))
            out.append(("basis.unlisted", "info", sheet, f"G{row}", f"{at}/basis"))
    return out


def test_seed_full_list(example_book: Path) -> None:
    report = validate_file(example_book)
    got = [(p.rule, p.severity, p.sheet, p.cell, p.pointer) for p in report.problems]
    assert got == seed_expected()
    assert report.errors == 0
    assert report.warnings == 1 + 16 + 13 + 112 + 2
    cost = [(p.project_code, p.value) for p in report.problems if p.rule == "cost.budget_mismatch"]
    assert cost == [("13052923P00584011066Q", "83380元"), ("13052923P00584011070Y", "5万元")]


def test_cli_json_on_committed_example() -> None:
    result = CliRunner().invoke(main, ["validate", str(EXAMPLE_XLSX), "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)["problems"]
    assert [(r["rule"], r["severity"], r["sheet"], r["cell"], r["pointer"]) for r in records] == (
        seed_expected()
    )
    assert list(records[0]) == [
        "file",
        "sheet",
        "cell",
        "project_code",
        "pointer",
        "rule",
        "severity",
        "value",
        "message",
    ]
    assert {r["file"] for r in records} == {str(EXAMPLE_XLSX)}


def broken_data(example_data: dict[str, Any]) -> dict[str, Any]:
    """The seed's first project with a decreasing plan, a wrong 12月底 and a bad pair."""
    data = json.loads(json.dumps(example_data))
    data["projects"] = data["projects"][:1]
    p = data["projects"][0]
    p["plan"].update(jun=1.0, dec=8.0)
    p["indicators"][4]["level2"] = "数量指标"  # 效益指标 → 数量指标 is not a 2015 pair
    return data


def test_cli_decreasing_plan_wrong_december_bad_pair_exit_1(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    book = tmp_path / "broken.xlsx"
    write_new(Targets.from_dict(broken_data(example_data)), book)
    result = CliRunner().invoke(main, ["validate", str(book), "--format", "json"])
    assert result.exit_code == 1, result.output
    errors = [
        (r["rule"], r["sheet"], r["cell"], r["pointer"])
        for r in json.loads(result.stdout)["problems"]
        if r["severity"] == "error"
    ]
    sheet = SHEETS[0]
    assert errors == [
        ("plan.decreasing", sheet, "C7", "/projects/0/plan/jun"),
        ("plan.dec_budget", sheet, "E7", "/projects/0/plan/dec"),
        ("indicator.pair", sheet, "B15", "/projects/0/indicators/4/level2"),
    ]


def test_cli_text_groups_by_file_and_sheet(tmp_path: Path, example_data: dict[str, Any]) -> None:
    book = tmp_path / "broken.xlsx"
    write_new(Targets.from_dict(broken_data(example_data)), book)
    result = CliRunner().invoke(main, ["validate", str(book)])
    lines = result.stdout.splitlines()
    assert lines[0] == str(book)
    assert lines[1] == f"  [{SHEETS[0]}]"
    assert lines[2].split()[:2] == ["C7", "错误"]
    assert lines[-1].startswith("共 1 个文件：错误 3 个，")


def test_unreadable_file_is_a_report_and_batch_carries_on(
    tmp_path: Path, example_book: Path
) -> None:
    bad = tmp_path / "not-a-book.xlsx"
    bad.write_bytes(b"this is not a zip")
    report = validate_file(bad)
    assert report.read is None
    assert [(p.rule, p.severity, p.file) for p in report.problems] == [
        ("file.unreadable", "error", str(bad))
    ]
    result = CliRunner().invoke(main, ["validate", str(bad), str(example_book), "--format", "json"])
    assert result.exit_code == 2
    files = [r["file"] for r in json.loads(result.stdout)["problems"]]
    assert files[0] == str(bad) and files[-1] == str(example_book)
    assert len(files) == 1 + len(seed_expected())


def test_check_includes_reading_problems_located(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    data = json.loads(json.dumps(example_data))
    data["projects"] = data["projects"][:1]
    book = tmp_path / "text-amount.xlsx"
    write_new(Targets.from_dict(data), book)
    from openpyxl import load_workbook

    wb = load_workbook(book)
    wb[SHEETS[0]]["C4"] = "8.39万元"  # typed as text: read as a number, with a note
    wb.save(book)
    res = read_workbook(book)
    problems = check(res)
    (note,) = [p for p in problems if p.rule == "read.amount_text"]
    assert (note.sheet, note.cell, note.pointer, note.file) == (
        SHEETS[0],
        "C4",
        "/projects/0/budget",
        str(book),
    )
    assert problems == sorted(problems, key=lambda p: (p.sheet != SHEETS[0], p.cell != "C4"))


def test_locate_falls_back_to_the_part(example_book: Path) -> None:
    res = read_workbook(example_book)
    assert locate(res, "/projects/2/plan/jun") == (SHEETS[2], "C7")
    assert locate(res, "/projects/2/indicators") == (SHEETS[2], "A10")
    assert locate(res, "/projects/2") == (SHEETS[2], "B3")
    assert locate(res, "/projects/2/goals/1") == (SHEETS[2], "B9")
    assert locate(res, "/nowhere") == (None, None)


def test_validate_a_folder_reads_every_workbook_below_it(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    from conftest import EXAMPLE_XLSX

    sub = tmp_path / "乡镇" / "第二批"
    sub.mkdir(parents=True)
    shutil.copy(EXAMPLE_XLSX, tmp_path / "乡镇" / "a.xlsx")
    shutil.copy(EXAMPLE_XLSX, sub / "b 副本.xlsx")
    (sub / "~$b 副本.xlsx").write_bytes(b"owner")
    (sub / "说明.txt").write_text("not a workbook", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "perfxl.cli", "validate", str(tmp_path), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    files = {r["file"] for r in json.loads(proc.stdout)["problems"]}
    assert files == {str(tmp_path / "乡镇" / "a.xlsx"), str(sub / "b 副本.xlsx")}


def test_an_unreadable_file_gets_the_advice_once(tmp_path: Path, example_book: Path) -> None:
    """The preflight's refusal says what to do (请重新获取…, 请用 Excel/WPS 打开后另存为…):
    ``file.unreadable`` does not add its general advice after it; a reason that gives no
    advice (a Word document renamed .xlsx) still gets the general one."""
    import docx

    from perfxl.rules.catalogue import UNREADABLE_ADVICE

    truncated = tmp_path / "truncated.xlsx"
    data = example_book.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    text = tmp_path / "csv.xlsx"
    text.write_text("项目编码,项目名称\n1,道路\n", encoding="utf-8")
    word = tmp_path / "word.xlsx"
    document = docx.Document()
    document.add_paragraph("不是工作簿")
    document.save(str(word))
    said = {}
    for book in (truncated, text, word):
        (problem,) = validate_file(book).problems
        assert problem.rule == "file.unreadable" and problem.message.startswith("无法读取该文件：")
        said[book] = problem.message
    for book in (truncated, text):
        assert UNREADABLE_ADVICE not in said[book] and said[book].count("请") == 1, said[book]
    assert "请重新获取" in said[truncated] and "另存为" in said[text]
    assert said[word].endswith(f"不是工作簿。 {UNREADABLE_ADVICE}"), said[word]
