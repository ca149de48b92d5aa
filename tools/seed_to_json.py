"""Convert the published Suying 2023 disclosure into ``examples/suying-2023.json``.

Usage::

    .venv/bin/python tools/seed_to_json.py [--seed PATH] [--out PATH] [--year 2023]

The seed (``tests/data/suying-2023-performance-targets.txt``, a copy of the published text) is plain text
converted from Word. Its layout, as this script reads it:

* A line starting with a tab starts a table cell; consecutive tab lines form a
  row, and a blank line ends the row. A line without a leading tab that follows
  a cell continues that cell (joined with ``"\\n"``): this is how the multi-line
  绩效目标 cell is written.
* Any other non-blank line is a paragraph (part one text, section and table
  headings). A leading ``[bookmark: …]`` is a Word artefact and is dropped.
  Lines holding only spaces outside a table are spacing, not content.

Parsing decisions:

* Empty cells, and cells holding only whitespace (the seed writes a blank
  其他资金 and a blank 3月底 as a single space), become ``null``.
* Amounts become JSON numbers in 万元 as published: ``"102.60"`` -> ``102.6``.
  Anything that is not a plain non-negative number with at most two decimals
  is an error, not a guess.
* Every text (names, purposes, goals, 指标值, 依据, part one) keeps the
  published characters exactly: no stripping, no full-width normalisation.
  Only labels are compared with whitespace removed, because Word left runs of
  spaces inside the label ``其中：财政    资金``; the label is not data.
* Fields are found by their labels (项目编码, 预算数, 3月底 …), not by position.
  The unlabelled row under 预算规模及资金用途 is the purpose (资金用途); the
  unlabelled row under 资金支出计划（%） holds the checkpoint amounts.
* Goals: the 绩效目标 cell split into lines, each line kept as published
  (``"1.提升工作人员幸福感"``), numbering included.
* Indicators: one object per row after the 一级指标 header row. 一级指标 is a
  merged cell written once per group, so an empty first cell takes the
  level1 of the row above (fill-down). No other column is filled down.
* The table heading ``N.<name>绩效目标表`` must name the same project as the
  项目名称 cell, and the tables must be numbered 1, 2, 3 … in order; projects
  keep that order. The unit (``910001巨鹿县苏营镇人民政府本级`` -> code
  ``910001`` and name) and money unit (``单位：万元`` -> ``万元``) are read from
  every table and must agree across tables.
* ``framework`` is ``"2015"``: every (一级, 二级) pair is checked against the 2015
  hierarchy and an error is raised otherwise.
* ``year`` is not written as a field in the disclosure (only inside titles and
  codes): it is a command-line option, 2023 by default.
* Part one. ``summary`` is the paragraph under 一、总体绩效目标 (Word repeats the
  heading line once more; the repeat is dropped). Each area of 二、分项绩效目标
  starts with a heading ``（一）促进经济发展：制定本乡…``: ``title`` is the text
  after the ``（一）`` prefix up to the first ``：``, ``description`` is the rest.
  A heading without ``：`` (area 5, ``（五）做好预算、决算、会计管理及村级会计管理事项。``)
  keeps the whole text after the prefix as ``title``, trailing ``。`` included,
  and ``description`` is ``null``. ``targets`` and ``indicators`` are the texts
  after the ``绩效目标：`` and ``绩效指标：`` labels. Each measure of
  三、工作保障措施 is a heading ``（一）完善制度建设`` (``title`` = text after the
  prefix) and the paragraph(s) below it (``text``, joined with ``"\\n"``).

The JSON is written with ``ensure_ascii=False``, ``indent=2`` and a trailing
newline. A short summary (projects, indicator rows, budget total) goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEED = ROOT / "tests" / "data" / "suying-2023-performance-targets.txt"
DEFAULT_OUT = ROOT / "examples" / "suying-2023.json"

SCHEMA_VERSION = "1"
FRAMEWORK = "2015"
DEFAULT_YEAR = 2023

BOOKMARK = re.compile(r"^\[bookmark: [^\]]*\]")
PART_TWO = "第二部分"
TABLE_HEADING = re.compile(r"^(\d+)\.(.+)绩效目标表$")
SECTION_HEADING = re.compile(r"^([一二三])、(.+)$")
ITEM_HEADING = re.compile(r"^（[一二三四五六七八九十]+）(.+)$")
UNIT_CELL = re.compile(r"^(\d{6})(.+)$")
MONEY_UNIT_CELL = re.compile(r"^单位：(.+)$")
AMOUNT = re.compile(r"^\d+(\.\d{1,2})?$")

CHECKPOINTS = {"3月底": "mar", "6月底": "jun", "10月底": "oct", "12月底": "dec"}
INDICATOR_HEADER = ("一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据")
INDICATOR_KEYS = ("level1", "level2", "level3", "description", "target", "basis")
FRAMEWORK_2015 = {
    "产出指标": {"数量指标", "质量指标", "时效指标", "成本指标"},
    "效益指标": {"经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"},
    "满意度指标": {"服务对象满意度指标"},
}


class SeedFormatError(ValueError):
    """The seed text does not have the layout this script expects."""


@dataclass(frozen=True)
class Paragraph:
    """A line of running text outside any table (bookmark removed)."""

    text: str


@dataclass(frozen=True)
class Row:
    """One table row: its cells in order, multi-line cells joined with newlines."""

    cells: tuple[str, ...]


Block = Paragraph | Row


def read_blocks(lines: Iterable[str]) -> list[Block]:
    """Split the seed's lines into paragraphs and table rows.

    Args:
        lines: The seed's lines, without line terminators.

    Returns:
        Paragraphs and rows in document order.
    """
    blocks: list[Block] = []
    cells: list[str] = []
    for line in lines:
        if line.startswith("\t"):
            cells.append(line[1:])
        elif line == "":
            if cells:
                blocks.append(Row(tuple(cells)))
                cells = []
        elif cells:
            cells[-1] += "\n" + line
        elif line.strip():
            blocks.append(Paragraph(BOOKMARK.sub("", line)))
    if cells:
        blocks.append(Row(tuple(cells)))
    return blocks


def label(cell: str) -> str:
    """Return a label cell with Word's stray whitespace removed, for matching."""
    return re.sub(r"\s+", "", cell)


