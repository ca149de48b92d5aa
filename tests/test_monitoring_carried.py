"""Issue 13, point 3, last rule: a targets value changed in the monitoring form is an error
naming both values; and point 4: the ribbon's 新建监控表 re-generates when the workbook exists.

Real workbooks throughout: the Suying example's targets, the monitoring workbook perfxl draws
from them, a clerk's edit made with openpyxl at the cell the reader recorded, then validate (the
workbook's own very hidden record, or ``--targets`` with the targets workbook itself).
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import EXAMPLE_XLSX, EXAMPLES, convert
from openpyxl.worksheet.worksheet import Worksheet
from test_excel_entry import FakeApp, FakeBook

from perfxl import constants as C
from perfxl import layout as L
from perfxl.carried import CarriedRecord, compare, record_from_rows, record_of, record_rows
from perfxl.cli import main
from perfxl.excel import entry
from perfxl.model import Targets
from perfxl.problems import Problem
from perfxl.read import read_workbook
from perfxl.services import export_workbook, new_monitoring, targets_record
from perfxl.validate import validate_file
from perfxl.write.fill import write_new

CARRIED_RULES = (
    "monitoring.carried_changed",
    "monitoring.carried_added",
    "monitoring.carried_missing",
)
EXAMPLE_MONITORING = EXAMPLES / "suying-2023-monitoring.xlsx"
FORM = L.STANDARD.monitoring


def _run(args: list[str | Path]) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _carried(problems: list[Problem]) -> list[tuple[str, str | None, str | None]]:
    return [(p.rule, p.sheet, p.cell) for p in problems if p.rule in CARRIED_RULES]


def _messages(problems: list[Problem]) -> list[str]:
    return [p.message for p in problems if p.rule in CARRIED_RULES]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``perfxl new monitoring`` of the Suying targets, as of 7月底."""
    out = tmp_path_factory.mktemp("carried") / "监控.xlsx"
    new_monitoring(EXAMPLE_XLSX, out, month=7)
    return out


