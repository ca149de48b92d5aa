"""The monitoring workbook (issue 13): ``perfxl new monitoring`` from the Suying example, a
clerk's actuals typed by label and read back by ``export``, LibreOffice's 执行率."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import EXAMPLE_JSON, EXAMPLE_XLSX, convert, libreoffice_profile
from openpyxl.worksheet.worksheet import Worksheet
from patchfixtures import RECALC_ALWAYS

from perfxl import constants as C

PERFXL = [sys.executable, "-m", "perfxl.cli"]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PERFXL, *map(str, args)], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def monitoring(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("monitoring") / "监控.xlsx"
    proc = run("new", "monitoring", EXAMPLE_XLSX, "-o", out, "--month", "7")
    assert proc.returncode == 0, proc.stderr
    assert "19 个项目，114 条指标" in proc.stderr
    return out


def export(book: Path) -> dict[str, Any]:
    proc = run("export", book)
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


CARRIED_INDICATOR = ("level1", "level2", "level3", "target")


def test_every_carried_value_equals_the_targets(monitoring: Path) -> None:
    targets = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    got = export(monitoring)
    assert (got["stage"], got["month"]) == ("monitoring", 7)
    for key in ("unit", "year", "money_unit", "framework", "overall"):
        assert got[key] == targets[key], key
    assert len(got["projects"]) == 19
    assert sum(len(p["indicators"]) for p in got["projects"]) == 114
    for want, p in zip(targets["projects"], got["projects"], strict=True):
        for key in ("code", "name", "budget", "fiscal_funds", "other_funds", "goals"):
            assert p[key] == want[key], (want["name"], key)
        assert [{k: i[k] for k in CARRIED_INDICATOR} for i in p["indicators"]] == [
            {k: i[k] for k in CARRIED_INDICATOR} for i in want["indicators"]
        ]
        m = p["monitoring"]
        initial = [m[r]["initial"] for r in ("total", "fiscal", "other")]
        assert initial == [want["budget"], want["fiscal_funds"], want["other_funds"]]
        assert len(m["indicators"]) == len(p["indicators"])
        assert all(v is None for x in m["indicators"] for v in x.values())


def test_carried_cells_locked_inputs_open_sheets_protected(monitoring: Path) -> None:
    wb = openpyxl.load_workbook(monitoring)
    ws = wb.worksheets[2]
    assert ws.protection.sheet and not ws.protection.password
    assert ws[find(ws, C.L_CODE, right=1)].protection.locked
    assert ws[find(ws, C.L_FUNDS_TOTAL, down=0, col_of=C.L_INITIAL)].protection.locked
    assert not ws[find(ws, C.L_FUNDS_TOTAL, col_of="1-7月执行数")].protection.locked
    assert ws[find(ws, C.L_ANNUAL_TARGET, down=1)].protection.locked
    assert not ws[find(ws, "1-7月执行情况", down=1)].protection.locked
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert '"确定能,有可能,完全不可能"' in lists
    assert '"经费保障,制度保障,人员保障,硬件保障,其他"' in lists
    cover = wb[C.COVER_SHEET]
    assert C.STAGE_MONITORING in [c.value for row in cover.iter_rows() for c in row]
    overall = wb[C.OVERALL_SHEET]
    assert all(c.protection.locked for row in overall.iter_rows() for c in row)


def find(
    ws: Worksheet, text: str, *, down: int = 0, right: int = 0, col_of: str | None = None
) -> str:
    """The cell a person finds: the label's, moved; or the label's row under ``col_of``."""
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    cell = cells[text]
    if col_of is not None:
        col = cells[col_of].column
        return str(ws.cell(row=cell.row, column=col).coordinate)
    if right:  # skip the label's merged width
        for rng in ws.merged_cells.ranges:
            if cell.coordinate in rng:
                return str(ws.cell(row=cell.row, column=rng.max_col + right).coordinate)
    return str(ws.cell(row=cell.row + down, column=cell.column + right).coordinate)


ACTUALS = [  # (sheet index among the projects, adjusted, executed, forecast)
    (0, None, 3.5, 8.39),
    (1, 12.0, 2.0, 10.0),
]


@pytest.fixture(scope="module")
def typed(monitoring: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    wb = openpyxl.load_workbook(monitoring)
    for index, adjusted, executed, forecast in ACTUALS:
        ws = wb.worksheets[2 + index]
        ws[find(ws, C.L_FUNDS_TOTAL, col_of=C.L_ADJUSTED)] = adjusted
        ws[find(ws, C.L_FUNDS_TOTAL, col_of="1-7月执行数")] = executed
        ws[find(ws, C.L_FUNDS_TOTAL, col_of=C.L_FORECAST)] = forecast
        ws[find(ws, "1-7月目标完成情况", right=1)] = "按进度推进"
        ws[find(ws, "1-7月执行情况", down=1)] = "90%"
        ws[find(ws, C.L_FORECAST_DONE, down=1)] = "100%"
        ws[find(ws, C.L_LIKELIHOOD, down=1)] = "有可能"
        ws[find(ws, C.L_DEVIATION, down=1)] = "经费保障"
        ws[find(ws, C.L_REMEDY, down=1)] = "加快拨付"
    out = tmp_path_factory.mktemp("typed") / "typed.xlsx"
    wb.save(out)
    return out


def test_export_reads_the_clerks_actuals(typed: Path) -> None:
    got = export(typed)
    for index, adjusted, executed, forecast in ACTUALS:
        m = got["projects"][index]["monitoring"]
        assert (m["total"]["adjusted"], m["total"]["executed"]) == (adjusted, executed)
        assert m["total"]["forecast"] == forecast
        assert m["progress"] == "按进度推进"
        assert m["indicators"][0] == {
            "current": "90%",
            "forecast": "100%",
            "likelihood": "有可能",
            "deviation": "经费保障",
            "remedy": "加快拨付",
        }
        assert all(v is None for v in m["indicators"][1].values())


def test_new_monitoring_refuses_to_overwrite_its_input(monitoring: Path) -> None:
    before = monitoring.read_bytes()
    proc = run("new", "monitoring", monitoring, "-o", monitoring)
    assert proc.returncode == 2
    assert "输出文件就是输入文件" in proc.stderr
    assert monitoring.read_bytes() == before
    proc = run("new", "monitoring", EXAMPLE_XLSX, "-o", monitoring.with_suffix(".json"))
    assert proc.returncode == 2 and "扩展名" in proc.stderr


def test_a_targets_workbook_exports_as_before() -> None:
    got = export(EXAMPLE_XLSX)
    assert "stage" not in got and "month" not in got
    assert got == json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    assert all("monitoring" not in p for p in got["projects"])


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_rates(typed: Path, tmp_path: Path) -> None:
    outdir = tmp_path / "lo"
    outdir.mkdir()
    convert(
        [typed], "xlsx", outdir, timeout=240, profile=libreoffice_profile("recalc", RECALC_ALWAYS)
    )
    wb = openpyxl.load_workbook(outdir / typed.name, data_only=True)
    targets = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))["projects"]
    for index, adjusted, executed, _ in ACTUALS:
        ws = wb.worksheets[2 + index]
        budget = adjusted if adjusted is not None else targets[index]["budget"]
        rate = ws[find(ws, C.L_FUNDS_TOTAL, col_of=C.L_RATE)].value
        assert rate == pytest.approx(round(executed / budget, 4), abs=1e-9)
    ws = wb.worksheets[4]  # nothing typed: blank 执行率 shows 0 over a real budget
    assert ws[find(ws, C.L_FUNDS_TOTAL, col_of=C.L_RATE)].value in (0, None, "")


def test_the_schema_documents_the_monitoring_section(typed: Path) -> None:
    import jsonschema

    from perfxl.schema import schema_text

    schema = json.loads(schema_text())
    assert {"stage", "month"} <= set(schema["properties"])
    section = {"$defs": schema["$defs"], "$ref": "#/$defs/monitoring"}
    check = jsonschema.Draft202012Validator(section)
    got = export(typed)
    for p in got["projects"]:
        assert not list(check.iter_errors(p["monitoring"])), p["name"]
    wrong = got["projects"][0]["monitoring"]
    wrong["indicators"][0]["likelihood"] = "也许"
    assert [e.json_path for e in check.iter_errors(wrong)] == ["$.indicators[0].likelihood"]
