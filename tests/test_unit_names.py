"""A unit's name checked across files: against the expected list, and one name under two
codes (most often a unit code typed from another unit's workbook)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from conftest import TOWNSHIPS, copy_folder

from perfxl.consolidate import Options, consolidate
from perfxl.model import Targets
from perfxl.write.fill import write_new

NAMED = ("consolidate.unit_name_differs", "consolidate.unit_name_shared")


def _named(result: Any) -> list[tuple[str, str | None, str | None, str | None, str]]:
    return sorted(
        (p.rule, p.unit_code, p.sheet, p.cell, p.message)
        for p in result.problems
        if p.rule in NAMED
    )


def test_a_name_unlike_the_expected_lists_is_a_warning_at_the_cover(
    books: Path, tmp_path: Path
) -> None:
    folder = copy_folder(books, tmp_path / "乡镇")
    (code, name), (other, other_name) = TOWNSHIPS
    units = tmp_path / "应报单位.csv"
    units.write_text(
        f"单位编码,单位名称\n{code},{name.replace('巨鹿镇', '观寨乡')}\n{other}, {other_name} \n",
        encoding="utf-8",
    )
    result = consolidate([folder], tmp_path / "汇总.xlsx", Options(jobs=1, expected=units))
    [(rule, unit, sheet, cell, message)] = _named(result)  # white space is no difference
    assert (rule, unit, sheet, cell) == ("consolidate.unit_name_differs", code, "封面", "B4")
    assert f"“{name}”" in message and "“巨鹿县观寨乡人民政府本级”" in message
    # a warning: the unit is summed as it is
    assert {p.severity for p in result.problems if p.rule in NAMED} == {"警告"}
    assert {r.unit_code for r in result.summary if r.row_kind == "项目"} == {code, other}


def test_one_name_under_two_codes_is_a_warning_on_each(
    books: Path, tmp_path: Path, example_data: dict[str, Any]
) -> None:
    folder = copy_folder(books, tmp_path / "乡镇")
    (code, name), (other, _) = TOWNSHIPS
    d = copy.deepcopy(example_data)
    d["unit"] = {"code": "910003", "name": name}
    d["projects"] = [{**p, "code": p["code"].replace("P0", "P9")} for p in d["projects"][:1]]
    write_new(Targets.from_dict(d), folder / "910003.xlsx")
    result = consolidate([folder], tmp_path / "汇总.xlsx", Options(jobs=1))
    found = _named(result)
    assert [(r, u) for r, u, *_ in found] == [
        ("consolidate.unit_name_shared", code),
        ("consolidate.unit_name_shared", "910003"),
    ]
    assert all(f"“{name}”" in m and f"{code}、910003" in m for *_, m in found)
    assert other not in {u for _, u, *_ in found}
