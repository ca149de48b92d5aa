"""``perfxl rollover``: next year's workbook carries everything but the amounts, and
validation marks each carried project code for review (``code.year_mismatch``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.config import Config, ConfigError, load_config
from perfxl.io import load_data
from perfxl.model import AMOUNT_KEYS, PLAN_KEYS, Targets
from perfxl.read import read_workbook
from perfxl.rollover import roll
from perfxl.rules.base import Context
from perfxl.rules.code_year import check as code_year_check
from perfxl.rules.code_year import code_year
from perfxl.validate import validate_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_XLSX = ROOT / "examples" / "suying-2023.xlsx"
EXAMPLE_JSON = ROOT / "examples" / "suying-2023.json"
AMOUNT_POINTERS = {*AMOUNT_KEYS, *(f"plan/{k}" for k in PLAN_KEYS)}


def _rollover(tmp_path: Path, *args: str) -> tuple[int, Path, str]:
    out = tmp_path / "2024.xlsx"
    res = CliRunner().invoke(main, ["rollover", *args, "-o", str(out)])
    return res.exit_code, out, res.output


def _field(pointer: str) -> str:
    """``/projects/3/plan/dec`` -> ``plan/dec``."""
    return pointer.split("/", 3)[3]


def test_rollover_of_the_example_validates_with_only_the_cleared_amounts_and_the_codes(
    tmp_path: Path,
) -> None:
    code, out, _ = _rollover(tmp_path, str(EXAMPLE_XLSX), "--year", "2024")
    assert code == 0
    before = validate_file(EXAMPLE_XLSX)
    after = validate_file(out)
    assert before.errors == 0
    errors = [p for p in after.problems if p.severity == "error"]
    assert {p.rule for p in errors} == {"schema.required"}
    assert {_field(p.pointer or "") for p in errors} <= AMOUNT_POINTERS
    # nothing new but the cleared amounts' and the codes' review findings
    assert {p.rule for p in after.problems} - {p.rule for p in before.problems} == {
        "schema.required",
        "code.year_mismatch",
    }
    codes = [p for p in after.problems if p.rule == "code.year_mismatch"]
    assert len(codes) == 19
    assert {p.severity for p in codes} == {"warning"}
    read = read_workbook(out)
    assert {(p.sheet, p.cell) for p in codes} == {
        read.locations[f"/projects/{i}/code"] for i in range(19)
    }
    assert not any(p.rule == "code.year_mismatch" for p in before.problems)


def test_rollover_carries_everything_but_the_amounts_and_the_plan(tmp_path: Path) -> None:
    code, out, _ = _rollover(tmp_path, str(EXAMPLE_XLSX), "--year", "2024")
    assert code == 0
    old = read_workbook(EXAMPLE_XLSX).targets.to_dict()
    new = read_workbook(out).targets.to_dict()
    assert new["year"] == 2024
    for p in new["projects"]:
        assert [p[k] for k in AMOUNT_KEYS] == [None, None, None]
        assert list(p["plan"].values()) == [None] * 4
    blank = {**{k: None for k in AMOUNT_KEYS}, "plan": dict.fromkeys(PLAN_KEYS)}
    expected = {
        **old,
        "year": 2024,
        "projects": [{**p, **blank} for p in old["projects"]],
    }
    assert new == expected


def test_keep_amounts_keeps_them_and_nothing_is_an_error(tmp_path: Path) -> None:
    code, out, _ = _rollover(tmp_path, str(EXAMPLE_XLSX), "--year", "2024", "--keep-amounts")
    assert code == 0
    old = read_workbook(EXAMPLE_XLSX).targets.to_dict()
    new = read_workbook(out).targets.to_dict()
    assert new == {**old, "year": 2024}
    report = validate_file(out)
    assert report.errors == 0
    assert sum(p.rule == "code.year_mismatch" for p in report.problems) == 19


def test_rollover_reads_json_data(tmp_path: Path) -> None:
    code, out, _ = _rollover(tmp_path, str(EXAMPLE_JSON), "--year", "2024")
    assert code == 0
    data = load_data(EXAMPLE_JSON).targets.to_dict()
    new = read_workbook(out).targets.to_dict()
    assert [p["name"] for p in new["projects"]] == [p["name"] for p in data["projects"]]
    assert [p["indicators"] for p in new["projects"]] == [p["indicators"] for p in data["projects"]]
    assert new["overall"] == data["overall"]


def test_rollover_refuses_to_write_over_its_input_and_a_wrong_suffix(tmp_path: Path) -> None:
    book = tmp_path / "b.xlsx"
    book.write_bytes(EXAMPLE_XLSX.read_bytes())
    res = CliRunner().invoke(main, ["rollover", str(book), "--year", "2024", "-o", str(book)])
    assert res.exit_code == 2
    assert book.read_bytes() == EXAMPLE_XLSX.read_bytes()
    res = CliRunner().invoke(
        main, ["rollover", str(book), "--year", "2024", "-o", str(tmp_path / "x.json")]
    )
    assert res.exit_code == 2
    assert not (tmp_path / "x.json").exists()


def test_rollover_of_a_file_that_is_not_a_workbook_is_unusable(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    code, out, _ = _rollover(tmp_path, str(bad), "--year", "2024")
    assert code == 2
    assert not out.exists()


def test_roll_leaves_its_input_alone() -> None:
    """(A monitoring model is refused: tests/test_rollover_stage.py.)"""
    t = Targets.from_dict(json.loads(EXAMPLE_JSON.read_text(encoding="utf-8")))
    before = t.to_dict()
    rolled = roll(t, 2024)
    assert t.to_dict() == before
    assert rolled.targets.stage == "targets" and rolled.targets.month is None
    assert rolled.from_year == 2023 and rolled.cleared == 19


@pytest.mark.parametrize(
    ("shape", "code", "digits"),
    [
        (Config().project_year, "13052923P00584011066Q", "23"),
        (Config().project_year, "130529P", None),  # no year where the shape looks
        (r"^[0-9]{6}(?P<year>[0-9]{4})", "1305292024P1", "2024"),
        ("", "13052923P00584011066Q", None),  # switched off
        (Config().project_year, None, None),
    ],
)
def test_code_year_follows_the_configured_shape(
    shape: str, code: str | None, digits: str | None
) -> None:
    assert code_year(code, shape) == digits


def test_the_year_digits_are_compared_by_two_or_four_digits(tmp_path: Path) -> None:
    t = Targets.from_dict({"year": 2024, "projects": [{"code": "1305292024P1"}, {"code": "x"}]})
    four = tmp_path / "four.toml"
    four.write_text('[codes]\nproject_year = "^[0-9]{6}(?P<year>[0-9]{4})"\n', encoding="utf-8")
    cfg = load_config(four)
    ctx = Context(targets=t, data=t.to_dict(), config=cfg, framework="2015")
    assert list(code_year_check(ctx)) == []
    t.year = 2025
    found = list(code_year_check(ctx))
    assert [(f.rule, f.pointer, f.fields["code_year"]) for f in found] == [
        ("code.year_mismatch", "/projects/0/code", "2024")
    ]


def test_a_year_shape_without_its_group_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "c.toml"
    f.write_text('[codes]\nproject_year = "^[0-9]{6}([0-9]{2})"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="project_year"):
        load_config(f)
