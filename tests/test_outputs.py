"""No output of any command replaces one of its inputs; outputs get the user's umask."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from perfxl.outputs import OutputIsInputError, refuse_inputs

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "suying-2023.json"


def run(*args: object, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    def set_umask() -> None:
        if umask is not None:
            os.umask(umask)

    return subprocess.run(
        [sys.executable, "-m", "perfxl.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        preexec_fn=set_umask if umask is not None else None,
    )


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of two townships' workbooks and an expected-units list."""
    folder = tmp_path_factory.mktemp("county")
    data = json.loads(SEED.read_text(encoding="utf-8"))
    data["projects"] = data["projects"][:2]
    for code, town in (("910001", "巨鹿镇"), ("910002", "王虎寨镇")):
        data["unit"] = {"code": code, "name": f"巨鹿县{town}人民政府本级"}
        src = folder / f"{code}.json"
        src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        assert run("fill", src, folder / f"{code}-{town}.xlsx").returncode == 0
        src.unlink()
    (folder / "units.csv").write_text("unit_code,unit_name\n910001,巨鹿镇\n", encoding="utf-8")
    return folder


@pytest.fixture()
def book(county: Path, tmp_path: Path) -> Path:
    out = tmp_path / "book.xlsx"
    out.write_bytes((county / "910001-巨鹿镇.xlsx").read_bytes())
    return out


def refused(proc: subprocess.CompletedProcess[str], name: str, *, guard: bool = True) -> bool:
    """Exit 2 naming the file; ``guard``: refused as an input (not for its extension first)."""
    said = "输入文件" in proc.stderr or not guard
    return proc.returncode == 2 and name in proc.stderr and said


def test_export_onto_its_book(book: Path, tmp_path: Path) -> None:
    before = book.read_bytes()
    assert refused(run("export", book, "-o", book), "book.xlsx", guard=False)
    link = tmp_path / "book.json"
    os.link(book, link)  # one file, two names: the JSON would replace the workbook
    assert refused(run("export", book, "-o", link), "book.xlsx")
    assert book.read_bytes() == before


