"""Which version of a unit is used: one rule (perfxl.versions) for consolidate, publish and
validate; the workbook's own saved time first, then the file time, then a documented name order."""

from __future__ import annotations

import copy
import datetime as dt
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import county_demo

from perfxl.consolidate import Options, consolidate
from perfxl.consolidate import columns as K
from perfxl.model import Targets
from perfxl.write.fill import write_new

ROOT = Path(__file__).resolve().parents[1]
COUNTY = ROOT / "examples" / "county"
CHINA = dt.timezone(dt.timedelta(hours=8))
CLONE_TIME = 1_800_000_000.0  # every file of a fresh clone gets the checkout's time


def _c(path: str, **kw: Any) -> dict[str, Any]:
    """A candidate version, built in the test (the module is imported there)."""
    return {"key": kw.pop("key", "910001"), "path": path, "mtime": kw.pop("mtime", 0.0), **kw}


def _saved_time(path: Path) -> float | None:
    from perfxl.savedtime import saved_time

    return saved_time(path)


def _basis(key: str) -> str:
    from perfxl.versions import BASIS_ZH

    return BASIS_ZH[key]


# --- the rule itself (pure) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("candidates", "chosen", "basis"),
    [
        # the saved time beats a newer file time (copying resets the file time)
        (
            [_c("a.xlsx", saved=200.0, mtime=1.0), _c("b.xlsx", saved=100.0, mtime=9.0)],
            "a.xlsx",
            "saved",
        ),
        # same saved second: the file time decides
        (
            [_c("a.xlsx", saved=100.0, mtime=9.0), _c("b.xlsx", saved=100.0, mtime=1.0)],
            "a.xlsx",
            "mtime",
        ),
        # a version without a saved time: saved times are not compared at all
        ([_c("a.xlsx", saved=900.0, mtime=1.0), _c("b.xlsx", mtime=9.0)], "b.xlsx", "mtime"),
        # file times a fraction of a second apart are the same second, as shown: the name
        (
            [_c("b.xlsx", mtime=1704103200.2), _c("a.xlsx", mtime=1704103200.7)],
            "b.xlsx",
            "name",
        ),
        # nothing differs: the name that sorts last in natural order (v10 after v9)
        (
            [_c("x-v10.xlsx", saved=5.0, mtime=5.0), _c("x-v9.xlsx", saved=5.0, mtime=5.0)],
            "x-v10.xlsx",
            "name",
        ),
        # --prefer beats every time
        ([_c("a.xlsx", saved=1.0, preferred=True), _c("b.xlsx", saved=9.0)], "a.xlsx", "prefer"),
        # a unit's own file beats a newer record listed in a summary
        (
            [_c("own.xlsx", saved=1.0), _c("listed.xlsx", saved=9.0, direct=False)],
            "own.xlsx",
            "direct",
        ),
        # one version
        ([_c("a.xlsx")], "a.xlsx", "only"),
    ],
)
def test_the_rule(candidates: list[dict[str, Any]], chosen: str, basis: str) -> None:
    from perfxl.versions import Candidate, choose

    [choice] = choose([Candidate(**c) for c in candidates])
    assert (choice.chosen.path, choice.basis) == (chosen, basis)
    assert len(choice.superseded) == len(candidates) - 1


def test_units_are_chosen_apart_and_each_loser_says_why() -> None:
    from perfxl.versions import BASIS_ZH, Candidate, choose

    got = choose(
        [
            Candidate(**_c("a1.xlsx", key="A", saved=1.0, mtime=7.0)),
            Candidate(**_c("b.xlsx", key="B")),
            Candidate(**_c("a3.xlsx", key="A", saved=3.0, mtime=1.0)),
            Candidate(**_c("a2.xlsx", key="A", saved=3.0, mtime=0.5)),
        ]
    )
    assert [(c.key, c.chosen.path) for c in got] == [("A", "a3.xlsx"), ("B", "b.xlsx")]
    a = got[0]
    assert [c.path for c in a.superseded] == ["a2.xlsx", "a1.xlsx"]
    assert [a.basis_against(c) for c in a.superseded] == ["mtime", "saved"]
    assert set(BASIS_ZH) >= {a.basis, "only"}


def test_natural_key() -> None:
    from perfxl.versions import natural_key

    names = ["b-v10.xlsx", "b-v9.xlsx", "a.xlsx", "B-v2.xlsx"]
    assert sorted(names, key=natural_key) == ["a.xlsx", "B-v2.xlsx", "b-v9.xlsx", "b-v10.xlsx"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-01-16T01:00:00Z", dt.datetime(2023, 1, 16, 1, tzinfo=dt.UTC)),
        ("2023-01-16T09:00:00+08:00", dt.datetime(2023, 1, 16, 1, tzinfo=dt.UTC)),
        ("2023-01-16T01:00:00", dt.datetime(2023, 1, 16, 1, tzinfo=dt.UTC)),
        ("2023-01-16T01:00:00.123456789", dt.datetime(2023, 1, 16, 1, 0, 0, 123456, dt.UTC)),
        ("1601-01-01T00:00:00Z", None),
        ("not a date", None),
    ],
)
def test_parse_w3c(text: str, expected: dt.datetime | None) -> None:
    from perfxl.savedtime import parse_w3c

    got = parse_w3c(text)
    assert got == (expected.timestamp() if expected else None)


