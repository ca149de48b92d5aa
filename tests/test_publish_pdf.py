"""``perfxl publish --pdf``: LibreOffice opens the .docx and writes the PDF; the contents
list gets page numbers from a first conversion."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.model import Targets
from perfxl.write.fill import write_new


def pdf_pages(pdf: Path) -> list[str]:
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.fail("pdftotext is missing: run `bash tools/ensure-system-deps.sh`")
    out = subprocess.run([exe, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True)
    return [re.sub(r"\s+", "", p) for p in out.stdout.split("\f")]


@pytest.mark.libreoffice
def test_publish_pdf_unit_and_county(
    tmp_path: Path, example_book: Path, example_data: dict
) -> None:
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice headless is missing: run `bash tools/ensure-system-deps.sh`")
    # One unit.
    out = tmp_path / "suying.docx"
    res = CliRunner().invoke(main, ["publish", str(example_book), "-o", str(out), "--pdf"])
    assert res.exit_code == 0, res.output
    pdf = out.with_suffix(".pdf")
    assert out.stat().st_size > 10_000 and pdf.read_bytes()[:5] == b"%PDF-"
    pages = pdf_pages(pdf)
    body = next(i for i, p in enumerate(pages) if p.endswith("—1—"))
    assert body >= 1  # cover and contents come before page 1
    # Every table title is printed, each on its own page, in order.
    titles = [f"{i}.{p['name']}绩效目标表" for i, p in enumerate(example_data["projects"], 1)]
    where = [next(i for i in range(body, len(pages)) if t in pages[i]) for t in titles]
    assert where == sorted(where) and len(set(where)) == len(where)
    # The contents list names each table with the page it is printed on.
    toc = "".join(pages[:body])
    for n, (title, page) in enumerate(zip(titles, where, strict=True), 1):
        m = re.search(re.escape(title) + r"[.…·]+(\d+)", toc)
        # Entries run together once white space is removed: "…目标表....92.“综合…"
        following = str(n + 1) if n < len(titles) else ""
        assert m is not None and m.group(1) == f"{page - body + 1}{following}", title
    # Fonts: the CJK text is embedded, not boxes.
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "CJK" in fonts

    # The county's view of two units, in the same LibreOffice-bearing test to keep it fast.
    books = tmp_path / "books"
    books.mkdir()
    for code, name in [
        ("910001", "巨鹿县苏营镇人民政府本级"),
        ("910002", "巨鹿县官亭镇人民政府本级"),
    ]:
        d = dict(example_data, unit={"code": code, "name": name})
        d["projects"] = example_data["projects"][:3]
        write_new(Targets.from_dict(d), books / f"{code}.xlsx")
    out = tmp_path / "county.docx"
    res = CliRunner().invoke(main, ["publish", str(books), "-o", str(out), "--pdf"])
    assert res.exit_code == 0, res.output
    pages = pdf_pages(out.with_suffix(".pdf"))
    text = "".join(pages)
    assert "各单位预算项目绩效目标汇总表" in text
    assert text.index("910001巨鹿县苏营镇人民政府本级") < text.rindex(
        "910002巨鹿县官亭镇人民政府本级"
    )
