"""`perfxl.api.consolidate` routes 绩效运行监控表 and 绩效自评表 as ``perfxl consolidate``
does: a result of that kind, the same summary workbook written, the same refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from books import parts as _parts
from click.testing import CliRunner

from perfxl.api import ConsolidationResult, EvaluationResult, MonitoringResult, consolidate
from perfxl.cli import main
from perfxl.consolidate import columns as K
from perfxl.consolidate.eval_columns import EVAL_LOWEST, EVAL_SUMMARY, EVAL_UNITS
from perfxl.errors import DataError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TARGETS = EXAMPLES / "suying-2023.xlsx"
MONITORING = EXAMPLES / "suying-2023-monitoring.xlsx"
EVALUATION = EXAMPLES / "suying-2023-evaluation.xlsx"

pytestmark = pytest.mark.usefixtures("fixed_clock")  # the API's and the command's compared


def _command(tmp_path: Path, *books: Path) -> tuple[Path, int]:
    out = tmp_path / "cli.xlsx"
    res = CliRunner().invoke(main, ["consolidate", *map(str, books), "-o", str(out), "-j", "1"])
    assert out.exists(), res.output
    return out, res.exit_code


def test_monitoring_workbooks_give_the_monitoring_summary(tmp_path: Path) -> None:
    county = consolidate([str(MONITORING)], jobs=1)
    assert isinstance(county, MonitoringResult)
    assert county.stage == "monitoring" and county.month == 7
    assert list(county.monitoring.columns) == list(K.MONITOR_SUMMARY.keys)
    assert list(county.monitoring_units.columns) == list(K.MONITOR_UNITS.keys)
    assert list(county.rectify.columns) == list(K.RECTIFY.keys)
    projects = county.monitoring[county.monitoring.row_kind == K.ROW_PROJECT]
    assert len(projects) == 19
    written = county.write(tmp_path / "api.xlsx")
    cli, code = _command(tmp_path, MONITORING)
    assert _parts(written) == _parts(cli)  # the 监控汇总 workbook, not a targets summary
    assert county.exit_code == code == 0
    names = [p.name for p in county.write_tables(tmp_path / "t", parquet=False)]
    assert names == [f"{n}.csv" for n in ("monitoring", "monitoring_units", "rectify")] + [
        "problems.csv",
        "files.csv",
    ]


def test_evaluation_workbooks_give_the_evaluation_summary(tmp_path: Path) -> None:
    county = consolidate([str(EVALUATION)], jobs=1)
    assert isinstance(county, EvaluationResult)
    assert county.stage == "evaluation" and county.profile == "default"
    assert list(county.evaluation.columns) == list(EVAL_SUMMARY.keys)
    assert list(county.evaluation_units.columns) == list(EVAL_UNITS.keys)
    assert list(county.lowest.columns) == list(EVAL_LOWEST.keys)
    assert len(county.evaluation) == 19
    written = county.write(tmp_path / "api.xlsx")
    cli, code = _command(tmp_path, EVALUATION)
    assert _parts(written) == _parts(cli)
    assert county.exit_code == code == 0


def test_a_table_of_another_kind_is_refused_naming_the_kind() -> None:
    county = consolidate([str(MONITORING)], jobs=1)
    with pytest.raises(AttributeError, match=r"本次汇总的是绩效运行监控表.*monitoring、"):
        county.projects  # noqa: B018 - the attribute access is what is tested
    assert not hasattr(county, "no_such_table")
    targets = consolidate([str(TARGETS)], jobs=1)
    assert isinstance(targets, ConsolidationResult) and targets.stage == "targets"
    with pytest.raises(AttributeError, match="本次汇总的是绩效目标表"):
        targets.rectify  # noqa: B018


@pytest.mark.parametrize(
    ("summed", "other", "status", "kind"),
    [
        (TARGETS, MONITORING, K.MONITORING_SKIPPED, ConsolidationResult),
        (TARGETS, EVALUATION, K.EVALUATION_SKIPPED, ConsolidationResult),
        (MONITORING, EVALUATION, K.EVALUATION_SKIPPED, MonitoringResult),
    ],
)
def test_a_mix_sums_one_kind_and_lists_the_other_as_the_command_does(
    tmp_path: Path, summed: Path, other: Path, status: str, kind: type
) -> None:
    county = consolidate([str(summed), str(other)], jobs=1)
    assert type(county) is kind
    statuses = dict(zip(county.files.source_file, county.files.file_status, strict=True))
    assert statuses == {str(summed): K.USED, str(other): status}
    written = county.write(tmp_path / "api.xlsx")
    cli, code = _command(tmp_path, summed, other)
    assert _parts(written) == _parts(cli)
    assert county.exit_code == code == 2


def test_monitoring_of_two_months_is_refused_as_the_command_refuses_it(tmp_path: Path) -> None:
    march = tmp_path / "march.xlsx"
    res = CliRunner().invoke(
        main, ["new", "monitoring", str(TARGETS), "-o", str(march), "--month", "3"]
    )
    assert march.exists(), res.output
    with pytest.raises(DataError) as exc:
        consolidate([str(MONITORING), str(march)], jobs=1)
    res = CliRunner().invoke(
        main, ["consolidate", str(MONITORING), str(march), "-o", str(tmp_path / "s.xlsx")]
    )
    assert res.exit_code == exc.value.exit_code == 2
    assert str(exc.value) in res.output
    assert not (tmp_path / "s.xlsx").exists()
