"""Blocks of a published document -> the model (pure): front matter, part one, part two."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from perfxl import constants as C
from perfxl import framework as F
from perfxl.importer.blocks import PAGE_NUMBER, Block, Para, Table, squeeze
from perfxl.importer.overall import is_part_one_start, read_overall, unplaced
from perfxl.importer.projects import ProjectReader
from perfxl.model import Project, Targets, Unit
from perfxl.rules.catalogue import RuleId, make

EMITS: frozenset[RuleId] = frozenset({"import.unit_missing", "import.year_unknown"})

YEAR = re.compile(r"((?:19|20)\d{2})\s*年度?\s*(?:部门|单位)?\s*(?:整体)?\s*(?:预算)?绩效目标")
TOC_LINE = re.compile(r"(\t|\.{3,}|…{2,}|·{3,})\s*\d+\s*$")
PROJECT_TITLE = re.compile(r"^\d+\s*[.．、]?.*(绩效目标表|绩效目标申报表)$")
PART_TWO = frozenset({"第二部分", "预算项目绩效目标", "项目支出绩效目标"})
TOC_TITLES = frozenset({"目录", "目次"})


@dataclass
class Imported:
    """A document's data and what could not be read from it."""

    targets: Targets
    problems: list[Any] = field(default_factory=list)


def read_blocks(
    blocks: list[Block], file: str, *, wrapped: bool, year: int | None = None
) -> Imported:
    """Turn a document's blocks into the model.

    Args:
        blocks: paragraphs and tables in reading order.
        file: the document as given (for problem records).
        wrapped: PDF text (line breaks in cells are wraps, see `ProjectReader`).
        year: the budget year when the caller knows it (else read from the title).
    """
    reader = ProjectReader(file, wrapped=wrapped)
    front: list[str] = []
    one: list[Para] = []
    loose: list[Para] = []
    phase = "front"
    contents = _contents(blocks)
    for n, b in enumerate(blocks):
        if n in contents:
            continue
        if isinstance(b, Table):
            if phase != "two" and reader.holds_project(b):
                phase = "two"
            reader.table(b)
            continue
        text = b.text.strip()
        if not text or PAGE_NUMBER.match(text):
            continue
        if phase == "front":
            if TOC_LINE.search(text):
                continue
            if is_part_one_start(text):
                phase = "one"
            else:
                front.append(text)
                continue
        if phase == "one":
            if squeeze(text) in PART_TWO:
                phase = "two"
            else:
                one.append(b)
            continue
        if squeeze(text) in PART_TWO or reader.unit_text(text):
            continue
        loose.append(b)
    part_two = reader.finish()
    overall, problems = read_overall(one, file)
    problems.extend(_titles(loose, file))
    problems.extend(part_two.problems)
    t = Targets(overall=overall, projects=part_two.projects)
    t.money_unit = part_two.money_unit or C.MONEY_UNIT
    if part_two.unit is not None:
        t.unit = Unit(code=part_two.unit[0], name=part_two.unit[1])
    else:
        problems.append(make("import.unit_missing", file=file))
    t.year = year if year is not None else _year(front + [p.text for p in one[:1]])
    if t.year is None:
        problems.append(make("import.year_unknown", file=file))
    t.framework = _framework(part_two.projects)
    return Imported(t, problems)


def _contents(blocks: list[Block]) -> range:
    """The blocks of a table of contents without page numbers (one never updated, as a PDF
    saved from a published .docx shows it), else an empty range.

    Its lines are the document's headings, both parts': the text comes after the 目录 title
    and runs until a heading the contents listed, part two's title among them, comes again as
    the start of part one; whatever lies between (the last entries, a hint, 第一部分) is
    contents too. A contents whose lines carry page numbers is left to `TOC_LINE`.
    """
    start = next(
        (n for n, b in enumerate(blocks) if isinstance(b, Para) and squeeze(b.text) in TOC_TITLES),
        None,
    )
    if start is None:
        return range(0)
    listed: set[str] = set()
    for n in range(start + 1, len(blocks)):
        b = blocks[n]
        if isinstance(b, Table):
            break  # part two's tables: no contents this far
        text = squeeze(b.text)
        if text in listed and is_part_one_start(b.text) and listed & PART_TWO:
            return range(start + 1, n)
        listed.add(text)
    return range(0)


def _year(texts: list[str]) -> int | None:
    for text in texts:
        m = YEAR.search("".join(text.split()))
        if m:
            return int(m.group(1))
    return None


def _framework(projects: list[Project]) -> str:
    """2021 when 成本指标 is a first-level indicator, else 2015 (the default)."""
    level1 = {F.canonical(i.level1) for p in projects for i in p.indicators}
    return "2021" if "成本指标" in level1 else F.DEFAULT_FRAMEWORK


def _titles(paras: list[Para], file: str) -> list[Any]:
    """Text in part two is the project titles; anything else is reported.

    A PDF breaks a long title over lines: consecutive lines are joined before matching.
    """
    problems: list[Any] = []
    part = "第二部分（预算项目绩效目标），不是项目表的标题"
    pending: list[Para] = []
    for para in paras:
        pending.append(para)
        for k in range(len(pending)):
            if PROJECT_TITLE.match("".join("".join(p.text.split()) for p in pending[k:])):
                problems.extend(unplaced(p, file, part) for p in pending[:k])
                pending = []
                break
        if len(pending) > 3:
            problems.append(unplaced(pending.pop(0), file, part))
    problems.extend(unplaced(p, file, part) for p in pending)
    return problems
