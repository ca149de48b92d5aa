"""Issue 7: every file of the bad-input corpus has a documented behaviour.

The corpus is generated once per session by tools/make_bad_corpus.py under a temp folder
whose name has Chinese characters and spaces. Each file is read by both engines; then
validate, consolidate, export and compute run over the whole folder; every input must be
byte-identical afterwards, nothing half-written may be left, and the macro must never run.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from books import bad_corpus
from click.testing import CliRunner

from perfxl import safety
from perfxl.cli import main
from perfxl.errors import NotAPerfxlWorkbookError, PerfxlError
from perfxl.read import read_workbook

pytestmark = pytest.mark.libreoffice

mbc: Any = bad_corpus()
CASES = {c.name: c for c in mbc.CORPUS}


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session")
def corpus(hostile_corpus: Path) -> Path:
    """The corpus folder (made once a session, shared with tests/test_web_checks.py)."""
    return hostile_corpus


@pytest.fixture(scope="session")
def before(corpus: Path) -> dict[str, str]:
    return _digests(corpus)


def test_corpus_has_every_case(corpus: Path, before: dict[str, str]) -> None:
    assert sorted(before) == sorted(CASES)
    assert (corpus / "empty.xlsx").stat().st_size == 0
    assert not (corpus / "readonly.xlsx").stat().st_mode & 0o222


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_file_has_its_documented_outcome(
    corpus: Path, before: dict[str, str], name: str, engine: str
) -> None:
    case = CASES[name]
    path = corpus / name
    if case.outcome == "unreadable":
        with pytest.raises(PerfxlError) as info:
            read_workbook(path, engine=engine)
        err = info.value
        assert type(err).__name__ == case.error
        assert isinstance(err, safety.UnreadableWorkbookError)
        assert err.path == str(path)  # the message names the file
        assert any("\u4e00" <= ch <= "\u9fff" for ch in err.message)  # and is in Chinese
        return
    res = read_workbook(path, engine=engine)
    kinds = {s.kind for s in res.sheets}
    rules = {p.rule for p in res.problems}
    if case.outcome == "not_perfxl":
        assert kinds == {"skipped"}
    elif case.outcome == "good":
        assert res.ok and "read.label_missing" not in rules
        assert len(res.targets.projects) == 3
    else:
        assert set(case.rules) <= rules
        for p in res.problems:
            if p.rule in case.rules:
                assert p.file == str(path) and p.sheet and p.cell


def test_read_error_names_the_part_or_cell(corpus: Path) -> None:
    with pytest.raises(safety.UnsafeWorkbookError) as bomb:
        read_workbook(corpus / "bomb.xlsx")
    assert bomb.value.part == "xl/sharedStrings.xml" and "压缩炸弹" in bomb.value.message
    with pytest.raises(safety.UnsafeWorkbookError) as lol:
        read_workbook(corpus / "billion-laughs.xlsx")
    assert lol.value.part == "xl/worksheets/sheet1.xml" and "实体" in lol.value.message
    with pytest.raises(safety.UnsafeWorkbookError) as big:
        read_workbook(corpus / "cell-1mb.xlsx")
    assert big.value.cell == "B5" and "B5" in big.value.message


def test_cached_errors_and_missing_values(corpus: Path) -> None:
    from perfxl.grid.calamine_grid import read_grid_checked

    res = read_workbook(corpus / "formulas-div0.xlsx")
    sheet = res.project_sheet(0)
    div0 = [p for p in res.problems if p.rule == "read.amount_unreadable"]
    assert [(p.sheet, p.cell, p.value) for p in div0] == [(sheet, "C4", "#DIV/0!")]
    assert res.targets.projects[0].budget == "#DIV/0!"  # kept as its text, not a blank

    grid, formulas = read_grid_checked(corpus / "formulas-no-cache.xlsx")
    first = grid.sheets[2]
    assert {(4, 3), (3, 5)} <= set(formulas.no_value[first.name])
    assert first.get(4, 3) is None and first.get(3, 5) is None  # empty, never evaluated


def test_text_that_looks_like_a_formula_stays_text(corpus: Path) -> None:
    res = read_workbook(corpus / "hyperlink-text.xlsx")
    assert res.targets.projects[0].name == mbc.HYPERLINK_TEXT
    res = read_workbook(corpus / "control-chars.xlsx")
    assert res.targets.projects[0].name.startswith("\x01\x07\x0b\t\u200b")


def _run(args: list[str]) -> Any:
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.fixture(scope="session")
def batch(
    corpus: Path, before: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Every command over the corpus, once; outputs go to another folder."""
    out = tmp_path_factory.mktemp("hostile-out")
    files = [corpus / n for n in sorted(CASES)]
    runs: dict[str, Any] = {}
    runs["validate"] = _run(["validate", "--format", "json", *map(str, files)])
    runs["validate_text"] = _run(["validate", *map(str, files)])
    runs["consolidate"] = _run(
        ["consolidate", str(corpus), "-o", str(out / "汇总 表.xlsx"), "--format", "json"]
    )
    runs["export"] = {n: _run(["export", str(corpus / n)]) for n in sorted(CASES)}
    runs["compute"] = {
        n: _run(["compute", str(corpus / n), "-o", str(out / f"computed-{n}")])
        for n in sorted(CASES)
        if not n.startswith("~$")
    }
    runs["out"] = out
    return runs


