"""The county's view: a summary table of every unit, the file used for each unit, then every
unit's disclosure in turn."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from perfxl.model import Targets
from perfxl.numbers import total
from perfxl.publish import labels as T
from perfxl.publish import styles as S
from perfxl.publish.blocks import Blocks
from perfxl.publish.ooxml import Cell, Row, table
from perfxl.publish.text import amount_text, plain
from perfxl.publish.township import township

SUMMARY_WIDTHS = (500, 900, S.PAGE.text_width - 5800, 700, 700, 1000, 1000, 1000)
SOURCE_WIDTHS = (900, 2600, S.PAGE.text_width - 7300, 1400, 2400)


@dataclass(frozen=True)
class Source:
    """Which file the document used for a unit, and which it left out.

    Attributes:
        unit_code: the unit's code (None when the workbook has none).
        unit_name: its name.
        used: the file used (as shown: relative to the input folder).
        basis: what decided between versions (Chinese, `perfxl.versions.BASIS_ZH`); empty
            when the unit sent one file.
        left_out: the older versions of the same unit, as shown.
    """

    unit_code: str | None
    unit_name: str | None
    used: str
    basis: str = ""
    left_out: tuple[str, ...] = ()


def _sum(values: Sequence[object]) -> Decimal:
    """The one summing rule (:func:`perfxl.numbers.total`), as ``consolidate`` sums a unit."""
    return total(values)


def summary_table(books: Sequence[Targets]) -> str:
    """One row per unit (projects, indicators, amounts) and a 合计 row."""
    head = Row([Cell([h], S.TABLE_HEAD) for h in T.COUNTY_HEADERS], header=True)
    rows = [head]
    totals: list[int | Decimal] = [0, 0, Decimal(0), Decimal(0), Decimal(0)]
    for i, t in enumerate(books, 1):
        n_ind = sum(len([x for x in p.indicators if not x.is_blank()]) for p in t.projects)
        money = [_sum([getattr(p, k) for p in t.projects]) for k in AMOUNTS]
        counts = [len(t.projects), n_ind]
        row: list[int | Decimal] = [*counts, *money]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        rows.append(
            Row(
                [
                    Cell([str(i)], S.TABLE),
                    Cell([plain(t.unit.code)], S.TABLE),
                    Cell([plain(t.unit.name)], S.TABLE, align="left"),
                    *(Cell([str(c)], S.TABLE) for c in counts),
                    *(Cell([amount_text(m)], S.TABLE, align="right") for m in money),
                ]
            )
        )
    rows.append(
        Row(
            [
                Cell([T.COUNTY_TOTAL], S.TABLE_HEAD, span=3),
                *(Cell([str(int(c))], S.TABLE_HEAD) for c in totals[:2]),
                *(Cell([amount_text(m)], S.TABLE_HEAD, align="right") for m in totals[2:]),
            ]
        )
    )
    return table(SUMMARY_WIDTHS, rows)


AMOUNTS = ("budget", "fiscal_funds", "other_funds")


def sources_table(sources: Sequence[Source]) -> str:
    """One row per unit: the file used, what decided between versions, the versions left out."""
    head = Row([Cell([h], S.TABLE_HEAD) for h in T.SOURCE_HEADERS], header=True)
    rows = [head]
    for src in sources:
        rows.append(
            Row(
                [
                    Cell([plain(src.unit_code)], S.TABLE),
                    Cell([plain(src.unit_name)], S.TABLE, align="left"),
                    Cell([src.used], S.TABLE, align="left"),
                    Cell([src.basis or T.SOURCE_ONLY], S.TABLE),
                    Cell(list(src.left_out) or [T.SOURCE_NONE], S.TABLE, align="left"),
                ]
            )
        )
    return table(SOURCE_WIDTHS, rows)


def county(b: Blocks, books: Sequence[Targets], sources: Sequence[Source] = ()) -> None:
    """Append the summary table, the files used, then each unit under its own first-level
    heading."""
    b.para(T.COUNTY_SUMMARY, S.HEADING1, align="center", level=1, line=None, after=240)
    b.para("单位：万元", S.TABLE, align="right", line=None)
    b.raw(summary_table(books))
    if sources:
        b.para(T.SOURCE_TITLE, S.TABLE_HEAD, align="left", before=240, line=None)
        b.raw(sources_table(sources))
    for t in books:
        name = plain(t.unit.code) + plain(t.unit.name)
        b.para(name, S.HEADING1, align="center", level=1, page_break=True, line=None, after=240)
        township(b, t, level=2)
