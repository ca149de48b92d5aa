"""``consolidate.file_unreadable`` says the advice once, as ``file.unreadable`` does: the
county's advice (请让报送单位重新导出…) only when the reason gives none of its own; and
``consolidate.not_perfxl`` says its verdict and its advice once each."""

from __future__ import annotations

import json
from pathlib import Path

import docx
from books import rule_messages
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from perfxl.cli import main
from perfxl.errors import NotAPerfxlWorkbookError
from perfxl.rules.catalogue import SUBMISSION_UNREADABLE_ADVICE


def test_an_unreadable_submission_gets_the_advice_once(tmp_path: Path, example_book: Path) -> None:
    folder = tmp_path / "乡镇"
    folder.mkdir()
    (folder / "suying-2023.xlsx").write_bytes(example_book.read_bytes())
    data = example_book.read_bytes()
    (folder / "truncated.xlsx").write_bytes(data[: len(data) // 2])
    (folder / "csv.xlsx").write_text("项目编码,项目名称\n1,道路\n", encoding="utf-8")
    document = docx.Document()
    document.add_paragraph("不是工作簿")
    document.save(str(folder / "word.xlsx"))
    out = tmp_path / "汇总.xlsx"
    res = CliRunner().invoke(
        main, ["consolidate", str(folder), "-o", str(out), "-j", "1", "--format", "json"]
    )
    assert res.exit_code == 2, res.output
    reasons = {Path(f["file"]).name: f["reason"] for f in json.loads(res.stdout)["unusable_files"]}
    assert set(reasons) == {"truncated.xlsx", "csv.xlsx", "word.xlsx"}

    said = rule_messages(out, "consolidate.file_unreadable")
    assert set(said) == set(reasons)
    for name in ("truncated.xlsx", "csv.xlsx"):  # the preflight's refusal says what to do
        assert said[name] == f"文件无法读取，未汇总：{reasons[name]}", said[name]
        assert SUBMISSION_UNREADABLE_ADVICE not in said[name] and said[name].count("请") == 1
    assert said["word.xlsx"] == (
        f"文件无法读取，未汇总：{reasons['word.xlsx']} {SUBMISSION_UNREADABLE_ADVICE}"
    )
    assert "请" not in reasons["word.xlsx"]


def test_a_workbook_that_is_not_perfxl_gets_one_verdict_and_one_advice(
    tmp_path: Path, example_book: Path
) -> None:
    """校验问题 says 不是绩效目标工作簿 once and what the county does about it once, from the
    file's own verdict (kept whole in 文件清单 and the JSON) and from the cache alike."""
    folder = tmp_path / "乡镇"
    folder.mkdir()
    (folder / "suying-2023.xlsx").write_bytes(example_book.read_bytes())
    wb = Workbook()
    wb.active["A1"] = "会议记录"
    wb.save(folder / "会议记录.xlsx")
    out = tmp_path / "汇总.xlsx"
    args = ["consolidate", str(folder), "-o", str(out), "-j", "1", "--format", "json"]
    args += ["--cache-dir", str(tmp_path / "缓存")]
    for _ in range(2):  # cold, then from the cache
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 2, res.output
        (listed,) = json.loads(res.stdout)["unusable_files"]
        assert listed["reason"] == NotAPerfxlWorkbookError.MESSAGE
        said = [m for r, m in _problems(out) if r == "consolidate.not_perfxl"]
        assert said == [
            "不是绩效目标工作簿，未汇总：没有项目绩效目标表（A3 为“项目编码”），"
            "也没有封面（A3 为“单位编码”）。"
            "请让报送单位用绩效目标表模板（perfxl template 生成）填报后重新报送。"
        ]
        assert said[0].count("绩效目标工作簿") == 1 and said[0].count("请") == 1


def _problems(book: Path) -> list[tuple[str, str]]:
    """(rule, message) of every row of 校验问题."""
    wb = load_workbook(book, read_only=True)
    head, *rows = wb["校验问题"].iter_rows(values_only=True)
    rule, message = head.index("规则"), head.index("问题说明")
    wb.close()
    return [(str(r[rule]), str(r[message])) for r in rows]