def text(cell: str) -> str | None:
    """Return a text cell as published, or None when it is blank."""
    return cell if cell.strip() else None


def amount(cell: str, where: str) -> float | None:
    """Return an amount cell in 万元 as a number, or None when it is blank.

    Raises:
        SeedFormatError: The cell is neither blank nor a plain amount.
    """
    if not cell.strip():
        return None
    if not AMOUNT.match(cell):
        raise SeedFormatError(f"{where}: {cell!r} is not an amount in 万元")
    return float(cell)


def find_row(rows: Sequence[Row], first_label: str, where: str) -> int:
    """Return the index of the row whose first cell carries ``first_label``.

    Raises:
        SeedFormatError: No row, or more than one, starts with that label.
    """
    found = [i for i, row in enumerate(rows) if row.cells and label(row.cells[0]) == first_label]
    if len(found) != 1:
        raise SeedFormatError(f"{where}: expected one row labelled {first_label}, found {found}")
    return found[0]


def labelled(cells: Sequence[str], where: str) -> dict[str, str]:
    """Map label -> value for a run of (label, value) cell pairs.

    Raises:
        SeedFormatError: The cells do not come in pairs.
    """
    if len(cells) % 2:
        raise SeedFormatError(f"{where}: unpaired label/value cells {list(cells)}")
    return {label(cells[i]): cells[i + 1] for i in range(0, len(cells), 2)}


def parse_indicators(rows: Sequence[Row], where: str) -> list[dict[str, str | None]]:
    """Parse the indicator rows below the header, filling 一级指标 down.

    Raises:
        SeedFormatError: A row has the wrong width, no 一级指标 to inherit, or a
            (一级, 二级) pair outside the 2015 framework.
    """
    indicators: list[dict[str, str | None]] = []
    level1: str | None = None
    for row in rows:
        if len(row.cells) != len(INDICATOR_KEYS):
            raise SeedFormatError(f"{where}: indicator row {list(row.cells)} is not 6 cells")
        values = dict(zip(INDICATOR_KEYS, map(text, row.cells), strict=True))
        level1 = values["level1"] or level1
        if level1 is None:
            raise SeedFormatError(f"{where}: first indicator row has no 一级指标")
        values["level1"] = level1
        if values["level2"] not in FRAMEWORK_2015.get(level1, set()):
            raise SeedFormatError(f"{where}: {level1}/{values['level2']} is not in framework 2015")
        indicators.append(values)
    return indicators


