"""Findings located as problems (`validate._Locator`), their order, and the reader's label
look-ups: the fast paths give what the plain ones give."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
from test_rules import good_data

from perfxl import layout as L
from perfxl.cells import parse_a1
from perfxl.config import load_config
from perfxl.model import Targets
from perfxl.read import read_workbook
from perfxl.rules.base import Context
from perfxl.rules.catalogue import PLACE_FREE, make
from perfxl.rules.families import modules
from perfxl.validate import _Locator, check, locate, validate_file
from perfxl.write.fill import write_new

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_XLSX = ROOT / "examples" / "suying-2023.xlsx"


def _reference(f: Any, res: Any, cfg: Any) -> Any:
    """The problem `make` builds from the finding, every field given as the message sees it."""
    sheet, cell = locate(res, f.pointer)
    m = re.match(r"^/projects/(\d+)(/.*)?$", f.pointer)
    code = None
    if m and int(m[1]) < len(res.targets.projects):
        c = res.targets.projects[int(m[1])].code
        code = c if isinstance(c, str) else None
    values = {"file": res.path, "sheet": sheet, "cell": cell, "pointer": f.pointer}
    values |= {"project_code": code, "value": f.value, **f.fields}
    return make(f.rule, severity=cfg.severity.get(f.rule), **values)


def _findings(res: Any, cfg: Any) -> list[Any]:
    t = res.targets
    ctx = Context(targets=t, data=t.to_dict(), config=cfg, framework=cfg.framework)
    return [f for m in modules(t.stage) if hasattr(m, "check") for f in m.check(ctx)]


def test_every_finding_is_located_as_make_builds_it(tmp_path: Path) -> None:
    data = good_data(projects=3)
    p0, p1 = data["projects"][0], data["projects"][1]
    p0["budget"] = 12.0  # funds and plan no longer add up
    p0["indicators"][0].update(basis="走访调研", description=p0["indicators"][0]["level3"])
    p0["indicators"][3].update(target="3万元")  # cost against the budget (money fields)
    p1["indicators"][1].update(target="≥120%")
    p1["goals"] = p0["goals"]
    p1["other_funds"] = -2.0  # schema.negative names the value
    path = tmp_path / "book.xlsx"
    write_new(Targets.from_dict(data), path)
    cfg = load_config(None)
    rules: set[str] = set()
    for book in (path, EXAMPLE_XLSX):
        res = read_workbook(book)
        findings = _findings(res, cfg)
        located = _Locator(res, cfg).problem
        for f in findings:
            assert located(f) == _reference(f, res, cfg), f
        rules |= {f.rule for f in findings}
    # both paths taken: messages from the finding alone, and naming a location field
    assert len(rules & PLACE_FREE) >= 6 and rules - PLACE_FREE, rules


def test_problems_in_sheet_then_row_then_column_order(tmp_path: Path) -> None:
    data = good_data(projects=2)
    rows = data["projects"][1]["indicators"]
    rows[0].update(level3="其他", description="其他", basis="走访调研")  # three at one row
    rows[1].update(target="120")  # a rate over 100 and no unit: two at one cell
    path = tmp_path / "book.xlsx"
    write_new(Targets.from_dict(data), path)
    cfg = load_config(None)
    for book in (path, EXAMPLE_XLSX):
        res = read_workbook(book)
        located = _Locator(res, cfg).problem
        found = [*res.problems, *map(located, _findings(res, cfg))]
        rank = {s.name: n for n, s in enumerate(res.sheets)}

        keys = [
            (-1, 0, 0, n)
            if p.sheet is None
            else (rank[p.sheet], *(parse_a1(p.cell) if p.cell else (0, 0)), n)
            for n, p in enumerate(found)
        ]
        expected = [found[k[-1]] for k in sorted(keys)]
        assert check(res, cfg) == expected
        if book == path:  # ties (two problems at one cell) kept in the order found
            assert len({(p.sheet, p.cell) for p in expected}) < len(expected)


def test_cost_row_with_spaced_level_is_summed(tmp_path: Path) -> None:
    data = good_data()
    data["projects"][0]["indicators"][3].update(level2="成\u3000本", target="3万元")
    path = tmp_path / "book.xlsx"
    write_new(Targets.from_dict(data), path)
    got = [(p.rule, p.cell) for p in validate_file(path).problems]
    assert ("cost.budget_mismatch", "F14") in got


def test_labels_typed_with_spaces_are_still_read(tmp_path: Path) -> None:
    path = tmp_path / "spaced.xlsx"
    shutil.copy(EXAMPLE_XLSX, path)
    wb = openpyxl.load_workbook(path)
    sheets = [ws for ws in wb.worksheets if ws["A3"].value == "项目编码"]
    assert len(sheets) == 19
    for ws in sheets[:3]:  # every label (the anchor too) typed with white space in it
        for lab in L.STANDARD.project.labels:
            ws[lab.ref] = f" {lab.text[:1]}\n{lab.text[1:]} "
    wb.save(path)
    plain, spaced = read_workbook(EXAMPLE_XLSX), read_workbook(path)
    assert not [p for p in spaced.problems if p.rule == "read.label_missing"]
    assert spaced.targets.to_dict() == plain.targets.to_dict()
    assert [s.kind for s in spaced.sheets] == [s.kind for s in plain.sheets]


def test_indicator_rows_found_per_config_and_by_value_type() -> None:
    """A row's findings are kept between workbooks, but per framework and accepted bases,
    and a number is never taken for the equal boolean (1 == True)."""
    from dataclasses import replace

    from perfxl.rules import indicators

    res = read_workbook(EXAMPLE_XLSX)
    cfg = load_config(None)
    first = [(p.rule, p.cell) for p in check(res, cfg)]
    bases = {ind.basis for p in res.targets.projects for ind in p.indicators} - {None}
    relaxed = replace(cfg, accepted_basis=tuple(sorted(bases)))
    assert "basis.unlisted" in {r for r, _ in first}
    assert [x for x in first if x[0] != "basis.unlisted"] == [
        (p.rule, p.cell) for p in check(res, relaxed)
    ]
    assert [(p.rule, p.cell) for p in check(res, cfg)] == first

    def rules_of(level3: Any) -> list[str]:
        data = good_data()
        data["projects"][0]["indicators"][0].update(level3=level3, description="True")
        t = Targets.from_dict(data)
        ctx = Context(targets=t, data=t.to_dict(), config=cfg, framework="2015")
        return [f.rule for f in indicators.check(ctx) if f.pointer.endswith("/0/description")]

    assert rules_of(True) == ["indicator.description_repeats"]
    assert rules_of(1) == []
    assert rules_of(True) == ["indicator.description_repeats"]


def test_indicator_findings_carry_their_message_made_once() -> None:
    """An indicator row's place-free findings come with their message (made once with the
    row's remembered findings), the one the catalogue gives; the locator uses it as given."""
    from dataclasses import replace

    from perfxl.rules import indicators
    from perfxl.rules.catalogue import message

    res = read_workbook(EXAMPLE_XLSX)
    cfg = load_config(None)
    t = res.targets
    ctx = Context(targets=t, data=t.to_dict(), config=cfg, framework=cfg.framework)
    found = list(indicators.check(ctx))
    assert {f.rule for f in found} >= {"basis.unlisted", "indicator.description_repeats"}
    for f in found:
        assert f.rule in PLACE_FREE and f.text == message(f.rule, f.fields), f
    located = _Locator(res, cfg).problem
    assert located(replace(found[0], text="给定的说明")).message == "给定的说明"
    assert located(replace(found[0], text=None)) == located(found[0])
