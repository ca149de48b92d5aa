"""``perfxl rollover`` rolls a targets workbook into a later year only: a monitoring or
self-evaluation workbook (no 资金用途, 资金支出计划, 绩效指标描述 or 指标值确定依据) and a
``--year`` not after the workbook's own are refused with exit 2, naming the file, and
nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.model import Targets
from perfxl.rollover import RolloverError, refusal, roll

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TARGETS = EXAMPLES / "suying-2023.xlsx"
MONITORING = EXAMPLES / "suying-2023-monitoring.xlsx"
EVALUATION = EXAMPLES / "suying-2023-evaluation.xlsx"
EXAMPLE_JSON = EXAMPLES / "suying-2023.json"


def _rollover(tmp_path: Path, *args: str) -> tuple[int, Path, str]:
    out = tmp_path / "2024.xlsx"
    res = CliRunner().invoke(main, ["rollover", *args, "-o", str(out)])
    return res.exit_code, out, res.output


@pytest.mark.parametrize(
    ("book", "kind"),
    [(MONITORING, "绩效运行监控表（7月）"), (EVALUATION, "2023年度绩效自评表")],
)
@pytest.mark.parametrize("keep", [(), ("--keep-amounts",)])
def test_a_later_stage_workbook_is_refused_for_its_targets_workbook(
    tmp_path: Path, book: Path, kind: str, keep: tuple[str, ...]
) -> None:
    code, out, said = _rollover(tmp_path, str(book), "--year", "2024", *keep)
    assert code == 2, said
    assert not out.exists()
    assert f"错误：{book}: 这是{kind}，不是绩效目标表" in said
    assert "请对该单位的绩效目标表（目标表）执行 perfxl rollover" in said
    assert "已生成" not in said and "金额照搬" not in said


@pytest.mark.parametrize(
    ("year", "how"), [("2023", "与工作簿的预算年度相同"), ("2020", "早于工作簿的预算年度 2023")]
)
def test_a_year_not_after_the_workbooks_is_refused(tmp_path: Path, year: str, how: str) -> None:
    code, out, said = _rollover(tmp_path, str(TARGETS), "--year", year)
    assert code == 2, said
    assert not out.exists()
    assert f"错误：{TARGETS}: --year {year} {how}" in said
    assert "--year 应晚于 2023（如 2024）" in said


def test_the_next_year_of_a_targets_workbook_is_rolled(tmp_path: Path) -> None:
    code, out, said = _rollover(tmp_path, str(TARGETS), "--year", "2024")
    assert code in (0, 1), said
    assert out.exists()


def _model() -> Targets:
    return Targets.from_dict(json.loads(EXAMPLE_JSON.read_text(encoding="utf-8")))


@pytest.mark.parametrize(("stage", "month"), [("monitoring", 7), ("evaluation", None)])
def test_roll_refuses_a_later_stage_model(stage: str, month: int | None) -> None:
    t = _model()
    t.stage, t.month = stage, month
    with pytest.raises(RolloverError, match="不是绩效目标表"):
        roll(t, 2024)


@pytest.mark.parametrize(
    ("source_year", "refused"),
    [(2023, True), ("2023", True), (" 2024 ", True), (2023.0, True), (2022, False)],
)
def test_the_source_year_may_be_text(source_year: object, refused: bool) -> None:
    t = _model()
    t.year = source_year
    assert (refusal(t, 2023) is not None) is refused


@pytest.mark.parametrize("source_year", [None, "", "二〇二三", True])
def test_an_unknown_source_year_is_not_checked(source_year: object) -> None:
    t = _model()
    t.year = source_year
    assert refusal(t, 2023) is None
    assert roll(t, 2023).targets.year == 2023
