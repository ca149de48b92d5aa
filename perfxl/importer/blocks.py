"""A document as the importer sees it: paragraphs and tables in reading order (pure).

Each source (Word through python-docx, PDF through pdfplumber) yields these blocks; one parser
turns them into the model, so a document reads the same whichever program wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PAGE_NUMBER = re.compile(r"^[-—–\s]*\d+[-—–\s]*$|^第\s*\d+\s*页(\s*共\s*\d+\s*页)?$")


@dataclass(frozen=True)
class Cell:
    """One cell of a table row.

    Attributes:
        text: the cell's text; its paragraphs (or lines) joined by a newline.
        col: the first grid column the cell covers (0-based).
        span: how many grid columns it covers.
        merged: True when the cell continues a vertically merged cell above it (its text is
            the merged cell's, shown once, in the first row).
    """

    text: str
    col: int = 0
    span: int = 1
    merged: bool = False

    def overlaps(self, other: Cell) -> bool:
        """True when the two cells share a grid column."""
        return self.col < other.col + other.span and other.col < self.col + self.span


@dataclass(frozen=True)
class Row:
    """One table row: its cells left to right, and its 1-based number in the table."""

    cells: tuple[Cell, ...]
    number: int


@dataclass
class Table:
    """A table: its 1-based number in the document and its rows (page: PDF only)."""

    number: int
    rows: list[Row] = field(default_factory=list)
    page: int | None = None


@dataclass(frozen=True)
class Para:
    """A paragraph of text (page: PDF only)."""

    text: str
    page: int | None = None


Block = Para | Table


def squeeze(text: str) -> str:
    """Text with every kind of white space removed: how labels are compared.

    Word and WPS pad labels with spaces to fit a cell (``其中：财政    资金``), and PDF text
    breaks them over lines (``指标值确定\\n依据``).
    """
    return "".join(text.split()).replace(":", "：").replace("(", "（").replace(")", "）")
