"""The ribbon on self-evaluation workbooks (issue 14, point 4), through the fake Excel of
test_excel_entry: 新建自评表 builds ``<book>-自评.xlsx`` from the open targets or monitoring
workbook as ``perfxl new evaluation`` does, asks before re-generating and never replaces a
file; 校验 and 计算进度 on an open self-evaluation workbook do what the CLI does to the file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES
from openpyxl import load_workbook
from test_excel_entry import FakeApp, FakeBook, _copy, _live, _shown

from perfxl.excel import actions, entry
from perfxl.read import read_workbook

MONITORING = EXAMPLES / "suying-2023-monitoring.xlsx"
EVALUATION = EXAMPLES / "suying-2023-evaluation.xlsx"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "perfxl.cli", *args], capture_output=True, text=True, check=False
    )


def _cells(path: Path) -> dict[tuple[str, str], Any]:
    wb = load_workbook(path)
    return {
        (ws.title, c.coordinate): c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


class _Answering(FakeApp):
    """An Excel whose Yes / No box answers ``answer``."""

    def __init__(self, answer: str) -> None:
        super().__init__()
        self.answer = answer
        self.asked: list[str] = []

    def alert(self, prompt: str, title: str, buttons: str = "ok") -> str | None:  # type: ignore[override]
        if buttons == "yes_no":
            self.asked.append(prompt)
            return self.answer
        self.alerts.append((prompt, title))
        return None


@pytest.fixture()
def monitoring_book(tmp_path: Path) -> FakeBook:
    """The July monitoring example open in the fake, saved under tmp_path."""
    path = tmp_path / "苏营镇-监控.xlsx"
    shutil.copyfile(MONITORING, path)
    return FakeBook(path)


# --- 新建自评表 ------------------------------------------------------------------------------
def test_new_evaluation_button_writes_beside_the_book_as_the_cli(
    monitoring_book: FakeBook, tmp_path: Path
) -> None:
    message = entry.new_evaluation(monitoring_book)
    out = tmp_path / "苏营镇-监控-自评.xlsx"
    assert message.startswith(f"已生成自评表：{out}"), message
    assert "19 个项目，114 条指标，评分方案 default" in message and "监控表文件" in message
    assert monitoring_book.app.alerts == [(message, entry.TITLE)]
    cli = tmp_path / "cli.xlsx"
    run = _cli("new", "evaluation", monitoring_book.fullname, "-o", str(cli))
    assert run.returncode == 0, run.stderr
    assert _cells(out) == _cells(cli)
    got = read_workbook(out).targets
    assert got.stage == "evaluation" and len(got.projects) == 19


def test_new_evaluation_button_from_a_targets_workbook(example_book: Path, tmp_path: Path) -> None:
    targets = tmp_path / "suying-2023.xlsx"
    shutil.copyfile(example_book, targets)
    message = entry.new_evaluation(FakeBook(targets))
    assert message.startswith(f"已生成自评表：{tmp_path / 'suying-2023-自评.xlsx'}")
    assert "目标表文件" in message


def test_new_evaluation_button_never_replaces_a_file_and_regenerates_when_asked(
    monitoring_book: FakeBook, tmp_path: Path
) -> None:
    entry.new_evaluation(monitoring_book)
    base = tmp_path / "苏营镇-监控-自评.xlsx"
    res = read_workbook(base)
    sheet, cell = res.locations["/projects/3/evaluation/total/executed"]
    wb = load_workbook(base)
    wb[sheet][cell] = 1.7  # the clerk types
    wb.save(base)
    before = base.read_bytes()
    # an Excel that cannot ask: refused, saying how to re-generate
    again = entry.new_evaluation(monitoring_book)
    assert again.startswith("新建自评表未完成：") and "已存在，未覆盖" in again
    assert "perfxl new evaluation --from" in again
    # No: nothing written
    monitoring_book.app = _Answering("no")
    assert entry.new_evaluation(monitoring_book).startswith("未生成：")
    assert "自评表 苏营镇-监控-自评.xlsx 已存在" in monitoring_book.app.asked[0]
    assert sorted(p.name for p in tmp_path.glob("*-自评*.xlsx")) == [base.name]
    # Yes: the next file, what was typed carried, the original untouched
    monitoring_book.app = _Answering("yes")
    message = entry.new_evaluation(monitoring_book)
    second = tmp_path / "苏营镇-监控-自评(2).xlsx"
    assert message.startswith(f"已重新生成自评表：{second}"), message
    assert "19 个项目带入了“苏营镇-监控-自评.xlsx”" in message
    assert base.read_bytes() == before
    p3 = read_workbook(second).targets.projects[3].evaluation
    assert p3 is not None and p3.total.executed == 1.7
    cli = tmp_path / "cli.xlsx"
    run = _cli("new", "evaluation", monitoring_book.fullname, "-o", str(cli), "--from", str(base))
    assert run.returncode == 0, run.stderr
    assert _cells(second) == _cells(cli)
    third = entry.new_evaluation(monitoring_book, rerun=True)
    assert third.startswith(f"已重新生成自评表：{tmp_path / '苏营镇-监控-自评(3).xlsx'}")
    assert "“苏营镇-监控-自评(2).xlsx”" in third


def test_new_evaluation_button_refuses_an_evaluation_workbook_and_an_unsaved_book(
    tmp_path: Path,
) -> None:
    evaluation = tmp_path / "自评.xlsx"
    shutil.copyfile(EVALUATION, evaluation)
    message = entry.new_evaluation(FakeBook(evaluation))
    assert message.startswith("新建自评表未完成：") and "已是绩效自评表" in message
    assert not actions.evaluation_path(str(evaluation)).exists()
    unsaved = entry.new_evaluation(FakeBook(MONITORING, "工作簿1"))
    assert (
        unsaved.startswith("新建自评表未完成：") and "请先保存工作簿，再点“新建自评表”" in unsaved
    )


def test_help_names_the_evaluation_button() -> None:
    text = actions.HELP_TEXT
    assert "新建自评表" in text and "自评表" in text.split("计算进度和校验按钮")[1]


# --- 校验 and 计算进度 on a self-evaluation workbook ----------------------------------------
def _evaluation_fault(folder: Path) -> tuple[Path, str, str]:
    """The typed year-end example with the real 2022 fault planted on project 1: 年度资金总额's
    全年预算数 and 全年执行数 0 while 本年财政拨款 keeps its figures. Returns (file, sheet, the
    total's 全年执行数 cell)."""
    res = read_workbook(EVALUATION)
    wb = load_workbook(EVALUATION)
    for column in ("budget", "executed"):
        sheet, cell = res.locations[f"/projects/0/evaluation/total/{column}"]
        wb[sheet][cell] = 0
    sheet, cell = res.locations["/projects/0/evaluation/total/executed"]
    out = folder / "自评-有误.xlsx"
    wb.save(out)
    return out, sheet, cell


def test_validate_button_on_an_evaluation_workbook_marks_what_the_cli_marks(
    tmp_path: Path,
) -> None:
    faulty, sheet, cell = _evaluation_fault(tmp_path)
    (tmp_path / "live").mkdir()
    cli = tmp_path / "cli.xlsx"
    run = _cli("validate", str(faulty), "--annotate", str(cli))
    assert run.returncode == 1, run.stdout + run.stderr
    book = FakeBook(_copy(faulty, tmp_path / "live"))
    message = entry.validate(book)
    assert message.startswith("校验完成：") and "错误" in message
    live, want = _live(book, tmp_path / "live.xlsx"), _shown(cli)
    for key in ("sheets", "results", "links", "fills", "notes"):
        assert live[key] == want[key], key
    found = [(r[0], r[1], r[3]) for r in live["results"][1:]]
    assert (sheet, cell, "evaluation.funds_sum") in found, found  # the fault, at its cell


def test_validate_button_on_the_clean_example_finds_nothing(tmp_path: Path) -> None:
    book = FakeBook(_copy(EVALUATION, tmp_path))
    assert entry.validate(book).startswith("校验通过：未发现问题。")


def test_compute_button_on_an_evaluation_workbook_writes_what_the_cli_writes(
    tmp_path: Path,
) -> None:
    from perfxl.evaluation import evaluate

    (tmp_path / "live").mkdir()
    src = _copy(EVALUATION, tmp_path / "live")
    cli = tmp_path / "cli.xlsx"
    run = _cli("compute", str(EVALUATION), "-o", str(cli))
    assert run.returncode in (0, 1), run.stderr
    book = FakeBook(src)
    message = entry.compute(book)
    assert message.startswith(
        "已计算 19/19 个项目的执行率、各指标得分、总分和自评等级（评分方案 default）。"
    ), message
    assert "自评等级：优 18 个，良 1 个；最低总分 88.25。" in message
    live = tmp_path / "live.xlsx"
    book.wb.save(live)
    assert _cells(live) == _cells(cli)
    assert all(ws.protection.sheet for ws in book.wb.worksheets[1:] if ws.sheet_state == "visible")
    results = evaluate(read_workbook(EVALUATION).targets)
    assert [str(r.total) for r in results][14] == "88.25"


def test_compute_button_puts_the_current_formulas_in_place_of_the_previous_ones(
    tmp_path: Path,
) -> None:
    """A workbook the previous release drew: the button writes the current formulas where the
    CLI does (Excel computes them) and says so, as the CLI's summary does."""
    from previous import new_as_before

    old = tmp_path / "旧版自评.xlsx"
    made = new_as_before("new", "evaluation", MONITORING, "-o", old)
    assert made.returncode == 0, made.stderr
    (tmp_path / "live").mkdir()
    src = _copy(old, tmp_path / "live")
    cli = tmp_path / "cli.xlsx"
    run = _cli("compute", str(old), "-o", str(cli))
    assert run.returncode in (0, 1), run.stderr
    said = next(line for line in run.stderr.splitlines() if "旧版公式更新为当前公式" in line)
    book = FakeBook(src)
    message = entry.compute(book)
    assert said in message.splitlines()
    live = tmp_path / "live.xlsx"
    book.wb.save(live)
    after, before = _cells(live), _cells(old)
    assert after == _cells(cli)
    assert [k for k in after if after[k] != before.get(k)], "the formulas were brought up to date"
