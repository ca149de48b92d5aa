"""Whether a refusal already says what to do is declared where its message is written
(`PerfxlError.advises`), never guessed from a 请 in its text: a file or part named 请… gets
the general advice all the same, and every refusal perfxl writes today keeps its wording."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from books import bad_corpus, rule_messages
from click.testing import CliRunner
from openpyxl import load_workbook

from perfxl.cli import main
from perfxl.errors import NotAPerfxlWorkbookError, PerfxlError
from perfxl.inputs import ADVISING_REASONS, EMPTY_REASON, MISSING_REASON
from perfxl.read import read_workbook
from perfxl.rules.catalogue import SUBMISSION_UNREADABLE_ADVICE, UNREADABLE_ADVICE
from perfxl.safety import library_error, reader_aborted
from perfxl.validate import validate_file

mbc: Any = bad_corpus()


def _with_named_part(book: Path, out: Path) -> Path:
    """``book`` with one more part, named 请勿修改, holding a DTD: refused by the preflight
    with a reason that names the part and gives no advice of its own."""
    with zipfile.ZipFile(book) as a, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as b:
        for info in a.infolist():
            b.writestr(info, a.read(info))
        b.writestr("xl/请勿修改.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>')
    return out


def test_a_reason_with_qing_but_no_advice_still_gets_the_general_advice(
    tmp_path: Path, example_book: Path
) -> None:
    folder = tmp_path / "乡镇"
    folder.mkdir()
    bad = _with_named_part(example_book, folder / "请查收.xlsx")

    (problem,) = validate_file(bad).problems
    assert problem.rule == "file.unreadable"
    assert "请勿修改" in problem.message  # the 请 the old guess was fooled by
    assert problem.message.endswith(f"已拒绝读取。 {UNREADABLE_ADVICE}"), problem.message

    out = tmp_path / "汇总.xlsx"
    for extra in (["--no-cache"], [], [], ["-j", "2"]):  # cold, cached, read from the cache
        res = CliRunner().invoke(
            main,
            ["consolidate", str(folder), "-o", str(out), "-j", "1", "--format", "json", *extra],
        )
        assert res.exit_code == 2, res.output
        (reason,) = (f["reason"] for f in json.loads(res.stdout)["unusable_files"])
        wb = load_workbook(out, read_only=True)
        head, *rows = wb["校验问题"].iter_rows(values_only=True)
        rule, message = head.index("规则"), head.index("问题说明")
        (said,) = (r[message] for r in rows if r[rule] == "consolidate.file_unreadable")
        wb.close()
        assert said == f"文件无法读取，未汇总：{reason} {SUBMISSION_UNREADABLE_ADVICE}", said


def test_a_province_reads_back_whether_a_county_said_the_advice(
    tmp_path: Path, example_book: Path
) -> None:
    """A county summary keeps an unreadable file's reason, not the flag: its own 校验问题 row
    tells the province whether the reason advised (one reason that does, one that does not)."""
    folder = tmp_path / "乡镇"
    folder.mkdir()
    (folder / "suying-2023.xlsx").write_bytes(example_book.read_bytes())
    data = example_book.read_bytes()
    (folder / "truncated.xlsx").write_bytes(data[: len(data) // 2])  # 请重新获取…
    _with_named_part(example_book, folder / "请查收.xlsx")  # no advice of its own
    county = tmp_path / "县" / "县汇总.xlsx"
    county.parent.mkdir()
    res = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(county), "-j", "1"])
    assert res.exit_code == 2, res.output
    province = tmp_path / "省汇总.xlsx"
    res = CliRunner().invoke(main, ["consolidate", str(county), "-o", str(province), "-j", "1"])
    assert res.exit_code == 2, res.output

    unreadable = "consolidate.file_unreadable"
    at_county, at_province = rule_messages(county, unreadable), rule_messages(province, unreadable)
    assert set(at_county) == {"truncated.xlsx", "请查收.xlsx"}
    assert at_province == at_county
    assert not at_county["truncated.xlsx"].endswith(SUBMISSION_UNREADABLE_ADVICE)
    assert at_county["请查收.xlsx"].endswith(SUBMISSION_UNREADABLE_ADVICE)


def test_every_refusal_of_the_hostile_corpus_declares_the_advice_its_text_gives(
    tmp_path: Path,
) -> None:
    """Same wording as before for every refusal the corpus meets: a reason declares advice
    exactly when it says 请… (no corpus file name holds a 请)."""
    folder = tmp_path / "corpus"
    cases = mbc.make_corpus(folder, libreoffice=False, bomb_mb=40)
    refused = 0
    for case in cases:
        path = folder / case.name
        assert "请" not in case.name
        try:
            read_workbook(path)
        except NotAPerfxlWorkbookError:
            continue
        except PerfxlError as exc:
            refused += 1
            assert exc.advises == ("请" in exc.message), (case.name, exc.message)
    assert refused >= 10, refused


def test_the_other_reasons_declare_the_advice_their_text_gives(tmp_path: Path) -> None:
    """The library errors' refusals, a reader's death and the inputs' own reasons."""
    errors = [
        library_error(RuntimeError("Cfb error: invalid sector"), str(tmp_path / "a.xls")),
        library_error(zipfile.BadZipFile("Bad CRC-32 for file"), str(tmp_path / "a.xlsx")),
        library_error(ValueError("file is encrypted"), str(tmp_path / "a.xlsx")),
        library_error(MemoryError(), str(tmp_path / "a.xlsx")),
        library_error(ValueError("anything else"), str(tmp_path / "a.xlsx")),
        reader_aborted(str(tmp_path / "a.xls"), -6),
        reader_aborted(str(tmp_path / "a.xlsx"), 3),
    ]
    for exc in errors:
        assert exc.advises and "请" in exc.message, exc.message
    assert "请" in MISSING_REASON and MISSING_REASON in ADVISING_REASONS
    assert "请" not in EMPTY_REASON and EMPTY_REASON not in ADVISING_REASONS
