"""perfxl import of Word documents: the seed laid out by python-docx (not by perfxl's
publisher), with merged label cells and without; what is not understood is reported; a
document that cannot be used stops with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_JSON
from docx import Document
from importdocs import build

from perfxl.errors import UnreadableDocumentError
from perfxl.importer import import_document
from perfxl.services import export_workbook

PERFXL = [sys.executable, "-m", "perfxl.cli"]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PERFXL, *map(str, args)], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module", params=[True, False], ids=["merged", "plain"])
def seed_docx(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    merged: bool = request.param
    return build(tmp_path_factory.mktemp("seed") / f"seed-{merged}.docx", merged=merged)


def test_merged_fixture_really_merges_label_cells(tmp_path: Path) -> None:
    xml = _document_xml(build(tmp_path / "m.docx", merged=True))
    plain = _document_xml(build(tmp_path / "p.docx", merged=False))
    assert xml.count('w:vMerge w:val="restart"') == 57  # 2 labels + 1 一级指标 group a table
    assert xml.count("<w:gridSpan") > 0
    assert "vMerge" not in plain and "gridSpan" not in plain
    assert "其中：财政    资金" in plain  # the label split by Word's padding, as published


def test_seed_document_imports_to_the_example(seed_docx: Path, example: dict[str, Any]) -> None:
    result = import_document(seed_docx)
    assert result.problems == []
    got = result.targets.to_dict()
    assert json.dumps(got, ensure_ascii=False, indent=2) == json.dumps(
        example, ensure_ascii=False, indent=2
    )


def test_cli_writes_a_workbook_whose_export_is_the_example(
    seed_docx: Path, example: dict[str, Any], tmp_path: Path
) -> None:
    book = tmp_path / "imported.xlsx"
    proc = run("import", seed_docx, "-o", book)
    assert proc.returncode == 0, proc.stderr
    assert "19 个项目，114 条指标" in proc.stderr
    report = export_workbook(book)
    assert report.ok and not report.errors
    assert report.read.targets.to_dict() == example


def test_cli_json_format_prints_the_export_contract(
    seed_docx: Path, example: dict[str, Any]
) -> None:
    proc = run("import", seed_docx, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == example


def _document_xml(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode("utf-8")


# --- what the importer does not understand is reported, never dropped ----------------------


def _doc(tmp_path: Path, tables: list[list[list[str]]], title: str = "2024年预算绩效目标") -> Path:
    doc = Document()
    doc.add_paragraph("某某镇人民政府本级")
    doc.add_paragraph(title)
    for rows in tables:
        t = doc.add_table(rows=len(rows), cols=max(len(r) for r in rows))
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                t.rows[i].cells[j].text = text
        doc.add_paragraph("")
    out = tmp_path / "doc.docx"
    doc.save(str(out))
    return out


HEADER = [
    ["910009某某镇人民政府本级", "单位：万元"],
    ["项目编码", "13052924P00000000001A", "项目名称", "道路养护"],
    ["预算规模及资金用途", "预算数", "10", "其中：财政资金", "8", "其他资金", "2"],
    ["", "道路养护费"],
    ["资金支出计划（%）", "3月底", "6月底", "10月底", "12月底"],
    ["", "2.5", "5", "7.5", "10"],
    ["绩效目标", "1.道路完好\n2.群众满意"],
]
# Columns in another order than the form's, labels with stray spaces: found by label.
INDICATORS = [
    ["二级指标", "一级指标", "三 级 指 标", "指标值", "绩效指标描述", "指标值确定依据"],
    ["数量指标", "产出指标", "养护里程", "≥10公里", "养护道路里程", "计划标准"],
    ["质量指标", "", "合格率", "≥95%", "验收合格率", "行业标准"],
    ["服务对象满意度指标", "满意度指标", "群众满意度", "≥90%", "群众满意度", "其他"],
]


def test_labels_not_positions(tmp_path: Path) -> None:
    result = import_document(_doc(tmp_path, [HEADER, INDICATORS]))
    assert result.problems == []
    t = result.targets
    assert (t.unit.code, t.unit.name, t.year, t.money_unit) == (
        "910009",
        "某某镇人民政府本级",
        2024,
        "万元",
    )
    (p,) = t.projects
    assert (p.code, p.name, p.budget, p.fiscal_funds, p.other_funds, p.purpose) == (
        "13052924P00000000001A",
        "道路养护",
        10.0,
        8.0,
        2.0,
        "道路养护费",
    )
    assert p.plan.values() == [2.5, 5.0, 7.5, 10.0]
    assert p.goals == ["1.道路完好", "2.群众满意"]
    assert [
        (i.level1, i.level2, i.level3, i.target, i.description, i.basis) for i in p.indicators
    ] == [
        ("产出指标", "数量指标", "养护里程", "≥10公里", "养护道路里程", "计划标准"),
        ("产出指标", "质量指标", "合格率", "≥95%", "验收合格率", "行业标准"),  # 一级 once a group
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "群众满意度", "其他"),
    ]


def test_unknown_rows_tables_and_amounts_are_reported_with_table_and_row(tmp_path: Path) -> None:
    header = [
        *HEADER[:2],
        ["预算规模及资金用途", "预算数", "十万", "其中：财政资金", "8", "其他资金", ""],
        *HEADER[3:],
        ["备注", "年中可能调整"],
    ]
    other = [["序号", "事项"], ["1", "说明"]]
    result = import_document(_doc(tmp_path, [other, header, INDICATORS], title="预算绩效目标"))
    got = [(p.rule, p.sheet, p.cell) for p in result.problems]
    assert got == [
        ("import.table_skipped", "表格 1", None),
        ("import.amount_unreadable", "表格 2", "第 3 行"),
        ("import.row_unrecognised", "表格 2", "第 8 行"),
        ("import.year_unknown", None, None),
    ]
    assert "年中可能调整" in result.problems[2].message
    assert "第 2 个表格第 8 行" in result.problems[2].message
    assert result.targets.projects[0].budget == "十万"  # kept as written, reported
    assert result.targets.year is None
    assert import_document(tmp_path / "doc.docx", year=2024).targets.year == 2024


def test_cli_exit_code_1_when_something_was_not_understood(tmp_path: Path) -> None:
    doc = _doc(tmp_path, [[*HEADER, ["备注", "年中可能调整"]], INDICATORS])
    book = tmp_path / "out.xlsx"
    proc = run("import", doc, "-o", book)
    assert proc.returncode == 1
    assert "表格 1 › 第 8 行" in proc.stderr and "年中可能调整" in proc.stderr
    assert book.is_file()


def test_project_without_indicator_table_is_reported(tmp_path: Path) -> None:
    result = import_document(_doc(tmp_path, [HEADER]))
    assert [(p.rule, p.pointer) for p in result.problems] == [
        ("import.field_missing", "/projects/0")
    ]


# --- unusable documents: a clear Chinese message, exit 2, nothing written ------------------


def test_bad_documents_exit_2(tmp_path: Path) -> None:
    text = tmp_path / "note.docx"
    text.write_text("不是文档", encoding="utf-8")
    no_tables = tmp_path / "empty.docx"
    doc = Document()
    doc.add_paragraph("2023年预算绩效目标")
    doc.save(str(no_tables))
    no_projects = _doc(tmp_path, [[["序号", "事项"], ["1", "说明"]]])
    cases = {
        text: "不是 Word 文档",
        no_tables: "没有表格",
        no_projects: "没有项目绩效目标表",
        _encrypted(tmp_path, no_tables): "已加密",
    }
    for path, words in cases.items():
        out = tmp_path / f"{path.stem}.xlsx"
        proc = run("import", path, "-o", out)
        assert proc.returncode == 2, (path, proc.stderr)
        assert words in proc.stderr and proc.stderr.startswith("错误："), proc.stderr
        assert not out.exists()
        with pytest.raises(UnreadableDocumentError):
            import_document(path)


def test_output_never_replaces_the_input(tmp_path: Path) -> None:
    doc = _doc(tmp_path, [HEADER, INDICATORS])
    before = doc.read_bytes()
    proc = run("import", doc, "-o", tmp_path / "doc.xlsx")
    assert proc.returncode == 0
    proc = run("import", doc, "-o", doc.with_suffix(".docx"))
    assert proc.returncode == 2 and doc.read_bytes() == before


def _encrypted(tmp_path: Path, plain: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = tmp_path / "locked.docx"
    with plain.open("rb") as src, out.open("wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    return out
