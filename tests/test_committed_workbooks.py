"""The committed workbooks are exactly what the code builds today (apart from timestamps)."""

from __future__ import annotations

import importlib.util
import shutil
import zipfile
from pathlib import Path

from books import parts, with_part
from conftest import ROOT


def _load_builder():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "build_templates", ROOT / "tools" / "build_templates.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_committed_template_and_example_equal_a_fresh_build(tmp_path: Path) -> None:
    builder = _load_builder()
    builder.build(tmp_path / "t.xlsx", tmp_path / "e.xlsx")
    for committed, fresh in (
        (builder.TEMPLATE, tmp_path / "t.xlsx"),
        (builder.EXAMPLE_XLSX, tmp_path / "e.xlsx"),
    ):
        old, new = parts(committed), parts(fresh)
        assert sorted(old) == sorted(new), committed.name
        changed = [n for n in old if old[n] != new[n]]
        assert changed == [], (
            f"{committed.name} is stale: run `python tools/build_templates.py` ({changed})"
        )


def test_another_openpyxl_release_builds_the_same_workbook(tmp_path: Path) -> None:
    """The comparison ignores what the writing library's release and zlib decide (its name
    in app.xml, the deflated bytes), and nothing else."""
    template = _load_builder().TEMPLATE
    copy = shutil.copy(template, tmp_path / "same.xlsx")
    assert parts(copy) == parts(template)
    with zipfile.ZipFile(template) as z:
        app = z.read("docProps/app.xml")
        sheet = next(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
        cells = z.read(sheet)
    release = app.split(b"Openpyxl ")[1].split(b"<")[0]
    newer_app = app.replace(release, b"9.9.9")
    assert newer_app != app
    newer = with_part(template, tmp_path / "newer.xlsx", "docProps/app.xml", newer_app)
    assert parts(newer) == parts(template)
    edited_cells = cells.replace(b"</sheetData>", b"</sheetData> ")
    assert edited_cells != cells
    edited = with_part(template, tmp_path / "edited.xlsx", sheet, edited_cells)
    assert parts(edited) != parts(template)