@pytest.fixture(scope="module")
def old_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example monitoring workbook as perfxl drew it before the record existed: the same
    workbook with its record sheet removed (openpyxl, as an older perfxl saved it)."""
    out = tmp_path_factory.mktemp("old") / "旧监控表.xlsx"
    wb = openpyxl.load_workbook(EXAMPLE_MONITORING)
    del wb[C.CARRIED_SHEET]
    wb.save(out)
    return out


@pytest.fixture(scope="module")
def against_targets() -> CarriedRecord:
    return targets_record(EXAMPLE_XLSX)


def _edit(src: Path, out: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    wb = openpyxl.load_workbook(src)
    change(wb)
    wb.save(out)
    return out


def _set(src: Path, out: Path, pointer: str, value: Any) -> tuple[Path, str, str]:
    """A copy of ``src`` with the cell behind ``pointer`` set to ``value``: (file, sheet, cell)."""
    sheet, cell = read_workbook(src).locations[pointer]

    def change(wb: openpyxl.Workbook) -> None:
        wb[sheet][cell].value = value

    return _edit(src, out, change), sheet, cell


# --- the record -------------------------------------------------------------------------------
def test_the_record_holds_every_carried_value_on_a_very_hidden_protected_sheet(
    fresh: Path, against_targets: CarriedRecord
) -> None:
    res = read_workbook(fresh)
    assert res.carried is not None
    assert len(res.carried.projects) == 19
    assert sum(len(p.indicators) for p in res.carried.projects) == 114
    assert compare(res.targets, res.carried, [res.project_sheet(i) for i in range(19)]) == []
    assert compare(res.targets, against_targets) == []
    first = res.carried.projects[0]
    targets = json.loads(export_workbook(EXAMPLE_XLSX).text())["projects"][0]
    assert first.sheet == res.project_sheet(0)
    assert first.values["code"] == targets["code"]
    assert first.values["total/initial"] == targets["budget"]
    assert [i["target"] for i in first.indicators] == [i["target"] for i in targets["indicators"]]
    wb = openpyxl.load_workbook(fresh)
    record = wb.worksheets[-1]
    assert record.title == L.STANDARD.carried_record.sheet
    assert record.sheet_state == "veryHidden" and record.protection.sheet
    assert [s.kind for s in res.sheets].count("record") == 1
    assert not any(p.rule == "read.sheet_skipped" for p in res.problems)
    # the export, the JSON contract, knows nothing of the record
    assert "carried" not in json.loads(export_workbook(fresh).text())


def test_record_rows_round_trip() -> None:
    t = Targets.from_dict(json.loads((EXAMPLES / "suying-2023.json").read_text(encoding="utf-8")))
    record = record_of(t)
    keys = [f.key for f in FORM.carried], list(L.MONITORING_CARRIED_INDICATOR_KEYS)
    rows = record_rows(record, *keys)
    assert len(rows) == 19 + 114  # a row per project, a row per indicator
    assert record_from_rows(rows, *keys) == record
    # a row whose positions are not numbers is left out, the rest is read
    assert record_from_rows([["表", "x", None, "1"], *rows], *keys) == record
    # the key rows decide which value is which: a form with its fields in another order
    swapped = [keys[0][::-1], keys[1][::-1]]
    moved = [[*r[:3], *r[3:][::-1]] for r in rows]
    assert record_from_rows(moved, *swapped) == record


def test_a_clean_workbook_is_silent_with_the_record_and_with_targets(
    fresh: Path, against_targets: CarriedRecord
) -> None:
    assert _carried(validate_file(fresh).problems) == []
    assert _carried(validate_file(fresh, carried=against_targets).problems) == []
    r = _run(["validate", fresh, "--targets", EXAMPLE_XLSX])
    assert r.exit_code == 0, r.output


# --- each carried field changed fires at its cell ---------------------------------------------
# (pointer the reader records, the value typed, what the message quotes before and after)
CHANGES: list[tuple[str, Any, str, str]] = [
    (
        "/projects/0/code",
        "13052923P00584011999Q",
        "“13052923P00584011066Q”",
        "“13052923P00584011999Q”",
    ),
    (
        "/projects/0/name",
        "大学生村干部工资",
        "““凤还巢”大学生村干部工资及保险”",
        "“大学生村干部工资”",
    ),
    ("/projects/0/budget", 9.5, "“8.39 万元”", "“9.50 万元”"),
    ("/projects/0/fiscal_funds", None, "“8.39 万元”", "空白"),
    ("/projects/0/other_funds", 1, "空白", "“1.00 万元”"),
    (
        "/projects/0/goals",
        "1.提升工作人员幸福感",
        "“1.提升工作人员幸福感 2.提高员工",
        "“1.提升工作人员幸福感”",
    ),
    ("/projects/2/indicators/1/target", "≥90%", "“≥95%”", "“≥90%”"),
    ("/projects/2/indicators/1/level3", "覆盖率", "“资金发放覆盖率”", "“覆盖率”"),
    ("/projects/2/indicators/1/level2", "数量指标", "“质量指标”", "“数量指标”"),
    ("/projects/0/indicators/3/target", "83380", "“83380元”", "“83380”"),
]


@pytest.mark.parametrize("source", ["record", "targets"])
@pytest.mark.parametrize(("pointer", "value", "before", "after"), CHANGES)
def test_each_carried_field_changed_fires_at_its_cell(
    fresh: Path,
    against_targets: CarriedRecord,
    tmp_path: Path,
    source: str,
    pointer: str,
    value: Any,
    before: str,
    after: str,
) -> None:
    book, sheet, cell = _set(fresh, tmp_path / "改.xlsx", pointer, value)
    carried = against_targets if source == "targets" else None
    problems = validate_file(book, carried=carried).problems
    assert _carried(problems) == [("monitoring.carried_changed", sheet, cell)]
    (message,) = _messages(problems)
    assert f"由目标表的{before}" in message and f"改成了{after}" in message
    assert "带入的目标值不能在监控表中修改" in message and "perfxl new monitoring --from" in message
    assert ("指标“" in message) == ("/indicators/" in pointer)


def test_a_level1_changed_fires_at_every_row_of_its_merged_group(
    fresh: Path, tmp_path: Path
) -> None:
    res = read_workbook(fresh)
    sheet, cell = res.locations["/projects/0/indicators/0/level1"]
    group = [
        res.locations[f"/projects/0/indicators/{j}/level1"]
        for j, ind in enumerate(res.targets.projects[0].indicators)
        if ind.level1 == res.targets.projects[0].indicators[0].level1
    ]
    assert len(group) > 1  # 产出指标: four rows, one merged cell
    book, _, _ = _set(fresh, tmp_path / "改.xlsx", "/projects/0/indicators/0/level1", "效益指标")
    got = _carried(validate_file(book).problems)
    assert got == [("monitoring.carried_changed", s, c) for s, c in group]
    assert got[0][1:] == (sheet, cell)


# --- rows and projects added or deleted by the clerk ------------------------------------------
def _table(ws: Worksheet) -> list[tuple[Any, ...]]:
    """The carried columns of the indicator table (一级指标 filled down its merged group)."""
    cols = [FORM.indicator_columns[k][0] for k in L.MONITORING_CARRIED_INDICATOR_KEYS]
    rows: list[tuple[Any, ...]] = []
    r = FORM.indicator_first_row
    level1 = None
    while any(ws.cell(r, c).value is not None for c in cols[1:]):
        values = [ws.cell(r, c).value for c in cols]
        level1 = values[0] if values[0] is not None else level1
        rows.append((level1, *values[1:]))
        r += 1
    return rows


def _rewrite(ws: Worksheet, rows: list[tuple[Any, ...]]) -> None:
    """The indicator table's carried columns as the clerk left them: ``rows``, one a row."""
    cols = [FORM.indicator_columns[k][0] for k in L.MONITORING_CARRIED_INDICATOR_KEYS]
    first = FORM.indicator_first_row
    for m in list(ws.merged_cells.ranges):
        if m.min_row >= first and m.min_col in cols:
            ws.unmerge_cells(str(m))
    for r in range(first, first + len(rows) + 5):
        for c in cols:
            ws.cell(r, c).value = None
    for i, row in enumerate(rows):
        for c, v in zip(cols, row, strict=True):
            ws.cell(first + i, c).value = v