def parse_table(number: int, heading_name: str, rows: Sequence[Row]) -> dict[str, Any]:
    """Parse one project table into the unit it names and the project object.

    Args:
        number: The table's number in its heading.
        heading_name: The project name in the heading ``N.<name>绩效目标表``.
        rows: The table's rows, in order.

    Returns:
        ``{"unit": {...}, "money_unit": str, "project": {...}}``.

    Raises:
        SeedFormatError: A label, value or row is missing or malformed.
    """
    where = f"table {number}"
    unit_cells = rows[0].cells
    unit_match = UNIT_CELL.match(unit_cells[0])
    money_match = MONEY_UNIT_CELL.match(label(unit_cells[1])) if len(unit_cells) > 1 else None
    if not unit_match or not money_match:
        raise SeedFormatError(f"{where}: first row {list(unit_cells)} is not unit + 单位")

    ids = labelled(rows[find_row(rows, "项目编码", where)].cells, where)
    scale_index = find_row(rows, "预算规模及资金用途", where)
    money = labelled(rows[scale_index].cells[1:], where)
    purpose_row = rows[scale_index + 1].cells
    if len(purpose_row) != 2 or purpose_row[0].strip():
        raise SeedFormatError(f"{where}: no unlabelled purpose row under 预算规模及资金用途")

    plan_index = find_row(rows, "资金支出计划（%）", where)
    checkpoints = [label(cell) for cell in rows[plan_index].cells[1:]]
    plan_values = rows[plan_index + 1].cells[1:]
    if set(checkpoints) != set(CHECKPOINTS) or len(plan_values) != len(checkpoints):
        raise SeedFormatError(f"{where}: spending plan {checkpoints} / {list(plan_values)}")
    plan = {
        CHECKPOINTS[checkpoint]: amount(value, f"{where} {checkpoint}")
        for checkpoint, value in zip(checkpoints, plan_values, strict=True)
    }

    goals_cell = rows[find_row(rows, "绩效目标", where)].cells[1]
    header_index = find_row(rows, "一级指标", where)
    if tuple(label(cell) for cell in rows[header_index].cells) != INDICATOR_HEADER:
        raise SeedFormatError(f"{where}: unexpected indicator header {rows[header_index].cells}")

    name = ids["项目名称"]
    if name != heading_name:
        raise SeedFormatError(f"{where}: heading names {heading_name!r}, table {name!r}")
    project = {
        "code": ids["项目编码"],
        "name": name,
        "budget": amount(money["预算数"], f"{where} 预算数"),
        "fiscal_funds": amount(money["其中：财政资金"], f"{where} 财政资金"),
        "other_funds": amount(money["其他资金"], f"{where} 其他资金"),
        "purpose": text(purpose_row[1]),
        "plan": {key: plan[key] for key in CHECKPOINTS.values()},
        "goals": goals_cell.splitlines(),
        "indicators": parse_indicators(rows[header_index + 1 :], where),
    }
    return {
        "unit": {"code": unit_match.group(1), "name": unit_match.group(2)},
        "money_unit": money_match.group(1),
        "project": project,
    }


def split_items(paragraphs: Sequence[str], where: str) -> list[tuple[str, list[str]]]:
    """Group paragraphs under their ``（一）…`` headings.

    Returns:
        (heading text after the prefix, paragraphs below it) per item.

    Raises:
        SeedFormatError: Text comes before the first heading.
    """
    items: list[tuple[str, list[str]]] = []
    for paragraph in paragraphs:
        heading = ITEM_HEADING.match(paragraph)
        if heading:
            items.append((heading.group(1), []))
        elif items:
            items[-1][1].append(paragraph)
        else:
            raise SeedFormatError(f"{where}: {paragraph[:20]!r} comes before any heading")
    return items


def labelled_text(paragraphs: Sequence[str], prefix: str, where: str) -> str | None:
    """Return the text after ``prefix`` in the one paragraph that starts with it."""
    found = [p[len(prefix) :] for p in paragraphs if p.startswith(prefix)]
    if len(found) > 1:
        raise SeedFormatError(f"{where}: more than one {prefix} paragraph")
    return found[0] if found else None


