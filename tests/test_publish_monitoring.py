"""Issue 13, point 2: ``perfxl publish`` of 绩效运行监控表 writes the monitoring disclosure.

Every document here is a real ``.docx`` written by the CLI and read back with python-docx: each
project's funds table and indicator table is present, its figures are the ones
`perfxl.monitoring` computes (执行率, lights), the summary's unit figures are the county
monitoring summary's, and the lights are there as text (绿/黄/红).
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from docx import Document

from perfxl import monitoring as M
from perfxl.cli import main
from perfxl.consolidate import Options, consolidate
from perfxl.model import Targets
from perfxl.numbers import number, round2
from perfxl.publish import styles as S
from perfxl.read import read_workbook
from perfxl.write.fill import save
from perfxl.write.monitoring import build_monitoring

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "suying-2023-monitoring.xlsx"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TITLE = "巨鹿县苏营镇人民政府本级2023年1-7月项目支出绩效运行监控情况"


def _run(args: list[str | Path]) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _money(value: Any) -> str:
    d = number(value)
    return "" if d is None else f"{round2(d):f}"


def _pct(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}%"


def _light(light: M.Light | None) -> str:
    return "—" if light is None else {"green": "绿", "yellow": "黄", "red": "红"}[light]


def _rows(table: Any) -> list[list[str]]:
    """A table's rows as the text of each written cell (a span is one cell)."""
    return [
        ["".join(t.text or "" for t in tc.iter(f"{W}t")) for tc in tr.findall(f"{W}tc")]
        for tr in table._tbl.iter(f"{W}tr")
    ]


def _body_text(doc: Any) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


@pytest.fixture(scope="module")
def example() -> Targets:
    return read_workbook(EXAMPLE).targets


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("mon") / "苏营镇-监控.docx"
    r = _run(["publish", EXAMPLE, "-o", out])
    assert r.exit_code == 0, r.output
    assert "1 个单位，19 个监控表" in r.stderr
    return out, r


def _unit_copy(t: Targets, code: str, name: str, projects: int) -> Targets:
    """The example's first ``projects`` projects under another unit."""
    d = copy.deepcopy(t)
    d.unit.code, d.unit.name = code, name
    d.projects = d.projects[:projects]
    return d


def _write(t: Targets, path: Path, month: int = 7) -> Path:
    save(build_monitoring(t, month), path)
    return path


def test_every_project_table_holds_perfxl_monitorings_figures(
    published: tuple[Path, Any], example: Targets
) -> None:
    doc = Document(str(published[0]))
    assert doc.core_properties.title == TITLE
    tables = doc.tables
    assert len(tables) == 2 * len(example.projects) == 38
    results = M.monitor(example)
    lights_seen: Counter[str] = Counter()
    for k, (p, res) in enumerate(zip(example.projects, results, strict=True)):
        funds, progress = _rows(tables[2 * k]), _rows(tables[2 * k + 1])
        assert funds[1] == ["项目编码", p.code, "项目名称", p.name]
        assert funds[2][3] == "1-7月执行数"
        m = p.monitoring
        assert m is not None
        for row, key in zip(funds[3:6], ("total", "fiscal", "other"), strict=True):
            f = getattr(m, key)
            assert row[1:6] == [
                _money(f.initial),
                _money(f.adjusted),
                _money(f.executed),
                _pct(res.rates[key].value),
                _money(f.forecast),
            ], (p.name, key)
        assert funds[3][6] == ("" if res.light is None else _light(res.light))
        assert funds[6] == ["年度总体目标", "".join(p.goals)]
        assert funds[7] == ["1-7月目标完成情况", m.progress or ""]
        assert progress[0][4] == "1-7月执行情况" and progress[0][-1] == "预警"
        body = progress[1:]
        assert len(body) == len(p.indicators)
        for row, ind, prog, light in zip(
            body, p.indicators, m.indicators, res.indicator_lights, strict=True
        ):
            assert row[2:9] == [
                ind.level3 or "",
                str(ind.target or ""),
                str(prog.current or ""),
                str(prog.forecast or ""),
                prog.likelihood or "",
                prog.deviation or "",
                prog.remedy or "",
            ]
            assert row[9] == ("" if light is None else _light(light))
            lights_seen[row[9]] += 1
    # The example has one indicator 完全不可能 and a few 有可能: their lights are printed.
    assert lights_seen["红"] == 1 and lights_seen["黄"] >= 1 and lights_seen["绿"] > 100


