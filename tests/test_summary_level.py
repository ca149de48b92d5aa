"""A summary's totals are worded for every unit summed, never for a level it cannot know:
a county's summary of its townships and a city's of the county summaries (multi-level)
label the chart, the 说明 sheet and the printed report alike (`columns.PLAN_PROGRESS` …),
and ``--format json`` keeps its keys."""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from books import sheets
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.consolidate import Options, consolidate
from perfxl.consolidate import columns as K
from perfxl.model import Targets
from perfxl.write.fill import write_new

LEVELS = ("全县", "全市", "全省")


@pytest.fixture(scope="module")
def levels(tmp_path_factory: pytest.TempPathFactory, example_data: dict[str, Any]) -> list[Path]:
    """A township's workbook, its county's summary, and a city's summary of that summary."""
    tmp = tmp_path_factory.mktemp("levels")
    d = copy.deepcopy(example_data)
    d["unit"] = {"code": "910001", "name": "巨鹿县巨鹿镇人民政府本级"}
    d["projects"] = d["projects"][:3]
    book = tmp / "910001.xlsx"
    write_new(Targets.from_dict(d), book)
    county, city = tmp / "县汇总.xlsx", tmp / "市汇总.xlsx"
    consolidate([book], county, Options(jobs=1))
    consolidate([county], city, Options(jobs=1))
    return [county, city]


def _wording(path: Path) -> str:
    """The 图表 and 说明 sheets' and 乡镇合计's texts, and the charts' XML."""
    got = sheets(path)
    texts = [
        str(v) for s in (K.CHART_SHEET, K.README_SHEET, K.UNITS.sheet) for r in got[s] for v in r
    ]
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    return "\n".join(texts + charts)


def test_no_level_is_named_in_a_county_or_a_city_summary(levels: list[Path]) -> None:
    for path in levels:
        text = _wording(path)
        assert not [w for w in LEVELS if w in text], path
        assert sheets(path)[K.CHART_SHEET][0][1] == f"{K.PLAN_PROGRESS}（%）"
        assert K.PROGRESS_CHART_TITLE in text


def test_the_report_names_no_level_and_json_keeps_its_keys(
    levels: list[Path], tmp_path: Path
) -> None:
    city = tmp_path / "city.xlsx"
    args = ["consolidate", str(levels[0]), "-o", str(city), "--no-cache", "-j", "1"]
    res = CliRunner().invoke(main, args)
    assert not [w for w in LEVELS if w in res.stdout], res.stdout
    assert f"{K.PLAN_PROGRESS}：3月底 " in res.stdout
    res = CliRunner().invoke(main, [*args, "--format", "json"])
    report = json.loads(res.stdout)
    assert list(report["plan_percent"]) == list(K.CHECKPOINTS)
    assert not [w for w in LEVELS if w in res.stdout]
