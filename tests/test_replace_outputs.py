"""One rule for every command's output file (`perfxl.outputs.replacing`): an existing file is
replaced without asking only when it is recognisably the same command's earlier output, still
as perfxl wrote it; any other file — above all a unit's own workbook — is refused (exit 2, the
file untouched) unless ``--overwrite``, which keeps it as ``OUT.bak.EXT``."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result
from docx import Document
from importdocs import build as build_doc

from perfxl.cli import main
from perfxl.outputs import own_output
from perfxl.write.patch.safeio import backup_path
from perfxl.write.patch.stamp import stamped_kind

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_JSON = ROOT / "examples" / "suying-2023.json"
EXAMPLE_XLSX = ROOT / "examples" / "suying-2023.xlsx"

Args = Callable[[Path, Path], list[object]]  # (work folder, output) -> the command line

# command -> (the command line writing OUT, OUT's name in the work folder)
CASES: dict[str, tuple[Args, str]] = {
    "template": (lambda d, out: ["template", out], "out.xlsx"),
    "fill": (lambda d, out: ["fill", EXAMPLE_JSON, out], "out.xlsx"),
    "fill --into -o": (
        lambda d, out: ["fill", EXAMPLE_JSON, "--into", d / "unit.xlsx", "-o", out],
        "out.xlsx",
    ),
    "compute": (lambda d, out: ["compute", d / "unit.xlsx", "-o", out], "out.xlsx"),
    "new monitoring": (lambda d, out: ["new", "monitoring", d / "unit.xlsx", "-o", out], "o.xlsx"),
    "new evaluation": (lambda d, out: ["new", "evaluation", d / "unit.xlsx", "-o", out], "o.xlsx"),
    "rollover": (
        lambda d, out: ["rollover", d / "unit.xlsx", "--year", "2024", "-o", out],
        "out.xlsx",
    ),
    "library": (lambda d, out: ["library", d / "unit.xlsx", "-o", out], "out.xlsx"),
    "validate --annotate": (
        lambda d, out: ["validate", d / "unit.xlsx", "--annotate", out],
        "out.xlsx",
    ),
    "import .xlsx": (lambda d, out: ["import", d / "doc.docx", "-o", out], "out.xlsx"),
    "import .json": (lambda d, out: ["import", d / "doc.docx", "-o", out], "out.json"),
    "export": (lambda d, out: ["export", d / "unit.xlsx", "-o", out], "out.json"),
    "publish": (lambda d, out: ["publish", d / "unit.xlsx", "-o", out], "out.docx"),
    "consolidate": (
        lambda d, out: ["consolidate", d / "unit.xlsx", "-o", out, "-j", "1", "--no-cache"],
        "汇总.xlsx",
    ),
    "consolidate --tables": (
        lambda d, out: [
            "consolidate",
            d / "unit.xlsx",
            "-o",
            d / "汇总.xlsx",
            "--tables",
            out.parent,
            "-j",
            "1",
            "--no-cache",
        ],
        "tables/projects.csv",
    ),
    "addin build": (lambda d, out: ["addin", "build", "-o", out], "perfxl.xlam"),
    "addin build --xlsm": (
        lambda d, out: ["addin", "build", "--xlsm", "-o", out],
        "perfxl-模板.xlsm",
    ),
}


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A unit's workbook and a published document to read."""
    shutil.copyfile(EXAMPLE_XLSX, tmp_path / "unit.xlsx")
    build_doc(tmp_path / "doc.docx", merged=False)
    return tmp_path


