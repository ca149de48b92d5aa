"""What the commands take in: folders (.ods and .xlsb found, the output never read back, a
summary among the townships' files reported, an empty folder refused), a mistyped path in a
batch (reported, the others go on), the expected-units CSV as Excel saves it, and how
consolidate reports (counts, a sane time estimate, the output lock checked first)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import TOWNSHIPS as UNITS
from conftest import copy_folder as _copy

from perfxl.cli import main
from perfxl.consolidate import Options, consolidate
from perfxl.consolidate import columns as K
from perfxl.inputs import load_expected


def _files(result: Any) -> dict[str, dict[str, Any]]:
    rows = [dict(zip(K.FILES.keys, r, strict=True)) for r in result.files]
    return {Path(str(r["source_file"])).name: r for r in rows if r["source_file"]}


# --- folders ------------------------------------------------------------------------------


def test_ods_and_xlsb_are_found_never_skipped(tmp_path: Path, books: Path) -> None:
    from perfxl.inputs import discover

    folder = _copy(books, tmp_path / "in")
    (folder / "910003.ods").write_bytes(b"PK\x03\x04 not really an ods")
    (folder / "sub").mkdir()
    (folder / "sub" / "910004.xlsb").write_bytes(b"PK\x03\x04 not really an xlsb")
    (folder / "notes.csv").write_text("a,b\n", encoding="utf-8")
    found = discover([folder])
    assert sorted(Path(f).name for f in found.files) == [
        "910001.xlsx",
        "910002.xlsx",
        "910003.ods",
        "910004.xlsb",
    ]
    result = consolidate([folder], tmp_path / "s.xlsx", Options(jobs=1))
    by_name = _files(result)
    assert by_name["910003.ods"]["file_status"] == K.UNREADABLE
    assert by_name["910004.xlsb"]["file_status"] == K.UNREADABLE
    assert result.exit_code == 2


def test_a_folder_without_a_workbook_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("x", encoding="utf-8")
    out = tmp_path / "s.xlsx"
    res = CliRunner().invoke(main, ["consolidate", str(empty), "-o", str(out)])
    assert res.exit_code == 2
    assert "没有找到任何工作簿" in res.output and "文件夹中没有工作簿" in res.output
    assert not out.exists()
    res = CliRunner().invoke(main, ["validate", str(empty)])
    assert res.exit_code == 2
    assert "文件夹中没有工作簿" in res.output


def test_the_output_is_never_read_back(tmp_path: Path, books: Path) -> None:
    """Consolidating twice into the folder being consolidated gives the same result."""
    from perfxl.inputs import discover

    folder = _copy(books, tmp_path / "in")
    out = folder / "巨鹿县汇总.xlsx"
    first = consolidate([folder], out, Options(jobs=1))
    again = consolidate([folder], out, Options(jobs=1))
    assert again.files == first.files
    assert not again.superseded
    assert again.totals == first.totals
    assert str(out) in discover([folder], exclude=[out]).excluded


def test_a_summary_found_among_the_townships_is_reported_not_read(
    tmp_path: Path, books: Path
) -> None:
    folder = _copy(books, tmp_path / "in")
    first = consolidate([folder], folder / "上次汇总.xlsx", Options(jobs=1))
    again = consolidate([folder], tmp_path / "new.xlsx", Options(jobs=1))
    by_name = _files(again)
    assert by_name["上次汇总.xlsx"]["file_status"] == K.SUMMARY_SKIPPED
    assert "直接给出" in by_name["上次汇总.xlsx"]["note"]
    assert {by_name[f"{c}.xlsx"]["file_status"] for c, _ in UNITS} == {K.USED}
    assert not again.superseded and again.exit_code == first.exit_code
    assert again.totals == first.totals
    res = CliRunner().invoke(
        main, ["consolidate", str(folder), "-o", str(tmp_path / "new2.xlsx"), "-j", "1"]
    )
    assert "在文件夹中找到 perfxl 汇总表 1 个，未读入" in res.stdout


# --- a mistyped path in a batch --------------------------------------------------------------


def test_validate_goes_on_past_a_missing_file(tmp_path: Path, books: Path) -> None:
    good = books / "910001.xlsx"
    nope = tmp_path / "nope.xlsx"
    res = CliRunner().invoke(main, ["validate", str(good), str(nope), "--format", "json"])
    assert res.exit_code == 2
    records = json.loads(res.stdout)["problems"]
    missing = [r for r in records if r["file"] == str(nope)]
    # Reported like an unreadable file (listed, counted under 无法读取, the batch goes on), with
    # its own rule: the unreadable file's advice (.xlsx, not encrypted) does not fit a typo.
    assert [r["rule"] for r in missing] == ["file.missing"]
    assert "不存在" in missing[0]["message"] and "加密" not in missing[0]["message"]
    res = CliRunner().invoke(main, ["validate", str(good), str(nope)])
    assert str(good) in res.stdout and "共 2 个文件" in res.stdout and "无法读取 1 个" in res.stdout


def test_consolidate_goes_on_past_a_missing_file(tmp_path: Path, books: Path) -> None:
    out = tmp_path / "s.xlsx"
    nope = tmp_path / "nope.xlsx"
    res = CliRunner().invoke(
        main, ["consolidate", str(books / "910001.xlsx"), str(nope), "-o", str(out), "-j", "1"]
    )
    assert res.exit_code == 2
    assert out.exists()
    assert "nope.xlsx" in res.stdout and "不存在" in res.stdout
    result = consolidate([books / "910001.xlsx", nope], tmp_path / "s2.xlsx", Options(jobs=1))
    by_name = _files(result)
    assert by_name["910001.xlsx"]["file_status"] == K.USED
    assert by_name["nope.xlsx"]["file_status"] == K.UNREADABLE
    assert [Path(f.path).name for f in result.unreadable] == ["nope.xlsx"]


def test_publish_goes_on_past_a_missing_file(tmp_path: Path, books: Path) -> None:
    out = tmp_path / "c.docx"
    nope = tmp_path / "nope.xlsx"
    res = CliRunner().invoke(
        main, ["publish", str(books / "910001.xlsx"), str(nope), "-o", str(out)]
    )
    assert res.exit_code == 1  # publish's code for a file left out
    assert out.exists()
    assert "nope.xlsx: [未收入] 文件或文件夹不存在" in res.output


# --- the expected-units list as Excel saves it ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("单位编码,单位名称\n910001,巨鹿县巨鹿镇人民政府本级\n910002,\n", "gbk"),
        ("单位编码,单位名称\n910001,巨鹿县巨鹿镇人民政府本级\n910002,\n", "utf-8-sig"),
        ("单位编码,单位名称\n910001,巨鹿县巨鹿镇人民政府本级\n910002,\n", "utf-8"),
        ("unit_code,unit_name\n910001,巨鹿县巨鹿镇人民政府本级\n910002,\n", "utf-8-sig"),
        ("单位名称,单位编码\r\n巨鹿县巨鹿镇人民政府本级,910001\r\n,910002\r\n", "gbk"),
    ],
)
def test_expected_list_encodings_and_headers(tmp_path: Path, text: str, encoding: str) -> None:
    f = tmp_path / "units.csv"
    f.write_bytes(text.encode(encoding))
    assert load_expected(f) == [("910001", "巨鹿县巨鹿镇人民政府本级"), ("910002", None)]


def test_expected_list_without_a_code_header_says_which_headers(tmp_path: Path) -> None:
    from perfxl.errors import DataError

    f = tmp_path / "units.csv"
    f.write_bytes("编号,名称\n910001,x\n".encode("gbk"))
    with pytest.raises(DataError, match="单位编码,单位名称"):
        load_expected(f)


# --- what consolidate says and when ----------------------------------------------------------


def test_report_gives_counts_not_walls_of_names() -> None:
    from perfxl.commands.consolidate import report_text

    report = {
        "summary": "s.xlsx",
        "tables": None,
        "units": 9,
        "projects": 180,
        "budget": 7923.85,
        "budget_exact": "7923.85",
        "plan_percent": {"3月底": 15.71},
        "errors": 0,
        "warnings": 0,
        "missing_units": [{"unit_code": f"9{i:05d}", "unit_name": "某镇"} for i in range(30)],
        "superseded_files": [f"/county/b{i}/910001-巨鹿镇.xlsx" for i in range(191)],
        "summaries_not_read": [],
        "unusable_files": [
            {"file": f"/county/bad{i}.xlsx", "status": "无法读取", "reason": "文件已损坏"}
            for i in range(25)
        ],
    }
    text = report_text(report)
    assert "被新版本替代的文件 191 个" in text
    assert "910001-巨鹿镇.xlsx" not in text
    assert text.count("/county/bad") == 10 and "另有 15 个文件无法使用" in text
    assert "未提交（30）" in text and "等 30 个" in text
    assert len(text.splitlines()) < 20


def test_time_estimate_is_sane_from_the_start() -> None:
    """200 files, 2 workers, 12 files a task, 0.2 s a file, 4 s to start: the job takes about
    24 s. Every estimate shown is within a factor 1.5 of the truth, or 3 s near the end (click's
    bar first said 14 minutes for such a job)."""
    from perfxl.consolidate.progress import Estimate
    from perfxl.consolidate.run import plan_for

    plan = plan_for(200, jobs=2)
    assert (plan.workers, plan.chunk) == (2, 12)
    chunks = [min(plan.chunk, 200 - i) for i in range(0, 200, plan.chunk)]
    free = [4.0] * plan.workers  # when each worker is next free
    events = []
    for n in chunks:  # the pool hands the next chunk to the first worker free
        w = free.index(min(free))
        free[w] += n * 0.2
        events.append((free[w], n))
    events.sort()
    end = events[-1][0]
    est = Estimate(plan.files, plan.first_round)
    assert est.remaining(0, 0.0) is None
    done, shown = 0, []
    for t, n in events:
        done += n
        left = est.remaining(done, t)
        if left is not None and done < plan.files:
            shown.append((done, left, end - t))
    assert shown and shown[0][0] <= plan.first_round * 2  # an estimate early on
    for _done, left, truth in shown:
        assert truth / 1.5 - 3 <= left <= truth * 1.5 + 3
        if truth > 6:
            assert truth / 1.5 <= left <= truth * 1.5


def test_time_estimate_in_one_process() -> None:
    from perfxl.consolidate.progress import Estimate, format_seconds

    est = Estimate(100, 1)
    assert est.remaining(1, 3.0) is None  # the first file carries the start-up cost
    assert est.remaining(2, 3.4) == pytest.approx(0.4 * 98)
    assert est.remaining(100, 50.0) == 0.0
    assert [format_seconds(x) for x in (0.2, 40, 130, 4000)] == [
        "约 1 秒",
        "约 40 秒",
        "约 2 分钟",
        "约 1 小时 7 分钟",
    ]


def test_output_lock_is_checked_before_reading_any_input(
    tmp_path: Path, books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfxl.consolidate import run
    from perfxl.errors import WriteError

    def never(*a: Any, **k: Any) -> Any:
        raise AssertionError("an input was read before the output was checked")

    monkeypatch.setattr(run, "read_all", never)
    out = tmp_path / "s.xlsx"
    (tmp_path / "~$s.xlsx").write_bytes(b"owner")
    with pytest.raises(WriteError):
        consolidate([books], out, Options(jobs=1))


def test_validate_reports_a_summary_in_a_folder_instead_of_failing_it(
    tmp_path: Path, books: Path
) -> None:
    folder = _copy(books, tmp_path / "in")
    consolidate([folder], folder / "上次汇总.xlsx", Options(jobs=1))
    res = CliRunner().invoke(main, ["validate", str(folder)])
    assert (
        "上次汇总.xlsx：这是 perfxl consolidate 生成的汇总表，不是单位报送的工作簿，未校验。"
        in res.stderr
    )
    assert "共 2 个文件" in res.stdout
    assert res.exit_code != 2


def test_publish_leaves_a_summary_in_a_folder_out_without_failing(
    tmp_path: Path, books: Path
) -> None:
    folder = _copy(books, tmp_path / "in")
    consolidate([folder], folder / "上次汇总.xlsx", Options(jobs=1))
    res = CliRunner().invoke(main, ["publish", str(folder), "-o", str(tmp_path / "c.docx")])
    assert res.exit_code == 0, res.output
    assert (
        "上次汇总.xlsx：这是 perfxl consolidate 生成的汇总表，不是单位报送的工作簿，未收入。"
        in res.output
    )


def test_a_summary_too_large_for_a_townships_limits_is_still_reported_not_read(
    tmp_path: Path, books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large summary found in the folder (a province's, say) passes the default limits no
    more than a zip bomb does: it is still listed as a summary, not as an unsafe file; a file
    that is not a perfxl summary is refused as before."""
    import dataclasses
    import zipfile

    from perfxl import safety

    folder = _copy(books, tmp_path / "in")
    consolidate([folder], folder / "上次汇总.xlsx", Options(jobs=1))

    def largest(path: Path) -> int:
        with zipfile.ZipFile(path) as z:
            return max(i.file_size for i in z.infolist())

    township = max(largest(folder / f"{c}.xlsx") for c, _ in UNITS)
    assert largest(folder / "上次汇总.xlsx") > township
    with (
        zipfile.ZipFile(folder / "910001.xlsx") as src,
        zipfile.ZipFile(folder / "附件.xlsx", "w", zipfile.ZIP_DEFLATED) as dst,
    ):  # a workbook with a member as large as the summary's: not a summary
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("xl/media/big.xml", b"<a>" + b"x" * largest(folder / "上次汇总.xlsx"))
    small = dataclasses.replace(safety.DEFAULT_LIMITS, max_part_bytes=township)
    monkeypatch.setattr(safety, "DEFAULT_LIMITS", small)
    again = consolidate([folder], tmp_path / "new.xlsx", Options(jobs=1))
    by_name = _files(again)
    assert by_name["上次汇总.xlsx"]["file_status"] == K.SUMMARY_SKIPPED
    assert "直接给出" in by_name["上次汇总.xlsx"]["note"]
    assert by_name["附件.xlsx"]["file_status"] == K.UNREADABLE
    assert "上限" in by_name["附件.xlsx"]["note"]
    assert {by_name[f"{c}.xlsx"]["file_status"] for c, _ in UNITS} == {K.USED}
