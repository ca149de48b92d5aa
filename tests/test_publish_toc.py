"""``publish --pdf`` of a county: the contents list gives the page each heading is printed on,
and a long publish says what it is doing (issue 11, points 1 and 18)."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import county_demo

from perfxl.cli import main
from perfxl.model import Targets
from perfxl.publish import pdf as P
from perfxl.write.fill import write_new

# Nine units: the contents run over two pages, and the summary and source tables over two
# pages of the body (whose first page then does not end with its footer in plain text).
TOWNS = county_demo().TOWNSHIPS[:9]
UNITS = tuple(
    (f"91000{i}", f"巨鹿县{town}人民政府本级", 1 + i % 3) for i, town in enumerate(TOWNS, 1)
)
_ENTRY = re.compile(r"^\s*(\S.*?)\s*[.…·]{3,}\s*(\d+)\s*$", re.M)


def _county(folder: Path, example_data: dict[str, Any]) -> Path:
    folder.mkdir()
    for code, name, n in UNITS:
        d = copy.deepcopy(example_data)
        d["unit"] = {"code": code, "name": name}
        d["projects"] = d["projects"][:n]
        for k, p in enumerate(d["projects"]):
            p["code"] = f"13052923P{code}{k:06d}"
        write_new(Targets.from_dict(d), folder / f"{code}.xlsx")
    return folder


def _layout_pages(pdf: Path) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split("\f")


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.libreoffice
def test_contents_pages_are_the_pages_the_headings_are_printed_on(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    books = _county(tmp_path / "books", example_data)
    out = tmp_path / "county.docx"
    res = CliRunner().invoke(main, ["publish", str(books), "-o", str(out), "--pdf"])
    assert res.exit_code == 0, res.output
    # progress on stderr: each file read, both LibreOffice passes
    for step in ("读取 1/9", "读取 9/9", "编排文档", "LibreOffice 第一遍", "LibreOffice 第二遍"):
        assert step in res.stderr, step
    pages = _layout_pages(out.with_suffix(".pdf"))
    first = next(
        i for i, p in enumerate(pages) if "—1—" in [_squeeze(line) for line in p.splitlines()]
    )
    assert first >= 2  # cover and a contents list of two pages
    entries = [
        (_squeeze(m.group(1)), int(m.group(2)))
        for page in pages[:first]
        for m in _ENTRY.finditer(page)
    ]
    assert [t for t, _ in entries if t[:6].isdigit()] == [c + n for c, n, _ in UNITS]
    # A heading is printed as a line of its own (the summary table names the units too, in
    # rows with figures); each is searched for after the previous one.
    at = first
    for text, listed in entries:
        printed = next(
            i
            for i in range(at, len(pages))
            if any(_squeeze(line) == text for line in pages[i].splitlines())
        )
        assert listed == printed - first + 1, (text, listed, printed - first + 1)
        at = printed


def test_heading_pages_follow_the_outline_in_order() -> None:
    """The outline (one entry per heading, with its page) is read in order: a title that recurs
    in every unit is matched to the next one, never to an earlier page."""
    items = [
        (1, "各单位预算项目绩效目标汇总表"),
        (2, "910001巨鹿县巨鹿镇人民政府本级"),
        (2, "部门整体绩效目标"),
        (3, "一、总体绩效目标"),
        (6, "预算项目绩效目标"),
        (9, "910002 巨鹿县王虎寨镇人民政府本级"),
        (9, "部门整体绩效目标"),
        (12, "预算项目绩效目标"),
    ]
    listed = [
        "各单位预算项目绩效目标汇总表",
        "910001巨鹿县巨鹿镇人民政府本级",
        "部门整体绩效目标",
        "预算项目绩效目标",
        "910002巨鹿县王虎寨镇人民政府本级",
        "部门整体绩效目标",
        "预算项目绩效目标",
    ]
    assert P.heading_pages(items, listed, first_body_page=1) == [1, 2, 2, 6, 9, 9, 12]
    with pytest.raises(P.ConversionError):
        P.heading_pages(items, ["不存在的标题"], first_body_page=1)


def test_a_long_conversion_says_it_is_still_working(monkeypatch: pytest.MonkeyPatch) -> None:
    """LibreOffice passes take minutes on a county: a heartbeat, and a clear timeout."""
    monkeypatch.setattr(P, "HEARTBEAT", 0.05)
    monkeypatch.setattr(P, "TIMEOUT", 0.3)
    said: list[str] = []
    busy = [sys.executable, "-c", "while True: pass"]  # a conversion that never ends
    with pytest.raises(P.ConversionError, match="超时"):
        P._run(busy, {}, Path("doc.docx"), said.append)
    assert said and all("LibreOffice 仍在转换" in m for m in said)