def parse_overall(paragraphs: Sequence[str]) -> dict[str, Any]:
    """Parse part one (部门整体绩效目标) into summary, areas and measures.

    Raises:
        SeedFormatError: A section is missing or holds unexpected text.
    """
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    last_heading = ""
    for paragraph in paragraphs:
        heading = SECTION_HEADING.match(paragraph)
        if paragraph == last_heading:
            continue  # Word's table of contents left the heading written twice
        if heading:
            if heading.group(1) in sections:
                raise SeedFormatError(f"part one: section {paragraph!r} appears twice")
            last_heading = paragraph
            current = sections[heading.group(1)] = []
        elif current is not None:
            current.append(paragraph)
    if set(sections) != {"一", "二", "三"}:
        raise SeedFormatError(f"part one: sections found {sorted(sections)}")
    if len(sections["一"]) != 1:
        raise SeedFormatError("part one: 总体绩效目标 is not one paragraph")

    areas: list[dict[str, str | None]] = []
    for item, body in split_items(sections["二"], "分项绩效目标"):
        title, colon, description = item.partition("：")
        known = [p for p in body if p.startswith(("绩效目标：", "绩效指标："))]
        if len(known) != len(body):
            raise SeedFormatError(f"分项绩效目标 {title}: unlabelled paragraph")
        areas.append(
            {
                "title": title,
                "description": description if colon else None,
                "targets": labelled_text(body, "绩效目标：", title),
                "indicators": labelled_text(body, "绩效指标：", title),
            }
        )
    measures = [
        {"title": item, "text": "\n".join(body) or None}
        for item, body in split_items(sections["三"], "工作保障措施")
    ]
    return {"summary": sections["一"][0], "areas": areas, "measures": measures}


def parse_seed(source: str, year: int = DEFAULT_YEAR) -> dict[str, Any]:
    """Parse the whole disclosure into the JSON contract's document.

    Args:
        source: The seed text.
        year: The budget year (not a field of the disclosure).

    Returns:
        The document, keys in contract order.

    Raises:
        SeedFormatError: The text does not have the expected layout.
    """
    blocks = read_blocks(source.splitlines())
    split = next(
        (
            i
            for i, b in enumerate(blocks)
            if isinstance(b, Paragraph) and b.text.strip() == PART_TWO
        ),
        None,
    )
    if split is None:
        raise SeedFormatError(f"no {PART_TWO} heading")
    part_one = [b.text for b in blocks[:split] if isinstance(b, Paragraph)]

    tables: list[tuple[int, str, list[Row]]] = []
    for block in blocks[split + 1 :]:
        heading = TABLE_HEADING.match(block.text) if isinstance(block, Paragraph) else None
        if heading:
            tables.append((int(heading.group(1)), heading.group(2), []))
        elif isinstance(block, Row) and tables:
            tables[-1][2].append(block)
    numbers = [number for number, _, _ in tables]
    if numbers != list(range(1, len(tables) + 1)):
        raise SeedFormatError(f"tables are numbered {numbers}")

    parsed = [parse_table(*table) for table in tables]
    units = {(p["unit"]["code"], p["unit"]["name"], p["money_unit"]) for p in parsed}
    if len(units) != 1:
        raise SeedFormatError(f"tables disagree on unit / money unit: {sorted(units)}")
    return {
        "schema_version": SCHEMA_VERSION,
        "unit": parsed[0]["unit"],
        "year": year,
        "money_unit": parsed[0]["money_unit"],
        "framework": FRAMEWORK,
        "overall": parse_overall(part_one),
        "projects": [p["project"] for p in parsed],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Read the seed, write the JSON, report the headline figures on stderr."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=Path, default=DEFAULT_SEED, help="seed text file")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file to write")
    parser.add_argument("--year", type=int, default=DEFAULT_YEAR, help="budget year")
    args = parser.parse_args(argv)

    try:
        document = parse_seed(args.seed.read_text(encoding="utf-8"), args.year)
    except (OSError, SeedFormatError) as error:
        print(f"seed_to_json: {error}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    projects = document["projects"]
    rows = sum(len(p["indicators"]) for p in projects)
    total = round(sum(p["budget"] for p in projects), 2)
    print(
        f"{args.out}: {len(projects)} projects, {rows} indicator rows, budget {total} 万元",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
