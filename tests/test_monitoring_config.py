"""A county's light thresholds reach compute as they reach validate (one config, one answer)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import EXAMPLES

from perfxl.cli import main

MONITORING = EXAMPLES / "suying-2023-monitoring.xlsx"


def _lights(tmp_path: Path, *config: str) -> list[str | None]:
    out = tmp_path / f"computed{len(config)}.xlsx"
    res = CliRunner().invoke(
        main, ["compute", str(MONITORING), "-o", str(out), "--format", "json", *config]
    )
    assert res.exit_code in (0, 1), res.output
    report = json.loads(res.stdout)
    return [p["light"] for p in report["projects"]]


def test_compute_takes_the_lights_thresholds_from_the_county_config(tmp_path: Path) -> None:
    # 序时 at 7月 is 58.33: project 4 at 40.00 % is yellow by the defaults (gap 10/30) ...
    default = _lights(tmp_path)
    assert default[3] == "黄" and default[14] == "红"
    # ... and green for a county that allows 20 points; 20.00 % stays red below 58.33 - 35.
    config = tmp_path / "county.toml"
    config.write_text("[monitoring]\nyellow_gap = 20\nred_gap = 35\n", encoding="utf-8")
    county = _lights(tmp_path, "--config", str(config))
    assert county[3] == "绿" and county[14] == "红"
    changed = [i for i, (a, b) in enumerate(zip(default, county, strict=True)) if a != b]
    assert changed == [3]  # only project 4 (40.00 % ≥ 38.33); project 9 (35.00 %) stays 黄
