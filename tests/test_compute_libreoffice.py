"""LibreOffice, recalculating every formula, agrees with perfxl's percentages (all projects)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine
from conftest import EXAMPLE_XLSX, convert, libreoffice_profile
from patchfixtures import RECALC_ALWAYS

from perfxl import constants as C
from perfxl import layout as L
from perfxl.write.patch import CellWrite, WorkbookPatch

pytestmark = pytest.mark.libreoffice

PERFXL = [sys.executable, "-m", "perfxl.cli"]
AS_SHOWN_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
P1 = "1.“凤还巢”大学生村干部工资及保险"


def lo_convert(files: list[Path], fmt: str, outdir: Path) -> None:
    """One soffice process, the session's profile that recalculates every formula on load."""
    outdir.mkdir(parents=True, exist_ok=True)
    convert(files, fmt, outdir, timeout=240, profile=libreoffice_profile("recalc", RECALC_ALWAYS))


def compute(src: Path, out: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [*PERFXL, "compute", str(src), "-o", str(out), "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


@pytest.fixture(scope="module")
def lo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("compute-lo")
    out = d / "computed.xlsx"
    report = compute(EXAMPLE_XLSX, out)
    # Wrong cached values on purpose: if LibreOffice showed cached values instead of
    # recalculating, this copy would show them.
    tampered = d / "tampered.xlsx"
    patch = WorkbookPatch.open(out)
    patch.write_cells(
        [
            CellWrite(P1, "B8", 0.9, formula="keep"),
            CellWrite(C.COVER_SHEET, "K11", 0.5, formula="keep"),
        ]
    )
    patch.save(tampered)
    lo_convert([out, tampered], AS_SHOWN_CSV, d / "csv")
    lo_convert([EXAMPLE_XLSX], "xlsx", d / "lo-saved")
    return {"dir": d, "report": report}


def rows(d: Path, stem: str, sheet: str) -> list[list[str]]:
    path = d / "csv" / f"{stem}-{sheet}.csv"
    assert path.exists(), f"LibreOffice wrote no {path.name}"
    with path.open(encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_libreoffice_recalculates_rather_than_showing_cached_values(lo: dict[str, Any]) -> None:
    d = lo["dir"]
    assert rows(d, "tampered", P1)[7][1:5] == ["25.03%", "49.94%", "74.97%", "100.00%"]
    cover = rows(d, "tampered", C.COVER_SHEET)
    assert cover[L.COVER_FIRST_PROJECT_ROW - 1][10] == "100.00%"


def test_libreoffice_equals_perfxl_for_every_project(lo: dict[str, Any]) -> None:
    d, report = lo["dir"], lo["report"]
    assert len(report["projects"]) == 19
    for p in report["projects"]:
        shown = rows(d, "computed", p["sheet"])[7][1:5]
        assert shown == [f"{x:.2f}%" for x in p["percents"]], p["sheet"]
    cover = rows(d, "computed", C.COVER_SHEET)
    first = L.COVER_FIRST_PROJECT_ROW - 1
    for i, p in enumerate(report["projects"]):
        assert cover[first + i][10] == f"{p['percents'][-1]:.2f}%"
    total = cover[first + 19]
    assert total[1] == C.COVER_TOTAL
    assert total[3] == f"{report['totals']['budget']:.2f}"
    assert total[10] == f"{report['totals']['percent']:.2f}%"


def test_compute_on_a_libreoffice_saved_workbook(lo: dict[str, Any]) -> None:
    """LibreOffice's own XML (shared strings, its formula spelling) is computed the same way."""
    d = lo["dir"]
    saved = d / "lo-saved" / EXAMPLE_XLSX.name
    out = d / "lo-computed.xlsx"
    report = compute(saved, out)
    assert report["problems"] == []
    wb = python_calamine.CalamineWorkbook.from_path(str(out))
    p1 = wb.get_sheet_by_name(P1).to_python(skip_empty_area=False)[7][1:5]
    assert [round(v * 100, 2) for v in p1] == [25.03, 49.94, 74.97, 100.00]
    p7 = next(n for n in wb.sheet_names if n.startswith("7."))
    p7_values = wb.get_sheet_by_name(p7).to_python(skip_empty_area=False)[7][1:5]
    assert [round(v * 100, 2) for v in p7_values] == [0.00, 50.00, 50.00, 100.00]
    ws = openpyxl.load_workbook(out)[P1]
    assert "ROUND(N(B7)/$C$4,4)" in str(ws["B8"].value)
