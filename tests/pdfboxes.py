"""Word boxes of a PDF from poppler's ``pdftotext -bbox`` (the height of a box approximates
the font size): enough to check that printed text does not overlap and is not too small."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

_PAGE = re.compile(r"<page [^>]*>(.*?)</page>", re.S)
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', re.S
)


@dataclass(frozen=True)
class Word:
    """One word of a page, in points from the page's top-left corner."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def overlaps(self, other: Word, tolerance: float = 1.0) -> bool:
        """True when the two boxes share more than ``tolerance`` points both ways."""
        dx = min(self.x1, other.x1) - max(self.x0, other.x0)
        dy = min(self.y1, other.y1) - max(self.y0, other.y0)
        return dx > tolerance and dy > tolerance


def pages(pdf: Path) -> list[list[Word]]:
    """The words of every page."""
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.fail("pdftotext (poppler-utils) is missing")
    out = subprocess.run(
        [exe, "-bbox", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [
        [
            Word(float(a), float(b), float(c), float(d), html.unescape(t))
            for a, b, c, d, t in _WORD.findall(body)
        ]
        for body in _PAGE.findall(out)
    ]


def overlapping(words: list[Word]) -> list[tuple[str, str]]:
    """Every pair of words whose boxes overlap (text printed over text)."""
    out = []
    for i, w in enumerate(words):
        for v in words[i + 1 :]:
            if w.overlaps(v):
                out.append((w.text, v.text))
    return out
