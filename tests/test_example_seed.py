"""Check examples/suying-2023.json against the published seed text.

The seed is re-read here with its own small extraction (regular expressions on
the raw text and a flat stream of tab cells), deliberately not sharing code with
tools/seed_to_json.py, so a parsing slip in either shows up as a difference.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "data" / "suying-2023-performance-targets.txt"
EXAMPLE = ROOT / "examples" / "suying-2023.json"

TABLE = re.compile(
    r"^\[bookmark: [^\]]*\](\d+)\.([^\n]+)绩效目标表\n(.*?)(?=^\[bookmark|\Z)", re.M | re.S
)
HEADER_CELLS = ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"]
FIELDS = ["level1", "level2", "level3", "description", "target", "basis"]


@pytest.fixture(scope="module")
def seed() -> str | None:
    """The seed text, or None when it is absent (each test then fails, see below)."""
    return SEED.read_text(encoding="utf-8") if SEED.is_file() else None


def require(seed: str | None) -> str:
    """Fail (never skip) the calling test when the seed text is absent."""
    if seed is None:
        pytest.fail(f"seed text not found at {SEED}: the example cannot be checked without it")
    return seed


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    """The committed example document."""
    document: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return document


def blank_to_none(cell: str) -> str | None:
    """Mirror the contract: a cell of only whitespace is null."""
    return None if cell.strip() == "" else cell


def number(cell: str) -> float | None:
    """An amount cell as a number, null when blank."""
    return None if cell.strip() == "" else float(cell)


def cell_stream(body: str) -> list[str]:
    """All cells of a table in reading order; untabbed lines continue a cell."""
    cells: list[str] = []
    for line in body.split("\n"):
        if line.startswith("\t"):
            cells.append(line[1:])
        elif line and cells and not line.isspace():
            cells[-1] += "\n" + line
    return cells


def after(cells: list[str], pattern: str, count: int = 1) -> list[str]:
    """The ``count`` cells following the single cell that matches ``pattern``."""
    hits = [i for i, c in enumerate(cells) if re.fullmatch(pattern, c)]
    assert len(hits) == 1, f"{pattern}: {hits}"
    return cells[hits[0] + 1 : hits[0] + 1 + count]


def expected_projects(seed: str) -> list[dict[str, Any]]:
    """Extract every project table from the seed text."""
    projects = []
    for index, (number_text, heading, body) in enumerate(TABLE.findall(seed), start=1):
        assert int(number_text) == index
        cells = cell_stream(body)
        code, name = after(cells, "项目编码")[0], after(cells, "项目名称")[0]
        assert name == heading
        budget, _, fiscal, _, other, _, purpose = after(cells, "预算数", 7)
        months = after(cells, r"资金支出计划（%）", 9)
        assert months[:4] == ["3月底", "6月底", "10月底", "12月底"] and months[4] == ""
        goals = re.search(r"^\t绩效目标\n\t(.*?)\n\n", body, re.M | re.S)
        assert goals is not None
        rows_cells = cells[cells.index("指标值确定依据") + 1 :]
        assert cells[cells.index("一级指标") : cells.index("一级指标") + 6] == HEADER_CELLS
        assert len(rows_cells) % 6 == 0
        indicators, level1 = [], None
        for start in range(0, len(rows_cells), 6):
            row = [blank_to_none(c) for c in rows_cells[start : start + 6]]
            level1 = row[0] or level1
            indicators.append(dict(zip(FIELDS, [level1, *row[1:]], strict=True)))
        projects.append(
            {
                "code": code,
                "name": name,
                "budget": number(budget),
                "fiscal_funds": number(fiscal),
                "other_funds": number(other),
                "purpose": blank_to_none(purpose),
                "plan": dict(
                    zip(["mar", "jun", "oct", "dec"], map(number, months[5:]), strict=True)
                ),
                "goals": goals.group(1).split("\n"),
                "indicators": indicators,
            }
        )
    return projects


def test_header_fields(example: dict[str, Any], seed: str | None) -> None:
    assert example["schema_version"] == "1"
    assert example["unit"] == {"code": "910001", "name": "巨鹿县苏营镇人民政府本级"}
    assert require(seed).count("\t910001巨鹿县苏营镇人民政府本级\n\t单位：万元\n") == 19
    assert example["year"] == 2023
    assert example["money_unit"] == "万元"
    assert example["framework"] == "2015"


def test_projects_match_seed(example: dict[str, Any], seed: str | None) -> None:
    expected = expected_projects(require(seed))
    assert len(expected) == 19
    assert len(example["projects"]) == 19
    for number_, (got, want) in enumerate(zip(example["projects"], expected, strict=True), 1):
        assert list(got) == list(want), f"project {number_}: keys"
        for key in want:
            if key != "indicators":
                assert got[key] == want[key], f"project {number_}: {key}"
        assert len(got["indicators"]) == len(want["indicators"]), f"project {number_}"
        for row, (got_row, want_row) in enumerate(
            zip(got["indicators"], want["indicators"], strict=True), 1
        ):
            assert got_row == want_row, f"project {number_} indicator row {row}"


def test_seed_figures(example: dict[str, Any]) -> None:
    projects = example["projects"]
    assert sum(len(p["indicators"]) for p in projects) == 114
    assert round(sum(p["budget"] for p in projects), 2) == 635.72
    blank_march = [i for i, p in enumerate(projects, 1) if p["plan"]["mar"] is None]
    assert blank_march == [7, 9, 10]
    assert all(p["other_funds"] is None for p in projects)
    assert projects[1]["budget"] == 102.6
    assert projects[0]["goals"] == [
        "1.提升工作人员幸福感",
        "2.提高员工工作效率",
        "3.提升员工家属认同感",
    ]
    assert all(row["level1"] for p in projects for row in p["indicators"])


def test_part_one_matches_seed(example: dict[str, Any], seed: str | None) -> None:
    part_one = require(seed).split("第二部分")[0]
    overall = example["overall"]

    summary = re.search(r"一、总体绩效目标\n一、总体绩效目标\n([^\n]+)\n", part_one)
    assert summary is not None
    assert overall["summary"] == summary.group(1)

    areas = re.findall(r"^（[一二三四五]）(.+)\n绩效目标：(.+)\n绩效指标：(.+)$", part_one, re.M)
    assert len(areas) == 5
    assert len(overall["areas"]) == 5
    for got, (heading, targets, indicators) in zip(overall["areas"], areas, strict=True):
        title, colon, description = heading.partition("：")
        assert got == {
            "title": title,
            "description": description if colon else None,
            "targets": targets,
            "indicators": indicators,
        }
    assert overall["areas"][0]["title"] == "促进经济发展"
    assert overall["areas"][4] == {
        "title": "做好预算、决算、会计管理及村级会计管理事项。",
        "description": None,
        "targets": areas[4][1],
        "indicators": areas[4][2],
    }

    measures_text = part_one.split("三、工作保障措施\n", 1)[1]
    measures = re.findall(r"^（[一二三四五]）(.+)\n([^\n（]+)$", measures_text, re.M)
    assert len(measures) == 5
    assert overall["measures"] == [{"title": t, "text": x} for t, x in measures]
    assert overall["measures"][0]["title"] == "完善制度建设"
