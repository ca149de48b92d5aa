"""The disclosure document: fidelity to the published seed, merged cells, the county's view."""

from __future__ import annotations

import copy
import difflib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from docxtext import docx_lines, normalise

from perfxl.cli import main
from perfxl.model import Indicator, Targets
from perfxl.publish import publish, publish_targets
from perfxl.publish.text import amount_text, chinese_number, county_name, runs
from perfxl.read import read_workbook
from perfxl.write.fill import write_new

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "data" / "suying-2023-performance-targets.txt"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


SUMMARY_HEADING = "一、总体绩效目标"


def seed_lines() -> list[str]:
    """The seed as perfxl publishes it: its heading 一、总体绩效目标 once (the seed's Word
    file repeats it as the first line of the section's body, a slip perfxl does not copy)."""
    lines = normalise(SEED.read_text(encoding="utf-8").split("\n"))
    i = lines.index(SUMMARY_HEADING)
    assert lines[i + 1] == SUMMARY_HEADING  # the repeat, as the seed has it
    return lines[: i + 1] + lines[i + 2 :]


def matched(seed: list[str], got: list[str]) -> tuple[int, list[tuple[str, int, int, int, int]]]:
    sm = difflib.SequenceMatcher(None, seed, got, autojunk=False)
    same = sum(b.size for b in sm.get_matching_blocks())
    return same, [op for op in sm.get_opcodes() if op[0] != "equal"]


