"""Monitoring and self-evaluation summaries with their rows streamed in (`stage_writer`):
the same workbook in memory or spilled, on one or two workers, cold or from the cache, whole
or continued on further sheets; the 预警 cells keep their light's fill."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from books import parts as _parts
from books import sheets as _sheets
from conftest import ROOT, county_demo_made

from perfxl import constants as C
from perfxl import layout as L
from perfxl import monitoring as M
from perfxl.consolidate import columns as K
from perfxl.consolidate import writer
from perfxl.consolidate.run import Options, consolidate
from perfxl.write.patch import CellWrite, WorkbookPatch

pytestmark = pytest.mark.usefixtures("fixed_clock")  # two runs' summaries compared

EXAMPLES = {
    "monitoring": ROOT / "examples" / "suying-2023-monitoring.xlsx",
    "evaluation": ROOT / "examples" / "suying-2023-evaluation.xlsx",
}
CODES = ["910001", "910002", "910003", "910004", "910005"]


def _inputs(folder: Path, example: Path) -> Path:
    """The example once per unit code, each with a modification time of its own."""
    data = example.read_bytes()
    cell = next(f.ref for f in L.COVER_FIELDS if f.key == "unit/code")
    folder.mkdir()
    for i, code in enumerate(CODES):
        patch = WorkbookPatch(data)
        patch.write_cells([CellWrite(C.COVER_SHEET, cell, code)])
        path = folder / f"{code}.xlsx"
        path.write_bytes(patch.to_bytes())
        os.utime(path, (1_680_000_000 + i, 1_680_000_000 + i))
    return folder


def _runs(folder: Path, tmp: Path) -> dict[str, Path]:
    """The summary of ``folder`` in memory on one process, spilled on two workers, spilled
    while the cache fills, and spilled from the cache."""
    cache = tmp / "cache"
    runs = {
        "memory": Options(jobs=1),
        "spilled": Options(jobs=2, spill=2),
        "fill": Options(jobs=2, spill=2, cache=cache),
        "warm": Options(jobs=1, spill=2, cache=cache),
    }
    out = {}
    for name, opt in runs.items():
        out[name] = tmp / f"{name}.xlsx"
        consolidate([folder], out[name], opt)
    return out


@pytest.mark.parametrize("stage", ["monitoring", "evaluation"])
def test_the_summary_is_the_same_spilled_or_not_cached_or_not(stage: str, tmp_path: Path) -> None:
    folder = _inputs(tmp_path / "in", EXAMPLES[stage])
    made = _runs(folder, tmp_path)
    ref = _parts(made["memory"])
    for name, path in made.items():
        assert _parts(path) == ref, name
    first = next(iter(_sheets(made["memory"]).values()))
    assert len(first) > len(CODES)  # the units' rows are there


@pytest.mark.parametrize("stage", ["monitoring", "evaluation"])
def test_a_table_continued_on_further_sheets_is_the_same_spilled_or_not(
    stage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _inputs(tmp_path / "in", EXAMPLES[stage])
    whole = tmp_path / "whole.xlsx"
    consolidate([folder], whole, Options(jobs=1))
    monkeypatch.setattr(writer, "SHEET_ROWS", 20)
    made = _runs(folder, tmp_path)
    ref = _parts(made["memory"])
    for name, path in made.items():
        assert _parts(path) == ref, name
    full, split = _sheets(whole), _sheets(made["memory"])
    name = next(iter(full))
    assert len(full[name]) > 40 and K.continued(name, 2) in split
    rows, i = [], 0
    while (more := split.get(K.continued(name, i))) is not None:
        assert more[0] == full[name][0] and len(more) <= 20
        rows.extend(more[1:])
        i += 1
    assert rows == full[name][1:]


def test_monitoring_rows_are_streamed_and_lights_keep_their_fill(tmp_path: Path) -> None:
    import openpyxl

    folder = _inputs(tmp_path / "in", EXAMPLES["monitoring"])
    out = tmp_path / "summary.xlsx"
    consolidate([folder], out, Options(jobs=2, spill=2))
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    # The rows went into the sheet as XML (inline strings), not through xlsxwriter.
    assert sheet.count(b't="inlineStr"') > 20 * len(CODES)
    wb = openpyxl.load_workbook(out)
    fill_of = {text: M.LIGHT_FILL[light] for light, text in M.LIGHT_TEXT.items()}
    seen: dict[str, set[str]] = {}
    for ws in (wb[K.MONITOR_SUMMARY.sheet], wb[K.RECTIFY.sheet]):
        header = [c.value for c in ws[1]]
        col = header.index(next(c.header for c in K.MONITOR_SUMMARY.columns if c.key == "light"))
        for row in ws.iter_rows(min_row=2):
            cell = row[col]
            if cell.value in fill_of:
                seen.setdefault(ws.title, set()).add(str(cell.value))
                assert cell.fill.fgColor.rgb[-6:] == fill_of[cell.value]
                assert cell.alignment.horizontal == "center"
            else:
                assert cell.fill.fgColor.rgb in (None, "00000000")
        # the other cells of a lit row keep their column's style
        assert ws.cell(2, 1).fill.fgColor.rgb in (None, "00000000")
    assert seen[K.MONITOR_SUMMARY.sheet] and seen[K.RECTIFY.sheet]


def test_spilled_problems_of_a_monitoring_run_are_the_ones_kept_in_memory(
    tmp_path: Path,
) -> None:
    """The county demo's monitoring round (its planted mistakes give 校验问题 rows, spilled
    with the run's other long rows): the same summary in memory, spilled and cached."""
    import importlib.util

    county_demo_made(tmp_path / "county", 7)
    spec = importlib.util.spec_from_file_location(
        "make_county_monitoring_demo", ROOT / "tools" / "make_county_monitoring_demo.py"
    )
    assert spec and spec.loader
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.generate(tmp_path / "county", tmp_path / "in")
    made = _runs(tmp_path / "in", tmp_path)
    ref = _parts(made["memory"])
    for name, path in made.items():
        assert _parts(path) == ref, name
    problems = _sheets(made["spilled"])[K.PROBLEMS.sheet]
    assert len(problems) > 2  # the header and the planted mistakes
