"""乡镇合计 and 提交情况 rows inserted into the summary as sheet XML (`summary_xml`), as the long
tables' are: the same values as xlsxwriter wrote, and the 图表 sheet's bar chart still carries
every unit's name and budget in its cache (the cells it charts are not xlsxwriter's)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from books import sheet_rows as _rows
from conftest import ROOT

from perfxl.consolidate import columns as K
from perfxl.consolidate.run import Options, consolidate

COUNTY = ROOT / "examples" / "county"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("inserted") / "summary.xlsx"
    consolidate([COUNTY], out, Options(jobs=1))
    return out


def _part(path: Path, sheet: str) -> str:
    """The XML of the sheet named ``sheet``."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        names = re.findall(r'<sheet name="([^"]+)"', book)
        return z.read(f"xl/worksheets/sheet{names.index(sheet) + 1}.xml").decode()


@pytest.mark.parametrize("table", [K.UNITS, K.FILES])
def test_unit_and_file_rows_are_inserted_inline(made: Path, table: K.Table) -> None:
    xml = _part(made, table.sheet)
    head, _, body = xml.partition("</row>")  # xlsxwriter's header row, then the rows
    assert 't="s"' in head and 't="s"' not in body and "inlineStr" in body
    rows = _rows(made, table.sheet)
    assert rows[0] == [c.header for c in table.columns]
    assert len(rows) > 5 and body.count("<row") == len(rows) - 1


def test_the_units_chart_caches_every_units_name_and_budget(made: Path) -> None:
    units = [r for r in _rows(made, K.UNITS.sheet)[1:] if r[0] == K.ROW_UNIT]
    names = [r[K.UNITS.index("unit_name")] for r in units]
    budgets = [r[K.UNITS.index("budget")] for r in units]
    assert len(units) >= 5
    with zipfile.ZipFile(made) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    bar = next(c for c in charts if "<c:barChart>" in c)
    cat = bar.partition("<c:cat>")[2].partition("</c:cat>")[0]
    val = bar.partition("<c:val>")[2].partition("</c:val>")[0]
    assert f"<c:f>{K.UNITS.sheet}!$C$2:$C${len(units) + 1}</c:f>" in cat
    assert re.findall(r"<c:v>([^<]*)</c:v>", cat) == names
    assert [float(v) for v in re.findall(r"<c:v>([^<]*)</c:v>", val)] == budgets
