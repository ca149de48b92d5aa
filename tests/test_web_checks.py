"""Issue 16: what the web app asks of perfxl about an upload (perfxl.web.checks, charts, export).

Uploads are stored under their sha256 without an extension; every test here hands the
functions such a file (`_blob`) with the uploader's name beside it, as the app does. Expected
values come from the command line run on the same files (`perfxl validate`, `perfxl
consolidate`, `perfxl diff`), never from the functions under test.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import pickle
import re
import shutil
import zipfile
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pytest
from books import bad_corpus
from click.testing import CliRunner
from conftest import EXAMPLES

from perfxl.cli import main
from perfxl.config import ConfigError
from perfxl.errors import PerfxlError
from perfxl.web import annotated, blank, charts, checks, export, staging, summary
from perfxl.web.rows import MAX_ROWS

# A path that climbs out of a folder, as a hostile upload names it.
CLIMB = "/".join(["..", "..", "etc", "passwd"])

COUNTY = EXAMPLES / "county"
SUYING = EXAMPLES / "suying-2023.xlsx"
MONITORING = EXAMPLES / "suying-2023-monitoring.xlsx"
EVALUATION = EXAMPLES / "suying-2023-evaluation.xlsx"
JULU = COUNTY / "910001-巨鹿镇.xlsx"
WANG = COUNTY / "910002-王虎寨镇.xlsx"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _blob(src: Path, root: Path) -> Path:
    """``src`` stored as the app stores an upload: ``blobs/ab/<sha256>``, no extension."""
    data = src.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    dest = root / "blobs" / digest[:2] / digest
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    return dest


def _run(args: list[str]) -> Any:
    return CliRunner().invoke(main, args, catch_exceptions=False)


def _check_args(**kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "stage": "targets",
        "unit_code": "910001",
        "unit_name": "巨鹿镇",
        "year": 2023,
        "config_text": None,
        "previous": None,
    }
    return {**args, **kw}


def _check(path: Path, name: str, **kw: Any) -> dict[str, Any]:
    return checks.check_submission(path, name, **_check_args(**kw))


def _in_spawned_worker(
    path: Path, name: str, refuse_as: str | None = None, **kw: Any
) -> tuple[str | None, dict[str, Any]]:
    """`refuse_reason` (of ``path`` named ``refuse_as``, else ``name``) and `check_submission`
    run as the app runs them: in a spawned worker process (nothing inherited from the tests)."""
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        refused = pool.submit(checks.refuse_reason, path, refuse_as or name).result(timeout=120)
        checked = pool.submit(checks.check_submission, path, name, **_check_args(**kw))
        return refused, checked.result(timeout=120)


def _no_temp_path(text: str, *folders: Path) -> None:
    assert "perfxl-web-" not in text
    for f in folders:
        assert str(f) not in text


LINE_CHART = {
    "kind": "line",
    "title": "累计支出计划进度与序时进度（全部单位，%）",
    "unit": "%",
    "max": 100,
    "labels": ["3月底", "6月底", "10月底", "12月底"],
    "series": [
        {"name": "全部单位累计计划进度（%）", "values": [25.85, 42.53, 78.89, 100.0]},
        {"name": "序时进度（%）", "values": [25.0, 50.0, 83.33, 100.0]},
    ],
}


def test_line_chart_labels_keep_off_the_other_line_and_the_legend_draws_lines() -> None:
    """Each value label of the plan line sits clear of the dashed 序时 line at its x (the
    reviewer's chart had 42.53 and 78.89 printed across it); the legend shows a line sample
    for each line series, a box only for bars."""
    import xml.etree.ElementTree as ET

    ns = {"s": "http://www.w3.org/2000/svg"}
    root = ET.fromstring(charts.one_chart(LINE_CHART))
    points = root.findall("s:circle[@data-series]", ns)
    dashed = {
        c.get("data-label"): float(c.get("cy") or 0)
        for c in points
        if c.get("data-series") == "序时进度（%）"
    }
    plan = [c for c in points if c.get("data-series") == "全部单位累计计划进度（%）"]
    labels = root.findall("s:text[@class='value-label']", ns)
    assert len(labels) == len(plan) == 4
    for circle, text in zip(plan, labels, strict=True):
        base = float(text.get("y") or 0)
        top, bottom = base - 12, base + 3  # the digits' box
        other = dashed[circle.get("data-label")]
        assert not top <= other <= bottom, (text.text, base, other)
        assert text.text == charts.number(float(circle.get("data-value") or 0), "%")
    legend_lines = root.findall("s:line[@class='legend-line']", ns)
    assert len(legend_lines) == 2 and not root.findall("s:rect[@class='legend-bar']", ns)
    assert legend_lines[0].get("stroke-dasharray") is None  # the plan: a solid line
    assert legend_lines[1].get("stroke-dasharray")  # 序时: dashed, as drawn
    bars = ET.fromstring(
        charts.one_chart(
            {
                "kind": "bar",
                "title": "预算",
                "labels": ["甲"],
                "series": [{"name": "预算数", "values": [1.0]}],
            }
        )
    )
    assert bars.findall("s:rect[@class='legend-bar']", ns)


# ----------------------------------------------------------------------------- refuse


@pytest.mark.parametrize(
    "src", [SUYING, MONITORING, EVALUATION, JULU, COUNTY / "910006-小吕寨镇-v1.xlsx"]
)
def test_workbooks_of_every_stage_are_accepted(src: Path, tmp_path: Path) -> None:
    assert checks.refuse_reason(_blob(src, tmp_path), src.name) is None


def test_refusals_name_the_uploaded_file_in_chinese(tmp_path: Path) -> None:
    blob = _blob(SUYING, tmp_path)
    msg = checks.refuse_reason(blob, "C:\\Users\\张三\\桌面\\目标表.docx")
    assert msg is not None and "“目标表.docx”" in msg and ".xlsx" in msg and "张三" not in msg
    msg = checks.refuse_reason(blob, "目标表")
    assert msg is not None and "没有扩展名" in msg

    small = checks.refuse_reason(blob, "大文件.xlsx", max_bytes=1000)
    assert small is not None and "“大文件.xlsx”" in small and "超过上传上限" in small

    text = tmp_path / "upload-1.part"
    text.write_text("项目编码,项目名称\n1,2\n", encoding="utf-8")
    msg = checks.refuse_reason(text, "报表.xlsx")
    assert msg is not None and msg.startswith("“报表.xlsx”") and "纯文本" in msg
    _no_temp_path(msg, tmp_path)

    owner = checks.refuse_reason(blob, "~$目标表.xlsx")  # Excel's lock file, by its name
    assert owner is not None and "临时锁定文件" in owner

    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "会议记录"
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    msg = checks.refuse_reason(_blob(plain, tmp_path), "会议记录.xlsx")
    assert msg is not None and "不是绩效目标工作簿" in msg and "会议记录.xlsx" in msg


def test_an_uploader_s_name_is_only_a_label(tmp_path: Path) -> None:
    assert staging.display_name(CLIMB + ".xlsx") == "passwd.xlsx"
    assert staging.display_name("a\x00b\n.xlsx") == "a_b_.xlsx"
    assert staging.display_name("") == "上传的文件"
    blob = _blob(JULU, tmp_path)
    long_name = "巨鹿镇" * 120 + ".xlsx"  # 1,080 bytes: no file system takes it as a name
    assert checks.refuse_reason(blob, long_name) is None
    result = _check(blob, CLIMB.removesuffix("etc/passwd") + long_name)
    assert result["status"] == "done" and result["unit_code"] == "910001"
    assert not (tmp_path.parent / "etc").exists()


def test_a_file_named_xls_holding_xlsx_is_read_as_what_it_is(tmp_path: Path) -> None:
    blob = _blob(SUYING, tmp_path)
    assert checks.refuse_reason(blob, "苏营镇.xls") is None
    result = _check(blob, "苏营镇.xls", unit_code="910001")
    assert result["status"] == "done" and result["projects"] == 19


# ----------------------------------------------------------------------------- check


def _planted(tmp_path: Path) -> Path:
    """The Julu workbook with faults planted in its first project sheet."""
    from openpyxl import load_workbook

    out = tmp_path / "planted.xlsx"
    shutil.copyfile(JULU, out)
    wb = load_workbook(out)
    ws = wb.worksheets[2]
    ws["C4"] = 9999  # 预算数 no longer the funds' sum nor the 12月底 plan
    ws["C7"] = 1  # 6月底 below 3月底
    wb.save(out)
    return out


def test_problems_are_validate_s_errors_first_with_their_rows(tmp_path: Path) -> None:
    book = _planted(tmp_path)
    result = _check(_blob(book, tmp_path), "巨鹿镇.xlsx")
    json.dumps(result)  # JSON-able as stored
    pickle.dumps(result)
    assert result["status"] == "done" and result["message"] is None

    cli = json.loads(_run(["validate", "--format", "json", str(book)]).stdout)
    want = [(p["rule"], p["sheet"], p["cell"], p["severity"]) for p in cli["problems"]]
    got = [(p["rule"], p["sheet"], p["cell"], p["severity"]) for p in result["problems"]]
    assert sorted(got, key=repr) == sorted(want, key=repr)
    assert (result["errors"], result["warnings"], result["infos"]) == (
        cli["errors"],
        cli["warnings"],
        cli["infos"],
    )
    messages = {(p["sheet"], p["cell"], p["rule"]): p["message"] for p in cli["problems"]}
    for p in result["problems"]:  # message + advice is validate's message, whole
        assert p["message"] + (p["fix"] or "") == messages[(p["sheet"], p["cell"], p["rule"])]
        assert (
            p["severity_zh"] == {"error": "错误", "warning": "警告", "info": "提示"}[p["severity"]]
        )

    ranks = [{"error": 0, "warning": 1, "info": 2}[p["severity"]] for p in result["problems"]]
    assert ranks == sorted(ranks) and result["errors"] >= 3
    rules = {p["rule"] for p in result["problems"] if p["severity"] == "error"}
    assert {"amount.funds_sum", "plan.decreasing", "plan.dec_budget"} <= rules

    sheet = result["problems"][0]["sheet"]
    rows = {(r["sheet"], r["row"]): r for r in result["rows"]}
    assert (sheet, 4) in rows and (sheet, 7) in rows
    budget = {c["ref"]: c for c in rows[(sheet, 4)]["cells"]}
    assert budget["C4"]["value"] == "9999" and budget["B4"]["value"] == "预算数"
    assert budget["E4"]["marked"] and budget["E4"]["severity"] == "error"  # the funds' sum
    assert not budget["C4"]["marked"] and budget["C4"]["severity"] is None
    plan = {c["ref"]: c for c in rows[(sheet, 7)]["cells"]}
    assert plan["C7"]["value"] == "1" and plan["C7"]["marked"]
    assert len(result["rows"]) <= MAX_ROWS


def test_fix_is_split_off_at_the_advice() -> None:
    assert checks.split_fix("金额不是数字。请只填写数字。") == ("金额不是数字。", "请只填写数字。")
    assert checks.split_fix("12月底应等于预算数，请更正其中之一。") == (
        "12月底应等于预算数，请更正其中之一。",
        None,
    )


def test_round_problems_stage_unit_and_year(tmp_path: Path) -> None:
    result = _check(
        _blob(WANG, tmp_path),
        "王虎寨镇.xlsx",
        stage="monitoring",
        unit_code="910001",
        unit_name="巨鹿镇",
        year=2024,
    )
    web = {p["rule"]: p for p in result["problems"] if p["rule"].startswith("web.")}
    assert set(web) == {"web.stage_mismatch", "web.unit_mismatch", "web.year_mismatch"}
    assert all(p["severity"] == "error" for p in web.values())
    assert "本轮收集的是绩效运行监控表，上传的是绩效目标表" in web["web.stage_mismatch"]["message"]
    unit = web["web.unit_mismatch"]
    assert "910002（巨鹿县王虎寨镇人民政府本级）" in unit["message"]
    assert "本链接属于 910001（巨鹿镇）" in unit["message"]
    assert (unit["sheet"], unit["cell"]) == ("封面", "B3")
    assert "2023" in web["web.year_mismatch"]["message"]
    assert "2024" in web["web.year_mismatch"]["message"]
    assert result["problems"][0]["rule"] == "web.stage_mismatch"  # file level, first
    cli = json.loads(_run(["validate", "--format", "json", str(WANG)]).stdout)
    assert result["errors"] == cli["errors"] + 3

    # The link's code and a short name (简称) of the file's 单位名称: the same unit.
    right = _check(_blob(WANG, tmp_path), "王虎寨镇.xlsx", unit_code="910002", unit_name="王虎寨镇")
    assert not [p for p in right["problems"] if p["rule"].startswith("web.")]

    mon = _check(_blob(MONITORING, tmp_path), "监控.xlsx", stage="monitoring")
    assert mon["stage"] == "monitoring" and mon["month"] == 7
    assert not [p for p in mon["problems"] if p["rule"] == "web.stage_mismatch"]
    ev = _check(_blob(EVALUATION, tmp_path), "自评.xlsx", stage="targets")
    stage = next(p for p in ev["problems"] if p["rule"] == "web.stage_mismatch")
    assert "上传的是2023年度绩效自评表" in stage["message"]


def test_the_links_code_with_another_units_name_is_a_warning(tmp_path: Path) -> None:
    """王虎寨镇's workbook says 910002 but the link of 910002 was sent to 巨鹿镇 (or the clerk
    copied another unit's cover): a warning naming both names; a 简称 or 全称 is no warning."""
    blob = _blob(WANG, tmp_path)
    cli = json.loads(_run(["validate", "--format", "json", str(WANG)]).stdout)
    result = _check(blob, "王虎寨镇.xlsx", unit_code="910002", unit_name="巨鹿县巨鹿镇人民政府本级")
    web = [p for p in result["problems"] if p["rule"].startswith("web.")]
    assert [p["rule"] for p in web] == ["web.unit_name_mismatch"]
    (name,) = web
    assert name["severity"] == "warning" and name["severity_zh"] == "警告"
    assert "巨鹿县王虎寨镇人民政府本级" in name["message"]
    assert "巨鹿县巨鹿镇人民政府本级" in name["message"] and "910002" in name["message"]
    assert name["sheet"] == "封面" and name["cell"]
    assert (result["errors"], result["warnings"]) == (cli["errors"], cli["warnings"] + 1)
    from perfxl.web import views

    assert views.rule_title(name["rule"], [name]) == "单位名称与上传链接不符"  # its group
    for same in (
        "王虎寨镇",
        "巨鹿县王虎寨镇人民政府本级",
        " 巨鹿县王虎寨镇人民政府本级 ",
        None,
        "",
    ):
        ok = _check(blob, "王虎寨镇.xlsx", unit_code="910002", unit_name=same)
        assert not [p for p in ok["problems"] if p["rule"].startswith("web.")], same


def test_a_code_typed_as_a_number_and_a_year_with_its_unit_match(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = tmp_path / "typed.xlsx"
    wb = load_workbook(JULU)
    wb["封面"]["B3"] = 910001  # a number, as a clerk's Excel may store it
    wb["封面"]["B5"] = "2023年"
    wb.save(book)
    result = _check(_blob(book, tmp_path), "巨鹿镇.xlsx")
    assert not [p for p in result["problems"] if p["rule"].startswith("web.")]
    other = _check(_blob(book, tmp_path), "巨鹿镇.xlsx", unit_code="910002", year=2024)
    rules = {p["rule"] for p in other["problems"]}
    assert {"web.unit_mismatch", "web.year_mismatch"} <= rules


def test_the_round_config_is_used(tmp_path: Path) -> None:
    blob = _blob(JULU, tmp_path)
    plain = _check(blob, "巨鹿镇.xlsx")
    rule = next(p["rule"] for p in plain["problems"] if p["severity"] == "warning")
    toml = f'[rules]\ndisabled = ["{rule}"]\n'
    off = _check(blob, "巨鹿镇.xlsx", config_text=toml)
    assert rule not in {p["rule"] for p in off["problems"]}
    assert off["warnings"] < plain["warnings"]
    as_json = json.dumps({"rules": {"severity": {rule: "error"}}})
    up = _check(blob, "巨鹿镇.xlsx", config_text=as_json)
    assert up["errors"] > plain["errors"]

    cfg = tmp_path / "county.toml"
    cfg.write_text(toml, encoding="utf-8")
    cli = json.loads(_run(["validate", "--format", "json", "--config", str(cfg), str(JULU)]).stdout)
    assert (off["errors"], off["warnings"]) == (cli["errors"], cli["warnings"])

    with pytest.raises(ConfigError) as info:
        staging.config_from_text("[rules]\nunknown_key = 1\n")
    assert info.value.message.startswith("本轮的县级配置有误：")
    assert "unknown_key" in info.value.message and str(info.value) == info.value.message
    failed = _check(blob, "巨鹿镇.xlsx", config_text="not = [toml")
    assert failed["status"] == "failed" and "本轮的县级配置有误" in failed["message"]
    _no_temp_path(failed["message"], tmp_path)


def test_changes_since_the_previous_version_are_perfxl_diff_s(tmp_path: Path) -> None:
    v1, v2 = COUNTY / "910006-小吕寨镇-v1.xlsx", COUNTY / "910006-小吕寨镇-v2.xlsx"
    result = _check(
        _blob(v2, tmp_path), "v2.xlsx", unit_code="910006", previous=_blob(v1, tmp_path)
    )
    cli = json.loads(_run(["diff", str(v1), str(v2), "--format", "json"]).stdout)
    changes = result["changes"]
    assert changes["summary"] == cli["summary"] and changes["total"] == len(cli["changes"])
    assert [i["text"] for i in changes["items"]][:3] and not changes["equal"]
    first = cli["changes"][0]
    assert changes["items"][0]["cell"] == (first["new_cell"] or first["old_cell"])
    assert _check(_blob(v2, tmp_path), "v2.xlsx", unit_code="910006")["changes"] is None
    same = _check(_blob(v2, tmp_path), "v2.xlsx", previous=_blob(v2, tmp_path))
    assert same["changes"]["equal"] and same["changes"]["summary"] == "内容相同，没有改动。"


def test_an_unreadable_upload_fails_with_a_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_bytes(b"PK\x03\x04 truncated")
    result = _check(bad, "坏文件.xlsx")
    assert result["status"] == "failed" and result["message"].startswith("“坏文件.xlsx”")
    assert result["problems"] == [] and result["errors"] == 0
    _no_temp_path(result["message"], tmp_path)


def test_checks_run_in_a_spawned_worker_process(tmp_path: Path) -> None:
    blob = _blob(_planted(tmp_path), tmp_path)
    refused, result = _in_spawned_worker(blob, "巨鹿镇.xlsx", refuse_as="a.txt")
    assert refused is not None and "a.txt" in refused
    assert result == _check(blob, "巨鹿镇.xlsx")


# ----------------------------------------------------------------------------- annotate


def _results_sheet(path: Path) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return [tuple(r) for r in wb["校验结果"].iter_rows(values_only=True)]


def _comments(path: Path) -> dict[tuple[str, str], str]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return {
        (ws.title, c.coordinate): c.comment.text
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.comment is not None
    }


def test_annotated_copy_has_validate_annotate_s_marks(tmp_path: Path) -> None:
    book = _planted(tmp_path)
    named = tmp_path / "cli" / "巨鹿镇.xlsx"
    named.parent.mkdir()
    shutil.copyfile(book, named)
    cli_out = tmp_path / "cli" / "标注.xlsx"
    _run(["validate", str(named), "--annotate", str(cli_out)])

    out = annotated.annotated_copy(_blob(book, tmp_path), "巨鹿镇.xlsx", None, tmp_path / "a.tmp")
    assert out == tmp_path / "a.xlsx" and out.exists()
    assert _comments(out) == _comments(cli_out) and _comments(out)
    mine, theirs = _results_sheet(out), _results_sheet(cli_out)
    assert len(mine) == len(theirs) > 3
    texts = {v for row in mine for v in row if isinstance(v, str)}
    assert any("与预算数" in t for t in texts)
    src = json.loads(_run(["export", str(book)]).stdout)
    assert json.loads(_run(["export", str(out)]).stdout) == src  # values never change

    text = tmp_path / "plain.txt"
    text.write_text("不是工作簿", encoding="utf-8")
    with pytest.raises(PerfxlError) as info:
        annotated.annotated_copy(_blob(text, tmp_path), "x.xlsx", None, tmp_path / "b.xlsx")
    assert str(info.value).startswith("“x.xlsx”：") and not (tmp_path / "b.xlsx").exists()
    _no_temp_path(str(info.value), tmp_path)


# ----------------------------------------------------------------------------- summary


def _sheet(path: Path, name: str) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    return [tuple(r) for r in wb[name].iter_rows(values_only=True)]


def test_build_summary_is_perfxl_consolidate(tmp_path: Path) -> None:
    from perfxl.inputs import load_expected

    chosen = [p for p in sorted(COUNTY.glob("*.xlsx")) if p.name != "910006-小吕寨镇-v1.xlsx"]
    chosen = [p for p in chosen if not p.name.startswith("910009")]
    files = [(_blob(p, tmp_path), p.name) for p in chosen]
    out = tmp_path / "web" / "汇总.xlsx"
    out.parent.mkdir()
    figures = summary.build_summary(
        files, expected=load_expected(COUNTY / "units.csv"), config_text=None, out=out
    )
    json.dumps(figures)
    pickle.dumps(figures)

    inbox = tmp_path / "cli"
    inbox.mkdir()
    for p in chosen:
        shutil.copyfile(p, inbox / p.name)
    cli_out = tmp_path / "cli-汇总.xlsx"
    r = _run(
        [
            "consolidate",
            str(inbox),
            "-o",
            str(cli_out),
            "--expected",
            str(COUNTY / "units.csv"),
            "--format",
            "json",
        ]
    )
    cli = json.loads(r.stdout)
    assert figures["exit_code"] == r.exit_code == cli["exit_code"] == 1
    for key in ("units", "projects", "budget", "plan_percent", "errors", "warnings"):
        assert figures["report"][key] == cli[key], key
    assert figures["missing"] == [
        {"code": m["unit_code"], "name": m["unit_name"]} for m in cli["missing_units"]
    ]
    assert [m["code"] for m in figures["missing"]] == ["910009", "910010"]

    # every sheet holds the same values (the 说明 sheet's time and folder aside, and the
    # 校验问题 links, which point into the folder read)
    for sheet in ("汇总", "乡镇合计", "指标明细", "图表"):
        assert _sheet(out, sheet) == _sheet(cli_out, sheet), sheet
    assert [r[:-1] for r in _sheet(out, "校验问题")] == [
        r[:-1] for r in _sheet(cli_out, "校验问题")
    ]
    units = _sheet(cli_out, "乡镇合计")
    head = units[0]
    rows = [dict(zip(head, r, strict=True)) for r in units[1:] if r[0] == "单位"]
    assert [
        (u["code"], u["name"], u["projects"], u["budget"], u["errors"], u["warnings"])
        for u in figures["units"]
    ] == [
        (r["单位编码"], r["单位名称"], r["项目数"], r["预算数"], r["错误数"], r["警告数"])
        for r in rows
    ]
    assert [u["file"] for u in figures["units"]] == [p.name for p in chosen]
    assert figures["totals"]["budget"] == cli["budget"]

    bars = next(c for c in figures["charts"] if c["title"] == "各单位预算数（万元）")
    assert bars["series"][0]["values"] == [r["预算数"] for r in rows]
    assert bars["labels"] == [r["单位名称"] for r in rows]
    svg = charts.chart_svg(figures)
    drawn = re.findall(r'data-series="预算数（万元）" data-label="[^"]*" data-value="([^"]+)"', svg)
    assert [float(v) for v in drawn] == [r["预算数"] for r in rows]
    chart_sheet = _sheet(cli_out, "图表")
    line = next(c for c in figures["charts"] if c["kind"] == "line")
    assert line["series"][0]["values"] == [r[1] for r in chart_sheet[1:5]]
    assert "<script" not in svg and "各单位预算数（万元）" in svg
    assert not list(out.parent.glob(".perfxl-summary-*"))  # the private folder is gone
    about = dict(r[:2] for r in _sheet(out, "说明") if r and r[0])
    assert about["输入"] == "报送" and about["应报单位名单"] == "应报单位.csv"


@pytest.mark.parametrize(("src", "stage"), [(MONITORING, "monitoring"), (EVALUATION, "evaluation")])
def test_build_summary_of_later_stages(tmp_path: Path, src: Path, stage: str) -> None:
    out = tmp_path / "s.xlsx"
    figures = summary.build_summary(
        [(_blob(src, tmp_path), "910001-苏营镇-v1.xlsx")],
        expected=[("910001", "苏营镇"), ("910002", "某镇")],
        config_text=None,
        out=out,
    )
    cli_in = tmp_path / "cli"
    cli_in.mkdir()
    shutil.copyfile(src, cli_in / "910001-苏营镇-v1.xlsx")
    units = tmp_path / "units.csv"
    units.write_text("单位编码,单位名称\n910001,苏营镇\n910002,某镇\n", encoding="utf-8")
    r = _run(
        [
            *("consolidate", str(cli_in), "-o", str(tmp_path / "c.xlsx")),
            *("--expected", str(units), "--format", "json"),
        ]
    )
    cli = json.loads(r.stdout)
    assert figures["stage"] == cli["stage"] == stage
    assert figures["missing"] == [{"code": "910002", "name": "某镇"}]
    unit = figures["units"][0]
    svg = charts.chart_svg(figures)
    if stage == "monitoring":
        assert unit["rate"] == cli["rate"] and figures["totals"]["rate"] == cli["rate"]
        assert unit["lights"] == cli["lights"]
        sheet = _sheet(tmp_path / "c.xlsx", "执行率图表")
        assert figures["charts"][0]["series"][0]["values"] == [sheet[1][1]]
        assert f'data-value="{sheet[1][1]!r}"' in svg
    else:
        assert unit["average"] == cli["average"] == figures["totals"]["average"]
        assert unit["levels"] == cli["levels"]
        sheet = _sheet(tmp_path / "c.xlsx", "等级分布")
        assert figures["charts"][0]["series"][0]["values"] == [sheet[1][1]]


def test_build_summary_without_uploads_says_so(tmp_path: Path) -> None:
    with pytest.raises(PerfxlError) as info:
        summary.build_summary(
            [], expected=[("910001", None)], config_text=None, out=tmp_path / "s.xlsx"
        )
    assert "还没有单位上传" in info.value.message
    assert not (tmp_path / "s.xlsx").exists()


# ----------------------------------------------------------------------------- template


def test_template_for_each_stage(tmp_path: Path) -> None:
    from perfxl.read import read_workbook

    t = blank.template_for("targets", 2024, tmp_path / "t.xlsx", None, unit_code="910001")
    res = read_workbook(t)
    assert res.targets.stage == "targets" and res.targets.year == 2024
    assert res.targets.unit.code == "910001"

    m = blank.template_for("monitoring", 2023, tmp_path / "m.xlsx", _blob(SUYING, tmp_path))
    mon = read_workbook(m).targets
    assert mon.stage == "monitoring" and len(mon.projects) == 19

    e = blank.template_for("evaluation", 2023, tmp_path / "e.xlsx", _blob(MONITORING, tmp_path))
    assert read_workbook(e).targets.stage == "evaluation"

    with pytest.raises(PerfxlError) as info:
        blank.template_for("monitoring", 2023, tmp_path / "x.xlsx", None)
    assert "绩效目标表" in info.value.message and "上传" in info.value.message
    assert not (tmp_path / "x.xlsx").exists()
    text = tmp_path / "text.csv"
    text.write_text("项目编码,项目名称\n", encoding="utf-8")
    with pytest.raises(PerfxlError) as bad:
        blank.template_for("monitoring", 2023, tmp_path / "y.xlsx", _blob(text, tmp_path))
    _no_temp_path(str(bad.value), tmp_path)
    assert CJK.search(str(bad.value)) and bad.value.path is None


# ----------------------------------------------------------------------------- export


def _entries(tmp_path: Path) -> list[dict[str, Any]]:
    from datetime import datetime

    out = []
    for n, (src, code, name) in enumerate(
        [
            (COUNTY / "910006-小吕寨镇-v1.xlsx", "910006", "小吕寨镇"),
            (COUNTY / "910006-小吕寨镇-v2.xlsx", "910006", "小吕寨镇"),
            (WANG, "910002", "王虎寨/镇"),
        ]
    ):
        blob = _blob(src, tmp_path)
        out.append(
            {
                "path": blob,
                "unit_code": code,
                "unit_name": name,
                "number": 1 if n != 1 else 2,
                "sha256": blob.name,
                "size": blob.stat().st_size,
                "ext": ".xlsx",
                "original_name": src.name,
                "uploaded_at": datetime(2026, 7, 1, 8, n, 0, tzinfo=UTC),
                "status": "done",
                "errors": n,
                "warnings": 10 + n,
                "late": n == 1,  # the second version came in after the deadline
            }
        )
    return out


def test_export_zip_hashes_verify(tmp_path: Path) -> None:
    entries = _entries(tmp_path)
    out = export.export_round(entries, tmp_path / "导出.zip")
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert names[:3] == [
            f"910006-小吕寨镇/v1-{entries[0]['sha256'][:12]}.xlsx",
            f"910006-小吕寨镇/v2-{entries[1]['sha256'][:12]}.xlsx",
            f"910002-王虎寨_镇/v1-{entries[2]['sha256'][:12]}.xlsx",
        ]
        sums = zf.read("SHA256SUMS").decode("utf-8").splitlines()
        assert len(sums) == 4
        for line in sums:
            digest, name = line.split("  ", 1)
            assert hashlib.sha256(zf.read(name)).hexdigest() == digest
        for e, name in zip(entries, names, strict=False):
            assert zf.read(name) == Path(e["path"]).read_bytes()
        raw = zf.read("清单.csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == list(export.HEADERS)
    assert rows[2][:4] == ["910006", "小吕寨镇", "2", "2026-07-01 08:01:00 UTC"]
    assert rows[2][6] == entries[1]["sha256"] and rows[2][7:] == ["已检查", "1", "11", "逾期"]
    assert [r[-1] for r in rows[1:]] == ["", "逾期", ""]


def test_export_refuses_a_damaged_store(tmp_path: Path) -> None:
    entries = _entries(tmp_path)
    Path(entries[1]["path"]).write_bytes(b"changed")
    with pytest.raises(PerfxlError) as info:
        export.export_round(entries, tmp_path / "导出.zip")
    assert "910006" in info.value.message and "SHA-256" in info.value.message
    assert not (tmp_path / "导出.zip").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".导出.zip")]


# ----------------------------------------------------------------------------- hostile


mbc = bad_corpus()
CASES = {c.name: c for c in mbc.CORPUS}


@pytest.fixture(scope="module")
def corpus(hostile_corpus: Path) -> Path:
    """The bad-input corpus (tools/make_bad_corpus.py), made once a session
    (tests/conftest.py) and only read here."""
    return hostile_corpus


@pytest.mark.libreoffice
def test_hostile_corpus_refused_or_checked(corpus: Path, tmp_path: Path) -> None:
    refused: dict[str, str] = {}
    for name, case in sorted(CASES.items()):
        blob = _blob(corpus / name, tmp_path)
        msg = checks.refuse_reason(blob, name)
        if case.outcome in ("unreadable", "not_perfxl"):
            assert msg is not None, name
            assert CJK.search(msg) and f"“{staging.display_name(name)}”" in msg, (name, msg)
            _no_temp_path(msg, tmp_path, corpus)
            assert "Traceback" not in msg
            refused[name] = msg
            continue
        assert msg is None, (name, msg)
        result = _check(blob, name, unit_code="920001")
        json.dumps(result)
        assert result["status"] == "done", (name, result["message"])
        for rule in case.rules:
            assert rule in {p["rule"] for p in result["problems"]}, (name, rule)
    assert "压缩炸弹" in refused["bomb.xlsx"] and "实体" in refused["billion-laughs.xlsx"]
    assert "B5" in refused["cell-1mb.xlsx"] and "加密" in refused["encrypted.xlsx"]


@pytest.mark.libreoffice
def test_an_xls_upload_is_annotated_as_xlsx(corpus: Path, tmp_path: Path) -> None:
    blob = _blob(corpus / "legacy.xls", tmp_path)
    out = annotated.annotated_copy(blob, "旧格式.xls", None, tmp_path / "a.xls")
    assert out.suffix == ".xlsx"
    rows = _results_sheet(out)
    result = _check(blob, "旧格式.xls", unit_code="920001")
    located = [p for p in result["problems"] if p["cell"] and not p["rule"].startswith("web.")]
    assert len(rows) >= len(located) > 0
    assert set(_comments(out)) >= {(p["sheet"], p["cell"]) for p in located}
    # a .xls is read in a child of the worker (calamine may abort on a damaged one)
    refused, again = _in_spawned_worker(blob, "旧格式.xls", unit_code="920001")
    assert refused is None and again == result
