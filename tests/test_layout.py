"""The form is declared once, in perfxl/layout.py (the later stages' sheets in
perfxl/layout_stages.py, which layout.py builds on first use).

1. No other module of perfxl spells a cell address of the form (messages and docstrings
   included): an explicit allowlist names the few A1-looking texts that are not positions of
   the project, cover or overall sheets, each with its reason.
2. A layout with positions moved is followed by the writer, the reader, compute, the
   annotations and the messages.
"""

from __future__ import annotations

import copy
import io
import pickle
import re
import tokenize
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from perfxl import layout as L
from perfxl.cells import a1, parse_a1
from perfxl.consolidate import columns as K
from perfxl.consolidate.run import Options, gather
from perfxl.errors import NotAPerfxlWorkbookError
from perfxl.grid.calamine_grid import read_grid
from perfxl.model import Targets
from perfxl.read import read_workbook
from perfxl.rules.catalogue import CATALOGUE
from perfxl.validate import check
from perfxl.write import patch
from perfxl.write.fill import build_workbook, fill_into, save
from perfxl.write.percentages import compute_workbook

PACKAGE = Path(__file__).resolve().parent.parent / "perfxl"

# A1-looking text inside strings and comments, columns A..K (the widest sheet, the cover),
# rows 1..99; ``A{`` catches an address assembled in an f-string.
_ADDRESS = re.compile(r"(?<![A-Za-z0-9_$\\])\$?[A-K]\$?(?:[1-9][0-9]?\b|\{)")

# (path, or folder ending in "/", relative to perfxl/; the literal; why it is not the form's)
ALLOWED: tuple[tuple[str, str, str], ...] = (
    ("", "A1", "the notation's name and a sheet's top-left (used range, a link's default)"),
    ("cells.py", "*", "the A1-notation helpers: their docstrings show the notation itself"),
    ("write/patch/", "*", "the zip engine knows no form: docstring examples, 校验结果's panes"),
    ("safety.py", "B2", "an example of worksheet XML (<c r=...>) in a comment"),
    ("excel/adapter.py", "B8", "a docstring example of grouping written cells into runs"),
    ("excel/adapter.py", "C8", "a docstring example of grouping written cells into runs"),
    ("excel/addin.py", "B1", "the add-in workbook's xlwings.conf sheet, not a perfxl form"),
    ("excel/addin.py", "B3", "the add-in workbook's xlwings.conf sheet, not a perfxl form"),
    ("excel/addin.py", "A{", "the add-in workbook's xlwings.conf sheet, not a perfxl form"),
    ("consolidate/writer.py", "A3", "the paper size of the county summary's prints"),
    ("consolidate/writer.py", "E2", "where the county summary's charts sit (its own sheet)"),
    ("consolidate/writer.py", "E20", "where the county summary's charts sit (its own sheet)"),
    ("write/sheets.py", "A4", "the paper size (page set-up)"),
    ("publish/", "A4", "the paper size of the disclosure document"),
    ("publish/labels.py", "F9", "the key that updates a Word table of contents"),
)


def _allowed(rel: str, literal: str) -> bool:
    for where, text, _reason in ALLOWED:
        here = rel.startswith(where) if where.endswith("/") or where == "" else rel == where
        if here and text in ("*", literal):
            return True
    return False


# From Python 3.12 an f-string is tokens of its own (start, literal parts, the expressions'
# tokens, end): it is scanned whole, as its source text, as a STRING token is before 3.12.
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


def _addresses(path: Path) -> list[tuple[int, str]]:
    out = []
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    depth, start = 0, (0, 0)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == _FSTRING_START:
            depth, start = depth + 1, tok.start if depth == 0 else start
        elif tok.type == _FSTRING_END:
            depth -= 1
            if depth == 0:
                text = _source_between(lines, start, tok.end)
                out += [(start[0], m.group()) for m in _ADDRESS.finditer(text)]
        elif depth == 0 and tok.type in (tokenize.STRING, tokenize.COMMENT):
            out += [(tok.start[0], m.group()) for m in _ADDRESS.finditer(tok.string)]
    return out


