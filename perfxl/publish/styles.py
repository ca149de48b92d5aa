"""The look of a Chinese government document (GB/T 9704-2012 conventions).

A4; margins 3.7 / 3.5 / 2.8 / 2.6 cm; title in 方正小标宋简体 二号; body in 仿宋_GB2312
三号 at a fixed 28 pt line pitch; first-level headings 黑体, second-level 楷体_GB2312;
tables in 仿宋 五号; page numbers ``— 1 —`` in 宋体 四号. Every run names one East Asian
font (Word has no fallback list): :data:`FALLBACKS` is written into the font table as
``w:altName`` so Word and WPS substitute the common system font when the GB fonts are missing,
and :mod:`perfxl.publish.pdf` gives LibreOffice the same substitutions through fontconfig.
"""

from __future__ import annotations

from dataclasses import dataclass

TITLE_FONT = "方正小标宋简体"
HEI = "黑体"
KAI = "楷体_GB2312"
FANGSONG = "仿宋_GB2312"
SONG = "宋体"
LATIN = "Times New Roman"

# Font -> the common font substituted when it is missing (Word/WPS: w:altName).
FALLBACKS: dict[str, str] = {
    TITLE_FONT: HEI,
    FANGSONG: "仿宋",
    KAI: "楷体",
}

# Font -> the family LibreOffice on Linux uses for it (fontconfig aliases).
LINUX_SUBSTITUTES: dict[str, str] = {
    TITLE_FONT: "Noto Serif CJK SC",
    HEI: "Noto Sans CJK SC",
    "黑体": "Noto Sans CJK SC",
    "SimHei": "Noto Sans CJK SC",
    KAI: "Noto Serif CJK SC",
    "楷体": "Noto Serif CJK SC",
    FANGSONG: "Noto Serif CJK SC",
    "仿宋": "Noto Serif CJK SC",
    SONG: "Noto Serif CJK SC",
    "SimSun": "Noto Serif CJK SC",
}

# Sizes in half-points (Word's unit for w:sz): 二号 22 pt, 三号 16 pt, 四号 14 pt, 五号 10.5 pt,
# 小五 9 pt.
ER_HAO = 44
SAN_HAO = 32
SI_HAO = 28
XIAO_SI = 24
WU_HAO = 21
XIAO_WU = 18

CM = 567  # twentieths of a point per centimetre (rounded)


@dataclass(frozen=True)
class Page:
    """A4 portrait with the official margins, in twips."""

    width: int = 11906
    height: int = 16838
    top: int = round(3.7 * CM)
    bottom: int = round(3.5 * CM)
    left: int = round(2.8 * CM)
    right: int = round(2.6 * CM)
    footer: int = round(2.5 * CM)

    @property
    def text_width(self) -> int:
        """Width between the margins."""
        return self.width - self.left - self.right


PAGE = Page()


@dataclass(frozen=True)
class Font:
    """A run's font: East Asian face, size in half-points, bold."""

    face: str
    size: int
    bold: bool = False


BODY = Font(FANGSONG, SAN_HAO)
BODY_BOLD = Font(FANGSONG, SAN_HAO, bold=True)
TITLE = Font(TITLE_FONT, ER_HAO)
PART = Font(HEI, SAN_HAO)
HEADING1 = Font(TITLE_FONT, ER_HAO)
HEADING2 = Font(HEI, SAN_HAO)
HEADING3 = Font(KAI, SAN_HAO)
TABLE_TITLE = Font(HEI, SI_HAO)
TABLE = Font(FANGSONG, WU_HAO)
TABLE_HEAD = Font(HEI, WU_HAO)
# The monitoring tables have ten columns: 小五 keeps them on the portrait page.
TABLE_SMALL = Font(FANGSONG, XIAO_WU)
TABLE_HEAD_SMALL = Font(HEI, XIAO_WU)
TOC_ENTRY = Font(FANGSONG, SI_HAO)
FOOTER = Font(SONG, SI_HAO)
LINE_PITCH = 560  # fixed line spacing of body text, twips (28 pt)