def test_an_indicator_row_deleted_is_reported_at_the_row_now_in_its_place(
    fresh: Path, tmp_path: Path
) -> None:
    res = read_workbook(fresh)
    sheet = res.project_sheet(2)
    assert sheet is not None

    def drop(wb: openpyxl.Workbook) -> None:
        rows = _table(wb[sheet])
        _rewrite(wb[sheet], rows[:2] + rows[3:])

    book = _edit(fresh, tmp_path / "删行.xlsx", drop)
    problems = validate_file(book).problems
    where = res.locations["/projects/2/indicators/2"]  # the row that moved up into its place
    assert _carried(problems) == [("monitoring.carried_missing", *where)]
    (message,) = _messages(problems)
    deleted = res.targets.projects[2].indicators[2]
    assert f"/{deleted.level3}”" in message and "在监控表中已没有" in message


def test_an_indicator_row_added_is_reported_at_its_level3_cell(fresh: Path, tmp_path: Path) -> None:
    res = read_workbook(fresh)
    sheet = res.project_sheet(2)
    assert sheet is not None
    n = len(res.targets.projects[2].indicators)

    def add(wb: openpyxl.Workbook) -> None:
        rows = _table(wb[sheet])
        _rewrite(wb[sheet], [*rows[:1], ("产出指标", "数量指标", "宣传次数", "≥3次"), *rows[1:]])

    book = _edit(fresh, tmp_path / "加行.xlsx", add)
    problems = validate_file(book).problems
    read = read_workbook(book)
    assert len(read.targets.projects[2].indicators) == n + 1
    where = read.locations["/projects/2/indicators/1/level3"]
    assert _carried(problems) == [("monitoring.carried_added", *where)]
    (message,) = _messages(problems)
    assert "宣传次数" in message and "≥3次" in message and "不在目标表中" in message


def test_a_project_sheet_added_is_reported_at_its_name_and_one_deleted_for_the_file(
    fresh: Path, tmp_path: Path
) -> None:
    res = read_workbook(fresh)
    gone = res.project_sheet(4)
    code = res.targets.projects[4].code
    name = res.targets.projects[4].name
    assert gone is not None and isinstance(code, str) and isinstance(name, str)

    def change(wb: openpyxl.Workbook) -> None:
        copy_ = wb.copy_worksheet(wb[res.project_sheet(0) or ""])
        copy_.title = "20.自加项目"
        copy_[FORM.field("code").ref].value = "XX-2023-999"
        copy_[FORM.field("name").ref].value = "自己加的项目"
        wb.remove(wb[gone])

    book = _edit(fresh, tmp_path / "增删表.xlsx", change)
    problems = validate_file(book).problems
    read = read_workbook(book)
    index = next(i for i, p in enumerate(read.targets.projects) if p.name == "自己加的项目")
    assert sorted(_carried(problems), key=str) == sorted(
        [
            ("monitoring.carried_added", *read.locations[f"/projects/{index}/name"]),
            ("monitoring.carried_missing", None, None),
        ],
        key=str,
    )
    added, missing = sorted(_messages(problems), key=lambda m: "已没有" in m)
    assert "工作表“20.自加项目”的项目“自己加的项目”（项目编码 XX-2023-999）" in added
    assert f"项目“{name}”（项目编码 {code}）在监控表中已没有" in missing


