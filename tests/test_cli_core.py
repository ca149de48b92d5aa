"""The core commands as a user runs them: real processes, real files, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
from conftest import EXAMPLE_JSON, EXAMPLE_XLSX

PERFXL = [sys.executable, "-m", "perfxl.cli"]


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PERFXL, *map(str, args)], capture_output=True, text=True, cwd=cwd, check=False
    )


def test_export_example_prints_the_example_json() -> None:
    proc = run("export", EXAMPLE_XLSX)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))


def test_schema_is_a_valid_draft_2020_12_schema_that_accepts_the_example() -> None:
    proc = run("schema")
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    example = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(example)) == []


def test_template_fill_export(tmp_path: Path) -> None:
    tpl = tmp_path / "模板 2024.xlsx"
    proc = run(
        "template",
        tpl,
        "--projects",
        "4",
        "--unit-code",
        "910002",
        "--unit-name",
        "某乡",
        "--year",
        "2024",
    )
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out.json"
    proc = run("export", tpl, "-o", out)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["unit"] == {"code": "910002", "name": "某乡"} and data["year"] == 2024
    assert len(data["projects"]) == 4 and data["projects"][0]["budget"] is None


def test_fill_reports_schema_problems_but_writes(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    bad = json.loads(json.dumps(example_data))
    bad["projects"][0]["budget"] = -1
    bad["projects"][1]["code"] = "ABC"
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "bad.xlsx"
    proc = run("fill", src, out)
    assert proc.returncode == 1
    assert "/projects/0/budget" in proc.stderr and "/projects/1/code" in proc.stderr
    back = run("export", out)
    assert json.loads(back.stdout) == bad  # written as given, nothing changed


def test_fill_names_each_missing_field_once(tmp_path: Path) -> None:
    """A data file missing required fields: each is reported once (each of jsonschema's
    ``required`` errors was taken for every missing sibling: 预算年度 was listed four times,
    项目编码 seven; `perfxl.rules.schema_rules`, no longer de-duplicated after)."""
    from perfxl.io import schema_problems

    data = {"schema_version": "1", "projects": [{"name": "道路维修", "budget": "abc"}]}
    problems = schema_problems(data, file="bad.json")
    said = [(p.pointer, p.message) for p in problems]
    assert len(said) == len(set(said))
    pointers = [p.pointer for p in problems]
    for pointer in ("/year", "/unit", "/projects/0/code", "/projects/0/plan"):
        assert pointers.count(pointer) == 1, pointer
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    proc = run("fill", src, tmp_path / "bad.xlsx")
    assert proc.returncode == 1
    assert proc.stderr.count("（/year）") == 1 and proc.stderr.count("（/projects/0/code）") == 1


def test_fill_into_in_place_keeps_a_backup(tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    book.write_bytes(EXAMPLE_XLSX.read_bytes())
    data = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    data["projects"] = data["projects"][:2]
    src = tmp_path / "d.json"
    src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    proc = run("fill", src, "--into", book)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "book.bak.xlsx").read_bytes() == EXAMPLE_XLSX.read_bytes()
    assert json.loads(run("export", book).stdout) == data


def test_unusable_input_exits_2_with_a_message(tmp_path: Path) -> None:
    notjson = tmp_path / "x.json"
    notjson.write_text("{not json", encoding="utf-8")
    proc = run("fill", notjson, tmp_path / "o.xlsx")
    assert proc.returncode == 2 and "x.json" in proc.stderr and "JSON" in proc.stderr
    assert not (tmp_path / "o.xlsx").exists()
    fake = tmp_path / "fake.xlsx"
    fake.write_text("a,b,c\n", encoding="utf-8")
    proc = run("export", fake)
    assert proc.returncode == 2 and "fake.xlsx" in proc.stderr
    assert proc.stdout == ""


def test_open_in_excel_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "book.xlsx"
    (tmp_path / "~$book.xlsx").write_bytes(b"owner")
    proc = run("fill", EXAMPLE_JSON, out)
    assert proc.returncode == 2 and "~$book.xlsx" in proc.stderr
    assert not out.exists()


def test_broken_layout_export_exits_2_naming_the_cell(tmp_path: Path) -> None:
    import openpyxl

    book = tmp_path / "b.xlsx"
    wb = openpyxl.load_workbook(EXAMPLE_XLSX)
    wb.worksheets[4]["B6"] = "三月"
    wb.save(book)
    proc = run("export", book)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "3.环保工作经费 › B6" in proc.stderr and "3月底" in proc.stderr


def test_help_on_every_core_command() -> None:
    for cmd in ("template", "fill", "export", "schema"):
        proc = run(cmd, "--help")
        assert proc.returncode == 0 and "用法：" in proc.stdout  # click's "Usage:" in Chinese