def test_the_summary_counts_and_rate_are_the_county_summarys(
    published: tuple[Path, Any], example: Targets, tmp_path: Path
) -> None:
    text = _body_text(Document(str(published[0])))
    results = M.monitor(example)
    lights = Counter(r.light for r in results)
    assert f"项目共{len(example.projects)}个" in text
    assert f"绿灯{lights['green']}个、黄灯{lights['yellow']}个、红灯{lights['red']}个" in text
    assert lights["yellow"] + lights["red"] > 0  # the example has projects behind
    ind = Counter(x for r in results for x in r.indicator_lights)
    assert f"确定能的{ind['green']}条（绿）" in text and f"完全不可能的{ind['red']}条（红）" in text
    # The unit's budget, 1-7月执行数 and 执行率 are those of the county monitoring summary.
    c = consolidate([EXAMPLE], tmp_path / "汇总.xlsx", Options(jobs=1))
    unit = c.monitor_units[0]
    assert (
        f"年度预算（调整后）{Decimal(repr(unit.budget)):.2f}万元，"
        f"1-7月执行{Decimal(repr(unit.executed)):.2f}万元，"
        f"总体执行率{Decimal(repr(unit.rate)):.2f}%，序时进度58.33%" in text
    )
    # Each project behind 序时 is named with its rate and light.
    for r, p in zip(results, example.projects, strict=True):
        if r.light in ("yellow", "red"):
            assert f"{p.name}（执行率{_pct(r.rate)}，{_light(r.light)}灯）" in text


def test_the_tables_fit_the_page_width(published: tuple[Path, Any]) -> None:
    body = Document(str(published[0])).element.body
    tables = list(body.iter(f"{W}tbl"))
    assert tables
    for tbl in tables:
        grid = [int(g.get(f"{W}w")) for g in tbl.iter(f"{W}gridCol")]
        width = int(tbl.find(f"{W}tblPr/{W}tblW").get(f"{W}w"))
        assert sum(grid) == width <= S.PAGE.text_width
        assert tbl.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"


def test_the_contents_list_the_sections_and_every_table(published: tuple[Path, Any]) -> None:
    doc = Document(str(published[0]))
    heads = [p.text for p in doc.paragraphs if p.style is not None and "Heading" in p.style.name]
    assert heads[:3] == [
        "一、总体情况",
        "二、项目支出绩效目标执行监控表",
        "1.“凤还巢”大学生村干部工资及保险绩效目标执行监控表",
    ]
    assert len(heads) == 2 + 19


def test_config_thresholds_set_the_lights(example: Targets, tmp_path: Path) -> None:
    cfg = tmp_path / "县配置.toml"
    cfg.write_text("[monitoring]\nyellow_gap = 0\nred_gap = 1\n", encoding="utf-8")
    out = tmp_path / "strict.docx"
    r = _run(["publish", EXAMPLE, "-o", out, "--config", cfg])
    assert r.exit_code == 0, r.output
    doc = Document(str(out))
    strict = M.monitor(example, Decimal(0), Decimal(1))
    assert Counter(r.light for r in strict) != Counter(r.light for r in M.monitor(example))
    got = [_rows(doc.tables[2 * k])[3][6] for k in range(len(example.projects))]
    assert got == [_light(r.light) for r in strict]
    assert "不低于序时进度减0个百分点为绿，不低于序时进度减1个百分点为黄" in _body_text(doc)