def test_a_code_edited_still_pairs_the_project_by_its_sheet(fresh: Path, tmp_path: Path) -> None:
    book, sheet, cell = _set(fresh, tmp_path / "改编码.xlsx", "/projects/5/code", "ABC")
    assert _carried(validate_file(book).problems) == [("monitoring.carried_changed", sheet, cell)]


# --- without the record -----------------------------------------------------------------------
def test_a_workbook_made_before_the_record_is_checked_only_with_targets(
    tmp_path: Path, old_example: Path
) -> None:
    assert read_workbook(EXAMPLE_MONITORING).carried is not None  # the example has its record
    res = read_workbook(old_example)
    assert res.carried is None
    book, sheet, cell = _set(
        old_example, tmp_path / "旧表-改.xlsx", "/projects/2/indicators/1/target", "≥90%"
    )
    assert _carried(validate_file(book).problems) == []  # silent: nothing to compare with
    r = _run(["validate", book, "--targets", EXAMPLE_XLSX])
    assert r.exit_code == 1
    assert f"{cell:<6} 错误" in r.output and "由目标表的“≥95%”改成了“≥90%”" in r.output
    assert f"[{sheet}]" in r.output


def test_targets_option_refuses_what_it_cannot_use(fresh: Path, tmp_path: Path) -> None:
    r = _run(["validate", fresh, "--annotate", EXAMPLE_XLSX, "--targets", EXAMPLE_XLSX])
    assert r.exit_code == 2  # an output is never an input
    other = tmp_path / "另一个.xlsx"
    shutil.copyfile(fresh, other)
    r = _run(["validate", fresh, other, "--targets", EXAMPLE_XLSX])
    assert r.exit_code == 2 and "--targets 只能用于一个监控表" in r.output
    r = _run(["validate", fresh, "--targets", EXAMPLE_MONITORING])
    assert r.exit_code == 2 and "不是目标表" in r.output
    r = _run(["validate", EXAMPLE_XLSX, "--targets", EXAMPLE_XLSX])
    assert r.exit_code == 0 and "不是绩效运行监控表，--targets 未使用" in r.output


# --- --from keeps the record in step ----------------------------------------------------------
def test_a_rebuild_with_from_keeps_the_record_in_step_and_what_was_typed(
    fresh: Path, tmp_path: Path, example_data: dict[str, Any]
) -> None:
    data = copy.deepcopy(example_data)
    data["projects"][2]["indicators"][1]["target"] = "≥98%"
    extra = copy.deepcopy(data["projects"][0])
    extra["code"], extra["name"] = "NEW-2023-020", "新增村道路灯维护项目"
    data["projects"].append(extra)
    changed = tmp_path / "目标-改.xlsx"
    write_new(Targets.from_dict(data), changed)
    typed, _, _ = _set(
        fresh, tmp_path / "监控-已填.xlsx", "/projects/2/monitoring/indicators/1/current", "96%"
    )
    # the old workbook against the changed targets: both values named, the new project missing
    r = _run(["validate", typed, "--targets", changed])
    assert r.exit_code == 1
    assert "由目标表的“≥98%”改成了“≥95%”" in r.output and "新增村道路灯维护项目" in r.output
    out = tmp_path / "监控-新.xlsx"
    assert _run(["new", "monitoring", changed, "-o", out, "--from", typed]).exit_code == 0
    res = read_workbook(out)
    assert res.carried == read_workbook_record(changed, res)
    assert res.targets.projects[2].indicators[1].target == "≥98%"
    assert res.targets.projects[2].monitoring is not None
    assert res.targets.projects[2].monitoring.indicators[1].current == "96%"
    assert _carried(validate_file(out).problems) == []
    assert _run(["validate", out, "--targets", changed]).exit_code == 0


def read_workbook_record(targets: Path, res: Any) -> CarriedRecord:
    """The record ``new monitoring`` writes for ``targets``, with the sheets ``res`` read."""
    t = read_workbook(targets).targets
    return record_of(t, [res.project_sheet(i) for i in range(len(t.projects))])


# --- LibreOffice ------------------------------------------------------------------------------
@pytest.mark.libreoffice
def test_the_record_survives_a_libreoffice_round_trip(fresh: Path, tmp_path: Path) -> None:
    edited, sheet, cell = _set(
        fresh, tmp_path / "改.xlsx", "/projects/2/indicators/1/target", "≥90%"
    )
    clean = tmp_path / "原.xlsx"
    shutil.copyfile(fresh, clean)
    outdir = tmp_path / "lo"
    convert([clean, edited], "xlsx", outdir)
    clean_lo, edited_lo = outdir / "原.xlsx", outdir / "改.xlsx"
    res = read_workbook(clean_lo)
    assert res.carried == read_workbook(fresh).carried
    assert _carried(validate_file(clean_lo).problems) == []
    problems = validate_file(edited_lo).problems
    assert _carried(problems) == [("monitoring.carried_changed", sheet, cell)]
    assert "由目标表的“≥95%”改成了“≥90%”" in _messages(problems)[0]
    state = openpyxl.load_workbook(clean_lo).worksheets[-1].sheet_state
    assert state in ("hidden", "veryHidden")  # LibreOffice has no very hidden: hidden


