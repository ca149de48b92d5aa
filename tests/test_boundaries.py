"""The direction of the arrows: the core imports no edge, and the fast paths no pandas."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_JSON, EXAMPLES

PACKAGE = Path(__file__).resolve().parents[1] / "perfxl"
CORE = [
    PACKAGE / f"{m}.py"
    for m in (
        "model",
        "layout",
        "constants",
        "framework",
        "targets",
        "cells",
        "compute",
        "monitoring",
        "kinds",
    )
] + sorted((PACKAGE / "rules").glob("*.py"))
EDGES = ("perfxl.write", "perfxl.consolidate", "perfxl.commands")
IO_LIBRARIES = ("openpyxl", "python_calamine", "xlsxwriter", "docx", "zipfile", "pandas")


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _under(name: str, roots: tuple[str, ...]) -> bool:
    return any(name == r or name.startswith(r + ".") for r in roots)


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_core_imports_no_edge_and_no_io_library(path: Path) -> None:
    found = imports_of(path)
    assert not [n for n in found if _under(n, EDGES)], path
    assert not [n for n in found if _under(n, IO_LIBRARIES)], path


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from perfxl.write import patch\n    import pandas as pd\n")
    assert {"perfxl.write", "perfxl.write.patch", "pandas"} <= imports_of(f)


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return set(out.stdout.split())


@pytest.mark.parametrize(
    ("code", "ran"),
    [
        (
            "from perfxl.cli import main\n"
            "try:\n    main(['validate', {book!r}])\nexcept SystemExit:\n    pass",
            "perfxl.validate",
        ),
        (
            "from perfxl.cli import main\n"
            "try:\n    main(['compute', {book!r}, '-o', {out!r}])\nexcept SystemExit:\n    pass",
            "perfxl.write.percentages",
        ),
        (
            "from perfxl.cli import main\n"
            "try:\n    main(['export', {book!r}, '-o', {json!r}])\nexcept SystemExit:\n    pass",
            "perfxl.write.atomic",  # the JSON was written
        ),
        (
            "from perfxl.cli import main\n"
            "try:\n    main(['fill', {data!r}, {out!r}])\nexcept SystemExit:\n    pass",
            "perfxl.write.fill",
        ),
        ("import perfxl.excel.entry", "perfxl.excel.actions"),
    ],
    ids=["validate", "compute", "export", "fill", "ribbon"],
)
def test_fast_paths_do_not_import_pandas(
    code: str, ran: str, example_book: Path, tmp_path: Path
) -> None:
    modules = _modules_after(
        code.format(
            book=str(example_book),
            out=str(tmp_path / "o.xlsx"),
            json=str(tmp_path / "o.json"),
            data=str(EXAMPLE_JSON),
        )
    )
    assert ran in modules  # the path was taken
    assert "pandas" not in modules


# What only a monitoring or self-evaluation workbook needs (its rules, the targets carried into
# it, its figures and scores): `perfxl validate` of a targets workbook imports none of it.
LATER_STAGES = (
    "perfxl.rules.monitoring",
    "perfxl.rules.evaluation",
    "perfxl.carried",
    "perfxl.monitoring",
    "perfxl.evaluation",
    "perfxl.scoring",
)


@pytest.mark.parametrize(
    ("book", "needs"),
    [
        ("suying-2023.xlsx", ()),
        ("suying-2023-monitoring.xlsx", ("perfxl.rules.monitoring", "perfxl.monitoring")),
        ("suying-2023-evaluation.xlsx", ("perfxl.rules.evaluation", "perfxl.scoring")),
    ],
)
def test_validate_imports_only_the_rules_of_the_workbooks_stage(
    book: str, needs: tuple[str, ...]
) -> None:
    path = EXAMPLES / book
    modules = _modules_after(
        "from perfxl.cli import main\n"
        f"try:\n    main(['validate', {str(path)!r}])\nexcept SystemExit:\n    pass"
    )
    assert "perfxl.rules.files" in modules  # the rules ran
    assert set(needs) <= modules
    if not needs:  # a targets workbook
        assert [m for m in LATER_STAGES if m in modules] == []


def test_the_api_gives_dataframes(example_book: Path, tmp_path: Path) -> None:
    from perfxl.api import consolidate
    from perfxl.consolidate import columns as K

    county = consolidate([example_book], jobs=1)
    assert list(county.projects.columns) == list(K.SUMMARY.keys)
    assert list(county.indicators.columns) == list(K.INDICATORS.keys)
    assert list(county.problems.columns) == list(K.PROBLEMS.keys)
    assert list(county.files.columns) == list(K.FILES.keys)
    projects = county.projects[county.projects.row_kind == K.ROW_PROJECT]
    assert len(projects) == len(county.tables.chosen[0].projects)
    assert str(projects.budget.dtype) == "float64"
    assert round(projects.budget.sum(), 2) == county.tables.totals["budget"]
    out = county.write(tmp_path / "汇总.xlsx")
    assert out.exists() and county.exit_code in (0, 1)
    written = county.write_tables(tmp_path / "t", parquet=False)
    assert [p.name for p in written] == [
        f"{n}.csv" for n in ("projects", "units", "indicators", "problems", "files")
    ]


def test_tables_say_how_to_get_parquet(
    example_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfxl.api import consolidate
    from perfxl.consolidate.tables import PARQUET_HINT, ParquetMissingError, write_tables

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if not installed
    county = consolidate([example_book], jobs=1)
    written, notes = write_tables(county.tables, tmp_path / "t")
    assert notes == [PARQUET_HINT] and all(p.suffix == ".csv" for p in written)
    with pytest.raises(ParquetMissingError, match="perfxl\\[parquet\\]"):
        write_tables(county.tables, tmp_path / "u", parquet=True)


def test_validate_without_annotate_loads_no_writing_machinery(tmp_path: Path) -> None:
    """`perfxl validate BOOK` writes nothing: it reads the shipped config and schema through
    the package's loader (`perfxl.packaged`), not `importlib.resources`, and imports neither
    the atomic writer, `tempfile` nor the outputs' rules (`perfxl.outputs`: the command line
    resets their Ctrl-C state only once they are loaded); with --annotate it does write,
    through them."""
    book = EXAMPLES / "suying-2023.xlsx"
    run = "from perfxl.cli import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass"
    plain = _modules_after(run.format(args=["validate", str(book)]))
    assert "perfxl.config" in plain
    assert "perfxl.schema" in plain  # both data files were read
    assert [
        m
        for m in ("importlib.resources", "tempfile", "perfxl.write.patch.safeio", "perfxl.outputs")
        if m in plain
    ] == []
    annotated = _modules_after(
        run.format(args=["validate", str(book), "--annotate", str(tmp_path / "a.xlsx")])
    )
    assert (tmp_path / "a.xlsx").is_file()
    assert {"tempfile", "perfxl.write.patch.safeio", "perfxl.outputs"} <= annotated


def test_targets_workbook_builds_no_later_stage_form() -> None:
    """`perfxl validate` of a targets workbook tells its project sheets from the later
    stages' by their labels (`Layout.stage_labels`) without building the monitoring and
    self-evaluation forms (`perfxl.layout_stages`) or the help's CJK pattern; a monitoring
    workbook builds them."""
    run = "from perfxl.cli import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass"
    check = "\nfrom perfxl import cli_messages\nprint(cli_messages._cjk.cache_info().currsize)"
    targets = _modules_after(
        run.format(args=["validate", str(EXAMPLES / "suying-2023.xlsx")]) + check
    )
    assert "perfxl.read" in targets and "perfxl.layout_stages" not in targets
    assert "0" in targets  # no CJK pattern compiled
    monitoring = EXAMPLES / "suying-2023-monitoring.xlsx"
    assert "perfxl.layout_stages" in _modules_after(run.format(args=["validate", str(monitoring)]))
