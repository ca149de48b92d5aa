"""Part two: the project tables, read by their labels into projects (pure).

Rows are read as one stream across tables, so a project printed as two tables (the header
block, then the indicator table), or an indicator table continued on the next PDF page, reads
as one project. Every non-empty row either lands in the model or is reported with its table
and row number; nothing is dropped in silence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from perfxl.importer import labels as L
from perfxl.importer.blocks import Cell, Row, Table
from perfxl.model import Indicator, Project
from perfxl.read import parse_amount_text
from perfxl.rules.catalogue import RuleId, make

EMITS: frozenset[RuleId] = frozenset(
    {
        "import.table_skipped",
        "import.row_unrecognised",
        "import.amount_unreadable",
        "import.field_missing",
    }
)

_GOAL_START = re.compile(r"^\s*(\d+|[（(]\d+[）)]|[一二三四五六七八九十]+、)[.．、]?")
_PREVIEW = 60


@dataclass
class PartTwo:
    """What the project tables held."""

    projects: list[Project] = field(default_factory=list)
    unit: tuple[str, str] | None = None
    money_unit: str | None = None
    problems: list[Any] = field(default_factory=list)


@dataclass
class _Open:
    """The project being read, and where it started (for messages)."""

    project: Project
    table: int
    row: int
    columns: dict[str, Cell] | None = None  # the indicator header: field -> its cell
    plan: dict[str, Cell] | None = None  # checkpoint labels waiting for the values row
    after_budget: bool = False  # the next unlabelled row is 资金用途
    level1: str | None = None
    level2: str | None = None


class ProjectReader:
    """Reads project tables in document order.

    Args:
        file: the document, as given (for problem records).
        wrapped: True for PDF text, where a cell's line breaks are where the text wrapped,
            not breaks the author typed.
    """

    def __init__(self, file: str, *, wrapped: bool = False) -> None:
        self.file = file
        self.wrapped = wrapped
        self.out = PartTwo()
        self.open: _Open | None = None

    # ------------------------------------------------------------------ tables and rows
    def table(self, t: Table) -> None:
        """Read one table; a table with nothing of a project in it is reported, not read."""
        if not self.holds_project(t):
            first = next((c.text for r in t.rows for c in r.cells if c.text.strip()), "")
            if t.rows and first:
                self._problem(
                    "import.table_skipped", t, None, rows=len(t.rows), first=_preview(first)
                )
            return
        for row in t.rows:
            self._row(t, row)

    def finish(self) -> PartTwo:
        """Close the last project and return everything read."""
        self._close()
        return self.out

    def holds_project(self, t: Table) -> bool:
        """True when the table holds project labels (or continues an indicator table)."""
        for row in t.rows:
            for c in row.cells:
                if L.header_field(c.text) or L.indicator_field(c.text):
                    return True
        # A continued indicator table (next PDF page) has no labels of its own.
        return self.open is not None and self.open.columns is not None

    def _row(self, t: Table, row: Row) -> None:
        cells = [c for c in row.cells if not c.merged and c.text.strip()]
        if not cells and not any(c.merged for c in row.cells):
            return
        heads = {L.indicator_field(c.text) for c in row.cells} - {None}
        if len(heads) >= 3 and ("level1" in heads or "level3" in heads):
            self._indicator_header(t, row)
            return
        fields = [L.header_field(c.text) for c in row.cells]
        if any(fields):
            self._header_row(t, row, fields)
            return
        if self._unit_row(row):
            return
        op = self.open
        if op is not None and op.plan is not None:
            self._plan_values(t, row, op.plan)
            op.plan = None
            return
        if op is not None and op.after_budget and op.columns is None:
            op.after_budget = False
            text = "\n".join(c.text for c in cells)
            if text:
                op.project.purpose = self._text(text)
            return
        if op is not None and op.columns is not None:
            self._indicator_row(t, row, op)
            return
        if cells:
            self._problem(
                "import.row_unrecognised", t, row, text=_preview(" | ".join(c.text for c in cells))
            )

    # ------------------------------------------------------------------ the header block
    def _header_row(self, t: Table, row: Row, fields: list[str | None]) -> None:
        keys = set(fields)
        op = self.open
        starts = L.CODE in keys or (
            L.NAME in keys and op is not None and op.project.name is not None
        )
        if op is None or starts or (op.columns is not None and keys & {L.BUDGET, L.GOALS}):
            self._close()
            op = self.open = _Open(Project(), t.number, row.number)
        op.after_budget = False
        used: set[int] = set()
        plan: dict[str, Cell] = {}
        for i, (cell, key) in enumerate(zip(row.cells, fields, strict=True)):
            if key is None:
                continue
            used.add(i)
            if key in (L.BUDGET_GROUP, L.PLAN_GROUP):
                continue
            if key in L.PLAN_KEYS.values():
                value = self._value_after(row.cells, fields, i, used)
                if value is None or not value.strip():  # the amounts are in the next row
                    plan[key] = cell
                else:
                    setattr(op.project.plan, key, self._amount(value, t, row, cell.text))
                continue
            value = self._value_after(row.cells, fields, i, used)
            if key in (L.BUDGET, L.FISCAL, L.OTHER):
                setattr(op.project, key, self._amount(value, t, row, cell.text))
                op.after_budget = True
            elif key == L.GOALS:
                op.project.goals = self._goals(value)
            elif key == L.PURPOSE:
                op.project.purpose = self._text(value)
            else:
                setattr(op.project, key, self._text(value))
        op.plan = plan or None
        if op.after_budget and L.PURPOSE in keys:
            op.after_budget = False
        self._leftovers(t, row, used)

    def _value_after(
        self, cells: tuple[Cell, ...], fields: list[str | None], i: int, used: set[int]
    ) -> str | None:
        """The text of the cell right of label ``i`` when it is not itself a label."""
        j = i + 1
        if j >= len(cells) or fields[j] is not None or cells[j].merged:
            return None
        used.add(j)
        return cells[j].text

    def _plan_values(self, t: Table, row: Row, plan: dict[str, Cell]) -> None:
        assert self.open is not None
        used: set[int] = set()
        for key, label in plan.items():
            for i, c in enumerate(row.cells):
                if i not in used and not c.merged and c.overlaps(label):
                    used.add(i)
                    setattr(self.open.project.plan, key, self._amount(c.text, t, row, label.text))
                    break
        self._leftovers(t, row, used)

    def _unit_row(self, row: Row) -> bool:
        texts = [x for c in row.cells if (x := self._text(c.text) or "")]
        if not texts or not all(L.UNIT_LINE.match(x) or L.MONEY_UNIT.match(x) for x in texts):
            return False
        for x in texts:
            self.unit_text(x)
        return True

    def unit_text(self, text: str) -> bool:
        """Take the unit (and money unit) from a line like ``910001某某镇 单位：万元``."""
        m = L.MONEY_UNIT.match(text)
        if m:
            self.out.money_unit = m.group(1)
            return True
        m = L.UNIT_LINE.match(text)
        if not m:
            return False
        if self.out.unit is None:
            self.out.unit = (m.group(1), m.group(2))
        if m.group(3):
            self.out.money_unit = m.group(3)
        return True

    # ------------------------------------------------------------------ the indicator table
    def _indicator_header(self, t: Table, row: Row) -> None:
        op = self.open
        if op is None or op.columns is not None:  # no header block, or a second table
            if op is not None and op.project.indicators:
                op.columns = {  # a repeated header (next page): same project goes on
                    k: c for c in row.cells if (k := L.indicator_field(c.text)) is not None
                }
                return
            if op is None:
                op = self.open = _Open(Project(), t.number, row.number)
        op.columns = {k: c for c in row.cells if (k := L.indicator_field(c.text)) is not None}
        op.plan = None
        op.after_budget = False
        used = {i for i, c in enumerate(row.cells) if L.indicator_field(c.text)}
        self._leftovers(t, row, used)

    def _indicator_row(self, t: Table, row: Row, op: _Open) -> None:
        assert op.columns is not None
        values: dict[str, Cell] = {}
        used: set[int] = set()
        for i, c in enumerate(row.cells):
            key = next(
                (k for k, h in op.columns.items() if k not in values and c.overlaps(h)), None
            )
            if key is not None:
                values[key] = c
                used.add(i)
        ind = Indicator()
        for key in ("level3", "description", "target", "basis"):
            got = values.get(key)
            setattr(ind, key, None if got is None or got.merged else self._text(got.text))
        l1, l2 = values.get("level1"), values.get("level2")
        level1 = None if l1 is None or l1.merged else self._text(l1.text)
        level2 = None if l2 is None or l2.merged else self._text(l2.text)
        if level1 is None:  # written once per group, the cells below left empty or merged
            level1 = op.level1
        elif level1 != op.level1:
            op.level2 = None
        if level2 is None and l2 is not None and l2.merged:
            level2 = op.level2
        ind.level1, ind.level2 = level1, level2
        op.level1, op.level2 = level1, level2
        if not all(
            getattr(ind, k) is None for k in ("level2", "level3", "description", "target", "basis")
        ):
            op.project.indicators.append(ind)
        self._leftovers(t, row, used)

    # ------------------------------------------------------------------ helpers
    def _close(self) -> None:
        op, self.open = self.open, None
        if op is None:
            return
        p = op.project
        self.out.projects.append(p)
        where = {"table": op.table, "row": op.row}
        name = p.name or p.code or f"第 {len(self.out.projects)} 个"
        for key, label in (
            (L.CODE, "项目编码"),
            (L.NAME, "项目名称"),
            (L.BUDGET, "预算数"),
        ):
            if getattr(p, key) is None:
                self.out.problems.append(
                    self._make_missing(name, label, where, len(self.out.projects))
                )
        if not p.indicators:
            self.out.problems.append(
                self._make_missing(
                    name, "绩效指标（一级指标…指标值确定依据 表格）", where, len(self.out.projects)
                )
            )

    def _make_missing(self, name: Any, label: str, where: dict[str, int], n: int) -> Any:
        return make(
            "import.field_missing",
            file=self.file,
            sheet=f"表格 {where['table']}",
            cell=f"第 {where['row']} 行",
            pointer=f"/projects/{n - 1}",
            project=name,
            label=label,
            table=where["table"],
            row=where["row"],
        )

    def _leftovers(self, t: Table, row: Row, used: set[int]) -> None:
        rest = [
            c.text
            for i, c in enumerate(row.cells)
            if i not in used and not c.merged and c.text.strip()
        ]
        if rest:
            self._problem("import.row_unrecognised", t, row, text=_preview(" | ".join(rest)))

    def _problem(self, rule: RuleId, t: Table, row: Row | None, **fields: Any) -> None:
        n = len(self.out.projects) + (self.open is not None)
        self.out.problems.append(
            make(
                rule,
                file=self.file,
                sheet=f"表格 {t.number}",
                cell=None if row is None else f"第 {row.number} 行",
                pointer=f"/projects/{n - 1}" if n and self.open is not None else None,
                table=t.number,
                row="" if row is None else row.number,
                page="" if t.page is None else f"（第 {t.page} 页）",
                **fields,
            )
        )

    def _text(self, text: str | None) -> str | None:
        if text is None:
            return None
        if self.wrapped:
            text = "".join(line.strip() for line in text.split("\n"))
        text = text.strip()
        return text or None

    def _amount(self, text: str | None, t: Table, row: Row, label: str) -> Any:
        s = self._text(text)
        if s is None:
            return None
        value = parse_amount_text(s)
        if value is None:
            self._problem(
                "import.amount_unreadable", t, row, label=_preview(label.strip()), value=s
            )
            return s
        return float(value) if isinstance(value, int) else value

    def _goals(self, text: str | None) -> list[str]:
        if text is None:
            return []
        lines = [x.strip() for x in text.split("\n") if x.strip()]
        if not self.wrapped:
            return lines
        goals: list[str] = []
        for x in lines:  # PDF: a numbered line starts a goal, other lines continue one
            if goals and not _GOAL_START.match(x):
                goals[-1] += x
            else:
                goals.append(x)
        return goals


def _preview(text: str) -> str:
    one = " ".join(text.split())
    return one if len(one) <= _PREVIEW else one[: _PREVIEW - 1] + "…"
