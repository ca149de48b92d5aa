"""Issue 14, point 3: ``perfxl publish`` of 绩效自评表 writes the self-evaluation disclosure.

The workbooks here are built from the Suying example by ``perfxl new evaluation``'s library call
with a clerk's year-end figures filled in (most projects complete, some short with reasons, a
qualitative row partly met), saved as real ``.xlsx`` and read back. Every document is a real
``.docx`` written by the CLI and read back with python-docx: each project's form is present, its
figures are the ones `perfxl.evaluation` gives (执行率, every row's 分值 and 得分, 总分,
自评等级), and the summary's budget, 执行率, average 总分 and grade counts are those figures
summed and averaged (worked here, not by the code under test).
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
from conftest import EXAMPLE_XLSX
from docx import Document

from perfxl import constants as C
from perfxl.cli import main
from perfxl.evaluation import EvaluationResult, evaluate, evaluate_project
from perfxl.model import Targets
from perfxl.numbers import number, round2
from perfxl.publish import styles as S
from perfxl.read import read_workbook
from perfxl.scoring import DEFAULT, GRADES, QUALITATIVE, formula_target, get_profile
from perfxl.write.evaluation import build_evaluation, default_evaluation
from perfxl.write.fill import save

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TITLE = "巨鹿县苏营镇人民政府本级2023年度项目支出绩效自评情况"
SHORT_REASON = "受天气影响工期推迟，已督促施工方加快进度，次年一季度完成。"
PARTLY_REASON = "个别月份拨付延迟，已建立按月拨付台账。"


def _run(args: list[str | Path]) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _rows(table: Any) -> list[list[str]]:
    """A table's rows as the text of each written cell (a span is one cell; the lines of a
    cell joined by a newline)."""
    return [
        [
            "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in tc.iter(f"{W}p"))
            for tc in tr.findall(f"{W}tc")
        ]
        for tr in table._tbl.iter(f"{W}tr")
    ]


def _body_text(doc: Any) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def _two(value: Any) -> str:
    """A figure as the document prints it, worked here: 2 decimals, halves up."""
    d = number(value)
    return "" if d is None else f"{round2(d):f}"


def fill(t: Targets, short_every: int = 4) -> Targets:
    """The year-end figures a clerk types, by fixed rules: every project spends its budget
    except every ``short_every``-th (90 %); quantitative rows meet their targets except the
    second row of every ``short_every``-th project (80 % of a 正向 target, 150 % of a 反向 one,
    with a reason); qualitative rows 达成, the first project's partly met with a reason."""
    d = copy.deepcopy(t)
    d.stage, d.profile = "evaluation", "default"
    for i, p in enumerate(d.projects):
        e = default_evaluation(p, d.unit.name)
        short = i % short_every == 1
        for row in (e.total, e.fiscal, e.other):
            b = number(row.budget)
            if b is not None:
                row.executed = float(round2(b * Decimal("0.9"))) if short else float(b)
        e.department = "巨鹿县苏营镇人民政府"
        e.achieved = "按计划完成年度目标。" if not short else "主要目标完成，个别指标未达到。"
        points = [r.points for r in evaluate_project(p).rows]  # the rows' 分值 (even split)
        for j, (ind, x) in enumerate(zip(p.indicators, e.indicators, strict=True)):
            rule, target = formula_target(ind.target)
            if rule == QUALITATIVE:
                x.grade = GRADES[1] if i == 0 else GRADES[0]
                x.actual = "基本按期完成" if i == 0 else "按期完成"
                if i == 0:  # partly met: 70 % of the points, with a reason
                    x.deviation = PARTLY_REASON
                    x.score = float(round2((points[j] or Decimal(0)) * Decimal("0.7")))
                else:
                    x.score = float(points[j] or 0)
                continue
            if rule is None or target is None:
                continue
            value = target
            if short and j == 1:
                value = target * Decimal("1.5") if rule == "反向" else target * Decimal("0.8")
                x.deviation = SHORT_REASON
            x.actual = float(value)
        p.evaluation = e
    return d


def write(t: Targets, path: Path) -> Path:
    save(build_evaluation(t, get_profile(t.profile or DEFAULT.name)), path)
    return path


@pytest.fixture(scope="module")
def example() -> Targets:
    return read_workbook(EXAMPLE_XLSX).targets


