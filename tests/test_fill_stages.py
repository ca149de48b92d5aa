"""``fill`` writes the targets form only: data exported from a 绩效运行监控表 or 绩效自评表,
or such a workbook given to ``--into``, is refused (exit 2, naming the file and its kind,
nothing written) instead of a targets workbook that drops what was reported, or monitoring
sheets with a second set of targets sheets added beside them (exit 0, as before). Likewise
``new monitoring`` from a self-evaluation workbook."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfxl.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TARGETS_JSON = EXAMPLES / "suying-2023.json"
TARGETS = EXAMPLES / "suying-2023.xlsx"
KINDS = {
    "monitoring": (EXAMPLES / "suying-2023-monitoring.xlsx", "绩效运行监控表（7月）"),
    "evaluation": (EXAMPLES / "suying-2023-evaluation.xlsx", "2023年度绩效自评表"),
}


def _invoke(*args: str | Path) -> tuple[int, str]:
    res = CliRunner().invoke(main, [str(a) for a in args])
    return res.exit_code, res.output


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("stage", sorted(KINDS))
def test_data_of_a_later_stage_is_refused(tmp_path: Path, stage: str) -> None:
    book, kind = KINDS[stage]
    data = tmp_path / "data.json"
    code, out = _invoke("export", book, "-o", data)
    assert code in (0, 1), out
    target = tmp_path / "target.xlsx"
    shutil.copy(TARGETS, target)
    before = target.read_bytes()
    for args in (("fill", data, tmp_path / "new.xlsx"), ("fill", data, "--into", target)):
        code, out = _invoke(*args)
        assert code == 2, out
        assert f"错误：{data}: 数据文件是{kind}的数据" in out
        assert f"perfxl new {stage}" in out
    assert target.read_bytes() == before
    assert _files(tmp_path) == ["data.json", "target.xlsx"]


@pytest.mark.parametrize("stage", sorted(KINDS))
def test_a_workbook_of_a_later_stage_is_not_filled_into(tmp_path: Path, stage: str) -> None:
    source, kind = KINDS[stage]
    book = tmp_path / "book.xlsx"
    shutil.copy(source, book)
    before = book.read_bytes()
    for extra in ((), ("-o", tmp_path / "out.xlsx")):
        code, out = _invoke("fill", TARGETS_JSON, "--into", book, *extra)
        assert code == 2, out
        assert f"错误：{book}: 这是{kind}，fill --into 只写入绩效目标表" in out
        assert "新增工作表" not in out
    assert book.read_bytes() == before
    assert _files(tmp_path) == ["book.xlsx"]  # no output, no backup


def test_a_targets_workbook_is_still_filled_into(tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    shutil.copy(TARGETS, book)
    code, out = _invoke("fill", TARGETS_JSON, "--into", book, "-o", tmp_path / "out.xlsx")
    assert code == 0, out
    assert "已写入" in out and (tmp_path / "out.xlsx").is_file()


def test_new_monitoring_is_not_made_from_a_self_evaluation(tmp_path: Path) -> None:
    """``new monitoring`` carries a targets workbook (or keeps a monitoring one's figures): a
    year-end self-evaluation given instead is refused, not turned into a monitoring form that
    drops its figures (exit 0, as before)."""
    source, kind = KINDS["evaluation"]
    out = tmp_path / "监控表.xlsx"
    code, said = _invoke("new", "monitoring", source, "-o", out)
    assert code == 2, said
    assert f"错误：{source}: 这是{kind}，不能由它生成监控表" in said
    assert not out.exists()
    code, said = _invoke("new", "monitoring", KINDS["monitoring"][0], "-o", out)
    assert code == 0, said  # a monitoring workbook still gives the form again
    assert out.is_file()
