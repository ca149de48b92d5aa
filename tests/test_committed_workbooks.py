"""The committed workbooks are exactly what the code builds today (apart from timestamps)."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

from conftest import ROOT

# Parts that always differ between two builds: creation and modification times.
VOLATILE = {"docProps/core.xml"}


def _load_builder():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "build_templates", ROOT / "tools" / "build_templates.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n not in VOLATILE}


def test_committed_template_and_example_equal_a_fresh_build(tmp_path: Path) -> None:
    builder = _load_builder()
    builder.build(tmp_path / "t.xlsx", tmp_path / "e.xlsx")
    for committed, fresh in (
        (builder.TEMPLATE, tmp_path / "t.xlsx"),
        (builder.EXAMPLE_XLSX, tmp_path / "e.xlsx"),
    ):
        old, new = _parts(committed), _parts(fresh)
        assert sorted(old) == sorted(new), committed.name
        changed = [n for n in old if old[n] != new[n]]
        assert changed == [], (
            f"{committed.name} is stale: run `python tools/build_templates.py` ({changed})"
        )