def test_saved_time_of_files(tmp_path: Path) -> None:
    from perfxl.savedtime import saved_time

    demo = county_demo()
    book = tmp_path / "b.xlsx"
    write_new(Targets(), book)
    when = dt.datetime(2023, 2, 3, 10, 20, 30, tzinfo=CHINA)
    demo.stamp(book, when, "某镇财政所")
    assert saved_time(book) == when.timestamp()
    ods = tmp_path / "b.ods"
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(
            "meta.xml",
            '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta>'
            "<dc:date>2023-02-03T02:20:30.250000000</dc:date></office:meta></office:document-meta>",
        )
    assert saved_time(ods) == dt.datetime(2023, 2, 3, 2, 20, 30, 250000, dt.UTC).timestamp()
    evil = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr(
            "docProps/core.xml",
            '<!DOCTYPE x [<!ENTITY a "b">]><x xmlns:dcterms="http://purl.org/dc/terms/">'
            "<dcterms:modified>&a;</dcterms:modified></x>",
        )
    assert saved_time(evil) is None  # defusedxml refuses it: the file time decides
    (tmp_path / "junk.xls").write_bytes(b"not a workbook")
    assert saved_time(tmp_path / "junk.xls") is None


# --- every command, on the committed county example ------------------------------------------


def _fresh_clone_copy(dest: Path, rename: dict[str, str] | None = None) -> Path:
    """examples/county as a fresh clone has it: every file with the same modification time."""
    dest.mkdir()
    for f in COUNTY.iterdir():
        name = (rename or {}).get(f.name, f.name)
        shutil.copyfile(f, dest / name)
        os.utime(dest / name, (CLONE_TIME, CLONE_TIME))
    return dest


def test_committed_examples_record_distinct_saved_times() -> None:
    """The example's two versions differ by their saved time, days apart (a clone keeps it)."""
    v1 = _saved_time(COUNTY / "910006-小吕寨镇-v1.xlsx")
    v2 = _saved_time(COUNTY / "910006-小吕寨镇-v2.xlsx")
    assert v1 is not None and v2 is not None and v2 - v1 > 86400
    days = {
        dt.datetime.fromtimestamp(_saved_time(f) or 0, CHINA).date()
        for f in COUNTY.glob("*.xlsx")
        if "v1" not in f.name
    }
    assert len(days) == 9


def test_fresh_clone_saved_time_decides_not_the_name(tmp_path: Path) -> None:
    """Same mtime everywhere, and names that sort the draft last: the saved time still picks
    the corrected version, and 提交情况 says so."""
    folder = _fresh_clone_copy(
        tmp_path / "county",
        {
            "910006-小吕寨镇-v1.xlsx": "910006-小吕寨镇-初稿.xlsx",
            "910006-小吕寨镇-v2.xlsx": "910006-小吕寨镇-修改.xlsx",
        },
    )
    out = tmp_path / "s.xlsx"
    result = consolidate([folder], out, Options(jobs=1))
    rows = [dict(zip(K.FILES.keys, r, strict=True)) for r in result.files]
    mine = {Path(str(r["source_file"])).name: r for r in rows if r["unit_code"] == "910006"}
    assert mine["910006-小吕寨镇-修改.xlsx"]["file_status"] == K.USED
    assert mine["910006-小吕寨镇-初稿.xlsx"]["file_status"] == K.SUPERSEDED
    assert {r["basis"] for r in mine.values()} == {_basis("saved")}
    assert mine["910006-小吕寨镇-初稿.xlsx"]["saved"] < mine["910006-小吕寨镇-修改.xlsx"]["saved"]
    assert "保存时间" in mine["910006-小吕寨镇-初稿.xlsx"]["note"]