def theirs(out: Path) -> bytes:
    """A file of the unit's own at ``out``, of the kind the command writes there."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".docx":
        doc = Document()
        doc.add_paragraph("本单位自己起草的公开文本")
        doc.save(str(out))
    elif out.suffix == ".json":
        out.write_text('{"单位": "自己整理的数据"}\n', encoding="utf-8")
    elif out.suffix == ".csv":
        out.write_bytes("单位自己的表\r\n1,2\r\n".encode("utf-8-sig"))
    else:  # a township's filled workbook
        shutil.copyfile(EXAMPLE_XLSX, out)
    return out.read_bytes()


def written(res: Result) -> bool:
    """The command did its work (0, or 1: problems reported, the output written)."""
    return res.exit_code in (0, 1) and "未覆盖" not in res.stderr


@pytest.mark.parametrize("case", list(CASES))
def test_another_file_is_refused(work: Path, case: str) -> None:
    args, name = CASES[case]
    out = work / name
    before = theirs(out)
    res = invoke(*args(work, out))
    assert res.exit_code == 2, res.output
    said = res.stderr
    assert said.startswith("错误：") and str(out) in said, said
    assert "已存在" in said and "--overwrite" in said and backup_path(out).name in said, said
    assert out.read_bytes() == before
    assert not backup_path(out).exists()


@pytest.mark.parametrize("case", list(CASES))
def test_its_own_earlier_output_is_replaced(work: Path, case: str) -> None:
    args, name = CASES[case]
    out = work / name
    res = invoke(*args(work, out))
    assert written(res), res.output
    first = out.stat().st_ino
    res = invoke(*args(work, out))
    assert written(res), res.output
    assert out.stat().st_ino != first  # a new file renamed over the old one
    assert not backup_path(out).exists()


@pytest.mark.parametrize("case", list(CASES))
def test_overwrite_keeps_a_backup(work: Path, case: str) -> None:
    args, name = CASES[case]
    out = work / name
    before = theirs(out)
    res = invoke(*args(work, out), "--overwrite")
    assert written(res), res.output
    assert backup_path(out).read_bytes() == before
    assert out.read_bytes() != before


# --- "still as perfxl wrote it" -----------------------------------------------------------
def test_a_template_filled_in_place_is_the_units(work: Path) -> None:
    """fill --into writes the clerk's data into a template perfxl made: no longer the
    template command's to replace."""
    book = work / "乡镇.xlsx"
    assert invoke("template", book, "-n", "19").exit_code == 0
    assert stamped_kind(book) == "template"
    assert written(invoke("fill", EXAMPLE_JSON, "--into", book))
    assert stamped_kind(book) is None
    before = book.read_bytes()
    res = invoke("template", book)
    assert res.exit_code == 2 and "已存在" in res.stderr, res.output
    assert book.read_bytes() == before


def test_an_output_saved_again_by_a_spreadsheet_is_the_users(work: Path) -> None:
    """Excel keeps custom properties when it saves; the stamp's digest still tells (openpyxl
    here, saving as a spreadsheet program does: every part written anew)."""
    out = work / "c.xlsx"
    assert written(invoke("compute", work / "unit.xlsx", "-o", out))
    assert own_output(out, "compute") and not own_output(out, "template")
    wb = openpyxl.load_workbook(out)
    wb["封面"]["A1"].value = wb["封面"]["A1"].value  # the clerk opens it and saves
    wb.save(out)
    assert "perfxl.output" in {p.name for p in openpyxl.load_workbook(out).custom_doc_props}
    assert not own_output(out, "compute")
    res = invoke("compute", work / "unit.xlsx", "-o", out)
    assert res.exit_code == 2, res.output


def test_the_summary_of_another_stage_is_still_a_summary(work: Path) -> None:
    """Re-running consolidate to the county's summary is the normal cycle, whichever summary."""
    out = work / "汇总.xlsx"
    assert written(invoke("consolidate", work / "unit.xlsx", "-o", out, "-j", "1"))
    assert own_output(out, "summary") and not own_output(out, "compute")


def test_a_published_pdf_is_known_by_its_author(tmp_path: Path) -> None:
    """LibreOffice carries the document's author (perfxl) into the PDF's information."""
    ours, other = tmp_path / "ours.pdf", tmp_path / "other.pdf"
    ours.write_bytes(_pdf("perfxl"))
    other.write_bytes(_pdf("县财政局"))
    assert own_output(ours, "publish")
    assert not own_output(other, "publish")
    assert not own_output(tmp_path / "missing.pdf", "publish")


def test_json_data_is_known_by_its_stamp(work: Path) -> None:
    ours, other = work / "ours.json", work / "other.json"
    assert written(invoke("export", work / "unit.xlsx", "-o", ours))
    other.write_text(json.dumps({"schema_version": "1"}), encoding="utf-8")  # one line
    assert own_output(ours, "data") and not own_output(other, "data")


def test_a_new_file_needs_nothing(work: Path) -> None:
    out = work / "new" / "c.xlsx"
    out.parent.mkdir()
    assert written(invoke("compute", work / "unit.xlsx", "-o", out))
    assert os.listdir(out.parent) == ["c.xlsx"]


def _pdf(author: str) -> bytes:
    """A one-page PDF whose document information names ``author`` (UTF-16, as LibreOffice)."""
    name = "FEFF" + author.encode("utf-16-be").hex().upper()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        f"<< /Author <{name}> /Producer (LibreOffice) >>".encode(),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 4 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
