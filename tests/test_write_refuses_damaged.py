"""``compute`` and ``fill --into`` open the workbook they write back into: a damaged or
disguised file is refused with the same Chinese reason ``validate`` gives (the preflight's),
not the zip library's English, and nothing is written. ``publish`` with nothing to publish
names the input at fault, not its output, and a county summary given to it as a summary. An
.xls or .ods, read like any workbook, is never written back into: the refusal says so and how
to save it as .xlsx."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import convert

from perfxl.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BOOK = EXAMPLES / "suying-2023.xlsx"
DATA = EXAMPLES / "suying-2023.json"

TRUNCATED = "文件不完整或已损坏（压缩包目录缺失，常见于下载或拷贝中断）"
TEXT = "该文件实为纯文本（如 CSV）"


def _damaged(folder: Path, kind: str) -> Path:
    book = folder / "乡镇.xlsx"
    if kind == "truncated":  # a download cut short: the zip's directory is missing
        book.write_bytes(BOOK.read_bytes()[:20_000])
    else:  # a CSV renamed .xlsx
        book.write_text("单位编码,单位名称\n910001,苏营镇\n", encoding="utf-8")
    return book


@pytest.mark.parametrize(("kind", "reason"), [("truncated", TRUNCATED), ("text", TEXT)])
@pytest.mark.parametrize(
    "args",
    [
        ("compute", "{book}", "-o", "{out}"),
        ("compute", "{book}", "--in-place"),
        ("fill", str(DATA), "--into", "{book}", "-o", "{out}"),
        ("fill", str(DATA), "--into", "{book}"),
    ],
)
def test_a_damaged_workbook_is_refused_with_the_preflights_reason(
    tmp_path: Path, kind: str, reason: str, args: tuple[str, ...]
) -> None:
    book = _damaged(tmp_path, kind)
    before = book.read_bytes()
    out = tmp_path / "out.xlsx"
    res = CliRunner().invoke(main, [a.format(book=book, out=out) for a in args])
    assert res.exit_code == 2, res.output
    assert f"错误：{book}: {reason}" in res.output
    assert "zip" not in res.output.lower()
    v = CliRunner().invoke(main, ["validate", str(book)])
    assert reason in v.output  # the same words validate uses
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [book.name]


def test_publish_of_a_damaged_workbook_names_the_input_not_the_output(tmp_path: Path) -> None:
    """Nothing to publish: the message names the input with its reason, and does not put the
    output (never written) where the file at fault is named."""
    book = _damaged(tmp_path, "truncated")
    out = tmp_path / "公开.docx"
    res = CliRunner().invoke(main, ["publish", str(book), "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert f"错误：没有可公开的单位（{book}：{TRUNCATED}" in res.output
    assert str(out) not in res.output
    assert not out.exists()


@pytest.fixture(scope="module")
def read_only_books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example saved by LibreOffice as .xls and .ods (made once, read only)."""
    return {
        fmt: convert([BOOK], fmt, tmp_path_factory.mktemp(f"lo-{fmt}"))[0] for fmt in ("xls", "ods")
    }


@pytest.mark.libreoffice
@pytest.mark.parametrize(
    ("fmt", "said"), [("xls", "旧版 .xls"), ("ods", "OpenDocument 表格（.ods）")]
)
@pytest.mark.parametrize(
    "args",
    [
        ("compute", "{book}", "-o", "{out}"),
        ("validate", "{book}", "--annotate", "{out}"),
        ("fill", str(DATA), "--into", "{book}", "-o", "{out}"),
    ],
)
def test_an_xls_or_ods_is_read_but_not_written_back_into(
    tmp_path: Path, read_only_books: dict[str, Path], fmt: str, said: str, args: tuple[str, ...]
) -> None:
    book = tmp_path / f"乡镇.{fmt}"
    book.write_bytes(read_only_books[fmt].read_bytes())
    out = tmp_path / f"out.{fmt}"
    res = CliRunner().invoke(main, [a.format(book=book, out=out) for a in args])
    assert res.exit_code == 2, res.output
    assert f"错误：{book}: " in res.output and said in res.output
    assert "只写回 .xlsx/.xlsm" in res.output and "另存为 .xlsx" in res.output
    assert "zip" not in res.output.lower() and "Content_Types" not in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [book.name]


def test_publish_names_a_county_summary_given_to_it_as_such(tmp_path: Path) -> None:
    """A county summary named as an input is left out as what it is, not as 不是绩效目标
    工作簿 (a summary found in a folder is listed apart, as before)."""
    summary = tmp_path / "汇总.xlsx"
    monitoring = EXAMPLES / "suying-2023-monitoring.xlsx"
    res = CliRunner().invoke(main, ["consolidate", str(monitoring), "-o", str(summary), "-j", "1"])
    assert summary.is_file(), res.output
    out = tmp_path / "公开.docx"
    res = CliRunner().invoke(main, ["publish", str(summary), "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert (
        f"{summary}：这是 perfxl consolidate 生成的汇总表，不是单位报送的工作簿，未收入。"
        in res.output
    )
    assert "不是绩效目标工作簿" not in res.output and not out.exists()