def test_same_file_under_another_name_is_refused(book: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.xlsx"
    os.link(book, link)
    before = book.read_bytes()
    assert refused(run("compute", book, "-o", link), "book.xlsx")
    assert refused(run("compute", book, "-o", tmp_path / "." / "book.xlsx"), "book.xlsx")
    assert book.read_bytes() == before


def test_fill_onto_its_data_or_book(book: Path, tmp_path: Path) -> None:
    data = tmp_path / "d.xlsx"  # JSON under a workbook's name: the extension check passes
    data.write_text(run("export", book).stdout, encoding="utf-8")
    text = data.read_text(encoding="utf-8")
    assert refused(run("fill", data, data), "d.xlsx")
    assert data.read_text(encoding="utf-8") == text
    before = book.read_bytes()
    proc = run("fill", data, "--into", book, "-o", book)
    assert refused(proc, "book.xlsx") and "省略 -o" in proc.stderr
    assert book.read_bytes() == before
    assert not (tmp_path / "book.bak.xlsx").exists()


def test_compute_and_validate_onto_their_book(book: Path) -> None:
    before = book.read_bytes()
    proc = run("compute", book, "-o", book)
    assert refused(proc, "book.xlsx") and "--in-place" in proc.stderr
    proc = run("validate", book, "--annotate", book)
    assert refused(proc, "book.xlsx") and "--in-place" in proc.stderr
    assert book.read_bytes() == before


def test_validate_folder_annotating_its_only_workbook(book: Path, tmp_path: Path) -> None:
    before = book.read_bytes()
    assert refused(run("validate", tmp_path, "--annotate", book), "book.xlsx")
    assert book.read_bytes() == before


def test_consolidate_onto_a_townships_file(county: Path) -> None:
    town = county / "910001-巨鹿镇.xlsx"
    before = town.read_bytes()
    assert refused(run("consolidate", county, "-o", town), "910001-巨鹿镇.xlsx")
    assert refused(run("consolidate", town, "-o", town), "910001-巨鹿镇.xlsx")
    assert town.read_bytes() == before


def test_consolidate_summary_in_the_input_folder_may_be_replaced(
    county: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "cin"
    folder.mkdir()
    for f in county.glob("*.xlsx"):
        (folder / f.name).write_bytes(f.read_bytes())
    summary = folder / "summary.xlsx"
    first = run("consolidate", folder, "-o", summary)
    assert first.returncode in (0, 1), first.stderr
    second = run("consolidate", folder, "-o", summary)  # the earlier summary is its own output
    assert second.returncode in (0, 1), second.stderr


def test_tables_onto_the_expected_list(county: Path, tmp_path: Path) -> None:
    tables = tmp_path / "tables"
    tables.mkdir()
    units = tables / "units.csv"
    units.write_text("unit_code,unit_name\n910001,巨鹿镇\n", encoding="utf-8")
    proc = run(
        "consolidate", county, "-o", tmp_path / "s.xlsx", "--expected", units, "--tables", tables
    )
    assert refused(proc, "units.csv")
    assert units.read_text(encoding="utf-8") == "unit_code,unit_name\n910001,巨鹿镇\n"
    assert not (tmp_path / "s.xlsx").exists()


def test_publish_onto_a_workbook(book: Path, county: Path, tmp_path: Path) -> None:
    before = book.read_bytes()
    assert refused(run("publish", book, "-o", book), "book.xlsx", guard=False)
    link = tmp_path / "book.docx"
    os.link(book, link)
    assert refused(run("publish", book, "-o", link), "book.xlsx")
    assert book.read_bytes() == before
    town = county / "910002-王虎寨镇.xlsx"
    before = town.read_bytes()
    assert refused(run("publish", county, "-o", town), "910002-王虎寨镇.xlsx", guard=False)
    assert town.read_bytes() == before


def test_the_guard_itself(tmp_path: Path) -> None:
    a = tmp_path / "a.xlsx"
    a.write_bytes(b"x")
    with pytest.raises(OutputIsInputError, match=r"a\.xlsx"):
        refuse_inputs([a], [tmp_path / "a.xlsx"])
    with pytest.raises(OutputIsInputError):
        refuse_inputs([a], [tmp_path])  # found in the folder
    refuse_inputs([a], [tmp_path], replaceable=lambda p: True)
    refuse_inputs([tmp_path / "new.xlsx", None], [a, tmp_path])  # a new file is no input
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    refuse_inputs([tmp_path / "notes.txt"], [tmp_path])  # not a workbook: not read


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_outputs_follow_the_umask(county: Path, tmp_path: Path, umask: int) -> None:
    want = 0o666 & ~umask
    out = tmp_path / "t.xlsx"
    assert run("template", out, umask=umask).returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == want
    data = tmp_path / "d.json"
    assert run("export", county / "910001-巨鹿镇.xlsx", "-o", data, umask=umask).returncode == 0
    proc = run(
        "consolidate",
        county,
        "-o",
        tmp_path / "s.xlsx",
        "--tables",
        tmp_path / "tables",
        "--jobs",
        "1",
        umask=umask,
    )
    assert proc.returncode in (0, 1), proc.stderr
    made = [data, tmp_path / "s.xlsx", *sorted((tmp_path / "tables").iterdir())]
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in made} == {p.name: want for p in made}
    assert run("compute", out, "-o", tmp_path / "c.xlsx", umask=umask).returncode in (0, 1)
    assert stat.S_IMODE((tmp_path / "c.xlsx").stat().st_mode) == want


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_replacing_a_file_keeps_its_mode(county: Path, tmp_path: Path) -> None:
    data = tmp_path / "d.json"  # an earlier export, replaced without --overwrite
    assert run("export", county / "910002-王虎寨镇.xlsx", "-o", data).returncode == 0
    data.chmod(0o640)
    assert run("export", county / "910001-巨鹿镇.xlsx", "-o", data).returncode == 0
    assert stat.S_IMODE(data.stat().st_mode) == 0o640
    assert json.loads(data.read_text(encoding="utf-8"))["unit"]["code"] == "910001"