@pytest.fixture(scope="module")
def published(example_book: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example workbook, read back by the reader, published to .docx."""
    res = read_workbook(example_book)
    assert res.ok
    out = tmp_path_factory.mktemp("publish") / "suying.docx"
    publish_targets([res.targets], out)
    return out


def test_fidelity_every_seed_line(published: Path) -> None:
    seed = seed_lines()
    got = normalise(docx_lines(published))
    same, diffs = matched(seed, got)
    table_lines = [x for x in seed if x.startswith("\t")]
    text_lines = [x for x in seed if x and not x.startswith("\t")]
    print(
        f"\nfidelity: {same}/{len(seed)} seed lines identical ({same / len(seed):.1%}); "
        f"{len(table_lines)} table lines, {len(text_lines)} text lines"
    )
    assert same == len(seed), diffs[:5]
    # The only lines the seed does not have are the cover title and the contents list, before
    # 第一部分: everything from there on is the seed, line for line.
    start = got.index("第一部分")
    assert got[start:] == seed
    assert all(op[0] == "insert" and op[3] < start for op in diffs)


def test_fidelity_measure_notices_a_changed_cell(published: Path) -> None:
    got = normalise(docx_lines(published))
    i = got.index("\t≥2人")
    got[i] = "\t≥3人"
    same, _ = matched(seed_lines(), got)
    assert same == len(seed_lines()) - 1


def test_merged_cells_as_in_the_seed(published: Path) -> None:
    with zipfile.ZipFile(published) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    # Per project: 预算规模及资金用途 and 资金支出计划 over two rows, 一级指标 产出 over four rows.
    assert xml.count('w:vMerge w:val="restart"') == 19 * 3
    assert xml.count("<w:vMerge/>") == 19 * (1 + 1 + 3)
    assert xml.count("<w:tblHeader/>") == 19


def test_level2_runs_are_merged_too(tmp_path: Path, example_data: dict[str, Any]) -> None:
    data = copy.deepcopy(example_data)
    data["projects"] = data["projects"][:1]
    inds = data["projects"][0]["indicators"]
    inds.insert(1, {**inds[0], "level3": "第二个数量指标", "target": "3人"})
    out = tmp_path / "one.docx"
    publish_targets([Targets.from_dict(data)], out)
    lines = docx_lines(out)
    i = lines.index("\t第二个数量指标")
    assert lines[i - 2 : i] == ["\t", "\t"]  # 一级 and 二级 continue the merge above


def test_docx_look(published: Path) -> None:
    with zipfile.ZipFile(published) as z:
        doc = z.read("word/document.xml").decode("utf-8")
        footers = [z.read(n).decode("utf-8") for n in z.namelist() if "footer" in n]
        settings = z.read("word/settings.xml").decode("utf-8")
    assert 'w:w="11906"' in doc and 'w:h="16838"' in doc  # A4
    assert "TOC \\o" in doc
    assert 'w:eastAsia="仿宋_GB2312"' in doc and 'w:eastAsia="黑体"' in doc
    assert 'w:eastAsia="方正小标宋简体"' in doc
    assert any(" PAGE " in f for f in footers)
    assert 'w:start="1"' in doc  # the body is numbered from 1 after the cover
    assert "updateFields" in settings  # no page numbers yet: Word refreshes the contents


def write_units(folder: Path, data: dict[str, Any], units: list[tuple[str, str]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for code, name in units:
        d = copy.deepcopy(data)
        d["unit"] = {"code": code, "name": name}
        path = folder / f"{code}.xlsx"
        write_new(Targets.from_dict(d), path)
        paths.append(path)
    return paths


UNITS = [
    ("910001", "巨鹿县苏营镇人民政府本级"),
    ("910002", "巨鹿县王虎寨镇人民政府本级"),
    ("910003", "巨鹿县官亭镇人民政府本级"),
]


def test_county_document_from_a_folder(tmp_path: Path, example_data: dict[str, Any]) -> None:
    write_units(tmp_path / "books", example_data, UNITS)
    out = tmp_path / "county.docx"
    res = CliRunner().invoke(main, ["publish", str(tmp_path / "books"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    lines = normalise(docx_lines(out))
    # Cover, then the summary table: one row per unit and the total.
    assert lines[:2] == ["巨鹿县", "2023年乡镇预算绩效目标"]
    total = lines.index("\t合计")
    assert lines[total + 1 : total + 6] == ["\t57", "\t342", "\t1907.16", "\t1907.16", "\t0.00"]
    row2 = lines.index("\t910002")
    assert lines[row2 + 1 : row2 + 4] == ["\t巨鹿县王虎寨镇人民政府本级", "\t19", "\t114"]
    # Then every unit in turn, each the whole seed with its own unit line.
    starts = [lines.index(code + name, total) for code, name in UNITS]
    assert starts == sorted(starts)
    seed = seed_lines()
    for (code, name), start in zip(UNITS, starts, strict=True):
        body = lines[start + 1 : start + 1 + len(seed)]
        expected = [x.replace("910001巨鹿县苏营镇人民政府本级", code + name) for x in seed]
        assert body == expected


def test_county_skips_a_broken_workbook(tmp_path: Path, example_data: dict[str, Any]) -> None:
    good = write_units(tmp_path, example_data, UNITS[:1])
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a workbook")
    out = tmp_path / "county.docx"
    res = CliRunner().invoke(main, ["publish", str(good[0]), str(bad), "-o", str(out)])
    assert res.exit_code == 1
    assert "broken.xlsx" in res.output and "未收入" in res.output
    assert "\t910001" in docx_lines(out)  # the summary lists the good unit


def test_nothing_to_publish_is_unusable_input(tmp_path: Path) -> None:
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a workbook")
    out = tmp_path / "x.docx"
    res = CliRunner().invoke(main, ["publish", str(bad), "-o", str(out)])
    assert res.exit_code == 2
    assert not out.exists()


def test_api_publish_one_book_is_the_unit_document(tmp_path: Path, example_book: Path) -> None:
    out = tmp_path / "one.docx"
    result = publish([example_book], out)
    assert (result.units, result.projects) == (1, 19)
    assert [t for lv, t in result.headings if lv == 1] == ["部门整体绩效目标", "预算项目绩效目标"]


@pytest.mark.parametrize(
    ("value", "text"),
    [(8.39, "8.39"), (102.6, "102.60"), (282, "282.00"), (0.2, "0.20"), (None, ""), ("约5", "约5")],
)
def test_amount_text(value: object, text: str) -> None:
    assert amount_text(value) == text


@pytest.mark.parametrize(
    ("n", "cn"), [(1, "一"), (5, "五"), (10, "十"), (12, "十二"), (21, "二十一")]
)
def test_chinese_number(n: int, cn: str) -> None:
    assert chinese_number(n) == cn


def test_runs_and_county_name() -> None:
    assert runs(["a", "a", "b", None, None, "b"]) == [(0, 2), (2, 1), (3, 1), (4, 1), (5, 1)]
    t1 = Targets.from_dict({"unit": {"name": "巨鹿县苏营镇人民政府本级"}})
    t2 = Targets.from_dict({"unit": {"name": "巨鹿县官亭镇人民政府本级"}})
    t3 = Targets.from_dict({"unit": {"name": "平乡县某镇"}})
    assert county_name([t1, t2]) == "巨鹿县"
    assert county_name([t1, t3]) == ""
    assert Indicator().is_blank()


def test_seed_file_is_the_reference() -> None:
    seed = seed_lines()
    assert len([x for x in seed if x.startswith("\t")]) == 1311
    assert json.loads((ROOT / "examples" / "suying-2023.json").read_text("utf-8"))["projects"]
