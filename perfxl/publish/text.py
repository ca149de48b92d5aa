"""Pure text formatting for the disclosure: amounts, numbering, titles, merges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perfxl import constants as C
from perfxl.model import Indicator, Targets
from perfxl.numbers import number, round2
from perfxl.publish import labels as T


def amount_text(value: Any) -> str:
    """An amount as published: two decimals in 万元; text typed in the workbook stays as is."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    d = number(value)  # the one reading and rounding of an amount (half up, as compute)
    return str(value) if d is None else f"{round2(d):f}"


def plain(value: Any) -> str:
    """Any cell value as text (None becomes empty)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (1..99)."""
    d = T.CN_DIGITS
    if n < 10:
        return d[n]
    tens, ones = divmod(n, 10)
    head = "十" if tens == 1 else d[tens] + "十"
    return head + (d[ones] if ones else "")


def item_prefix(n: int) -> str:
    """The 1-based item prefix of part one: （一）, （二） …"""
    return f"（{chinese_number(n)}）"


def unit_line(t: Targets) -> str:
    """The unit as the table header shows it: code followed by name."""
    return plain(t.unit.code) + plain(t.unit.name)


def project_title(n: int, name: Any) -> str:
    """``1.<name>绩效目标表``; a project without a name gets the generic title."""
    return f"{n}.{plain(name)}{C.PROJECT_TITLE_SUFFIX}" if name else f"{n}.{C.PROJECT_TITLE_BLANK}"


def document_title(t: Targets) -> str:
    """The cover title: unit name, a line break, and the budget year's targets."""
    unit = plain(t.unit.name) or plain(t.unit.code)
    if t.year:
        return T.DOC_TITLE.format(unit=unit, year=plain(t.year))
    return T.DOC_TITLE_NO_YEAR.format(unit=unit)


def county_name(books: Sequence[Targets]) -> str:
    """The county shared by every unit name (``巨鹿县…`` -> ``巨鹿县``), or empty."""
    names = [plain(b.unit.name) for b in books]
    if not names or not all(names):
        return ""
    prefix = names[0]
    for name in names[1:]:
        while not name.startswith(prefix):
            prefix = prefix[:-1]
    for i, ch in enumerate(prefix):
        if ch in "县市区旗":
            return prefix[: i + 1]
    return ""


def runs(values: Sequence[Any]) -> list[tuple[int, int]]:
    """Runs of equal, non-empty consecutive values as (start, length); used for merges."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(values):
        j = i + 1
        if values[i] not in (None, ""):
            while j < len(values) and values[j] == values[i]:
                j += 1
        out.append((i, j - i))
        i = j
    return out


def indicator_merges(rows: Sequence[Indicator]) -> tuple[list[tuple[int, int]], list[list[int]]]:
    """Vertical merges of the indicator table.

    一级指标 is merged over each run of equal values; 二级指标 over runs of equal values
    inside one 一级指标 run (as the official form prints them).

    Returns:
        (runs of 一级指标, and for each run the lengths of its 二级指标 runs).
    """
    level1 = runs([r.level1 for r in rows])
    level2: list[list[int]] = []
    for start, length in level1:
        group = rows[start : start + length]
        level2.append([n for _, n in runs([r.level2 for r in group])])
    return level1, level2
