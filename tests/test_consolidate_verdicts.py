"""What ``perfxl consolidate`` says of a workbook of another stage among its inputs: the note
(提交情况, the printed 无法使用 line, the 校验问题 message) names the kind the run actually
sums, whether the verdict was just made by a worker or comes from the cache."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.consolidate import columns as K

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TARGETS = EXAMPLES / "suying-2023.xlsx"
MONITORING = EXAMPLES / "suying-2023-monitoring.xlsx"
EVALUATION = EXAMPLES / "suying-2023-evaluation.xlsx"


def _said(tmp_path: Path, cache: Path, summed: Path, other: Path) -> tuple[str, str, str]:
    """The run's printed output, the other workbook's 提交情况 note and its 校验问题 message."""
    out = tmp_path / "s.xlsx"
    args = ["consolidate", str(summed), str(other), "-o", str(out), "-j", "1"]
    res = CliRunner().invoke(main, [*args, "--cache-dir", str(cache)])
    assert res.exit_code == 2, res.output
    wb = openpyxl.load_workbook(out, read_only=True)
    try:
        files = list(wb[K.FILES.sheet].iter_rows(values_only=True))
        problems = list(wb[K.PROBLEMS.sheet].iter_rows(values_only=True))
    finally:
        wb.close()
    note = next(r[files[0].index("说明")] for r in files[1:] if r[3] == other.name)
    rule = problems[0].index("规则")
    message = next(
        r[problems[0].index("问题说明")]
        for r in problems[1:]
        if r[rule] == "consolidate.evaluation_workbook"
    )
    return res.output, note, message


@pytest.mark.parametrize("cached", [False, True])
def test_a_self_evaluation_in_a_monitoring_run_names_the_monitoring_workbooks(
    tmp_path: Path, cached: bool
) -> None:
    cache = tmp_path / "cache"
    if cached:  # the verdict as a targets run left it in the cache
        _said(tmp_path, cache, TARGETS, EVALUATION)
    output, note, message = _said(tmp_path, cache, MONITORING, EVALUATION)
    said = "这是2023年度绩效自评表，本次汇总的是绩效运行监控表，自评表不计入；"
    assert note.startswith(said)
    assert said in output
    assert message.startswith(note)
    assert "绩效目标" not in note + message + output


def test_the_cache_keeps_the_verdict_of_the_targets_run(tmp_path: Path) -> None:
    """A monitoring run's wording does not leak into the cache: the same self-evaluation
    workbook among targets afterwards is said to be left out of a targets summary."""
    cache = tmp_path / "cache"
    _said(tmp_path, cache, MONITORING, EVALUATION)
    output, note, message = _said(tmp_path, cache, TARGETS, EVALUATION)
    said = "这是2023年度绩效自评表，本次汇总的是绩效目标表，自评表不计入；"
    assert note.startswith(said)
    assert said in output
    assert message.startswith(note)
    assert "监控" not in note