@pytest.fixture(scope="module")
def book(example: Targets, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(fill(example), tmp_path_factory.mktemp("eval") / "苏营镇-自评.xlsx")


@pytest.fixture(scope="module")
def read_back(book: Path) -> Targets:
    """The workbook as perfxl reads it: what the document is built from."""
    res = read_workbook(book)
    assert res.ok and res.targets.stage == "evaluation"
    return res.targets


@pytest.fixture(scope="module")
def published(book: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pub") / "苏营镇-自评.docx"
    r = _run(["publish", book, "-o", out])
    assert r.exit_code == 0, r.output
    assert "1 个单位，19 个自评表" in r.stderr
    return out


def _forms(doc: Any) -> list[tuple[list[list[str]], list[list[str]]]]:
    """Each project's (funds table, indicator table): a table whose second row is 项目名称
    and the table after it."""
    tables = [_rows(t) for t in doc.tables]
    return [
        (t, tables[i + 1]) for i, t in enumerate(tables) if len(t) > 1 and t[1][:1] == [C.L_NAME]
    ]


def test_every_project_form_holds_perfxl_evaluations_figures(
    published: Path, read_back: Targets
) -> None:
    doc = Document(str(published))
    assert doc.core_properties.title == TITLE
    forms = _forms(doc)
    results = evaluate(read_back)
    assert len(forms) == len(read_back.projects) == len(results) == 19
    for (funds, indicators), p, res in zip(forms, read_back.projects, results, strict=True):
        e = p.evaluation
        assert e is not None
        assert funds[1] == [C.L_NAME, p.name]
        assert funds[2] == [C.L_DEPARTMENT, e.department, C.L_IMPLEMENTER, e.implementer]
        assert funds[3][2:] == [
            C.L_INITIAL, C.L_BUDGET_YEAR, C.L_EXECUTED_YEAR, C.L_POINTS, C.L_RATE, C.L_SCORE,
        ]  # fmt: skip
        total = funds[4]
        assert total[1] == C.L_FUNDS_TOTAL
        assert total[2:] == [
            _two(e.total.initial),
            _two(e.total.budget),
            _two(e.total.executed),
            _two(res.funds.points),
            f"{res.funds.rate:.2f}%",
            _two(res.funds.score),
        ], p.name
        assert [r[1] for r in funds[5:8]] == [
            C.L_FUNDS_THIS_YEAR, C.L_FUNDS_CARRYOVER, C.L_FUNDS_OTHER,
        ]  # fmt: skip
        assert funds[5][5] == funds[5][7] == "—"  # only 年度资金总额 is scored
        assert funds[9][1] == "\n".join(p.goals) and funds[9][2] == e.achieved
        # The indicator table: one row per indicator, then 总分 and the profile.
        assert indicators[0][2:] == [
            C.L_LEVEL3, C.L_ANNUAL_TARGET, C.L_ACTUAL, C.L_POINTS, C.L_SCORE,
            C.L_DEVIATION_REMEDY,
        ]  # fmt: skip
        body = indicators[1:-2]
        assert len(body) == len(p.indicators)
        for row, ind, x, r in zip(body, p.indicators, e.indicators, res.rows, strict=True):
            assert row[2:4] == [ind.level3, ind.target], p.name
            assert (row[5], row[6]) == (_two(r.points), _two(r.counted)), (p.name, ind.level3)
            assert row[7] == (x.deviation or "")
        last = indicators[-2]
        assert last[0] == C.L_TOTAL_SCORE
        assert last[1:] == [_two(res.full_points), _two(res.total), f"{C.L_LEVEL}：{res.level}"]
        assert indicators[-1] == ["评分方案：财政部通用评分（默认）（default）"]


def test_the_figures_are_the_ones_worked_by_hand(published: Path, read_back: Targets) -> None:
    """Project 1 by hand: budget spent (10), 产出指标 50 over 4 rows (12.50 each), the
    qualitative 资金发放时间 partly met at 70 % (8.75), every other row at its target: 总分
    10 + 12.5 × 3 + 8.75 + 30 + 10 = 96.25 → 优. Project 2 spends 90 % (9.00) and its second
    row 95% reaches 80 % of it (76 ÷ 95 × 12.5 = 10.00): 总分 96.50 → 优."""
    (funds1, ind1), (funds2, ind2) = _forms(Document(str(published)))[:2]
    assert funds1[4][5:] == ["10.00", "100.00%", "10.00"]
    assert ind1[3][4:7] == ["基本按期完成\n（部分达成）", "12.50", "8.75"]
    assert ind1[3][7] == PARTLY_REASON
    assert ind1[-2][1:] == ["100.00", "96.25", "自评等级：优"]
    assert funds2[4][5:] == ["10.00", "90.00%", "9.00"]
    assert ind2[2][4] in ("76", "76%")  # as read: a percent-formatted cell shows 76%
    assert ind2[2][5:] == ["12.50", "10.00", SHORT_REASON]
    assert ind2[-2][1:] == ["100.00", "96.50", "自评等级：优"]


def test_the_summary_gives_the_average_and_the_grade_counts(
    published: Path, read_back: Targets
) -> None:
    text = _body_text(Document(str(published)))
    results = evaluate(read_back)
    budgets = [number(p.evaluation.total.budget) for p in read_back.projects if p.evaluation]
    spent = [number(p.evaluation.total.executed) for p in read_back.projects if p.evaluation]
    b = sum((x for x in budgets if x is not None), Decimal(0))
    e = sum((x for x in spent if x is not None), Decimal(0))
    assert (
        f"项目共19个，全年预算数{b:.2f}万元，全年执行数{e:.2f}万元，"
        f"总体执行率{round2(e * 100 / b)}%。" in text
    )
    totals = [r.total for r in results]
    assert all(t is not None for t in totals)
    average = round2(sum((t for t in totals if t is not None), Decimal(0)) / len(totals))
    levels = Counter(r.level for r in results)
    assert sum(levels.values()) == 19
    assert (
        f"19个项目的平均分为{average}分；自评等级优{levels['优']}个、良{levels['良']}个、"
        f"中{levels['中']}个、差{levels['差']}个。" in text
    )
    # The lowest-scoring projects are named lowest first, with their 总分.
    low = sorted(
        (r.total, i) for i, r in enumerate(results) if r.total is not None and r.total < 100
    )[:5]
    named = [f"{read_back.projects[i].name}（{t}分" for t, i in low]
    where = [text.index(n) for n in named]
    assert where == sorted(where)


def test_the_lowest_table_gives_each_short_row_its_reason(
    published: Path, read_back: Targets
) -> None:
    doc = Document(str(published))
    low = _rows(doc.tables[0])
    assert low[0][:4] == ["序号", "项目名称", "总分", "自评等级"]
    reasons = [r[-1] for r in low[1:]]
    assert PARTLY_REASON in reasons and SHORT_REASON in reasons
    assert any(r[-2].startswith("预算执行率（9.00/10.00）") for r in low[1:])


def test_the_tables_fit_the_page_width(published: Path) -> None:
    body = Document(str(published)).element.body
    tables = list(body.iter(f"{W}tbl"))
    assert len(tables) == 1 + 2 * 19
    for tbl in tables:
        grid = [int(g.get(f"{W}w")) for g in tbl.iter(f"{W}gridCol")]
        width = int(tbl.find(f"{W}tblPr/{W}tblW").get(f"{W}w"))
        assert sum(grid) == width <= S.PAGE.text_width
        assert tbl.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"


def test_the_contents_list_the_sections_and_every_form(published: Path) -> None:
    doc = Document(str(published))
    heads = [p.text for p in doc.paragraphs if p.style is not None and "Heading" in p.style.name]
    assert heads[:3] == [
        "一、总体情况",
        "二、项目支出绩效自评表",
        "1.“凤还巢”大学生村干部工资及保险绩效自评表",
    ]
    assert len(heads) == 2 + 19


def _unit_copy(t: Targets, code: str, name: str, projects: int, short_every: int) -> Targets:
    d = copy.deepcopy(t)
    d.unit.code, d.unit.name = code, name
    d.projects = d.projects[:projects]
    return fill(d, short_every)


def test_the_county_document(example: Targets, tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    old = write(_unit_copy(example, "910001", "巨鹿县甲镇人民政府", 2, 2), inbox / "甲镇-旧.xlsx")
    newer = _unit_copy(example, "910001", "巨鹿县甲镇人民政府", 5, 2)
    new = write(newer, inbox / "甲镇-新.xlsx")
    other = _unit_copy(example, "910002", "巨鹿县乙镇人民政府", 4, 3)
    write(other, inbox / "乙镇.xlsx")
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(new, (1_700_100_000, 1_700_100_000))
    out = tmp_path / "全县自评.docx"
    r = _run(["publish", inbox, "-o", out])
    assert r.exit_code == 0, r.output
    assert "2 个单位，9 个自评表" in r.stderr
    doc = Document(str(out))
    assert doc.core_properties.title == "巨鹿县2023年度乡镇项目支出绩效自评情况"
    summary = _rows(doc.tables[0])
    assert summary[0] == [
        "序号", "单位编码", "单位名称", "项目数", "全年预算数", "全年执行数", "执行率", "平均分",
        "优", "良", "中", "差",
    ]  # fmt: skip
    everything: list[Decimal] = []
    counts: Counter[str | None] = Counter()
    for row, path in zip(summary[1:3], (new, inbox / "乙镇.xlsx"), strict=True):
        t = read_workbook(path).targets
        results: list[EvaluationResult] = evaluate(t)
        totals = [x.total for x in results if x.total is not None]
        assert len(totals) == len(t.projects)
        everything += totals
        levels = Counter(x.level for x in results)
        counts += levels
        assert row[1:4] == [t.unit.code, t.unit.name, str(len(t.projects))]
        assert row[7] == f"{round2(sum(totals, Decimal(0)) / len(totals))}"
        assert row[8:] == [str(levels[k]) for k in ("优", "良", "中", "差")]
        assert sum(int(n) for n in row[8:]) == len(t.projects)
    mean = round2(sum(everything, Decimal(0)) / len(everything))
    assert summary[3][0] == "合计" and summary[3][1] == "9" and summary[3][5] == f"{mean}"
    assert summary[3][6:] == [str(counts[k]) for k in ("优", "良", "中", "差")]
    # The newer version of 甲镇 is the one published, and the sources table says why.
    sources = _rows(doc.tables[1])
    assert sources[1][:3] == ["910001", "巨鹿县甲镇人民政府", "甲镇-新.xlsx"]
    assert sources[1][4] == "甲镇-旧.xlsx"
    names = [f[0][1][1] for f in _forms(doc)]
    assert names == [p.name for p in newer.projects] + [p.name for p in other.projects]


def test_a_mix_of_stages_is_refused_unless_one_is_chosen(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.docx"
    r = _run(["publish", book, EXAMPLE_XLSX, "-o", out])
    assert r.exit_code == 2 and not out.exists()
    assert "输入中既有绩效目标表又有绩效自评表" in r.stderr
    assert "--stage evaluation 生成绩效自评公开文本" in r.stderr
    r = _run(["publish", book, EXAMPLE_XLSX, "-o", out, "--stage", "evaluation"])
    assert r.exit_code == 0, r.output
    assert "这是绩效目标表，本次（--stage evaluation）公开的是绩效自评表，未收入。" in r.stderr
    # two files make the county's view, of the one unit published
    assert _forms(Document(str(out)))[0][0][0][0] == "910001巨鹿县苏营镇人民政府本级"
    r = _run(["publish", book, EXAMPLE_XLSX, "-o", tmp_path / "t.docx", "--stage", "targets"])
    assert r.exit_code == 0, r.output
    assert "这是2023年度绩效自评表，本次（--stage targets）公开的是绩效目标表" in r.stderr


@pytest.mark.libreoffice
def test_the_evaluation_pdf(book: Path, read_back: Targets, tmp_path: Path) -> None:
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice headless is missing: run `bash tools/ensure-system-deps.sh`")
    out = tmp_path / "自评.docx"
    r = _run(["publish", book, "-o", out, "--pdf"])
    assert r.exit_code == 0, r.output
    pdf = out.with_suffix(".pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    pages = [re.sub(r"\s+", "", p) for p in text.split("\f")]
    body = next(i for i, p in enumerate(pages) if p.startswith("一、总体情况"))
    assert "—1—" in pages[body] and "平均分为" in pages[body]
    # Every form on its own page, in order, whole (its 总分 on the page of its title).
    results = evaluate(read_back)
    titles = [f"{i}.{p.name}绩效自评表" for i, p in enumerate(read_back.projects, 1)]
    where = [next(i for i in range(body, len(pages)) if t in pages[i]) for t in titles]
    assert where == sorted(where) and len(set(where)) == len(where)
    for page, res in zip(where, results, strict=True):
        assert f"{C.L_LEVEL}：{res.level}" in pages[page]
        assert f"{res.total:.2f}" in pages[page]
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "CJK" in fonts


def test_a_project_that_cannot_be_scored_is_counted_apart(example: Targets, tmp_path: Path) -> None:
    """An actual that is not a quantity leaves the project without 总分 (as the sheet does):
    its form shows 总分 and 自评等级 blank, and the summary averages the other 18."""
    t = fill(example)
    e = t.projects[0].evaluation
    assert e is not None
    e.indicators[0].actual = "很多"  # 财政补贴人数 ≥2人: not a quantity
    book = write(t, tmp_path / "自评.xlsx")
    out = tmp_path / "自评.docx"
    r = _run(["publish", book, "-o", out])
    assert r.exit_code == 0, r.output
    doc = Document(str(out))
    results = evaluate(read_workbook(book).targets)
    assert results[0].total is None and all(x.total is not None for x in results[1:])
    assert _forms(doc)[0][1][-2][1:] == ["100.00", "", f"{C.L_LEVEL}："]
    totals = [x.total for x in results[1:] if x.total is not None]
    average = round2(sum(totals, Decimal(0)) / 18)
    text = _body_text(doc)
    assert f"18个项目的平均分为{average}分；" in text
    assert "，未评分1个。" in text
