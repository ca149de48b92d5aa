"""A summary written by ``perfxl consolidate`` given to a command that needs a unit's
workbook (validate, export, compute) is named as what it is, with what to do with it — the
one wording every command shares (`perfxl.errors.summary_verdict`) — instead of
"不是绩效目标工作簿"; a workbook that is neither keeps that verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from perfxl.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _consolidated(tmp_path: Path, name: str) -> Path:
    summary = tmp_path / "汇总表.xlsx"
    res = CliRunner().invoke(
        main, ["consolidate", str(EXAMPLES / name), "-o", str(summary), "-j", "1"]
    )
    assert summary.is_file(), res.output
    return summary


@pytest.fixture(scope="module")
def targets_summary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _consolidated(tmp_path_factory.mktemp("targets"), "suying-2023.xlsx")


@pytest.fixture(scope="module")
def monitoring_summary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _consolidated(tmp_path_factory.mktemp("monitoring"), "suying-2023-monitoring.xlsx")


def _before(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_validate_names_a_county_summary_and_points_to_its_problems_sheet(
    targets_summary: Path,
) -> None:
    res = CliRunner().invoke(main, ["validate", "--format", "json", str(targets_summary)])
    assert res.exit_code == 2, res.output
    (problem,) = json.loads(res.stdout)["problems"]
    assert problem["rule"] == "file.not_perfxl" and problem["severity"] == "error"
    assert problem["message"] == (
        "这是 perfxl consolidate 生成的绩效目标汇总表，不是单位报送的工作簿，未校验。"
        "汇总时发现的各单位问题已列在汇总表的“校验问题”表中；要重新校验，"
        "请给出各单位报送的工作簿（或其所在文件夹）。"
    )


@pytest.mark.parametrize(
    ("command", "outcome"),
    [
        (["export", "{book}", "-o", "{out}.json"], "未导出"),
        (["compute", "{book}", "-o", "{out}.xlsx"], "未计算"),
    ],
)
def test_export_and_compute_name_a_county_summary(
    targets_summary: Path, tmp_path: Path, command: list[str], outcome: str
) -> None:
    args = [a.format(book=targets_summary, out=tmp_path / "out") for a in command]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2, res.output
    assert (
        f"{targets_summary}: 这是 perfxl consolidate 生成的绩效目标汇总表，不是单位报送的工作簿，"
        f"{outcome}。请给出单位报送的工作簿；汇总表可直接在 Excel/WPS 中查看，"
        "也可作为 perfxl consolidate 的输入汇总上一级。"
    ) in res.output
    assert "不是绩效目标工作簿" not in res.output
    assert _before(tmp_path) == []


def test_a_monitoring_summary_is_named_by_its_kind(
    monitoring_summary: Path, tmp_path: Path
) -> None:
    for args in (["export", str(monitoring_summary)], ["validate", str(monitoring_summary)]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 2, res.output
        assert (
            "这是 perfxl consolidate 生成的绩效运行监控汇总表，不是单位报送的工作簿" in res.output
        )
        assert "汇总上一级" not in res.output and "不是绩效目标工作簿" not in res.output


def test_a_workbook_that_is_neither_keeps_the_verdict(tmp_path: Path) -> None:
    """A workbook with a 说明 sheet that carries no summary marker is not a summary."""
    book = tmp_path / "其他.xlsx"
    wb = Workbook()
    wb.active.title = "说明"
    wb.active["A1"] = "perfxl 的说明"
    wb.save(book)
    res = CliRunner().invoke(main, ["export", str(book)])
    assert res.exit_code == 2, res.output
    assert "不是绩效目标工作簿：没有项目绩效目标表" in res.output
    assert "汇总表" not in res.output


def test_the_excel_add_ins_compute_names_a_county_summary(targets_summary: Path) -> None:
    """The add-in computes the open book (`compute_open_book`): a summary open in Excel is
    named as what it is, before the generic 没有项目绩效目标表 refusal."""
    from perfxl.errors import NotAPerfxlWorkbookError
    from perfxl.grid.calamine_grid import read_grid
    from perfxl.services.computation import compute_open_book

    def no_formulas(cells: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        raise AssertionError("a summary's formulas are not read")

    with pytest.raises(NotAPerfxlWorkbookError) as caught:
        compute_open_book(read_grid(targets_summary), no_formulas)
    assert caught.value.message.startswith(
        "这是 perfxl consolidate 生成的绩效目标汇总表，不是单位报送的工作簿，未计算。"
    )


def test_validate_s_closing_line_counts_a_summary_as_one(
    targets_summary: Path, tmp_path: Path
) -> None:
    """The total line counts a county summary as 汇总表, not as 非绩效目标工作簿 (which its
    own message no longer says); a workbook that is neither is still counted as one."""
    plain = tmp_path / "会议记录.xlsx"
    wb = Workbook()
    wb.active["A1"] = "会议记录"
    wb.save(plain)
    res = CliRunner().invoke(main, ["validate", str(targets_summary)])
    assert res.exit_code == 2, res.output
    last = res.stdout.splitlines()[-1]
    assert last == "共 1 个文件：错误 1 个，警告 0 个，提示 0 个，汇总表 1 个（未校验）。", last
    res = CliRunner().invoke(main, ["validate", str(targets_summary), str(plain)])
    last = res.stdout.splitlines()[-1]
    assert last == (
        "共 2 个文件：错误 2 个，警告 0 个，提示 0 个，非绩效目标工作簿 1 个，汇总表 1 个（未校验）。"
    ), last


def test_the_web_app_names_a_county_summary_uploaded_by_mistake(
    targets_summary: Path, tmp_path: Path
) -> None:
    """A township that uploads the county's summary is told what it is, both when the upload
    is refused and when a stored version is checked again (`perfxl.web.checks`)."""
    from perfxl.web import checks

    blob = tmp_path / "blob"  # stored as the app stores an upload: no extension
    blob.write_bytes(targets_summary.read_bytes())
    verdict = "“县汇总.xlsx”：这是 perfxl consolidate 生成的绩效目标汇总表，不是单位报送的工作簿，"
    advice = f"。{checks.SUMMARY_ADVICE}"
    assert checks.refuse_reason(blob, "县汇总.xlsx") == f"{verdict}未上传{advice}"
    result = checks.check_submission(
        blob,
        "县汇总.xlsx",
        stage="targets",
        unit_code="910001",
        unit_name="巨鹿镇",
        year=2023,
        config_text=None,
        previous=None,
    )
    assert result["status"] == "failed" and result["message"] == f"{verdict}未检查{advice}"
    assert "不是绩效目标工作簿" not in result["message"]


def test_validate_s_json_counts_as_its_text_does(targets_summary: Path, tmp_path: Path) -> None:
    """``--format json`` gives the closing line's numbers: a county summary keeps the status
    ``not_perfxl`` and is told apart by its ``summary`` kind, counted under ``summaries``."""
    plain = tmp_path / "会议记录.xlsx"
    wb = Workbook()
    wb.active["A1"] = "会议记录"
    wb.save(plain)
    books = [str(targets_summary), str(plain), str(EXAMPLES / "suying-2023.xlsx")]
    data = json.loads(CliRunner().invoke(main, ["validate", "--format", "json", *books]).stdout)
    files = {Path(f["file"]).name: (f["status"], f["summary"]) for f in data["files"]}
    assert files == {
        "汇总表.xlsx": ("not_perfxl", "targets"),
        "会议记录.xlsx": ("not_perfxl", None),
        "suying-2023.xlsx": ("checked", None),
    }
    assert (data["not_perfxl"], data["summaries"], data["unreadable"]) == (1, 1, 0)
    last = CliRunner().invoke(main, ["validate", *books]).stdout.splitlines()[-1]
    assert last == (
        f"共 3 个文件：错误 {data['errors']} 个，警告 {data['warnings']} 个，"
        f"提示 {data['infos']} 个，非绩效目标工作簿 1 个，汇总表 1 个（未校验）。"
    ), last