def _source_between(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    """The source text from ``start`` to ``end`` (tokenize's (row, column) positions)."""
    (r1, c1), (r2, c2) = start, end
    if r1 == r2:
        return lines[r1 - 1][c1:c2]
    return lines[r1 - 1][c1:] + "".join(lines[r1 : r2 - 1]) + lines[r2 - 1][:c2]


def test_no_cell_address_of_the_form_outside_layout() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in ("layout.py", "layout_stages.py"):  # the declaration itself
            continue
        found += [
            f"perfxl/{rel}:{line}: {text}"
            for line, text in _addresses(path)
            if not _allowed(rel, text.replace("$", ""))
        ]
    assert found == []


def test_the_address_scan_sees_messages_docstrings_and_fstrings(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Docstring naming C4."""\nMSG = "请在 B3 填写"\nREF = f"A{row}"\nX = "$C$4"  # E3\n'
        'Y = f"""跨行 {x}\n  在 D7{f"G{n}"}"""\n',
        encoding="utf-8",
    )
    found = [(line, t) for line, t in _addresses(sample)]
    assert found == [(1, "C4"), (2, "B3"), (3, "A{"), (4, "$C$4"), (4, "E3"), (5, "D7"), (5, "G{")]


def test_field_returns_the_declared_field() -> None:
    assert L.field("budget").ref == L.STANDARD.project.budget_cell
    assert L.field("unit/code").label == "单位编码"
    assert L.STANDARD.field("overall/summary") is L.STANDARD.overall.summary
    with pytest.raises(KeyError):
        L.field("nothing")


# --- a layout with positions moved ------------------------------------------------------------
def _down(ref: str, below: int) -> str:
    r, c = parse_a1(ref)
    return a1(r + 1, c) if r >= below else ref


def _span_down(span: str | None, below: int) -> str | None:
    return None if span is None else ":".join(_down(x, below) for x in span.split(":"))


def _label_down(lab: L.Label, below: int) -> L.Label:
    return replace(lab, ref=_down(lab.ref, below), span=_span_down(lab.span, below))


def _field_down(f: L.Field, below: int) -> L.Field:
    return replace(f, ref=_down(f.ref, below), span=_span_down(f.span, below))


def moved_layout() -> L.Layout:
    """The standard form with one more row: above the project's plan block (row 6), above the
    cover's unit fields (row 3) and above part one's areas table (row 5)."""
    p, c, o = L.STANDARD.project, L.STANDARD.cover, L.STANDARD.overall
    project = replace(
        p,
        labels=tuple(_label_down(lab, 6) for lab in p.labels),
        fields=tuple(_field_down(f, 6) for f in p.fields),
        percent_cells=tuple(_down(ref, 6) for ref in p.percent_cells),
        indicator_header_row=p.indicator_header_row + 1,
        indicator_first_row=p.indicator_first_row + 1,
    )
    cover = replace(
        c,
        anchor=_label_down(c.anchor, 3),
        labels=tuple(_label_down(lab, 3) for lab in c.labels),
        fields=tuple(_field_down(f, 3) for f in c.fields),
        note_row=c.note_row + 1,
        header_row=c.header_row + 1,
        first_project_row=c.first_project_row + 1,
    )
    overall = replace(o, areas_section_row=o.areas_section_row + 1)
    return L.Layout(project=project, cover=cover, overall=overall)


DATA = {
    "schema_version": "1",
    "unit": {"code": "910001", "name": "某镇人民政府本级"},
    "year": 2024,
    "money_unit": "万元",
    "framework": "2015",
    "overall": {
        "summary": "总体目标",
        "areas": [
            {"title": "分项", "description": "说明", "targets": "目标", "indicators": "指标"}
        ],
        "measures": [{"title": "措施", "text": "内容"}],
    },
    "projects": [
        {
            "code": "13052923P00584011066Q",
            "name": "道路维护",
            "budget": 8.39,
            "fiscal_funds": 8.39,
            "other_funds": None,
            "purpose": "用途",
            "plan": {"mar": 2.1, "jun": 4.19, "oct": 6.29, "dec": 8.39},
            "goals": ["1.目标"],
            "indicators": [
                {
                    "level1": "产出指标",
                    "level2": "数量指标",
                    "level3": "维护里程",
                    "description": "维护道路",
                    "target": "≥2公里",
                    "basis": "计划",
                }
            ],
        }
    ],
}


def _book(tmp_path: Path, layout: L.Layout, name: str) -> Path:
    path = tmp_path / name
    save(build_workbook(Targets.from_dict(DATA), layout=layout), path)
    return path


def test_writer_and_reader_follow_a_moved_layout(tmp_path: Path) -> None:
    moved = moved_layout()
    path = _book(tmp_path, moved, "moved.xlsx")
    wb = openpyxl.load_workbook(path)
    project, cover, overall = wb["1.道路维护"], wb["封面"], wb["部门整体绩效目标"]
    mar, pct = moved.project.field("plan/mar").ref, moved.project.percent_cells[0]
    assert (mar, pct) == ("B8", "B9")  # one row lower than the standard form's
    assert project[mar].value == 2.1
    assert project[pct].value == '=IF(N($C$4)=0,"",ROUND(N(B8)/$C$4,4))'
    assert project[a1(moved.project.indicator_first_row, 3)].value == "维护里程"
    assert cover[moved.cover.anchor.ref].value == "单位编码"
    assert cover[moved.cover.field("unit/code").ref].value == "910001"
    first = moved.cover.first_project_row
    assert cover[a1(first, moved.cover.column("plan/mar"))].value == "='1.道路维护'!B8"
    assert cover[a1(first + 1, moved.cover.total_column)].value == "合计"
    assert overall[a1(moved.overall.areas_section_row, 1)].value == "二、分项绩效目标"

    res = read_workbook(path, layout=moved)
    assert res.ok and res.problems == []
    assert res.targets.to_dict() == Targets.from_dict(DATA).to_dict()
    assert res.locations["/projects/0/plan/mar"] == ("1.道路维护", "B8")
    assert res.locations["/unit/code"] == ("封面", "B4")
    assert res.locations["/projects/0/indicators/0/level3"] == ("1.道路维护", "C12")
    # The standard form does not fit it: the plan labels are a row lower.
    standard = read_workbook(path)
    broken = [p for p in standard.problems if p.rule == "read.label_missing"]
    assert broken and broken[0].cell == "A6"


def test_compute_follows_a_moved_layout(tmp_path: Path) -> None:
    moved = moved_layout()
    path = _book(tmp_path, moved, "moved.xlsx")
    out = tmp_path / "computed.xlsx"
    outcome = compute_workbook(path, out, layout=moved)
    assert outcome.problems == []
    sheet = {s.name: s for s in read_grid(out).sheets}
    project, cover = sheet["1.道路维护"], sheet["封面"]
    fractions = [project.get(*parse_a1(ref)) for ref in moved.project.percent_cells]
    assert fractions == [0.2503, 0.4994, 0.7497, 1.0]
    first = moved.cover.first_project_row
    assert cover.get(first, moved.cover.column("progress")) == 1.0
    assert cover.get(first + 1, moved.cover.column("budget")) == 8.39


def test_annotations_and_messages_follow_a_moved_layout(tmp_path: Path) -> None:
    moved = moved_layout()
    path = _book(tmp_path, moved, "moved.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["1.道路维护"]
    ws["B8"] = "2.10万元"  # plan/mar typed as text
    ws["C9"] = "=C8/C4"  # a percentage formula changed
    wb.save(path)

    res = read_workbook(path, layout=moved)
    text = next(p for p in check(res) if p.rule == "read.amount_text")
    assert (text.sheet, text.cell) == ("1.道路维护", "B8")
    annotated = tmp_path / "annotated.xlsx"
    patch.annotate(path, check(res), out=annotated)
    assert openpyxl.load_workbook(annotated)["1.道路维护"]["B8"].comment is not None

    outcome = compute_workbook(path, tmp_path / "computed.xlsx", layout=moved)
    changed = next(p for p in outcome.problems if p.rule == "compute.formula_changed")
    assert changed.cell == "C9"
    assert "ROUND(N(C8)/$C$4,4)" in changed.message and "C9" in changed.message

    # A standard workbook read with the moved form: the label is expected at the moved cell.
    standard = read_workbook(_book(tmp_path, L.STANDARD, "standard.xlsx"), layout=moved)
    missing = [p for p in standard.problems if p.rule == "read.label_missing"]
    assert missing and missing[0].cell == "A7" and "单元格 A7" in missing[0].message

    # No cover: the message names the moved cover's anchor cell.
    del wb["封面"]
    wb.save(path)
    no_cover = next(
        p for p in read_workbook(path, layout=moved).problems if p.rule == "read.no_cover"
    )
    assert no_cover.message.startswith("未找到封面工作表（A4 为“单位编码”）")
    template = CATALOGUE["read.no_cover"].template
    assert no_cover.message == template.format(anchor_cell=moved.cover.anchor.ref)


# --- consolidate, fill --into and the ribbon's reader with a moved layout ---------------------
def _unit(code: str | None, n: int) -> Targets:
    data = copy.deepcopy(DATA)
    data["unit"]["code"] = code
    data["projects"][0]["code"] = f"13052923P0058401106{n}Q"
    return Targets.from_dict(data)


def test_consolidate_follows_a_moved_layout(tmp_path: Path) -> None:
    moved = moved_layout()
    folder = tmp_path / "in"
    folder.mkdir()
    for n, code in enumerate(("910001", "910002", "910003", None)):
        save(build_workbook(_unit(code, n), layout=moved), folder / f"u{n}.xlsx")
    wb = openpyxl.load_workbook(folder / "u1.xlsx")
    wb["1.道路维护"]["B8"] = "2.10万元"  # plan/mar typed as text, in the moved cell
    wb.save(folder / "u1.xlsx")
    openpyxl.Workbook().save(folder / "other.xlsx")

    # jobs=2: the layout goes to the worker processes
    result, _ = gather([folder], Options(jobs=2, layout=moved))
    projects = [r for r in result.summary if r.row_kind == K.ROW_PROJECT]
    assert len(projects) == 4
    assert {(r.budget, r.plan_mar, r.plan_dec) for r in projects} == {(8.39, 2.1, 8.39)}
    assert not [p for p in result.problems if p.rule == "read.label_missing"]
    text = next(p for p in result.problems if p.rule == "read.amount_text")
    assert (text.source_file, text.cell) == (str(folder / "u1.xlsx"), "B8")
    no_code = next(p for p in result.problems if p.rule == "consolidate.no_unit_code")
    template = CATALOGUE["consolidate.no_unit_code"].template
    assert no_code.message == template.format(code_cell=moved.cover.field("unit/code").ref)
    assert "B4" in no_code.message  # the moved cover's unit code cell (B3 on the standard)
    other = next(f for f in result.files if f.source_file == str(folder / "other.xlsx"))
    assert other.file_status == K.NOT_PERFXL
    assert other.note == NotAPerfxlWorkbookError.message_for(moved)
    assert "A4 为“单位编码”" in other.note and other.note != NotAPerfxlWorkbookError.MESSAGE
    with pytest.raises(NotAPerfxlWorkbookError) as refused:
        read_workbook(folder / "other.xlsx", layout=moved).require_perfxl()
    assert refused.value.message == other.note

    # The standard form does not fit these files: their labels are a row lower.
    standard, _ = gather([folder], Options(jobs=1))
    assert [p for p in standard.problems if p.rule == "read.label_missing"]


def test_the_standard_layout_is_pickled_by_name_and_another_by_value() -> None:
    # Every task of a consolidation pickles the layout for its worker: the standard form
    # arrives as the worker's own `L.STANDARD` (the readers' memos know it by identity).
    standard = pickle.dumps(L.STANDARD, protocol=pickle.HIGHEST_PROTOCOL)
    assert pickle.loads(standard) is L.STANDARD
    assert len(standard) < 100
    moved = moved_layout()
    again = pickle.loads(pickle.dumps(moved, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == moved and again is not moved
    assert again != L.STANDARD
    same = replace(L.STANDARD)  # equal, but not the module's: by value
    assert pickle.loads(pickle.dumps(same)) == L.STANDARD


def test_fill_into_follows_a_moved_layout(tmp_path: Path) -> None:
    moved = moved_layout()
    path = _book(tmp_path, moved, "moved.xlsx")
    # Values only (the write-back engine's route), then a second project (openpyxl's route).
    values = copy.deepcopy(DATA)
    values["projects"][0].update(budget=10.0, plan={"mar": 2.5, "jun": 5, "oct": 7.5, "dec": 10})
    more = copy.deepcopy(values)
    more["projects"].append({**copy.deepcopy(values["projects"][0]), "name": "路灯维护"})
    more["projects"][1]["code"] = "13052923P00584011067Q"
    for data, name in ((values, "values.xlsx"), (more, "more.xlsx")):
        out = tmp_path / name
        fill_into(Targets.from_dict(data), path, out, layout=moved)
        res = read_workbook(out, layout=moved)
        assert res.ok and res.problems == []
        assert res.targets.to_dict() == Targets.from_dict(data).to_dict()
        assert res.locations["/projects/0/plan/mar"] == ("1.道路维护", "B8")
        sheet = {s.name: s for s in read_grid(out).sheets}
        fractions = [sheet["1.道路维护"].get(*parse_a1(r)) for r in moved.project.percent_cells]
        assert fractions == [0.25, 0.5, 0.75, 1.0]  # computed in the moved cells
        cover = sheet["封面"]
        total = moved.cover.first_project_row + len(data["projects"])
        assert cover.get(total, moved.cover.column("budget")) == 10.0 * len(data["projects"])


def test_the_ribbon_reader_follows_a_moved_layout(tmp_path: Path) -> None:
    from test_excel_entry import FakeBook

    from perfxl.excel import adapter
    from perfxl.read import read_grid_model

    data = copy.deepcopy(DATA)
    first = data["projects"][0]["indicators"][0]
    data["projects"][0]["indicators"].append({**first, "level3": "维护次数"})  # 一级 merged
    path = tmp_path / "moved.xlsx"
    save(build_workbook(Targets.from_dict(data), layout=moved_layout()), path)
    moved = moved_layout()
    grid = adapter.read_grid(FakeBook(path), moved)
    project = next(s for s in grid.sheets if s.name == "1.道路维护")
    level1 = moved.project.indicator_columns["level1"][0]
    first_row = moved.project.indicator_first_row
    assert (first_row, level1, first_row + 1, level1) in project.merged
    res = read_grid_model(grid, layout=moved)
    assert res.problems == []
    assert res.targets.to_dict() == Targets.from_dict(data).to_dict()


def test_stage_labels_follow_the_layouts_stage_forms() -> None:
    """The reader tells the later stages' sheets by `Layout.stage_labels`: the standard
    forms' own labels, or a layout's ``stages`` when it has its own."""
    from perfxl import layout_stages as LS

    for stage, form in (
        ("monitoring", L.STANDARD.monitoring),
        ("evaluation", L.STANDARD.evaluation),
    ):
        assert L.STANDARD.stage_labels(stage) == (form.anchor, form.labels)
    moved = tuple(
        replace(lab, ref="K1") if lab.ref == "J4" else lab for lab in LS.STANDARD.monitoring.labels
    )
    own = replace(
        L.STANDARD,
        stages=replace(LS.STANDARD, monitoring=replace(LS.STANDARD.monitoring, labels=moved)),
    )
    assert own.stage_labels("monitoring")[1] == moved != L.STANDARD.stage_labels("monitoring")[1]
    assert own.monitoring.labels == moved and own.evaluation is L.STANDARD.evaluation