def test_validate_reports_every_bad_file_and_carries_on(
    batch: dict[str, Any], corpus: Path
) -> None:
    r = batch["validate"]
    assert r.exit_code == 2
    records = json.loads(r.stdout)["problems"]
    unreadable = {Path(p["file"]).name for p in records if p["rule"] == "file.unreadable"}
    assert unreadable == {n for n, c in CASES.items() if c.outcome == "unreadable"}
    read_files = {Path(p["file"]).name for p in records if p["rule"] != "file.unreadable"}
    for name, case in CASES.items():
        if case.outcome in ("good", "problems"):
            assert name in read_files  # fully checked: its own findings are listed
    text = batch["validate_text"].stdout
    assert f"无法读取 {len(unreadable)} 个" in text
    for name in unreadable:
        assert name in text


def test_consolidate_summarises_good_files_and_lists_bad_ones(
    batch: dict[str, Any], corpus: Path
) -> None:
    r = batch["consolidate"]
    assert r.exit_code == 2, r.output
    report = json.loads(r.stdout)
    unusable = {Path(f["file"]).name: f for f in report["unusable_files"]}
    owner = mbc.OWNER  # Excel's owner file is skipped by the folder search
    assert set(unusable) == {
        n for n, c in CASES.items() if c.outcome in ("unreadable", "not_perfxl") and n != owner
    }
    assert all(f["reason"] for f in unusable.values())
    used = [n for n, c in CASES.items() if c.outcome in ("good", "problems")]
    assert report["units"] == len(used)
    # each usable file gave 3 projects, except the two whose one project sheet is broken
    assert report["projects"] == 3 * len(used) - 2

    from openpyxl import load_workbook

    summary = batch["out"] / "汇总 表.xlsx"
    wb = load_workbook(summary)
    ws = wb["汇总"]
    names = [c for c in ws.iter_rows(values_only=False) for c in c if c.value == mbc.HYPERLINK_TEXT]
    assert names and all(c.data_type == "s" for c in names)
    with zipfile.ZipFile(summary) as z:
        assert not any("vbaProject" in n for n in z.namelist())
        xml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
    assert b"<f>HYPERLINK" not in xml and b"<f>=HYPERLINK" not in xml


def test_export_and_compute_exit_codes(batch: dict[str, Any]) -> None:
    out: Path = batch["out"]
    for name, r in batch["export"].items():
        case = CASES[name]
        if case.outcome == "unreadable":
            assert r.exit_code == 2 and "错误" in r.stderr, name
        elif case.outcome == "not_perfxl":  # the same verdict as validate and consolidate
            assert r.exit_code == 2 and r.stdout == "", name
            assert NotAPerfxlWorkbookError.MESSAGE in r.stderr, name
        elif case.outcome == "good":
            assert r.exit_code in (0, 1) and json.loads(r.stdout)["projects"], name
    for name, r in batch["compute"].items():
        target = out / f"computed-{name}"
        if CASES[name].outcome in ("unreadable", "not_perfxl"):
            assert r.exit_code == 2, (name, r.output)
            assert not target.exists()  # nothing half-written
    leftovers = [p.name for p in out.iterdir() if p.name.startswith((".", "~")) or ".tmp" in p.name]
    assert leftovers == []


def _chinese_first(message: str) -> bool:
    first = next((ch for ch in message if ch.isalpha()), "")
    return "\u4e00" <= first <= "\u9fff"


def test_no_english_reaches_a_user_without_chinese_first(batch: dict[str, Any]) -> None:
    """Library words (``Cfb error``, ``Bad CRC-32``) only ever follow a Chinese sentence."""
    for p in json.loads(batch["validate"].stdout)["problems"]:
        assert _chinese_first(p["message"]), p
    runs = [*batch["export"].values(), *batch["compute"].values()]
    for r in runs:
        for line in r.stderr.splitlines():
            assert _chinese_first(line.split(": ", 1)[-1]), line


def test_inputs_byte_identical_and_no_macro_ran(
    batch: dict[str, Any], corpus: Path, before: dict[str, str]
) -> None:
    assert _digests(corpus) == before
    assert not list(corpus.parent.rglob("pwned.txt"))
    assert not list(Path.cwd().glob("pwned.txt"))