def test_the_county_document_of_one_month(example: Targets, tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    old = _write(_unit_copy(example, "910001", "巨鹿县甲镇人民政府", 2), inbox / "甲镇-旧.xlsx")
    newer = _unit_copy(example, "910001", "巨鹿县甲镇人民政府", 3)
    new = _write(newer, inbox / "甲镇-新.xlsx")
    other = _unit_copy(example, "910002", "巨鹿县乙镇人民政府", 4)
    _write(other, inbox / "乙镇.xlsx")
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(new, (1_700_100_000, 1_700_100_000))
    out = tmp_path / "全县监控.docx"
    r = _run(["publish", inbox, "-o", out])
    assert r.exit_code == 0, r.output
    assert "2 个单位，7 个监控表" in r.stderr
    doc = Document(str(out))
    assert doc.core_properties.title == "巨鹿县2023年1-7月乡镇项目支出绩效运行监控情况"
    summary = _rows(doc.tables[0])
    assert summary[0] == [
        "序号", "单位编码", "单位名称", "项目数", "预算数", "1-7月执行数", "执行率", "绿", "黄", "红",
    ]  # fmt: skip
    budgets, executed = [], []
    for row, t in zip(summary[1:3], (newer, other), strict=True):
        funds = [p.monitoring.total for p in t.projects if p.monitoring is not None]
        b = sum((number(M.budget_of(f)) or Decimal(0) for f in funds), Decimal(0))
        e = sum((number(f.executed) or Decimal(0) for f in funds), Decimal(0))
        budgets.append(b)
        executed.append(e)
        lights = Counter(x.light for x in M.monitor(t))
        assert row[1:7] == [
            t.unit.code, t.unit.name, str(len(t.projects)), f"{b:.2f}", f"{e:.2f}",
            f"{round2(e * 100 / b)}%",
        ]  # fmt: skip
        assert row[7:] == [str(lights["green"]), str(lights["yellow"]), str(lights["red"])]
    b, e = sum(budgets), sum(executed)
    assert summary[3][:5] == ["合计", "7", f"{b:.2f}", f"{e:.2f}", f"{round2(e * 100 / b)}%"]
    # The newer version of 甲镇 is the one published, and the sources table says why.
    sources = _rows(doc.tables[1])
    assert sources[1][:3] == ["910001", "巨鹿县甲镇人民政府", "甲镇-新.xlsx"]
    assert sources[1][4] == "甲镇-旧.xlsx"
    # Then each unit's tables: 3 + 4 projects, two tables each.
    assert len(doc.tables) == 2 + 2 * 7
    names = [_rows(t)[1][3] for t in doc.tables[2::2]]
    assert names == [p.name for p in newer.projects] + [p.name for p in other.projects]


def test_monitoring_workbooks_of_two_months_are_refused(example: Targets, tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    _write(_unit_copy(example, "910001", "甲镇", 2), inbox / "甲镇.xlsx", month=6)
    _write(_unit_copy(example, "910002", "乙镇", 2), inbox / "乙镇.xlsx", month=7)
    out = tmp_path / "x.docx"
    r = _run(["publish", inbox, "-o", out])
    assert r.exit_code == 2 and not out.exists()
    assert "监控表的月份不一致（6月：甲镇.xlsx；7月：乙镇.xlsx）" in r.stderr


def test_stage_monitoring_with_only_targets_writes_nothing(
    example_book: Path, tmp_path: Path
) -> None:
    out = tmp_path / "x.docx"
    r = _run(["publish", example_book, "-o", out, "--stage", "monitoring"])
    assert r.exit_code == 2 and not out.exists()
    assert "这是绩效目标表，本次（--stage monitoring）公开的是绩效运行监控表" in r.stderr


@pytest.mark.libreoffice
def test_the_monitoring_pdf(tmp_path: Path, example: Targets) -> None:
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice headless is missing: run `bash tools/ensure-system-deps.sh`")
    out = tmp_path / "监控.docx"
    r = _run(["publish", EXAMPLE, "-o", out, "--pdf"])
    assert r.exit_code == 0, r.output
    pdf = out.with_suffix(".pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    pages = [re.sub(r"\s+", "", p) for p in text.split("\f")]
    body = next(i for i, p in enumerate(pages) if p.endswith("—1—"))
    assert "总体执行率57.95%" in pages[body]
    # Every table title is printed, each project on its own page, in order.
    titles = [f"{i}.{p.name}绩效目标执行监控表" for i, p in enumerate(example.projects, 1)]
    where = [next(i for i in range(body, len(pages)) if t in pages[i]) for t in titles]
    assert where == sorted(where) and len(set(where)) == len(where)
    # The red project's page carries its rate, its light and its indicator's 整改措施 (a
    # narrow column wraps 完全不可能, so pdftotext does not give it in one piece).
    red = next(i for i, x in enumerate(M.monitor(example)) if x.light == "red")
    page = pages[where[red]]
    assert "20.00%" in page and "红" in page and "剩余工程量申请结转下年" in page
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "CJK" in fonts