def test_county_publishes_and_consolidates_the_same_units_versions_and_totals(
    tmp_path: Path,
) -> None:
    from docxtext import docx_lines

    from perfxl.cli import main
    from perfxl.publish import publish

    folder = _fresh_clone_copy(tmp_path / "county")
    summary = consolidate([folder], tmp_path / "s.xlsx", Options(jobs=1))
    doc = publish([folder], tmp_path / "county.docx")
    used = [Path(s.file.path).name for s in summary.chosen]
    assert [s.used for s in doc.sources] == used
    assert "910006-小吕寨镇-v2.xlsx" in used and "910006-小吕寨镇-v1.xlsx" not in used
    assert [Path(f).name for f, _ in doc.superseded] == ["910006-小吕寨镇-v1.xlsx"]
    assert doc.units == len(summary.chosen) == 9
    assert doc.projects == summary.totals["projects"]
    lines = docx_lines(tmp_path / "county.docx")
    total = lines.index("\t合计")
    assert lines[total + 3] == f"\t{summary.totals['budget']:.2f}" == "\t7923.85"
    assert lines[total + 4] == f"\t{summary.totals['fiscal_funds']:.2f}"
    # The document names the file used for each unit and the version left out.
    at = lines.index("本文收入的报送文件（同一单位有多个版本时只收入一个）")
    table = lines[at : at + 100]
    assert "\t910006-小吕寨镇-v2.xlsx" in table and "\t910006-小吕寨镇-v1.xlsx" in table
    # v1 is not in the document: 小吕寨镇 appears as often as any other unit (contents, heading).
    assert lines.count("910006巨鹿县小吕寨镇人民政府本级") == lines.count(
        "910001巨鹿县巨鹿镇人民政府本级"
    )
    # The CLI says it left a version out.
    res = CliRunner().invoke(main, ["publish", str(folder), "-o", str(tmp_path / "c2.docx")])
    assert "旧版本 1 个未收入" in res.output


def test_validate_batch_marks_the_older_version(tmp_path: Path) -> None:
    from perfxl.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("910006-小吕寨镇-v1.xlsx", "910006-小吕寨镇-v2.xlsx", "910001-巨鹿镇.xlsx"):
        shutil.copyfile(COUNTY / name, folder / name)
        os.utime(folder / name, (CLONE_TIME, CLONE_TIME))
    res = CliRunner().invoke(main, ["validate", str(folder)])
    out = res.stdout
    v1 = str(folder / "910006-小吕寨镇-v1.xlsx")
    v2 = str(folder / "910006-小吕寨镇-v2.xlsx")
    assert f"{v1}（旧版本：同一单位采用 {v2}，依据工作簿保存时间）" in out
    assert "其中 1 个是同一单位的旧版本" in out


def test_a_summary_never_supersedes_a_townships_own_file(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    """A summary named as an input is still read (summary of summaries), but a unit's own
    workbook wins over the summary's record of it, however new that record looks."""
    demo = county_demo()
    folder = tmp_path / "in"
    folder.mkdir()
    data = copy.deepcopy(example_data)
    data["projects"] = data["projects"][:2]
    data["unit"] = {"code": "910001", "name": "巨鹿县巨鹿镇人民政府本级"}
    own = folder / "910001.xlsx"
    write_new(Targets.from_dict(data), own)
    demo.stamp(own, dt.datetime(2023, 3, 1, 9, tzinfo=CHINA), "巨鹿镇财政所")
    old_summary = tmp_path / "county-summary.xlsx"
    consolidate([folder], old_summary, Options(jobs=1))
    # The township sends a corrected workbook, saved (and dated) before the summary's record.
    data["projects"] = data["projects"][:1]
    write_new(Targets.from_dict(data), own)
    demo.stamp(own, dt.datetime(2023, 2, 1, 9, tzinfo=CHINA), "巨鹿镇财政所")
    result = consolidate([folder, old_summary], tmp_path / "again.xlsx", Options(jobs=1))
    assert [s.file.path for s in result.chosen] == [str(own)]
    assert result.totals["projects"] == 1
    rows = [dict(zip(K.FILES.keys, r, strict=True)) for r in result.files]
    mine = [r for r in rows if r["unit_code"] == "910001"]
    assert (mine[0]["source_file"], mine[0]["file_status"]) == (str(own), K.USED)
    assert [(r["file_status"], r["basis"]) for r in mine[1:]] == [(K.SUPERSEDED, _basis("direct"))]


@pytest.mark.libreoffice
def test_libreoffice_xls_and_ods_record_their_saved_time(tmp_path: Path) -> None:
    """Converted by LibreOffice to .xls and .ods, the example county's 910001 is found in a
    folder and read, and its own saved time is read from the summary information (.xls) and
    meta.xml (.ods)."""
    from conftest import convert

    src = tmp_path / "src"
    src.mkdir()
    book = src / "910001.xlsx"
    shutil.copyfile(COUNTY / "910001-巨鹿镇.xlsx", book)
    folder = tmp_path / "in"
    folder.mkdir()
    xls = convert([book], "xls", folder)[0]
    ods = convert([book], "ods", folder)[0]
    # LibreOffice carries the document's last-saved time over into the other format.
    assert _saved_time(xls) == _saved_time(ods) == _saved_time(book) is not None
    result = consolidate([folder], tmp_path / "s.xlsx", Options(jobs=1))
    rows = [dict(zip(K.FILES.keys, r, strict=True)) for r in result.files]
    assert sorted(Path(str(r["source_file"])).suffix for r in rows) == [".ods", ".xls"]
    assert {r["file_status"] for r in rows} == {K.USED, K.SUPERSEDED}
    assert {r["basis"] for r in rows} <= {_basis("saved"), _basis("mtime"), _basis("name")}
