"""``perfxl compute`` loads only what the workbook needs (start-up is most of a command's time).

A targets workbook needs no county config (the lights' thresholds are a monitoring workbook's),
no scoring and no monitoring rules; a monitoring workbook still gets its thresholds, from the
config or the shipped defaults, asked for only then.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from conftest import EXAMPLES

from perfxl.write.percentages import compute_workbook

MONITORING = EXAMPLES / "suying-2023-monitoring.xlsx"
NOT_NEEDED = ("perfxl.config", "perfxl.scoring", "perfxl.monitoring", "perfxl.evaluation")


def _modules_after_compute(book: Path, out: Path) -> set[str]:
    code = (
        "import sys\nfrom perfxl.cli import main\n"
        f"try:\n    main(['compute', {str(book)!r}, '-o', {str(out)!r}])\n"
        "except SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
        "print('\\n'.join(sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(run.stdout.split())


def test_compute_of_a_targets_workbook_imports_no_config_nor_scoring(
    example_book: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.xlsx"
    modules = _modules_after_compute(example_book, out)
    assert "perfxl.write.percentages" in modules and out.exists()  # the path was taken
    assert not [m for m in NOT_NEEDED if m in modules]


def test_the_thresholds_are_asked_for_only_by_a_monitoring_workbook(
    example_book: Path, tmp_path: Path
) -> None:
    asked: list[str] = []

    def gaps() -> tuple[Decimal, Decimal]:
        asked.append("gaps")
        return Decimal(20), Decimal(35)

    compute_workbook(example_book, tmp_path / "targets.xlsx", gaps=gaps)
    assert asked == []
    outcome = compute_workbook(MONITORING, tmp_path / "monitoring.xlsx", gaps=gaps)
    assert asked == ["gaps"]
    # project 4 at 40.00 % against 序时 58.33: green within 20 points (yellow by the defaults)
    assert outcome.monitoring is not None
    lights = [r.light for r in outcome.monitoring]
    defaults = compute_workbook(MONITORING, tmp_path / "defaults.xlsx").monitoring
    assert defaults is not None
    assert lights[3] == "green" and defaults[3].light == "yellow"


def test_a_bad_config_is_still_refused_before_anything_is_written(
    example_book: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from perfxl.cli import main

    config = tmp_path / "county.toml"
    config.write_text("[monitoring]\nyellow_gap = 'ten'\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    res = CliRunner().invoke(
        main, ["compute", str(example_book), "-o", str(out), "--config", str(config)]
    )
    assert res.exit_code == 2, res.output
    assert "county.toml" in res.output and not out.exists()