# --- the ribbon: 新建监控表 when the monitoring workbook exists --------------------------------
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


def _cells(path: Path) -> dict[tuple[str, str], Any]:
    wb = openpyxl.load_workbook(path)
    return {
        (ws.title, c.coordinate): c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


def test_new_monitoring_button_regenerates_to_a_new_file_keeping_what_was_typed(
    example_book: Path, tmp_path: Path
) -> None:
    targets = tmp_path / "suying-2023.xlsx"
    shutil.copyfile(example_book, targets)
    book = FakeBook(targets)
    first = entry.new_monitoring(book, month=8)
    base = tmp_path / "suying-2023-监控.xlsx"
    assert first.startswith(f"已生成监控表：{base}")
    _set(base, base, "/projects/3/monitoring/total/executed", 1.5)  # the clerk types
    before = base.read_bytes()
    book.app = _Answering("no")
    assert entry.new_monitoring(book).startswith("未生成：")
    assert book.app.asked and "已存在" in book.app.asked[0]
    assert sorted(p.name for p in tmp_path.glob("*-监控*.xlsx")) == [base.name]
    book.app = _Answering("yes")
    message = entry.new_monitoring(book)
    second = tmp_path / "suying-2023-监控(2).xlsx"
    assert message.startswith(f"已重新生成监控表：{second}"), message
    assert "19 个项目带入了“suying-2023-监控.xlsx”" in message and "截至 8月底" in message
    assert base.read_bytes() == before  # never replaced
    got = read_workbook(second)
    assert got.targets.month == 8 and got.carried == read_workbook(base).carried
    assert got.targets.projects[3].monitoring is not None
    assert got.targets.projects[3].monitoring.total.executed == 1.5
    # the button writes what the command line writes
    cli = tmp_path / "cli.xlsx"
    args = [
        "-m",
        "perfxl.cli",
        "new",
        "monitoring",
        str(targets),
        "-o",
        str(cli),
        "--from",
        str(base),
    ]
    assert subprocess.run([sys.executable, *args], capture_output=True, check=False).returncode == 0
    assert _cells(second) == _cells(cli)
    # again: from the latest, to the next
    third = entry.new_monitoring(book)
    assert third.startswith(f"已重新生成监控表：{tmp_path / 'suying-2023-监控(3).xlsx'}")
    assert "“suying-2023-监控(2).xlsx”" in third


def test_new_monitoring_button_refuses_where_excel_cannot_ask(
    example_book: Path, tmp_path: Path
) -> None:
    targets = tmp_path / "suying-2023.xlsx"
    shutil.copyfile(example_book, targets)
    book = FakeBook(targets)
    entry.new_monitoring(book)
    again = entry.new_monitoring(book)  # FakeApp's alert has no Yes / No box
    assert again.startswith("新建监控表未完成：") and "已存在，未覆盖" in again
    assert "perfxl new monitoring --from" in again
    assert sorted(p.name for p in tmp_path.glob("*-监控*.xlsx")) == ["suying-2023-监控.xlsx"]
    # rerun=True answers for the caller (what the Yes button does)
    assert entry.new_monitoring(book, rerun=True).startswith("已重新生成监控表：")


def test_a_rebuild_with_from_says_which_edited_targets_it_did_not_keep(
    fresh: Path, tmp_path: Path
) -> None:
    edited, _, _ = _set(fresh, tmp_path / "监控-改.xlsx", "/projects/2/indicators/1/target", "≥90%")
    out = tmp_path / "监控-新.xlsx"
    r = _run(["new", "monitoring", EXAMPLE_XLSX, "-o", out, "--from", edited])
    assert r.exit_code == 0, r.output
    assert (
        "提示：原监控表中项目“环保工作经费”指标“资金发放覆盖率”的年度指标值由目标表的“≥95%”"
        "改成了“≥90%”；新监控表按当前目标表带入，未沿用这一改动。"
    ) in r.output
    assert read_workbook(out).targets.projects[2].indicators[1].target == "≥95%"
    clean = _run(["new", "monitoring", EXAMPLE_XLSX, "-o", tmp_path / "再.xlsx", "--from", fresh])
    assert "未沿用这一改动" not in clean.output
