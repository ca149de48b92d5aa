"""The county configuration: shipped defaults, overrides from TOML/JSON, and their effect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfxl.config import Config, ConfigError, load_config
from perfxl.read import read_workbook
from perfxl.rules.progress import elapsed_percent
from perfxl.validate import check


def test_defaults_come_from_the_shipped_toml() -> None:
    cfg = load_config(None)
    assert cfg.framework == "2015"
    assert cfg.checkpoints == {"mar": 3, "jun": 6, "oct": 10, "dec": 12}
    assert cfg.accepted_basis == ("计划标准", "行业标准", "历史标准", "其他")
    assert cfg.project_code == Config().project_code
    assert cfg.source is None


def test_toml_overrides_merge_over_defaults(tmp_path: Path) -> None:
    f = tmp_path / "county.toml"
    f.write_text(
        '[plan]\nmax_lag = 10\n[basis]\naccepted = ["县财政局审核", "走访调研"]\n'
        '[rules]\ndisabled = ["indicator.description_repeats"]\n'
        'severity = { "boilerplate.goals" = "info" }\n',
        encoding="utf-8",
    )
    cfg = load_config(f)
    assert cfg.max_lag == 10.0
    assert cfg.checkpoints["oct"] == 10  # untouched keys keep the defaults
    assert cfg.accepted_basis == ("县财政局审核", "走访调研")
    assert cfg.disabled == frozenset({"indicator.description_repeats"})
    assert cfg.severity == {"boilerplate.goals": "info"}
    assert cfg.source == str(f)


def test_config_changes_the_seed_findings(tmp_path: Path, example_book: Path) -> None:
    f = tmp_path / "county.json"
    f.write_text(
        json.dumps(
            {
                "basis": {"accepted": ["县财政局审核", "走访调研"]},
                "rules": {
                    "disabled": ["indicator.description_repeats"],
                    "severity": {"boilerplate.goals": "info"},
                },
                "plan": {"max_lag": 24},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    problems = check(read_workbook(example_book), load_config(f))
    rules = {(p.rule, p.severity) for p in problems}
    assert ("indicator.description_repeats", "warning") not in rules
    assert not any(p.rule == "basis.unlisted" for p in problems)
    assert ("boilerplate.goals", "info") in rules
    lagging = [
        (p.sheet.split(".")[0], p.cell) for p in problems if p.rule == "plan.behind_schedule"
    ]
    # 3月底 blank (0% vs 25%) now counts for projects 7, 9 and 10; project 7 also at 10月底
    assert lagging == [("7", "B7"), ("7", "D7"), ("9", "B7"), ("10", "B7")]


def test_project_code_shape_is_configurable(tmp_path: Path, example_book: Path) -> None:
    f = tmp_path / "codes.toml"
    f.write_text('[codes]\nproject = "^[0-9]{6}$"\n', encoding="utf-8")
    problems = check(read_workbook(example_book), load_config(f))
    shapes = [p for p in problems if p.rule == "schema.code_shape"]
    assert len(shapes) == 19
    assert {p.cell for p in shapes} == {"B3"}
    assert "^[0-9]{6}$" in shapes[0].message


@pytest.mark.parametrize(
    "text",
    [
        "unknown = 1\n",
        "[plan]\nwhatever = 1\n",
        '[plan]\ncalendar = "weeks"\n',
        "[plan]\ncheckpoints = { mar = 3, nov = 11 }\n",
        "[plan]\ncheckpoints = { mar = 6, jun = 3, oct = 10, dec = 12 }\n",
        'framework = "2019"\n',
        '[codes]\nproject = "(["\n',
        '[rules]\ndisabled = ["no.such.rule"]\n',
        '[rules]\nseverity = { "plan.decreasing" = "fatal" }\n',
        "this is not toml",
    ],
)
def test_bad_config_is_refused(tmp_path: Path, text: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(f)
    assert exc.value.path == str(f)  # every refusal names the file (an unknown key did not)
    assert str(exc.value).startswith(f"{f}: ")


def test_missing_config_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_config(tmp_path / "absent.toml")


def test_elapsed_share_by_months_and_days() -> None:
    assert elapsed_percent(3, "months", 2023) == 25.0
    assert round(elapsed_percent(10, "months", None), 2) == 83.33
    assert round(elapsed_percent(3, "days", 2023), 2) == round(90 / 365 * 100, 2)
    assert round(elapsed_percent(3, "days", 2024), 2) == round(91 / 366 * 100, 2)
    assert elapsed_percent(12, "days", 2023) == 100.0
